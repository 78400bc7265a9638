package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/consent"
)

// The consent pages (docs/CONSENT.md): /consent lists the systems that
// declare uses of personal data, filtered by domain, provider and country,
// with each notice in the reader's language; /consent/me is a person's own
// page: their key (the identifier only they hold, kept in a cookie on
// their browser), each purpose's state with one button to change it
// (granting and withdrawing take the same single step, GDPR Art. 7(3)),
// their history, the export of their receipts and erasure.

// consentCookie holds the person's key:… identifier, on /consent only.
const consentCookie = "accord_consent"

type consentSystem struct {
	Notice    accord.ConsentNotice
	TradeName accord.Text
	Provider  string // the provider's name (or id)
	Text      Shown  // the notice in the reader's language
	Purposes  []consentPurposeRow
}

type consentPurposeRow struct {
	accord.ConsentPurpose
	Allow   bool
	Reason  string
	Consent bool // consent basis (deny unless granted); else objectable or other
	Other   bool // a basis consent does not touch (contract, legal obligation…)
}

type consentListData struct {
	Systems   []consentSystem
	Domains   []string
	Providers [][2]string // id, name
	Countries []string
	Domain    string
	Provider  string
	Country   string
}

type consentMeData struct {
	SignedIn  bool
	NewKey    string // shown once, right after it was made
	Pseudonym string
	System    string // the one system the page is about, if chosen
	Systems   []consentSystem
	History   []consentHistoryRow
	// AgeCountries are the countries whose age of digital consent the node
	// knows, for a guardian's grant.
	AgeCountries []string
}

type consentHistoryRow struct {
	accord.ConsentEvent
	Scope string
}

// consentRoutes registers the consent pages.
func (h *Handler) consentRoutes() {
	h.mux.HandleFunc("GET /consent", h.consentList)
	h.mux.HandleFunc("GET /consent/me", h.consentMe)
	h.mux.HandleFunc("POST /consent/me/key", h.consentSignIn)
	h.mux.HandleFunc("POST /consent/me/new", h.consentNewKey)
	h.mux.HandleFunc("POST /consent/me/signout", h.consentSignOut)
	h.mux.HandleFunc("POST /consent/me/events", h.consentEvent)
	h.mux.HandleFunc("POST /consent/me/erase", h.consentErase)
	h.mux.HandleFunc("GET /consent/me/receipts", h.consentReceipts)
}

func (h *Handler) consentSystems(ctx context.Context, l *Locale, pseudonym string, keep func(accord.ConsentNotice) bool) ([]consentSystem, error) {
	ns, err := h.cfg.Consent.Notices(ctx)
	if err != nil {
		return nil, err
	}
	now := h.cfg.Now()
	var out []consentSystem
	for _, n := range ns {
		if keep != nil && !keep(n) {
			continue
		}
		v, err := h.reg.System(ctx, nil, n.System)
		if err != nil {
			if accord.ErrorCode(err) == accord.ENotFound {
				continue
			}
			return nil, err
		}
		if v.Status == "withdrawn" {
			continue
		}
		cs := consentSystem{Notice: n, TradeName: v.Filing.TradeName, Provider: n.Provider, Text: l.Pick(n.Text)}
		if o, ok := h.orgs.get(ctx, n.Provider); ok {
			cs.Provider = l.Pick(o.Name).Text
		}
		for _, p := range n.Purposes {
			row := consentPurposeRow{ConsentPurpose: p, Consent: accord.ConsentBased(p.LegalBasis)}
			row.Other = !row.Consent && !accord.Objectable(p.LegalBasis)
			if pseudonym != "" {
				row.Allow, row.Reason = h.cfg.Consent.Allowed(n.System, p.ID, pseudonym, now)
			}
			cs.Purposes = append(cs.Purposes, row)
		}
		out = append(out, cs)
	}
	return out, nil
}

func (h *Handler) consentList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if bad := checkParams(q, []string{"domain", "provider", "country", "lang"}); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	p := h.newPage(r, "consent", "consent.title", nil)
	p.Description = p.L.T("consent.meta")
	d := &consentListData{Domain: q.Get("domain"), Provider: q.Get("provider"), Country: q.Get("country")}
	if h.cfg.Consent != nil {
		all, err := h.consentSystems(r.Context(), p.L, "", nil)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		seen := map[string]bool{}
		for _, s := range all {
			for _, dm := range s.Notice.Domains {
				if !seen["d"+dm] {
					seen["d"+dm] = true
					d.Domains = append(d.Domains, dm)
				}
			}
			if !seen["p"+s.Notice.Provider] {
				seen["p"+s.Notice.Provider] = true
				d.Providers = append(d.Providers, [2]string{s.Notice.Provider, s.Provider})
			}
			for _, c := range s.Notice.Jurisdictions {
				if !seen["c"+c] {
					seen["c"+c] = true
					d.Countries = append(d.Countries, c)
				}
			}
		}
		slices.Sort(d.Domains)
		slices.Sort(d.Countries)
		for _, s := range all {
			n := s.Notice
			if (d.Domain == "" || slices.Contains(n.Domains, d.Domain)) && (d.Provider == "" || n.Provider == d.Provider) &&
				(d.Country == "" || slices.Contains(n.Jurisdictions, d.Country) || accord.Covers(n.Jurisdictions, d.Country)) {
				d.Systems = append(d.Systems, s)
			}
		}
	}
	p.Data = d
	h.render(w, r, http.StatusOK, "consent", p)
}

// subjectKey reads the person's identifier from their cookie.
func (h *Handler) subjectKey(r *http.Request) string {
	c, err := r.Cookie(consentCookie)
	if err != nil {
		return ""
	}
	if _, err := consent.NormalIdentifier("key", c.Value); err != nil || !strings.HasPrefix(c.Value, "key:") {
		return ""
	}
	return c.Value
}

func (h *Handler) setSubjectKey(w http.ResponseWriter, r *http.Request, key string) {
	ck := &http.Cookie{Name: consentCookie, Value: key, Path: "/consent", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: h.secure(r)}
	if key == "" {
		ck.MaxAge = -1
	}
	http.SetCookie(w, ck)
}

func (h *Handler) consentMe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if bad := checkParams(q, []string{"system", "lang"}); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	h.renderMe(w, r, h.subjectKey(r), "", q.Get("system"))
}

func (h *Handler) renderMe(w http.ResponseWriter, r *http.Request, key, newKey, system string) {
	if h.cfg.Consent == nil {
		h.notFound(w, r)
		return
	}
	p := h.newPage(r, "consent", "consent.me.title", nil)
	p.Description = p.L.T("consent.meta")
	p.Private = true
	d := &consentMeData{System: system, NewKey: newKey}
	for c := range accord.ConsentAges {
		d.AgeCountries = append(d.AgeCountries, c)
	}
	slices.Sort(d.AgeCountries)
	if key != "" {
		ctx := r.Context()
		pseudonym, events, err := h.cfg.Consent.History(ctx, nil, key)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.SignedIn, d.Pseudonym = true, pseudonym
		if d.Systems, err = h.consentSystems(ctx, p.L, pseudonym, func(n accord.ConsentNotice) bool { return system == "" || n.System == system }); err != nil {
			h.fail(w, r, err)
			return
		}
		for i := len(events) - 1; i >= 0; i-- {
			e := events[i]
			row := consentHistoryRow{ConsentEvent: e, Scope: e.System}
			switch {
			case e.Provider != "":
				row.Scope = p.L.T("consent.scope.provider", "id", e.Provider)
			case e.Domain != "":
				row.Scope = p.L.T("consent.scope.domain", "id", e.Domain)
			}
			d.History = append(d.History, row)
		}
	}
	p.Data = d
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, http.StatusOK, "consent_me", p)
}

func (h *Handler) consentSignIn(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Consent == nil {
		h.notFound(w, r)
		return
	}
	key := strings.TrimSpace(r.PostFormValue("key"))
	if !strings.HasPrefix(key, "key:") {
		key = "key:" + key
	}
	if _, err := consent.NormalIdentifier("key", key); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "consent.error.key", fieldProblem{Field: "key", Message: negotiate(r).T("consent.error.key")})
		return
	}
	h.setSubjectKey(w, r, key)
	http.Redirect(w, r, "/consent/me", http.StatusSeeOther)
}

func (h *Handler) consentNewKey(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Consent == nil {
		h.notFound(w, r)
		return
	}
	b := make([]byte, 24)
	rand.Read(b)
	key := "key:" + base64.RawURLEncoding.EncodeToString(b)
	h.setSubjectKey(w, r, key)
	h.renderMe(w, r, key, strings.TrimPrefix(key, "key:"), "")
}

func (h *Handler) consentSignOut(w http.ResponseWriter, r *http.Request) {
	h.setSubjectKey(w, r, "")
	http.Redirect(w, r, "/consent/me", http.StatusSeeOther)
}

// consentEvent records one click: grant, withdraw, object, or a
// provider-wide objection.
func (h *Handler) consentEvent(w http.ResponseWriter, r *http.Request) {
	key := h.subjectKey(r)
	if h.cfg.Consent == nil || key == "" {
		http.Redirect(w, r, "/consent/me", http.StatusSeeOther)
		return
	}
	f := func(k string) string { return r.PostFormValue(k) }
	req := accord.ConsentRequest{Subject: key, Action: f("action"), Purpose: f("purpose")}
	if f("scope") == "provider" {
		req.Provider = f("provider")
	} else {
		req.System = f("system")
	}
	if req.Action == accord.ActionNarrow {
		req.DataCategories = r.PostForm["data"]
		if len(req.DataCategories) == 0 {
			h.errorPage(w, r, http.StatusBadRequest, "consent.refused", fieldProblem{Field: "data", Message: negotiate(r).T("consent.narrow_none")})
			return
		}
	}
	if req.Action == accord.ActionGrant || req.Action == accord.ActionNarrow {
		v, err := strconv.Atoi(f("notice_version"))
		if err != nil {
			h.errorPage(w, r, http.StatusBadRequest, "error.bad_request", fieldProblem{Field: "notice_version", Message: negotiate(r).T("error.bad_param", "name", "notice_version")})
			return
		}
		req.NoticeVersion, req.Language = v, f("language")
		if f("role") == accord.RoleGuardian {
			req.Role, req.Country = accord.RoleGuardian, f("country")
			if req.Age, err = strconv.Atoi(f("age")); err != nil {
				h.errorPage(w, r, http.StatusBadRequest, "consent.refused", fieldProblem{Field: "age", Message: negotiate(r).T("consent.guardian_age")})
				return
			}
		}
		if f("explicit") == "1" {
			req.ConsentType = accord.ConsentExplicit
		}
		// One purpose per click: never bundled with another, which is
		// what PIPL's separate consent asks.
		req.Separate = f("separate") == "1"
	}
	ch := consent.Channel{Method: accord.MethodWeb}
	if r.Header.Get("Sec-GPC") == "1" && req.Action == accord.ActionObject {
		ch.Signal = "Sec-GPC"
	}
	if _, err := h.cfg.Consent.Record(r.Context(), nil, req, ch); err != nil {
		h.consentFail(w, r, err)
		return
	}
	back := "/consent/me"
	if s := f("back"); s != "" {
		back += "?system=" + url.QueryEscape(s)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// consentFail shows a refused event: the message names the field, in the
// reader's language where the reason has a translation.
func (h *Handler) consentFail(w http.ResponseWriter, r *http.Request, err error) {
	l := negotiate(r)
	var probs []fieldProblem
	for _, fe := range fieldErrors(err) {
		probs = append(probs, fieldProblem{Field: fe.Field, Message: fe.Message})
	}
	msg := accord.ErrorMessage(err)
	for _, reason := range []string{accord.ReasonMinorNoGuardian, accord.ReasonGuardianForAdult, accord.ReasonNotExplicit, accord.ReasonSeparateMissing, accord.ReasonNoticeExpired} {
		if strings.Contains(msg, "["+reason+"]") && l.Has("consent.refused."+reason) {
			probs = []fieldProblem{{Field: reason, Message: l.T("consent.refused." + reason)}}
		}
	}
	status := http.StatusBadRequest
	if accord.ErrorCode(err) == accord.EConflict {
		status = http.StatusConflict
		if len(probs) == 0 {
			probs = []fieldProblem{{Field: "notice_version", Message: l.T("consent.refused.conflict")}}
		}
	}
	if c := accord.ErrorCode(err); c != accord.EInvalid && c != accord.EConflict {
		h.fail(w, r, err)
		return
	}
	h.errorPage(w, r, status, "consent.refused", probs...)
}

func (h *Handler) consentErase(w http.ResponseWriter, r *http.Request) {
	key := h.subjectKey(r)
	if h.cfg.Consent == nil || key == "" {
		http.Redirect(w, r, "/consent/me", http.StatusSeeOther)
		return
	}
	if r.PostFormValue("confirm") != "1" {
		h.errorPage(w, r, http.StatusBadRequest, "consent.erase.unconfirmed", fieldProblem{Field: "confirm", Message: negotiate(r).T("consent.erase.unconfirmed")})
		return
	}
	if _, err := h.cfg.Consent.Erase(r.Context(), nil, key); err != nil && accord.ErrorCode(err) != accord.ENotFound && accord.ErrorCode(err) != accord.EConflict {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/consent/me", http.StatusSeeOther)
}

func (h *Handler) consentReceipts(w http.ResponseWriter, r *http.Request) {
	key := h.subjectKey(r)
	if h.cfg.Consent == nil || key == "" {
		http.Redirect(w, r, "/consent/me", http.StatusSeeOther)
		return
	}
	rs, err := h.cfg.Consent.Export(r.Context(), nil, key)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Disposition", `attachment; filename="consent-receipts-`+time.Now().UTC().Format("20060102")+`.json"`)
	w.Write(b)
}

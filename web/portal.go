package web

import (
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// maxFormBytes bounds a posted form: four texts in seven languages of at
// most 4000 characters each, and the rest, fit comfortably.
const maxFormBytes = 1 << 20

type portalData struct {
	SignInError string
	Systems     []hit
	OrgName     Shown
	Kind        string
}

func (h *Handler) portal(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), nil); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	ctx := r.Context()
	p := h.newPage(r, "portal", "portal.title", nil)
	p.Private = true
	d := portalData{}
	c, ss, err := h.caller(ctx, r)
	if err == nil {
		p.Org = ss.org
		d.OrgName = p.L.Pick(ss.org.Name)
		d.Kind = ss.org.Kind
		res, err := h.reg.Search(ctx, accord.SystemQuery{Provider: c.Org(), Limit: 100})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Systems = h.hits(p.L, res.Systems)
	} else {
		p.Org = nil
	}
	p.Data = d
	h.render(w, r, http.StatusOK, "portal", p)
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	secret := strings.TrimSpace(r.PostFormValue("token"))
	p := h.newPage(r, "portal", "portal.title", nil)
	p.Private = true
	fail := func(key string) {
		p.Org = nil
		p.Data = portalData{SignInError: p.L.T(key)}
		h.render(w, r, http.StatusUnauthorized, "portal", p)
	}
	if secret == "" {
		fail("portal.err.token_required")
		return
	}
	c, err := h.reg.Authenticate(ctx, secret)
	if err != nil || c == nil {
		if accord.ErrorCode(err) == accord.EUnauthorized {
			fail("portal.err.token_unknown")
		} else {
			h.fail(w, r, err)
		}
		return
	}
	if c.Org() == "" {
		fail("portal.err.admin")
		return
	}
	// A new sign-in gets a new session id; the browser's old one ends.
	id, err := h.sessions.create(ctx, c, cookie(r))
	if accord.ErrorCode(err) == accord.EUnauthorized {
		fail("portal.err.token_unknown") // revoked since Authenticate
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.setSessionCookie(w, r, id, int(h.cfg.SessionTTL.Seconds()))
	http.Redirect(w, r, "/portal", http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if id := cookie(r); id != "" {
		h.sessions.delete(r.Context(), id)
	}
	h.setSessionCookie(w, r, "", -1)
	http.Redirect(w, r, "/portal", http.StatusSeeOther)
}

// formData is the filing form's state.
type formData struct {
	Action   string
	Edit     bool
	SystemID string
	ETag     string
	Name     Shown // the system's name, when editing

	Texts     []textInput
	Reference simpleInput
	Version   simpleInput
	Status    choiceInput
	Countries simpleInput
	// Scope (EU AI Act Art. 2(1)): where the filer is established and
	// where the output is used; OtherDomain describes an "other" domain.
	Established simpleInput
	OutputUsed  simpleInput
	OtherDomain simpleInput
	InfoURL     simpleInput
	Lists       []choiceInput // domains (grouped) and the other vocabularies
	FactGroups  []factGroup
	Documents   []docRow
	DocKinds    []option
	Conf        choiceInput

	Idem string // Idempotency-Key: a form posted twice files once

	Errors  []summaryItem
	Global  []string
	Preview *classView
	Valid   bool // the last check found no problem
}

type simpleInput struct {
	ID, Name, Label, Hint, Value string
	Errs                         []string
	Required                     bool
}

type textInput struct {
	Name, Label, Hint string
	Required, Long    bool
	ID                string // the fieldset
	Errs              []string
	Langs             []langInput // the reader's language first
	Open              bool        // the other languages are shown
	OtherTag          string
	OtherText         string
	OtherID           string
	OtherErrs         []string
}

type langInput struct {
	Code, Label, Value, ID string
	Errs                   []string
}

type choiceInput struct {
	ID, Name, Label, Hint string
	Errs                  []string
	Groups                []optionGroup
	Required              bool
}

type optionGroup struct {
	Label   string
	Options []option
}

type option struct {
	ID, Value, Label string
	Checked          bool
}

type factGroup struct {
	Label string
	Facts []factInput
}

type factInput struct {
	ID, Name, Label, Type, Value string
	Source                       template.HTML // the provision it answers, cited in the reader's language
	// Hint explains a legal term the question turns on (e.g. China's
	// "public-opinion attributes"), where the catalogue has hint.fact.<name>.
	Hint string
	Errs []string
}

type docRow struct {
	Index                    int
	Kind, Title, URL, SHA256 simpleInput
}

type summaryItem struct {
	ID, Label, Message string
}

// factGroups sorts the facts into the groups of accord.Facts.
var factGroups = []struct {
	key   string
	facts []string
}{
	{"facts.group.capabilities", []string{"interacts_with_natural_persons", "generates_synthetic_content", "deep_fake", "public_interest_text", "remote_biometric_identification", "real_time_biometric_identification", "publicly_accessible_spaces", "biometric_verification_only", "biometric_categorisation", "infers_sensitive_attributes", "emotion_recognition", "profiling", "automated_decision", "safety_component", "third_party_conformity_assessment", "annex_i_section_b", "manipulative_techniques", "exploits_vulnerabilities", "social_scoring", "crime_prediction_by_profiling", "untargeted_facial_scraping", "medical_or_safety_purpose", "biometric_law_enforcement_exception"}},
	{"facts.group.scope", []string{"not_ai_system", "military_only", "research_only", "pre_market_research", "international_cooperation", "personal_use_only", "free_open_source"}},
	{"facts.group.derogation", []string{"narrow_procedural_task", "improves_human_activity", "detects_decision_patterns", "preparatory_task", "material_influence_on_decision"}},
	{"facts.group.models", []string{"general_purpose_model", "training_compute_flop", "parameter_count", "licence", "open_weights", "systemic_risk_designated"}},
	{"facts.group.china", []string{"public_opinion_attributes", "public_facing_service", "internet_information_service", "edits_biometric_features"}},
	{"facts.group.us", []string{"trained_by_filer", "developer_annual_revenue_usd", "intended_to_incite_harm", "sole_intent_unlawful_sexual_content", "sexual_chat_imitating_minor"}},
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), nil); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	c, ss, err := h.caller(r.Context(), r)
	if err != nil {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	p := h.newPage(r, "portal", "portal.new.title", nil)
	p.Private, p.Org = true, ss.org
	if c.OrgKind != "provider" {
		h.errorPage(w, r, http.StatusForbidden, "portal.err.not_provider")
		return
	}
	v := url.Values{"status": {"active"}}
	d := h.formData(p.L, v, &formErrors{}, "/portal/new")
	d.Idem = newIdemKey()
	p.Data = d
	h.render(w, r, http.StatusOK, "form", p)
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), nil); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	ctx := r.Context()
	c, ss, err := h.caller(ctx, r)
	if err != nil {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	id := r.PathValue("id")
	if !validID(id) {
		h.notFound(w, r)
		return
	}
	view, err := h.reg.SystemAt(ctx, c, id, 0, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if view.Provider != c.Org() {
		h.errorPage(w, r, http.StatusForbidden, "portal.err.not_yours")
		return
	}
	if view.Status == "withdrawn" {
		h.errorPage(w, r, http.StatusConflict, "portal.err.withdrawn")
		return
	}
	p := h.newPage(r, "portal", "portal.edit.title", nil)
	p.Private, p.Org = true, ss.org
	d := h.formData(p.L, filingValues(view.Filing), &formErrors{}, "/portal/systems/"+id)
	d.Edit, d.SystemID, d.ETag, d.Name = true, id, view.ETag(), p.L.Pick(view.Filing.TradeName)
	p.Title = p.L.T("portal.edit.title_named", "name", d.Name.Text)
	p.Data = d
	h.render(w, r, http.StatusOK, "form", p)
}

func (h *Handler) submitNew(w http.ResponseWriter, r *http.Request) { h.submit(w, r, "") }

func (h *Handler) submitEdit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		h.notFound(w, r)
		return
	}
	h.submit(w, r, id)
}

// submit checks a posted filing; with action=submit and no problem it
// files it (or its new version), otherwise it shows the form again with
// every problem next to its input and, when the filing is valid, the
// classification it would get.
func (h *Handler) submit(w http.ResponseWriter, r *http.Request, id string) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
		return
	}
	c, ss, err := h.caller(ctx, r)
	if err != nil {
		h.errorPage(w, r, http.StatusForbidden, "portal.err.signed_out")
		return
	}
	p := h.newPage(r, "portal", "portal.new.title", nil)
	p.Private, p.Org = true, ss.org
	l := p.L
	if c.OrgKind != "provider" {
		h.errorPage(w, r, http.StatusForbidden, "portal.err.not_provider")
		return
	}
	v := r.PostForm
	errs := &formErrors{}
	f, docRows := parseFiling(l, v, errs)
	norm, err := f.Normalize()
	for _, fe := range fieldErrors(err) {
		id, msg := localizeProblem(l, fe, docRows)
		errs.add(id, msg)
	}
	if err != nil && len(fieldErrors(err)) == 0 {
		h.fail(w, r, err)
		return
	}
	action := "/portal/new"
	if id != "" {
		action = "/portal/systems/" + id
		p.Title = l.T("portal.edit.title")
	}
	if errs.empty() && v.Get("action") == "submit" {
		var view *registry.SystemView
		var werr error
		if id == "" {
			key := v.Get("idem")
			if len(key) > 64 {
				key = ""
			}
			view, werr = h.reg.FileSystem(ctx, c, registry.FileRequest{Filing: norm, IdempotencyKey: key})
		} else {
			view, werr = h.reg.UpdateSystem(ctx, c, id, v.Get("etag"), norm)
		}
		if werr == nil {
			done := "filed"
			if id != "" {
				done = "updated"
			}
			http.Redirect(w, r, "/systems/"+view.ID+"?done="+done, http.StatusSeeOther)
			return
		}
		switch accord.ErrorCode(werr) {
		case accord.EPreconditionFailed, accord.EPreconditionRequired:
			errs.global = append(errs.global, l.T("portal.err.stale"))
		case accord.EConflict:
			errs.global = append(errs.global, l.T("portal.err.withdrawn"))
		case accord.EForbidden:
			errs.global = append(errs.global, l.T("portal.err.not_yours"))
		case accord.EInvalid:
			for _, fe := range fieldErrors(werr) {
				fid, msg := localizeProblem(l, fe, docRows)
				errs.add(fid, msg)
			}
			if errs.empty() {
				errs.global = append(errs.global, l.T("err.invalid"))
			}
		default:
			h.fail(w, r, werr)
			return
		}
	}
	d := h.formData(l, v, errs, action)
	d.Idem = v.Get("idem")
	if d.Idem == "" {
		d.Idem = newIdemKey()
	}
	if id != "" {
		d.Edit, d.SystemID, d.ETag = true, id, v.Get("etag")
	}
	d.Valid = errs.empty()
	if d.Valid && h.cls != nil {
		if res, err := h.cls.Preview(ctx, norm); err == nil {
			d.Preview = h.classView(l, res)
		} else {
			h.log.Warn("preview", "err", err)
		}
	}
	status := http.StatusOK
	if !errs.empty() {
		status = http.StatusUnprocessableEntity
	}
	p.Data = d
	h.render(w, r, status, "form", p)
}

// formData builds the form's view from the posted (or stored) values and
// the problems found, so the form shows what the provider typed.
func (h *Handler) formData(l *Locale, v url.Values, errs *formErrors, action string) formData {
	d := formData{Action: action, Global: errs.global}
	take := func(id string) []string { return errs.byID[id] }
	simple := func(name, hintKey string, required bool) simpleInput {
		id := fieldID(name)
		s := simpleInput{ID: id, Name: name, Label: l.T("field." + name), Value: v.Get(name), Errs: take(id), Required: required}
		if hintKey != "" {
			s.Hint = l.T(hintKey)
		}
		return s
	}
	// The reader's language first, then the other UN languages.
	order := append([]string{l.Code}, slices.DeleteFunc(slices.Clone(localeCodes), func(c string) bool { return c == l.Code })...)
	for _, tf := range textFields {
		t := textInput{Name: tf.name, Label: l.T("field." + tf.name), Hint: l.T("hint." + tf.name), Required: tf.required, Long: tf.long, ID: fieldID(tf.name), Errs: take(fieldID(tf.name))}
		for i, code := range order {
			li := langInput{Code: code, Label: l.LanguageName(code), Value: v.Get(tf.name + "." + code), ID: fieldID(tf.name + "." + code)}
			li.Errs = take(li.ID)
			if i > 0 && (li.Value != "" || len(li.Errs) > 0) {
				t.Open = true
			}
			t.Langs = append(t.Langs, li)
		}
		t.OtherTag, t.OtherText, t.OtherID = v.Get(tf.name+".other_lang"), v.Get(tf.name+".other_text"), fieldID(tf.name+".other")
		t.OtherErrs = take(t.OtherID)
		if t.OtherTag != "" || t.OtherText != "" || len(t.OtherErrs) > 0 {
			t.Open = true
		}
		d.Texts = append(d.Texts, t)
	}
	d.Reference = simple("reference", "hint.reference", false)
	d.Version = simple("system_version", "hint.system_version", true)
	d.Countries = simple("deployment_countries", "hint.deployment_countries", true)
	d.Established = simple("established_in", "hint.established_in", false)
	d.OutputUsed = simple("output_used_in", "hint.output_used_in", false)
	d.OtherDomain = simple("other_domain", "hint.other_domain", false)
	d.InfoURL = simple("info_url", "hint.info_url", false)

	checked := func(name, value string) bool { return slices.Contains(v[name], value) }
	d.Status = choiceInput{ID: fieldID("status"), Name: "status", Label: l.T("field.status"), Errs: take(fieldID("status")), Required: true}
	var st []option
	for _, code := range []string{"planned", "active", "discontinued", "recalled"} {
		st = append(st, option{ID: fieldID("status") + "-" + code, Value: code, Label: l.Vocab("status", code), Checked: v.Get("status") == code})
	}
	d.Status.Groups = []optionGroup{{Options: st}}

	list := func(name, kind string, vocab accord.Vocabulary, required bool) choiceInput {
		ci := choiceInput{ID: fieldID(name), Name: name, Label: l.T("field." + name), Hint: l.T("hint." + name), Errs: take(fieldID(name)), Required: required}
		var g optionGroup
		for _, t := range vocab {
			g.Options = append(g.Options, option{ID: fieldID(name) + "-" + t.Code, Value: t.Code, Label: l.Vocab(kind, t.Code), Checked: checked(name, t.Code)})
		}
		ci.Groups = []optionGroup{g}
		return ci
	}
	// Domains are grouped by area, in vocabulary order.
	dom := choiceInput{ID: fieldID("domains"), Name: "domains", Label: l.T("field.domains"), Hint: l.T("hint.domains"), Errs: take(fieldID("domains")), Required: true}
	for _, t := range accord.Domains {
		area, _, _ := strings.Cut(t.Code, ".")
		label := l.T("area." + area)
		if n := len(dom.Groups); n == 0 || dom.Groups[n-1].Label != label {
			dom.Groups = append(dom.Groups, optionGroup{Label: label})
		}
		g := &dom.Groups[len(dom.Groups)-1]
		g.Options = append(g.Options, option{ID: fieldID("domains") + "-" + t.Code, Value: t.Code, Label: l.Vocab("domain", t.Code), Checked: checked("domains", t.Code)})
	}
	d.Lists = []choiceInput{
		dom,
		list("roles", "role", accord.Roles, false),
		list("algorithm_types", "algorithm", accord.AlgorithmTypes, false),
		list("deployer_kinds", "deployer", accord.DeployerKinds, false),
		list("affected_persons", "affected", accord.AffectedPersons, false),
		list("personal_data", "personal", accord.PersonalDataCategories, false),
	}
	types := map[string]accord.FactDoc{}
	for _, fd := range accord.FactDocs {
		types[fd.Name] = fd
	}
	for _, g := range factGroups {
		fg := factGroup{Label: l.T(g.key)}
		for _, name := range g.facts {
			fd := types[name]
			id := fieldID("facts." + name)
			hint := ""
			if l.Has("hint.fact." + name) {
				hint = l.T("hint.fact." + name)
			}
			fg.Facts = append(fg.Facts, factInput{ID: id, Name: "facts." + name, Label: l.T("fact." + name), Source: l.Cite(fd.Source, ""), Hint: hint, Type: fd.Type, Value: v.Get("facts." + name), Errs: take(id)})
		}
		d.FactGroups = append(d.FactGroups, fg)
	}
	for _, t := range accord.DocumentKinds {
		d.DocKinds = append(d.DocKinds, option{Value: t.Code, Label: l.Vocab("document", t.Code)})
	}
	rows := 2
	for i := range maxDocRows {
		p := "documents." + strconv.Itoa(i) + "."
		if v.Get(p+"url") != "" || v.Get(p+"title") != "" || v.Get(p+"sha256") != "" {
			rows = max(rows, i+2) // one blank row after the last filled one
		}
	}
	rows = min(rows, maxDocRows)
	for i := range rows {
		p := "documents." + strconv.Itoa(i) + "."
		cell := func(part string) simpleInput {
			id := fieldID(p + part)
			return simpleInput{ID: id, Name: p + part, Label: l.T("field.document." + part), Value: v.Get(p + part), Errs: take(id)}
		}
		d.Documents = append(d.Documents, docRow{Index: i + 1, Kind: cell("kind"), Title: cell("title"), URL: cell("url"), SHA256: cell("sha256")})
	}
	if errsDocs := take(fieldID("documents")); len(errsDocs) > 0 {
		d.Global = append(d.Global, errsDocs...)
	}
	conf := choiceInput{ID: fieldID("confidential"), Name: "confidential", Label: l.T("field.confidential"), Hint: l.T("hint.confidential"), Errs: take(fieldID("confidential"))}
	var g optionGroup
	for _, f := range accord.ConfidentialFields() {
		g.Options = append(g.Options, option{ID: fieldID("confidential") + "-" + strings.ReplaceAll(f, ".", "-"), Value: f, Label: l.FieldLabel(f), Checked: checked("confidential", f)})
	}
	conf.Groups = []optionGroup{g}
	d.Conf = conf

	// The summary links each problem to its input, in form order.
	labels := map[string]string{}
	for _, t := range d.Texts {
		labels[t.ID] = t.Label
		for _, li := range t.Langs {
			labels[li.ID] = t.Label + " (" + li.Label + ")"
		}
		labels[t.OtherID] = t.Label + " (" + l.T("form.other_language") + ")"
	}
	for _, s := range []simpleInput{d.Reference, d.Version, d.Countries, d.Established, d.OutputUsed, d.OtherDomain, d.InfoURL} {
		labels[s.ID] = s.Label
	}
	labels[d.Status.ID] = d.Status.Label
	for _, c := range append(d.Lists, d.Conf) {
		labels[c.ID] = c.Label
	}
	for _, fg := range d.FactGroups {
		for _, fi := range fg.Facts {
			labels[fi.ID] = fi.Label
		}
	}
	for _, dr := range d.Documents {
		for _, c := range []simpleInput{dr.Kind, dr.Title, dr.URL, dr.SHA256} {
			labels[c.ID] = l.T("fmt.label_value", "label", l.T("form.document_n", "n", dr.Index), "value", c.Label)
		}
	}
	for _, id := range errs.order {
		lab, ok := labels[id]
		for _, m := range errs.byID[id] {
			if ok {
				d.Errors = append(d.Errors, summaryItem{ID: id, Label: lab, Message: m})
			} else if id != fieldID("documents") {
				// A problem with no input of its own is shown above the form.
				d.Global = append(d.Global, m)
			}
		}
	}
	return d
}

// newIdemKey makes the form's Idempotency-Key.
func newIdemKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "web-" + hex.EncodeToString(b)
}

package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/resource"
)

// The shared-resources catalogue's pages: browse and search with facets
// (kind, licence, openness, language, access, eligibility, country), a
// resource's page with its eligibility for a country, the needs members
// posted with the resources suggested for them, and the portal form to
// post a need. Pages are light (no script, one stylesheet) for slow
// connections.

func (h *Handler) resourceRoutes() {
	if h.cfg.Resources == nil {
		return
	}
	h.mux.HandleFunc("GET /resources", h.resources)
	h.mux.HandleFunc("GET /resources/{id}", h.resourcePage)
	h.mux.HandleFunc("GET /needs", h.needs)
	h.mux.HandleFunc("GET /needs/{id}", h.needPage)
	h.mux.HandleFunc("GET /portal/needs/new", h.needForm)
	h.mux.HandleFunc("POST /portal/needs/new", h.postNeed)
}

var resourceParams = []string{"q", "kind", "licence", "language", "country", "mode", "osaid", "mof", "free_for", "usable_by", "sector", "cursor"}

type resourcesData struct {
	S       accord.ResourceSearch
	Kinds   []resourceFacetLink
	Modes   []string
	Sectors []string
	Active  []resourceFacetLink // filters set, each with the link that removes it
	Hits    []resourceHit
	Next    string
	// Eligible: the results were filtered by a country's eligibility.
	Country string
}

type resourceFacetLink struct {
	Name, Value, Label, Link string
	Current                  bool
}

type resourceHit struct {
	R           accord.Resource
	Title       Shown
	Eligibility *accord.Eligibility
}

// withParam returns the query with one parameter set (or removed when v
// is ""), the cursor dropped.
func withParam(q url.Values, k, v string) string {
	c := url.Values{}
	for key, vs := range q {
		if key != "cursor" && key != k && len(vs) > 0 && vs[0] != "" {
			c.Set(key, vs[0])
		}
	}
	if v != "" {
		c.Set(k, v)
	}
	if len(c) == 0 {
		return "/resources"
	}
	return "/resources?" + c.Encode()
}

func (h *Handler) resources(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if bad := checkParams(q, resourceParams); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	p := h.newPage(r, "resources", "res.title", nil)
	l := p.L
	mof, _ := strconv.Atoi(q.Get("mof"))
	s := accord.ResourceSearch{Text: q.Get("q"), Kind: q.Get("kind"), Licence: q.Get("licence"), Language: q.Get("language"),
		Country: q.Get("country"), Mode: q.Get("mode"), OSAID: q.Get("osaid") == "true", MOF: mof, FreeFor: strings.ToUpper(q.Get("free_for")),
		UsableBy: strings.ToUpper(q.Get("usable_by")), Sector: q.Get("sector"), Cursor: q.Get("cursor"), Limit: 20}
	if q.Get("mof") != "" && strconv.Itoa(mof) != q.Get("mof") {
		h.badRequest(w, r, []string{"mof"})
		return
	}
	page, err := h.cfg.Resources.Search(r.Context(), s)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &resourcesData{S: s, Modes: accord.AccessModes.Codes(), Sectors: accord.Sectors.Codes()}
	for _, k := range accord.ResourceKinds.Codes() {
		d.Kinds = append(d.Kinds, resourceFacetLink{Name: "kind", Value: k, Label: l.Vocab("res.kind", k), Link: withParam(q, "kind", k), Current: k == s.Kind})
	}
	for _, f := range []struct{ name, label, value string }{
		{"q", "res.f.q", s.Text}, {"kind", "res.f.kind", l.Vocab("res.kind", s.Kind)}, {"licence", "res.f.licence", s.Licence},
		{"language", "res.f.language", l.LanguageName(s.Language)}, {"country", "res.f.country", l.CountryName(s.Country)},
		{"mode", "res.f.mode", l.Vocab("res.mode", s.Mode)}, {"osaid", "res.f.osaid", q.Get("osaid")}, {"mof", "res.f.mof", q.Get("mof")},
		{"free_for", "res.f.free_for", l.CountryName(s.FreeFor)}, {"usable_by", "res.f.usable_by", l.CountryName(s.UsableBy)},
		{"sector", "res.f.sector", l.Vocab("res.sector", s.Sector)},
	} {
		if q.Get(f.name) != "" {
			d.Active = append(d.Active, resourceFacetLink{Name: f.name, Label: l.T(f.label) + ": " + f.value, Link: withParam(q, f.name, "")})
		}
	}
	d.Country = s.FreeFor
	if d.Country == "" {
		d.Country = s.UsableBy
	}
	for _, res := range page.Resources {
		hit := resourceHit{R: res, Title: l.Pick(res.Title)}
		if d.Country != "" {
			e := accord.EligibilityOf(res.Terms, d.Country, s.Sector)
			hit.Eligibility = &e
		}
		d.Hits = append(d.Hits, hit)
	}
	if page.Next != "" {
		d.Next = withParam(q, "cursor", "") + sep(withParam(q, "cursor", "")) + "cursor=" + url.QueryEscape(page.Next)
	}
	p.Data = d
	p.Description = l.T("res.meta")
	h.render(w, r, http.StatusOK, "resources", p)
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

type resourceData struct {
	V           *accord.ResourceView
	Title       Shown
	Description Shown
	Country     string
	Sector      string
	Sectors     []string
	Eligibility *accord.Eligibility
	Groups      []accord.CountryGroup // the groups its waivers name
	Exportable  bool
	Matches     []accord.Match
}

func (h *Handler) resourcePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if bad := checkParams(q, []string{"country", "sector"}); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	id := r.PathValue("id")
	if !validID(id) {
		h.notFound(w, r)
		return
	}
	v, err := h.cfg.Resources.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "resources", "", nil)
	l := p.L
	d := &resourceData{V: v, Title: l.Pick(v.Title), Description: l.Pick(v.Description), Sectors: accord.Sectors.Codes(), Exportable: resource.Exportable(v.Kind)}
	p.Title = d.Title.Text
	country, sector := strings.ToUpper(q.Get("country")), q.Get("sector")
	if country != "" {
		if !accord.ValidCountry(country) {
			h.badRequest(w, r, []string{"country"})
			return
		}
		if sector != "" && !accord.Sectors.Has(sector) {
			h.badRequest(w, r, []string{"sector"})
			return
		}
		e := accord.EligibilityOf(v.Terms, country, sector)
		d.Eligibility, d.Country, d.Sector = &e, country, sector
	}
	for _, wv := range v.Terms.Fee.Waivers {
		if g, ok := accord.CountryGroupByCode(wv.Group); ok {
			d.Groups = append(d.Groups, g)
		}
	}
	if d.Matches, err = h.cfg.Resources.Matches(r.Context(), "", id); err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = d
	p.Description = l.T("res.meta_resource", "name", d.Title.Text)
	h.render(w, r, http.StatusOK, "resource", p)
}

type needsData struct {
	Status string
	Needs  []needRow
	Next   string
}

type needRow struct {
	N     accord.Need
	Title Shown
}

func (h *Handler) needs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if bad := checkParams(q, []string{"status", "cursor"}); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	status := q.Get("status")
	if status == "" {
		status = accord.NeedOpen
	}
	pg, err := h.cfg.Resources.Needs(r.Context(), "", status, q.Get("cursor"), 20)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "resources", "res.needs.title", nil)
	d := &needsData{Status: status}
	for _, n := range pg.Needs {
		d.Needs = append(d.Needs, needRow{N: n, Title: p.L.Pick(n.Title)})
	}
	if pg.Next != "" {
		d.Next = "/needs?status=" + url.QueryEscape(status) + "&cursor=" + url.QueryEscape(pg.Next)
	}
	p.Data = d
	p.Description = p.L.T("res.meta_needs")
	h.render(w, r, http.StatusOK, "needs", p)
}

type needData struct {
	V           *accord.NeedView
	Title       Shown
	Description Shown
	Suggestions []resourceHit
}

func (h *Handler) needPage(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), nil); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	id := r.PathValue("id")
	if !validID(id) {
		h.notFound(w, r)
		return
	}
	v, err := h.cfg.Resources.Need(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "resources", "", nil)
	d := &needData{V: v, Title: p.L.Pick(v.Title), Description: p.L.Pick(v.Description)}
	for _, s := range v.Suggestions {
		e := s.Eligibility
		d.Suggestions = append(d.Suggestions, resourceHit{R: s.Resource, Title: p.L.Pick(s.Resource.Title), Eligibility: &e})
	}
	p.Title = d.Title.Text
	p.Data = d
	p.Description = p.L.T("res.meta_need", "name", d.Title.Text)
	h.render(w, r, http.StatusOK, "need", p)
}

type needFormData struct {
	Values   url.Values
	Kinds    []string
	Sectors  []string
	Problems map[string]string
}

func (h *Handler) needForm(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), nil); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	_, ss, err := h.caller(r.Context(), r)
	if err != nil {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	p := h.newPage(r, "resources", "res.need_form.title", nil)
	p.Private, p.Org = true, ss.org
	v := url.Values{}
	v.Set("country", ss.org.Country)
	p.Data = &needFormData{Values: v, Kinds: accord.ResourceKinds.Codes(), Sectors: accord.Sectors.Codes()}
	h.render(w, r, http.StatusOK, "need_form", p)
}

func (h *Handler) postNeed(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
		return
	}
	c, ss, err := h.caller(r.Context(), r)
	if err != nil {
		h.errorPage(w, r, http.StatusForbidden, "portal.err.signed_out")
		return
	}
	p := h.newPage(r, "resources", "res.need_form.title", nil)
	p.Private, p.Org = true, ss.org
	v := r.PostForm
	f := accord.NeedFiling{Kind: v.Get("kind"), Country: strings.TrimSpace(v.Get("country")), Sector: v.Get("sector"), FreeOnly: v.Get("free_only") == "on"}
	if t := strings.TrimSpace(v.Get("title")); t != "" {
		f.Title = accord.Text{p.L.Code: t}
	}
	if t := strings.TrimSpace(v.Get("description")); t != "" {
		f.Description = accord.Text{p.L.Code: t}
	}
	for _, lang := range strings.FieldsFunc(v.Get("languages"), func(r rune) bool { return r == ',' || r == ' ' }) {
		f.Languages = append(f.Languages, lang)
	}
	problems := map[string]string{}
	if g := strings.TrimSpace(v.Get("gpu_hours")); g != "" {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil {
			problems["gpu_hours"] = p.L.T("res.err.number")
		}
		f.GPUHours = n
	}
	var nv *accord.NeedView
	if len(problems) == 0 {
		nv, err = h.cfg.Resources.PostNeed(r.Context(), c, f)
		for _, fe := range fieldErrors(err) {
			field, _, _ := strings.Cut(fe.Field, ".")
			field, _, _ = strings.Cut(field, "[")
			problems[field] = fe.Message // shown as English detail under a localised line
		}
		if err != nil && len(problems) == 0 {
			h.fail(w, r, err)
			return
		}
	}
	if len(problems) > 0 {
		p.Data = &needFormData{Values: v, Kinds: accord.ResourceKinds.Codes(), Sectors: accord.Sectors.Codes(), Problems: problems}
		h.render(w, r, http.StatusUnprocessableEntity, "need_form", p)
		return
	}
	http.Redirect(w, r, "/needs/"+nv.ID, http.StatusSeeOther)
}

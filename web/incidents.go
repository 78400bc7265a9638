package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/incident"
	"github.com/accord-gov/accord/registry"
)

// The incidents' pages (docs/INCIDENTS.md): the public list of incidents,
// an incident's page (public summary, deadlines met or missed with the log
// entry that proves it, its reports; the confidential parts for those who
// may see them; duplicates to merge for an authority), the report form
// guided by the questions the law asks (the deadlines shown as the
// reporter types the awareness time, static/incident.js, or with the
// "show the deadlines" button without JavaScript), and the authority's
// deadline dashboard.

type shownTerm struct {
	ID    string
	Label Shown
}

type incidentHit struct {
	ID        string
	Title     Shown
	Summary   Shown
	Kind      string
	Severity  string
	Countries []string
	Occurred  time.Time
	Reports   int
	DueStatus string
}

type incidentFacetLink struct {
	Label string
	N     int
	Link  string
}

type incidentFacet struct {
	Title  string
	Values []incidentFacetLink
}

type incidentsData struct {
	Q      string
	Hits   []incidentHit
	Facets []incidentFacet
	Active []incidentFacetLink // Label and the link that removes it
	Next   string
}

var incidentParams = []string{"q", "country", "severity", "kind", "harm", "system", "provider", "cursor"}

func (h *Handler) incidentsList(w http.ResponseWriter, r *http.Request) {
	vals := r.URL.Query()
	if bad := checkParams(vals, incidentParams); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	p := h.newPage(r, "incidents", "incidents.title", nil)
	p.Description = p.L.T("incidents.meta")
	l := p.L
	q := accord.IncidentQuery{Q: vals.Get("q"), Country: vals.Get("country"), Severity: vals.Get("severity"), Kind: vals.Get("kind"),
		Harm: vals.Get("harm"), System: vals.Get("system"), Provider: vals.Get("provider"), Cursor: vals.Get("cursor"), Limit: 20}
	page, err := h.cfg.Incidents.Search(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	counts, err := h.cfg.Incidents.FacetCounts(r.Context(), q, "country", "severity", "kind", "harm")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &incidentsData{Q: q.Q}
	for _, in := range page.Incidents {
		d.Hits = append(d.Hits, incidentHit{ID: in.ID, Title: l.Pick(in.Title), Summary: l.Pick(in.Summary), Kind: l.T("incidents.kind." + in.Kind),
			Severity: l.T("incidents.severity." + in.Severity), Countries: countryNames(l, in.Countries), Occurred: in.Occurred, Reports: in.Reports, DueStatus: in.DueStatus})
	}
	link := func(set map[string]string) string {
		v := url.Values{}
		for _, k := range incidentParams {
			if k != "cursor" && vals.Get(k) != "" {
				v.Set(k, vals.Get(k))
			}
		}
		for k, s := range set {
			if s == "" {
				v.Del(k)
			} else {
				v.Set(k, s)
			}
		}
		if len(v) == 0 {
			return "/incidents"
		}
		return "/incidents?" + v.Encode()
	}
	tax := h.cfg.Incidents.Taxonomies()
	label := func(name, value string) string {
		switch name {
		case "country":
			return l.CountryName(value)
		case "harm":
			if t := tax.Term(value); t != nil {
				return l.Pick(t.Label).Text
			}
			return value
		}
		return l.T("incidents." + name + "." + value)
	}
	for _, name := range []string{"country", "severity", "kind", "harm"} {
		f := incidentFacet{Title: l.T("incidents.facet." + name)}
		for k, n := range counts {
			if v, ok := strings.CutPrefix(k, name+":"); ok {
				f.Values = append(f.Values, incidentFacetLink{Label: label(name, v), N: n, Link: link(map[string]string{name: v})})
			}
		}
		slices.SortFunc(f.Values, func(a, b incidentFacetLink) int { return b.N - a.N })
		if len(f.Values) > 0 {
			d.Facets = append(d.Facets, f)
		}
		if v := vals.Get(name); v != "" {
			d.Active = append(d.Active, incidentFacetLink{Label: l.T("fmt.label_value", "label", f.Title, "value", label(name, v)), Link: link(map[string]string{name: ""})})
		}
	}
	if page.Next != "" {
		d.Next = link(map[string]string{"cursor": page.Next})
	}
	p.Data = d
	h.render(w, r, http.StatusOK, "incidents", p)
}

func countryNames(l *Locale, codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = l.CountryName(c)
	}
	return out
}

type deadlineView struct {
	Title       Shown
	Citation    string
	Framework   string
	Due         *time.Time
	Immediately bool
	Status      string
	Logged      bool
	FiledAt     time.Time
	LogIndex    int64
	Verified    bool
	Conditional bool
	To          string
	Earliest    bool
}

type confidentialView struct {
	Fields  []confField
	Contact string
}

type confField struct {
	Label string
	Text  Shown
}

type reportView struct {
	ID, Stage, Role string
	Version         int
	Filed           time.Time
	LogIndex        int64
	Title, Summary  Shown
	Commitment      string
	Confidential    *confidentialView
	Mine            bool // the reader filed it and may file its next version
}

type incidentPageData struct {
	Inc        accord.Incident
	Title      Shown
	Summary    Shown
	Kind       string
	Severity   string
	Countries  []string
	Harms      []shownTerm
	Deadlines  []deadlineView
	Reports    []reportView
	Duplicates []duplicateView
	Authority  bool // the reader may merge
	Merged     string
	API        string
}

func (h *Handler) incidentPage(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), []string{"merged"}); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	id := r.PathValue("id")
	if !validID(id) {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	c, _, _ := h.caller(ctx, r)
	v, err := h.cfg.Incidents.Incident(ctx, c, id)
	var red *incident.Redirect
	if errors.As(err, &red) {
		// A merged incident redirects; nothing is deleted.
		http.Redirect(w, r, "/incidents/"+red.To+"?merged="+url.QueryEscape(id), http.StatusMovedPermanently)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "incidents", "", nil)
	l := p.L
	in := v.Incident
	d := &incidentPageData{Inc: in, Title: l.Pick(in.Title), Summary: l.Pick(in.Summary), Kind: l.T("incidents.kind." + in.Kind),
		Severity: l.T("incidents.severity." + in.Severity), Countries: countryNames(l, in.Countries), API: "/v1/incidents/" + in.ID}
	if m := r.URL.Query().Get("merged"); validID(m) {
		d.Merged = m
	}
	p.Title = d.Title.Text
	p.Description = l.T("incidents.meta_incident", "name", d.Title.Text)
	tax := h.cfg.Incidents.Taxonomies()
	for _, hm := range in.Harms {
		t := shownTerm{ID: hm, Label: Shown{Text: hm}}
		if term := tax.Term(hm); term != nil {
			t.Label = l.Pick(term.Label)
		}
		d.Harms = append(d.Harms, t)
	}
	d.Deadlines = deadlineViews(l, v.Deadlines, v.Earliest)
	for _, rep := range v.Reports {
		rv := reportView{ID: rep.ID, Stage: l.T("incidents.stage." + rep.Stage), Role: l.T("incidents.role." + rep.Role), Version: rep.Version,
			Filed: rep.Filed, LogIndex: rep.LogIndex, Title: l.Pick(rep.Title), Summary: l.Pick(rep.Summary), Commitment: rep.Commitment}
		if cf := rep.Confidential; !cf.IsZero() {
			cv := &confidentialView{Contact: cf.Contact}
			for _, f := range []struct {
				key string
				t   accord.Text
			}{{"description", cf.Description}, {"chain_of_events", cf.ChainOfEvents}, {"containment", cf.Containment}, {"root_cause", cf.RootCause},
				{"corrective_measures", cf.CorrectiveMeasures}, {"personal_data", cf.PersonalData}, {"security_details", cf.SecurityDetails}} {
				if len(f.t) > 0 {
					cv.Fields = append(cv.Fields, confField{Label: l.T("incidents.field." + f.key), Text: l.Pick(f.t)})
				}
			}
			rv.Confidential = cv
		}
		rv.Mine = c != nil && rep.Reporter != "" && rep.Reporter == c.Org() && rep.Stage != accord.StageFinal && rep.Home == ""
		d.Reports = append(d.Reports, rv)
	}
	if c != nil && (c.Admin() || c.OrgKind == "authority") {
		d.Authority = true
		p.Private = true
		dups, err := h.cfg.Incidents.SuggestFor(ctx, in.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Duplicates = duplicateViews(l, dups)
	}
	if c != nil {
		p.Private = true
	}
	p.Data = d
	h.render(w, r, http.StatusOK, "incident", p)
}

func deadlineViews(l *Locale, ds []accord.Deadline, earliest int) []deadlineView {
	var out []deadlineView
	for i, dl := range ds {
		dv := deadlineView{Title: l.Pick(dl.Title), Citation: dl.Citation, Framework: dl.Framework, Due: dl.Due, Immediately: dl.Immediately,
			Status: dl.Status, Verified: dl.Verified, Conditional: dl.Conditional, To: dl.To, Earliest: i == earliest}
		if dl.FiledAt != nil && dl.LogIndex != nil {
			dv.Logged, dv.FiledAt, dv.LogIndex = true, *dl.FiledAt, *dl.LogIndex
		}
		out = append(out, dv)
	}
	return out
}

func (h *Handler) mergeIncident(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
		return
	}
	c, _, err := h.caller(ctx, r)
	if err != nil {
		h.errorPage(w, r, http.StatusForbidden, "portal.err.signed_out")
		return
	}
	from := r.PathValue("id")
	into := r.PostForm.Get("into")
	if !validID(from) || !validID(into) {
		h.errorPage(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	if _, err := h.cfg.Incidents.Merge(ctx, c, from, accord.IncidentMerge{Into: into, Note: r.PostForm.Get("note")}); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/incidents/"+into, http.StatusSeeOther)
}

// The report form.

type formField struct {
	ID, Name, Label, Hint, Value, Error string
}

type incOption struct {
	Value, Label string
	Selected     bool
}

type reportFormData struct {
	Action     string // where the form posts
	Version    string // the report a new version is filed for ("" for a new report)
	Stages     []incOption
	Errors     []formField // the fields at fault, for the summary
	Global     []string
	Public     bool // the reader is not signed in: a complaint
	Values     map[string]string
	Checked    map[string]bool
	Kinds      []incOption
	Severities []incOption
	CNGrades   []incOption
	CNOps      []incOption
	Langs      []incOption
	Harms      []harmGroup
	Deadlines  []deadlineView
	Previewed  bool
	Duplicates []duplicateView
	FieldErr   map[string]string
}

type harmGroup struct {
	Title string
	Terms []incOption
}

var reportFormFields = []string{"system", "system_version", "kind", "occurred", "aware", "offset", "countries", "affected", "severity",
	"lang", "title", "summary", "links", "cn_grade", "cn_operator", "causal_link", "description", "chain_of_events", "containment",
	"root_cause", "corrective_measures", "personal_data", "security_details", "contact", "action", "stage"}

func (h *Handler) reportForm(w http.ResponseWriter, r *http.Request) {
	vals := r.URL.Query()
	if bad := checkParams(vals, []string{"system"}); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	p := h.newPage(r, "incidents", "incidents.new.title", nil)
	p.Description = p.L.T("incidents.meta")
	c, _, _ := h.caller(r.Context(), r)
	d := h.newReportForm(p.L, c, map[string]string{"system": vals.Get("system"), "offset": "+00:00", "lang": p.L.Code, "kind": accord.IncidentSerious, "severity": "serious"}, nil)
	p.Data, p.Script, p.Private = d, "incident.js", c != nil
	h.render(w, r, http.StatusOK, "incident_form", p)
}

func (h *Handler) newReportForm(l *Locale, c *registry.Caller, values map[string]string, checked map[string]bool) *reportFormData {
	if checked == nil {
		checked = map[string]bool{}
	}
	d := &reportFormData{Action: "/incidents/new", Public: c == nil, Values: values, Checked: checked, FieldErr: map[string]string{}}
	opts := func(values []string, prefix, selected string) []incOption {
		var out []incOption
		for _, v := range values {
			out = append(out, incOption{Value: v, Label: l.T(prefix + v), Selected: v == selected})
		}
		return out
	}
	d.Kinds = opts(accord.IncidentKinds, "incidents.kind.", values["kind"])
	d.Stages = opts([]string{accord.StageFollowUp, accord.StageFinal}, "incidents.stage.", values["stage"])
	d.Severities = opts(accord.Severities, "incidents.severity.", values["severity"])
	d.CNGrades = append([]incOption{{Value: "", Label: l.T("incidents.form.none")}}, opts(accord.CNGrades, "incidents.cn_grade.", values["cn_grade"])...)
	d.CNOps = append([]incOption{{Value: "", Label: l.T("incidents.form.none")}}, opts(accord.CNOperators, "incidents.cn_operator.", values["cn_operator"])...)
	for _, code := range matchOrder {
		d.Langs = append(d.Langs, incOption{Value: code, Label: endonyms[code], Selected: code == values["lang"]})
	}
	for _, ns := range h.cfg.Incidents.Taxonomies().Namespaces {
		g := harmGroup{Title: l.Pick(ns.Title).Text}
		for _, t := range ns.Terms {
			g.Terms = append(g.Terms, incOption{Value: t.ID, Label: l.Pick(t.Label).Text, Selected: checked["harm:"+t.ID]})
		}
		d.Harms = append(d.Harms, g)
	}
	return d
}

// parseReport reads the form into a report; problems of its own (a time
// that does not parse) are added to errs by field name.
func parseReport(v url.Values, errs map[string]string) accord.NewIncidentReport {
	lang := v.Get("lang")
	if _, ok := locales[lang]; !ok {
		lang = "en"
	}
	text := func(name string) accord.Text {
		s := strings.TrimSpace(v.Get(name))
		if s == "" {
			return nil
		}
		return accord.Text{lang: s}
	}
	offset := strings.TrimSpace(v.Get("offset"))
	loc := time.UTC
	if offset != "" && offset != "Z" && offset != "+00:00" {
		t, err := time.Parse("-07:00", offset)
		if err != nil {
			errs["offset"] = "offset"
		} else {
			_, off := t.Zone()
			loc = time.FixedZone(offset, off)
		}
	}
	when := func(name string) time.Time {
		s := strings.TrimSpace(v.Get(name))
		if s == "" {
			return time.Time{}
		}
		for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				return t
			}
		}
		errs[name] = "time"
		return time.Time{}
	}
	r := accord.NewIncidentReport{
		Kind: v.Get("kind"), Stage: accord.StageInitial, System: accord.SystemRef{ID: strings.TrimSpace(v.Get("system"))},
		Occurred: when("occurred"), Aware: when("aware"), Severity: v.Get("severity"),
		Title: text("title"), Summary: text("summary"),
		Facts: accord.IncidentFacts{Death: v.Get("death") != "", WidespreadInfringement: v.Get("widespread_infringement") != "",
			CybersecurityBreach: v.Get("cybersecurity_breach") != "", CNGrade: v.Get("cn_grade"), CNOperator: v.Get("cn_operator")},
		Confidential: accord.IncidentConfidential{Description: text("description"), ChainOfEvents: text("chain_of_events"),
			Containment: text("containment"), RootCause: text("root_cause"), CorrectiveMeasures: text("corrective_measures"),
			PersonalData: text("personal_data"), SecurityDetails: text("security_details"), Contact: strings.TrimSpace(v.Get("contact"))},
	}
	if s := strings.TrimSpace(v.Get("system_version")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			errs["system_version"] = "number"
		}
		r.System.Version = n
	}
	if t := when("causal_link"); !t.IsZero() {
		r.Facts.CausalLinkAt = &t
	}
	for _, c := range strings.FieldsFunc(v.Get("countries"), func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		r.Countries = append(r.Countries, strings.ToUpper(c))
	}
	if s := strings.TrimSpace(v.Get("affected")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			errs["affected"] = "number"
		}
		r.Affected = n
	}
	r.Harms = v["harm"]
	for _, l := range strings.Fields(v.Get("links")) {
		r.Links = append(r.Links, l)
	}
	return r
}

// formFieldOf maps a report's JSON field path to the form input.
func formFieldOf(path string) string {
	switch {
	case strings.HasPrefix(path, "system.version"):
		return "system_version"
	case strings.HasPrefix(path, "system."):
		return "system"
	case strings.HasPrefix(path, "facts.causal_link_at"):
		return "causal_link"
	case strings.HasPrefix(path, "facts.cn_grade"):
		return "cn_grade"
	case strings.HasPrefix(path, "facts.cn_operator"):
		return "cn_operator"
	case strings.HasPrefix(path, "confidential."):
		path = strings.TrimPrefix(path, "confidential.")
	}
	name, _, _ := strings.Cut(path, ".")
	name, _, _ = strings.Cut(name, "[")
	if slices.Contains(reportFormFields, name) {
		return name
	}
	if name == "harms" {
		return "harms"
	}
	return ""
}

func (h *Handler) submitReport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
		return
	}
	c, _, _ := h.caller(ctx, r)
	p := h.newPage(r, "incidents", "incidents.new.title", nil)
	p.Private, p.Script = true, "incident.js"
	l := p.L
	v := r.PostForm
	values := map[string]string{}
	for _, k := range reportFormFields {
		values[k] = v.Get(k)
	}
	checked := map[string]bool{}
	for _, f := range []string{"death", "widespread_infringement", "cybersecurity_breach"} {
		checked[f] = v.Get(f) != ""
	}
	for _, hm := range v["harm"] {
		checked["harm:"+hm] = true
	}
	d := h.newReportForm(l, c, values, checked)
	own := map[string]string{}
	rep := parseReport(v, own)
	addErr := func(field, msg string) {
		if _, dup := d.FieldErr[field]; dup {
			return
		}
		d.FieldErr[field] = msg
		d.Errors = append(d.Errors, formField{ID: "f-" + field, Name: field, Label: l.T("incidents.field." + field), Error: msg})
	}
	for f, kind := range own {
		addErr(f, l.T("incidents.form.bad_"+kind))
	}
	if len(d.Errors) == 0 {
		var err error
		if v.Get("action") == "submit" {
			var view *accord.IncidentReportView
			view, err = h.cfg.Incidents.File(ctx, c, rep, "")
			if err == nil {
				http.Redirect(w, r, "/incidents/"+view.Report.Incident+"#report-"+view.Report.ID, http.StatusSeeOther)
				return
			}
		} else {
			var ds []accord.Deadline
			ds, err = h.cfg.Incidents.Preview(ctx, rep)
			if err == nil {
				d.Previewed = true
				d.Deadlines = deadlineViews(l, ds, earliestIndex(ds))
				var dups []accord.DuplicateSuggestion
				dups, err = h.cfg.Incidents.Suggest(ctx, rep)
				d.Duplicates = duplicateViews(l, dups)
			}
		}
		if fe := fieldErrors(err); len(fe) > 0 {
			for _, e := range fe {
				name := formFieldOf(e.Field)
				if name == "" {
					d.Global = append(d.Global, e.Field+": "+e.Message)
					continue
				}
				addErr(name, e.Message)
			}
		} else if err != nil {
			switch accord.ErrorCode(err) {
			case accord.EUnauthorized, accord.EForbidden:
				d.Global = append(d.Global, accord.ErrorMessage(err))
			default:
				h.fail(w, r, err)
				return
			}
		}
	}
	status := http.StatusOK
	if len(d.Errors) > 0 || len(d.Global) > 0 {
		status = http.StatusUnprocessableEntity
	}
	p.Data = d
	h.render(w, r, status, "incident_form", p)
}

func earliestIndex(ds []accord.Deadline) int {
	best := -1
	for i, d := range ds {
		if d.Due != nil && (best < 0 || d.Due.Before(*ds[best].Due)) {
			best = i
		}
	}
	return best
}

// The authority's dashboard.

type dashboardData struct {
	Country  string
	Status   string
	Statuses []incOption
	Rows     []dashboardRow
	Next     string
}

type dashboardRow struct {
	accord.DeadlineItem
	Title Shown
}

func (h *Handler) incidentDashboard(w http.ResponseWriter, r *http.Request) {
	vals := r.URL.Query()
	if bad := checkParams(vals, []string{"status", "country", "cursor"}); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	ctx := r.Context()
	c, ss, err := h.caller(ctx, r)
	if err != nil {
		h.errorPage(w, r, http.StatusForbidden, "incidents.dashboard.sign_in")
		return
	}
	country := ""
	if c.Org() != "" {
		o, err := h.reg.Organization(ctx, c.Org())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		country = o.Country
	}
	status := vals.Get("status")
	view, err := h.cfg.Incidents.Dashboard(ctx, c, country, vals.Get("country"), status, vals.Get("cursor"), 50)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "incidents", "incidents.dashboard.title", nil)
	p.Private, p.Org = true, ss.org
	l := p.L
	d := &dashboardData{Country: l.CountryName(view.Country), Status: status}
	for _, s := range []string{"", accord.DeadlineOverdue, accord.DeadlineOpen, accord.DeadlineMissed, accord.DeadlineMet} {
		key := "incidents.dashboard.all"
		if s != "" {
			key = "incidents.status." + s
		}
		d.Statuses = append(d.Statuses, incOption{Value: s, Label: l.T(key), Selected: s == status})
	}
	for _, it := range view.Deadlines {
		d.Rows = append(d.Rows, dashboardRow{DeadlineItem: it, Title: l.Pick(it.Title)})
	}
	if view.Next != "" {
		q := url.Values{"cursor": {view.Next}}
		if status != "" {
			q.Set("status", status)
		}
		d.Next = "/incidents/deadlines?" + q.Encode()
	}
	p.Data = d
	h.render(w, r, http.StatusOK, "incident_dashboard", p)
}

type duplicateView struct {
	Incident string
	Title    Shown
	Percent  int
	Reasons  []string
}

func duplicateViews(l *Locale, ds []accord.DuplicateSuggestion) []duplicateView {
	var out []duplicateView
	for _, d := range ds {
		out = append(out, duplicateView{Incident: d.Incident, Title: l.Pick(d.Title), Percent: int(d.Score*100 + 0.5), Reasons: d.Reasons})
	}
	return out
}

// The next version of one's own report (a follow-up or the final report),
// on the report form filled with the latest version.

func (h *Handler) versionForm(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), nil); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	id := r.PathValue("id")
	ctx := r.Context()
	c, _, err := h.caller(ctx, r)
	if err != nil || !validID(id) {
		h.errorPage(w, r, http.StatusForbidden, "portal.err.signed_out")
		return
	}
	v, err := h.cfg.Incidents.Report(ctx, c, id, 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rep := v.Report
	if rep.Reporter == "" || rep.Reporter != c.Org() {
		h.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	p := h.newPage(r, "incidents", "incidents.version.title", nil)
	p.Private, p.Script = true, "incident.js"
	l := p.L
	lang := l.Code
	if _, ok := rep.Title[lang]; !ok {
		for _, tag := range rep.Title.Tags() {
			lang = tag
			break
		}
	}
	text := func(t accord.Text) string { return t[lang] }
	off := rep.Aware.Format("-07:00")
	local := func(t time.Time) string { return t.In(rep.Aware.Location()).Format("2006-01-02T15:04") }
	values := map[string]string{"system": rep.System.ID, "system_version": strconv.Itoa(rep.System.Version), "kind": rep.Kind, "severity": rep.Severity,
		"occurred": local(rep.Occurred), "aware": local(rep.Aware), "offset": off, "countries": strings.Join(rep.Countries, ", "),
		"affected": strconv.Itoa(rep.Affected), "lang": lang, "title": text(rep.Title), "summary": text(rep.Summary), "links": strings.Join(rep.Links, "\n"),
		"cn_grade": rep.Facts.CNGrade, "cn_operator": rep.Facts.CNOperator, "stage": accord.StageFinal,
		"description": text(rep.Confidential.Description), "chain_of_events": text(rep.Confidential.ChainOfEvents), "containment": text(rep.Confidential.Containment),
		"root_cause": text(rep.Confidential.RootCause), "corrective_measures": text(rep.Confidential.CorrectiveMeasures),
		"personal_data": text(rep.Confidential.PersonalData), "security_details": text(rep.Confidential.SecurityDetails), "contact": rep.Confidential.Contact}
	if rep.Facts.CausalLinkAt != nil {
		values["causal_link"] = local(*rep.Facts.CausalLinkAt)
	}
	checked := map[string]bool{"death": rep.Facts.Death, "widespread_infringement": rep.Facts.WidespreadInfringement, "cybersecurity_breach": rep.Facts.CybersecurityBreach}
	for _, hm := range rep.Harms {
		checked["harm:"+hm] = true
	}
	d := h.newReportForm(l, c, values, checked)
	d.Action, d.Version = "/incidents/reports/"+id+"/version", id
	p.Data = d
	h.render(w, r, http.StatusOK, "incident_form", p)
}

func (h *Handler) submitVersion(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
		return
	}
	id := r.PathValue("id")
	c, _, err := h.caller(ctx, r)
	if err != nil || !validID(id) {
		h.errorPage(w, r, http.StatusForbidden, "portal.err.signed_out")
		return
	}
	p := h.newPage(r, "incidents", "incidents.version.title", nil)
	p.Private, p.Script = true, "incident.js"
	l := p.L
	v := r.PostForm
	values := map[string]string{}
	for _, k := range reportFormFields {
		values[k] = v.Get(k)
	}
	checked := map[string]bool{}
	for _, f := range []string{"death", "widespread_infringement", "cybersecurity_breach"} {
		checked[f] = v.Get(f) != ""
	}
	for _, hm := range v["harm"] {
		checked["harm:"+hm] = true
	}
	d := h.newReportForm(l, c, values, checked)
	d.Action, d.Version = "/incidents/reports/"+id+"/version", id
	own := map[string]string{}
	rep := parseReport(v, own)
	rep.Stage = v.Get("stage")
	for f, kind := range own {
		d.FieldErr[f] = l.T("incidents.form.bad_" + kind)
		d.Errors = append(d.Errors, formField{ID: "f-" + f, Name: f, Label: l.T("incidents.field." + f), Error: d.FieldErr[f]})
	}
	if len(d.Errors) == 0 && v.Get("action") == "submit" {
		view, err := h.cfg.Incidents.AddVersion(ctx, c, id, rep)
		if err == nil {
			http.Redirect(w, r, "/incidents/"+view.Report.Incident+"#report-"+id, http.StatusSeeOther)
			return
		}
		if fe := fieldErrors(err); len(fe) > 0 {
			for _, e := range fe {
				name := formFieldOf(e.Field)
				if name == "" {
					d.Global = append(d.Global, e.Field+": "+e.Message)
					continue
				}
				d.FieldErr[name] = e.Message
				d.Errors = append(d.Errors, formField{ID: "f-" + name, Name: name, Label: l.T("incidents.field." + name), Error: e.Message})
			}
		} else if code := accord.ErrorCode(err); code == accord.EForbidden || code == accord.EUnauthorized {
			d.Global = append(d.Global, accord.ErrorMessage(err))
		} else {
			h.fail(w, r, err)
			return
		}
	} else if len(d.Errors) == 0 {
		ds, err := h.cfg.Incidents.Preview(ctx, rep)
		if err == nil {
			d.Previewed, d.Deadlines = true, deadlineViews(l, ds, earliestIndex(ds))
		}
	}
	status := http.StatusOK
	if len(d.Errors) > 0 || len(d.Global) > 0 {
		status = http.StatusUnprocessableEntity
	}
	p.Data = d
	h.render(w, r, status, "incident_form", p)
}

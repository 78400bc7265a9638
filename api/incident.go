package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/incident"
	"github.com/accord-gov/accord/registry"
)

// The incidents' routes (docs/INCIDENTS.md): reports filed by providers,
// deployers, authorities and the public; staged versions; the incident
// with its deadlines; duplicate suggestions and merges; the authority's
// dashboard; the taxonomies and duties as data. Without an incident
// service they answer 503.
func (a *API) incidentRoutes() {
	for pattern, h := range map[string]handlerFunc{
		"GET /v1/incident-taxonomies":                              a.incidentTaxonomies,
		"POST /v1/incidents":                                       a.fileIncidentReport,
		"GET /v1/incidents":                                        a.searchIncidents,
		"POST /v1/incident-suggestions":                            a.suggestIncidents,
		"POST /v1/incident-deadlines/preview":                      a.previewIncidentDeadlines,
		"GET /v1/incidents/{id}":                                   a.getIncident,
		"POST /v1/incidents/{id}/merge":                            a.mergeIncident,
		"GET /v1/incident-deadlines":                               a.incidentDashboard,
		"GET /v1/incident-reports/{id}":                            a.getIncidentReport,
		"GET /v1/incident-reports/{id}/versions":                   a.listIncidentReportVersions,
		"POST /v1/incident-reports/{id}/versions":                  a.addIncidentReportVersion,
		"GET /v1/incident-reports/{id}/versions/{version}":         a.getIncidentReportVersion,
		"GET /v1/incident-reports/{id}/versions/{version}/receipt": a.getIncidentReceipt,
	} {
		a.handle(pattern, func(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
			if a.incidents == nil {
				return accord.Errorf(accord.EUnavailable, "this node runs without the incident service")
			}
			return h(w, r, c)
		})
	}
	a.incidentFeedRoutes()
}

func (a *API) incidentTaxonomies(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	type duty struct {
		Framework string `json:"framework"`
		*incident.Duty
	}
	var duties []duty
	for _, d := range a.incidents.Duties() {
		duties = append(duties, duty{d.Framework(), d})
	}
	t := a.incidents.Taxonomies()
	writeJSON(w, r, http.StatusOK, map[string]any{
		"namespaces": t.Namespaces, "kinds": accord.IncidentKinds, "kind_tangible_harm": t.Kinds,
		"stages": accord.ReportStages, "severities": accord.Severities, "other_regimes": accord.OtherRegimes,
		"cn_grades": accord.CNGrades, "cn_operators": accord.CNOperators, "duties": duties,
	})
	return nil
}

func (a *API) fileIncidentReport(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var body accord.NewIncidentReport
	if err := decode(w, r, &body); err != nil {
		return err
	}
	v, err := a.incidents.File(r.Context(), c, body, r.Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	if v.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/incident-reports/"+v.Report.ID)
	writeJSON(w, r, http.StatusCreated, v)
	return nil
}

func (a *API) addIncidentReportVersion(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var body accord.NewIncidentReport
	if err := decode(w, r, &body); err != nil {
		return err
	}
	v, err := a.incidents.AddVersion(r.Context(), c, r.PathValue("id"), body)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/incident-reports/"+v.Report.ID+"/versions/"+itoa(v.Report.Version))
	writeJSON(w, r, http.StatusCreated, v)
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func incidentQuery(r *http.Request) (accord.IncidentQuery, bool, error) {
	if err := knownParams(r, "q", "system", "provider", "country", "harm", "severity", "kind", "from", "to", "cursor", "limit", "facets"); err != nil {
		return accord.IncidentQuery{}, false, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return accord.IncidentQuery{}, false, err
	}
	q := r.URL.Query()
	iq := accord.IncidentQuery{Q: q.Get("q"), System: q.Get("system"), Provider: q.Get("provider"), Country: q.Get("country"),
		Harm: q.Get("harm"), Severity: q.Get("severity"), Kind: q.Get("kind"), Cursor: q.Get("cursor"), Limit: limit}
	for _, f := range []struct {
		name string
		to   *time.Time
	}{{"from", &iq.From}, {"to", &iq.To}} {
		if s := q.Get(f.name); s != "" {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return iq, false, accord.FieldErrorf(f.name, "%q is not a date (YYYY-MM-DD)", s)
			}
			*f.to = t
		}
	}
	facets := q.Get("facets")
	if facets != "" && facets != "true" && facets != "false" {
		return iq, false, accord.FieldErrorf("facets", "use true or false")
	}
	return iq, facets == "true", nil
}

func (a *API) searchIncidents(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	q, withFacets, err := incidentQuery(r)
	if err != nil {
		return err
	}
	p, err := a.incidents.Search(r.Context(), q)
	if err != nil {
		return err
	}
	out := map[string]any{"incidents": p.Incidents}
	if p.Next != "" {
		out["next"] = p.Next
	}
	if withFacets {
		counts, err := a.incidents.FacetCounts(r.Context(), q, "system", "provider", "country", "harm", "severity", "kind")
		if err != nil {
			return err
		}
		out["facets"] = counts
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

func (a *API) getIncident(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	v, err := a.incidents.Incident(r.Context(), c, r.PathValue("id"))
	var red *incident.Redirect
	if errors.As(err, &red) {
		// A merged incident redirects; nothing is deleted.
		w.Header().Set("Location", "/v1/incidents/"+red.To)
		writeJSON(w, r, http.StatusPermanentRedirect, map[string]string{"merged_into": red.To})
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) mergeIncident(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var body accord.IncidentMerge
	if err := decode(w, r, &body); err != nil {
		return err
	}
	v, err := a.incidents.Merge(r.Context(), c, r.PathValue("id"), body)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) suggestIncidents(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	var body accord.NewIncidentReport
	if err := decode(w, r, &body); err != nil {
		return err
	}
	out, err := a.incidents.Suggest(r.Context(), body)
	if err != nil {
		return err
	}
	if out == nil {
		out = []accord.DuplicateSuggestion{}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"duplicates": out})
	return nil
}

func (a *API) previewIncidentDeadlines(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	var body accord.NewIncidentReport
	if err := decode(w, r, &body); err != nil {
		return err
	}
	out, err := a.incidents.Preview(r.Context(), body)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"deadlines": out})
	return nil
}

func (a *API) incidentDashboard(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r, "country", "status", "cursor", "limit"); err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	orgCountry := ""
	if c != nil && c.Org() != "" {
		o, err := a.svc.Organization(r.Context(), c.Org())
		if err != nil {
			return err
		}
		orgCountry = o.Country
	}
	q := r.URL.Query()
	v, err := a.incidents.Dashboard(r.Context(), c, orgCountry, q.Get("country"), q.Get("status"), q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) getIncidentReport(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	v, err := a.incidents.Report(r.Context(), c, r.PathValue("id"), 0)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) getIncidentReportVersion(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	n, err := pathVersion(r)
	if err != nil {
		return err
	}
	v, err := a.incidents.Report(r.Context(), c, r.PathValue("id"), n)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) listIncidentReportVersions(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	vs, err := a.incidents.ReportVersions(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"versions": vs})
	return nil
}

func (a *API) getIncidentReceipt(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	n, err := pathVersion(r)
	if err != nil {
		return err
	}
	rc, err := a.incidents.Receipt(r.Context(), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, rc)
	return nil
}

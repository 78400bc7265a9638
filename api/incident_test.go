package api_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/tlog"
)

func (e *env) org(kind, country string) *client.Client {
	e.t.Helper()
	r, err := e.admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": kind + " " + country}, Kind: kind, Country: country})
	if err != nil {
		e.t.Fatal(err)
	}
	return &client.Client{Server: e.node.URL, Token: r.Token.Secret, HTTP: e.http}
}

func incidentReport(sys string, aware time.Time) accord.NewIncidentReport {
	return accord.NewIncidentReport{
		Kind: accord.IncidentSerious, System: accord.SystemRef{ID: sys}, Occurred: aware.Add(-time.Hour), Aware: aware,
		Countries: []string{"CN", "FR"}, Severity: "serious", Harms: []string{"eu-3-49:c"},
		Facts:        accord.IncidentFacts{CNGrade: "major", CNOperator: "other"},
		Title:        accord.Text{"en": "CV Screener rejected applicants over 50"},
		Summary:      accord.Text{"en": "Applicants over 50 were rejected for every role in Lyon."},
		Confidential: accord.IncidentConfidential{PersonalData: accord.Text{"en": "Applicant J. Martin"}, Contact: "desk@acme.example"},
	}
}

// TestIncidentsOverHTTP files, versions, reads, searches, suggests, merges
// and lists deadlines through the API, every answer held to the OpenAPI document.
func TestIncidentsOverHTTP(t *testing.T) {
	e := newEnv(t)
	sys, err := e.provider.FileSystem(ctx, "", sampleFiling(), "")
	if err != nil {
		t.Fatal(err)
	}
	deployer, authority := e.org("deployer", "FR"), e.org("authority", "CN")
	public := &client.Client{Server: e.node.URL, HTTP: e.http}
	aware := time.Now().Add(-2 * time.Hour).Truncate(time.Second)

	ds, err := public.IncidentDeadlines(ctx, incidentReport(sys.ID, aware))
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.provider.FileIncidentReport(ctx, incidentReport(sys.ID, aware))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tlog.VerifyReceipt(*v.Receipt, e.node.VerifierKey, []byte(v.Receipt.Entry)); err != nil {
		t.Fatal(err)
	}
	if len(ds) == 0 || len(ds) != len(v.Report.Deadlines) || v.Report.Deadlines[0].Duty != "cac-operator-4h" {
		t.Errorf("preview %d deadlines, filed %d", len(ds), len(v.Report.Deadlines))
	}
	// A fresh receipt proves the entry at any later time.
	rc, err := public.IncidentReceipt(ctx, v.Report.ID, 1)
	if err != nil || rc.Index != v.Receipt.Index {
		t.Fatalf("receipt = %+v, %v", rc, err)
	}
	if _, err := tlog.VerifyReceipt(*rc, e.node.VerifierKey, []byte(v.Receipt.Entry)); err != nil {
		t.Fatal(err)
	}
	r := incidentReport(sys.ID, aware)
	r.Stage = accord.StageFinal
	if _, err := e.provider.AddIncidentReportVersion(ctx, v.Report.ID, r); err != nil {
		t.Fatal(err)
	}
	vs, err := public.IncidentReportVersions(ctx, v.Report.ID)
	if err != nil || len(vs) != 2 || vs[1].Stage != accord.StageFinal {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	for _, x := range vs {
		if !x.Confidential.IsZero() {
			t.Error("the public reads a confidential part")
		}
	}
	// Another reporter's follow-up is refused.
	_, err = deployer.AddIncidentReportVersion(ctx, v.Report.ID, r)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusForbidden {
		t.Fatalf("a deployer's version of the provider's report: %v", err)
	}
	// A bad time names its field.
	bad := incidentReport(sys.ID, aware)
	bad.Aware = bad.Occurred.Add(-time.Hour)
	_, err = e.provider.FileIncidentReport(ctx, bad)
	if !errors.As(err, &ce) || ce.Status != http.StatusUnprocessableEntity || len(ce.Fields) == 0 || ce.Fields[0].Field != "aware" {
		t.Fatalf("awareness before occurrence: %v", err)
	}

	fr := incidentReport(sys.ID, aware.Add(time.Hour))
	fr.Title = accord.Text{"fr": "CV Screener a rejeté les candidats de plus de 50 ans"}
	fr.Summary = accord.Text{"fr": "Les candidats de plus de 50 ans ont été rejetés à Lyon."}
	dups, err := public.SuggestIncidents(ctx, fr)
	if err != nil || len(dups) != 1 || dups[0].Incident != v.Report.Incident {
		t.Fatalf("suggestions = %+v, %v", dups, err)
	}
	dv, err := deployer.FileIncidentReport(ctx, fr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := deployer.MergeIncident(ctx, dv.Report.Incident, accord.IncidentMerge{Into: v.Report.Incident}); !errors.As(err, &ce) || ce.Status != http.StatusForbidden {
		t.Fatalf("a merge by a deployer: %v", err)
	}
	if _, err := authority.MergeIncident(ctx, dv.Report.Incident, accord.IncidentMerge{Into: v.Report.Incident}); err != nil {
		t.Fatal(err)
	}
	// The merged id redirects (the client follows it).
	iv, err := public.Incident(ctx, dv.Report.Incident)
	if err != nil || iv.Incident.ID != v.Report.Incident || len(iv.Reports) != 2 {
		t.Fatalf("the merged id = %+v, %v", iv, err)
	}
	for _, x := range iv.Reports {
		if !x.Confidential.IsZero() {
			t.Error("the public reads a confidential part")
		}
	}
	page, err := public.SearchIncidents(ctx, accord.IncidentQuery{Q: "candidats", Country: "FR"})
	if err != nil || len(page.Incidents) != 1 {
		t.Fatalf("search = %+v, %v", page, err)
	}
	raw, err := public.Get(ctx, "/v1/incidents?facets=true&severity=serious")
	if err != nil || !strings.Contains(string(raw), `"country:FR":1`) {
		t.Fatalf("facets = %s, %v", raw, err)
	}
	d, err := authority.IncidentDashboard(ctx, "", "met", "", 10)
	if err != nil || len(d.Deadlines) != 1 || d.Deadlines[0].Incident != v.Report.Incident {
		t.Fatalf("dashboard = %+v, %v", d, err)
	}
	if _, err := e.provider.IncidentDashboard(ctx, "", "", "", 10); !errors.As(err, &ce) || ce.Status != http.StatusForbidden {
		t.Fatalf("a provider's dashboard: %v", err)
	}
	if _, err := public.IncidentTaxonomies(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := public.Get(ctx, "/v1/incidents?from=yesterday"); !errors.As(err, &ce) || ce.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad date: %v", err)
	}
}

func TestIncidentFeeds(t *testing.T) {
	e := newEnv(t)
	sys, err := e.provider.FileSystem(ctx, "", sampleFiling(), "")
	if err != nil {
		t.Fatal(err)
	}
	r := incidentReport(sys.ID, time.Now().Add(-time.Hour).Truncate(time.Second))
	if _, err := e.provider.FileIncidentReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	public := &client.Client{Server: e.node.URL, HTTP: e.http}
	for path, want := range map[string]string{
		"/v1/incident-feed.atom":          "<title xml:lang=\"en\">CV Screener rejected applicants over 50</title>",
		"/v1/incident-feed.json":          `"version":"https://jsonfeed.org/version/1.1"`,
		"/v1/incident-export?format=aiid": `"Tangible Harm":"tangible harm definitively occurred"`,
		"/v1/incident-export?format=aim":  `"harm_types":["human-rights"]`,
	} {
		b, err := public.Get(ctx, path)
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s: %v\n%s", path, err, b)
		}
		if strings.Contains(string(b), "J. Martin") || strings.Contains(string(b), "desk@acme.example") {
			t.Errorf("%s shows the confidential part", path)
		}
	}
	if _, err := public.Get(ctx, "/v1/incident-export?format=csv"); err == nil {
		t.Error("an unknown export format was served")
	}
}

func TestIncidentIdempotency(t *testing.T) {
	e := newEnv(t)
	sys, err := e.provider.FileSystem(ctx, "", sampleFiling(), "")
	if err != nil {
		t.Fatal(err)
	}
	aware := time.Now().Add(-time.Hour).Truncate(time.Second)
	// A retry with the same Idempotency-Key files nothing new; another report under it is refused.
	again, err := e.provider.FileIncidentReportOnce(ctx, incidentReport(sys.ID, aware), "k-1")
	if err != nil {
		t.Fatal(err)
	}
	replay, err := e.provider.FileIncidentReportOnce(ctx, incidentReport(sys.ID, aware), "k-1")
	if err != nil || !replay.Replayed || replay.Report.ID != again.Report.ID || replay.Receipt == nil {
		t.Fatalf("replay = %+v, %v", replay, err)
	}
	other := incidentReport(sys.ID, aware)
	other.Severity = "minor"
	if _, err := e.provider.FileIncidentReportOnce(ctx, other, "k-1"); err == nil {
		t.Fatal("another report under a used key was filed")
	}
	public := &client.Client{Server: e.node.URL, HTTP: e.http}
	if _, err := public.FileIncidentReportOnce(ctx, incidentReport(sys.ID, aware), "k-2"); err == nil {
		t.Error("the public filed with an Idempotency-Key")
	}
}

package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/registry"
)

// incidentNode is a node whose web UI serves the incident pages, with a
// provider, a deployer and an authority (of China) and a system.
type incidentNode struct {
	*testNode
	authority string // the authority's token
	deployer  string
	system    string
}

func startIncidentNode(t *testing.T) *incidentNode {
	t.Helper()
	dir, err := mkdirTemp()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ctx := context.Background()
	n, err := node.Open(ctx, node.Config{DataDir: dir, Origin: "incidents.accord.local/log"})
	if err != nil {
		t.Fatal(err)
	}
	tn := &testNode{Node: n, Web: New(Config{Registry: n.Registry, VerifierKey: n.VerifierKey, Incidents: n.Incidents})}
	tn.Server = httptest.NewServer(n.Handler(node.HTTPOptions{Web: tn.Web}))
	tn.URL = tn.Server.URL
	t.Cleanup(func() { tn.Server.Close(); n.Close() })
	in := &incidentNode{testNode: tn}
	reg := func(kind, country string) (accord.Organization, string) {
		r, err := n.Registry.RegisterOrganization(ctx, registry.Operator(), accord.NewOrganization{Name: accord.Text{"en": "Web " + kind}, Kind: kind, Country: country})
		if err != nil {
			t.Fatal(err)
		}
		return r.Organization, r.Token.Secret
	}
	tn.Provider, tn.Token = reg("provider", "FR")
	_, in.deployer = reg("deployer", "FR")
	_, in.authority = reg("authority", "CN")
	c, _ := n.Registry.Authenticate(ctx, tn.Token)
	v, err := n.Registry.FileSystem(ctx, c, registry.FileRequest{Filing: accord.Filing{
		TradeName: accord.Text{"en": "Web Screener"}, SystemVersion: "1", Status: "active", IntendedPurpose: accord.Text{"en": "Ranks applicants"},
		Domains: []string{"employment.recruitment"}, DeploymentCountries: []string{"CN", "FR"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	in.system = v.ID
	return in
}

func (in *incidentNode) file(t *testing.T, token string, r accord.NewIncidentReport) *accord.IncidentReportView {
	t.Helper()
	ctx := context.Background()
	var c *registry.Caller
	if token != "" {
		var err error
		if c, err = in.Registry.Authenticate(ctx, token); err != nil {
			t.Fatal(err)
		}
	}
	v, err := in.Incidents.File(ctx, c, r, "")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (in *incidentNode) report(aware time.Time) accord.NewIncidentReport {
	return accord.NewIncidentReport{Kind: accord.IncidentIncident, System: accord.SystemRef{ID: in.system}, Occurred: aware.Add(-time.Hour), Aware: aware,
		Countries: []string{"CN"}, Severity: "serious", Harms: []string{"eu-3-49:c"}, Facts: accord.IncidentFacts{CNGrade: "major", CNOperator: "other"},
		Title:        accord.Text{"en": "Screener leaked applicant files", "zh-Hans": "筛选系统泄露求职者档案"},
		Summary:      accord.Text{"en": "Applicant files were exposed for two hours.", "zh-Hans": "求职者档案暴露了两个小时。"},
		Confidential: accord.IncidentConfidential{SecurityDetails: accord.Text{"en": "bucket s3://secret-applicants"}, Contact: "soc@web.example"}}
}

func TestIncidentPages(t *testing.T) {
	in := startIncidentNode(t)
	v := in.file(t, in.Token, in.report(time.Now().Add(-time.Hour).Truncate(time.Second)))
	id := v.Report.Incident
	for _, lang := range []string{"en", "fr", "es", "zh-Hans", "ar", "ru"} {
		for _, path := range []string{"/incidents", "/incidents/" + id, "/incidents/new?system=" + in.system} {
			resp, body := in.get(t, nil, path, lang)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s in %s: status %d", path, lang, resp.StatusCode)
			}
			if strings.Contains(body, "[incidents.") || strings.Contains(body, "[nav.") {
				t.Errorf("%s in %s: a missing message", path, lang)
			}
			assertNoInlineCode(t, path, body)
			// The public never sees the confidential part.
			if strings.Contains(body, "secret-applicants") || strings.Contains(body, "soc@web.example") {
				t.Errorf("%s in %s shows the confidential part to the public", path, lang)
			}
		}
	}
	_, body := in.get(t, nil, "/incidents/"+id, "zh-Hans")
	for _, want := range []string{"筛选系统泄露求职者档案", "国家网络安全事件报告管理办法", "st-met"} {
		if !strings.Contains(body, want) {
			t.Errorf("the incident page lacks %q", want)
		}
	}
	_, body = in.get(t, nil, "/systems/"+in.system, "en")
	if !strings.Contains(body, `href="/incidents?system=`+in.system+`"`) {
		t.Error("the system page does not link to its incidents")
	}
	_, body = in.get(t, nil, "/incidents?country=CN&q=applicant", "en")
	if !strings.Contains(body, "/incidents/"+id) {
		t.Errorf("the list does not find the incident")
	}
	// An authority signed in sees the confidential part and the dashboard.
	c := in.client(t)
	in.signIn(t, c, in.authority)
	_, body = in.get(t, c, "/incidents/"+id, "en")
	if !strings.Contains(body, "secret-applicants") {
		t.Error("an authority does not see the confidential part")
	}
	resp, body := in.get(t, c, "/incidents/deadlines?status=met", "en")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "/incidents/"+id) {
		t.Errorf("the dashboard: %d", resp.StatusCode)
	}
	if resp, _ := in.get(t, nil, "/incidents/deadlines", "en"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the dashboard for the public: %d", resp.StatusCode)
	}
}

func TestIncidentForm(t *testing.T) {
	in := startIncidentNode(t)
	aware := time.Now().UTC().Add(-30 * time.Minute)
	form := url.Values{
		"system": {in.system}, "kind": {"incident"}, "severity": {"serious"}, "offset": {"+00:00"},
		"occurred": {aware.Add(-time.Hour).Format("2006-01-02T15:04")}, "aware": {aware.Format("2006-01-02T15:04")},
		"countries": {"CN, FR"}, "cn_grade": {"major"}, "cn_operator": {"cii"}, "lang": {"en"},
		"title": {"Screener down for an hour"}, "summary": {"The screener was unavailable."}, "contact": {"citizen@example.org"},
		"harm": {"eu-3-49:b"},
	}
	// Showing the deadlines files nothing.
	form.Set("action", "preview")
	resp, body := in.post(t, nil, "/incidents/new", "en", form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "国家网络安全事件报告管理办法") {
		t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
	}
	// A bad time is named next to its input.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("aware", "yesterday")
	resp, body = in.post(t, nil, "/incidents/new", "en", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#f-aware"`) {
		t.Fatalf("a bad time: %d", resp.StatusCode)
	}
	// Filed by the public: a complaint.
	form.Set("action", "submit")
	resp, _ = in.post(t, nil, "/incidents/new", "en", form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/incidents/inc_") {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	first := strings.SplitN(strings.TrimPrefix(resp.Header.Get("Location"), "/incidents/"), "#", 2)[0]
	// A second report of the same event, by a deployer, in French: suggested, and merged by the authority.
	fr := in.report(aware)
	fr.Title, fr.Summary = accord.Text{"fr": "Le logiciel de tri est resté indisponible"}, accord.Text{"fr": "Indisponible une heure."}
	second := in.file(t, in.deployer, fr)
	c := in.client(t)
	in.signIn(t, c, in.authority)
	_, body = in.get(t, c, "/incidents/"+first, "en")
	if !strings.Contains(body, `action="/incidents/`+second.Report.Incident+`/merge"`) {
		t.Fatalf("the authority is not offered the merge:\n%s", body)
	}
	resp, _ = in.post(t, c, "/incidents/"+second.Report.Incident+"/merge", "en", url.Values{"into": {first}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("merge: %d", resp.StatusCode)
	}
	resp, _ = in.get(t, nil, "/incidents/"+second.Report.Incident, "en")
	if resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(resp.Header.Get("Location"), "/incidents/"+first) {
		t.Errorf("the merged page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestIncidentVersionForm(t *testing.T) {
	in := startIncidentNode(t)
	v := in.file(t, in.Token, in.report(time.Now().Add(-time.Hour).Truncate(time.Second)))
	c := in.client(t)
	in.signIn(t, c, in.Token)
	_, body := in.get(t, c, "/incidents/"+v.Report.Incident, "en")
	link := `href="/incidents/reports/` + v.Report.ID + `/version"`
	if !strings.Contains(body, link) {
		t.Fatal("the reporter is not offered the next version")
	}
	resp, body := in.get(t, c, "/incidents/reports/"+v.Report.ID+"/version", "en")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "secret-applicants") || !strings.Contains(body, `value="final" selected`) {
		t.Fatalf("the version form: %d", resp.StatusCode)
	}
	// Another organization is not offered it, and may not post it.
	d := in.client(t)
	in.signIn(t, d, in.deployer)
	if _, body := in.get(t, d, "/incidents/"+v.Report.Incident, "en"); strings.Contains(body, link) {
		t.Error("another organization is offered the reporter's next version")
	}
	if resp, _ := in.get(t, d, "/incidents/reports/"+v.Report.ID+"/version", "en"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another organization's version form: %d", resp.StatusCode)
	}
	aware := v.Report.Aware.UTC()
	form := url.Values{"system": {in.system}, "kind": {"incident"}, "severity": {"serious"}, "offset": {"+00:00"}, "stage": {"final"},
		"occurred": {v.Report.Occurred.UTC().Format("2006-01-02T15:04")}, "aware": {aware.Format("2006-01-02T15:04")}, "countries": {"CN"},
		"cn_grade": {"major"}, "cn_operator": {"other"}, "lang": {"en"}, "title": {"Screener leaked applicant files"},
		"summary": {"Applicant files were exposed for two hours; the bucket is closed."}, "root_cause": {"A public bucket."}, "action": {"submit"}}
	resp, _ = in.post(t, c, "/incidents/reports/"+v.Report.ID+"/version", "en", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("file the final version: %d", resp.StatusCode)
	}
	_, body = in.get(t, nil, "/incidents/"+v.Report.Incident, "en")
	if !strings.Contains(body, "Final report") || !strings.Contains(body, "the bucket is closed") {
		t.Error("the incident page does not show the final version")
	}
}

package incident_test

import (
	"context"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/nodeproc"
)

// TestAcrossMembers runs two member nodes as real processes: a deployer at
// the second files a report about a system filed at the first (named by its
// registry id and home member); the first node, whose system it is, gets
// the report through its mirror of the second's log (the public part; the
// confidential part stays where it was filed), with the deadlines its own
// rules give, and both find it in search.
func TestAcrossMembers(t *testing.T) {
	a := nodeproc.Start(t, "alpha", "", "--mirror-interval", "200ms")
	b := nodeproc.Start(t, "beta", "", "--mirror-interval", "200ms")
	a.PeerWith(t, b)
	b.PeerWith(t, a)
	ctx := context.Background()
	prov, _ := a.Provider(t)
	sys, err := prov.FileSystem(ctx, "", highRisk("Alpha screener"), "")
	if err != nil {
		t.Fatal(err)
	}
	// The system is mirrored at beta.
	nodeproc.WaitFor(t, "alpha's system at beta", 20*time.Second, func() bool {
		v, err := b.Public.System(ctx, sys.ID)
		return err == nil && v.ID == sys.ID
	})
	reg, err := b.Admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Deployer at beta"}, Kind: "deployer", Country: "CN"})
	if err != nil {
		t.Fatal(err)
	}
	dep := client.New(b.URL(), reg.Token.Secret)
	aware := time.Now().Add(-time.Hour).Truncate(time.Second)
	r := accord.NewIncidentReport{Kind: accord.IncidentIncident, System: accord.SystemRef{ID: sys.ID, Node: a.ID.Member},
		Occurred: aware.Add(-time.Hour), Aware: aware, Countries: []string{"CN"}, Severity: "serious",
		Facts: accord.IncidentFacts{CNGrade: "major", CNOperator: "other"},
		Title: accord.Text{"zh-Hans": "筛选系统故障"}, Summary: accord.Text{"zh-Hans": "筛选系统拒绝了所有申请人。"},
		Confidential: accord.IncidentConfidential{Contact: "ops@beta.example"}}
	// Named without its home, the foreign system is refused with the field.
	bad := r
	bad.System.Node = ""
	if _, err := dep.FileIncidentReport(ctx, bad); err == nil {
		t.Fatal("a report naming a mirrored system without its home was filed")
	}
	v, err := dep.FileIncidentReport(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if v.Report.System.Node != a.ID.Member || v.Report.Role != accord.RoleDeployer || len(v.Report.Deadlines) == 0 {
		t.Fatalf("filed at beta: %+v", v.Report)
	}
	// Alpha gets it through its mirror of beta's log.
	var got *accord.IncidentView
	nodeproc.WaitFor(t, "beta's report at alpha", 20*time.Second, func() bool {
		got, err = a.Public.Incident(ctx, v.Report.Incident)
		return err == nil
	})
	if got.Incident.Home != b.ID.Member || got.Incident.System.ID != sys.ID || got.Incident.System.Node != "" {
		t.Errorf("at alpha: %+v", got.Incident)
	}
	if len(got.Reports) != 1 || got.Reports[0].Home != b.ID.Member || got.Reports[0].Commitment == "" || !got.Reports[0].Confidential.IsZero() {
		t.Errorf("the report at alpha: %+v", got.Reports)
	}
	if len(got.Deadlines) == 0 || got.Deadlines[0].Duty != "cac-operator-4h" || got.Deadlines[0].Status != accord.DeadlineMet {
		t.Errorf("alpha's deadlines: %+v", got.Deadlines)
	}
	for _, n := range []*nodeproc.Proc{a, b} {
		p, err := n.Public.SearchIncidents(ctx, accord.IncidentQuery{System: sys.ID})
		if err != nil || len(p.Incidents) != 1 {
			t.Errorf("search at %s: %+v, %v", n.Name, p, err)
		}
	}
	// Alpha's authority sees its country's deadline; the contact stays at beta.
	areg, err := a.Admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Authority at alpha"}, Kind: "authority", Country: "CN"})
	if err != nil {
		t.Fatal(err)
	}
	auth := client.New(a.URL(), areg.Token.Secret)
	d, err := auth.IncidentDashboard(ctx, "", "", "", 10)
	if err != nil || len(d.Deadlines) != 1 || d.Deadlines[0].Incident != v.Report.Incident {
		t.Errorf("alpha's dashboard: %+v, %v", d, err)
	}
	ar, err := auth.IncidentReport(ctx, v.Report.ID, 0)
	if err != nil || ar.Report.Confidential.Contact != "" {
		t.Errorf("alpha holds the confidential part: %+v, %v", ar, err)
	}
	// Beta's authority merges a second report's incident into the first: alpha follows.
	second, err := dep.FileIncidentReport(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	breg, err := b.Admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Authority at beta"}, Kind: "authority", Country: "CN"})
	if err != nil {
		t.Fatal(err)
	}
	bauth := client.New(b.URL(), breg.Token.Secret)
	nodeproc.WaitFor(t, "the second report at alpha", 20*time.Second, func() bool {
		_, err := a.Public.Incident(ctx, second.Report.Incident)
		return err == nil
	})
	if _, err := bauth.MergeIncident(ctx, second.Report.Incident, accord.IncidentMerge{Into: v.Report.Incident}); err != nil {
		t.Fatal(err)
	}
	nodeproc.WaitFor(t, "beta's merge at alpha", 20*time.Second, func() bool {
		got, err := a.Public.Incident(ctx, second.Report.Incident) // follows the redirect
		return err == nil && got.Incident.ID == v.Report.Incident && len(got.Reports) == 2
	})
	// Alpha's authority cannot merge beta's incidents: they are merged at their home.
	if _, err := auth.MergeIncident(ctx, v.Report.Incident, accord.IncidentMerge{Into: second.Report.Incident}); err == nil {
		t.Error("alpha merged beta's incidents")
	}
	// A foreign incident is read-only here.
	more := r
	more.System.Node, more.Incident = "", v.Report.Incident
	if _, err := prov.FileIncidentReport(ctx, more); err == nil {
		t.Error("a report was filed at alpha onto beta's incident")
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/registry"
)

func TestCLIIncident(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	srv := []string{"--server", n.URL}
	register := func(kind, country string) []string {
		code, out, errs := cli(t, append([]string{"org", "register", "-q", "--name", "CLI " + kind, "--kind", kind, "--country", country, "--token", n.AdminToken}, srv...)...)
		if code != 0 {
			t.Fatalf("org register: %s", errs)
		}
		return append([]string{"--token", strings.TrimSpace(out)}, srv...)
	}
	prov, auth := register("provider", "FR"), register("authority", "CN")
	code, out, errs := cli(t, append([]string{"file", "-q", "../../examples/hiring-assistant.yaml"}, prov...)...)
	if code != 0 {
		t.Fatalf("file: %s", errs)
	}
	sys := strings.TrimSpace(out)
	code, out, errs = cli(t, append([]string{"incident", "file", "--system", sys, "../../examples/incident-report.yaml"}, prov...)...)
	if code != 0 || !regexp.MustCompile(`(?m)^role +provider$`).MatchString(out) || !strings.Contains(out, "cac-operator-4h") || !strings.Contains(out, "Receipt: log index") {
		t.Fatalf("incident file: exit %d\n%s%s", code, out, errs)
	}
	var inc, rep string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "incident" {
			inc = f[1]
		} else if len(f) >= 2 && f[0] == "report" {
			rep = f[1]
		}
	}
	code, out, errs = cli(t, append([]string{"incident", "get", inc}, srv...)...)
	if code != 0 || !strings.Contains(out, "Screening assistant") || !strings.Contains(out, rep+" v1 initial by provider") {
		t.Errorf("incident get: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = cli(t, append([]string{"incident", "report", "--json", rep}, srv...)...)
	if code != 0 || strings.Contains(out, "incident-desk@provider.example") {
		t.Errorf("the public reads the contact:\n%s", out)
	}
	code, out, _ = cli(t, append([]string{"incident", "report", "--json", rep}, auth...)...)
	if code != 0 || !strings.Contains(out, "incident-desk@provider.example") {
		t.Errorf("an authority does not read the contact:\n%s", out)
	}
	code, out, errs = cli(t, append([]string{"incident", "receipt", rep}, srv...)...)
	if code != 0 || !strings.Contains(out, `"proof"`) {
		t.Errorf("incident receipt: exit %d\n%s%s", code, out, errs)
	}
	rf := filepath.Join(t.TempDir(), "receipt.json")
	if err := os.WriteFile(rf, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = cli(t, "verify", rf, "--key", n.VerifierKey)
	if code != 0 {
		t.Errorf("verify the report's receipt: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = cli(t, append([]string{"incident", "search", "--country", "CN", "warehouse"}, srv...)...)
	if code != 0 || !strings.Contains(out, inc) {
		t.Errorf("incident search: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = cli(t, append([]string{"incident", "deadlines", "--status", "missed"}, auth...)...)
	if code != 0 || !strings.Contains(out, inc) {
		t.Errorf("incident deadlines: exit %d\n%s%s", code, out, errs)
	}
	// Errors name the field; a non-authority cannot merge.
	code, _, errs = cli(t, append([]string{"incident", "file", "--system", "sys_nothere", "../../examples/incident-report.yaml"}, prov...)...)
	if code == 0 || !strings.Contains(errs, "field system.id") {
		t.Errorf("an unknown system: %s", errs)
	}
	code, _, errs = cli(t, append([]string{"incident", "merge", inc, "--into", inc}, prov...)...)
	if code == 0 || !strings.Contains(errs, "only an authority") {
		t.Errorf("a provider's merge: %s", errs)
	}
	code, _, errs = cli(t, "incident", "frob")
	if code != 2 || !strings.Contains(errs, "unknown subcommand") {
		t.Errorf("unknown subcommand: %d %s", code, errs)
	}
}

// TestMigrateStoreIncidents: accord migrate-store moves the incident tables
// SQLite → PostgreSQL → SQLite: the digest of both stores agrees, and the
// moved node reads the incident, its merge, the confidential part and the
// mirror cursor as they were.
func TestMigrateStoreIncidents(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	a, err := node.Open(ctx, node.Config{DataDir: data, Origin: "migrate-incidents.test/log"})
	if err != nil {
		t.Fatal(err)
	}
	admin := registry.Operator()
	org, err := a.Registry.RegisterOrganization(ctx, admin, accord.NewOrganization{Name: accord.Text{"en": "P"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	prov, _ := a.Registry.Authenticate(ctx, org.Token.Secret)
	sys, err := a.Registry.FileSystem(ctx, prov, registry.FileRequest{Filing: accord.Filing{TradeName: accord.Text{"en": "S"}, SystemVersion: "1", Status: "active",
		IntendedPurpose: accord.Text{"en": "Ranks applicants"}, Domains: []string{"employment.recruitment"}, DeploymentCountries: []string{"CN"}}})
	if err != nil {
		t.Fatal(err)
	}
	aware := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	r := accord.NewIncidentReport{Kind: accord.IncidentIncident, System: accord.SystemRef{ID: sys.ID}, Occurred: aware.Add(-time.Hour), Aware: aware,
		Countries: []string{"CN"}, Severity: "serious", Facts: accord.IncidentFacts{CNGrade: "major", CNOperator: "cii"},
		Title: accord.Text{"en": "T"}, Summary: accord.Text{"en": "S"}, Confidential: accord.IncidentConfidential{Contact: "c@example.org"}}
	first, err := a.Incidents.File(ctx, prov, r, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.Incidents.File(ctx, prov, r, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Incidents.Merge(ctx, admin, second.Report.Incident, accord.IncidentMerge{Into: first.Report.Incident}); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.Update(ctx, func(tx accord.WriteTx) error { return tx.SetIncidentCursor(ctx, "peer.example/log", 0, 7) }); err != nil {
		t.Fatal(err)
	}
	a.Close()
	pg := pgtest.DSN(t)
	back := filepath.Join(t.TempDir(), "back.db")
	for _, m := range [][2]string{{"sqlite:" + filepath.Join(data, node.DBFile), pg}, {pg, "sqlite:" + back}} {
		var out, errb bytes.Buffer
		if code := run([]string{"migrate-store", "--from", m[0], "--to", m[1]}, &out, &errb); code != 0 || !strings.Contains(out.String(), "verified: both stores hold the same") {
			t.Fatalf("migrate-store %s → %s: exit %d: %s%s", m[0], m[1], code, out.String(), errb.String())
		}
	}
	n, err := node.Open(ctx, node.Config{DataDir: data, DB: "sqlite:" + back})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	v, err := n.Incidents.Incident(ctx, admin, first.Report.Incident)
	if err != nil || len(v.Reports) != 2 || v.Reports[0].Confidential.Contact != "c@example.org" || v.Deadlines[0].Status != accord.DeadlineMet {
		t.Fatalf("the moved incident: %+v, %v", v, err)
	}
	if _, err := n.Incidents.Incident(ctx, nil, second.Report.Incident); err == nil {
		t.Error("the merged incident no longer redirects")
	}
	// The idempotency key moved too: a retry files nothing.
	again, err := n.Incidents.File(ctx, prov, r, "key-1")
	if err != nil || !again.Replayed || again.Report.ID != first.Report.ID {
		t.Errorf("a retry after the move: %+v, %v", again, err)
	}
	n.Store.View(ctx, func(tx accord.ReadTx) error {
		if c, err := tx.IncidentCursor(ctx, "peer.example/log"); err != nil || c != 7 {
			t.Errorf("the moved cursor: %d, %v", c, err)
		}
		return nil
	})
}

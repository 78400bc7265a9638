package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/accord-gov/accord/internal/testnode"
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

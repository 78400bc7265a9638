package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/tlog"
)

// cli runs the accord command in-process.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIErrorsNameTheField(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"file", "--server", "http://127.0.0.1:1", "testdata/bad-country.yaml"}, []string{"deployment_countries[0]", `"France" is not an ISO 3166-1 alpha-2 country code`}},
		{[]string{"file", "--server", "http://127.0.0.1:1", "testdata/typo.yaml"}, []string{"typo.yaml:7: facts.profilling", "did you mean profiling?"}},
		{[]string{"file", "--server", "http://127.0.0.1:1", "testdata/case-variant.yaml"}, []string{`case-variant.yaml:8: CONFIDENTIAL: differs from the field "confidential" only in case`}},
		{[]string{"file", "--server", "http://127.0.0.1:1", "testdata/duplicate.json"}, []string{"duplicate.json:10: facts.profiling: duplicate key"}},
		{[]string{"classify", "testdata/duplicate.json"}, []string{"duplicate.json:10: facts.profiling: duplicate key"}},
		{[]string{"file", "--server", "http://127.0.0.1:1", "testdata/control-character.yaml"}, []string{"trade_name.en", "U+001B"}},
		{[]string{"file"}, []string{"give one filing file"}},
		{[]string{"withdraw", "sys_x"}, []string{"--reason is required"}},
		{[]string{"verify", "testdata/bad-country.yaml"}, []string{"--key is required"}},
		{[]string{"frobnicate"}, []string{`unknown command "frobnicate"`}},
		{[]string{"get", "--server", "http://127.0.0.1:1", "sys_x"}, []string{"cannot reach the node"}},
		{[]string{"classification"}, []string{"give the system id"}},
		{[]string{"classification", "--as-of", "1 May", "sys_x"}, []string{`--as-of "1 May": write the date as YYYY-MM-DD`}},
		{[]string{"classification", "--server", "http://127.0.0.1:1", "sys_x"}, []string{"cannot reach the node"}},
	}
	for _, tt := range tests {
		code, _, stderr := cli(t, tt.args...)
		if code == 0 {
			t.Errorf("accord %v succeeded", tt.args)
		}
		for _, w := range tt.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("accord %v: stderr %q lacks %q", tt.args, stderr, w)
			}
		}
	}
}

func TestCLIAgainstNode(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	srv := []string{"--server", n.URL}
	code, out, errs := cli(t, append([]string{"org", "register", "-q", "--name", "CLI Co", "--country", "SN", "--token", n.AdminToken}, srv...)...)
	if code != 0 {
		t.Fatalf("org register: %s", errs)
	}
	token := strings.TrimSpace(out)
	auth := append([]string{"--token", token}, srv...)
	code, out, errs = cli(t, append([]string{"file", "-q", "../../examples/hiring-assistant.yaml"}, auth...)...)
	if code != 0 {
		t.Fatalf("file: %s", errs)
	}
	id := strings.TrimSpace(out)
	// A retry of the same file is the same filing (content-derived key).
	_, out, _ = cli(t, append([]string{"file", "-q", "../../examples/hiring-assistant.yaml"}, auth...)...)
	if strings.TrimSpace(out) != id {
		t.Errorf("refiling the same file made %q, want %q", out, id)
	}
	// get names the provider, as search does, with its id.
	code, out, errs = cli(t, append([]string{"get", id}, srv...)...)
	if code != 0 || !regexp.MustCompile(`(?m)^Provider +CLI Co \(org_[0-9a-z]+\)$`).MatchString(out) {
		t.Errorf("get: provider not shown by name and id (exit %d):\n%s%s", code, out, errs)
	}
	code, out, _ = cli(t, append([]string{"search", "--json", "招聘"}, srv...)...)
	var page accord.SystemPage
	if code != 0 || json.Unmarshal([]byte(out), &page) != nil || len(page.Systems) != 1 || page.Systems[0].ID != id {
		t.Errorf("search --json: %d %s", code, out)
	}
	code, out, _ = cli(t, append([]string{"search", "--country", "TZ", "--tier", "not_applicable"}, srv...)...)
	if code != 0 || !strings.Contains(out, id) {
		t.Errorf("search by country and level: %s", out)
	}
	// A stale update says what to do.
	code, _, errs = cli(t, append([]string{"update", "--if-match", `"` + id + `.v9"`, id, "../../examples/hiring-assistant-v2.yaml"}, auth...)...)
	if code == 0 || !strings.Contains(errs, "changed since you read it") || !strings.Contains(errs, "hint:") {
		t.Errorf("stale update: %s", errs)
	}
	code, _, errs = cli(t, append([]string{"update", id, "../../examples/hiring-assistant-v2.yaml"}, auth...)...)
	if code != 0 {
		t.Fatalf("update: %s", errs)
	}
	// The node's classification, as filed: version 2 reaches the EU and NYC,
	// version 1 (Kenya and Tanzania) no framework.
	code, out, errs = cli(t, append([]string{"classification", id}, srv...)...)
	for _, want := range []string{id + " version 2, classified by the node when filed (log entry ", "Tier: High-risk AI system (high); baseline level high", "[us-nyc, ", "Obligations by theme:"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("classification: exit %d, output lacks %q:\n%s%s", code, want, out, errs)
		}
	}
	code, out, errs = cli(t, append([]string{"classification", "--version", "1", id}, srv...)...)
	if code != 0 || !strings.Contains(out, id+" version 1,") || !strings.Contains(out, "Summary: no framework applies.") {
		t.Errorf("classification --version 1: exit %d:\n%s%s", code, out, errs)
	}
	code, out, errs = cli(t, append([]string{"classification", "--json", "--as-of", "2026-01-01", id}, srv...)...)
	var cv struct {
		Version int    `json:"version"`
		AsOf    string `json:"as_of"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &cv) != nil || cv.Version != 2 || cv.AsOf != "2026-01-01" {
		t.Errorf("classification --json --as-of: exit %d: %s%s", code, out, errs)
	}
	code, out, _ = cli(t, append([]string{"versions", id}, srv...)...)
	if code != 0 || !strings.Contains(out, "filed") || !strings.Contains(out, "updated") {
		t.Errorf("versions: %s", out)
	}
	// Receipts verify offline; a tampered one names what failed.
	_, receipt, _ := cli(t, append([]string{"receipt", id, "2"}, srv...)...)
	dir := t.TempDir()
	good := filepath.Join(dir, "r.json")
	os.WriteFile(good, []byte(receipt), 0o644)
	code, out, errs = cli(t, "verify", good, "--key", n.VerifierKey)
	if code != 0 || !strings.Contains(out, "OK: entry") {
		t.Errorf("verify: %s %s", out, errs)
	}
	var r accord.Receipt
	json.Unmarshal([]byte(receipt), &r)
	r.Entry = strings.Replace(r.Entry, "Savanna", "Sahara", 1)
	bad, _ := json.Marshal(r)
	tampered := filepath.Join(dir, "t.json")
	os.WriteFile(tampered, bad, 0o644)
	code, _, errs = cli(t, "verify", tampered, "--key", n.VerifierKey)
	if code == 0 || !strings.Contains(errs, "FAILED proof") {
		t.Errorf("tampered receipt: %d %s", code, errs)
	}
	// A receipt that gives its entry twice is refused: encoding/json would
	// verify the last while a reader reads the first.
	forged, _ := json.Marshal(r.Entry)
	twice := filepath.Join(dir, "twice.json")
	os.WriteFile(twice, append([]byte(`{"entry":`+string(forged)+","), strings.TrimSpace(receipt)[1:]...), 0o644)
	code, _, errs = cli(t, "verify", twice, "--key", n.VerifierKey)
	if code == 0 || !strings.Contains(errs, "FAILED format") || !strings.Contains(errs, "entry: duplicate key") {
		t.Errorf("receipt with two entries: %d %s", code, errs)
	}
	_, otherKey, _ := tlog.GenerateKey("test.accord.local/log")
	code, _, errs = cli(t, "verify", good, "--key", otherKey)
	if code == 0 || !strings.Contains(errs, "FAILED signature") {
		t.Errorf("wrong key: %d %s", code, errs)
	}
	// Organizations and tokens.
	code, out, _ = cli(t, append([]string{"org", "list"}, srv...)...)
	if code != 0 || !strings.Contains(out, "CLI Co") {
		t.Errorf("org list: %s", out)
	}
	code, out, errs = cli(t, append([]string{"vocabularies", "domains"}, srv...)...)
	if code != 0 || !strings.Contains(out, "employment.recruitment") {
		t.Errorf("vocabularies: %s %s", out, errs)
	}
}

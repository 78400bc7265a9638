package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord/api"
)

// The OpenAPI document is linted by the two linters API consumers use,
// Redocly CLI (its recommended rules) and Spectral (spectral:oas), with their
// rules as they ship: a finding is fixed in the document, never silenced. The
// linters are npm packages pinned in testdata/lint (scripts/test runs `npm ci`
// there). Without them the test skips, except in CI (CI=true), where it fails.

const lintDir = "testdata/lint"

// nodeVersionCheck exits non-zero, printing the version, on a Node.js older
// than @redocly/cli 2.x supports (as scripts/test checks).
const nodeVersionCheck = `const [a, b] = process.versions.node.split(".").map(Number);
if (!(a > 22 || (a === 22 && b >= 12) || (a === 20 && b >= 19))) { console.log(process.version); process.exit(1) }`

// linter returns the path of an installed linter's executable.
func linter(t *testing.T, name string) string {
	t.Helper()
	msg := ""
	if _, err := exec.LookPath("node"); err != nil {
		msg = "node is not installed: install Node.js and npm (apt-get install -y nodejs npm), then run `npm ci` in api/testdata/lint"
	} else if out, err := exec.Command("node", "-e", nodeVersionCheck).CombinedOutput(); err != nil {
		msg = fmt.Sprintf("Node.js %s is too old for @redocly/cli 2.x, which needs 20.19+ or 22.12+: install a newer nodejs", strings.TrimSpace(string(out)))
	}
	p, err := filepath.Abs(filepath.Join(lintDir, "node_modules", ".bin", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil && msg == "" {
		msg = name + " is not installed: run `npm ci` in api/testdata/lint"
	}
	if msg == "" {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// servedDocument fetches /v1/openapi.json from a real API handler and writes
// it to a file, so the linters check what clients get, not the YAML source.
func servedDocument(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(api.New(nil, api.Options{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json: %d %v", resp.StatusCode, err)
	}
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runLinter runs a linter with a time limit; it returns its standard output.
// A non-zero exit is not an error here: the findings say why.
func runLinter(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = lintDir
	cmd.Env = append(os.Environ(),
		"REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "REDOCLY_SUPPRESS_NOTIFICATIONS=true",
		"NO_UPDATE_NOTIFIER=1", "NO_COLOR=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish in time: %s", filepath.Base(bin), stderr.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s: %v\n%s", filepath.Base(bin), err, stderr.String())
	}
	if len(strings.TrimSpace(string(out))) == 0 {
		t.Fatalf("%s printed no report: %v\n%s", filepath.Base(bin), err, stderr.String())
	}
	return out
}

func TestOpenAPIRedoclyLint(t *testing.T) {
	bin := linter(t, "redocly")
	doc := servedDocument(t)
	out := runLinter(t, bin, "lint", "--config", "redocly.yaml", "--format", "json", doc)
	var report struct {
		Totals struct {
			Errors   *int `json:"errors"`
			Warnings *int `json:"warnings"`
		} `json:"totals"`
		Problems []struct {
			RuleID   string `json:"ruleId"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
			Location []struct {
				Pointer string `json:"pointer"`
			} `json:"location"`
		} `json:"problems"`
	}
	if err := json.Unmarshal(out, &report); err != nil || report.Totals.Errors == nil || report.Totals.Warnings == nil {
		t.Fatalf("redocly's report is not the JSON expected (%v):\n%.2000s", err, out)
	}
	for _, p := range report.Problems {
		where := ""
		if len(p.Location) > 0 {
			where = p.Location[0].Pointer
		}
		t.Errorf("redocly %s %s at %s: %s", p.Severity, p.RuleID, where, p.Message)
	}
	if *report.Totals.Errors+*report.Totals.Warnings > 0 {
		t.Errorf("redocly lint: %d errors, %d warnings; want none", *report.Totals.Errors, *report.Totals.Warnings)
	}
}

func TestOpenAPISpectralLint(t *testing.T) {
	bin := linter(t, "spectral")
	doc := servedDocument(t)
	out := runLinter(t, bin, "lint", "--ruleset", ".spectral.yaml", "--format", "json", "--fail-severity", "hint", doc)
	var results []struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Severity int    `json:"severity"` // 0 error, 1 warning, 2 information, 3 hint
		Path     []any  `json:"path"`
	}
	// Spectral prints a line of its own after the JSON when nothing is found.
	start, end := strings.Index(string(out), "["), strings.LastIndex(string(out), "]")
	if start < 0 || end < start || json.Unmarshal(out[start:end+1], &results) != nil {
		t.Fatalf("spectral's report is not the JSON expected:\n%.2000s", out)
	}
	severity := []string{"error", "warning", "information", "hint"}
	for _, r := range results {
		s := fmt.Sprint(r.Severity)
		if r.Severity >= 0 && r.Severity < len(severity) {
			s = severity[r.Severity]
		}
		t.Errorf("spectral %s %s at %v: %s", s, r.Code, r.Path, r.Message)
	}
}

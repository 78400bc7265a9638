package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/rules"
)

func runCmd(t *testing.T, fn func([]string, *bytes.Buffer, *bytes.Buffer) int, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := fn(args, &out, &errb)
	return code, out.String(), errb.String()
}

func classifyCmd(args []string, out, errb *bytes.Buffer) int   { return runClassify(args, out, errb) }
func frameworksCmd(args []string, out, errb *bytes.Buffer) int { return runFrameworks(args, out, errb) }

func TestClassifyReport(t *testing.T) {
	code, out, errs := runCmd(t, classifyCmd, "testdata/classify-hiring.yaml", "--as-of", "2026-09-01")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"HireRank (version 2.1), classified as of 2026-09-01",
		"== EU AI Act [eu-ai-act",
		"Tier: High-risk AI system (high); baseline level high",
		"Art. 6(2), Annex III, point 4(a): Employment - recruitment and selection [high]",
		"because domains = [employment.recruitment]",
		"Does not apply: Not deployed in mainland China",
		"Summary: baseline level high under eu-ai-act",
		"Obligations by theme:",
		"Risk and quality management",
		"[eu-ai-act, Art. 9] provider: Establish, implement, document and maintain a risk management system",
		"deadline: Immediately after establishing a causal link",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestClassifyRoles: a deployer established in the EU is reached wherever
// it uses the system (EU AI Act Art. 2(1)(b)), and the report says which
// obligations it bears by the roles the filing states.
func TestClassifyRoles(t *testing.T) {
	code, out, errs := runCmd(t, classifyCmd, "testdata/classify-deployer.yaml", "--as-of", "2026-09-01")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"Tier: High-risk AI system (high)",
		"[eu-ai-act, Art. 26(2)] deployer, borne by you: Assign human oversight",
		"[eu-ai-act, Art. 9] provider, borne by another party: Establish, implement, document and maintain a risk management system",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestClassifyJSONAndFlagsAfterFile(t *testing.T) {
	code, out, errs := runCmd(t, classifyCmd, "testdata/classify-chatbot.json", "--json", "--as-of", "2026-09-01")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r rules.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var eu *rules.Framework
	for i := range r.Frameworks {
		if r.Frameworks[i].Pack == "eu-ai-act" {
			eu = &r.Frameworks[i]
		}
	}
	// The chatbot states few facts: the EU outcome is undetermined, at
	// least "limited" (Art. 50(1)), and the missing facts are named.
	if eu == nil || eu.Tier != rules.TierUndetermined || eu.AtLeast != "limited" || !strings.Contains(strings.Join(eu.Missing, ","), "social_scoring") {
		t.Fatalf("EU result: %+v", eu)
	}
	if r.AsOf != "2026-09-01" || eu.Hash == "" {
		t.Errorf("as_of %s hash %q", r.AsOf, eu.Hash)
	}
}

func TestClassifyLanguage(t *testing.T) {
	code, out, errs := runCmd(t, classifyCmd, "--lang", "fr", "--as-of", "2026-09-01", "testdata/classify-hiring.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Règlement européen sur l'intelligence artificielle", "Système d'IA à haut risque", "Emploi - recrutement et sélection", "Gestion des risques et de la qualité"} {
		if !strings.Contains(out, want) {
			t.Errorf("French report lacks %q", want)
		}
	}
}

func TestClassifyErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no file", nil, 2, []string{"give one filing file"}},
		{"two files", []string{"a.yaml", "b.yaml"}, 2, []string{"give one filing file"}},
		{"bad date", []string{"testdata/classify-hiring.yaml", "--as-of", "1/9/2026"}, 2, []string{"--as-of", "YYYY-MM-DD"}},
		{"bad language", []string{"testdata/classify-hiring.yaml", "--lang", "!!"}, 2, []string{"--lang"}},
		{"missing file", []string{"testdata/nope.yaml"}, 1, []string{"no such file"}},
		{"unknown fact", []string{"testdata/classify-typo.yaml"}, 1, []string{"classify-typo.yaml:9: facts.profilling is not a field of a filing", "did you mean profiling?"}},
		{"invalid filing", []string{"testdata/classify-invalid.yaml"}, 1, []string{
			"is not a valid filing",
			"trade_name: is required",
			`deployment_countries[0]: "France" is not an ISO 3166-1 alpha-2 country code`,
		}},
		{"unknown domain", []string{"testdata/classify-unknown-domain.yaml"}, 1, []string{
			`domains[0]: "gaming" is not a known code; use one of: `, "entertainment.video_games", "defence.military", "biometrics.verification", "other",
		}},
		{"not a filing", []string{"testdata/packs-ok/demo/cases.yaml"}, 1, []string{"a filing is a mapping"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCmd(t, classifyCmd, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (%s)", code, tc.code, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}

func TestFrameworksList(t *testing.T) {
	code, out, errs := runCmd(t, frameworksCmd, "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"baseline", "eu-ai-act  EU", "EU AI Act"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
}

func TestFrameworksCheck(t *testing.T) {
	code, out, errs := runCmd(t, frameworksCmd, "check", "testdata/packs-ok")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, want := range []string{"ok  demo 1 ", "checking against the embedded one", "2 golden cases, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runCmd(t, frameworksCmd, "check", "testdata/packs-bad")
	if code != 1 {
		t.Errorf("exit %d for invalid packs", code)
	}
	for _, want := range []string{
		`testdata/packs-bad/demo/pack.yaml:16: rule hiring: "employment.recruitmnt" is not a domain`,
		`testdata/packs-bad/other.yaml:17: rule r: unknown field "colour"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "never run") {
		t.Errorf("cases of an invalid pack ran:\n%s", out)
	}

	if code, _, errs := runCmd(t, frameworksCmd, "check"); code != 2 || !strings.Contains(errs, "give one directory") {
		t.Errorf("no directory: exit %d, %s", code, errs)
	}
	if code, _, errs := runCmd(t, frameworksCmd, "frob"); code != 2 || !strings.Contains(errs, "unknown subcommand") {
		t.Errorf("unknown subcommand: exit %d, %s", code, errs)
	}
}

// TestFrameworksCheckRepo checks the repository's own packs and cases, as
// CI would run "accord frameworks check frameworks".
func TestFrameworksCheckRepo(t *testing.T) {
	code, out, errs := runCmd(t, frameworksCmd, "check", "../../frameworks")
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "ok  eu-ai-act ") || !strings.Contains(out, ", 0 failed") {
		t.Errorf("output:\n%s", out)
	}
}

// TestReportTierTitleOfAnotherPackVersion: a result computed with another
// version of a pack (a node's) takes its tier title from the result, not
// from the embedded pack of the same id, whose titles may differ.
func TestReportTierTitleOfAnotherPackVersion(t *testing.T) {
	f, err := decodeFilingDoc("hiring.yaml", mustRead(t, "testdata/classify-hiring.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	packs, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	res := rules.Classify(f, packs, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	for i := range res.Frameworks {
		if res.Frameworks[i].Pack == "eu-ai-act" {
			res.Frameworks[i].Hash = "another-version"
			res.Frameworks[i].TierTitle = accord.Text{"en": "High risk, as the node's pack says"}
		}
	}
	var out bytes.Buffer
	writeReport(&out, f, res, packs, "en")
	if want := "Tier: High risk, as the node's pack says (high); baseline level high"; !strings.Contains(out.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, out.String())
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package rules

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// okPack is a valid pack; the refusal cases each break one thing in it.
const okPack = `id: test
jurisdiction: FR
version: "1"
name: {en: Test pack}
effective_from: 2024-01-01
applies_when: "'FR' in countries"
not_applicable: {en: Not used in France.}
default_tier: minimal
tiers:
  - {id: prohibited, baseline: unacceptable, title: {en: Prohibited}}
  - {id: high, baseline: high, title: {en: High}}
  - {id: minimal, baseline: minimal, title: {en: Minimal}}
rules:
  - id: r1
    citation: Art. 1
    title: {en: Rule one}
    when: facts.social_scoring
    tier: prohibited
    obligations:
      - id: stop
        citation: Art. 1(2)
        bearer: both
        theme: prohibition
        text: {en: Stop.}
  - id: r2
    citation: Art. 2
    title: {en: Rule two}
    when: "'employment.recruitment' in domains"
    tier: high
  - id: r3
    citation: Art. 3
    title: {en: Exception}
    when: facts.narrow_procedural_task
    exception_to: [r2]
`

func mustLoad(t *testing.T, src string) *Pack {
	t.Helper()
	p, err := Load("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

func TestLoadOK(t *testing.T) {
	p := mustLoad(t, okPack)
	if p.ID != "test" || len(p.Rules) != 3 || len(p.Hash) != 64 {
		t.Fatalf("got %s with %d rules, hash %q", p.ID, len(p.Rules), p.Hash)
	}
	if p.Rules[0].Pos.Line != 14 || p.Rules[0].Pos.LineOf("when") != 17 {
		t.Errorf("rule r1 at line %d, when at %d; want 14, 17", p.Rules[0].Pos.Line, p.Rules[0].Pos.LineOf("when"))
	}
}

// TestLoadRefuses breaks okPack in one way per case and checks that Load
// refuses it with a message naming the file, the line and the rule.
func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name      string
		old, new  string // replace old with new in okPack ("" old: append new)
		line      int
		rule      string // must appear in the message, after file:line
		wantInMsg string
	}{
		{"unknown top-level field", "default_tier: minimal", "default_tier: minimal\ncolour: red", 9, "", `unknown field "colour"`},
		{"unknown rule field", "    tier: high\n", "    tier: high\n    severity: 3\n", 30, "rule r2", `unknown field "severity"`},
		{"unknown obligation field", "        bearer: both", "        bearer: both\n        owner: x", 23, "rule r1: obligation stop", `unknown field "owner"`},
		{"unknown tier field", "title: {en: High}}", "title: {en: High}, colour: red}", 11, "", `unknown field "colour"`},
		{"missing id", "id: test\n", "", 1, "", "id is required"},
		{"missing version", "version: \"1\"\n", "", 1, "", "version is required"},
		{"missing name", "name: {en: Test pack}\n", "", 1, "", "name is required"},
		{"missing effective_from", "effective_from: 2024-01-01\n", "", 1, "", "effective_from is required"},
		{"missing applies_when", "applies_when: \"'FR' in countries\"\n", "", 1, "", "applies_when is required"},
		{"missing default tier", "default_tier: minimal\n", "", 1, "", "default_tier is required"},
		{"missing citation", "    citation: Art. 2\n", "", 25, "rule r2", "citation is required"},
		{"missing when", "    when: \"'employment.recruitment' in domains\"\n", "", 25, "rule r2", "when is required"},
		{"missing English title", "title: {en: Rule two}", "title: {fr: Règle deux}", 27, "rule r2", "needs an English (en) version"},
		{"bad language tag", "title: {en: Rule two}", "title: {en: Rule two, xx-yyyyyyyyy: deux}", 27, "rule r2", "not a BCP 47 language tag"},
		{"missing bearer", "        bearer: both\n", "", 20, "rule r1: obligation stop", "bearer is required"},
		{"bad bearer", "bearer: both", "bearer: everyone", 22, "rule r1: obligation stop", `bearer "everyone"`},
		{"missing theme", "        theme: prohibition\n", "", 20, "rule r1: obligation stop", "theme is required"},
		{"CEL syntax error", "when: facts.social_scoring", "when: facts.social_scoring &&", 17, "rule r1", "CEL error"},
		{"CEL undeclared fact", "when: facts.social_scoring", "when: facts.social_scorin", 17, "rule r1", "undeclared reference"},
		{"CEL type error", "when: facts.social_scoring", "when: facts.social_scoring && domains + 1", 17, "rule r1", "CEL error"},
		{"CEL not boolean", "when: facts.social_scoring", "when: domains", 17, "rule r1", "must be a boolean"},
		{"misspelt domain code", "'employment.recruitment' in domains", "'employment.recruitmnt' in domains", 28, "rule r2", `"employment.recruitmnt" is not a domain`},
		{"misspelt deployer kind", "'employment.recruitment' in domains", "deployer_kinds.exists(k, k in ['employer', 'emplyer'])", 28, "rule r2", `"emplyer" is not a deployer kind`},
		{"prefix no code has", "'employment.recruitment' in domains", "domains.exists(d, d.startsWith('employmnt.'))", 28, "rule r2", "no domain starts with"},
		{"bad country", "applies_when: \"'FR' in countries\"", "applies_when: \"'UK' in countries\"", 6, "applies_when", `"UK" is not a ISO 3166-1`},
		{"too costly", "'employment.recruitment' in domains", "domains.all(a, domains.all(b, domains.all(c, a + b + c != '')))", 28, "rule r2", "cost"},
		{"unknown tier", "tier: high\n", "tier: severe\n", 29, "rule r2", `tier "severe" is not one of the pack's tiers`},
		{"unknown default tier", "default_tier: minimal", "default_tier: low", 8, "", `default_tier "low"`},
		{"tier without baseline", "- {id: high, baseline: high, title: {en: High}}", "- {id: high, title: {en: High}}", 11, "tier high", "baseline is required"},
		{"reserved tier id", "id: minimal, baseline", "id: undetermined, baseline", 12, "tier undetermined", "is an outcome"},
		{"duplicate tier", "id: high, baseline", "id: prohibited, baseline", 11, "tier prohibited", "duplicate tier id"},
		{"dangling exception", "exception_to: [r2]", "exception_to: [r9]", 34, "rule r3", `no rule has that id`},
		{"self exception", "exception_to: [r2]", "exception_to: [r3]", 34, "rule r3", "exception to itself"},
		{"exception cycle", "    tier: high\n", "    tier: high\n    exception_to: [r3]\n", 0, "", "exception cycle"},
		{"duplicate rule id", "  - id: r2\n", "  - id: r1\n", 25, "rule r1", "duplicate rule id"},
		{"overlapping versions", "    tier: high\n", "    tier: high\n    effective_until: 2026-12-31\n  - id: r2\n    citation: Art. 2\n    title: {en: \"Rule two, new\"}\n    when: \"'employment.recruitment' in domains\"\n    tier: prohibited\n    effective_from: 2026-06-01\n", 31, "rule r2", "in force at the same time"},
		{"rule before the pack", "    tier: high\n", "    tier: high\n    effective_from: 2023-01-01\n", 30, "rule r2", "before the pack's effective_from"},
		{"until before from", "    tier: high\n", "    tier: high\n    effective_from: 2025-01-01\n    effective_until: 2024-06-01\n", 31, "rule r2", "before effective_from"},
		{"bad date", "effective_from: 2024-01-01", "effective_from: 2024-13-01", 5, "", "invalid date"},
		{"duplicate obligation id", "        text: {en: Stop.}\n", "        text: {en: Stop.}\n      - {id: stop, citation: x, bearer: both, theme: prohibition, text: {en: Again.}}\n", 25, "rule r1: obligation stop", "duplicate obligation id"},
		{"duplicate key", "    citation: Art. 3\n", "    citation: Art. 3\n    citation: Art. 4\n", 32, "", `"citation" appears twice`},
		{"case variant key", "    tier: high\n", "    tier: high\n    Tier: prohibited\n", 30, "rule r2", `"Tier" differs from the field "tier" only in case`},
		{"bidi override in a title", "title: {en: Rule two}", "title: {en: \"Rule \\u202Eowt\"}", 27, "rule r2", "U+202E"},
		{"control character in a title", "title: {en: Rule two}", "title: {en: \"Rule\\x07two\"}", 27, "rule r2", "U+0007"},
		{"rule that does nothing", "    exception_to: [r2]\n", "", 30, "rule r3", "does nothing"},
		{"reserved constant", "default_tier: minimal", "default_tier: minimal\nconstants: {domains: [a]}", 9, "constant domains", "name of the CEL environment"},
		{"yaml syntax", "rules:", "rules: [", 0, "", ""},
		{"two documents", "", "---\nid: other\n", 0, "", "more than one YAML document"},
		{"themes outside the baseline", "default_tier: minimal", "default_tier: minimal\nthemes: [{id: x, title: {en: X}, definition: {en: X}}]", 9, "", "only the baseline pack"},
		{"bad jurisdiction", "jurisdiction: FR", "jurisdiction: France", 2, "", "jurisdiction"},
		{"model rule without model tiers", "    tier: high\n", "    tier: high\n    kind: model\n", 30, "rule r2", "needs the pack's model_tiers"},
		{"unknown rule kind", "    tier: high\n", "    tier: high\n    kind: agent\n", 30, "rule r2", `kind "agent" must be system`},
		{"model tier on a system rule", "    tier: high\n", "    tier: high\n    model_tier: gpai\n", 30, "rule r2", "a system rule has no model_tier"},
		{"model tiers without a default", "rules:\n", "model_tiers:\n  - {id: gpai, baseline: gpai, title: {en: GPAI}}\nrules:\n", 13, "", "default_model_tier is required"},
		{"unknown default model tier", "rules:\n", "model_tiers:\n  - {id: gpai, baseline: gpai, title: {en: GPAI}}\ndefault_model_tier: big\nrules:\n", 15, "", `default_model_tier "big"`},
		{"model tier id shared with a system tier", "rules:\n", "model_tiers:\n  - {id: high, baseline: gpai, title: {en: GPAI}}\ndefault_model_tier: high\nrules:\n", 14, "model tier high", "duplicate tier id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := okPack + tc.new
			if tc.old != "" {
				if !strings.Contains(okPack, tc.old) {
					t.Fatalf("test case does not match okPack: %q", tc.old)
				}
				src = strings.Replace(okPack, tc.old, tc.new, 1)
			}
			_, err := Load("test.yaml", []byte(src))
			if err == nil {
				t.Fatalf("Load accepted the pack")
			}
			var found bool
			for _, le := range Problems(err) {
				msg := le.Error()
				if tc.wantInMsg != "" && !strings.Contains(msg, tc.wantInMsg) {
					continue
				}
				found = true
				if !strings.HasPrefix(msg, "test.yaml:") {
					t.Errorf("message %q does not start with the file", msg)
				}
				if tc.line > 0 && le.Line != tc.line {
					t.Errorf("line %d, want %d: %s", le.Line, tc.line, msg)
				}
				if tc.rule != "" && le.Rule != tc.rule {
					t.Errorf("rule %q, want %q: %s", le.Rule, tc.rule, msg)
				}
			}
			if !found {
				t.Errorf("no problem mentions %q; got: %v", tc.wantInMsg, err)
			}
		})
	}
}

// TestLoadAllowsVersionsOfARule checks that one rule id may have several
// entries whose effective ranges do not overlap, and that the one in force
// on the date is applied.
func TestLoadAllowsVersionsOfARule(t *testing.T) {
	src := strings.Replace(okPack, "    tier: high\n", `    tier: high
    effective_until: 2026-05-31
  - id: r2
    citation: Art. 2 (as amended)
    title: {en: "Rule two, amended"}
    when: "'employment.recruitment' in domains"
    tier: prohibited
    effective_from: 2026-06-01
`, 1)
	p := mustLoad(t, src)
	f := filing("FR", "employment.recruitment")
	f.Facts.SocialScoring = ptr(false)
	f.Facts.NarrowProceduralTask = ptr(false)
	if fw := classifyOne(t, p, f, "2026-05-31"); fw.Tier != "high" {
		t.Errorf("before the change: tier %s, want high", fw.Tier)
	}
	if fw := classifyOne(t, p, f, "2026-06-01"); fw.Tier != "prohibited" || fw.Fired[0].Citation != "Art. 2 (as amended)" {
		t.Errorf("after the change: tier %s, fired %+v", fw.Tier, fw.Fired)
	}
}

func TestLoadAll(t *testing.T) {
	base, err := os.ReadFile("../frameworks/baseline/pack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ok", func(t *testing.T) {
		packs, err := LoadAll([]File{{"test.yaml", []byte(okPack)}, {"baseline.yaml", base}})
		if err != nil {
			t.Fatal(err)
		}
		if !packs[0].IsBaseline() || packs[1].ID != "test" {
			t.Errorf("order: %s, %s", packs[0].ID, packs[1].ID)
		}
	})
	tests := []struct {
		name  string
		files []File
		want  string
		line  int
	}{
		{"unknown baseline level", []File{{"b", base}, {"test.yaml", []byte(strings.Replace(okPack, "baseline: high", "baseline: severe", 1))}}, `baseline level "severe"`, 11},
		{"unknown theme", []File{{"b", base}, {"test.yaml", []byte(strings.Replace(okPack, "theme: prohibition", "theme: ethics", 1))}}, `theme "ethics" is not a baseline theme`, 23},
		{"no baseline", []File{{"test.yaml", []byte(okPack)}}, "no baseline pack", 0},
		{"duplicate pack id", []File{{"b", base}, {"test.yaml", []byte(okPack)}, {"again.yaml", []byte(okPack)}}, `pack id "test" is also used`, 1},
		{"baseline with rules", []File{{"b", []byte(string(base) + "rules: [{id: x, citation: y, title: {en: z}, when: \"true\", tier: high}]\n")}}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadAll(tc.files)
			if err == nil {
				t.Fatal("LoadAll accepted the packs")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			for _, le := range Problems(err) {
				if strings.Contains(le.Msg, tc.want) && tc.line > 0 && le.Line != tc.line {
					t.Errorf("line %d, want %d: %v", le.Line, tc.line, le)
				}
			}
		})
	}
	t.Run("every problem of every file", func(t *testing.T) {
		bad1 := strings.Replace(okPack, "tier: high\n", "tier: severe\n", 1)
		bad2 := strings.Replace(strings.Replace(okPack, "id: test", "id: test2", 1), "when: facts.social_scoring", "when: 1", 1)
		_, err := LoadAll([]File{{"b", base}, {"one.yaml", []byte(bad1)}, {"two.yaml", []byte(bad2)}})
		ps := Problems(err)
		if len(ps) != 2 || ps[0].File != "one.yaml" || ps[1].File != "two.yaml" {
			t.Errorf("problems: %v", ps)
		}
		var le *LoadError
		if !errors.As(err, &le) {
			t.Errorf("errors.As(*LoadError) failed on %v", err)
		}
	})
}

// TestHashIgnoresLayout checks that comments, key order, quoting and flow
// or block style do not change a pack's hash, and that content does.
func TestHashIgnoresLayout(t *testing.T) {
	h := mustLoad(t, okPack).Hash
	variants := map[string]string{
		"comments":     "# a comment\n" + strings.ReplaceAll(okPack, "\n  - id: r2", " # trailing\n  - id: r2"),
		"key order":    strings.Replace(okPack, "id: test\njurisdiction: FR\nversion: \"1\"\n", "version: '1'\njurisdiction: FR\nid: test\n", 1),
		"flow mapping": strings.Replace(okPack, "    citation: Art. 3\n    title: {en: Exception}\n", "    title:\n      en: Exception\n    citation: \"Art. 3\"\n", 1),
		"anchors":      strings.Replace(strings.Replace(okPack, "  - {id: prohibited, baseline: unacceptable, title: {en: Prohibited}}", "  - {id: prohibited, baseline: unacceptable, title: &p {en: Prohibited}}", 1), "", "", 1),
		"folded when":  strings.Replace(okPack, "when: facts.narrow_procedural_task", "when: >-\n      facts.narrow_procedural_task", 1),
		"empty list":   strings.Replace(okPack, "    tier: high\n", "    tier: high\n    exception_to: []\n", 1),
	}
	for name, src := range variants {
		if got := mustLoad(t, src).Hash; got != h {
			t.Errorf("%s changed the hash", name)
		}
	}
	if got := mustLoad(t, strings.Replace(okPack, "text: {en: Stop.}", "text: {en: Stop now.}", 1)).Hash; got == h {
		t.Error("changing an obligation's text did not change the hash")
	}
	canon, err := mustLoad(t, okPack).Canonical()
	if err != nil || !strings.HasPrefix(string(canon), `{"applies_when":`) {
		t.Errorf("canonical form %.60s…, %v", canon, err)
	}
}

func TestRealPacksLoad(t *testing.T) {
	packs := repoPacks(t)
	var names []string
	for _, p := range packs {
		names = append(names, p.ID)
	}
	for _, want := range []string{"baseline", "eu-ai-act"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("pack %s did not load (loaded %v)", want, names)
		}
	}
}

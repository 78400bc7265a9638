package frameworks

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/accord-gov/accord/rules"
)

// TestGolden runs every */cases.yaml against the packs, each pack loaded
// with the baseline, so that one broken pack does not fail another's cases.
func TestGolden(t *testing.T) {
	files, err := Files(FS)
	if err != nil {
		t.Fatal(err)
	}
	caseFiles, err := CaseFiles(FS)
	if err != nil {
		t.Fatal(err)
	}
	var baseline rules.File
	for _, f := range files {
		if f.Name == "frameworks/baseline/pack.yaml" {
			baseline = f
		}
	}
	for _, name := range sortedKeys(caseFiles) {
		id := caseFiles[name]
		t.Run(path.Dir(name), func(t *testing.T) {
			var load []rules.File
			if id == "baseline" {
				// Every pack that loads: a broken pack fails its own cases.
				for _, f := range files {
					if _, err := rules.Load(f.Name, f.Data); err == nil {
						load = append(load, f)
					}
				}
			} else {
				load = []rules.File{baseline}
				for _, f := range files {
					if f.Name == "frameworks/"+path.Dir(name)+"/pack.yaml" {
						load = append(load, f)
					}
				}
			}
			packs, err := rules.LoadAll(load)
			if err != nil {
				t.Fatalf("loading the packs: %v", err)
			}
			data, err := fs.ReadFile(FS, name)
			if err != nil {
				t.Fatal(err)
			}
			cases, err := ReadCases("frameworks/"+name, data)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, c := range cases {
				if seen[c.Name] {
					t.Errorf("%s:%d: two cases are named %q", c.File, c.Line, c.Name)
				}
				seen[c.Name] = true
				t.Run(c.Name, func(t *testing.T) {
					for _, p := range CheckCase(c, id, packs) {
						t.Errorf("%s:%d: %s", c.File, c.Line, p)
					}
				})
			}
		})
	}
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// TestEUCoverage checks that the EU cases exercise what they must: every
// rule fires in some case, every Art. 5 point and Annex III point has a
// case named after it, and there are at least 60 cases.
func TestEUCoverage(t *testing.T) {
	data, err := fs.ReadFile(FS, "eu-ai-act/cases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := ReadCases("eu-ai-act/cases.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 60 {
		t.Errorf("%d EU cases; want at least 60", len(cases))
	}
	p, err := Pack("eu-ai-act")
	if err != nil {
		t.Fatal(err)
	}
	fired := map[string]bool{}
	for _, c := range cases {
		for _, r := range c.Expect.Fired {
			fired[r] = true
		}
		for _, r := range c.Expect.Cancelled {
			fired[r] = true
		}
	}
	for _, r := range p.Rules {
		if !fired[r.ID] {
			t.Errorf("no EU case expects rule %s to fire", r.ID)
		}
	}
	var names strings.Builder
	for _, c := range cases {
		names.WriteString(c.Name + "\n")
	}
	var want []string
	for _, l := range "abcdefgh" {
		want = append(want, fmt.Sprintf("Art. 5(1)(%c)", l))
	}
	for _, pt := range []string{"1(a)", "1(b)", "1(c)", "2", "3(a)", "3(b)", "3(c)", "3(d)", "4(a)", "4(b)", "5(a)", "5(b)", "5(c)", "5(d)",
		"6(a)", "6(b)", "6(c)", "6(d)", "6(e)", "7(a)", "7(b)", "7(c)", "7(d)", "8(a)", "8(b)"} {
		want = append(want, "Annex III "+pt)
	}
	for _, s := range []string{"Art. 6(3)(a)", "Art. 6(3)(b)", "Art. 6(3)(c)", "Art. 6(3)(d)", "Art. 6(3) third subparagraph",
		"Art. 50(1)", "Art. 50(2)", "Art. 50(3)", "Art. 50(4)", "Art. 51(2)", "Art. 53(2)", "Art. 2(3)", "Art. 2(6)",
		"Art. 2(1)(b)", "Art. 2(1)(c)", "Art. 2(2)", "Art. 2(4)", "Art. 2(8)", "Art. 2(10)", "Art. 2(12)", "Art. 3(1)"} {
		want = append(want, s)
	}
	for _, w := range want {
		if !strings.Contains(names.String(), w+":") && !strings.Contains(names.String(), w+" ") {
			t.Errorf("no EU case is named after %s", w)
		}
	}
}

// TestTranslations checks the languages the packs promise: the six UN
// languages for the baseline's levels and themes, and for every pack's name
// and tiers.
func TestTranslations(t *testing.T) {
	un := []string{"en", "fr", "es", "ru", "zh-Hans", "ar"}
	packs, err := Packs()
	if err != nil {
		t.Fatal(err)
	}
	if !packs[0].IsBaseline() {
		t.Fatalf("first pack is %s, not the baseline", packs[0].ID)
	}
	has := func(what string, text map[string]string) {
		for _, l := range un {
			if text[l] == "" {
				t.Errorf("%s has no %s text", what, l)
			}
		}
	}
	base := packs[0]
	has("baseline name", base.Name)
	for _, tier := range base.Tiers {
		has("baseline level "+tier.ID, tier.Title)
		if tier.Definition["en"] == "" {
			t.Errorf("baseline level %s has no definition", tier.ID)
		}
	}
	for _, th := range base.Themes {
		has("theme "+th.ID, th.Title)
	}
	// Every jurisdiction's pack names itself and its tiers in the six
	// languages, so that the web and the merged checklist need no fallback.
	for _, p := range packs[1:] {
		has(p.ID+" pack name", p.Name)
		for _, tier := range p.Tiers {
			has(p.ID+" tier "+tier.ID, tier.Title)
		}
	}
}

// TestDecodeFilingIsStrict: a golden case's filing is read as strictly as
// the API reads one, so that a case cannot pass on a key the API refuses.
func TestDecodeFilingIsStrict(t *testing.T) {
	tests := []struct{ name, filing, want string }{
		{"case variant", "Facts:\n      profiling: true\n", `line 6: Facts: differs from the field "facts" only in case`},
		{"nested case variant", "facts:\n      Profiling: true\n", `line 7: facts.Profiling: differs from the field "profiling" only in case`},
		{"unknown", "facts:\n      profilling: true\n", "line 7: facts.profilling: is not a field (did you mean profiling?)"},
		{"wrong type", "facts:\n      profiling: sometimes\n", "line 7: facts.profiling: must be true or false"},
	}
	for _, tt := range tests {
		src := "- name: strict\n  as_of: 2026-08-02\n  expect: {tier: minimal}\n  filing:\n    domains: [general.translation]\n    " + tt.filing
		cases, err := ReadCases("cases.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		_, err = DecodeFiling(&cases[0].Filing)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: DecodeFiling = %v, want %q", tt.name, err, tt.want)
		}
	}
}

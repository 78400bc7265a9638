package rules

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func ptr[T any](v T) *T { return &v }

func filing(country string, domains ...string) accord.Filing {
	return accord.Filing{DeploymentCountries: []string{country}, Domains: domains, Status: "active"}
}

func day(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func classifyOne(t testing.TB, p *Pack, f accord.Filing, date string) Framework {
	t.Helper()
	r := Classify(f, []*Pack{p}, day(t, date))
	if len(r.Frameworks) != 1 {
		t.Fatalf("%d frameworks", len(r.Frameworks))
	}
	return r.Frameworks[0]
}

func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func firedIDs(fw Framework) []string { return ids(fw.Fired, func(h Hit) string { return h.Rule }) }

// TestUnknownFacts covers three-valued evaluation: a fact the filing leaves
// out is unknown; a rule that depends on it is undetermined and named, and
// a rule whose outcome does not depend on it is decided.
func TestUnknownFacts(t *testing.T) {
	p := mustLoad(t, strings.Replace(okPack, "when: facts.social_scoring", "when: \"'DE' in countries && facts.social_scoring\"", 1)+`
  - id: r4
    citation: Art. 4
    title: {en: Either}
    when: facts.deep_fake || 'FR' in countries
    tier: high
`)
	tests := []struct {
		name     string
		f        accord.Filing
		tier     string
		atLeast  string
		possible []string
		missing  []string
		fired    []string
		pending  []string
	}{
		{
			name:  "false && unknown is decided",
			f:     func() accord.Filing { f := filing("FR"); f.Facts.NarrowProceduralTask = ptr(false); return f }(),
			tier:  "high", // r4 fires: true || unknown is true
			fired: []string{"r4"},
		},
		{
			name: "unknown raises the tier: undetermined, naming the fact",
			f: func() accord.Filing {
				f := filing("FR")
				f.DeploymentCountries = []string{"FR", "DE"}
				return f
			}(),
			tier: "undetermined", atLeast: "high", possible: []string{"prohibited"},
			missing: []string{"social_scoring"}, fired: []string{"r4"}, pending: []string{"r1"},
		},
		{
			name: "stated facts decide",
			f: func() accord.Filing {
				f := filing("FR")
				f.DeploymentCountries = []string{"FR", "DE"}
				f.Facts.SocialScoring = ptr(true)
				return f
			}(),
			tier: "prohibited", fired: []string{"r1", "r4"},
		},
		{
			name: "unknown exception: the rule it may cancel is undetermined",
			f:    filing("FR", "employment.recruitment"),
			tier: "high", fired: []string{"r4"}, pending: []string{"r2", "r3"}, missing: []string{"narrow_procedural_task"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fw := classifyOne(t, p, tc.f, "2026-01-01")
			if fw.Tier != tc.tier || fw.AtLeast != tc.atLeast || !slices.Equal(fw.Possible, tc.possible) {
				t.Errorf("tier %s at least %q possible %v; want %s %q %v", fw.Tier, fw.AtLeast, fw.Possible, tc.tier, tc.atLeast, tc.possible)
			}
			if !slices.Equal(firedIDs(fw), tc.fired) {
				t.Errorf("fired %v, want %v", firedIDs(fw), tc.fired)
			}
			if got := ids(fw.Undetermined, func(p Pending) string { return p.Rule }); !slices.Equal(got, append([]string{}, tc.pending...)) {
				t.Errorf("undetermined %v, want %v", got, tc.pending)
			}
			all := slices.Clone(fw.Missing)
			for _, p := range fw.Undetermined {
				all = append(all, p.Missing...)
			}
			for _, m := range tc.missing {
				if !slices.Contains(all, m) {
					t.Errorf("missing %v lacks %s", all, m)
				}
			}
		})
	}
}

// TestExceptions covers cancellation, its explanation, and the rule that an
// exception only fires where a rule it is an exception to holds.
func TestExceptions(t *testing.T) {
	p := mustLoad(t, okPack)
	f := filing("FR", "employment.recruitment")
	f.Facts.SocialScoring = ptr(false)
	f.Facts.NarrowProceduralTask = ptr(true)
	fw := classifyOne(t, p, f, "2026-01-01")
	if fw.Tier != "minimal" || len(fw.Cancelled) != 1 {
		t.Fatalf("tier %s, cancelled %+v", fw.Tier, fw.Cancelled)
	}
	c := fw.Cancelled[0]
	if c.Rule != "r2" || c.Citation != "Art. 2" || len(c.By) != 1 || c.By[0].Rule != "r3" || c.By[0].Citation != "Art. 3" {
		t.Errorf("cancellation %+v", c)
	}
	if !slices.Equal(firedIDs(fw), []string{"r3"}) {
		t.Errorf("fired %v", firedIDs(fw))
	}
	// Without the rule it excepts, the exception does not fire.
	f.Domains = []string{"general.translation"}
	fw = classifyOne(t, p, f, "2026-01-01")
	if len(fw.Fired) != 0 || len(fw.Cancelled) != 0 || fw.Tier != "minimal" {
		t.Errorf("fired %v cancelled %v tier %s", firedIDs(fw), fw.Cancelled, fw.Tier)
	}
}

// TestFactsThatMadeItTrue checks the explanation of a fired rule.
func TestFactsThatMadeItTrue(t *testing.T) {
	p := mustLoad(t, okPack)
	f := filing("FR", "employment.recruitment", "general.translation")
	f.Facts.SocialScoring = ptr(true)
	f.Facts.NarrowProceduralTask = ptr(false)
	fw := classifyOne(t, p, f, "2026-01-01")
	got := map[string]Hit{}
	for _, h := range fw.Fired {
		got[h.Rule] = h
	}
	if h := got["r1"]; len(h.Facts) != 1 || h.Facts[0].Name != "facts.social_scoring" || h.Facts[0].Value != true {
		t.Errorf("r1 facts %+v", h.Facts)
	}
	if h := got["r2"]; len(h.Facts) != 1 || h.Facts[0].Name != "domains" || !slices.Equal(h.Facts[0].Value.([]string), f.Domains) {
		t.Errorf("r2 facts %+v", h.Facts)
	}
	if fw.Obligations[0].ID != "stop" || fw.Obligations[0].Rule != "r1" || fw.Obligations[0].Theme != "prohibition" || !fw.Obligations[0].Applies {
		t.Errorf("obligations %+v", fw.Obligations)
	}
}

func TestScope(t *testing.T) {
	p := mustLoad(t, strings.Replace(okPack, "default_tier: minimal", `default_tier: minimal
exclusions:
  - id: mil
    citation: Art. 0(3)
    title: {en: Military use}
    when: facts.military_only`, 1))
	f := filing("FR", "employment.recruitment")
	f.Facts.SocialScoring = ptr(false)
	f.Facts.NarrowProceduralTask = ptr(false)

	fw := classifyOne(t, p, filing("US", "employment.recruitment"), "2026-01-01")
	if fw.Applicable != NotApplicable || fw.Tier != TierNotApplicable || fw.Reason.Text["en"] != "Not used in France." {
		t.Errorf("US: %+v", fw)
	}

	fw = classifyOne(t, p, f, "2026-01-01")
	if fw.Applicable != Undetermined || fw.Tier != TierUndetermined || fw.AtLeast != "high" || !slices.Equal(fw.Missing, []string{"military_only"}) || fw.Reason.Exclusion != "mil" {
		t.Errorf("military unknown: applicable %s tier %s at least %s missing %v reason %+v", fw.Applicable, fw.Tier, fw.AtLeast, fw.Missing, fw.Reason)
	}

	f.Facts.MilitaryOnly = ptr(true)
	fw = classifyOne(t, p, f, "2026-01-01")
	if fw.Applicable != NotApplicable || fw.Reason.Exclusion != "mil" || fw.Reason.Citation != "Art. 0(3)" || len(fw.Fired) != 0 {
		t.Errorf("military: %+v", fw)
	}

	f.Facts.MilitaryOnly = ptr(false)
	if fw = classifyOne(t, p, f, "2026-01-01"); fw.Applicable != Applicable || fw.Tier != "high" {
		t.Errorf("not military: %s %s", fw.Applicable, fw.Tier)
	}
	if fw = classifyOne(t, p, f, "2023-06-01"); fw.Applicable != NotApplicable || !strings.Contains(fw.Reason.Text["en"], "not in force") {
		t.Errorf("before the pack: %+v", fw.Reason)
	}
}

// TestExclusionUnlessTier: an exclusion with unless_tier takes the filing
// out of scope only when the pack's own outcome is not one of those tiers,
// and is undetermined while the outcome could still reach one.
func TestExclusionUnlessTier(t *testing.T) {
	p := mustLoad(t, strings.Replace(okPack, "default_tier: minimal", `default_tier: minimal
exclusions:
  - id: foss
    citation: Art. 0(12)
    title: {en: Open source}
    when: facts.free_open_source
    unless_tier: [prohibited, high]`, 1))
	stated := func(domain string, foss, scoring *bool) accord.Filing {
		f := filing("FR", domain)
		f.Facts.FreeOpenSource, f.Facts.SocialScoring = foss, scoring
		f.Facts.NarrowProceduralTask = ptr(false)
		return f
	}
	tests := []struct {
		name             string
		f                accord.Filing
		applicable, tier string
		missing          []string
	}{
		{"open source, minimal: excluded", stated("general.translation", ptr(true), ptr(false)), NotApplicable, TierNotApplicable, nil},
		{"open source, high: kept", stated("employment.recruitment", ptr(true), ptr(false)), Applicable, "high", nil},
		{"not open source, minimal", stated("general.translation", ptr(false), ptr(false)), Applicable, "minimal", nil},
		{"unknown licence, minimal: undetermined", stated("general.translation", nil, ptr(false)), Undetermined, TierUndetermined, []string{"free_open_source"}},
		{"unknown licence, high: kept without asking", stated("employment.recruitment", nil, ptr(false)), Applicable, "high", nil},
		{"open source, could be prohibited: undetermined", stated("general.translation", ptr(true), nil), Undetermined, TierUndetermined, []string{"social_scoring"}},
		{"open source, at least high: kept although a fact is missing", stated("employment.recruitment", ptr(true), nil), Applicable, TierUndetermined, []string{"social_scoring"}},
	}
	for _, tc := range tests {
		fw := classifyOne(t, p, tc.f, "2026-01-01")
		if fw.Applicable != tc.applicable || fw.Tier != tc.tier || !slices.Equal(fw.Missing, tc.missing) {
			t.Errorf("%s: applicable %s tier %s missing %v; want %s %s %v", tc.name, fw.Applicable, fw.Tier, fw.Missing, tc.applicable, tc.tier, tc.missing)
		}
		if tc.applicable != Applicable && (fw.Reason == nil || fw.Reason.Exclusion != "foss") {
			t.Errorf("%s: reason %+v, want the exclusion foss", tc.name, fw.Reason)
		}
	}
	if _, err := Load("test.yaml", []byte(strings.Replace(okPack, "default_tier: minimal", `default_tier: minimal
exclusions:
  - {id: foss, citation: x, title: {en: X}, when: facts.free_open_source, unless_tier: [severe]}`, 1))); err == nil || !strings.Contains(err.Error(), `unless_tier: "severe" is not one of the pack's tiers`) {
		t.Errorf("unknown unless_tier: %v", err)
	}
}

// TestFilerBears: obligations say whether the filer bears them, from the
// roles the filing states.
func TestFilerBears(t *testing.T) {
	tests := []struct {
		bearer string
		roles  []string
		want   *bool
	}{
		{"provider", nil, nil},
		{"provider", []string{"provider"}, ptr(true)},
		{"provider", []string{"deployer"}, ptr(false)},
		{"provider", []string{"product_manufacturer"}, ptr(true)},
		{"deployer", []string{"deployer"}, ptr(true)},
		{"deployer", []string{"importer", "distributor"}, ptr(false)},
		{"both", []string{"deployer"}, ptr(true)},
		{"both", []string{"authorised_representative"}, ptr(false)},
	}
	for _, tc := range tests {
		got := filerBears(tc.bearer, tc.roles)
		if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("%s duty, roles %v: got %v, want %v", tc.bearer, tc.roles, got, tc.want)
		}
	}
	p := mustLoad(t, okPack)
	f := filing("FR", "employment.recruitment")
	f.Facts.SocialScoring, f.Roles = ptr(true), []string{"deployer"}
	fw := classifyOne(t, p, f, "2026-01-01")
	if len(fw.Obligations) != 1 || fw.Obligations[0].FilerBears == nil || !*fw.Obligations[0].FilerBears {
		t.Errorf("a deployer's duty of both: %+v", fw.Obligations)
	}
}

func TestDates(t *testing.T) {
	src := strings.Replace(okPack, "    tier: high\n", "    tier: high\n    effective_from: 2026-08-02\n", 1)
	src = strings.Replace(src, "        text: {en: Stop.}\n", "        text: {en: Stop.}\n        applies_from: 2025-02-02\n", 1)
	p := mustLoad(t, src)
	f := filing("FR", "employment.recruitment")
	f.Facts.SocialScoring = ptr(true)
	f.Facts.NarrowProceduralTask = ptr(false)
	fw := classifyOne(t, p, f, "2025-01-01")
	if fw.Tier != "prohibited" || len(fw.Upcoming) != 1 || fw.Upcoming[0].Rule != "r2" || fw.Upcoming[0].EffectiveFrom != "2026-08-02" {
		t.Errorf("tier %s upcoming %+v", fw.Tier, fw.Upcoming)
	}
	if d := fw.Obligations[0]; d.AppliesFrom != "2025-02-02" || d.Applies {
		t.Errorf("duty %+v should apply only from 2025-02-02", d)
	}
	fw = classifyOne(t, p, f, "2026-08-02")
	if !slices.Contains(firedIDs(fw), "r2") || len(fw.Upcoming) != 0 || !fw.Obligations[0].Applies {
		t.Errorf("fired %v upcoming %v", firedIDs(fw), fw.Upcoming)
	}
}

func TestDeterministic(t *testing.T) {
	packs := repoPacks(t)
	f := filing("FR", "employment.recruitment", "general.conversational_assistant")
	f.DeploymentCountries = []string{"FR", "CN", "KR", "US"}
	f.Facts.Profiling = ptr(true)
	var first []byte
	for i := range 20 {
		b, err := json.Marshal(Classify(f, packs, day(t, "2026-09-01")))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Fatal("two classifications of the same filing differ")
		}
	}
}

// TestCostLimit checks the fail-safe: a condition within the static cost
// bound for normal filings hits the run-time limit on an oversized one, and
// the rule becomes undetermined, never false.
func TestCostLimit(t *testing.T) {
	p := mustLoad(t, strings.Replace(okPack, "when: \"'employment.recruitment' in domains\"", "when: \"domains.all(a, domains.all(b, true)) && domains.size() > 1\"", 1))
	big := filing("FR")
	for i := range 2000 {
		big.Domains = append(big.Domains, "d"+strings.Repeat("x", i%7))
	}
	big.Facts.SocialScoring = ptr(false)
	big.Facts.NarrowProceduralTask = ptr(false)
	fw := classifyOne(t, p, big, "2026-01-01")
	if fw.Tier != TierUndetermined || len(fw.Undetermined) == 0 || !strings.Contains(fw.Undetermined[0].Error, "cost") {
		t.Fatalf("tier %s undetermined %+v", fw.Tier, fw.Undetermined)
	}
	small := filing("FR", "employment.recruitment", "housing")
	small.Facts = big.Facts
	if fw := classifyOne(t, p, small, "2026-01-01"); fw.Tier != "high" {
		t.Errorf("small filing: tier %s", fw.Tier)
	}
}

func TestSummaryAndChecklist(t *testing.T) {
	base, err := os.ReadFile("../frameworks/baseline/pack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	other := strings.NewReplacer("id: test", "id: other", "jurisdiction: FR", "jurisdiction: DE", "'FR' in countries", "'DE' in countries").Replace(okPack)
	packs, err := LoadAll([]File{{"b", base}, {"t", []byte(okPack)}, {"o", []byte(other)}})
	if err != nil {
		t.Fatal(err)
	}
	f := filing("FR", "employment.recruitment")
	f.DeploymentCountries = []string{"FR", "DE"}
	f.Facts.SocialScoring = ptr(true)
	f.Facts.NarrowProceduralTask = ptr(false)
	r := Classify(f, packs, day(t, "2026-01-01"))
	if r.Summary.Level != "unacceptable" || !slices.Equal(r.Summary.Frameworks, []string{"other", "test"}) {
		t.Errorf("summary %+v", r.Summary)
	}
	if len(r.Checklist) != 1 || r.Checklist[0].Theme != "prohibition" || r.Checklist[0].Title["fr"] != "Interdiction" || len(r.Checklist[0].Duties) != 2 {
		t.Errorf("checklist %+v", r.Checklist)
	}
	f.DeploymentCountries = []string{"US"}
	if r := Classify(f, packs, day(t, "2026-01-01")); r.Summary.Level != TierNotApplicable || len(r.Checklist) != 0 {
		t.Errorf("nothing applies: %+v", r.Summary)
	}
}

func TestDutiesMerge(t *testing.T) {
	src := strings.Replace(okPack, "    tier: high\n", `    tier: high
    obligations:
      - &stop {id: stop, citation: Art. 1(2), bearer: both, theme: prohibition, text: {en: Stop.}}
  - id: r5
    citation: Art. 5
    title: {en: Rule five}
    when: "'housing' in domains"
    effective_from: 2025-01-01
    obligations: [*stop]
`, 1)
	p := mustLoad(t, src)
	f := filing("FR", "employment.recruitment", "housing")
	f.Facts.SocialScoring = ptr(true)
	f.Facts.NarrowProceduralTask = ptr(false)
	fw := classifyOne(t, p, f, "2026-01-01")
	if len(fw.Obligations) != 1 || !slices.Equal(fw.Obligations[0].Rules, []string{"r1", "r2", "r5"}) || fw.Obligations[0].AppliesFrom != "2024-01-01" {
		t.Errorf("obligations %+v", fw.Obligations)
	}
}

// TestResultJSON pins the JSON shape of a result (testdata/result.json;
// go test -update rewrites it).
func TestResultJSON(t *testing.T) {
	p := mustLoad(t, okPack)
	f := filing("FR", "employment.recruitment")
	f.Facts.SocialScoring = ptr(true)
	r := Classify(f, []*Pack{p}, day(t, "2026-01-01"))
	got, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const golden = "testdata/result.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("result JSON differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
	// Clients decode what the API sends: the shared rule and duty terms
	// must come back from JSON too.
	var back Result
	if err := json.Unmarshal(want, &back); err != nil {
		t.Fatal(err)
	}
	again, err := json.MarshalIndent(back, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if again = append(again, '\n'); !bytes.Equal(again, want) {
		t.Errorf("result JSON does not survive a round trip:\n%s", again)
	}
}

func TestCrosswalk(t *testing.T) {
	packs := repoPacks(t)
	cw := Crosswalk(packs)
	if len(cw.Levels) != 4 || cw.Levels[0].Level != "unacceptable" {
		t.Fatalf("levels %+v", cw.Levels)
	}
	found := false
	for _, tier := range cw.Levels[0].Tiers {
		found = found || (tier.Pack == "eu-ai-act" && tier.Tier == "prohibited")
	}
	if !found {
		t.Errorf("EU prohibited is not mapped to unacceptable: %+v", cw.Levels[0])
	}
	var ra *CrosswalkTheme
	for i := range cw.Themes {
		if cw.Themes[i].Theme == "risk_management" {
			ra = &cw.Themes[i]
		}
	}
	if ra == nil || len(ra.Obligations) == 0 || ra.Title["zh-Hans"] == "" {
		t.Fatalf("risk_management theme %+v", ra)
	}
	for _, o := range ra.Obligations {
		if o.Pack == "eu-ai-act" && o.Obligation == "risk-management" && o.Citation == "Art. 9" {
			return
		}
	}
	t.Errorf("EU Art. 9 is not under risk_management")
}

// TestConcurrent classifies from many goroutines at once (run with -race):
// packs are shared and read-only, working memory is per call.
func TestConcurrent(t *testing.T) {
	packs := repoPacks(t)
	r := rand.New(rand.NewPCG(5, 6))
	var fs []accord.Filing
	var want [][]byte
	for range 50 {
		f := randomFiling(r)
		f.DeploymentCountries = append(f.DeploymentCountries, "FR", "CN")
		fs = append(fs, f)
		b, _ := json.Marshal(Classify(f, packs, day(t, "2026-09-01")))
		want = append(want, b)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range fs {
				j := (i + g) % len(fs)
				b, _ := json.Marshal(Classify(fs[j], packs, day(t, "2026-09-01")))
				if !bytes.Equal(b, want[j]) {
					t.Errorf("goroutine %d: filing %d classified differently", g, j)
					return
				}
			}
		}()
	}
	wg.Wait()
}

package rules

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/accord-gov/accord"
)

// withheldPack has one rule per kind of input a filing may withhold: a
// boolean fact, a number across a threshold, a list tested for a code (a
// tree leaf), a list read by CEL itself (size and all), a scope exclusion,
// an exception, and a rule that fires whatever the withheld fact says.
const withheldPack = `id: wh
jurisdiction: FR
version: "1"
name: {en: Withheld inputs}
effective_from: 2024-01-01
applies_when: "'FR' in countries"
not_applicable: {en: Not used in France.}
default_tier: minimal
exclusions:
  - id: mil
    citation: Art. 0
    title: {en: Military use}
    when: facts.military_only
tiers:
  - {id: prohibited, baseline: unacceptable, title: {en: Prohibited}}
  - {id: high, baseline: high, title: {en: High}}
  - {id: limited, baseline: limited, title: {en: Limited}}
  - {id: minimal, baseline: minimal, title: {en: Minimal}}
rules:
  - id: prof
    citation: Art. 1
    title: {en: Profiling in hiring}
    when: "'employment.recruitment' in domains && facts.profiling"
    tier: high
    obligations:
      - {id: fria, citation: Art. 1(2), bearer: deployer, theme: risk_management, text: {en: Assess.}}
  - id: narrow
    citation: Art. 2
    title: {en: Narrow task}
    when: facts.narrow_procedural_task
    exception_to: [prof]
  - id: gpai
    citation: Art. 3
    title: {en: Systemic model}
    when: facts.general_purpose_model && facts.training_compute_flop >= 1e25
    tier: prohibited
  - id: kids
    citation: Art. 4
    title: {en: Children}
    when: "'children' in affected_persons"
    tier: high
  - id: state
    citation: Art. 5
    title: {en: Only public authorities}
    when: size(deployer_kinds) > 0 && deployer_kinds.all(k, k == 'public_authority')
    tier: limited
  - id: label
    citation: Art. 6
    title: {en: Label it}
    when: "'FR' in countries || facts.profiling"
    obligations:
      - {id: label, citation: Art. 6(1), bearer: provider, theme: transparency, text: {en: Label.}}
`

// hiring is a filing that states every fact the pack reads but profiling.
func hiring() accord.Filing {
	f := filing("FR", "employment.recruitment")
	f.Facts.NarrowProceduralTask = ptr(false)
	f.Facts.MilitaryOnly = ptr(false)
	f.Facts.GeneralPurposeModel = ptr(false)
	f.DeployerKinds = []string{"employer"}
	f.AffectedPersons = []string{"job_applicants"}
	return f
}

// TestWithheldInputs: a withheld input is unknown to the rules whatever the
// filing says, is named as withheld (never as missing, never with a value),
// and the result is the same for every value of it, or none.
func TestWithheldInputs(t *testing.T) {
	p := mustLoad(t, withheldPack)
	type want struct {
		tier, atLeast string
		possible      []string
		applicable    string
		fwWithheld    []string // Framework.Withheld
		missing       []string // Framework.Missing
		fired         []string
		pending       map[string][]string // rule → its Withheld
		hidden        []string            // inputs shown as withheld in some rule's facts
	}
	tests := []struct {
		name     string
		withheld []string
		// variants differ only in the withheld inputs; all must give the
		// same result.
		variants []func(*accord.Filing)
		want     want
	}{
		{
			name:     "boolean fact that flips the tier",
			withheld: []string{"facts.profiling"},
			variants: []func(*accord.Filing){
				func(f *accord.Filing) { f.Facts.Profiling = ptr(true) },
				func(f *accord.Filing) { f.Facts.Profiling = ptr(false) },
				func(f *accord.Filing) { f.Facts.Profiling = nil },
			},
			want: want{
				tier: TierUndetermined, atLeast: "minimal", possible: []string{"high"}, applicable: Applicable,
				fwWithheld: []string{"facts.profiling"}, fired: []string{"label"},
				pending: map[string][]string{"prof": {"facts.profiling"}}, hidden: []string{"facts.profiling"},
			},
		},
		{
			name:     "number across a threshold",
			withheld: []string{"facts.training_compute_flop"},
			variants: []func(*accord.Filing){
				func(f *accord.Filing) {
					f.Facts.GeneralPurposeModel = ptr(true)
					f.Facts.TrainingComputeFLOP = ptr(1e24)
				},
				func(f *accord.Filing) {
					f.Facts.GeneralPurposeModel = ptr(true)
					f.Facts.TrainingComputeFLOP = ptr(1e26)
				},
				func(f *accord.Filing) { f.Facts.GeneralPurposeModel = ptr(true); f.Facts.TrainingComputeFLOP = nil },
			},
			want: want{
				tier: TierUndetermined, atLeast: "minimal", possible: []string{"prohibited", "high"}, applicable: Applicable,
				fwWithheld: []string{"facts.training_compute_flop"}, missing: []string{"profiling"}, fired: []string{"label"},
				pending: map[string][]string{"gpai": {"facts.training_compute_flop"}, "prof": nil},
				hidden:  []string{"facts.training_compute_flop"},
			},
		},
		{
			name:     "a list tested for a code is unknown, not empty",
			withheld: []string{"affected_persons"},
			variants: []func(*accord.Filing){
				func(f *accord.Filing) { f.AffectedPersons = []string{"children"} },
				func(f *accord.Filing) { f.AffectedPersons = []string{"workers"} },
				func(f *accord.Filing) { f.AffectedPersons = nil },
			},
			want: want{
				tier: TierUndetermined, atLeast: "minimal", possible: []string{"high"}, applicable: Applicable,
				fwWithheld: []string{"affected_persons"}, missing: []string{"profiling"}, fired: []string{"label"},
				pending: map[string][]string{"kids": {"affected_persons"}, "prof": nil}, hidden: []string{"affected_persons"},
			},
		},
		{
			name:     "a list read by CEL itself",
			withheld: []string{"deployer_kinds"},
			variants: []func(*accord.Filing){
				func(f *accord.Filing) { f.Facts.Profiling = ptr(false); f.DeployerKinds = []string{"public_authority"} },
				func(f *accord.Filing) { f.Facts.Profiling = ptr(false); f.DeployerKinds = []string{"employer"} },
				func(f *accord.Filing) { f.Facts.Profiling = ptr(false); f.DeployerKinds = nil },
			},
			want: want{
				tier: TierUndetermined, atLeast: "minimal", possible: []string{"limited"}, applicable: Applicable,
				fwWithheld: []string{"deployer_kinds"}, fired: []string{"label"},
				pending: map[string][]string{"state": {"deployer_kinds"}}, hidden: []string{"deployer_kinds"},
			},
		},
		{
			name:     "a scope exclusion",
			withheld: []string{"facts.military_only"},
			variants: []func(*accord.Filing){
				func(f *accord.Filing) { f.Facts.Profiling = ptr(true); f.Facts.MilitaryOnly = ptr(true) },
				func(f *accord.Filing) { f.Facts.Profiling = ptr(true); f.Facts.MilitaryOnly = ptr(false) },
				func(f *accord.Filing) { f.Facts.Profiling = ptr(true); f.Facts.MilitaryOnly = nil },
			},
			want: want{
				tier: TierUndetermined, atLeast: "high", applicable: Undetermined,
				fwWithheld: []string{"facts.military_only"}, fired: []string{"prof", "label"},
			},
		},
		{
			name:     "an exception",
			withheld: []string{"facts.narrow_procedural_task"},
			variants: []func(*accord.Filing){
				func(f *accord.Filing) { f.Facts.Profiling = ptr(true); f.Facts.NarrowProceduralTask = ptr(true) },
				func(f *accord.Filing) { f.Facts.Profiling = ptr(true); f.Facts.NarrowProceduralTask = ptr(false) },
				func(f *accord.Filing) { f.Facts.Profiling = ptr(true); f.Facts.NarrowProceduralTask = nil },
			},
			want: want{
				tier: TierUndetermined, atLeast: "minimal", possible: []string{"high"}, applicable: Applicable,
				fwWithheld: []string{"facts.narrow_procedural_task"}, fired: []string{"label"},
				pending: map[string][]string{"prof": {"facts.narrow_procedural_task"}, "narrow": {"facts.narrow_procedural_task"}},
				hidden:  []string{"facts.narrow_procedural_task"},
			},
		},
		{
			name:     "a rule that holds whatever the withheld fact says fires",
			withheld: []string{"facts.profiling", "facts.narrow_procedural_task"},
			variants: []func(*accord.Filing){
				func(f *accord.Filing) { f.Facts.Profiling = ptr(true); f.Facts.NarrowProceduralTask = ptr(true) },
				func(f *accord.Filing) { f.Domains = []string{"general.translation"}; f.Facts.Profiling = ptr(false) },
			},
			want: want{
				// prof needs employment; so the two variants differ in public
				// facts and are checked one by one, not against each other.
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want.tier == "" {
				// The last case: the "label" rule fires and shows the
				// withheld fact it read without its value.
				for _, v := range tc.variants {
					f := hiring()
					v(&f)
					fw := ClassifyWithheld(f, tc.withheld, []*Pack{p}, day(t, "2026-01-01")).Frameworks[0]
					if !slices.Contains(firedIDs(fw), "label") {
						t.Fatalf("label did not fire: %v", firedIDs(fw))
					}
					for _, h := range fw.Fired {
						if h.Rule == "label" && !slices.Contains(h.Facts, Fact{Name: "facts.profiling", Withheld: true}) {
							t.Errorf("label's facts %+v: want facts.profiling withheld", h.Facts)
						}
					}
				}
				return
			}
			var first []byte
			for i, v := range tc.variants {
				f := hiring()
				v(&f)
				res := ClassifyWithheld(f, tc.withheld, []*Pack{p}, day(t, "2026-01-01"))
				b, err := json.Marshal(res)
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					first = b
					checkWithheld(t, res, tc.withheld, tc.want.hidden)
					fw := res.Frameworks[0]
					w := tc.want
					if fw.Tier != w.tier || fw.AtLeast != w.atLeast || !slices.Equal(fw.Possible, w.possible) || fw.Applicable != w.applicable {
						t.Errorf("applicable %s tier %s at least %q possible %v; want %s %s %q %v", fw.Applicable, fw.Tier, fw.AtLeast, fw.Possible, w.applicable, w.tier, w.atLeast, w.possible)
					}
					if !slices.Equal(fw.Withheld, w.fwWithheld) || !slices.Equal(fw.Missing, w.missing) {
						t.Errorf("withheld %v missing %v; want %v, %v", fw.Withheld, fw.Missing, w.fwWithheld, w.missing)
					}
					if !slices.Equal(firedIDs(fw), w.fired) {
						t.Errorf("fired %v, want %v", firedIDs(fw), w.fired)
					}
					got := map[string][]string{}
					for _, pd := range fw.Undetermined {
						got[pd.Rule] = pd.Withheld
					}
					if len(got) != len(w.pending) {
						t.Errorf("undetermined %v, want %v", got, w.pending)
					}
					for r, wh := range w.pending {
						if g, ok := got[r]; !ok || !slices.Equal(g, wh) {
							t.Errorf("rule %s withheld %v (undetermined: %v), want %v", r, g, ok, wh)
						}
					}
					if w.applicable == Undetermined {
						if fw.Reason == nil || !slices.Equal(fw.Reason.Withheld, w.fwWithheld) || len(fw.Reason.Missing) != 0 {
							t.Errorf("reason %+v: want withheld %v and nothing missing", fw.Reason, w.fwWithheld)
						}
					}
					continue
				}
				if string(b) != string(first) {
					t.Errorf("variant %d gives a different result:\n%s\nvariant 0:\n%s", i, b, first)
				}
			}
		})
	}
}

// checkWithheld: a withheld input is never missing and never shown with a
// value; the result names what was withheld.
func checkWithheld(t *testing.T, res Result, withheld, hidden []string) {
	t.Helper()
	want := slices.Clone(withheld)
	slices.Sort(want)
	if !slices.Equal(res.Withheld, want) {
		t.Errorf("result withheld %v, want %v", res.Withheld, want)
	}
	shown := map[string]bool{}
	for _, fw := range res.Frameworks {
		facts := slices.Clone(fw.Fired)
		for _, c := range fw.Cancelled {
			facts = append(facts, c.Hit)
		}
		for _, pd := range fw.Undetermined {
			facts = append(facts, pd.Hit)
			for _, m := range pd.Missing {
				if slices.Contains(withheld, "facts."+m) {
					t.Errorf("rule %s names withheld %s as missing", pd.Rule, m)
				}
			}
		}
		for _, m := range fw.Missing {
			if slices.Contains(withheld, "facts."+m) {
				t.Errorf("%s names withheld %s as missing", fw.Pack, m)
			}
		}
		for _, h := range facts {
			for _, f := range h.Facts {
				if slices.Contains(withheld, f.Name) {
					if !f.Withheld || f.Value != nil || f.Unknown {
						t.Errorf("rule %s shows withheld %s as %+v", h.Rule, f.Name, f)
					}
					shown[f.Name] = true
				} else if f.Withheld {
					t.Errorf("rule %s marks %s withheld", h.Rule, f.Name)
				}
			}
		}
	}
	for _, h := range hidden {
		if !shown[h] {
			t.Errorf("no rule shows %s as withheld", h)
		}
	}
}

// TestWithheldNothing: withholding nothing, or only inputs no rule reads,
// classifies exactly as Classify (a filing whose confidential fields are
// all texts has the classification it always had).
func TestWithheldNothing(t *testing.T) {
	p := mustLoad(t, withheldPack)
	f := hiring()
	f.Facts.Profiling = ptr(true)
	at := day(t, "2026-01-01")
	want := Classify(f, []*Pack{p}, at)
	for _, w := range [][]string{nil, {}, {"data_sources", "documents", "operating_logic"}} {
		if got := ClassifyWithheld(f, w, []*Pack{p}, at); !reflect.DeepEqual(got, want) {
			t.Errorf("withholding %v changed the result:\n got %+v\nwant %+v", w, got, want)
		}
		if got := OutcomeWithheld(f, w, []*Pack{p}, at); !reflect.DeepEqual(got, Outcome(f, []*Pack{p}, at)) {
			t.Errorf("withholding %v changed the outcome", w)
		}
	}
}

// TestOutcomeWithheldAgrees: OutcomeWithheld gives the tiers and summary
// ClassifyWithheld gives, for random filings and withheld sets under every
// pack (re-classification relies on it for the public facets).
func TestOutcomeWithheldAgrees(t *testing.T) {
	packs := repoPacks(t)
	r := rand.New(rand.NewPCG(7, 9))
	at := day(t, "2026-11-23")
	for i := range 2000 {
		f := randomFiling(r)
		w := randomWithheld(r)
		full, out := ClassifyWithheld(f, w, packs, at), OutcomeWithheld(f, w, packs, at)
		if !reflect.DeepEqual(full.Summary, out.Summary) || !slices.Equal(full.Withheld, out.Withheld) {
			t.Fatalf("filing %d withholding %v: summary %+v, outcome %+v", i, w, full.Summary, out.Summary)
		}
		for j, fw := range full.Frameworks {
			o := out.Frameworks[j]
			if o.Applicable != fw.Applicable || o.Tier != fw.Tier || o.AtLeast != fw.AtLeast || !slices.Equal(o.Possible, fw.Possible) || !reflect.DeepEqual(o.Reason, fw.Reason) {
				t.Fatalf("filing %d withholding %v, %s: classify %s/%s, outcome %s/%s", i, w, fw.Pack, fw.Applicable, fw.Tier, o.Applicable, o.Tier)
			}
		}
	}
}

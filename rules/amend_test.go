package rules

import (
	"strings"
	"testing"

	"github.com/accord-gov/accord"
)

// amendedPack is a pack whose instrument was amended on 2026-07-27: r1
// moved from 2026-08-02 to 2027-12-02, r2's duties start later, r3 was
// rewritten and r4 is new.
const amendedPack = `id: test
jurisdiction: FR
version: "1"
name: {en: Test pack}
effective_from: 2024-01-01
applies_when: "'FR' in countries"
not_applicable: {en: Not used in France.}
default_tier: minimal
application_dates: [2024-01-01, 2025-02-02, 2026-08-02]
amendments:
  - id: amd
    citation: Regulation (EU) 2026/1744
    instrument: {en: Amending regulation}
    in_force: 2026-07-27
    application_dates: [2024-01-01, 2025-02-02, 2026-08-02, 2026-12-02, 2027-12-02]
    moves:
      - {amended_at: Art. 1(40), effective_from: 2027-12-02, rules: [r1]}
      - {amended_at: Art. 1(41), applies_from: 2027-12-02, rules: [r2]}
tiers:
  - {id: prohibited, baseline: unacceptable, title: {en: Prohibited}}
  - {id: high, baseline: high, title: {en: High}}
  - {id: minimal, baseline: minimal, title: {en: Minimal}}
rules:
  - id: r1
    citation: Art. 1
    title: {en: Recruitment}
    when: "'employment.recruitment' in domains"
    tier: high
    effective_from: 2026-08-02
    obligations:
      - {id: risk, citation: Art. 9, bearer: provider, theme: risk_management, text: {en: Manage risks.}}
  - id: r2
    citation: Art. 2
    title: {en: Credit scoring}
    when: "'essential_services.credit_scoring' in domains"
    tier: high
    effective_from: 2026-08-02
    obligations:
      - {id: risk, citation: Art. 9, bearer: provider, theme: risk_management, text: {en: Manage risks.}}
  - id: r3
    citation: Art. 4
    title: {en: Literacy}
    when: "true"
    effective_from: 2025-02-02
    replaced_by: amd
    obligations:
      - {id: lit, citation: Art. 4, bearer: both, theme: ai_literacy, text: {en: Ensure literacy.}}
  - id: r3
    citation: Art. 4
    title: {en: Literacy}
    when: "true"
    effective_from: 2025-02-02
    amended_by: amd
    amended_at: Art. 1(5)
    obligations:
      - {id: lit, citation: Art. 4, bearer: both, theme: ai_literacy, text: {en: Support literacy.}}
  - id: r4
    citation: Art. 5(1)(ba)
    title: {en: New prohibition}
    when: facts.social_scoring
    tier: prohibited
    effective_from: 2026-12-02
    amended_by: amd
    amended_at: Art. 1(7)
`

func TestAmendmentVersions(t *testing.T) {
	p := mustLoad(t, amendedPack)
	f := filing("FR", "employment.recruitment", "essential_services.credit_scoring")
	f.Facts.SocialScoring = ptr(true)
	type want struct {
		tier     string
		fired    []string
		upcoming []string // rule@date
		amended  map[string]string
		duty     map[string]Date // rule/obligation → applies_from
	}
	cases := []struct {
		date string
		want want
	}{
		{"2026-07-26", want{tier: "minimal", fired: []string{"r3"}, upcoming: []string{"r1@2026-08-02", "r2@2026-08-02"},
			amended: map[string]string{"r3": ""}}},
		{"2026-07-27", want{tier: "minimal", fired: []string{"r3"}, upcoming: []string{"r1@2027-12-02", "r2@2026-08-02", "r4@2026-12-02"},
			amended: map[string]string{"r3": "Art. 1(5) of Regulation (EU) 2026/1744", "r1": "Art. 1(40) of Regulation (EU) 2026/1744"}}},
		{"2026-12-01", want{tier: "high", fired: []string{"r2", "r3"}, upcoming: []string{"r1@2027-12-02", "r4@2026-12-02"},
			duty: map[string]Date{"r2/risk": "2027-12-02"}}},
		{"2026-12-02", want{tier: "prohibited", fired: []string{"r2", "r3", "r4"}, upcoming: []string{"r1@2027-12-02"},
			amended: map[string]string{"r4": "Art. 1(7) of Regulation (EU) 2026/1744"}}},
		{"2027-12-02", want{tier: "prohibited", fired: []string{"r1", "r2", "r3", "r4"}, duty: map[string]Date{"r1/risk": "2027-12-02"}}},
	}
	for _, tc := range cases {
		t.Run(tc.date, func(t *testing.T) {
			fw := Classify(f, []*Pack{p}, day(t, tc.date)).Frameworks[0]
			if fw.Tier != tc.want.tier {
				t.Errorf("tier %s, want %s", fw.Tier, tc.want.tier)
			}
			var fired, upcoming []string
			by := map[string]string{}
			for _, h := range fw.Fired {
				fired = append(fired, h.Rule)
				by[h.Rule] = h.AmendedBy
			}
			for _, u := range fw.Upcoming {
				upcoming = append(upcoming, u.Rule+"@"+string(u.EffectiveFrom))
				by[u.Rule] = u.AmendedBy
			}
			if strings.Join(fired, ",") != strings.Join(tc.want.fired, ",") {
				t.Errorf("fired %v, want %v", fired, tc.want.fired)
			}
			if strings.Join(upcoming, ",") != strings.Join(tc.want.upcoming, ",") {
				t.Errorf("upcoming %v, want %v", upcoming, tc.want.upcoming)
			}
			for r, w := range tc.want.amended {
				if by[r] != w {
					t.Errorf("%s amended_by %q, want %q", r, by[r], w)
				}
			}
			for k, w := range tc.want.duty {
				found := false
				for _, d := range fw.Obligations {
					if d.Rule+"/"+d.ID == k {
						found = true
						if d.AppliesFrom != w || d.Applies != (w <= Date(tc.date)) {
							t.Errorf("%s applies from %s (applies %v), want %s", k, d.AppliesFrom, d.Applies, w)
						}
					}
				}
				if !found {
					t.Errorf("no duty %s in %+v", k, fw.Obligations)
				}
			}
		})
	}
}

// TestAmendmentDatesRefused: a pack whose dates contradict the application
// article (the pack's own, or the amendment's) does not load.
func TestAmendmentDatesRefused(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"original text, a date Art. 113 does not give", "    effective_from: 2026-08-02\n    obligations:\n      - {id: risk, citation: Art. 9, bearer: provider, theme: risk_management, text: {en: Manage risks.}}\n  - id: r2",
			"    effective_from: 2026-08-03\n    obligations:\n      - {id: risk, citation: Art. 9, bearer: provider, theme: risk_management, text: {en: Manage risks.}}\n  - id: r2",
			"rule r1: effective_from 2026-08-03 is not one of the pack's application_dates"},
		{"a move to a date the amended article does not give", "{amended_at: Art. 1(40), effective_from: 2027-12-02, rules: [r1]}",
			"{amended_at: Art. 1(40), effective_from: 2027-08-02, rules: [r1]}",
			"rule r1: effective_from 2027-08-02 is not one of the application_dates of amendment amd"},
		{"an amended rule on the old date", "    effective_from: 2026-12-02\n    amended_by: amd", "    effective_from: 2027-08-02\n    amended_by: amd",
			"rule r4: effective_from 2027-08-02 is not one of the application_dates of amendment amd"},
		{"an unknown amendment", "    replaced_by: amd", "    replaced_by: amd2", `replaced_by "amd2": the pack has no amendment`},
		{"a move of an unknown rule", "rules: [r2]}", "rules: [r9]}", `moves rule "r9"`},
		{"entry into force before the pack", "in_force: 2026-07-27", "in_force: 2023-07-27", "is not after the pack's effective_from"},
		{"two texts in force together", "    effective_from: 2025-02-02\n    replaced_by: amd\n", "    effective_from: 2025-02-02\n", "duplicate rule id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(amendedPack, tc.from, tc.to, 1)
			if src == amendedPack {
				t.Fatalf("the replacement did not apply")
			}
			_, err := Load("test.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLawViewOf(t *testing.T) {
	p := mustLoad(t, amendedPack)
	cases := []struct {
		name     string
		filing   accord.Filing
		date     string
		applied  bool
		next     []string // date:rules|obligations
		concerns []string // rule:kind:was→now
		others   []string
		moved    []string // rule/obligation:was→now
	}{
		{name: "a recruiter before the amendment: what it will change", filing: filing("FR", "employment.recruitment"), date: "2026-07-01",
			applied: false, next: []string{"2026-08-02:r1|"},
			concerns: []string{"r1:moved:2026-08-02→2027-12-02", "r3:changed:2025-02-02→2025-02-02"},
			others:   []string{"r2:moved:2026-08-02→2026-08-02", "r4:added:→2026-12-02"},
			moved:    []string{"r1/risk:2026-08-02→2027-12-02"}},
		{name: "a credit scorer today: high-risk, its duty moved", filing: filing("FR", "essential_services.credit_scoring"), date: "2026-12-04",
			applied: true, next: []string{"2027-12-02:|r2/risk"},
			concerns: []string{"r2:moved:2026-08-02→2026-08-02", "r3:changed:2025-02-02→2025-02-02"},
			others:   []string{"r1:moved:2026-08-02→2027-12-02", "r4:added:→2026-12-02"},
			moved:    []string{"r2/risk:2026-08-02→2027-12-02"}},
		{name: "after every date nothing is next", filing: filing("FR", "employment.recruitment"), date: "2028-01-01",
			applied: true, next: nil,
			concerns: []string{"r1:moved:2026-08-02→2027-12-02", "r3:changed:2025-02-02→2025-02-02"},
			others:   []string{"r2:moved:2026-08-02→2026-08-02", "r4:added:→2026-12-02"},
			moved:    []string{"r1/risk:2026-08-02→2027-12-02"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.filing.Facts.SocialScoring = ptr(false)
			fw := Classify(tc.filing, []*Pack{p}, day(t, tc.date)).Frameworks[0]
			v := fw.Law
			if v == nil || len(v.Amendments) != 1 || v.Amendments[0].Applied != tc.applied || v.Amendments[0].InForce != "2026-07-27" {
				t.Fatalf("law view %+v", v)
			}
			var next []string
			for _, m := range v.Next {
				var duties []string
				for _, d := range m.Obligations {
					duties = append(duties, d.Rule+"/"+d.Obligation)
				}
				next = append(next, string(m.Date)+":"+strings.Join(m.Rules, ",")+"|"+strings.Join(duties, ","))
			}
			if strings.Join(next, ";") != strings.Join(tc.next, ";") {
				t.Errorf("next %v, want %v", next, tc.next)
			}
			var concerns, moved []string
			for _, c := range v.Changes {
				concerns = append(concerns, c.Rule+":"+c.Kind+":"+string(c.Was)+"→"+string(c.Now))
				for _, o := range c.Obligations {
					moved = append(moved, c.Rule+"/"+o.ID+":"+string(o.Was)+"→"+string(o.Now))
				}
			}
			if strings.Join(concerns, ";") != strings.Join(tc.concerns, ";") || v.OtherChanges != len(tc.others) {
				t.Errorf("changes concerning %v, %d others; want %v, %d", concerns, v.OtherChanges, tc.concerns, len(tc.others))
			}
			if strings.Join(moved, ";") != strings.Join(tc.moved, ";") {
				t.Errorf("moved duties %v, want %v", moved, tc.moved)
			}
		})
	}
}

func TestLawViewNilWithoutAmendmentsOrDates(t *testing.T) {
	p := mustLoad(t, okPack)
	if v := Classify(filing("FR", "employment.recruitment"), []*Pack{p}, day(t, "2026-01-01")).Frameworks[0].Law; v != nil {
		t.Errorf("law view %+v for a pack without amendments or later dates", v)
	}
}

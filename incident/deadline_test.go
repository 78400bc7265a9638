package incident

import (
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
)

func loadDuties(t testing.TB) []*Duty {
	t.Helper()
	packs, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	tax, err := LoadTaxonomies()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := LoadDuties(frameworks.IncidentFS, packs, tax)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	highRisk  = Subject{Scale: "system", Tiers: map[string]string{"eu-ai-act": "high"}}
	minimal   = Subject{Scale: "system", Tiers: map[string]string{"eu-ai-act": "minimal"}}
	gpaiRisk  = Subject{Scale: "model", Tiers: map[string]string{"eu-ai-act": "gpai_systemic_risk", "kr": "high_performance"}}
	anySystem = Subject{Scale: "system"}
)

func report(aware string, mod func(*accord.NewIncidentReport)) accord.NewIncidentReport {
	r := accord.NewIncidentReport{Kind: accord.IncidentSerious, Countries: []string{"FR"}, Severity: "serious",
		Occurred: at(aware).Add(-time.Hour), Aware: at(aware), Harms: []string{"eu-3-49:a"}}
	if mod != nil {
		mod(&r)
	}
	return r
}

type want struct {
	duty        string
	due         string // RFC 3339; "" for no clock
	immediately bool
}

// The golden cases are named after the provision they exercise. Dates: 4
// November 2026 is a Wednesday.
func TestDeadlines(t *testing.T) {
	duties := loadDuties(t)
	cases := []struct {
		name string
		r    accord.NewIncidentReport
		s    Subject
		want []want
	}{
		{"EU AI Act Art. 73(2): 15 days after awareness, the day of awareness not counted (Reg. 1182/71 Art. 3(1), 3(2)(b))",
			report("2026-11-04T10:00:00+01:00", nil), highRisk,
			[]want{{"eu-ai-act/art-73-2", "2026-11-19T23:59:59.999+01:00", false}}},
		{"EU AI Act Art. 73(2): immediately once the causal link is established, 15 days at the latest",
			report("2026-11-04T10:00:00+01:00", func(r *accord.NewIncidentReport) { c := at("2026-11-05T09:00:00+01:00"); r.Facts.CausalLinkAt = &c }), highRisk,
			[]want{{"eu-ai-act/art-73-2", "2026-11-19T23:59:59.999+01:00", true}}},
		{"EU AI Act Art. 73(2): days counted in the reporter's own offset",
			report("2026-11-04T23:30:00-05:00", nil), highRisk,
			[]want{{"eu-ai-act/art-73-2", "2026-11-19T23:59:59.999-05:00", false}}},
		{"EU AI Act Art. 73(3): critical infrastructure (Art. 3(49)(b)), 2 days",
			report("2026-11-04T10:00:00+01:00", func(r *accord.NewIncidentReport) { r.Harms = []string{"eu-3-49:b"} }), highRisk,
			[]want{{"eu-ai-act/art-73-3", "2026-11-06T23:59:59.999+01:00", false}, {"eu-ai-act/art-73-2", "2026-11-19T23:59:59.999+01:00", false}}},
		{"EU AI Act Art. 73(3): widespread infringement, aware on a Thursday: the last day a Saturday moves to Monday (Reg. 1182/71 Art. 3(4))",
			report("2026-11-05T16:00:00+01:00", func(r *accord.NewIncidentReport) {
				r.Facts.WidespreadInfringement = true
				r.Harms = []string{"eu-3-49:c"}
			}), highRisk,
			[]want{{"eu-ai-act/art-73-3", "2026-11-09T23:59:59.999+01:00", false}, {"eu-ai-act/art-73-2", "2026-11-20T23:59:59.999+01:00", false}}},
		{"EU AI Act Art. 73(3): aware on a Friday: two working days at least, so Tuesday (Reg. 1182/71 Art. 3(4), 3(5))",
			report("2026-11-06T16:00:00+01:00", func(r *accord.NewIncidentReport) { r.Harms = []string{"eu-3-49:b"} }), highRisk,
			[]want{{"eu-ai-act/art-73-3", "2026-11-10T23:59:59.999+01:00", false}, {"eu-ai-act/art-73-2", "2026-11-23T23:59:59.999+01:00", false}}},
		{"EU AI Act Art. 73(4): death, 10 days; the last day a Saturday moves to Monday",
			report("2026-11-04T10:00:00+01:00", func(r *accord.NewIncidentReport) { r.Facts.Death = true }), highRisk,
			[]want{{"eu-ai-act/art-73-4", "2026-11-16T23:59:59.999+01:00", false}, {"eu-ai-act/art-73-2", "2026-11-19T23:59:59.999+01:00", false}}},
		{"EU AI Act Art. 73(1): only providers of high-risk systems", report("2026-11-04T10:00:00+01:00", nil), minimal, nil},
		{"EU AI Act Art. 73(1): only serious incidents",
			report("2026-11-04T10:00:00+01:00", func(r *accord.NewIncidentReport) { r.Kind = accord.IncidentNearMiss }), highRisk, nil},
		{"EU AI Act Art. 73(1): only incidents in a Member State",
			report("2026-11-04T10:00:00+01:00", func(r *accord.NewIncidentReport) { r.Countries = []string{"US"} }), highRisk, nil},
		{"EU AI Act Art. 113: Art. 73 applies from 2 August 2026", report("2026-07-30T10:00:00+02:00", nil), highRisk, nil},
		{"GPAI Code Measure 9.3: serious cybersecurity breach, 5 days",
			report("2026-11-04T10:00:00+01:00", func(r *accord.NewIncidentReport) { r.Facts.CybersecurityBreach = true; r.Harms = nil }), gpaiRisk,
			[]want{{"eu-ai-act/gpai-9-3-cybersecurity", "2026-11-09T23:59:59.999+01:00", false}, {"eu-ai-act/gpai-9-3-intermediate", "", false}, {"kr/art-32-monitoring", "", false}}},
		{"GPAI Code Measure 9.3: death 10 days, serious harm to health 15 days, final report 60 days after resolution",
			report("2026-11-04T10:00:00+01:00", func(r *accord.NewIncidentReport) {
				r.Facts.Death = true
				res := at("2026-11-20T12:00:00+01:00")
				r.Resolved = &res
			}), gpaiRisk,
			[]want{{"eu-ai-act/gpai-9-3-death", "2026-11-16T23:59:59.999+01:00", false}, {"eu-ai-act/gpai-9-3-harm", "2026-11-19T23:59:59.999+01:00", false},
				{"eu-ai-act/gpai-9-3-final", "2027-01-19T23:59:59.999+01:00", false}, {"kr/art-32-monitoring", "", false}}},
		{"GPAI Code Measure 9.3: a system is not a model", report("2026-11-04T10:00:00+01:00", func(r *accord.NewIncidentReport) { r.Facts.CybersecurityBreach = true }),
			Subject{Scale: "system", Tiers: map[string]string{"eu-ai-act": "gpai_systemic_risk"}}, nil},
		{"CAC incident measures: critical information infrastructure operator, 1 hour",
			report("2026-11-04T10:00:00+08:00", func(r *accord.NewIncidentReport) {
				r.Countries, r.Kind, r.Facts.CNGrade, r.Facts.CNOperator = []string{"CN"}, accord.IncidentIncident, "major", "cii"
			}), anySystem,
			[]want{{"cn/cac-cii-1h", "2026-11-04T11:00:00+08:00", false}}},
		{"CAC incident measures: central or state organ, 2 hours",
			report("2026-11-04T10:00:00+08:00", func(r *accord.NewIncidentReport) {
				r.Countries, r.Facts.CNGrade, r.Facts.CNOperator = []string{"CN"}, "relatively-major", "state-organ"
			}), anySystem,
			[]want{{"cn/cac-state-organ-2h", "2026-11-04T12:00:00+08:00", false}}},
		{"CAC incident measures: other operator, 4 hours",
			report("2026-11-04T10:00:00+08:00", func(r *accord.NewIncidentReport) {
				r.Countries, r.Facts.CNGrade, r.Facts.CNOperator = []string{"CN"}, "especially-major", "other"
			}), anySystem,
			[]want{{"cn/cac-operator-4h", "2026-11-04T14:00:00+08:00", false}}},
		{"CAC incident measures: an incident graded general has no clock",
			report("2026-11-04T10:00:00+08:00", func(r *accord.NewIncidentReport) {
				r.Countries, r.Facts.CNGrade, r.Facts.CNOperator = []string{"CN"}, "general", "other"
			}), anySystem, nil},
		{"Korea AI Basic Act Art. 32(1): monitoring, no fixed clock",
			report("2026-11-04T10:00:00+09:00", func(r *accord.NewIncidentReport) { r.Countries, r.Harms = []string{"KR"}, nil }),
			Subject{Scale: "model", Tiers: map[string]string{"kr": "high_performance"}},
			[]want{{"kr/art-32-monitoring", "", false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Deadlines(duties, c.r, c.s)
			if len(got) != len(c.want) {
				t.Fatalf("got %d deadlines, want %d: %+v", len(got), len(c.want), got)
			}
			for i, w := range c.want {
				g := got[i]
				if g.Framework+"/"+g.Duty != w.duty {
					t.Errorf("deadline %d is %s/%s, want %s", i, g.Framework, g.Duty, w.duty)
				}
				switch {
				case w.due == "" && g.Due != nil:
					t.Errorf("%s: due %v, want no clock", w.duty, g.Due)
				case w.due != "" && (g.Due == nil || g.Due.Format(time.RFC3339Nano) != w.due):
					t.Errorf("%s: due %v, want %s", w.duty, g.Due, w.due)
				}
				if g.Immediately != w.immediately {
					t.Errorf("%s: immediately %v, want %v", w.duty, g.Immediately, w.immediately)
				}
				if g.Citation == "" || g.Title["en"] == "" {
					t.Errorf("%s: no citation or title", w.duty)
				}
			}
		})
	}
}

func TestMark(t *testing.T) {
	duties := loadDuties(t)
	ds := Deadlines(duties, report("2026-11-04T10:00:00+01:00", func(r *accord.NewIncidentReport) { r.Facts.Death = true }), highRisk)
	// 73(4) due 2026-11-16, 73(2) due 2026-11-19.
	cases := []struct {
		name    string
		filings []Filing
		now     string
		want    []string
	}{
		{"EU AI Act Art. 73(5): an initial report on time meets the deadline, the complete report may follow",
			[]Filing{{accord.RoleProvider, accord.StageInitial, at("2026-11-10T09:00:00Z"), 7}, {accord.RoleProvider, accord.StageFinal, at("2026-12-20T09:00:00Z"), 30}},
			"2026-12-21T00:00:00Z", []string{"met", "met"}},
		{"EU AI Act Art. 73(4) and (2): a report after 10 days misses the death clock, meets the 15-day one",
			[]Filing{{accord.RoleProvider, accord.StageInitial, at("2026-11-18T09:00:00Z"), 9}},
			"2026-11-30T00:00:00Z", []string{"missed", "met"}},
		{"EU AI Act Art. 73(2): the deployer, where applicable, reports too",
			[]Filing{{accord.RoleDeployer, accord.StageInitial, at("2026-11-05T09:00:00Z"), 3}},
			"2026-11-30T00:00:00Z", []string{"met", "met"}},
		{"EU AI Act Art. 73(1): a complaint (Art. 85) does not meet the provider's duty; past due it is overdue",
			[]Filing{{accord.RolePublic, accord.StageInitial, at("2026-11-05T09:00:00Z"), 3}, {accord.RoleAuthority, accord.StageInitial, at("2026-11-06T09:00:00Z"), 4}},
			"2026-11-17T00:00:00Z", []string{"overdue", "open"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Mark(duties, ds, c.filings, at(c.now))
			for i, w := range c.want {
				if got[i].Status != w {
					t.Errorf("%s: %s, want %s", got[i].Duty, got[i].Status, w)
				}
				if w == "met" || w == "missed" {
					if got[i].FiledAt == nil || got[i].LogIndex == nil {
						t.Errorf("%s: no filing time or log index", got[i].Duty)
					}
				}
			}
			if ds[0].Status != accord.DeadlineOpen {
				t.Error("Mark changed its input")
			}
		})
	}
}

func TestTaxonomies(t *testing.T) {
	tax, err := LoadTaxonomies()
	if err != nil {
		t.Fatal(err)
	}
	if got := tax.In("oecd", []string{"eu-3-49:a", "eu-3-49:c"}); len(got) != 3 || got[0] != "oecd:human-rights" {
		t.Errorf("crosswalk of 3(49)(a), (c) to OECD = %v", got)
	}
	if got := tax.In("eu-3-49", []string{"oecd:environmental"}); len(got) != 1 || got[0] != "eu-3-49:d" {
		t.Errorf("crosswalk of oecd:environmental to 3(49) = %v", got)
	}
	if tax.Kinds[accord.IncidentNearMiss] != "cset:near-miss" {
		t.Errorf("near-miss maps to %s", tax.Kinds[accord.IncidentNearMiss])
	}
}

// GPAI Code Measure 9.3: intermediate reports every 4 weeks, each period
// running from the previous report, until the final report (or resolution).
func TestMarkIntermediateReports(t *testing.T) {
	duties := loadDuties(t)
	r := report("2026-11-04T10:00:00Z", func(r *accord.NewIncidentReport) { r.Facts.CybersecurityBreach = true; r.Harms = nil })
	ds := Deadlines(duties, r, gpaiRisk)
	idx := -1
	for i, d := range ds {
		if d.Duty == "gpai-9-3-intermediate" {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("no intermediate duty: %+v", ds)
	}
	initial := Filing{accord.RoleProvider, accord.StageInitial, at("2026-11-05T10:00:00Z"), 1}
	cases := []struct {
		name    string
		filings []Filing
		now     string
		status  string
		due     string
	}{
		{"GPAI Code Measure 9.3: no report yet, no intermediate clock", nil, "2026-12-30T00:00:00Z", accord.DeadlineNoClock, ""},
		{"GPAI Code Measure 9.3: 4 weeks after the initial report, the first intermediate report is due", []Filing{initial}, "2026-11-20T00:00:00Z", accord.DeadlineOpen, "2026-12-03T23:59:59.999Z"},
		{"GPAI Code Measure 9.3: past it without one, overdue", []Filing{initial}, "2026-12-05T00:00:00Z", accord.DeadlineOverdue, "2026-12-03T23:59:59.999Z"},
		{"GPAI Code Measure 9.3: each period runs from the previous report", []Filing{initial, {accord.RoleProvider, accord.StageFollowUp, at("2026-11-25T10:00:00Z"), 5}},
			"2026-12-10T00:00:00Z", accord.DeadlineOpen, "2026-12-23T23:59:59.999Z"},
		{"GPAI Code Measure 9.3: the final report within the period ends the chain", []Filing{initial, {accord.RoleProvider, accord.StageFollowUp, at("2026-11-25T10:00:00Z"), 5},
			{accord.RoleProvider, accord.StageFinal, at("2026-12-20T10:00:00Z"), 9}}, "2027-03-01T00:00:00Z", accord.DeadlineMet, "2026-12-23T23:59:59.999Z"},
		{"GPAI Code Measure 9.3: a follow-up after the period misses it", []Filing{initial, {accord.RoleProvider, accord.StageFollowUp, at("2026-12-10T10:00:00Z"), 5}},
			"2027-03-01T00:00:00Z", accord.DeadlineMissed, "2026-12-03T23:59:59.999Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Mark(duties, ds, c.filings, at(c.now))[idx]
			if got.Status != c.status {
				t.Errorf("status %s, want %s", got.Status, c.status)
			}
			switch {
			case c.due == "" && got.Due != nil:
				t.Errorf("due %v, want none", got.Due)
			case c.due != "" && (got.Due == nil || got.Due.Format(time.RFC3339Nano) != c.due):
				t.Errorf("due %v, want %s", got.Due, c.due)
			}
		})
	}
}

// EU AI Act Art. 73(1) with a classification left undetermined by missing
// facts: the duties of the tier it may reach apply, marked conditional.
func TestDeadlinesUndeterminedTier(t *testing.T) {
	duties := loadDuties(t)
	s := Subject{Scale: "system", Possible: map[string][]string{"eu-ai-act": {"limited", "high"}}}
	ds := Deadlines(duties, report("2026-11-04T10:00:00+01:00", nil), s)
	if len(ds) != 1 || ds[0].Duty != "art-73-2" || !ds[0].Conditional || ds[0].Note == "" {
		t.Fatalf("deadlines of an undetermined system: %+v", ds)
	}
	s.Possible["eu-ai-act"] = []string{"limited"}
	if ds := Deadlines(duties, report("2026-11-04T10:00:00+01:00", nil), s); len(ds) != 0 {
		t.Errorf("a system that cannot be high-risk gets %+v", ds)
	}
	if ds := Deadlines(duties, report("2026-11-04T10:00:00+01:00", nil), highRisk); len(ds) != 1 || ds[0].Conditional {
		t.Errorf("a high-risk system's deadline is conditional: %+v", ds)
	}
}

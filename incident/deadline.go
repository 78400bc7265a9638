package incident

import (
	"slices"
	"strings"
	"time"

	"github.com/accord-gov/accord"
)

// Subject is what the deadlines need to know of the system a report is
// about: its scale (system or model) and its tier under each framework
// (pack id → tier), as the classifier placed it.
type Subject struct {
	Scale string
	Tiers map[string]string
	// Possible lists, for a framework whose tier (or applicability) is
	// undetermined because facts are missing, the tiers the system may
	// have: a duty of one of them applies conditionally.
	Possible map[string][]string
}

// Filing is a report version as the marking of deadlines sees it: who
// filed it, its stage, and when the log holds it (its entry's time and
// index, which the receipt proves).
type Filing struct {
	Role     string
	Stage    string
	Logged   time.Time
	LogIndex int64
}

// Applies reports whether the duty applies to the report about subject
// (conditionally or not: see Conditional).
func (d *Duty) Applies(r accord.NewIncidentReport, s Subject) bool {
	ok, _ := d.applies(r, s)
	return ok
}

// Conditional reports whether the duty applies only if the system has a
// tier its undetermined classification may reach.
func (d *Duty) Conditional(r accord.NewIncidentReport, s Subject) bool {
	ok, cond := d.applies(r, s)
	return ok && cond
}

func (d *Duty) applies(r accord.NewIncidentReport, s Subject) (bool, bool) {
	ok, cond := d.tierHolds(s)
	if !ok || !d.holds(r, s) {
		return false, false
	}
	return true, cond
}

func (d *Duty) tierHolds(s Subject) (ok, conditional bool) {
	w := d.When
	if len(w.Tiers) == 0 || slices.Contains(w.Tiers, s.Tiers[d.framework]) {
		return true, false
	}
	if slices.ContainsFunc(s.Possible[d.framework], func(t string) bool { return slices.Contains(w.Tiers, t) }) {
		return true, true
	}
	return false, false
}

func (d *Duty) holds(r accord.NewIncidentReport, s Subject) bool {
	w := d.When
	if r.Aware.UTC().Before(d.from) {
		return false
	}
	if len(w.Kinds) > 0 && !slices.Contains(w.Kinds, r.Kind) {
		return false
	}
	if w.Scale != "" && w.Scale != s.Scale {
		return false
	}
	if len(d.countries) > 0 && !slices.ContainsFunc(r.Countries, func(c string) bool { return slices.Contains(d.countries, c) }) {
		return false
	}
	if len(w.CNGrades) > 0 && !slices.Contains(w.CNGrades, r.Facts.CNGrade) {
		return false
	}
	if len(w.CNOperators) > 0 && !slices.Contains(w.CNOperators, r.Facts.CNOperator) {
		return false
	}
	if len(w.AnyOf) > 0 && !slices.ContainsFunc(w.AnyOf, func(a string) bool { return holds(a, r) }) {
		return false
	}
	switch d.Anchor {
	case "resolved":
		return r.Resolved != nil
	case "previous_report":
		return r.Resolved == nil // the intermediate reports stop once it is resolved
	}
	return true
}

func holds(cond string, r accord.NewIncidentReport) bool {
	if h, ok := strings.CutPrefix(cond, "harm:"); ok {
		return slices.Contains(r.Harms, h)
	}
	switch strings.TrimPrefix(cond, "fact:") {
	case "death":
		return r.Facts.Death
	case "widespread_infringement":
		return r.Facts.WidespreadInfringement
	case "cybersecurity_breach":
		return r.Facts.CybersecurityBreach
	}
	return false
}

// Countries are the incident's countries the duty covers (all of them for a
// duty without a country condition).
func (d *Duty) Countries(r accord.NewIncidentReport) []string {
	if len(d.countries) == 0 {
		return r.Countries
	}
	var out []string
	for _, c := range r.Countries {
		if slices.Contains(d.countries, c) {
			out = append(out, c)
		}
	}
	return out
}

// Due computes when the duty's report is due for a report (nil for a duty
// without a clock). It is a pure function of the report's times.
func (d *Duty) Due(r accord.NewIncidentReport) *time.Time {
	if d.Anchor == "previous_report" {
		return nil // it runs from the filings (Mark)
	}
	from := r.Aware
	if d.Anchor == "resolved" {
		if r.Resolved == nil {
			return nil
		}
		from = *r.Resolved
	}
	var t time.Time
	switch {
	case d.hours > 0:
		t = from.Add(time.Duration(d.hours) * time.Hour)
	case d.days > 0 && d.Counting == "elapsed":
		t = from.Add(time.Duration(d.days) * 24 * time.Hour)
	case d.days > 0:
		t = DueEU118271(from, d.days)
	default:
		return nil
	}
	return &t
}

// DueEU118271 is the end of a period of n days that runs from an event at
// t, under Regulation (EEC, Euratom) No 1182/71, in t's own offset:
//   - Art. 3(1), second subparagraph: the day during which the event
//     occurs is not counted; the period starts on the next day;
//   - Art. 3(2)(b): it ends with the expiry of the last hour of its last day;
//   - Art. 3(3): Saturdays, Sundays and public holidays are counted;
//   - Art. 3(4): a period whose last day is a Saturday, a Sunday or a public
//     holiday ends with the last hour of the following working day;
//   - Art. 3(5): a period of two days or more includes at least two working
//     days.
//
// Public holidays are those of the Member State concerned (Art. 2(1)); they
// are not encoded, so only Saturdays and Sundays move a period's end.
func DueEU118271(t time.Time, n int) time.Time {
	loc := t.Location()
	y, m, d := t.Date()
	start := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	last := start.AddDate(0, 0, n-1)
	for !workingDay(last) {
		last = last.AddDate(0, 0, 1)
	}
	if n >= 2 {
		for workingDays(start, last) < 2 {
			last = last.AddDate(0, 0, 1)
			for !workingDay(last) {
				last = last.AddDate(0, 0, 1)
			}
		}
	}
	ly, lm, ld := last.Date()
	return time.Date(ly, lm, ld+1, 0, 0, 0, 0, loc).Add(-time.Millisecond)
}

func workingDay(t time.Time) bool { return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday }

func workingDays(from, to time.Time) int {
	n := 0
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if workingDay(d) {
			n++
		}
	}
	return n
}

// Deadlines computes every applicable duty's deadline for a report about
// subject, earliest first (duties without a clock last), each with status
// open; Mark then marks them against the filings.
func Deadlines(duties []*Duty, r accord.NewIncidentReport, s Subject) []accord.Deadline {
	var out []accord.Deadline
	for _, d := range duties {
		if !d.Applies(r, s) {
			continue
		}
		dl := accord.Deadline{Framework: d.framework, Duty: d.ID, Citation: d.Citation, Title: d.Title, Period: d.Period,
			Due: d.Due(r), To: d.To, Status: accord.DeadlineOpen, Verified: d.Verified, Note: d.Note}
		if dl.Due == nil && d.Anchor != "previous_report" {
			dl.Status = accord.DeadlineNoClock
		}
		if d.ImmediatelyOnCausalLink && r.Facts.CausalLinkAt != nil {
			dl.Immediately = true
			dl.Note = strings.TrimSpace(dl.Note + " A causal link was established at " + r.Facts.CausalLinkAt.Format(time.RFC3339) +
				": the report is due immediately, and at the latest by the due time.")
		}
		if d.Stage != "" {
			dl.Note = strings.TrimSpace(dl.Note + " Met only by a " + d.Stage + " report.")
		}
		if d.Conditional(r, s) {
			dl.Conditional = true
			dl.Note = strings.TrimSpace(dl.Note + " Applies if the system is " + strings.Join(d.When.Tiers, " or ") + " under " + d.framework +
				": its classification there is undetermined (facts are missing from its filing).")
		}
		out = append(out, dl)
	}
	slices.SortStableFunc(out, func(a, b accord.Deadline) int {
		switch {
		case a.Due == nil && b.Due == nil:
			return 0
		case a.Due == nil:
			return 1
		case b.Due == nil:
			return -1
		}
		return a.Due.Compare(*b.Due)
	})
	return out
}

// Mark marks deadlines against the filings of an incident, oldest first: a
// deadline is met by the first report of one of its duty's bearers (of its
// stage, for a stage's duty) logged by the due time, missed when that
// report was logged later, overdue when there is none and now is past due,
// open otherwise. Art. 73(5): an initial report, however incomplete, meets
// the deadline; the complete report may follow it.
func Mark(duties []*Duty, ds []accord.Deadline, filings []Filing, now time.Time) []accord.Deadline {
	out := slices.Clone(ds)
	for i := range out {
		dl := &out[i]
		duty := findDuty(duties, dl.Framework, dl.Duty)
		if duty != nil && duty.Anchor == "previous_report" {
			markRecurring(duty, dl, filings, now)
			continue
		}
		if dl.Due == nil {
			continue
		}
		bearers := []string{accord.RoleProvider, accord.RoleDeployer}
		stage := ""
		if duty != nil {
			bearers, stage = duty.Bearers, duty.Stage
		}
		dl.Status, dl.FiledAt, dl.LogIndex = accord.DeadlineOpen, nil, nil
		for _, f := range filings {
			if !slices.Contains(bearers, f.Role) || (stage != "" && f.Stage != stage) {
				continue
			}
			at, idx := f.Logged, f.LogIndex
			dl.FiledAt, dl.LogIndex = &at, &idx
			if at.After(*dl.Due) {
				dl.Status = accord.DeadlineMissed
			} else {
				dl.Status = accord.DeadlineMet
			}
			break
		}
		if dl.FiledAt == nil && now.After(*dl.Due) {
			dl.Status = accord.DeadlineOverdue
		}
	}
	return out
}

// markRecurring marks a recurring duty: each period runs from the previous
// report by a bearer; a follow-up or the final report within it meets it,
// and the final report ends the chain. Before any report it has no clock
// (the initial report's own duties apply).
func markRecurring(d *Duty, dl *accord.Deadline, filings []Filing, now time.Time) {
	dl.Due, dl.FiledAt, dl.LogIndex, dl.Status = nil, nil, nil, accord.DeadlineOpen
	var anchor *Filing
	for i := range filings {
		if slices.Contains(d.Bearers, filings[i].Role) {
			anchor = &filings[i]
			break
		}
	}
	if anchor == nil {
		dl.Status = accord.DeadlineNoClock
		return
	}
	for {
		due := DueEU118271(anchor.Logged, d.days)
		dl.Due = &due
		var next *Filing
		for i := range filings {
			f := &filings[i]
			if slices.Contains(d.Bearers, f.Role) && f.Logged.After(anchor.Logged) && (f.Stage == accord.StageFollowUp || f.Stage == accord.StageFinal) {
				next = f
				break
			}
		}
		if next == nil {
			if now.After(due) {
				dl.Status = accord.DeadlineOverdue
			}
			return
		}
		at, idx := next.Logged, next.LogIndex
		dl.FiledAt, dl.LogIndex = &at, &idx
		switch {
		case next.Logged.After(due):
			dl.Status = accord.DeadlineMissed
			return
		case next.Stage == accord.StageFinal:
			dl.Status = accord.DeadlineMet
			return
		}
		anchor = next
	}
}

func findDuty(duties []*Duty, framework, id string) *Duty {
	for _, d := range duties {
		if d.framework == framework && d.ID == id {
			return d
		}
	}
	return nil
}

// Earliest is the earliest deadline with a clock, or nil.
func Earliest(ds []accord.Deadline) *accord.Deadline {
	var best *accord.Deadline
	for i := range ds {
		if ds[i].Due != nil && (best == nil || ds[i].Due.Before(*best.Due)) {
			best = &ds[i]
		}
	}
	return best
}

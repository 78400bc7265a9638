package rules

import (
	"net/url"
	"slices"
	"time"

	"github.com/accord-gov/accord"
)

// Amendment is an instrument that amended the pack's instrument, e.g.
// Regulation (EU) 2026/1744 amending the EU AI Act. From its entry into
// force the law is the amended text: rule entries with AmendedBy set to it
// are the law from that day, entries with ReplacedBy set to it are the law
// until the day before. A classification as of a date therefore applies the
// text in force on that date, and within it each rule from its own
// effective date (the amended application article).
type Amendment struct {
	ID string `json:"id"`
	// Citation is the instrument's short citation, e.g. "Regulation (EU)
	// 2026/1744"; results cite "Art. 1(7) of Regulation (EU) 2026/1744".
	Citation   string      `json:"citation"`
	Instrument accord.Text `json:"instrument"`
	// InForce is the date of entry into force: the first day of the
	// amended text.
	InForce   Date   `json:"in_force"`
	SourceURL string `json:"source_url,omitempty"`
	// ApplicationDates are the dates of the application article as amended
	// (for the EU AI Act, Art. 113 as amended, and Art. 111 where a rule
	// rests on it): every date of an entry with AmendedBy set to this
	// amendment must be one of them.
	ApplicationDates []Date `json:"application_dates"`
	// Moves are changes of date only: each listed rule's text in force
	// before the amendment is replaced by the same text taking effect on
	// EffectiveFrom (Load writes the new entries).
	Moves []Move `json:"moves,omitempty"`

	Pos Pos `json:"-" yaml:"-"`
}

// Move is an amendment that only changes dates: when rules take effect
// (EffectiveFrom), or when their duties start (AppliesFrom), or both.
type Move struct {
	// AmendedAt is the pinpoint in the amending instrument, e.g. "Art. 1(40)(b)".
	AmendedAt     string   `json:"amended_at"`
	Rules         []string `json:"rules"`
	EffectiveFrom Date     `json:"effective_from,omitempty"`
	// AppliesFrom is the new start of every obligation of the rules that
	// started earlier: the rule still classifies from its own date, its
	// duties apply from this one.
	AppliesFrom Date `json:"applies_from,omitempty"`

	Pos Pos `json:"-" yaml:"-"`
}

// Amendment returns the pack's amendment with the given id.
func (p *Pack) Amendment(id string) (*Amendment, bool) {
	for i := range p.Amendments {
		if p.Amendments[i].ID == id {
			return &p.Amendments[i], true
		}
	}
	return nil, false
}

// textRange is the period in which a rule entry's text is the law: from
// the entry into force of the amendment that made it, to the day before
// the entry into force of the one that replaced it (open bounds empty).
func (p *Pack) textRange(r *Rule) (from, until Date) {
	if a, ok := p.Amendment(r.AmendedBy); ok {
		from = a.InForce
	}
	if a, ok := p.Amendment(r.ReplacedBy); ok {
		until = dayBefore(a.InForce)
	}
	return from, until
}

// amendedCitation is what results say of an entry's amending provision.
func (p *Pack) amendedCitation(r *Rule) string {
	a, ok := p.Amendment(r.AmendedBy)
	if !ok {
		return ""
	}
	if r.AmendedAt == "" {
		return a.Citation
	}
	return r.AmendedAt + " of " + a.Citation
}

func dayBefore(d Date) Date {
	t, err := time.Parse(dateLayout, string(d))
	if err != nil {
		return d
	}
	return Date(t.AddDate(0, 0, -1).Format(dateLayout))
}

func dayAfter(d Date) Date {
	t, err := time.Parse(dateLayout, string(d))
	if err != nil {
		return d
	}
	return Date(t.AddDate(0, 0, 1).Format(dateLayout))
}

// amendments checks the pack's amendments and writes the entries their
// moves imply, before the rules are checked.
func (v *validator) amendments() {
	p := v.p
	seen := map[string]bool{}
	var prev Date
	for i := range p.Amendments {
		a := &p.Amendments[i]
		ctx := "amendment " + a.ID
		switch {
		case a.ID == "":
			v.errorf("amendment", a.Pos.Line, "id is required, e.g. id: reg-2026-1744")
		case !ruleIDRe.MatchString(a.ID):
			v.errorf(ctx, a.Pos.LineOf("id"), "ids must be lower-case letters, digits, '.', '_' or '-'")
		case seen[a.ID]:
			v.errorf(ctx, a.Pos.LineOf("id"), "duplicate amendment id")
		}
		seen[a.ID] = true
		if a.Citation == "" {
			v.errorf(ctx, a.Pos.Line, "citation is required, e.g. citation: Regulation (EU) 2026/1744")
		}
		v.text(ctx, a.Pos, "instrument", a.Instrument, true)
		if a.SourceURL != "" {
			if u, err := url.Parse(a.SourceURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				v.errorf(ctx, a.Pos.LineOf("source_url"), "source_url must be an absolute http(s) URL")
			}
		}
		switch {
		case a.InForce == "":
			v.errorf(ctx, a.Pos.Line, "in_force is required: the amendment's date of entry into force")
		case a.InForce <= p.EffectiveFrom:
			v.errorf(ctx, a.Pos.LineOf("in_force"), "in_force %s is not after the pack's effective_from %s", a.InForce, p.EffectiveFrom)
		case p.EffectiveUntil != "" && a.InForce > p.EffectiveUntil:
			v.errorf(ctx, a.Pos.LineOf("in_force"), "in_force %s is after the pack's effective_until %s", a.InForce, p.EffectiveUntil)
		case prev != "" && a.InForce <= prev:
			v.errorf(ctx, a.Pos.LineOf("in_force"), "amendments must be listed in the order they entered into force, each on a later date")
		}
		prev = a.InForce
		if len(a.ApplicationDates) == 0 {
			v.errorf(ctx, a.Pos.Line, "application_dates is required: the dates of the application article as amended")
		}
		for _, m := range a.Moves {
			v.move(a, m)
		}
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		ctx := "rule " + r.ID
		if r.AmendedBy != "" && !seen[r.AmendedBy] {
			v.errorf(ctx, r.Pos.LineOf("amended_by"), "amended_by %q: the pack has no amendment with that id", r.AmendedBy)
		}
		if r.ReplacedBy != "" && !seen[r.ReplacedBy] {
			v.errorf(ctx, r.Pos.LineOf("replaced_by"), "replaced_by %q: the pack has no amendment with that id", r.ReplacedBy)
		}
		if r.AmendedAt != "" && r.AmendedBy == "" {
			v.errorf(ctx, r.Pos.LineOf("amended_at"), "amended_at needs amended_by")
		}
		if r.AmendedBy != "" && r.ReplacedBy != "" {
			f, u := p.textRange(r)
			if u < f {
				v.errorf(ctx, r.Pos.LineOf("replaced_by"), "replaced_by %s entered into force before amended_by %s", r.ReplacedBy, r.AmendedBy)
			}
		}
	}
}

// move replaces the original text of each rule it names by the same text
// taking effect on the new date.
func (v *validator) move(a *Amendment, m Move) {
	p := v.p
	ctx := "amendment " + a.ID
	if m.EffectiveFrom == "" && m.AppliesFrom == "" {
		v.errorf(ctx, m.Pos.Line, "a move needs effective_from (the rules' new date) or applies_from (their duties' new start)")
		return
	}
	if m.AmendedAt == "" {
		v.errorf(ctx, m.Pos.Line, "a move needs amended_at: the amending provision, e.g. Art. 1(40)(b)")
	}
	if len(m.Rules) == 0 {
		v.errorf(ctx, m.Pos.Line, "a move needs rules: the ids of the rules whose date it changes")
	}
	for _, id := range m.Rules {
		found := false
		for i := range p.Rules {
			r := &p.Rules[i]
			if r.ID != id || r.AmendedBy != "" || r.ReplacedBy != "" {
				continue
			}
			found = true
			moved := *r
			moved.AmendedBy, moved.AmendedAt = a.ID, m.AmendedAt
			if m.EffectiveFrom != "" {
				moved.EffectiveFrom = m.EffectiveFrom
			}
			from, _ := p.effRange(moved.EffectiveFrom, moved.EffectiveUntil)
			start := max(m.AppliesFrom, from)
			moved.Obligations = slices.Clone(r.Obligations)
			for j := range moved.Obligations {
				if o := &moved.Obligations[j]; o.AppliesFrom < start {
					if start == from {
						o.AppliesFrom = "" // the rule's own date
					} else {
						o.AppliesFrom = start
					}
				}
			}
			moved.Pos = Pos{Line: m.Pos.Line, Fields: []FieldLine{{"effective_from", m.Pos.LineOf("effective_from")}, {"applies_from", m.Pos.LineOf("applies_from")}, {"id", m.Pos.LineOf("rules")}}}
			r.ReplacedBy = a.ID
			// Beside the original, so results keep the pack's order.
			p.Rules = slices.Insert(p.Rules, i+1, moved)
			break
		}
		if !found {
			v.errorf(ctx, m.Pos.LineOf("rules"), "moves rule %q, but no entry of that id is the original text (no amended_by or replaced_by)", id)
		}
	}
}

// applicationDates refuses dates that contradict the instrument's own
// application article: an entry's effective_from, the day after its
// effective_until and its obligations' applies_from must be dates the
// text it belongs to declares (the pack's application_dates for the
// original text, the amendment's for an amended one).
func (v *validator) applicationDates() {
	p := v.p
	check := func(ctx string, pos Pos, field string, d Date, allowed []Date, whose string) {
		if d == "" || slices.Contains(allowed, d) || (whose == "" && d == p.EffectiveFrom) {
			return
		}
		if whose == "" {
			v.errorf(ctx, pos.LineOf(field), "%s %s is not one of the pack's application_dates (%s): the instrument's application article gives no such date", field, d, joinDates(allowed))
			return
		}
		v.errorf(ctx, pos.LineOf(field), "%s %s is not one of the application_dates of amendment %s (%s): the amended application article gives no such date", field, d, whose, joinDates(allowed))
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		allowed, whose := p.ApplicationDates, ""
		if a, ok := p.Amendment(r.AmendedBy); ok {
			allowed, whose = a.ApplicationDates, a.ID
		} else if len(allowed) == 0 {
			continue
		}
		ctx := "rule " + r.ID
		check(ctx, r.Pos, "effective_from", r.EffectiveFrom, allowed, whose)
		if r.EffectiveUntil != "" {
			check(ctx, r.Pos, "effective_until", dayAfter(r.EffectiveUntil), allowed, whose)
		}
		for _, o := range r.Obligations {
			check(ctx+": obligation "+o.ID, o.Pos, "applies_from", o.AppliesFrom, allowed, whose)
		}
	}
	if len(p.ApplicationDates) > 0 {
		for _, x := range p.Exclusions {
			check("exclusion "+x.ID, x.Pos, "effective_from", x.EffectiveFrom, p.ApplicationDates, "")
		}
	}
}

func joinDates(ds []Date) string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += ", "
		}
		s += string(d)
	}
	return s
}

package rules

import (
	"maps"
	"slices"

	"github.com/accord-gov/accord"
)

// LawView is "what changed in the law" for one filing under one pack: the
// version of the law applied, what applies next and when, and what the
// pack's amendments changed, marking the changes that concern the filing.
type LawView struct {
	// Amendments are the pack's amendments, oldest first, each saying
	// whether it is in force on the classification date (the law applied
	// is the text as amended by those that are).
	Amendments []AmendmentRef `json:"amendments,omitempty"`
	// Next lists the dates after the classification date on which a rule
	// of this filing takes effect or one of its duties starts, earliest first.
	Next []Milestone `json:"next,omitempty"`
	// Changes are what the amendments changed in this filing's rules (those
	// that fire, are undetermined or are upcoming). They are shared between
	// results: read-only.
	Changes []*Change `json:"changes,omitempty"`
	// OtherChanges counts the amendments' changes to rules that do not
	// concern the filing (the framework's page lists them all).
	OtherChanges int `json:"other_changes,omitempty"`
}

// AmendmentRef names an amendment and whether it is in force.
type AmendmentRef struct {
	ID         string      `json:"id"`
	Citation   string      `json:"citation"`
	Instrument accord.Text `json:"instrument"`
	InForce    Date        `json:"in_force"`
	SourceURL  string      `json:"source_url,omitempty"`
	// Applied is set when the amendment is in force on the classification
	// date, so that the classification applies the amended text.
	Applied bool `json:"applied"`
}

// Milestone is a date on which something applies to the filing.
type Milestone struct {
	Date Date `json:"date"`
	// Rules are the filing's rules that take effect that day (Upcoming).
	Rules []string `json:"rules,omitempty"`
	// Obligations are the filing's duties that start that day.
	Obligations []DutyRef `json:"obligations,omitempty"`
}

// DutyRef names an obligation of a rule.
type DutyRef struct {
	Rule       string `json:"rule"`
	Obligation string `json:"obligation"`
}

// Change kinds.
const (
	ChangeAdded   = "added"   // a new rule
	ChangeMoved   = "moved"   // the same rule from another date
	ChangeChanged = "changed" // the rule's text changed (and perhaps its date)
	ChangeRemoved = "removed" // the rule was repealed
)

// Change is what one amendment did to one rule.
type Change struct {
	Amendment string `json:"amendment"`
	Rule      string `json:"rule"`
	Citation  string `json:"citation"`
	// AmendedBy cites the amending provision, e.g. "Art. 1(40)(b) of
	// Regulation (EU) 2026/1744".
	AmendedBy string `json:"amended_by,omitempty"`
	// AmendedAt is the pinpoint alone, e.g. "Art. 1(40)(b)".
	AmendedAt string      `json:"amended_at,omitempty"`
	Title     accord.Text `json:"title"`
	Kind      string      `json:"kind"`
	// Was and Now are the rule's effective_from before and after the
	// amendment (Was empty for an added rule, Now for a removed one).
	Was Date `json:"was,omitempty"`
	Now Date `json:"now,omitempty"`
	// Obligations are the rule's duties whose start date moved.
	Obligations []MovedDuty `json:"obligations,omitempty"`
}

// MovedDuty is a duty whose start date an amendment moved.
type MovedDuty struct {
	ID       string `json:"id"`
	Citation string `json:"citation"`
	Was      Date   `json:"was"`
	Now      Date   `json:"now"`
}

// change is a Change as Load computes it.
type change struct {
	*Change
}

// amendmentRefs lists, for each number of amendments in force (a prefix:
// they enter into force in order), the pack's amendments as results show them.
func amendmentRefs(p *Pack) [][]AmendmentRef {
	if len(p.Amendments) == 0 {
		return nil
	}
	out := make([][]AmendmentRef, len(p.Amendments)+1)
	for k := range out {
		for i, a := range p.Amendments {
			out[k] = append(out[k], AmendmentRef{ID: a.ID, Citation: a.Citation, Instrument: a.Instrument,
				InForce: a.InForce, SourceURL: a.SourceURL, Applied: i < k})
		}
	}
	return out
}

// amendmentChanges pairs, for each amendment, the entries it replaced with
// the entries it wrote, by rule id.
func amendmentChanges(p *Pack) []change {
	var out []change
	for _, a := range p.Amendments {
		var ids []string
		olds, news := map[string][]*Rule{}, map[string][]*Rule{}
		for i := range p.Rules {
			r := &p.Rules[i]
			switch a.ID {
			case r.ReplacedBy:
				olds[r.ID] = append(olds[r.ID], r)
			case r.AmendedBy:
				news[r.ID] = append(news[r.ID], r)
			default:
				continue
			}
			if !slices.Contains(ids, r.ID) {
				ids = append(ids, r.ID)
			}
		}
		for _, id := range ids {
			o, n := olds[id], news[id]
			ch := Change{Amendment: a.ID, Rule: id}
			var ref *Rule
			switch {
			case len(o) == 0:
				ch.Kind, ref = ChangeAdded, n[0]
			case len(n) == 0:
				ch.Kind, ref = ChangeRemoved, o[0]
			default:
				ch.Kind, ref = ChangeChanged, n[0]
				if len(o) == 1 && len(n) == 1 && sameText(o[0], n[0]) {
					ch.Kind = ChangeMoved
				}
			}
			ch.Citation, ch.Title = ref.Citation, ref.Title
			if len(n) > 0 {
				ch.AmendedBy, ch.AmendedAt = p.amendedCitation(n[0]), n[0].AmendedAt
				ch.Now = earliest(p, n)
			}
			if len(o) > 0 {
				ch.Was = earliest(p, o)
			}
			if len(o) > 0 && len(n) > 0 {
				ch.Obligations = movedDuties(p, o, n)
			}
			out = append(out, change{&ch})
		}
	}
	return out
}

// sameText reports whether two entries say the same but for their dates.
func sameText(a, b *Rule) bool {
	if a.When != b.When || a.Tier != b.Tier || a.Citation != b.Citation || !slices.Equal(a.ExceptionTo, b.ExceptionTo) ||
		!maps.Equal(a.Title, b.Title) || !maps.Equal(a.Rationale, b.Rationale) || len(a.Obligations) != len(b.Obligations) {
		return false
	}
	for i := range a.Obligations {
		x, y := a.Obligations[i], b.Obligations[i]
		if x.ID != y.ID || x.Citation != y.Citation || x.Bearer != y.Bearer || x.Theme != y.Theme || !maps.Equal(x.Text, y.Text) {
			return false
		}
	}
	return true
}

func earliest(p *Pack, rs []*Rule) Date {
	var d Date
	for _, r := range rs {
		f, _ := p.effRange(r.EffectiveFrom, r.EffectiveUntil)
		if d == "" || f < d {
			d = f
		}
	}
	return d
}

// startOf is when an obligation of a rule entry starts.
func startOf(p *Pack, r *Rule, o *Obligation) Date {
	if o.AppliesFrom != "" {
		return o.AppliesFrom
	}
	f, _ := p.effRange(r.EffectiveFrom, r.EffectiveUntil)
	return f
}

// movedDuties lists the obligations (by id) whose earliest start differs
// between the old and the new entries.
func movedDuties(p *Pack, olds, news []*Rule) []MovedDuty {
	start := func(rs []*Rule) (map[string]Date, []*Obligation) {
		m := map[string]Date{}
		var order []*Obligation
		for _, r := range rs {
			for j := range r.Obligations {
				o := &r.Obligations[j]
				d := startOf(p, r, o)
				if cur, ok := m[o.ID]; !ok || d < cur {
					if !ok {
						order = append(order, o)
					}
					m[o.ID] = d
				}
			}
		}
		return m, order
	}
	was, _ := start(olds)
	now, order := start(news)
	var out []MovedDuty
	for _, o := range order {
		if w, ok := was[o.ID]; ok && w != now[o.ID] {
			out = append(out, MovedDuty{ID: o.ID, Citation: o.Citation, Was: w, Now: now[o.ID]})
		}
	}
	return out
}

// LawViewOf is the law view of a classification fw of a filing under pack
// p as of date: which amendments are applied, the dates on which the
// filing's upcoming rules take effect and its pending duties start, and
// the amendments' changes to the filing's rules (fired, undetermined or
// upcoming in fw), with a count of the others. It is nil when the pack has no amendments and
// nothing of the filing applies later.
func LawViewOf(p *Pack, fw *Framework, date Date) *LawView {
	mine := func(rule string) bool {
		for i := range fw.Fired {
			if fw.Fired[i].Rule == rule {
				return true
			}
		}
		for i := range fw.Undetermined {
			if fw.Undetermined[i].Rule == rule {
				return true
			}
		}
		for i := range fw.Upcoming {
			if fw.Upcoming[i].Rule == rule {
				return true
			}
		}
		return false
	}
	return lawView(p, fw, date, func(k int) bool { return mine(p.c.changes[k].Rule) })
}

// lawView is LawViewOf with the test of whether change k concerns the
// filing given: Classify answers it from its rule states.
func lawView(p *Pack, fw *Framework, date Date, concerns func(k int) bool) *LawView {
	next := milestones(fw, date)
	if len(p.Amendments) == 0 && len(next) == 0 {
		return nil
	}
	v := &LawView{Next: next}
	if p.c == nil {
		return v
	}
	// Amendments enter into force in order: those applied are a prefix.
	applied := 0
	for _, a := range p.Amendments {
		if a.InForce <= date {
			applied++
		}
	}
	if applied < len(p.c.amendmentRefs) {
		v.Amendments = p.c.amendmentRefs[applied]
	}
	if len(p.c.changes) == 0 {
		return v
	}
	// Ask once per change; a pack has few changes, so the answers fit on
	// the stack.
	var buf [64]bool
	yes := buf[:0]
	if len(p.c.changes) > len(buf) {
		yes = make([]bool, 0, len(p.c.changes))
	}
	n := 0
	for j := range p.c.changes {
		ok := concerns(j)
		yes = append(yes, ok)
		if ok {
			n++
		}
	}
	v.OtherChanges = len(p.c.changes) - n
	if n > 0 {
		v.Changes = make([]*Change, 0, n)
		for j, c := range p.c.changes {
			if yes[j] {
				v.Changes = append(v.Changes, c.Change)
			}
		}
	}
	return v
}

// milestones groups what applies to the filing after date by day, in
// three allocations at most: classifications run by the million.
func milestones(fw *Framework, date Date) []Milestone {
	var buf [8]Date
	dates := buf[:0]
	add := func(d Date) {
		if !slices.Contains(dates, d) {
			dates = append(dates, d)
		}
	}
	nr, nd := 0, 0
	for i := range fw.Upcoming {
		if u := &fw.Upcoming[i]; u.EffectiveFrom > date {
			nr++
			add(u.EffectiveFrom)
		}
	}
	for i := range fw.Obligations {
		if d := &fw.Obligations[i]; !d.Applies && d.AppliesFrom > date {
			nd++
			add(d.AppliesFrom)
		}
	}
	if len(dates) == 0 {
		return nil
	}
	slices.Sort(dates)
	out := make([]Milestone, len(dates))
	var ruleBuf []string
	var dutyBuf []DutyRef
	if nr > 0 {
		ruleBuf = make([]string, 0, nr)
	}
	if nd > 0 {
		dutyBuf = make([]DutyRef, 0, nd)
	}
	for k, day := range dates {
		out[k].Date = day
		r0, d0 := len(ruleBuf), len(dutyBuf)
		for i := range fw.Upcoming {
			if u := &fw.Upcoming[i]; u.EffectiveFrom == day {
				ruleBuf = append(ruleBuf, u.Rule)
			}
		}
		for i := range fw.Obligations {
			if d := &fw.Obligations[i]; !d.Applies && d.AppliesFrom == day {
				dutyBuf = append(dutyBuf, DutyRef{d.Rule, d.ID})
			}
		}
		if len(ruleBuf) > r0 {
			out[k].Rules = ruleBuf[r0:len(ruleBuf):len(ruleBuf)]
		}
		if len(dutyBuf) > d0 {
			out[k].Obligations = dutyBuf[d0:len(dutyBuf):len(dutyBuf)]
		}
	}
	return out
}

package rules

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/accord-gov/accord"
)

// tri is a Kleene truth value: false, unknown or true. With this order,
// "and" is min, "or" is max and "not" is 2-x.
type tri uint8

const (
	triF tri = iota
	triU
	triT
)

func and(a, b tri) tri { return min(a, b) }
func or(a, b tri) tri  { return max(a, b) }
func not(a tri) tri    { return 2 - a }

// ruleState is the per-classification state of one rule.
type ruleState struct {
	val, base, eff tri
	// evaluated, baseDone and effDone flag what is computed.
	evaluated, baseDone, effDone bool
	inForce                      bool
	// own are the unknown facts of the rule's own condition; bmiss adds
	// those of an undetermined presupposition, miss those of undetermined
	// exceptions.
	own, bmiss, miss factSet
	// failed marks a rule whose evaluation failed; the error is in
	// scratch.errs. Keeping errors out of ruleState keeps it pointer-free,
	// so clearing the states is a plain memclr.
	failed bool
}

// scratch is the reusable working memory of one classification.
type scratch struct {
	in     input
	st     []ruleState
	dutyAt []int
	errs   map[int]error
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Classify classifies a filing under every pack on the given date (its
// calendar date in its own location). Packs must come from Load or LoadAll;
// the baseline pack, if given, supplies the scale and theme titles for the
// summary and the checklist. Classify never fails: a condition that cannot
// be evaluated makes its rule undetermined, never false.
func Classify(f accord.Filing, packs []*Pack, asOf time.Time) Result {
	return classify(f, factSet{}, packs, asOf, true)
}

// ClassifyWithheld is Classify with some inputs withheld: withheld names
// filing paths as a filing's confidential list does ("facts.profiling",
// "affected_persons"). A withheld fact or list is unknown to every rule,
// whether or not the filing states it, so the result depends only on what
// is not withheld (and on which inputs are). What is unknown because it is
// withheld is named in Withheld, never in Missing: the tier the other
// inputs guarantee, what rests on withheld ones, and no withheld value.
// Paths classification never reads are ignored.
func ClassifyWithheld(f accord.Filing, withheld []string, packs []*Pack, asOf time.Time) Result {
	return classify(f, withheldSet(withheld), packs, asOf, true)
}

// Outcome is Classify without the explanations: each framework's
// applicability and reason, tier (with AtLeast and Possible when
// undetermined) and baseline level, and the summary, exactly as Classify
// gives them, but no fired, cancelled, undetermined or upcoming rules, no
// obligations, missing facts or checklist. Re-classifying a whole registry after a rule
// change needs only this, and building the explanations is most of the
// work of a classification.
func Outcome(f accord.Filing, packs []*Pack, asOf time.Time) Result {
	return classify(f, factSet{}, packs, asOf, false)
}

// OutcomeWithheld is Outcome with inputs withheld, as ClassifyWithheld.
func OutcomeWithheld(f accord.Filing, withheld []string, packs []*Pack, asOf time.Time) Result {
	return classify(f, withheldSet(withheld), packs, asOf, false)
}

func classify(f accord.Filing, withheld factSet, packs []*Pack, asOf time.Time, explain bool) Result {
	sc := scratchPool.Get().(*scratch)
	defer func() {
		sc.in.release()
		scratchPool.Put(sc)
	}()
	sc.in.reset(&f, withheld)
	date := DateOf(asOf)
	res := Result{AsOf: date, Withheld: withheld.paths()}
	var baseline *Pack
	n := 0
	for _, p := range packs {
		if p != nil && p.c != nil && !p.IsBaseline() {
			n++
		}
	}
	res.Frameworks = make([]Framework, 0, n)
	for _, p := range packs {
		if p == nil || p.c == nil {
			continue
		}
		if p.IsBaseline() {
			if baseline == nil {
				baseline = p
			}
			continue
		}
		res.Frameworks = append(res.Frameworks, sc.classifyPack(p, date, explain))
	}
	res.Summary = summarize(res.Frameworks, packs, baseline)
	if explain {
		res.Checklist = checklist(res.Frameworks, baseline)
	}
	return res
}

func (sc *scratch) classifyPack(p *Pack, date Date, explain bool) Framework {
	in, c := &sc.in, p.c
	fw := Framework{
		Pack: p.ID, Version: p.Version, Hash: p.Hash, Jurisdiction: p.Jurisdiction, Name: p.Name,
		Fired: []Hit{}, Obligations: []Duty{},
	}
	if !inRange(date, p.EffectiveFrom, p.EffectiveUntil) {
		fw.Applicable, fw.Tier = NotApplicable, TierNotApplicable
		fw.Reason = &Reason{Text: accord.Text{"en": "The pack is not in force on " + string(date) + " (in force " + describeRange(p.EffectiveFrom, p.EffectiveUntil) + ")."}}
		return fw
	}

	// Scope: applies_when and not excluded.
	var appMiss factSet
	app, _ := in.eval(c.appliesWhen, &appMiss)
	var exclT, exclU *Exclusion
	var exclMiss factSet
	if app != triF {
		for i := range p.Exclusions {
			x := &p.Exclusions[i]
			xf, xu := p.effRange(x.EffectiveFrom, x.EffectiveUntil)
			if !inRange(date, xf, xu) || len(x.UnlessTier) > 0 {
				continue // one that depends on the outcome is weighed after the rules
			}
			switch v, _ := in.eval(c.exclusions[i], &exclMiss); v {
			case triT:
				if exclT == nil {
					exclT = x
				}
			case triU:
				if exclU == nil {
					exclU = x
				}
			}
		}
	}
	if app == triF || exclT != nil {
		fw.Applicable, fw.Tier = NotApplicable, TierNotApplicable
		if app == triF {
			fw.Reason = &Reason{Text: p.NotApplicable}
		} else {
			fw.Reason = &Reason{Text: exclT.Title, Exclusion: exclT.ID, Citation: exclT.Citation}
		}
		return fw
	}
	fw.Applicable = Applicable
	var scopeMiss factSet
	if app == triU || exclU != nil {
		fw.Applicable = Undetermined
		if app == triU {
			scopeMiss = appMiss
		}
		scopeMiss = scopeMiss.union(exclMiss)
		r := &Reason{Text: p.NotApplicable, Missing: in.missing(scopeMiss).names(), Withheld: in.withheld.inter(scopeMiss).paths()}
		if exclU != nil {
			r.Text, r.Exclusion, r.Citation = exclU.Title, exclU.ID, exclU.Citation
		}
		fw.Reason = r
	}

	// Rules, three-valued. An exception is evaluated only when a rule it
	// is an exception to holds.
	n := len(p.Rules)
	if cap(sc.st) < n {
		sc.st = make([]ruleState, n)
	}
	st := sc.st[:n]
	clear(st)
	inForce := c.inForceOn(date)
	for i := range st {
		st[i].inForce = inForce[i]
	}
	clear(sc.errs)
	ev := packEval{in: in, c: c, st: st, sc: sc}
	nFired, nDuties, nCancelled, nPending := 0, 0, 0, 0
	// Rules that are neither exceptions nor excepted (most of them) need
	// no graph walk: they fire exactly when their condition holds.
	for i := range st {
		s := &st[i]
		if !c.plain[i] || !s.inForce {
			continue
		}
		ev.val(i)
		s.base, s.eff, s.baseDone, s.effDone = s.val, s.val, true, true
		if s.val == triU {
			s.bmiss, s.miss = s.own, s.own
		}
	}
	for i := range st {
		switch ev.eff(i) {
		case triT:
			nFired++
			nDuties += len(p.Rules[i].Obligations)
		case triU:
			nPending++
		case triF:
			if st[i].base == triT {
				nCancelled++
			}
		}
	}

	// The tier: the most severe tier of a fired rule; undetermined when a
	// rule that could raise it depends on a missing fact.
	low := c.defaultRank
	for i := range st {
		if st[i].eff == triT && c.rank[i] >= 0 && c.rank[i] < low {
			low = c.rank[i]
		}
	}
	var raise factSet
	var raisable [16]bool // by rank; packs have few tiers
	anyRaise := false
	for i := range st {
		if st[i].eff == triU && c.rank[i] >= 0 && c.rank[i] < low {
			raise = raise.union(st[i].miss)
			if c.rank[i] < len(raisable) {
				raisable[c.rank[i]] = true
			}
			anyRaise = true
		}
	}
	// Exclusions that depend on the outcome (unless_tier): the filing is
	// out of scope when the condition holds and the tier cannot be one that
	// keeps it in.
	if c.conditional {
		x, v, m := sc.conditionalExclusion(p, date, low, &raisable, raise)
		switch {
		case v == triT && fw.Applicable == Applicable:
			return Framework{
				Pack: fw.Pack, Version: fw.Version, Hash: fw.Hash, Jurisdiction: fw.Jurisdiction, Name: fw.Name,
				Applicable: NotApplicable, Tier: TierNotApplicable, Fired: []Hit{}, Obligations: []Duty{},
				Reason: &Reason{Text: x.Title, Exclusion: x.ID, Citation: x.Citation},
			}
		case v != triF && fw.Applicable != Undetermined:
			// Held, or undetermined, while the scope itself is undetermined
			// or the tier could go either way.
			fw.Applicable = Undetermined
			scopeMiss = scopeMiss.union(m)
			fw.Reason = &Reason{Text: x.Title, Exclusion: x.ID, Citation: x.Citation, Missing: in.missing(m).names(), Withheld: in.withheld.inter(m).paths()}
		case v != triF:
			scopeMiss = scopeMiss.union(m)
			fw.Reason.Missing = in.missing(scopeMiss).names()
			fw.Reason.Withheld = in.withheld.inter(scopeMiss).paths()
		}
	}
	lowTier := p.Tiers[low]
	fw.Baseline = lowTier.Baseline
	if anyRaise || fw.Applicable == Undetermined {
		fw.Tier = TierUndetermined
		fw.AtLeast = lowTier.ID
		for r := 0; r < low && r < len(raisable); r++ {
			if raisable[r] {
				fw.Possible = append(fw.Possible, p.Tiers[r].ID)
			}
		}
	} else {
		fw.Tier = lowTier.ID
		fw.TierTitle = lowTier.Title
	}
	if !explain {
		return fw
	}

	// Explanations and duties.
	fw.Fired = make([]Hit, 0, nFired)
	fw.Obligations = make([]Duty, 0, nDuties)
	if nCancelled > 0 {
		fw.Cancelled = make([]Cancellation, 0, nCancelled)
	}
	if nPending > 0 {
		fw.Undetermined = make([]Pending, 0, nPending)
	}
	// One backing array for every explanation's facts and every missing
	// list: an incomplete filing has dozens of undetermined rules.
	nFacts, nNames := 0, 0
	for i := range st {
		s := &st[i]
		if s.inForce && (s.eff != triF || s.base == triT) {
			nFacts += len(c.rules[i].reads)
		}
		if s.inForce && s.eff == triU {
			nNames += in.missing(s.miss).count()
		}
	}
	factBuf := make([]Fact, nFacts)
	var nameBuf []string
	if nNames > 0 {
		nameBuf = make([]string, 0, nNames)
	}
	hit := func(r *RuleRef, cond *condition) Hit {
		n := len(cond.reads)
		if len(factBuf) < n { // cannot happen: the counts above match the cases below
			factBuf = make([]Fact, n)
		}
		h := in.hit(r, cond, factBuf[:0:n])
		factBuf = factBuf[n:]
		return h
	}
	if cap(sc.dutyAt) < c.nDuty {
		sc.dutyAt = make([]int, c.nDuty)
	}
	dutyAt := sc.dutyAt[:c.nDuty]
	clear(dutyAt)
	for i := range st {
		s := &st[i]
		r := &p.Rules[i]
		switch {
		case !s.inForce:
			if c.from[i] > date {
				var m factSet
				if v, _ := in.eval(c.rules[i], &m); v == triT {
					fw.Upcoming = append(fw.Upcoming, Upcoming{Rule: r.ID, Citation: r.Citation, Title: r.Title, Tier: r.Tier, EffectiveFrom: c.from[i]})
				}
			}
		case s.eff == triT:
			fw.Fired = append(fw.Fired, hit(c.ref[i], c.rules[i]))
			for j := range r.Obligations {
				from := r.Obligations[j].AppliesFrom
				if from == "" {
					from = c.from[i]
				}
				k := c.dutyKey[i][j]
				if at := dutyAt[k]; at > 0 {
					d := &fw.Obligations[at-1]
					d.Rules = append(d.Rules, r.ID)
					if from < d.AppliesFrom {
						d.AppliesFrom, d.Applies = from, from <= date
					}
					continue
				}
				fw.Obligations = append(fw.Obligations, Duty{
					Pack: p.ID, Rule: r.ID, DutyTerms: c.terms[i][j], AppliesFrom: from, Applies: from <= date,
					Deadline: r.Obligations[j].Deadline, FilerBears: filerBears(r.Obligations[j].Bearer, in.lists[slotRoles]),
				})
				dutyAt[k] = len(fw.Obligations)
			}
		case s.base == triT && s.eff == triF:
			cn := Cancellation{Hit: hit(c.ref[i], c.rules[i])}
			for _, e := range c.excs[i] {
				if st[e].eff == triT {
					x := &p.Rules[e]
					cn.By = append(cn.By, ExceptionRef{Rule: x.ID, Citation: x.Citation, Title: x.Title, Rationale: x.Rationale})
				}
			}
			fw.Cancelled = append(fw.Cancelled, cn)
		case s.eff == triU:
			start := len(nameBuf)
			nameBuf = in.missing(s.miss).appendNames(nameBuf)
			pd := Pending{Hit: hit(c.ref[i], c.rules[i]), Missing: nameBuf[start:len(nameBuf):len(nameBuf)], Withheld: in.withheld.inter(s.miss).paths()}
			if pd.Missing == nil {
				pd.Missing = []string{}
			}
			for _, e := range c.excs[i] {
				if st[e].eff == triU {
					pd.Exceptions = append(pd.Exceptions, p.Rules[e].ID)
				}
			}
			if s.failed {
				pd.Error = sc.errs[i].Error()
			}
			fw.Undetermined = append(fw.Undetermined, pd)
		}
	}
	// A duty several rules bring lists them all, first rule first.
	for i := range fw.Obligations {
		if d := &fw.Obligations[i]; len(d.Rules) > 0 {
			d.Rules = append([]string{d.Rule}, d.Rules...)
		}
	}
	undecided := raise.union(scopeMiss)
	fw.Missing, fw.Withheld = in.missing(undecided).names(), in.withheld.inter(undecided).paths()
	return fw
}

// missing is what of a set of unknown inputs the filing leaves out: those
// not withheld.
func (in *input) missing(s factSet) factSet { return s.minus(in.withheld) }

// packEval computes the three-valued outcome of a pack's rules.
type packEval struct {
	in *input
	c  *compiledPack
	st []ruleState
	sc *scratch
}

// val evaluates a rule's own condition, once.
func (e *packEval) val(i int) tri {
	s := &e.st[i]
	if !s.evaluated {
		s.evaluated = true
		var err error
		s.val, err = e.in.eval(e.c.rules[i], &s.own)
		if err != nil {
			if e.sc.errs == nil {
				e.sc.errs = map[int]error{}
			}
			e.sc.errs[i] = err
			s.failed = true
		}
	}
	return s.val
}

// base is a rule's condition and, for an exception, its presupposition: an
// exception only matters where a rule it is an exception to holds.
func (e *packEval) base(i int) tri {
	s := &e.st[i]
	if s.baseDone {
		return s.base
	}
	s.baseDone = true // the exception graph is acyclic (Load checks it)
	if !s.inForce {
		s.base = triF
		return s.base
	}
	anyT, m := triT, factSet{}
	if len(e.c.targets[i]) > 0 {
		anyT = triF
		for _, t := range e.c.targets[i] {
			tb := e.base(t)
			anyT = or(anyT, tb)
			if tb == triU {
				m = m.union(e.st[t].bmiss)
			}
		}
	}
	if anyT == triF {
		s.base = triF
		return s.base
	}
	v := e.val(i)
	s.base = and(v, anyT)
	if s.base == triU {
		if v == triU {
			s.bmiss = s.own
		}
		if anyT == triU {
			s.bmiss = s.bmiss.union(m)
		}
	}
	return s.base
}

// eff is whether a rule fires: it holds and no exception to it fires.
func (e *packEval) eff(i int) tri {
	s := &e.st[i]
	if s.effDone {
		return s.eff
	}
	s.effDone = true
	b := e.base(i)
	if b == triF {
		s.eff = triF
		return s.eff
	}
	exc := triF
	var m factSet
	for _, x := range e.c.excs[i] {
		xv := e.eff(x)
		exc = or(exc, xv)
		if xv == triU {
			m = m.union(e.st[x].miss)
		}
	}
	s.eff = and(b, not(exc))
	if s.eff == triU {
		s.miss = s.bmiss
		if exc == triU {
			s.miss = s.miss.union(m)
		}
	}
	return s.eff
}

// hit explains a rule: its inputs and their values.
// buf has room for the condition's inputs.
func (in *input) hit(r *RuleRef, c *condition, buf []Fact) Hit {
	h := Hit{RuleRef: r, Facts: buf}
	for _, name := range c.reads {
		slot := slotOf[name]
		switch {
		case slot < len(listVarsArr):
			if in.wlists && in.withheld.hasList(slot) {
				h.Facts = append(h.Facts, Fact{Name: name, Withheld: true})
				continue
			}
			if in.boxed[slot] == nil {
				l := in.lists[slot]
				if l == nil {
					l = []string{}
				}
				in.boxed[slot] = l
			}
			h.Facts = append(h.Facts, Fact{Name: name, Value: in.boxed[slot]})
		case slot == slotStatus:
			h.Facts = append(h.Facts, Fact{Name: name, Value: in.status})
		default:
			v := in.vals[slot]
			if v == nil {
				if in.withheld.has(slot - slotFacts) {
					h.Facts = append(h.Facts, Fact{Name: name, Withheld: true})
				} else {
					h.Facts = append(h.Facts, Fact{Name: name, Unknown: true})
				}
				continue
			}
			val := v.Value()
			if x, ok := val.(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
				val = strconv.FormatFloat(x, 'g', -1, 64) // JSON has no NaN or infinity
			}
			h.Facts = append(h.Facts, Fact{Name: name, Value: val})
		}
	}
	return h
}

// defaultLevels is the baseline scale when no baseline pack is given.
var defaultLevels = []string{"unacceptable", "high", "limited", "minimal"}

func summarize(fws []Framework, packs []*Pack, baseline *Pack) Summary {
	levels := defaultLevels
	if baseline != nil {
		levels = baseline.c.levels
	}
	rank := func(l string) int {
		for i, x := range levels {
			if x == l {
				return i
			}
		}
		return len(levels)
	}
	low, high := len(levels), len(levels)
	applies := false
	for i := range fws {
		fw := &fws[i]
		if fw.Applicable == NotApplicable {
			continue
		}
		applies = true
		r := rank(fw.Baseline)
		if fw.Applicable == Applicable {
			low = min(low, r)
		}
		high = min(high, r)
		if len(fw.Possible) > 0 {
			if p := packByID(packs, fw.Pack); p != nil {
				for _, t := range fw.Possible {
					if tier, ok := p.Tier(t); ok {
						high = min(high, rank(tier.Baseline))
					}
				}
			}
		}
	}
	if !applies {
		return Summary{Level: TierNotApplicable}
	}
	at := func(r int) []string {
		var out []string
		for i := range fws {
			if fws[i].Applicable == Applicable && rank(fws[i].Baseline) == r {
				out = append(out, fws[i].Pack)
			}
		}
		return out
	}
	var s Summary
	switch {
	case high < low:
		s.Level = TierUndetermined
		if low < len(levels) {
			s.AtLeast = levels[low]
			s.Frameworks = at(low)
		}
	case low < len(levels):
		s.Level = levels[low]
		s.Frameworks = at(low)
	}
	return s
}

func packByID(packs []*Pack, id string) *Pack {
	for _, p := range packs {
		if p != nil && p.ID == id {
			return p
		}
	}
	return nil
}

// checklist merges the duties of the applicable frameworks by theme, in the
// baseline's theme order (themes the baseline lacks come last).
func checklist(fws []Framework, baseline *Pack) []ThemeDuties {
	var themeAt map[string]int
	var themes []Theme
	if baseline != nil {
		themeAt, themes = baseline.c.themeAt, baseline.Themes
	}
	var extra []string
	var countsBuf, slotBuf [32]int // on the stack for the usual number of themes
	counts := append(countsBuf[:0], make([]int, len(themes))...)
	for i := range fws {
		if fws[i].Applicable == NotApplicable {
			continue
		}
		for j := range fws[i].Obligations {
			t := fws[i].Obligations[j].Theme
			if k, ok := themeAt[t]; ok {
				counts[k]++
				continue
			}
			k := slices.Index(extra, t)
			if k < 0 {
				extra = append(extra, t)
				counts = append(counts, 0)
				k = len(extra) - 1
			}
			counts[len(themes)+k]++
		}
	}
	nonEmpty := 0
	for _, n := range counts {
		if n > 0 {
			nonEmpty++
		}
	}
	out := make([]ThemeDuties, 0, nonEmpty)
	slot := slotBuf[:0]
	for range counts {
		slot = append(slot, 0)
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	backing := make([]*Duty, total) // one allocation for every theme's duties
	for k, n := range counts {
		if n == 0 {
			slot[k] = -1
			continue
		}
		td := ThemeDuties{Duties: backing[:0:n]}
		backing = backing[n:]
		if k < len(themes) {
			td.Theme, td.Title = themes[k].ID, themes[k].Title
		} else {
			td.Theme = extra[k-len(themes)]
		}
		slot[k] = len(out)
		out = append(out, td)
	}
	for i := range fws {
		if fws[i].Applicable == NotApplicable {
			continue
		}
		for j := range fws[i].Obligations {
			d := &fws[i].Obligations[j]
			k, ok := themeAt[d.Theme]
			if !ok {
				k = len(themes) + slices.Index(extra, d.Theme)
			}
			out[slot[k]].Duties = append(out[slot[k]].Duties, d)
		}
	}
	return out
}

// conditionalExclusion weighs the exclusions with unless_tier once the tier
// is known as far as it can be: low is the rank of the tier the filing has
// at least, raisable the more severe ranks undetermined rules could raise it
// to (raise their missing facts). It returns the first exclusion that holds
// (triT), else the first that may hold (triU) with the facts that would
// decide it.
func (sc *scratch) conditionalExclusion(p *Pack, date Date, low int, raisable *[16]bool, raise factSet) (*Exclusion, tri, factSet) {
	in, c := &sc.in, p.c
	var firstU *Exclusion
	var missU factSet
	for i := range p.Exclusions {
		x := &p.Exclusions[i]
		if len(x.UnlessTier) == 0 {
			continue
		}
		xf, xu := p.effRange(x.EffectiveFrom, x.EffectiveUntil)
		if !inRange(date, xf, xu) || slices.Contains(x.UnlessTier, p.Tiers[low].ID) {
			continue // at least a tier that keeps the filing in scope
		}
		var m factSet
		v, _ := in.eval(c.exclusions[i], &m)
		if v == triF {
			continue
		}
		// The tier could still rise to one that keeps the filing in scope.
		kept := false
		for r := 0; r < low && r < len(raisable); r++ {
			kept = kept || (raisable[r] && slices.Contains(x.UnlessTier, p.Tiers[r].ID))
		}
		if v == triT && !kept {
			return x, triT, factSet{}
		}
		if firstU == nil {
			firstU = x
			if kept {
				m = m.union(raise)
			}
			missU = m
		}
	}
	if firstU != nil {
		return firstU, triU, missU
	}
	return nil, triF, factSet{}
}

var yes, no = true, false

// filerBears says whether a filer with the given roles bears an obligation
// of the bearer: nil when no role is stated. A product manufacturer that
// places the system on the market with its product under its own name is
// the provider (EU AI Act Art. 25(3)); importers, distributors and
// authorised representatives bear none of a pack's provider or deployer
// duties (their own, e.g. Art. 22–24, are not encoded).
func filerBears(bearer string, roles []string) *bool {
	if len(roles) == 0 {
		return nil
	}
	provider := slices.Contains(roles, "provider") || slices.Contains(roles, "product_manufacturer")
	deployer := slices.Contains(roles, "deployer")
	switch {
	case bearer == "provider" && provider, bearer == "deployer" && deployer, bearer == "both" && (provider || deployer):
		return &yes
	}
	return &no
}

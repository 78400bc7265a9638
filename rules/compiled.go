package rules

import (
	"maps"
	"sync"
	"sync/atomic"

	"cel.dev/cel-go/cel"
)

// condition is a compiled CEL condition.
type condition struct {
	src string
	// fast runs when the condition reads no unknown fact; partial (CEL
	// partial evaluation) when it does; guarded, cost-limited, when the
	// filing exceeds the bounds the static cost check assumed. A condition
	// with a tree rarely needs them (tests, oversized filings), so they are
	// dropped after load and compiled again from src on first use.
	fast, partial, guarded cel.Program
	env                    *cel.Env
	once                   sync.Once
	planErr                error
	reads                  []string // variables read, for explanations
	facts                  []int    // facts read (indices into facts)
	lists                  []int    // filing lists read (slots), which a caller may withhold
	// tree is the condition's boolean skeleton (tree.go), nil when the
	// whole condition is one CEL leaf.
	tree *node
}

// index finds the facts and lists among the variables a condition reads.
func (c *condition) index() {
	for _, name := range c.reads {
		if i, ok := factByCEL[name]; ok {
			c.facts = append(c.facts, i)
		} else if slot, ok := slotOf[name]; ok && slot < len(listVarsArr) {
			c.lists = append(c.lists, slot)
		}
	}
}

// plan builds a condition's three programs.
func plan(env *cel.Env, ast *cel.Ast) (fast, partial, guarded cel.Program, err error) {
	if fast, err = env.Program(ast, cel.EvalOptions(cel.OptOptimize)); err != nil {
		return
	}
	if partial, err = env.Program(ast, cel.EvalOptions(cel.OptOptimize, cel.OptPartialEval)); err != nil {
		return
	}
	guarded, err = env.Program(ast, cel.EvalOptions(cel.OptOptimize, cel.OptPartialEval), cel.CostLimit(maxRuleCost))
	return
}

// programs makes sure the condition's programs exist.
func (c *condition) programs() error {
	c.once.Do(func() {
		if c.fast != nil {
			return
		}
		a, iss := c.env.Compile(c.src)
		if iss != nil && iss.Err() != nil {
			c.planErr = iss.Err() // cannot happen: Load compiled the same source
			return
		}
		c.fast, c.partial, c.guarded, c.planErr = plan(c.env, a)
	})
	return c.planErr
}

// compiledPack is what Load derives from a pack for evaluation.
type compiledPack struct {
	appliesWhen *condition
	exclusions  []*condition
	// conditional is set when an exclusion has unless_tier.
	conditional bool
	rules       []*condition
	// targets[i] lists the rules rule i is an exception to; excs[i] the
	// rules that are exceptions to rule i (all versions of each id).
	targets, excs [][]int
	// plain[i] is set when rule i is neither an exception nor excepted.
	plain []bool
	// rank[i] is the severity of rule i's tier (0 = most severe), or -1;
	// mrank[i] that of its model tier among the model tiers.
	rank, mrank                   []int
	defaultRank, defaultModelRank int
	// forSystem[i] and forModel[i] say whether rule i reads filings of
	// that kind (Rule.Kind).
	forSystem, forModel []bool
	// from[i], until[i] are rule i's effective range with the pack's defaults.
	from, until []Date
	// textFrom[i], textUntil[i] are when rule i's text is the law (by the
	// pack's amendments); changes are what the amendments changed.
	textFrom, textUntil []Date
	changes             []change
	amendmentRefs       [][]AmendmentRef
	// changeRules[k] are the entries of change k's rule.
	changeRules [][]int
	// dutyKey[i][j] identifies obligation j of rule i up to identical
	// content, so that one duty brought by several rules is listed once.
	dutyKey [][]int
	nDuty   int
	// ref[i] and terms[i][j] are what results say of rule i and of its
	// obligation j; results point to them rather than copy them.
	ref   []*RuleRef
	terms [][]*DutyTerms
	// Baseline pack only: the levels (and model levels) in order and each
	// theme's position.
	levels, modelLevels []string
	themeAt             map[string]int
	// inForce caches which rules are in force on the last date asked:
	// classifications come in runs with the same date.
	inForce atomic.Pointer[inForceOn]
}

type inForceOn struct {
	date Date
	// rules[i]: rule i is in force; current[i]: its text is the law (it
	// may take effect later); cur lists the current rules' indices.
	rules, current []bool
	cur            []int
}

// inForceOn returns, for each rule, whether it is in force on date, and
// whether its text is the law on date.
func (c *compiledPack) inForceOn(date Date) (inForce, current []bool, cur []int) {
	if e := c.inForce.Load(); e != nil && e.date == date {
		return e.rules, e.current, e.cur
	}
	e := &inForceOn{date: date, rules: make([]bool, len(c.from)), current: make([]bool, len(c.from))}
	for i := range c.from {
		e.current[i] = inRange(date, c.textFrom[i], c.textUntil[i])
		e.rules[i] = e.current[i] && inRange(date, c.from[i], c.until[i])
		if e.current[i] {
			e.cur = append(e.cur, i)
		}
	}
	c.inForce.Store(e)
	return e.rules, e.current, e.cur
}

func (c *compiledPack) index(p *Pack) {
	n := len(p.Rules)
	c.targets = make([][]int, n)
	c.excs = make([][]int, n)
	c.rank = make([]int, n)
	c.mrank = make([]int, n)
	c.forSystem = make([]bool, n)
	c.forModel = make([]bool, n)
	c.from = make([]Date, n)
	c.until = make([]Date, n)
	c.textFrom = make([]Date, n)
	c.textUntil = make([]Date, n)
	c.dutyKey = make([][]int, n)
	c.ref = make([]*RuleRef, n)
	c.terms = make([][]*DutyTerms, n)
	byID := map[string][]int{}
	for i, r := range p.Rules {
		byID[r.ID] = append(byID[r.ID], i)
	}
	var rankOf, modelRankOf map[string]int
	rankOf, c.defaultRank = tierRanks(p.Tiers, p.DefaultTier)
	modelRankOf, c.defaultModelRank = tierRanks(p.ModelTiers, p.DefaultModelTier)
	var keys []Obligation
	byOblID := map[string][]int{} // obligation id → keys with that id
	for i, r := range p.Rules {
		for _, t := range r.ExceptionTo {
			for _, j := range byID[t] {
				// An exception in one text of the law cancels rules of that
				// text only: entries never the law together are not linked.
				fi, ui := p.textRange(&p.Rules[i])
				fj, uj := p.textRange(&p.Rules[j])
				if !overlaps(fi, ui, fj, uj) {
					continue
				}
				c.targets[i] = append(c.targets[i], j)
				c.excs[j] = append(c.excs[j], i)
			}
		}
		c.rank[i], c.mrank[i] = -1, -1
		if rk, ok := rankOf[r.Tier]; ok && r.Tier != "" {
			c.rank[i] = rk
		}
		if rk, ok := modelRankOf[r.ModelTier]; ok && r.ModelTier != "" {
			c.mrank[i] = rk
		}
		c.forSystem[i] = r.Kind == "" || r.Kind == RuleSystem || r.Kind == RuleAny
		c.forModel[i] = r.Kind == RuleModel || r.Kind == RuleAny
		c.from[i], c.until[i] = p.effRange(r.EffectiveFrom, r.EffectiveUntil)
		c.textFrom[i], c.textUntil[i] = p.textRange(&p.Rules[i])
		c.ref[i] = &RuleRef{Rule: r.ID, Citation: r.Citation, Title: r.Title, Rationale: r.Rationale, Tier: r.Tier, ModelTier: r.ModelTier, AmendedBy: p.amendedCitation(&p.Rules[i])}
		c.dutyKey[i] = make([]int, len(r.Obligations))
		c.terms[i] = make([]*DutyTerms, len(r.Obligations))
		for j, o := range r.Obligations {
			c.terms[i][j] = &DutyTerms{ID: o.ID, Citation: o.Citation, Bearer: o.Bearer, Theme: o.Theme, Text: o.Text}
			k := -1
			for _, cand := range byOblID[o.ID] {
				if sameObligation(keys[cand], o) {
					k = cand
					break
				}
			}
			if k < 0 {
				k = len(keys)
				keys = append(keys, o)
				byOblID[o.ID] = append(byOblID[o.ID], k)
			}
			c.dutyKey[i][j] = k
		}
	}
	c.nDuty = len(keys)
	c.changes = amendmentChanges(p)
	c.amendmentRefs = amendmentRefs(p)
	c.changeRules = make([][]int, len(c.changes))
	for k, ch := range c.changes {
		c.changeRules[k] = byID[ch.Rule]
	}
	c.plain = make([]bool, n)
	for i := range c.plain {
		c.plain[i] = len(c.targets[i]) == 0 && len(c.excs[i]) == 0
	}
	if p.IsBaseline() {
		c.levels = tierIDs(p)
		c.modelLevels = tierIDsOf(p.ModelTiers)
		c.themeAt = make(map[string]int, len(p.Themes))
		for i, t := range p.Themes {
			c.themeAt[t.ID] = i
		}
	}
}

func sameObligation(a, b Obligation) bool {
	return a.ID == b.ID && a.Citation == b.Citation && a.Bearer == b.Bearer && a.Theme == b.Theme &&
		a.AppliesFrom == b.AppliesFrom && maps.Equal(a.Text, b.Text) && maps.Equal(a.Deadline, b.Deadline)
}

// tierRanks maps a scale's tier ids to their ranks (0 is the most severe)
// and gives the rank of its default tier (the least severe if the default
// is not one of them).
func tierRanks(tiers []Tier, def string) (map[string]int, int) {
	rank := make(map[string]int, len(tiers))
	for i, t := range tiers {
		rank[t.ID] = i
	}
	d, ok := rank[def]
	if !ok {
		d = len(tiers) - 1
	}
	return rank, d
}

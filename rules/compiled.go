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
	// rank[i] is the severity of rule i's tier (0 = most severe), or -1.
	rank        []int
	defaultRank int
	// from[i], until[i] are rule i's effective range with the pack's defaults.
	from, until []Date
	// dutyKey[i][j] identifies obligation j of rule i up to identical
	// content, so that one duty brought by several rules is listed once.
	dutyKey [][]int
	nDuty   int
	// ref[i] and terms[i][j] are what results say of rule i and of its
	// obligation j; results point to them rather than copy them.
	ref   []*RuleRef
	terms [][]*DutyTerms
	// Baseline pack only: the levels in order and each theme's position.
	levels  []string
	themeAt map[string]int
	// inForce caches which rules are in force on the last date asked:
	// classifications come in runs with the same date.
	inForce atomic.Pointer[inForceOn]
}

type inForceOn struct {
	date  Date
	rules []bool
}

// inForceOn returns, for each rule, whether it is in force on date.
func (c *compiledPack) inForceOn(date Date) []bool {
	if e := c.inForce.Load(); e != nil && e.date == date {
		return e.rules
	}
	e := &inForceOn{date: date, rules: make([]bool, len(c.from))}
	for i := range c.from {
		e.rules[i] = inRange(date, c.from[i], c.until[i])
	}
	c.inForce.Store(e)
	return e.rules
}

func (c *compiledPack) index(p *Pack) {
	n := len(p.Rules)
	c.targets = make([][]int, n)
	c.excs = make([][]int, n)
	c.rank = make([]int, n)
	c.from = make([]Date, n)
	c.until = make([]Date, n)
	c.dutyKey = make([][]int, n)
	c.ref = make([]*RuleRef, n)
	c.terms = make([][]*DutyTerms, n)
	byID := map[string][]int{}
	for i, r := range p.Rules {
		byID[r.ID] = append(byID[r.ID], i)
	}
	rankOf := map[string]int{}
	for i, t := range p.Tiers {
		rankOf[t.ID] = i
	}
	c.defaultRank = len(p.Tiers) - 1
	if r, ok := rankOf[p.DefaultTier]; ok {
		c.defaultRank = r
	}
	var keys []Obligation
	byOblID := map[string][]int{} // obligation id → keys with that id
	for i, r := range p.Rules {
		for _, t := range r.ExceptionTo {
			for _, j := range byID[t] {
				c.targets[i] = append(c.targets[i], j)
				c.excs[j] = append(c.excs[j], i)
			}
		}
		c.rank[i] = -1
		if rk, ok := rankOf[r.Tier]; ok && r.Tier != "" {
			c.rank[i] = rk
		}
		c.from[i], c.until[i] = p.effRange(r.EffectiveFrom, r.EffectiveUntil)
		c.ref[i] = &RuleRef{Rule: r.ID, Citation: r.Citation, Title: r.Title, Rationale: r.Rationale, Tier: r.Tier}
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
	c.plain = make([]bool, n)
	for i := range c.plain {
		c.plain[i] = len(c.targets[i]) == 0 && len(c.excs[i]) == 0
	}
	if p.IsBaseline() {
		c.levels = tierIDs(p)
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

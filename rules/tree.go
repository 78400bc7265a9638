package rules

import (
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/parser"
)

// Rule conditions are CEL: parsed, type-checked and cost-bounded by CEL at
// load. Entering the CEL interpreter costs a few hundred nanoseconds even
// for "'employment.recruitment' in domains", and a pack has dozens of
// rules, so the loader also compiles each condition's boolean skeleton
// (&&, ||, !, true/false) into a tree whose leaves are decided directly when
// they are simple (a boolean fact, a fact compared with a constant, a code
// tested in a filing list) and by CEL otherwise, with partial evaluation
// when a leaf reads an unknown fact. The tree combines leaves with Kleene's
// three-valued logic, which is what CEL's partial evaluation computes for
// && and || (false && unknown is false, true || unknown is true).
// TestNativeAgreesWithCEL checks, for every condition of every embedded pack
// and thousands of filings, that the tree and CEL on the whole condition
// give the same result and name the same missing facts.

// atom holds when the list in slot has an element among codes or starting
// with one of prefixes.
type atom struct {
	slot     int
	codes    []string
	prefixes []string
}

func (in *input) holds(a *atom) bool {
	for _, s := range in.lists[a.slot] {
		if slices.Contains(a.codes, s) {
			return true
		}
		for _, p := range a.prefixes {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
	}
	return false
}

type nodeKind uint8

const (
	nConst nodeKind = iota // val
	nFact                  // a boolean fact
	nAtom                  // a list test
	nCmp                   // a fact compared with a constant
	nAnd
	nOr
	nNot
	nLeaf // anything else: evaluated by CEL
)

type node struct {
	kind nodeKind
	val  bool
	fact int
	atom atom
	op   string  // nCmp: a CEL comparison operator
	k    ref.Val // nCmp: the constant
	kids []*node
	leaf *condition
}

// evalNode evaluates a node three-valued. When the result is unknown it
// adds the facts it depends on to miss.
func (in *input) evalNode(n *node, miss *factSet) (tri, error) {
	switch n.kind {
	case nConst:
		if n.val {
			return triT, nil
		}
		return triF, nil
	case nFact:
		switch in.vals[slotFacts+n.fact] {
		case nil:
			miss.add(n.fact)
			return triU, nil
		case types.True:
			return triT, nil
		}
		return triF, nil
	case nAtom:
		if in.wlists && in.withheld.hasList(n.atom.slot) {
			miss.addList(n.atom.slot)
			return triU, nil
		}
		if in.holds(&n.atom) {
			return triT, nil
		}
		return triF, nil
	case nCmp:
		v := in.vals[slotFacts+n.fact]
		if v == nil {
			miss.add(n.fact)
			return triU, nil
		}
		if r, err := compare(v, n.op, n.k); err == nil {
			return r, nil
		}
		// NaN and other edge cases: let CEL decide, exactly as it would.
		return in.evalCEL(n.leaf, miss)
	case nNot:
		v, err := in.evalNode(n.kids[0], miss)
		return not(v), err
	case nAnd, nOr:
		// Kleene: false (for and) or true (for or) decides; otherwise any
		// unknown makes the result unknown, naming every unknown operand's
		// facts, as CEL's partial evaluation does.
		decisive, res := triF, triT
		if n.kind == nOr {
			decisive, res = triT, triF
		}
		var m factSet
		var firstErr error
		for _, k := range n.kids {
			v, err := in.evalNode(k, &m)
			if v == decisive {
				return decisive, nil
			}
			if v == triU {
				res = triU
				if firstErr == nil {
					firstErr = err
				}
			}
		}
		if res == triU {
			*miss = miss.union(m)
			return triU, firstErr
		}
		return res, nil
	}
	return in.evalCEL(n.leaf, miss)
}

// compare applies a CEL comparison to a fact's value, with CEL's own
// functions, so that NaN and mixed types behave as in CEL (an error, which
// counts as unknown).
func compare(v ref.Val, op string, k ref.Val) (tri, error) {
	b := func(x bool) (tri, error) {
		if x {
			return triT, nil
		}
		return triF, nil
	}
	switch op {
	case operators.Equals:
		return b(v.Equal(k) == types.True)
	case operators.NotEquals:
		return b(v.Equal(k) != types.True)
	}
	c, ok := v.(traits.Comparer)
	if !ok {
		return triU, errNotComparable
	}
	cmp := c.Compare(k)
	if cmp != types.IntNegOne && cmp != types.IntZero && cmp != types.IntOne {
		if e, ok := cmp.(*types.Err); ok {
			return triU, e
		}
		return triU, errNotComparable
	}
	switch op {
	case operators.Less:
		return b(cmp == types.IntNegOne)
	case operators.LessEquals:
		return b(cmp != types.IntOne)
	case operators.Greater:
		return b(cmp == types.IntOne)
	case operators.GreaterEquals:
		return b(cmp != types.IntNegOne)
	}
	return triU, errNotComparable
}

type constError string

func (e constError) Error() string { return string(e) }

const errNotComparable = constError("values cannot be compared")

// builder turns a checked CEL expression into a tree.
type builder struct {
	cc     *compiler
	info   *ast.SourceInfo
	consts map[string][]string
	// scalars are the pack's scalar constants, usable in comparisons.
	scalars map[string]ref.Val
	failed  bool
	whole   ast.Expr // the comparison being built, for its CEL fallback
}

func (b *builder) build(e ast.Expr) *node {
	switch e.Kind() {
	case ast.LiteralKind:
		if v, ok := e.AsLiteral().(types.Bool); ok {
			return &node{kind: nConst, val: bool(v)}
		}
	case ast.IdentKind:
		if i, ok := factByCEL[e.AsIdent()]; ok && facts[i].kind == boolKind {
			return &node{kind: nFact, fact: i}
		}
		if v, ok := b.scalars[e.AsIdent()]; ok {
			if bv, ok := v.(types.Bool); ok {
				return &node{kind: nConst, val: bool(bv)}
			}
		}
	case ast.CallKind:
		c := e.AsCall()
		args := c.Args()
		switch fn := c.FunctionName(); fn {
		case operators.LogicalAnd, operators.LogicalOr:
			kind := nAnd
			if fn == operators.LogicalOr {
				kind = nOr
			}
			n := &node{kind: kind}
			for _, a := range args {
				k := b.build(a)
				if k.kind == kind { // flatten a && (b && c)
					n.kids = append(n.kids, k.kids...)
				} else {
					n.kids = append(n.kids, k)
				}
			}
			return n
		case operators.LogicalNot:
			if len(args) == 1 {
				return &node{kind: nNot, kids: []*node{b.build(args[0])}}
			}
		case operators.In:
			if len(args) == 2 {
				if lit, ok := stringLit(args[0]); ok {
					if slot, ok := listSlot(args[1]); ok {
						return &node{kind: nAtom, atom: atom{slot: slot, codes: []string{lit}}}
					}
				}
			}
		case operators.Equals, operators.NotEquals, operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals:
			b.whole = e
			if n := b.cmp(fn, args); n != nil {
				return n
			}
		}
	case ast.ComprehensionKind:
		if a, ok := b.exists(e.AsComprehension()); ok {
			return &node{kind: nAtom, atom: a}
		}
	}
	return b.leaf(e)
}

// cmp recognises a fact compared with a literal or a scalar constant.
func (b *builder) cmp(op string, args []ast.Expr) *node {
	if len(args) != 2 {
		return nil
	}
	flip := map[string]string{operators.Less: operators.Greater, operators.Greater: operators.Less,
		operators.LessEquals: operators.GreaterEquals, operators.GreaterEquals: operators.LessEquals,
		operators.Equals: operators.Equals, operators.NotEquals: operators.NotEquals}
	for i := range 2 {
		if args[i].Kind() != ast.IdentKind {
			continue
		}
		fi, ok := factByCEL[args[i].AsIdent()]
		if !ok {
			continue
		}
		var k ref.Val
		switch o := args[1-i]; o.Kind() {
		case ast.LiteralKind:
			k = o.AsLiteral()
		case ast.IdentKind:
			k = b.scalars[o.AsIdent()]
		}
		if k == nil {
			return nil
		}
		// Only same-type comparisons: the checker allows no others here.
		if k.Type() != facts[fi].celValType() {
			return nil
		}
		if i == 1 {
			op = flip[op]
		}
		leaf := b.leaf(b.whole)
		return &node{kind: nCmp, fact: fi, op: op, k: k, leaf: leaf.leaf}
	}
	return nil
}

// exists recognises L.exists(v, p(v)) on a filing list, as expanded by the
// CEL macro (accumulator false, step "accu || p(v)"), where p only tests v
// against codes or prefixes.
func (b *builder) exists(c ast.ComprehensionExpr) (atom, bool) {
	slot, ok := listSlot(c.IterRange())
	if !ok || c.HasIterVar2() {
		return atom{}, false
	}
	if init := c.AccuInit(); init.Kind() != ast.LiteralKind || init.AsLiteral() != types.False {
		return atom{}, false
	}
	if r := c.Result(); r.Kind() != ast.IdentKind || r.AsIdent() != c.AccuVar() {
		return atom{}, false
	}
	args, ok := call(c.LoopStep(), operators.LogicalOr, 2)
	if !ok || args[0].Kind() != ast.IdentKind || args[0].AsIdent() != c.AccuVar() {
		return atom{}, false
	}
	a, ok := b.elem(args[1], c.IterVar())
	if !ok {
		return atom{}, false
	}
	a.slot = slot
	return a, true
}

// elem recognises a test of an element v that holds exactly when v is one
// of some codes or starts with one of some prefixes.
func (b *builder) elem(e ast.Expr, v string) (atom, bool) {
	isVar := func(e ast.Expr) bool { return e.Kind() == ast.IdentKind && e.AsIdent() == v }
	if args, ok := call(e, operators.LogicalOr, 2); ok {
		l, lok := b.elem(args[0], v)
		r, rok := b.elem(args[1], v)
		if !lok || !rok {
			return atom{}, false
		}
		return atom{codes: append(slices.Clone(l.codes), r.codes...), prefixes: append(slices.Clone(l.prefixes), r.prefixes...)}, true
	}
	if args, ok := call(e, operators.In, 2); ok && isVar(args[0]) {
		switch args[1].Kind() {
		case ast.ListKind:
			var codes []string
			for _, el := range args[1].AsList().Elements() {
				s, ok := stringLit(el)
				if !ok {
					return atom{}, false
				}
				codes = append(codes, s)
			}
			return atom{codes: codes}, true
		case ast.IdentKind:
			if l, ok := b.consts[args[1].AsIdent()]; ok {
				return atom{codes: l}, true
			}
		}
		return atom{}, false
	}
	if args, ok := call(e, operators.Equals, 2); ok {
		for i := range 2 {
			if s, ok := stringLit(args[1-i]); ok && isVar(args[i]) {
				return atom{codes: []string{s}}, true
			}
		}
		return atom{}, false
	}
	if e.Kind() == ast.CallKind {
		c := e.AsCall()
		if c.FunctionName() == "startsWith" && c.IsMemberFunction() && isVar(c.Target()) && len(c.Args()) == 1 {
			if s, ok := stringLit(c.Args()[0]); ok {
				return atom{prefixes: []string{s}}, true
			}
		}
	}
	return atom{}, false
}

// leaf compiles a sub-expression on its own, for CEL to evaluate.
func (b *builder) leaf(e ast.Expr) *node {
	src, err := parser.Unparse(e, b.info)
	if err != nil {
		b.failed = true
		return &node{kind: nLeaf}
	}
	c, err := b.cc.program(src)
	if err != nil {
		b.failed = true
		return &node{kind: nLeaf}
	}
	return &node{kind: nLeaf, leaf: c}
}

func listSlot(e ast.Expr) (int, bool) {
	if e.Kind() != ast.IdentKind {
		return 0, false
	}
	i := slices.Index(listVarsArr[:], e.AsIdent())
	return i, i >= 0
}

func call(e ast.Expr, fn string, n int) ([]ast.Expr, bool) {
	if e.Kind() != ast.CallKind {
		return nil, false
	}
	c := e.AsCall()
	if c.FunctionName() != fn || len(c.Args()) != n {
		return nil, false
	}
	return c.Args(), true
}

// celValType is the CEL runtime type of the fact's values.
func (f fact) celValType() ref.Type {
	switch f.kind {
	case boolKind:
		return types.BoolType
	case float64Kind:
		return types.DoubleType
	case int64Kind:
		return types.IntType
	}
	return types.StringType
}

// program compiles a boolean CEL expression into the programs a condition
// needs. It is used for the leaves of a tree.
func (cc *compiler) program(src string) (*condition, error) {
	a, iss := cc.env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, iss.Err()
	}
	if !a.OutputType().IsExactType(cel.BoolType) {
		return nil, constError("not a boolean")
	}
	c := &condition{src: src, reads: reads(a.NativeRep().Expr(), cc.constNames), env: cc.env}
	for _, name := range c.reads {
		if i, ok := factByCEL[name]; ok {
			c.facts = append(c.facts, i)
		}
	}
	var err error
	if c.fast, c.partial, c.guarded, err = plan(cc.env, a); err != nil {
		return nil, err
	}
	return c, nil
}

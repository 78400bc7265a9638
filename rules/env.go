package rules

import (
	"fmt"
	"math/bits"
	"reflect"
	"slices"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"

	"github.com/accord-gov/accord"
)

// Static bounds on a filing, used to bound the cost of every condition at
// load time. They match accord.Filing.Normalize's limits; Classify falls back
// to cost-limited evaluation for a filing that exceeds them.
const (
	maxListLen    = 250 // deployment_countries; the other lists allow 64
	maxStringLen  = 200
	maxRuleCost   = 1_000_000 // CEL cost units: about 0.1 s, the Kubernetes per-expression limit
	maxExprLength = 10_000    // characters of one CEL expression
)

// listVar is a list-of-codes variable of the CEL environment, with the
// vocabulary its codes come from, so that the loader can refuse a rule that
// tests for a code that does not exist.
type listVar struct {
	name  string
	valid func(string) bool
	of    string // what the codes are, for messages
}

var listVars = []listVar{
	{"domains", accord.Domains.Has, "domain"},
	{"algorithm_types", accord.AlgorithmTypes.Has, "algorithm type"},
	{"countries", accord.ValidCountry, "ISO 3166-1 alpha-2 country code"},
	{"deployer_kinds", accord.DeployerKinds.Has, "deployer kind"},
	{"affected_persons", accord.AffectedPersons.Has, "affected-persons code"},
	{"personal_data", accord.PersonalDataCategories.Has, "personal-data category"},
	{"regions", accord.ValidRegion, "ISO 3166-2 subdivision or locality code"},
	{"roles", accord.Roles.Has, "role"},
	{"established_in", accord.ValidCountry, "ISO 3166-1 alpha-2 country code"},
	{"output_used_in", accord.ValidCountry, "ISO 3166-1 alpha-2 country code"},
}

func listVarByName(name string) (listVar, bool) {
	for _, v := range listVars {
		if v.name == name {
			return v, true
		}
	}
	if name == "status" {
		return listVar{"status", accord.Statuses.Has, "status"}, true
	}
	return listVar{}, false
}

// EUMemberStates and EEAStates are the constants eu_member_states and
// eea_states of the CEL environment.
var (
	EUMemberStates = []string{"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}
	EEAStates      = append(slices.Clone(EUMemberStates), "IS", "LI", "NO")
)

// builtinConstants are the environment's constant lists.
var builtinConstants = map[string][]string{
	"eu_member_states": EUMemberStates,
	"eea_states":       EEAStates,
}

const (
	boolKind    = reflect.Bool
	float64Kind = reflect.Float64
	int64Kind   = reflect.Int64
)

// fact is one field of accord.Facts, exposed to CEL as the variable
// "facts.<json name>".
type fact struct {
	name   string  // JSON name, e.g. "social_scoring"
	cel    string  // CEL variable, e.g. "facts.social_scoring"
	index  int     // field index in accord.Facts
	offset uintptr // field offset in accord.Facts; the field is a pointer
	kind   reflect.Kind
	typ    *cel.Type
	// pattern marks the fact unknown for partial evaluation.
	pattern *interpreter.AttributePattern
}

// facts lists every fact in struct order; factByCEL maps a CEL name to its index.
var facts, factByCEL = func() ([]fact, map[string]int) {
	t := reflect.TypeFor[accord.Facts]()
	var fs []fact
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Type.Kind() != reflect.Pointer {
			panic("rules: accord.Facts." + f.Name + " must be a pointer so that nil can mean unknown")
		}
		k := f.Type.Elem().Kind()
		var ct *cel.Type
		switch k {
		case reflect.Bool:
			ct = cel.BoolType
		case reflect.Float64:
			ct = cel.DoubleType
		case reflect.Int64:
			ct = cel.IntType
		case reflect.String:
			ct = cel.StringType
		default:
			panic("rules: accord.Facts." + f.Name + " has a type the rule engine does not support")
		}
		m["facts."+name] = len(fs)
		fs = append(fs, fact{name: name, cel: "facts." + name, index: i, offset: f.Offset, kind: k, typ: ct, pattern: cel.AttributePattern("facts." + name)})
	}
	if len(fs)+len(listVarsArr) > 128 {
		panic("rules: more than 128 facts and lists; widen factSet")
	}
	return fs, m
}()

// factSet is a set of facts and filing lists. Bit b < len(facts) stands
// for the fact whose name is b-th in sorted order, so that listing a set's
// names needs no sorting; bit len(facts)+slot for the filing list in that
// slot, which is unknown only when withheld (ClassifyWithheld).
type factSet [2]uint64

func (s *factSet) add(i int) { b := factBit[i]; s[b/64] |= 1 << (b % 64) }
func (s factSet) has(i int) bool {
	b := factBit[i]
	return s[b/64]&(1<<(b%64)) != 0
}
func (s *factSet) addList(slot int) { b := len(facts) + slot; s[b/64] |= 1 << (b % 64) }
func (s factSet) hasList(slot int) bool {
	b := len(facts) + slot
	return s[b/64]&(1<<(b%64)) != 0
}
func (s factSet) union(o factSet) factSet {
	return factSet{s[0] | o[0], s[1] | o[1]}
}
func (s factSet) inter(o factSet) factSet { return factSet{s[0] & o[0], s[1] & o[1]} }
func (s factSet) minus(o factSet) factSet { return factSet{s[0] &^ o[0], s[1] &^ o[1]} }
func (s factSet) empty() bool             { return s[0] == 0 && s[1] == 0 }
func (s factSet) count() int              { return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) }

// names returns the facts' JSON names in sorted order, nil for none.
func (s factSet) names() []string {
	if s.empty() {
		return nil
	}
	return s.appendNames(make([]string, 0, s.count()))
}

// appendNames appends the facts' JSON names to out in sorted order. Lists
// have no name among the facts: the sets it is given never hold one.
func (s factSet) appendNames(out []string) []string {
	for w, word := range s {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &^= 1 << b
			if i := w*64 + b; i < len(facts) {
				out = append(out, facts[factByBit[i]].name)
			}
		}
	}
	return out
}

// paths returns the filing paths of the set's facts and lists, sorted
// ("affected_persons", "facts.profiling"): how withheld inputs are named,
// as a filing's confidential list names them. Nil for none.
func (s factSet) paths() []string {
	if s.empty() {
		return nil
	}
	out := make([]string, 0, s.count())
	for i := range facts {
		if s.has(i) {
			out = append(out, facts[i].cel)
		}
	}
	for slot, p := range listPaths {
		if s.hasList(slot) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// listPaths are the filing fields behind the CEL list variables, by slot.
var listPaths = [len(listVarsArr)]string{"domains", "algorithm_types", "deployment_countries", "deployer_kinds", "affected_persons", "personal_data", "deployment_regions", "roles", "established_in", "output_used_in"}

// withheldSet resolves the filing paths a caller withholds. Paths that
// classification never reads (e.g. "data_sources") are ignored.
func withheldSet(paths []string) factSet {
	var s factSet
	for _, p := range paths {
		if i, ok := factByCEL[p]; ok {
			s.add(i)
			continue
		}
		if slot := slices.Index(listPaths[:], p); slot >= 0 {
			s.addList(slot)
		}
	}
	return s
}

// factBit maps a fact index to its bit (its rank by name); factByBit back.
var factBit, factByBit = func() ([]int, []int) {
	byName := make([]int, len(facts))
	for i := range byName {
		byName[i] = i
	}
	slices.SortFunc(byName, func(a, b int) int { return strings.Compare(facts[a].name, facts[b].name) })
	bit := make([]int, len(facts))
	for rank, i := range byName {
		bit[i] = rank
	}
	return bit, byName
}()

// baseEnv is the CEL environment of FORMAT.md, shared by every pack.
var baseEnv = sync.OnceValues(func() (*cel.Env, error) {
	opts := []cel.EnvOption{
		cel.ParserRecursionLimit(100),
		cel.ParserExpressionSizeLimit(maxExprLength),
		cel.Variable("status", cel.StringType),
	}
	for _, v := range listVars {
		opts = append(opts, cel.Variable(v.name, cel.ListType(cel.StringType)))
	}
	for _, f := range facts {
		opts = append(opts, cel.Variable(f.cel, f.typ))
	}
	for name, list := range builtinConstants {
		opts = append(opts, cel.Constant(name, cel.ListType(cel.StringType), types.NewStringList(types.DefaultTypeAdapter, list)))
	}
	return cel.NewEnv(opts...)
})

// reserved are names a pack constant may not take.
func reservedName(name string) bool {
	if name == "status" || name == "facts" || strings.HasPrefix(name, "facts.") {
		return true
	}
	if _, ok := listVarByName(name); ok {
		return true
	}
	_, ok := builtinConstants[name]
	return ok
}

// sizeEstimator bounds the size of every input for static cost estimation.
type sizeEstimator struct{ constLens map[string]int }

func (sizeEstimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	return nil
}

func (e sizeEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	p := n.Path()
	if len(p) == 0 {
		return nil
	}
	size := func(max uint64) *cost.SizeEstimate { return &cost.SizeEstimate{Min: 0, Max: max} }
	root := p[0]
	if _, ok := listVarByName(root); ok || strings.HasPrefix(root, "facts.") {
		if len(p) == 1 {
			if root == "status" || strings.HasPrefix(root, "facts.") {
				return size(maxStringLen)
			}
			return size(maxListLen)
		}
		return size(maxStringLen) // list elements
	}
	if l, ok := e.constLens[root]; ok {
		if len(p) == 1 {
			return size(uint64(l))
		}
		return size(maxStringLen)
	}
	return nil
}

// reads lists the variables (not constants) an expression reads, in the
// order they first appear.
func reads(e ast.Expr, consts map[string]bool) []string {
	var out []string
	ast.PreOrderVisit(e, ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.IdentKind {
			return
		}
		name := e.AsIdent()
		if _, isFact := factByCEL[name]; !isFact {
			if _, isList := listVarByName(name); !isList {
				return
			}
		}
		if consts[name] || slices.Contains(out, name) {
			return
		}
		out = append(out, name)
	}))
	return out
}

// codeChecker finds string literals that a condition compares with a
// filing's code list and reports those that are not codes of its
// vocabulary: a misspelt code would otherwise make a rule silently never fire.
type codeChecker struct {
	consts map[string][]string // list constants by name
	// iter maps a comprehension variable to the code list it ranges over.
	iter     map[string]listVar
	problems []string
}

func (c *codeChecker) check(e ast.Expr) []string {
	c.iter = map[string]listVar{}
	c.walk(e)
	return c.problems
}

// listOf returns the code list e stands for: a list variable, or a
// comprehension variable ranging over one.
func (c *codeChecker) listOf(e ast.Expr) (listVar, bool, bool) {
	if e.Kind() != ast.IdentKind {
		return listVar{}, false, false
	}
	name := e.AsIdent()
	if v, ok := c.iter[name]; ok {
		return v, true, true // element of the list
	}
	if v, ok := listVarByName(name); ok {
		return v, name == "status", true
	}
	return listVar{}, false, false
}

func (c *codeChecker) want(v listVar, code string) {
	if !v.valid(code) {
		c.problems = append(c.problems, fmt.Sprintf("%s is not a %s (see the vocabularies in vocab.go)", quote(code), v.of))
	}
}

// strings returns the string elements of a list literal or list constant.
func (c *codeChecker) strings(e ast.Expr) ([]string, bool) {
	switch e.Kind() {
	case ast.ListKind:
		var out []string
		for _, el := range e.AsList().Elements() {
			if s, ok := stringLit(el); ok {
				out = append(out, s)
			}
		}
		return out, true
	case ast.IdentKind:
		l, ok := c.consts[e.AsIdent()]
		return l, ok
	}
	return nil, false
}

func stringLit(e ast.Expr) (string, bool) {
	if e.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

func (c *codeChecker) walk(e ast.Expr) {
	switch e.Kind() {
	case ast.ComprehensionKind:
		comp := e.AsComprehension()
		c.walk(comp.IterRange())
		if v, elem, ok := c.listOf(comp.IterRange()); ok && !elem && v.name != "status" {
			prev, had := c.iter[comp.IterVar()]
			c.iter[comp.IterVar()] = v
			c.walk(comp.LoopStep())
			c.walk(comp.LoopCondition())
			if had {
				c.iter[comp.IterVar()] = prev
			} else {
				delete(c.iter, comp.IterVar())
			}
		} else {
			c.walk(comp.LoopStep())
			c.walk(comp.LoopCondition())
		}
		c.walk(comp.AccuInit())
		c.walk(comp.Result())
		return
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case operators.In:
			if len(args) == 2 {
				// 'code' in domains
				if v, elem, ok := c.listOf(args[1]); ok && !elem {
					if s, ok := stringLit(args[0]); ok {
						c.want(v, s)
					}
				}
				// d in ['a', 'b'] where d ranges over domains
				if v, elem, ok := c.listOf(args[0]); ok && elem {
					if list, ok := c.strings(args[1]); ok {
						for _, s := range list {
							c.want(v, s)
						}
					}
				}
			}
		case operators.Equals, operators.NotEquals:
			if len(args) == 2 {
				for i := range 2 {
					if v, elem, ok := c.listOf(args[i]); ok && elem {
						if s, ok := stringLit(args[1-i]); ok {
							c.want(v, s)
						}
					}
				}
			}
		case "startsWith":
			if call.IsMemberFunction() && len(args) == 1 {
				if v, elem, ok := c.listOf(call.Target()); ok && elem {
					if s, ok := stringLit(args[0]); ok && !c.anyPrefix(v, s) {
						c.problems = append(c.problems, fmt.Sprintf("no %s starts with %s", v.of, quote(s)))
					}
				}
			}
		}
		if call.IsMemberFunction() {
			c.walk(call.Target())
		}
		for _, a := range args {
			c.walk(a)
		}
	case ast.ListKind:
		for _, el := range e.AsList().Elements() {
			c.walk(el)
		}
	case ast.SelectKind:
		c.walk(e.AsSelect().Operand())
	case ast.MapKind:
		for _, en := range e.AsMap().Entries() {
			me := en.AsMapEntry()
			c.walk(me.Key())
			c.walk(me.Value())
		}
	}
}

func (c *codeChecker) anyPrefix(v listVar, prefix string) bool {
	var codes []string
	switch v.name {
	case "domains":
		codes = accord.Domains.Codes()
	case "algorithm_types":
		codes = accord.AlgorithmTypes.Codes()
	case "deployer_kinds":
		codes = accord.DeployerKinds.Codes()
	case "affected_persons":
		codes = accord.AffectedPersons.Codes()
	case "personal_data":
		codes = accord.PersonalDataCategories.Codes()
	case "roles":
		codes = accord.Roles.Codes()
	default:
		return true
	}
	for _, code := range codes {
		if strings.HasPrefix(code, prefix) {
			return true
		}
	}
	return false
}

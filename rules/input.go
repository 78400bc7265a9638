package rules

import (
	"reflect"
	"unicode/utf8"
	"unsafe"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/accord-gov/accord"
)

// slot numbers of the CEL variables in an input.
const (
	slotStatus = len(listVarsArr)
	slotFacts  = slotStatus + 1
	slotRoles  = 7 // listVarsArr[7]
)

var listVarsArr = [10]string{"domains", "algorithm_types", "countries", "deployer_kinds", "affected_persons", "personal_data", "regions", "roles", "established_in", "output_used_in"}

// listPatterns mark a withheld list unknown for partial evaluation.
var listPatterns = func() (ps [len(listVarsArr)]*interpreter.AttributePattern) {
	for i, n := range listVarsArr {
		ps[i] = interpreter.NewAttributePattern(n)
	}
	return ps
}()

var slotOf = func() map[string]int {
	m := map[string]int{"status": slotStatus}
	for i, n := range listVarsArr {
		m[n] = i
	}
	for i, f := range facts {
		m[f.cel] = slotFacts + i
	}
	return m
}()

// input is a filing as CEL sees it. It is the activation of every
// evaluation: facts are converted once per classification, not per rule.
// Inputs are pooled; reset prepares one for a filing.
type input struct {
	lists  [len(listVarsArr)][]string
	status string
	// vals holds CEL values by slot; list and status values are made only
	// when CEL asks for them, since most list tests never reach CEL.
	vals  []ref.Val
	known factSet
	// withheld are the facts and lists the caller withholds
	// (ClassifyWithheld): unknown whatever the filing says. wlists is set
	// when a list is among them, so that the usual case tests nothing more.
	withheld factSet
	wlists   bool
	// pats holds the unknown-fact patterns of the condition being evaluated:
	// only facts it reads, so partial evaluation has little to match.
	pats []*interpreter.AttributePattern
	// oversized is set when the filing exceeds the bounds the static cost
	// check assumed; evaluation then uses the cost-limited programs.
	oversized bool
	// boxed holds each list as an interface value for explanations, boxed
	// once per classification rather than once per rule.
	boxed [len(listVarsArr)]any
}

func (in *input) reset(f *accord.Filing, withheld factSet) {
	if in.vals == nil {
		in.vals = make([]ref.Val, slotFacts+len(facts))
		in.pats = make([]*interpreter.AttributePattern, 0, 8)
	}
	clear(in.vals)
	clear(in.boxed[:])
	in.known = factSet{}
	in.oversized = false
	in.withheld, in.wlists = withheld, false
	in.lists = [...][]string{f.Domains, f.AlgorithmTypes, f.DeploymentCountries, f.DeployerKinds, f.AffectedPersons, f.PersonalData, f.DeploymentRegions, f.Roles, f.EstablishedIn, f.OutputUsedIn}
	if !withheld.empty() {
		for slot := range in.lists {
			if withheld.hasList(slot) {
				in.lists[slot] = nil // never read, so never shown
				in.wlists = true
			}
		}
	}
	for _, l := range in.lists {
		if len(l) > maxListLen {
			in.oversized = true
		}
		for _, s := range l {
			if len(s) > maxStringLen {
				in.oversized = true
			}
		}
	}
	in.status = f.Status
	if len(f.Status) > maxStringLen {
		in.oversized = true
	}
	// Facts are read through field offsets computed once by reflection
	// (env.go): reflecting on 36 fields per classification cost more than
	// the rules themselves.
	base := unsafe.Pointer(&f.Facts)
	for i := range facts {
		fa := &facts[i]
		p := *(*unsafe.Pointer)(unsafe.Add(base, fa.offset))
		if p == nil || withheld.has(i) {
			continue
		}
		in.known.add(i)
		switch fa.kind {
		case reflect.Bool:
			in.vals[slotFacts+i] = types.Bool(*(*bool)(p))
		case reflect.Float64:
			in.vals[slotFacts+i] = types.Double(*(*float64)(p))
		case reflect.Int64:
			in.vals[slotFacts+i] = types.Int(*(*int64)(p))
		case reflect.String:
			s := *(*string)(p)
			if len(s) > maxStringLen || !utf8.ValidString(s) {
				in.oversized = true
			}
			in.vals[slotFacts+i] = types.String(s)
		}
	}
}

// release drops the input's references to the filing before pooling.
func (in *input) release() {
	in.lists = [len(listVarsArr)][]string{}
	in.withheld, in.wlists = factSet{}, false
	clear(in.boxed[:])
	in.status = ""
	in.pats = in.pats[:0]
}

// ResolveName implements interpreter.Activation.
func (in *input) ResolveName(name string) (any, bool) {
	i, ok := slotOf[name]
	if !ok {
		return nil, false
	}
	if in.vals[i] == nil {
		switch {
		case i < len(listVarsArr):
			if in.wlists && in.withheld.hasList(i) {
				return nil, false // unknown: partial evaluation never asks
			}
			in.vals[i] = types.NewStringList(types.DefaultTypeAdapter, in.lists[i])
		case i == slotStatus:
			in.vals[i] = types.String(in.status)
		default:
			return nil, false // an unknown fact: partial evaluation never asks
		}
	}
	return in.vals[i], true
}

// Parent implements interpreter.Activation.
func (in *input) Parent() interpreter.Activation { return nil }

// UnknownAttributePatterns implements interpreter.PartialActivation.
func (in *input) UnknownAttributePatterns() []*interpreter.AttributePattern { return in.pats }

// AsPartialActivation lets the interpreter find the unknown patterns.
func (in *input) AsPartialActivation() (interpreter.PartialActivation, bool) { return in, true }

// forceCEL makes every evaluation go through CEL; tests use it to check
// that the trees change nothing.
var forceCEL = false

// eval evaluates a condition three-valued. An unknown result adds the facts
// it depends on to miss; an error is reported as unknown, never as false.
func (in *input) eval(c *condition, miss *factSet) (tri, error) {
	if c.tree != nil && !in.oversized && !forceCEL {
		return in.evalNode(c.tree, miss)
	}
	return in.evalCEL(c, miss)
}

// evalCEL evaluates a condition with CEL: with partial evaluation when it
// reads an unknown fact. An unknown result adds the facts it depends on to
// miss; an error is reported as unknown, never as false.
func (in *input) evalCEL(c *condition, miss *factSet) (tri, error) {
	var reads factSet
	in.pats = in.pats[:0]
	for _, fi := range c.facts {
		if !in.known.has(fi) {
			in.pats = append(in.pats, facts[fi].pattern)
			reads.add(fi)
		}
	}
	if in.wlists {
		for _, slot := range c.lists {
			if in.withheld.hasList(slot) {
				in.pats = append(in.pats, listPatterns[slot])
				reads.addList(slot)
			}
		}
	}
	if err := c.programs(); err != nil {
		*miss = miss.union(reads)
		return triU, err
	}
	prg := c.fast
	switch {
	case in.oversized:
		prg = c.guarded
	case len(in.pats) > 0:
		prg = c.partial
	}
	out, _, err := prg.Eval(in)
	if err != nil {
		*miss = miss.union(reads)
		return triU, err
	}
	switch v := out.(type) {
	case types.Bool:
		if v {
			return triT, nil
		}
		return triF, nil
	case *types.Unknown:
		var ms factSet
		for _, id := range v.IDs() {
			trails, _ := v.GetAttributeTrails(id)
			for _, t := range trails {
				if fi, ok := factByCEL[t.Variable()]; ok {
					ms.add(fi)
				} else if slot, ok := slotOf[t.Variable()]; ok && slot < len(listVarsArr) {
					ms.addList(slot)
				}
			}
		}
		if ms.empty() {
			ms = reads
		}
		*miss = miss.union(ms)
		return triU, nil
	}
	*miss = miss.union(reads)
	return triU, errNotBool
}

const errNotBool = constError("the condition did not return a boolean")

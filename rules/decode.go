package rules

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/accord-gov/accord"
	"go.yaml.in/yaml/v3"
)

// Limits that keep a hostile pack from exhausting memory or stack.
const (
	maxPackBytes  = 4 << 20
	maxDepth      = 40
	maxNodeVisits = 1_000_000
	maxErrors     = 50
)

// decoder walks a yaml.Node tree into Go values. yaml.v3's own decoder can
// refuse unknown fields, but it cannot say which rule they belong to, so the
// pack loader walks nodes itself: every error carries a line, and the caller
// adds the rule id.
type decoder struct {
	file   string
	visits int
	// texts interns identical texts, which YAML anchors repeat: a pack
	// shares one map per distinct text.
	texts map[string]accord.Text
	errs  []*LoadError
	// rule names the rule being decoded, for messages.
	rule string
}

func (d *decoder) errorf(line int, format string, args ...any) {
	if len(d.errs) >= maxErrors {
		return
	}
	d.errs = append(d.errs, &LoadError{File: d.file, Line: line, Rule: d.rule, Msg: fmt.Sprintf(format, args...)})
}

// resolve follows aliases. A nil result means the alias was broken.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > maxDepth {
			return nil
		}
		n = n.Alias
	}
	return n
}

type pair struct{ key, val *yaml.Node }

// pairs returns the key/value pairs of a mapping with "<<" merge keys
// expanded (explicit keys win, as in YAML 1.1), refusing duplicate keys.
func (d *decoder) pairs(n *yaml.Node, depth int) []pair {
	if depth > maxDepth {
		d.errorf(n.Line, "YAML nests too deeply")
		return nil
	}
	var merged, own []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		d.visits++
		if d.visits > maxNodeVisits {
			// Merge keys can nest aliases exponentially, like any alias.
			if d.visits == maxNodeVisits+1 {
				d.errorf(n.Line, "the pack is too large once YAML aliases are expanded")
			}
			return nil
		}
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			v = d.resolve(v)
			if v == nil {
				d.errorf(k.Line, "broken alias in merge key")
				continue
			}
			srcs := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				srcs = v.Content
			}
			for _, s := range srcs {
				s = d.resolve(s)
				if s == nil || s.Kind != yaml.MappingNode {
					d.errorf(k.Line, "a merge key (<<) must refer to a mapping")
					continue
				}
				merged = append(merged, d.pairs(s, depth+1)...)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k.Line, "mapping keys must be plain names")
			continue
		}
		if seen[k.Value] {
			d.errorf(k.Line, "field %q appears twice", k.Value)
			continue
		}
		seen[k.Value] = true
		own = append(own, pair{k, v})
	}
	out := own
	for _, p := range merged {
		if !seen[p.key.Value] {
			seen[p.key.Value] = true
			out = append(out, p)
		}
	}
	return out
}

// nodeDecoder is implemented by types that decode themselves.
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, depth int)
}

var (
	textType = reflect.TypeFor[accord.Text]()
	dateType = reflect.TypeFor[Date]()
	posType  = reflect.TypeFor[Pos]()

	obligationType = reflect.TypeFor[Obligation]()
	labels         = map[reflect.Type]string{
		reflect.TypeFor[Rule]():      "rule",
		obligationType:               "obligation",
		reflect.TypeFor[Tier]():      "tier",
		reflect.TypeFor[Theme]():     "theme",
		reflect.TypeFor[Exclusion](): "exclusion",
	}
)

// decode stores n into v, which must be settable.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, depth int) {
	d.visits++
	if d.visits > maxNodeVisits {
		if d.visits == maxNodeVisits+1 {
			d.errorf(n.Line, "the pack is too large once YAML aliases are expanded")
		}
		return
	}
	if depth > maxDepth {
		d.errorf(n.Line, "YAML nests too deeply")
		return
	}
	line := n.Line
	if n = d.resolve(n); n == nil {
		d.errorf(line, "broken YAML alias")
		return
	}
	if v.CanAddr() {
		if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
			nd.decodeNode(d, n, depth)
			return
		}
	}
	if isNull(n) {
		v.Set(reflect.Zero(v.Type()))
		return
	}
	switch {
	case v.Type() == textType:
		d.decodeText(n, v)
		return
	case v.Type() == dateType:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n.Line, "expected a date YYYY-MM-DD")
			return
		}
		dt, err := ParseDate(n.Value)
		if err != nil {
			d.errorf(n.Line, "%v", err)
			return
		}
		v.SetString(string(dt))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n.Line, "expected text, found %s", kindName(n))
			return
		}
		v.SetString(strings.TrimSpace(n.Value))
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n.Line, "expected a list, found %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Struct:
		d.decodeStruct(n, v, depth)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errorf(n.Line, "expected a mapping, found %s", kindName(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		for _, p := range d.pairs(n, depth) {
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(p.val, ev, depth+1)
			m.SetMapIndex(reflect.ValueOf(p.key.Value).Convert(v.Type().Key()), ev)
		}
		v.Set(m)
	default:
		d.errorf(n.Line, "internal: cannot decode into %s", v.Type())
	}
}

// decodeStruct maps YAML keys to fields by their json tag (the pack's JSON
// and YAML field names are the same), refusing unknown keys.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, depth int) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, "expected a mapping, found %s", kindName(n))
		return
	}
	t := v.Type()
	var pos *Pos
	if f := v.FieldByName("Pos"); f.IsValid() && f.Type() == posType {
		pos = f.Addr().Interface().(*Pos)
		*pos = Pos{Line: n.Line}
	}
	fields := fieldsOf(t)
	ps := d.pairs(n, depth)
	// Name the rule, tier or obligation in messages about its fields.
	if label, ok := labels[t]; ok {
		id := "?"
		for _, p := range ps {
			if p.key.Value == "id" && p.val.Kind == yaml.ScalarNode {
				id = p.val.Value
			}
		}
		prev := d.rule
		if t == obligationType && prev != "" {
			d.rule = prev + ": " + label + " " + id
		} else {
			d.rule = label + " " + id
		}
		defer func() { d.rule = prev }()
	}
	for _, p := range ps {
		i, ok := fields[p.key.Value]
		if !ok {
			if f := caseVariant(p.key.Value, fields); f != "" {
				d.errorf(p.key.Line, "field %q differs from the field %q only in case: keys are case-sensitive", p.key.Value, f)
				continue
			}
			d.errorf(p.key.Line, "unknown field %q (expected one of %s)", p.key.Value, strings.Join(sortedKeys(fields), ", "))
			continue
		}
		if pos != nil {
			pos.Fields = append(pos.Fields, FieldLine{p.key.Value, p.key.Line})
		}
		d.decode(p.val, v.Field(i), depth+1)
	}
}

func fieldsOf(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("yaml") == "-" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		m[name] = i
	}
	return m
}

// caseVariant returns the field name that k spells in other case, or "".
func caseVariant(k string, fields map[string]int) string {
	for f := range fields {
		if strings.EqualFold(f, k) {
			return f
		}
	}
	return ""
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func (d *decoder) decodeText(n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, "expected text by language, e.g. {en: ...}, found %s", kindName(n))
		return
	}
	t := accord.Text{}
	for _, p := range d.pairs(n, 0) {
		val := d.resolve(p.val)
		if val == nil || val.Kind != yaml.ScalarNode || isNull(val) {
			d.errorf(p.key.Line, "the %s text must be a string", p.key.Value)
			continue
		}
		t[p.key.Value] = strings.TrimSpace(val.Value)
	}
	var key strings.Builder
	for _, tag := range t.Tags() {
		key.WriteString(tag + "\x00" + t[tag] + "\x00")
	}
	if d.texts == nil {
		d.texts = map[string]accord.Text{}
	}
	if same, ok := d.texts[key.String()]; ok {
		t = same
	} else {
		d.texts[key.String()] = t
	}
	v.Set(reflect.ValueOf(t))
}

func (c *Constant) decodeNode(d *decoder, n *yaml.Node, depth int) {
	c.Pos = Pos{Line: n.Line}
	switch n.Kind {
	case yaml.SequenceNode:
		c.Strings = make([]string, 0, len(n.Content))
		for _, e := range n.Content {
			e = d.resolve(e)
			if e == nil || e.Kind != yaml.ScalarNode || e.Tag != "!!str" {
				d.errorf(n.Line, "a list constant must hold strings only")
				return
			}
			c.Strings = append(c.Strings, e.Value)
		}
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			s := n.Value
			c.String = &s
		case "!!int", "!!float":
			f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
			if err != nil {
				d.errorf(n.Line, "invalid number %q", n.Value)
				return
			}
			c.Number = &f
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				d.errorf(n.Line, "invalid boolean %q", n.Value)
				return
			}
			c.Bool = &b
		default:
			d.errorf(n.Line, "a constant must be a list of strings, a string, a number or a boolean")
		}
	default:
		d.errorf(n.Line, "a constant must be a list of strings, a string, a number or a boolean")
	}
}

// MarshalJSON encodes the constant as its value.
func (c Constant) MarshalJSON() ([]byte, error) {
	switch {
	case c.Strings != nil:
		return json.Marshal(c.Strings)
	case c.String != nil:
		return json.Marshal(*c.String)
	case c.Number != nil:
		return json.Marshal(*c.Number)
	case c.Bool != nil:
		return json.Marshal(*c.Bool)
	}
	return []byte("null"), nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return quote(n.Value)
	}
	return "nothing"
}

func quote(s string) string {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return strconv.Quote(s)
}

package yamljson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/accord-gov/accord/internal/strictjson"
)

// Bounds on the JSON a YAML document becomes once its aliases are
// expanded: a few anchors can otherwise stand for gigabytes.
const (
	maxJSON   = 4 << 20
	maxVisits = 100_000
)

// Decode decodes a YAML document (or its root node) into v by way of JSON,
// exactly as strictly as strictjson.Decode decodes JSON: the document is
// written out as JSON with its keys in order and duplicates kept, so the
// same checks refuse a duplicate key, a key that differs from a field only
// in case, an unknown key or a value of the wrong type. Problems carry the
// line of their key. Errors are *strictjson.Error.
func Decode(n *yaml.Node, v any) error {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	e := emitter{lines: map[string]int{}, scalars: map[*yaml.Node][]byte{}}
	if err := e.node(n, "", n.Line, 0); err != nil {
		return err
	}
	err := strictjson.Decode(e.out.Bytes(), v)
	if se, ok := err.(*strictjson.Error); ok {
		for i := range se.Problems {
			p := &se.Problems[i]
			if line, ok := e.lines[p.Path]; ok {
				p.Line = line
			} else {
				p.Line = n.Line
			}
			p.Offset = -1 // an offset in the JSON means nothing to the YAML's writer
		}
	}
	return err
}

// emitter writes a YAML node tree as JSON, remembering the line of every path.
type emitter struct {
	out     bytes.Buffer
	lines   map[string]int        // JSON path → line of its key (or item)
	scalars map[*yaml.Node][]byte // scalars as JSON: aliases repeat them
	visits  int
}

func (e *emitter) fail(line int, path, format string, args ...any) error {
	return &strictjson.Error{Problems: []strictjson.Problem{{Kind: strictjson.Malformed, Path: path, Line: line, Offset: -1, Msg: fmt.Sprintf(format, args...)}}}
}

func (e *emitter) node(n *yaml.Node, path string, line, depth int) error {
	if depth > 100 {
		return e.fail(n.Line, path, "nests too deeply")
	}
	if e.visits++; e.out.Len() > maxJSON || e.visits > maxVisits {
		return e.fail(n.Line, path, "is too large once its YAML aliases are expanded")
	}
	e.lines[path] = line // the last: a duplicate key's problem points at the duplicate
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return e.fail(n.Line, path, "is a broken YAML alias")
		}
		return e.node(n.Alias, path, line, depth+1)
	case yaml.DocumentNode:
		return e.fail(n.Line, path, "holds a whole YAML document")
	case yaml.SequenceNode:
		e.out.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				e.out.WriteByte(',')
			}
			if err := e.node(c, path+"["+strconv.Itoa(i)+"]", c.Line, depth+1); err != nil {
				return err
			}
		}
		e.out.WriteByte(']')
		return nil
	case yaml.MappingNode:
		pairs, err := e.pairs(n, path, depth)
		if err != nil {
			return err
		}
		e.out.WriteByte('{')
		for i, p := range pairs {
			if i > 0 {
				e.out.WriteByte(',')
			}
			k, _ := json.Marshal(p[0].Value)
			e.out.Write(k)
			e.out.WriteByte(':')
			if err := e.node(p[1], strictjson.JoinKey(path, p[0].Value), p[0].Line, depth+1); err != nil {
				return err
			}
		}
		e.out.WriteByte('}')
		return nil
	case yaml.ScalarNode:
		if b, ok := e.scalars[n]; ok {
			e.out.Write(b)
			return nil
		}
		var x any
		if err := n.Decode(&x); err != nil {
			return e.fail(n.Line, path, "%v", err)
		}
		if f, ok := x.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			return e.fail(n.Line, path, "%s is not a number JSON can hold", n.Value)
		}
		b, err := json.Marshal(Value(x))
		if err != nil {
			return e.fail(n.Line, path, "%v", err)
		}
		e.scalars[n] = b
		e.out.Write(b)
		return nil
	}
	return e.fail(n.Line, path, "is not a YAML value")
}

// pairs returns a mapping's key/value pairs in order, with "<<" merge keys
// expanded as YAML 1.1 does: keys given in the mapping itself win over
// merged ones, which therefore are not duplicates.
func (e *emitter) pairs(n *yaml.Node, path string, depth int) ([][2]*yaml.Node, error) {
	var own, merged [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			for v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			srcs := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				srcs = v.Content
			}
			for _, s := range srcs {
				for s.Kind == yaml.AliasNode && s.Alias != nil {
					s = s.Alias
				}
				if s.Kind != yaml.MappingNode || depth > 100 {
					return nil, e.fail(k.Line, path, "a merge key (<<) must refer to a mapping")
				}
				ps, err := e.pairs(s, path, depth+1)
				if err != nil {
					return nil, err
				}
				merged = append(merged, ps...)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return nil, e.fail(k.Line, path, "has a key that is not a plain name")
		}
		own = append(own, [2]*yaml.Node{k, v})
	}
	given := map[string]bool{}
	for _, p := range own {
		given[p[0].Value] = true
	}
	for _, p := range merged {
		if !given[p[0].Value] {
			given[p[0].Value] = true
			own = append(own, p)
		}
	}
	return own, nil
}

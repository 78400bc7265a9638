package governance

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/rules"
)

// Diff compares two versions of a pack.
func Diff(base, proposed *rules.Pack) accord.PackDiff {
	d := accord.PackDiff{Pack: proposed.ID, BaseVersion: base.Version, ProposedVersion: proposed.Version, BaseHash: base.Hash, ProposedHash: proposed.Hash,
		Fields: []accord.FieldChange{}, Rules: []accord.ItemChange{}}
	bm, pm := flat(base), flat(proposed)
	delete(bm, "rules")
	delete(pm, "rules")
	d.Fields = fieldChanges("", bm, pm)
	for _, c := range items(base.Rules, proposed.Rules, func(r rules.Rule) string { return r.ID }) {
		ch := accord.ItemChange{ID: c.id, Change: c.change}
		switch c.change {
		case accord.Added:
			ch.Citation = c.new.Citation
		case accord.Removed:
			ch.Citation = c.old.Citation
		default:
			ch.Citation = c.new.Citation
			om, nm := flat(c.old), flat(c.new)
			delete(om, "obligations")
			delete(nm, "obligations")
			ch.Fields = fieldChanges("", om, nm)
			for _, o := range items(c.old.Obligations, c.new.Obligations, func(o rules.Obligation) string { return o.ID }) {
				oc := accord.ItemChange{ID: o.id, Change: o.change}
				switch o.change {
				case accord.Added:
					oc.Citation = o.new.Citation
				case accord.Removed:
					oc.Citation = o.old.Citation
				default:
					oc.Citation = o.new.Citation
					oc.Fields = fieldChanges("", flat(o.old), flat(o.new))
					if len(oc.Fields) == 0 {
						continue
					}
				}
				ch.Obligations = append(ch.Obligations, oc)
			}
			if len(ch.Fields) == 0 && len(ch.Obligations) == 0 {
				continue
			}
		}
		d.Rules = append(d.Rules, ch)
	}
	return d
}

type itemPair[T any] struct {
	id       string
	change   string
	old, new T
}

// items pairs two lists by id: removed and changed ones in the base's
// order, then the added ones in the proposed order.
func items[T any](old, new []T, id func(T) string) []itemPair[T] {
	var out []itemPair[T]
	byID := map[string]T{}
	for _, n := range new {
		byID[id(n)] = n
	}
	seen := map[string]bool{}
	for _, o := range old {
		seen[id(o)] = true
		if n, ok := byID[id(o)]; ok {
			out = append(out, itemPair[T]{id: id(o), change: accord.Changed, old: o, new: n})
		} else {
			out = append(out, itemPair[T]{id: id(o), change: accord.Removed, old: o})
		}
	}
	for _, n := range new {
		if !seen[id(n)] {
			out = append(out, itemPair[T]{id: id(n), change: accord.Added, new: n})
		}
	}
	return out
}

// flat is a value's JSON object, one level deep.
func flat(v any) map[string]json.RawMessage {
	b, _ := json.Marshal(v)
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal(b, &m)
	return m
}

// fieldChanges lists the keys whose values differ, by key; texts (objects
// of language tag → string) and lists of objects with ids are compared
// member by member.
func fieldChanges(prefix string, old, new map[string]json.RawMessage) []accord.FieldChange {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	out := []accord.FieldChange{}
	for _, k := range names {
		o, n := old[k], new[k]
		if string(o) == string(n) {
			continue
		}
		path := prefix + k
		om, nm := object(o), object(n)
		if om != nil && nm != nil {
			out = append(out, fieldChanges(path+".", om, nm)...)
			continue
		}
		if ol, nl, ok := idLists(o, n); ok {
			for _, c := range items(ol, nl, func(m map[string]json.RawMessage) string { return idOf(m) }) {
				ip := path + "[" + c.id + "]"
				switch c.change {
				case accord.Added:
					out = append(out, accord.FieldChange{Field: ip, New: compact(c.new)})
				case accord.Removed:
					out = append(out, accord.FieldChange{Field: ip, Old: compact(c.old)})
				default:
					out = append(out, fieldChanges(ip+".", c.old, c.new)...)
				}
			}
			continue
		}
		out = append(out, accord.FieldChange{Field: path, Old: text(o), New: text(n)})
	}
	return out
}

// object decodes a JSON object (nil for anything else).
func object(b json.RawMessage) map[string]json.RawMessage {
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// idLists decodes two JSON lists of objects that all have an "id" (either
// may be absent).
func idLists(a, b json.RawMessage) (x, y []map[string]json.RawMessage, ok bool) {
	dec := func(r json.RawMessage) ([]map[string]json.RawMessage, bool) {
		if len(r) == 0 {
			return nil, true
		}
		var l []map[string]json.RawMessage
		if json.Unmarshal(r, &l) != nil {
			return nil, false
		}
		for _, m := range l {
			if idOf(m) == "" {
				return nil, false
			}
		}
		return l, true
	}
	x, ok1 := dec(a)
	y, ok2 := dec(b)
	return x, y, ok1 && ok2 && (len(x) > 0 || len(y) > 0)
}

func idOf(m map[string]json.RawMessage) string {
	var s string
	_ = json.Unmarshal(m["id"], &s)
	return s
}

func compact(m map[string]json.RawMessage) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// text shows a JSON value: a string as itself, anything else as JSON.
func text(r json.RawMessage) string {
	if len(r) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	return string(r)
}

// DiffText renders a diff for a terminal or a golden file: one line per
// change, + added, - removed, ~ changed.
func DiffText(d accord.PackDiff) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pack %s: %s → %s\n", d.Pack, d.BaseVersion, d.ProposedVersion)
	fmt.Fprintf(&b, "  base     sha256 %s\n  proposed sha256 %s\n", d.BaseHash, d.ProposedHash)
	for _, f := range d.Fields {
		writeField(&b, "", f)
	}
	for _, r := range d.Rules {
		writeItem(&b, "", "rule", r)
	}
	return b.String()
}

func writeItem(b *strings.Builder, indent, what string, c accord.ItemChange) {
	mark := map[string]string{accord.Added: "+", accord.Removed: "-", accord.Changed: "~"}[c.Change]
	fmt.Fprintf(b, "%s%s %s %s (%s)\n", indent, mark, what, c.ID, c.Citation)
	for _, f := range c.Fields {
		writeField(b, indent+"    ", f)
	}
	for _, o := range c.Obligations {
		writeItem(b, indent+"    ", "obligation", o)
	}
}

func writeField(b *strings.Builder, indent string, f accord.FieldChange) {
	switch {
	case f.Old == "":
		fmt.Fprintf(b, "%s+ %s: %s\n", indent, f.Field, f.New)
	case f.New == "":
		fmt.Fprintf(b, "%s- %s: %s\n", indent, f.Field, f.Old)
	default:
		fmt.Fprintf(b, "%s~ %s: %s → %s\n", indent, f.Field, f.Old, f.New)
	}
}

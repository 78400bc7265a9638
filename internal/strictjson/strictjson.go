// Package strictjson decodes JSON that comes from outside the node (API
// bodies, the CLI's files, YAML documents by way of JSON, receipts, log
// entries read from other nodes) with one set of rules, so that every reader
// of a document sees the same values:
//
//   - one well-formed JSON value, in UTF-8, with no data after it;
//   - no lone UTF-16 surrogate escape (encoding/json turns "\ud800" into
//     U+FFFD without a word);
//   - no key given twice in an object (encoding/json keeps the last);
//   - keys spelt exactly as the Go type's JSON names: encoding/json matches
//     "CONFIDENTIAL" to the field "confidential", so a body holding both meant
//     one thing to the node and another to anyone else reading it;
//   - no unknown keys, and values of the field's type.
//
// Problems name their key by JSON path ("facts.profiling",
// "documents[0].sha256"). The checks walk the token stream of
// github.com/go-json-experiment/json's jsontext (which also checks the
// syntax and UTF-8), then that package decodes the value, case-sensitively.
package strictjson

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Kind classifies a problem.
type Kind int

const (
	// Malformed: the document is not one well-formed JSON value in UTF-8.
	Malformed Kind = iota + 1
	// Duplicate: an object gives a key twice.
	Duplicate
	// CaseVariant: a key differs from a field's name only in case.
	CaseVariant
	// Unknown: a key is not a field of the type.
	Unknown
	// WrongType: a value does not fit its field (type or range).
	WrongType
)

// Problem is one thing wrong with a document.
type Problem struct {
	Kind Kind
	// Path is the JSON path of the key or value at fault, e.g.
	// "facts.profiling" or "documents[0].sha256"; "" for the document.
	Path string
	// Msg says what is wrong, without the path: "duplicate key".
	Msg string
	// Near is, for Unknown, the field the key is most likely a misspelling
	// of (or ""); for CaseVariant, the field's name.
	Near string
	// Offset is the byte offset of a Malformed problem, or -1.
	Offset int64
	// Line is the line of the key in a YAML document (0 for JSON).
	Line int
}

// Error is why a document was refused: one Malformed problem, or every
// key problem (duplicate, case variant, unknown), or the first WrongType.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	msg := e.Problems[0].String()
	if n := len(e.Problems) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	return msg
}

// String formats a problem as "line 3: facts.profiling: duplicate key: …",
// without the line for JSON and without the path for the whole document.
func (p Problem) String() string {
	msg := p.Msg
	if p.Path != "" {
		msg = p.Path + ": " + msg
	}
	if p.Line > 0 {
		msg = "line " + strconv.Itoa(p.Line) + ": " + msg
	}
	return msg
}

// Malformed reports whether the document is not JSON at all (rather than
// JSON that does not fit the type).
func (e *Error) Malformed() bool { return e.Problems[0].Kind == Malformed }

// Decode decodes data, one JSON value, into v (a pointer), strictly.
// Errors are *Error.
func Decode(data []byte, v any) error {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return fmt.Errorf("strictjson: Decode needs a pointer, not %T", v)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return malformed("", 0, "is empty: send a JSON value")
	}
	w := walker{dec: jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true))}
	if err := w.value(t.Elem(), ""); err != nil {
		return syntaxError(data, t.Elem(), err)
	}
	if _, err := w.dec.ReadToken(); err != io.EOF {
		return malformed("", w.dec.InputOffset(), "has data after its JSON value")
	}
	if len(w.problems) > 0 {
		return &Error{Problems: w.problems}
	}
	if err := json.Unmarshal(data, v, json.RejectUnknownMembers(true)); err != nil {
		return decodeError(data, t.Elem(), err)
	}
	return nil
}

func malformed(path string, off int64, format string, args ...any) *Error {
	return &Error{Problems: []Problem{{Kind: Malformed, Path: path, Offset: off, Msg: fmt.Sprintf(format, args...)}}}
}

// walker checks keys along the token stream, against the Go type the value
// will be decoded into (nil: any value goes, but duplicates are still refused).
type walker struct {
	dec      *jsontext.Decoder
	problems []Problem
}

func (w *walker) value(t reflect.Type, path string) error {
	tok, err := w.dec.ReadToken()
	if err != nil {
		return err
	}
	s := schemaOf(t)
	switch tok.Kind() {
	case '{':
		seen := map[string]bool{}
		for {
			name, err := w.dec.ReadToken()
			if err != nil {
				return err
			}
			if name.Kind() == '}' {
				return nil
			}
			k := name.String()
			p := JoinKey(path, k)
			var ft reflect.Type
			switch {
			case seen[k]:
				w.add(Problem{Kind: Duplicate, Path: p, Msg: "duplicate key: give each key once"})
			case s.fields != nil:
				f, ok := s.fields[k]
				switch {
				case ok:
					ft = f
				case s.fold[strings.ToLower(k)] != "":
					field := s.fold[strings.ToLower(k)]
					w.add(Problem{Kind: CaseVariant, Path: p, Near: field, Msg: fmt.Sprintf("differs from the field %q only in case: keys are case-sensitive", field)})
				case len(w.problems) < maxProblems:
					near := Closest(k, s.names)
					msg := "is not a field"
					if near != "" {
						msg += fmt.Sprintf(" (did you mean %s?)", near)
					}
					w.add(Problem{Kind: Unknown, Path: p, Near: near, Msg: msg})
				}
			default:
				ft = s.elem
			}
			seen[k] = true
			if err := w.value(ft, p); err != nil {
				return err
			}
		}
	case '[':
		elem := s.elem
		if s.fields != nil {
			elem = nil
		}
		for i := 0; ; i++ {
			if w.dec.PeekKind() == ']' {
				_, err := w.dec.ReadToken()
				return err
			}
			if err := w.value(elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxProblems bounds the problems one document reports.
const maxProblems = 50

func (w *walker) add(p Problem) {
	if len(w.problems) < maxProblems {
		p.Offset = -1
		w.problems = append(w.problems, p)
	}
}

// syntaxError describes an error of the token stream.
func syntaxError(data []byte, t reflect.Type, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return malformed("", int64(len(data)), "is truncated JSON")
	}
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return malformed("", -1, "could not be read: %v", err)
	}
	path := PathOf(t, se.JSONPointer)
	off := se.ByteOffset
	rest := data[min(max(off, 0), int64(len(data))):]
	switch {
	case isSurrogateEscape(rest):
		return malformed(path, off, "has a lone UTF-16 surrogate escape %s at byte %d: a character beyond U+FFFF is written as a pair, e.g. \\ud83d\\ude00", rest[:6], off)
	case strings.Contains(se.Err.Error(), "invalid UTF-8"):
		return malformed(path, off, "is not valid UTF-8 (at byte %d)", off)
	}
	return malformed(path, off, "is not valid JSON (at byte %d): %v", off, se.Err)
}

// isSurrogateEscape reports whether b starts with \uD800–\uDFFF.
func isSurrogateEscape(b []byte) bool {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return false
	}
	n, err := strconv.ParseUint(string(b[2:6]), 16, 16)
	return err == nil && n >= 0xD800 && n <= 0xDFFF
}

// decodeError describes an error of the final decoding: a value that does
// not fit its field.
func decodeError(data []byte, t reflect.Type, err error) error {
	var sy *jsontext.SyntacticError
	if errors.As(err, &sy) {
		return syntaxError(data, t, err)
	}
	var se *json.SemanticError
	if !errors.As(err, &se) {
		return &Error{Problems: []Problem{{Kind: WrongType, Offset: -1, Msg: err.Error()}}}
	}
	p := Problem{Kind: WrongType, Path: PathOf(t, se.JSONPointer), Offset: se.ByteOffset}
	if errors.Is(se.Err, json.ErrUnknownName) {
		p.Kind, p.Msg = Unknown, "is not a field"
		return &Error{Problems: []Problem{p}}
	}
	want := typeName(se.GoType)
	got := "a JSON " + kindName[se.JSONKind]
	if se.JSONKind == '0' && len(se.JSONValue) > 0 {
		got = "the number " + string(se.JSONValue)
	}
	switch {
	case se.GoType != nil && se.JSONKind == '0' && strings.Contains(fmt.Sprint(se.Err), "out of range"):
		p.Msg = fmt.Sprintf("%s is out of range for %s", se.JSONValue, want)
	case se.GoType != nil:
		p.Msg = fmt.Sprintf("must be %s, not %s", want, got)
	default:
		p.Msg = fmt.Sprintf("could not be decoded: %v", se.Err)
	}
	return &Error{Problems: []Problem{p}}
}

var kindName = map[jsontext.Kind]string{'n': "null", 'f': "boolean", 't': "boolean", '"': "string", '0': "number", '{': "object", '[': "array"}

// typeName says in words what JSON a Go type takes.
func typeName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

// JoinKey appends an object key to a JSON path.
func JoinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// PathOf turns a JSON pointer ("/documents/0/kind") into a JSON path
// ("documents[0].kind"), using the Go type to tell array indexes from keys.
func PathOf(t reflect.Type, p jsontext.Pointer) string {
	path := ""
	for tok := range p.Tokens() {
		s := schemaOf(t)
		switch {
		case s.array:
			path += "[" + tok + "]"
			t = s.elem
		case s.fields != nil:
			path = JoinKey(path, tok)
			t = s.fields[tok]
		case s.elem != nil:
			path = JoinKey(path, tok)
			t = s.elem
		case tok != "" && strings.Trim(tok, "0123456789") == "":
			path += "[" + tok + "]" // without a type, a number is most likely an index
		default:
			path = JoinKey(path, tok)
			t = nil
		}
	}
	return path
}

// schema is what the walker needs to know of a Go type.
type schema struct {
	fields map[string]reflect.Type // a struct's fields by JSON name
	fold   map[string]string       // lower-case name → name
	names  []string                // the JSON names, sorted
	elem   reflect.Type            // a map's, slice's or array's elements
	array  bool
}

var (
	schemas     sync.Map // reflect.Type → *schema
	unmarshaler = []reflect.Type{
		reflect.TypeFor[json.Unmarshaler](),
		reflect.TypeFor[json.UnmarshalerFrom](),
		reflect.TypeFor[encoding.TextUnmarshaler](),
	}
)

// schemaOf returns the schema of t; the zero schema (anything goes) for nil,
// interfaces, scalars and types that decode themselves.
func schemaOf(t reflect.Type) *schema {
	if t == nil {
		return &schema{}
	}
	if s, ok := schemas.Load(t); ok {
		return s.(*schema)
	}
	s := &schema{}
	u := t
	for u.Kind() == reflect.Pointer {
		u = u.Elem()
	}
	custom := false
	for _, m := range unmarshaler {
		custom = custom || reflect.PointerTo(u).Implements(m)
	}
	switch {
	case custom:
	case u.Kind() == reflect.Struct:
		s.fields, s.fold = map[string]reflect.Type{}, map[string]string{}
		collectFields(u, s.fields)
		for name := range s.fields {
			s.names = append(s.names, name)
			s.fold[strings.ToLower(name)] = name
		}
		slices.Sort(s.names)
	case u.Kind() == reflect.Map:
		s.elem = u.Elem()
	case (u.Kind() == reflect.Slice || u.Kind() == reflect.Array) && u.Elem().Kind() != reflect.Uint8:
		s.elem, s.array = u.Elem(), true
	}
	schemas.Store(t, s)
	return s
}

// collectFields maps JSON names to field types as the decoder does: the
// json tag's name or else the Go name, embedded structs without a name
// inlined, "-" and unexported fields skipped.
func collectFields(t reflect.Type, into map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			collectFields(ft, into)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		into[name] = f.Type
	}
}

// Closest returns the name nearest to s, if it is near enough to be a
// likely misspelling (fewer than three edits). Names whose length alone
// rules them out are skipped, so that a long key costs nothing.
func Closest(s string, names []string) string {
	best, bestD := "", 3
	for _, k := range names {
		if abs(len(s)-len(k)) >= bestD {
			continue
		}
		if d := editDistance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

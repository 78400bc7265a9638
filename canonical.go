package accord

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/gowebpki/jcs"
)

// Canonical returns the RFC 8785 (JCS) canonical JSON of v: the bytes the
// log hashes, which any client can reproduce from the same JSON value.
func Canonical(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	c, err := jcs.Transform(b)
	if err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	return c, nil
}

// Bytes returns the event's log entry: the RFC 8785 canonical JSON of e,
// built directly rather than by re-parsing, because it runs inside the log's
// sequencer for every write. e.Content must already be canonical (see
// Canonical); the result then equals Canonical(e) byte for byte.
func (e LogEvent) Bytes() []byte {
	n := 96 + len(e.Content) + len(e.Type) + len(e.Record) + len(e.Time) + len(e.Org) + len(e.Token)
	for k, v := range e.Commitments {
		n += len(k) + len(v) + 6
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	if len(e.Commitments) > 0 {
		keys := make([]string, 0, len(e.Commitments))
		for k := range e.Commitments {
			keys = append(keys, k)
		}
		sortUTF16(keys)
		b = append(b, `"commitments":{`...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJCSString(b, k)
			b = append(b, ':')
			b = appendJCSString(b, e.Commitments[k])
		}
		b = append(b, "},"...)
	}
	b = append(b, `"content":`...)
	b = append(b, e.Content...)
	b = append(b, `,"org":`...)
	b = appendJCSString(b, e.Org)
	b = append(b, `,"record":`...)
	b = appendJCSString(b, e.Record)
	b = append(b, `,"time":`...)
	b = appendJCSString(b, e.Time)
	if e.Token != "" {
		b = append(b, `,"token":`...)
		b = appendJCSString(b, e.Token)
	}
	b = append(b, `,"type":`...)
	b = appendJCSString(b, e.Type)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(e.Version), 10)
	return append(b, '}')
}

// AppendCanonicalString appends s as an RFC 8785 JSON string (s must be
// valid UTF-8), for callers that write canonical JSON of a fixed shape
// directly.
func AppendCanonicalString(b []byte, s string) []byte { return appendJCSString(b, s) }

// appendJCSString writes s as RFC 8785 (ECMAScript JSON.stringify) does:
// only the quote, the backslash and control characters are escaped.
func appendJCSString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20:
			b = append(b, c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(b, '"')
}

// sortUTF16 sorts strings by their UTF-16 code units, as RFC 8785 orders keys.
func sortUTF16(keys []string) {
	slices.SortFunc(keys, func(a, b string) int {
		if isASCII(a) && isASCII(b) {
			return strings.Compare(a, b) // UTF-16 order is byte order for ASCII
		}
		return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// CanonicalValue returns the RFC 8785 canonical JSON of a value decoded from
// JSON with json.Decoder.UseNumber (maps, slices, strings, json.Number,
// booleans and nil), directly, without a round trip through a parser.
func CanonicalValue(v any) ([]byte, error) {
	return appendCanonical(make([]byte, 0, 1024), v)
}

func appendCanonical(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case string:
		return appendJCSString(b, v), nil
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("canonical json: number %s: %w", v, err)
		}
		s, err := jcs.NumberToJSON(f)
		if err != nil {
			return nil, fmt.Errorf("canonical json: number %s: %w", v, err)
		}
		return append(b, s...), nil
	case float64:
		s, err := jcs.NumberToJSON(v)
		if err != nil {
			return nil, fmt.Errorf("canonical json: number %v: %w", v, err)
		}
		return append(b, s...), nil
	case []any:
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendCanonical(b, x); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sortUTF16(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJCSString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendCanonical(b, v[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("canonical json: unsupported value of type %T", v)
}

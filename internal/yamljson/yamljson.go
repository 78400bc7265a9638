// Package yamljson reads YAML documents (golden cases, filings written by
// hand, the OpenAPI source) as JSON, so that they are read with their JSON
// field names and checks: Decode decodes a document into a Go value through
// strictjson, and Value turns what go.yaml.in/yaml/v3 decodes into values
// that encoding/json accepts.
package yamljson

import "time"

// Value converts a decoded YAML value in place: maps and lists are walked,
// and timestamps (an unquoted 2026-08-02) become YYYY-MM-DD strings.
func Value(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = Value(e)
		}
	case []any:
		for i, e := range t {
			t[i] = Value(e)
		}
	case time.Time:
		return t.Format("2006-01-02")
	}
	return v
}

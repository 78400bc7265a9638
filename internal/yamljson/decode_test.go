package yamljson

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/accord-gov/accord/internal/strictjson"
)

type facts struct {
	Profiling *bool `json:"profiling,omitempty"`
}

type filing struct {
	TradeName    map[string]string `json:"trade_name"`
	Domains      []string          `json:"domains"`
	Facts        facts             `json:"facts"`
	Confidential []string          `json:"confidential,omitempty"`
	Effective    string            `json:"effective,omitempty"`
	Count        int               `json:"count,omitempty"`
}

func decode(t *testing.T, src string) (filing, error) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		t.Fatalf("YAML: %v", err)
	}
	var f filing
	err := Decode(&root, &f)
	return f, err
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		src  string
		kind strictjson.Kind
		line int
		want string // the error, or for a valid document its fields as fmt prints them
	}{
		{"valid", "trade_name: {en: X}\ndomains: [a, b]\nfacts:\n  profiling: true\neffective: 2026-08-02\ncount: 3\n", 0, 0, ""},
		{"case variant", "confidential: [data_sources]\nCONFIDENTIAL: []\n", strictjson.CaseVariant, 2, `line 2: CONFIDENTIAL: differs from the field "confidential" only in case`},
		{"nested case variant", "facts:\n  Profiling: true\n", strictjson.CaseVariant, 2, `line 2: facts.Profiling: differs from the field "profiling" only in case`},
		{"duplicate", "facts:\n  profiling: true\n  profiling: false\n", strictjson.Duplicate, 3, "line 3: facts.profiling: duplicate key"},
		{"duplicate language", "trade_name:\n  en: a\n  en: b\n", strictjson.Duplicate, 3, "line 3: trade_name.en: duplicate key"},
		{"unknown", "facts:\n  profilling: true\n", strictjson.Unknown, 2, "line 2: facts.profilling: is not a field (did you mean profiling?)"},
		{"wrong type", "domains:\n  - a\nfacts:\n  profiling: yes please\n", strictjson.WrongType, 4, "line 4: facts.profiling: must be true or false, not a JSON string"},
		{"wrong type in a list", "domains:\n  - a\n  - [b]\n", strictjson.WrongType, 3, "line 3: domains[1]: must be a string, not a JSON array"},
		{"infinity", "count: .inf\n", strictjson.Malformed, 1, "line 1: count: .inf is not a number JSON can hold"},
		{"non-scalar key", "? [a]\n: 1\n", strictjson.Malformed, 1, "has a key that is not a plain name"},
		{"merge keys are not duplicates", "base: &b {en: X}\n", strictjson.Unknown, 1, "line 1: base: is not a field"},
		{"merged, overridden", "trade_name:\n  <<: {en: X, fr: Y}\n  en: Z\ndomains: [a]\n", 0, 0, ""},
		{"alias", "domains: &d [a]\nconfidential: *d\n", 0, 0, ""},
		{"alias bomb", bomb(), strictjson.Malformed, 0, "too large once its YAML aliases are expanded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := decode(t, tt.src)
			if tt.kind == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			se, ok := err.(*strictjson.Error)
			if !ok {
				t.Fatalf("Decode = %v (%T), want a *strictjson.Error; decoded %+v", err, err, f)
			}
			p := se.Problems[0]
			if p.Kind != tt.kind || (tt.line > 0 && p.Line != tt.line) {
				t.Errorf("problem %+v, want kind %d at line %d", p, tt.kind, tt.line)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
		})
	}
	f, _ := decode(t, "trade_name:\n  <<: {en: X, fr: Y}\n  en: Z\neffective: 2026-08-02\n")
	if f.TradeName["en"] != "Z" || f.TradeName["fr"] != "Y" || f.Effective != "2026-08-02" {
		t.Errorf("merge or date: %+v", f)
	}
}

// bomb is a YAML document whose aliases expand to 10⁹ strings.
func bomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		prev := "*a" + string(rune('0'+i-1))
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	b.WriteString("domains: *a9\n")
	return b.String()
}

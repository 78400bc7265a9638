package yamljson

import (
	"encoding/json"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/accord-gov/accord/internal/strictjson"
)

// FuzzDecode: Decode never panics, its errors are *strictjson.Error, and a
// document it accepts decodes to what the lenient path (yaml.v3 to a map,
// then encoding/json) makes of it.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"trade_name: {en: X}\ndomains: [a, b]\nfacts:\n  profiling: true\neffective: 2026-08-02\ncount: 3\n",
		"confidential: [data_sources]\nCONFIDENTIAL: []\n", "facts:\n  profiling: true\n  profiling: false\n",
		"trade_name:\n  <<: {en: X, fr: Y}\n  en: Z\n", "domains: &d [a]\nconfidential: *d\n", "count: .inf\n",
		"? [a]\n: 1\n", "{\"trade_name\": {\"en\": \"\\u00e9\"}, \"count\": 1e3}\n", "- a\n", "count: 0x10\n", "effective: !!binary aGk=\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var root yaml.Node
		if yaml.Unmarshal(data, &root) != nil || root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
			return
		}
		var strict filing
		err := Decode(&root, &strict)
		if err != nil {
			if se, ok := err.(*strictjson.Error); !ok || len(se.Problems) == 0 {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		var v any
		if err := root.Content[0].Decode(&v); err != nil {
			t.Fatalf("accepted what yaml.v3 refuses (%v): %q", err, data)
		}
		b, err := json.Marshal(Value(v))
		if err != nil {
			t.Fatalf("accepted what encoding/json cannot write (%v): %q", err, data)
		}
		var lax filing
		if err := json.Unmarshal(b, &lax); err != nil || !reflect.DeepEqual(strict, lax) {
			t.Fatalf("%q reads otherwise the lenient way (%v):\n%+v\n%+v", data, err, strict, lax)
		}
	})
}

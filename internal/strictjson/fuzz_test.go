package strictjson

import (
	encjson "encoding/json"
	"reflect"
	"testing"
)

// FuzzDecode holds the strict decoder to its promise: it never panics,
// every error is a *Error with problems, and whatever it accepts,
// encoding/json (lenient: any case, last duplicate wins) decodes to the same
// value, so no other reader of an accepted document can see something else.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"provider":"org_x","trade_name":{"en":"X","ar":"نظام"},"domains":["a"],"facts":{"profiling":true,"parameter_count":7},"documents":[{"name":"a","url":"u"}],"NoTag":"y"}`,
		`{"confidential":["data_sources"],"CONFIDENTIAL":[]}`,
		`{"facts":{"profiling":true,"profiling":false}}`,
		`{"facts":{"Profiling":true}}`,
		`{"trade_name":{"en":"a","en":"b"}}`,
		`{"trade_name":{"en":"a\ud800"}}`,
		`{"trade_name":{"en":"\ud83d\ude00\u0000"}}`,
		`{"extra":{"a":[1,{"b":null}]},"any":[1,"x",{"y":true}]}`,
		`{"extra":{"a":1,"A":2}}`,
		`{"notag":"x","NOTAG":"y"}`,
		"{\"provider\":\"\xff\"}", `[]`, `null`, `{} {}`, `{"domains":"a"}`, `{"facts":{"parameter_count":1.5}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var strict body
		err := Decode(data, &strict)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || len(e.Problems) == 0 || e.Problems[0].Msg == "" {
				t.Fatalf("error %v (%T) is not a *Error with problems", err, err)
			}
			return
		}
		var lax body
		if err := encjson.Unmarshal(data, &lax); err != nil {
			t.Fatalf("strict accepted what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(strict, lax) {
			t.Fatalf("strict and encoding/json read %q differently:\n%#v\n%#v", data, strict, lax)
		}
	})
}

package strictjson

import (
	encjson "encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

type facts struct {
	Profiling *bool  `json:"profiling,omitempty"`
	Params    *int64 `json:"parameter_count,omitempty"`
}

type doc struct {
	Name string `json:"name"`
	Link string `json:"url"`
}

type filing struct {
	TradeName    map[string]string  `json:"trade_name"`
	Domains      []string           `json:"domains"`
	Facts        facts              `json:"facts"`
	Documents    []doc              `json:"documents,omitempty"`
	Confidential []string           `json:"confidential,omitempty"`
	Extra        encjson.RawMessage `json:"extra,omitempty"`
	Any          any                `json:"any,omitempty"`
	Skipped      string             `json:"-"`
	NoTag        string
}

// body embeds filing as api.fileBody embeds accord.Filing.
type body struct {
	Provider string `json:"provider,omitempty"`
	filing
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		kind Kind     // 0: no error
		path []string // the problems' paths, in order
		msg  string   // in the first problem's message
	}{
		{"valid", `{"provider":"org_x","trade_name":{"en":"X"},"domains":["a"],"facts":{"profiling":true},"NoTag":"y"}`, 0, nil, ""},
		{"reported: case variant of confidential", `{"confidential":["data_sources"],"CONFIDENTIAL":[]}`, CaseVariant, []string{"CONFIDENTIAL"}, `differs from the field "confidential" only in case`},
		{"case variant first", `{"Confidential":[],"confidential":["data_sources"]}`, CaseVariant, []string{"Confidential"}, "only in case"},
		{"case variant nested", `{"facts":{"Profiling":true}}`, CaseVariant, []string{"facts.Profiling"}, `"profiling"`},
		{"case variant of an untagged field", `{"notag":"x"}`, CaseVariant, []string{"notag"}, `"NoTag"`},
		{"duplicate", `{"facts":{"profiling":true,"profiling":false}}`, Duplicate, []string{"facts.profiling"}, "duplicate key"},
		{"duplicate top level", `{"provider":"a","provider":"b"}`, Duplicate, []string{"provider"}, "duplicate key"},
		{"duplicate map key", `{"trade_name":{"en":"a","en":"b"}}`, Duplicate, []string{"trade_name.en"}, "duplicate key"},
		{"duplicate in an array element", `{"documents":[{"name":"a"},{"url":"x","url":"y"}]}`, Duplicate, []string{"documents[1].url"}, "duplicate key"},
		{"duplicate in a raw value", `{"extra":{"a":1,"a":2}}`, Duplicate, []string{"extra.a"}, "duplicate key"},
		{"duplicate in any", `{"any":[{"a":1,"a":2}]}`, Duplicate, []string{"any[0].a"}, "duplicate key"},
		{"every key problem", `{"facts":{"profilling":true},"Domains":[],"x":1,"x":2}`, Unknown, []string{"facts.profilling", "Domains", "x", "x"}, "did you mean profiling?"},
		{"unknown", `{"risk_level":"low"}`, Unknown, []string{"risk_level"}, "is not a field"},
		{"skipped field", `{"Skipped":"x"}`, Unknown, []string{"Skipped"}, "is not a field"},
		{"lone high surrogate", `{"trade_name":{"en":"a\ud800"}}`, Malformed, []string{"trade_name.en"}, `lone UTF-16 surrogate escape \ud800 at byte 22`},
		{"lone low surrogate", `{"trade_name":{"en":"\uDC00x"}}`, Malformed, []string{"trade_name.en"}, `\uDC00`},
		{"reversed pair", `{"trade_name":{"en":"\udc00\ud800"}}`, Malformed, []string{"trade_name.en"}, "surrogate"},
		{"surrogate in a key", `{"\ud800":1}`, Malformed, nil, "surrogate"},
		{"invalid UTF-8", "{\"trade_name\":{\"en\":\"a\xff\"}}", Malformed, []string{"trade_name.en"}, "not valid UTF-8 (at byte 22)"},
		{"encoded surrogate", "{\"trade_name\":{\"en\":\"\xed\xa0\x80\"}}", Malformed, []string{"trade_name.en"}, "not valid UTF-8"},
		{"invalid UTF-8 outside strings", "{\xff}", Malformed, nil, "not valid JSON"},
		{"empty", " \n", Malformed, nil, "is empty"},
		{"truncated", `{"facts":{"profiling":`, Malformed, nil, "truncated"},
		{"trailing", `{} {}`, Malformed, nil, "data after"},
		{"trailing garbage", `{}x`, Malformed, nil, "data after"},
		{"not JSON", `trade_name=x`, Malformed, nil, "not valid JSON"},
		{"syntax error in an array", `{"domains":["a",]}`, Malformed, []string{"domains"}, "not valid JSON (at byte 15)"},
		{"wrong type", `{"facts":{"profiling":"yes"}}`, WrongType, []string{"facts.profiling"}, "must be true or false, not a JSON string"},
		{"wrong type in array", `{"documents":[{"name":1}]}`, WrongType, []string{"documents[0].name"}, "must be a string, not a JSON number"},
		{"array for a string", `{"domains":"a"}`, WrongType, []string{"domains"}, "must be an array, not a JSON string"},
		{"fraction for an integer", `{"facts":{"parameter_count":1.5}}`, WrongType, []string{"facts.parameter_count"}, "must be an integer, not the number 1.5"},
		{"out of range", `{"facts":{"parameter_count":100000000000000000000}}`, WrongType, []string{"facts.parameter_count"}, "out of range"},
		{"not an object", `[]`, WrongType, nil, "must be an object, not a JSON array"},
		{"null body", `null`, 0, nil, ""},
		{"NUL escape is JSON (text checks refuse it later)", `{"provider":"a\u0000b"}`, 0, nil, ""},
		{"escaped pair", `{"provider":"\ud83d\ude00"}`, 0, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v body
			err := Decode([]byte(tt.in), &v)
			if tt.kind == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("Decode = %v (%T), want a *Error", err, err)
			}
			if e.Problems[0].Kind != tt.kind && !(tt.kind == Unknown && len(tt.path) > 1) {
				t.Errorf("kind %d, want %d (%v)", e.Problems[0].Kind, tt.kind, err)
			}
			var paths []string
			for _, p := range e.Problems {
				if p.Path != "" {
					paths = append(paths, p.Path)
				}
			}
			if !reflect.DeepEqual(paths, tt.path) {
				t.Errorf("paths %q, want %q (%v)", paths, tt.path, err)
			}
			if !strings.Contains(e.Problems[0].Msg, tt.msg) {
				t.Errorf("message %q lacks %q", e.Problems[0].Msg, tt.msg)
			}
			if e.Malformed() != (tt.kind == Malformed) {
				t.Errorf("Malformed() = %v", e.Malformed())
			}
		})
	}
}

// The reported finding: encoding/json reads this body as confidential = []
// and so publishes data_sources; the strict decoder refuses it.
func TestDecodeReportedBody(t *testing.T) {
	in := []byte(`{"confidential":["data_sources"],"CONFIDENTIAL":[]}`)
	var lax filing
	if err := encjson.Unmarshal(in, &lax); err != nil || len(lax.Confidential) != 0 {
		t.Fatalf("encoding/json no longer takes the last case variant (%v, %q): this test's premise changed", err, lax.Confidential)
	}
	var v filing
	err := Decode(in, &v)
	if err == nil || err.Error() != `CONFIDENTIAL: differs from the field "confidential" only in case: keys are case-sensitive` {
		t.Fatalf("Decode = %v", err)
	}
}

func TestPathOf(t *testing.T) {
	tests := []struct {
		ptr, want string
	}{
		{"", ""},
		{"/facts/profiling", "facts.profiling"},
		{"/documents/0/name", "documents[0].name"},
		{"/trade_name/zh-Hans", "trade_name.zh-Hans"},
		{"/trade_name/0", "trade_name.0"}, // a map key, not an index
		{"/any/3/x", "any[3].x"},
		{"/unknown/a~1b/2", "unknown.a/b[2]"},
	}
	for _, tt := range tests {
		if got := PathOf(reflect.TypeFor[body](), jsontextPointer(tt.ptr)); got != tt.want {
			t.Errorf("PathOf(%q) = %q, want %q", tt.ptr, got, tt.want)
		}
	}
}

func jsontextPointer(s string) jsontext.Pointer { return jsontext.Pointer(s) }

// TestDecodeBoundsProblems: a body of many unknown keys reports at most
// maxProblems of them.
func TestDecodeBoundsProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 1000 {
		fmt.Fprintf(&b, `"unknown_%d_%s":1,`, i, strings.Repeat("k", 200))
	}
	b.WriteString(`"provider":"x"}`)
	var v body
	err := Decode([]byte(b.String()), &v)
	e, ok := err.(*Error)
	if !ok || len(e.Problems) != maxProblems || e.Problems[0].Kind != Unknown || !strings.HasSuffix(err.Error(), "(and 49 more)") {
		t.Fatalf("Decode = %v", err)
	}
}

// BenchmarkDecodeUnknownKeys: a 256 KiB body of long unknown keys (the
// suggestion search skips names too long or short to be a misspelling).
func BenchmarkDecodeUnknownKeys(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("{")
	for i := 0; sb.Len() < 256<<10; i++ {
		fmt.Fprintf(&sb, `"unknown_%d_%s":1,`, i, strings.Repeat("k", 1000))
	}
	sb.WriteString(`"provider":"x"}`)
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var v body
		if Decode(data, &v) == nil {
			b.Fatal("accepted")
		}
	}
}

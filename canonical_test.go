package accord

import (
	"bytes"
	"encoding/json"

	"math/rand/v2"
	"testing"
)

// TestLogEventBytes: the direct encoding of a log event equals the generic
// RFC 8785 canonicalisation, for events with awkward strings.
func TestLogEventBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "é", "推荐", "نِظام", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\u2028", "/", "<>&", "😀", " ", "\x7f"}
	str := func() string {
		var b []byte
		for range r.IntN(8) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		return string(b)
	}
	for i := range 2000 {
		content, err := Canonical(map[string]any{"name": str(), "n": r.IntN(1000), "list": []string{str(), str()}, "x": 1e25})
		if err != nil {
			t.Fatal(err)
		}
		e := LogEvent{Type: str(), Record: str(), Version: r.IntN(1 << 20), Time: str(), Org: str(), Content: json.RawMessage(content)}
		if i%3 != 0 {
			e.Token = str() // absent in a third, as in entries from before tokens were named
		}
		if i%2 == 0 {
			e.Commitments = map[string]string{str(): str(), "facts.x": str(), "data_sources": str(), "Z": str()}
		}
		want, err := Canonical(e)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Bytes(); !bytes.Equal(got, want) {
			t.Fatalf("event %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func BenchmarkLogEventBytes(b *testing.B) {
	content, _ := Canonical(map[string]any{"filing": map[string]any{"trade_name": map[string]string{"en": "X", "zh-Hans": "推荐"}, "domains": []string{"a", "b"}}})
	e := LogEvent{Type: LogSystemFiled, Record: "sys_abc", Version: 1, Time: "2026-11-23T00:00:00.000Z", Org: "org_x", Content: content}
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			e.Bytes()
		}
	})
	b.Run("jcs", func(b *testing.B) {
		for b.Loop() {
			Canonical(e)
		}
	})
}

// TestCanonicalValue: the direct encoder equals the generic RFC 8785
// transform on decoded JSON, including numbers and non-ASCII keys.
func TestCanonicalValue(t *testing.T) {
	docs := []string{
		`{"b":1,"a":[true,false,null,"x\u2028\n\"\\"],"é":{"z":1e25,"y":-0.0000001,"x":123456789012345678}}`,
		`{"trade_name":{"zh-Hans":"推荐","ar":"نِظام","en":"A <b> & c"},"facts":{"training_compute_flop":3.8e25,"parameter_count":7000000000,"open_weights":true}}`,
		`{"😀":1,"\uffff":2,"a":3,"A":4,"":5}`,
		`[1.5,0,-1,1e-7,1e21,123.456,9007199254740993]`,
	}
	for _, d := range docs {
		dec := json.NewDecoder(bytes.NewReader([]byte(d)))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		got, err := CanonicalValue(v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Canonical(json.RawMessage(d))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("CanonicalValue(%s):\n got %s\nwant %s", d, got, want)
		}
	}
	if _, err := CanonicalValue(map[string]any{"x": struct{}{}}); err == nil {
		t.Error("an unsupported type was accepted")
	}
}

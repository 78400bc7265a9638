package rules

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load. It must never panic; a pack it
// accepts must hash the same way twice and classify without panicking into
// a result that encodes as JSON. Seeds: testdata/fuzz/FuzzLoad, okPack and
// every real pack.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(okPack))
	names, _ := filepath.Glob("../frameworks/*/pack.yaml")
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(b)
		}
	}
	filings := []struct {
		country string
		domains []string
	}{{"FR", []string{"employment.recruitment"}}, {"CN", nil}, {"US", []string{"general.conversational_assistant", "housing"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Load("fuzz.yaml", data)
		if err != nil {
			if len(Problems(err)) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			return
		}
		if len(p.Hash) != 64 {
			t.Fatalf("hash %q", p.Hash)
		}
		q, err := Load("fuzz.yaml", data)
		if err != nil || q.Hash != p.Hash {
			t.Fatalf("second load: %v, hash %s vs %s", err, q.Hash, p.Hash)
		}
		for _, fl := range filings {
			r := Classify(filing(fl.country, fl.domains...), []*Pack{p}, day(t, "2026-09-01"))
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("result does not encode: %v", err)
			}
		}
	})
}

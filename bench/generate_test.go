package bench_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/accord-gov/accord/bench"
)

// TestGenerator: every filing is valid, the mix covers many scripts, and a
// seed gives the same registry every time.
func TestGenerator(t *testing.T) {
	g1, g2 := bench.NewGenerator(3), bench.NewGenerator(3)
	scripts := map[string]bool{}
	langs := map[string]bool{}
	for i := range 2000 {
		f := g1.Filing()
		if !reflect.DeepEqual(f, g2.Filing()) {
			t.Fatalf("filing %d differs between two generators with one seed", i)
		}
		if _, err := f.Normalize(); err != nil {
			t.Fatalf("filing %d is invalid: %v", i, err)
		}
		for l, text := range f.IntendedPurpose {
			langs[l] = true
			for _, r := range text {
				for name, tab := range map[string]*unicode.RangeTable{"Latin": unicode.Latin, "Arabic": unicode.Arabic, "Han": unicode.Han, "Cyrillic": unicode.Cyrillic} {
					if unicode.Is(tab, r) {
						scripts[name] = true
					}
				}
				if r >= 0x064B && r <= 0x0652 { // fatha, damma, kasra, shadda, sukun…
					scripts["tashkeel"] = true
				}
			}
		}
		if _, err := g1.Organization().Normalize(); err != nil {
			t.Fatalf("organization %d is invalid: %v", i, err)
		}
		g2.Organization()
	}
	for _, s := range []string{"Latin", "Arabic", "Han", "Cyrillic", "tashkeel"} {
		if !scripts[s] {
			t.Errorf("no %s text in 2000 filings", s)
		}
	}
	if len(langs) < 6 {
		t.Errorf("only languages %v", langs)
	}
	for range 200 {
		q := g1.Query()
		if strings.TrimSpace(q.Q) == "" || q.Country == "" && q.Domain == "" && q.Status == "" {
			t.Fatalf("query %+v: want text and one filter", q)
		}
	}
}

// TestRunSmall runs the whole harness on a small SQLite registry.
func TestRunSmall(t *testing.T) {
	res, err := bench.Run(ctx, bench.Config{Store: sqliteStore(t), Filings: 300, LogAppends: 200, Queries: 100, Concurrency: 32, Seed: 5, ReclassifyWithout: "eu-ai-act,kr"})
	if err != nil {
		t.Fatal(err)
	}
	if res.SystemsInStore != 300 || res.FilingsPerSec <= 0 || res.LogAppendsPerSec <= 0 || res.P95 <= 0 || res.DBBytes <= 0 || res.PeakRSS <= 0 {
		t.Errorf("result %+v", res)
	}
	if res.Hits < 30 {
		t.Errorf("only %d of 100 searches found anything", res.Hits)
	}
	// Filed under all packs, nothing changes under all packs; dropping two
	// changes the systems they apply to, and restoring them changes those back.
	if r := res.Reclassify; len(r) != 3 || r[0].Stats.Changed != 0 || r[1].Stats.Changed == 0 || r[2].Stats.Changed != r[1].Stats.Changed || r[1].Stats.Systems != 300 {
		t.Errorf("re-classifications %+v", r)
	}
	if _, err := bench.Run(ctx, bench.Config{Store: sqliteStore(t), ReclassifyWithout: "eu-ai-act,nowhere"}); err == nil || !strings.Contains(err.Error(), `"nowhere"`) {
		t.Errorf("an unknown pack: %v", err)
	}
}

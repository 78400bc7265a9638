package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
)

// searchCorpus is indexed by testSearch: text in several languages and scripts.
var searchCorpus = []struct {
	id, text string
	facets   []string
}{
	{"sys_zh", "个性化推荐算法 新闻 Personalised news recommendation", []string{"country:CN", "domain:media.recommendation", "domain:media", "status:active", "provider:org_a", "kind:system", "built_on:sys_ja"}},
	{"sys_ar", "نِظامُ التَّوْصِيَة بالأخبار", []string{"country:EG", "domain:media.recommendation", "domain:media", "status:active", "provider:org_b"}},
	{"sys_ar2", "أداة إدارة المواعيد", []string{"country:SA", "domain:health.care_delivery", "domain:health", "status:planned", "provider:org_b"}},
	{"sys_fr", "Évaluation du crédit des particuliers", []string{"country:FR", "domain:essential_services.credit_scoring", "domain:essential_services", "status:active", "provider:org_c"}},
	{"sys_en", "CREDIT risk scoring for consumer loans", []string{"country:FR", "country:DE", "domain:essential_services.credit_scoring", "domain:essential_services", "status:withdrawn", "provider:org_c"}},
	{"sys_ja", "人材推薦システム", []string{"country:JP", "domain:employment.recruitment", "domain:employment", "status:active", "provider:org_d", "kind:model"}},
}

func indexCorpus(t *testing.T, s accord.Store) {
	update(t, s, func(tx accord.WriteTx) error {
		for _, d := range searchCorpus {
			sys := accord.System{ID: d.id, Provider: "org_x", Version: 1, Status: "active", Created: t0, Updated: t0}
			sum := accord.SystemSummary{ID: d.id, TradeName: accord.Text{"en": d.text}}
			if err := tx.PutSystem(ctx, sys, sum, accord.SearchDoc{Text: accord.SearchText(d.text), Facets: d.facets}); err != nil {
				return err
			}
		}
		return nil
	})
}

func search(t *testing.T, s accord.Store, q accord.SystemQuery) []string {
	t.Helper()
	var ids []string
	view(t, s, func(tx accord.ReadTx) error {
		p, err := tx.SearchSystems(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range p.Systems {
			ids = append(ids, r.ID)
		}
		return nil
	})
	slices.Sort(ids)
	return ids
}

func testSearch(t *testing.T, newStore NewStore) {
	s := newStore(t)
	indexCorpus(t, s)
	tests := []struct {
		name string
		q    accord.SystemQuery
		want []string
	}{
		{"chinese inside unspaced text", accord.SystemQuery{Q: "推荐"}, []string{"sys_zh"}},
		{"chinese phrase order matters", accord.SystemQuery{Q: "荐推"}, nil},
		{"chinese single character", accord.SystemQuery{Q: "算"}, []string{"sys_zh"}},
		{"japanese kanji", accord.SystemQuery{Q: "推薦"}, []string{"sys_ja"}},
		{"arabic without diacritics", accord.SystemQuery{Q: "نظام"}, []string{"sys_ar"}},
		{"arabic with the article and ta marbuta", accord.SystemQuery{Q: "التوصية"}, []string{"sys_ar"}},
		{"arabic alef with hamza matches bare alef", accord.SystemQuery{Q: "اداه"}, []string{"sys_ar2"}},
		{"arabic bare alef query matches hamza text", accord.SystemQuery{Q: "أداة"}, []string{"sys_ar2"}},
		{"case-insensitive", accord.SystemQuery{Q: "credit"}, []string{"sys_en", "sys_fr"}},
		{"accent-insensitive", accord.SystemQuery{Q: "crédit évaluation"}, []string{"sys_fr"}},
		{"prefix", accord.SystemQuery{Q: "recomm"}, []string{"sys_zh"}},
		{"all terms must match", accord.SystemQuery{Q: "credit loans"}, []string{"sys_en"}},
		{"text plus country", accord.SystemQuery{Q: "credit", Country: "DE"}, []string{"sys_en"}},
		{"text plus status", accord.SystemQuery{Q: "credit", Status: "active"}, []string{"sys_fr"}},
		{"domain area", accord.SystemQuery{Domain: "media"}, []string{"sys_ar", "sys_zh"}},
		{"domain code and provider", accord.SystemQuery{Domain: "media.recommendation", Provider: "org_b"}, []string{"sys_ar"}},
		{"filter only", accord.SystemQuery{Country: "FR"}, []string{"sys_en", "sys_fr"}},
		{"models", accord.SystemQuery{Kind: "model"}, []string{"sys_ja"}},
		{"systems built on a model", accord.SystemQuery{BuiltOn: "sys_ja"}, []string{"sys_zh"}},
		{"systems built on a model, by text", accord.SystemQuery{Q: "推荐", BuiltOn: "sys_ja", Kind: "system"}, []string{"sys_zh"}},
		{"no match", accord.SystemQuery{Q: "zebra"}, nil},
		{"syntax characters are plain text", accord.SystemQuery{Q: `credit" OR "news`}, nil},
		{"query operators are words", accord.SystemQuery{Q: "NEAR credit"}, nil},
		{"empty query lists all", accord.SystemQuery{}, []string{"sys_ar", "sys_ar2", "sys_en", "sys_fr", "sys_ja", "sys_zh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := search(t, s, tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("search %+v = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
	// Re-indexing a system replaces its document.
	update(t, s, func(tx accord.WriteTx) error {
		sys := accord.System{ID: "sys_fr", Provider: "org_c", Version: 2, Status: "active", Created: t0, Updated: t0}
		return tx.PutSystem(ctx, sys, accord.SystemSummary{ID: "sys_fr"}, accord.SearchDoc{Text: accord.SearchText("Scoring bancaire"), Facets: []string{"country:FR"}})
	})
	if got := search(t, s, accord.SystemQuery{Q: "crédit"}); !slices.Equal(got, []string{"sys_en"}) {
		t.Errorf("after re-index, crédit = %v", got)
	}
	if got := search(t, s, accord.SystemQuery{Q: "bancaire"}); !slices.Equal(got, []string{"sys_fr"}) {
		t.Errorf("after re-index, bancaire = %v", got)
	}
}

func testSearchPagination(t *testing.T, newStore NewStore) {
	s := newStore(t)
	const n = 57
	update(t, s, func(tx accord.WriteTx) error {
		for i := range n {
			id := fmt.Sprintf("sys_%03d", i)
			sys := accord.System{ID: id, Provider: "org_x", Version: 1, Status: "active", Created: t0, Updated: t0}
			country := "FR"
			if i%2 == 1 {
				country = "CN"
			}
			doc := accord.SearchDoc{Text: accord.SearchText(fmt.Sprintf("system number %d 推荐", i)), Facets: []string{"country:" + country}}
			if err := tx.PutSystem(ctx, sys, accord.SystemSummary{ID: id}, doc); err != nil {
				return err
			}
		}
		return nil
	})
	for _, q := range []accord.SystemQuery{{}, {Q: "system"}, {Q: "推荐", Country: "CN"}} {
		var all []string
		q.Limit = 10
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatalf("%+v: too many pages", q)
			}
			var p *accord.SystemPage
			view(t, s, func(tx accord.ReadTx) error {
				var err error
				p, err = tx.SearchSystems(ctx, q)
				return err
			})
			for _, r := range p.Systems {
				all = append(all, r.ID)
			}
			if p.Next == "" {
				break
			}
			q.Cursor = p.Next
		}
		want := n
		if q.Country == "CN" {
			want = n / 2
		}
		if len(all) != want {
			t.Errorf("%+v: %d results over all pages, want %d", q, len(all), want)
		}
		// Newest first, no repeats.
		if !slices.IsSortedFunc(all, func(a, b string) int { return strings.Compare(b, a) }) {
			t.Errorf("%+v: results not newest first: %v", q, all)
		}
	}
}

func testFacetCounts(t *testing.T, newStore NewStore) {
	s := newStore(t)
	indexCorpus(t, s)
	count := func(q accord.SystemQuery, names ...string) map[string]int {
		var m map[string]int
		view(t, s, func(tx accord.ReadTx) error {
			var err error
			m, err = tx.FacetCounts(ctx, q, names)
			return err
		})
		return m
	}
	got := count(accord.SystemQuery{}, "country")
	want := map[string]int{"country:CN": 1, "country:EG": 1, "country:SA": 1, "country:FR": 2, "country:DE": 1, "country:JP": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("country counts = %v, want %v", got, want)
	}
	got = count(accord.SystemQuery{Q: "credit"}, "status", "domain")
	want = map[string]int{"status:active": 1, "status:withdrawn": 1, "domain:essential_services": 2, "domain:essential_services.credit_scoring": 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts for credit = %v, want %v", got, want)
	}
	got = count(accord.SystemQuery{Country: "FR", Status: "active"}, "provider")
	if fmt.Sprint(got) != fmt.Sprint(map[string]int{"provider:org_c": 1}) {
		t.Errorf("filtered provider counts = %v", got)
	}
	if got := count(accord.SystemQuery{Q: "zebra"}, "country"); len(got) != 0 {
		t.Errorf("counts for no match = %v", got)
	}
	// A facet name is not a prefix of another ("country" must not count "countryside:x").
	update(t, s, func(tx accord.WriteTx) error {
		sys := accord.System{ID: "sys_odd", Provider: "org_x", Version: 1, Status: "active", Created: t0, Updated: t0}
		return tx.PutSystem(ctx, sys, accord.SystemSummary{ID: "sys_odd"}, accord.SearchDoc{Text: "odd", Facets: []string{"countryside:x"}})
	})
	if got := count(accord.SystemQuery{Q: "odd"}, "country"); len(got) != 0 {
		t.Errorf("facet prefix leak: %v", got)
	}
}

// testSearchShortWords: a one-letter word (the d of d'emploi, the t of
// don't) matches that word, not every word it begins; longer words are
// prefixes.
func testSearchShortWords(t *testing.T, newStore NewStore) {
	s := newStore(t)
	update(t, s, func(tx accord.WriteTx) error {
		for id, text := range map[string]string{"sys_emploi": "Offre d'emploi", "sys_demande": "Demande de logement", "sys_dont": "Don't track"} {
			sys := accord.System{ID: id, Provider: "org_x", Version: 1, Status: "active", Created: t0, Updated: t0}
			if err := tx.PutSystem(ctx, sys, accord.SystemSummary{ID: id}, accord.SearchDoc{Text: accord.SearchText(text), Facets: []string{"country:FR"}}); err != nil {
				return err
			}
		}
		return nil
	})
	for q, want := range map[string][]string{
		"d'emploi": {"sys_emploi"},
		"d":        {"sys_emploi"},
		"de":       {"sys_demande"},
		"t":        {"sys_dont"},
		"don":      {"sys_dont"},
		"dem":      {"sys_demande"},
	} {
		if got := search(t, s, accord.SystemQuery{Q: q, Country: "FR"}); !slices.Equal(got, want) {
			t.Errorf("search %q = %v, want %v", q, got, want)
		}
	}
}

// testClassificationFacets: the facets a classification gives (level, tier,
// framework) filter and count like any other, and change when a system is
// re-indexed with a new classification while its text stays the same.
func testClassificationFacets(t *testing.T, newStore NewStore) {
	s := newStore(t)
	put := func(id string, facets ...string) {
		update(t, s, func(tx accord.WriteTx) error {
			sys := accord.System{ID: id, Provider: "org_x", Version: 1, Status: "active", Created: t0, Updated: t0}
			doc := accord.SearchDoc{Text: accord.SearchText("hiring assistant " + id), Facets: append([]string{"country:FR", "status:active"}, facets...)}
			level, tiers := accord.ClassOutcome(facets)
			return tx.PutSystem(ctx, sys, accord.SystemSummary{ID: id, Version: 1, Level: level, Tiers: tiers}, doc)
		})
	}
	put("sys_a", "level:high", "framework:eu-ai-act", "tier:eu-ai-act/high")
	put("sys_b", "level:minimal", "framework:eu-ai-act", "tier:eu-ai-act/minimal")
	put("sys_c", "level:not_applicable")
	for _, tt := range []struct {
		q    accord.SystemQuery
		want []string
	}{
		{accord.SystemQuery{Tier: "high"}, []string{"sys_a"}},
		{accord.SystemQuery{Framework: "eu-ai-act"}, []string{"sys_a", "sys_b"}},
		{accord.SystemQuery{Framework: "eu-ai-act", Tier: "minimal"}, []string{"sys_b"}},
		{accord.SystemQuery{Q: "hiring", Tier: "high", Country: "FR"}, []string{"sys_a"}},
		{accord.SystemQuery{Q: "hiring", Framework: "eu-ai-act", Status: "active"}, []string{"sys_a", "sys_b"}},
		{accord.SystemQuery{Tier: "high", Country: "DE"}, nil},
	} {
		if got := search(t, s, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("search %+v = %v, want %v", tt.q, got, tt.want)
		}
	}
	// A rule change re-classifies sys_a: its summary and classification
	// facets change; its text and other facets do not.
	reclassify := func(r accord.Reclassification) (applied bool) {
		update(t, s, func(tx accord.WriteTx) error {
			var err error
			applied, err = tx.SetClassification(ctx, r)
			return err
		})
		return applied
	}
	toMinimal := accord.Reclassification{ID: "sys_a", Version: 1,
		Remove: []string{"level:high", "tier:eu-ai-act/high"}, Add: []string{"level:minimal", "tier:eu-ai-act/minimal"}}
	stale := toMinimal
	stale.Version = 2
	view(t, s, func(tx accord.ReadTx) error {
		p, err := tx.SearchSystems(ctx, accord.SystemQuery{Q: "sys_a"})
		if err != nil {
			return err
		}
		if len(p.Systems) != 1 || p.Systems[0].Level != "high" || p.Systems[0].Tiers["eu-ai-act"] != "high" {
			t.Errorf("before re-classification, summary %+v", p.Systems)
		}
		return nil
	})
	if reclassify(stale) {
		t.Error("SetClassification applied to a version other than the current one")
	}
	if got := search(t, s, accord.SystemQuery{Tier: "high"}); !slices.Equal(got, []string{"sys_a"}) {
		t.Errorf("after a stale re-classification, level high = %v", got)
	}
	if !reclassify(toMinimal) {
		t.Fatal("SetClassification not applied")
	}
	view(t, s, func(tx accord.ReadTx) error {
		p, err := tx.SearchSystems(ctx, accord.SystemQuery{Q: "sys_a"})
		if err != nil {
			return err
		}
		if len(p.Systems) != 1 || p.Systems[0].Level != "minimal" || p.Systems[0].Tiers["eu-ai-act"] != "minimal" || p.Systems[0].ID != "sys_a" {
			t.Errorf("after re-classification, summary %+v", p.Systems)
		}
		return nil
	})
	if got := search(t, s, accord.SystemQuery{Q: "hiring", Country: "FR", Status: "active", Tier: "minimal"}); !slices.Equal(got, []string{"sys_a", "sys_b"}) {
		t.Errorf("after re-classification, text + country + status + tier = %v", got)
	}
	if reclassify(accord.Reclassification{ID: "sys_nope", Version: 1, Add: []string{"level:high"}}) {
		t.Error("SetClassification applied to an unknown system")
	}
	err := s.Update(ctx, func(tx accord.WriteTx) error {
		_, err := tx.SetClassification(ctx, accord.Reclassification{ID: "sys_b", Version: 1, Add: []string{"country:DE"}})
		return err
	})
	if err == nil {
		t.Error("SetClassification accepted a filing facet")
	}
	if got := search(t, s, accord.SystemQuery{Country: "DE"}); len(got) != 0 {
		t.Errorf("a refused SetClassification left country:DE on %v", got)
	}
	if got := search(t, s, accord.SystemQuery{Tier: "high"}); len(got) != 0 {
		t.Errorf("after re-classification, level high = %v", got)
	}
	if got := search(t, s, accord.SystemQuery{Q: "assistant", Tier: "minimal"}); !slices.Equal(got, []string{"sys_a", "sys_b"}) {
		t.Errorf("after re-classification, text + level minimal = %v", got)
	}
	var counts map[string]int
	// Counts without a filter follow the change too.
	view(t, s, func(tx accord.ReadTx) error {
		var err error
		counts, err = tx.FacetCounts(ctx, accord.SystemQuery{}, []string{"level", "tier"})
		return err
	})
	if fmt.Sprint(counts) != fmt.Sprint(map[string]int{"level:minimal": 2, "level:not_applicable": 1, "tier:eu-ai-act/minimal": 2}) {
		t.Errorf("counts of all systems after re-classification = %v", counts)
	}
	view(t, s, func(tx accord.ReadTx) error {
		var err error
		counts, err = tx.FacetCounts(ctx, accord.SystemQuery{Framework: "eu-ai-act"}, []string{"level", "country"})
		return err
	})
	if fmt.Sprint(counts) != fmt.Sprint(map[string]int{"level:minimal": 2, "country:FR": 2}) {
		t.Errorf("counts under eu-ai-act = %v", counts)
	}
	view(t, s, func(tx accord.ReadTx) error {
		var err error
		counts, err = tx.FacetCounts(ctx, accord.SystemQuery{Q: "hiring"}, []string{"tier"})
		return err
	})
	if fmt.Sprint(counts) != fmt.Sprint(map[string]int{"tier:eu-ai-act/minimal": 2}) {
		t.Errorf("tier counts for hiring = %v", counts)
	}
}

// testSearchBadBytes: a query holding bytes no stored record holds (a NUL,
// invalid UTF-8, control characters) matches nothing on every store; it is
// never a database error. (The service refuses such queries before they
// reach a store; SQLite's full-text MATCH once failed on a NUL in a facet,
// which the API reported as "the database is unavailable".)
func testSearchBadBytes(t *testing.T, newStore NewStore) {
	s := newStore(t)
	indexCorpus(t, s)
	for _, bad := range []string{"\x00", "org_b\x00", "\x00org_b", "\xff", "\xed\xa0\x80", "\x01", "\u202e"} {
		for _, q := range []accord.SystemQuery{
			{Q: bad}, {Q: "credit" + bad}, {Country: bad}, {Domain: bad}, {Provider: bad}, {Status: bad},
			{Framework: bad}, {Tier: bad}, {Framework: "eu-ai-act", Tier: bad}, {Q: "credit", Provider: bad},
		} {
			err := s.View(ctx, func(tx accord.ReadTx) error {
				p, err := tx.SearchSystems(ctx, q)
				if err != nil {
					return err
				}
				// Text is tokenised into words, so bad bytes in it are
				// separators; a filter holding them matches nothing.
				if len(p.Systems) > 0 && len(q.Facets()) > 0 {
					t.Errorf("search %+v found %d systems", q, len(p.Systems))
				}
				_, err = tx.FacetCounts(ctx, q, []string{"country", "provider"})
				return err
			})
			if err != nil {
				t.Errorf("query %+v: %v", q, err)
			}
		}
	}
}

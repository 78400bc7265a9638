package resource_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/postgres"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/resource"
	"github.com/accord-gov/accord/sqlite"
)

// The performance targets: search over 1,000,000 resources with
// facets p95 ≤ 50 ms on both stores; matching a need against 1,000,000
// resources p95 ≤ 100 ms; the DCAT export of 100,000 resources streamed in
// ≤ 10 s with bounded memory. The catalogue is generated (deterministic
// seed) and written straight into the store in large transactions: the
// benchmarks measure reads, not the log's writes. Its size is
// ACCORD_BENCH_RESOURCES (default 20,000, so that `go test -bench` stays
// short); docs/RESOURCES.md gives the figures at 1,000,000.

func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("ACCORD_BENCH_RESOURCES")); err == nil && n > 0 {
		return n
	}
	return 20_000
}

var benchLangs = []string{"en", "fr", "ar", "sw", "ha", "yo", "am", "ny", "zu", "pt", "es", "hi", "bn", "ur", "id", "vi", "th", "zh-Hans", "ru", "tr"}
var benchCountries = []string{"MW", "KE", "TZ", "UG", "NG", "GH", "SN", "ET", "RW", "ZA", "IN", "BD", "NP", "PK", "ID", "VN", "PH", "BR", "MX", "FR", "DE", "US", "CN", "EG", "MA"}
var benchLicences = []string{"Apache-2.0", "MIT", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "ODbL-1.0", "CDLA-Permissive-2.0", "GPL-3.0-only", "BSD-3-Clause", "CC0-1.0"}

// benchResource makes the i-th generated resource.
func benchResource(rng *rand.Rand, i int) accord.Resource {
	kinds := accord.ResourceKinds.Codes()
	kind := kinds[rng.IntN(len(kinds))]
	f := accord.ResourceFiling{Kind: kind, Licence: benchLicences[rng.IntN(len(benchLicences))]}
	words := make([]string, 6)
	for j := range words {
		words[j] = "w" + strconv.Itoa(rng.IntN(5000))
	}
	f.Title = accord.Text{"en": fmt.Sprintf("Resource %d %s %s %s", i, words[0], words[1], words[2])}
	f.Description = accord.Text{"en": fmt.Sprintf("%s %s %s", words[3], words[4], words[5])}
	for range 1 + rng.IntN(3) {
		f.Languages = append(f.Languages, benchLangs[rng.IntN(len(benchLangs))])
	}
	f.Countries = []string{benchCountries[rng.IntN(len(benchCountries))]}
	f.Terms = accord.AccessTerms{Mode: accord.AccessModes.Codes()[rng.IntN(3)], Fee: accord.FeeTerms{Standard: "free"}}
	if rng.IntN(3) == 0 {
		f.Terms.Fee = accord.FeeTerms{Standard: "paid", Waivers: []accord.Waiver{{Group: accord.GroupLDC, Percent: 100}}}
		if rng.IntN(2) == 0 {
			f.Terms.Fee.Waivers = []accord.Waiver{{Group: accord.GroupLowOrLowerMiddle, Percent: 50}}
		}
	}
	if rng.IntN(10) == 0 {
		f.Terms.Excluded = []string{benchCountries[rng.IntN(len(benchCountries))]}
	}
	switch kind {
	case "model":
		f.Model = &accord.ModelDetails{Modalities: []string{accord.Modalities.Codes()[rng.IntN(6)]}}
		if rng.IntN(4) == 0 {
			f.Model.OSAID = &accord.OSAID{Status: "claimed", DataInformation: true, Code: true, Parameters: true}
		}
	case "dataset":
		f.Dataset = &accord.DatasetDetails{Modalities: []string{accord.Modalities.Codes()[rng.IntN(6)]}}
	case "compute":
		f.Compute = &accord.ComputeDetails{Accelerator: "H100", GPUHours: int64(100 + rng.IntN(20000)), Region: "ZA"}
	case "training":
		f.Training = &accord.TrainingDetails{Level: "introductory", Format: "online", Language: benchLangs[rng.IntN(len(benchLangs))]}
	case "expert":
		f.Expert = &accord.ExpertDetails{Field: "NLP"}
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return accord.Resource{ID: fmt.Sprintf("res_bench%09d", i), Provider: "org_p" + strconv.Itoa(i%50), Version: 1, Status: accord.ResourceActive, Created: at, Updated: at, ResourceFiling: f}
}

// fill writes n generated resources into a store, 5,000 per transaction.
func fill(b *testing.B, s accord.Store, n int) {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	for i := 0; i < n; {
		err := s.Update(ctx, func(tx accord.WriteTx) error {
			for j := 0; j < 5000 && i < n; j, i = j+1, i+1 {
				r := benchResource(rng, i)
				if err := tx.PutResource(ctx, r, accord.ResourceFacets(r), accord.ResourceText(r)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("filled %d resources in %v", n, time.Since(start).Round(time.Millisecond))
}

// stores opens the benchmark's stores: SQLite always, PostgreSQL when
// ACCORD_TEST_POSTGRES is set. Each is filled once per size and kept for
// the process (SQLite in a file under the test's cache directory).
var filled = map[string]accord.Store{}

func benchStores(b *testing.B) map[string]accord.Store {
	n := benchSize()
	out := map[string]accord.Store{}
	key := "sqlite/" + strconv.Itoa(n)
	if s, ok := filled[key]; ok {
		out["sqlite"] = s
	} else if path := os.Getenv("ACCORD_BENCH_SQLITE"); path != "" {
		// A catalogue an earlier run filled (its size is the caller's to say).
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		filled[key], out["sqlite"] = db, db
	} else {
		dir, err := os.MkdirTemp("", "accord-resource-bench")
		if err != nil {
			b.Fatal(err)
		}
		db, err := sqlite.Open(context.Background(), filepath.Join(dir, "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		fill(b, db, n)
		b.Logf("SQLite catalogue kept at %s (ACCORD_BENCH_SQLITE reuses it)", filepath.Join(dir, "bench.db"))
		filled[key], out["sqlite"] = db, db
	}
	if os.Getenv("ACCORD_TEST_POSTGRES") != "" {
		key := "postgres/" + strconv.Itoa(n)
		if s, ok := filled[key]; ok {
			out["postgres"] = s
		} else if dsn := os.Getenv("ACCORD_BENCH_POSTGRES"); dsn != "" {
			// A schema an earlier run filled (a DSN with its search_path).
			db, err := postgres.Open(context.Background(), dsn, postgres.Options{})
			if err != nil {
				b.Fatal(err)
			}
			filled[key], out["postgres"] = db, db
		} else {
			db, err := postgres.Open(context.Background(), pgtest.DSN(b), postgres.Options{})
			if err != nil {
				b.Fatal(err)
			}
			fill(b, db, n)
			filled[key], out["postgres"] = db, db
		}
	}
	return out
}

// searches are the facet searches the benchmark cycles through.
var searches = []accord.ResourceSearch{
	{Kind: "model", Language: "sw"},
	{FreeFor: "MW", Sector: "academia"},
	{Kind: "compute", FreeFor: "MW"},
	{Text: "w42", Kind: "dataset"},
	{Text: "w4", Language: "fr"},
	{Kind: "model", OSAID: true, Language: "ha"},
	{Licence: "CC-BY-4.0", UsableBy: "KE", Mode: "open"},
	{Country: "NG", Kind: "training"},
	{},
}

// percentile of sorted durations.
func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

func BenchmarkResourceSearch(b *testing.B) {
	for name, s := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			var lat []time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				q, err := resource.Query(searches[i%len(searches)])
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				err = s.View(ctx, func(tx accord.ReadTx) error {
					_, err := tx.SearchResources(ctx, q)
					return err
				})
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(lat, 0.95).Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(benchSize()), "resources")
		})
	}
}

// needs are the needs the matching benchmark cycles through.
var needs = []accord.NeedFiling{
	{Kind: "compute", Title: accord.Text{"en": "GPU"}, Country: "MW", Sector: "academia", FreeOnly: true, GPUHours: 5000},
	{Kind: "model", Title: accord.Text{"en": "ASR"}, Country: "TZ", Sector: "nonprofit", Languages: []string{"sw"}, Modalities: []string{"audio"}},
	{Kind: "dataset", Title: accord.Text{"en": "legal"}, Country: "EG", Sector: "government", Languages: []string{"ar"}},
	{Kind: "training", Title: accord.Text{"en": "course"}, Country: "BD", Sector: "academia", FreeOnly: true},
}

func BenchmarkMatchNeed(b *testing.B) {
	for name, s := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			svc := resource.New(resource.Config{Store: s})
			var lat []time.Duration
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				if _, err := svc.Suggest(ctx, needs[i%len(needs)], 20); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(lat, 0.95).Microseconds())/1000, "p95-ms")
		})
	}
}

// BenchmarkDCATExport streams the whole catalogue (models and data sets of
// benchSize resources) and reports the heap growth while it runs.
func BenchmarkDCATExport(b *testing.B) {
	for name, s := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			svc := resource.New(resource.Config{Store: s})
			var peak uint64
			var exported int
			for b.Loop() {
				var before runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				done := make(chan struct{})
				go func() {
					t := time.NewTicker(20 * time.Millisecond)
					defer t.Stop()
					for {
						select {
						case <-done:
							return
						case <-t.C:
							var m runtime.MemStats
							runtime.ReadMemStats(&m)
							if m.HeapAlloc > before.HeapAlloc && m.HeapAlloc-before.HeapAlloc > peak {
								peak = m.HeapAlloc - before.HeapAlloc
							}
						}
					}
				}()
				n, err := svc.DCAT(context.Background(), io.Discard, "https://accord.example.org", accord.Text{"en": "Bench"}, "bench")
				exported = n
				close(done)
				if err != nil || n == 0 {
					b.Fatal(n, err)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "heap-growth-MiB")
			b.ReportMetric(float64(exported), "datasets")
		})
	}
}

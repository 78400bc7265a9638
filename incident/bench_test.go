package incident_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/incident"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/postgres"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/tlog"
)

// Benchmarks of the targets (docs/INCIDENTS.md, "Figures"):
//
//	go test ./incident -run '^$' -bench . -benchtime 2000x
//
// ACCORD_BENCH_INCIDENTS sets the size of the seeded store (default 1,000,000);
// ACCORD_BENCH_POSTGRES, a PostgreSQL server's DSN, seeds a fresh schema there
// instead of a SQLite file (the schema is dropped when the tests end).

func percentiles(b *testing.B, lat []time.Duration, ps ...float64) {
	slices.Sort(lat)
	for _, p := range ps {
		i := int(float64(len(lat)-1) * p / 100)
		b.ReportMetric(float64(lat[i].Microseconds())/1000, fmt.Sprintf("p%g-ms", p))
	}
}

// BenchmarkFileReportHTTP files reports one after another over HTTP on
// loopback (SQLite, the node's sequencer), each answered with its receipt.
func BenchmarkFileReportHTTP(b *testing.B) {
	n := testnode.Start(b, testnode.Options{})
	admin := &client.Client{Server: n.URL, Token: n.AdminToken}
	r, err := admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Bench"}, Kind: "provider", Country: "FR"})
	if err != nil {
		b.Fatal(err)
	}
	prov := &client.Client{Server: n.URL, Token: r.Token.Secret}
	sys, err := prov.FileSystem(ctx, "", highRisk("Bench screener"), "")
	if err != nil {
		b.Fatal(err)
	}
	rep := accord.NewIncidentReport{Kind: accord.IncidentIncident, System: accord.SystemRef{ID: sys.ID}, Countries: []string{"CN", "FR"}, Severity: "serious",
		Facts: accord.IncidentFacts{CNGrade: "major", CNOperator: "other"}, Title: accord.Text{"en": "Bench"}, Summary: accord.Text{"en": "Bench report"},
		Confidential: accord.IncidentConfidential{Contact: "bench@example.org"}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		rep.Aware = time.Now().Add(-time.Minute).Truncate(time.Second)
		rep.Occurred = rep.Aware.Add(-time.Hour)
		rep.Title = accord.Text{"en": "Bench " + strconv.Itoa(i)}
		t0 := time.Now()
		v, err := prov.FileIncidentReport(ctx, rep)
		lat = append(lat, time.Since(t0))
		if err != nil || v.Receipt == nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	percentiles(b, lat, 50, 99)
}

// dropBig drops the benchmarks' PostgreSQL schema (TestMain).
var dropBig func() error

func TestMain(m *testing.M) {
	code := m.Run()
	if dropBig != nil {
		if err := dropBig(); err != nil {
			fmt.Fprintln(os.Stderr, "drop the benchmark schema:", err)
		}
	}
	os.Exit(code)
}

var big struct {
	once sync.Once
	svc  *incident.Service
	n    int
	err  error
}

// bigStore seeds a SQLite store with ACCORD_BENCH_INCIDENTS incidents
// (default 1,000,000) about 20,000 systems, one a minute.
func bigStore(b *testing.B) (*incident.Service, int) {
	big.once.Do(func() {
		big.n = 1_000_000
		if s := os.Getenv("ACCORD_BENCH_INCIDENTS"); s != "" {
			big.n, big.err = strconv.Atoi(s)
		}
		dir, err := os.MkdirTemp("", "accord-incident-bench-")
		if err != nil {
			big.err = err
			return
		}
		var db accord.Store
		if dsn := os.Getenv("ACCORD_BENCH_POSTGRES"); dsn != "" {
			schema, drop, err := pgtest.NewSchema(dsn)
			dropBig = drop
			if err != nil {
				big.err = err
				return
			}
			db, err = postgres.Open(ctx, schema, postgres.Options{})
			if err != nil {
				big.err = err
				return
			}
		} else if db, err = sqlite.Open(ctx, filepath.Join(dir, "i.db")); err != nil {
			big.err = err
			return
		}
		skey, _, _ := tlog.GenerateKey("incident.bench/log")
		l, err := tlog.New(tlog.Config{Store: db, SignerKey: skey})
		if err != nil {
			big.err = err
			return
		}
		packs, _ := frameworks.Packs()
		t0 := time.Now()
		big.err = db.Update(ctx, func(tx accord.WriteTx) error {
			return tx.(interface {
				SeedIncidents(ctx context.Context, n, systems int, start int64) error
			}).SeedIncidents(ctx, big.n, 20_000, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
		})
		fmt.Fprintf(os.Stderr, "seeded %d incidents in %v\n", big.n, time.Since(t0).Round(time.Millisecond))
		big.svc, err = incident.New(incident.Config{Store: db, Log: l, Packs: packs, Now: func() time.Time { return time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC) }})
		if big.err == nil {
			big.err = err
		}
	})
	if big.err != nil {
		b.Fatal(big.err)
	}
	return big.svc, big.n
}

// BenchmarkSuggestDuplicates asks for the duplicates of a draft about a
// random system at a random time, over the seeded store.
func BenchmarkSuggestDuplicates(b *testing.B) {
	svc, n := bigStore(b)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, b.N)
	found := 0
	b.ResetTimer()
	for range b.N {
		i := rng.IntN(n) + 1
		r := accord.NewIncidentReport{System: accord.SystemRef{ID: "sys_seed_" + strconv.Itoa(i%20_000)}, Occurred: start.Add(time.Duration(i) * time.Minute),
			Title: accord.Text{"en": "Screener rejected applicants at the depot"}, Summary: accord.Text{"en": "word" + strconv.Itoa(i%1000)}}
		t0 := time.Now()
		ds, err := svc.Suggest(ctx, r)
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		found += len(ds)
	}
	b.StopTimer()
	b.ReportMetric(float64(found)/float64(b.N), "suggestions/op")
	percentiles(b, lat, 50, 95)
}

// BenchmarkDeadlineDashboard reads the first page of a country's overdue
// deadlines (and each status in turn) over the seeded store.
func BenchmarkDeadlineDashboard(b *testing.B) {
	svc, _ := bigStore(b)
	statuses := []string{accord.DeadlineOverdue, accord.DeadlineMissed, accord.DeadlineMet, ""}
	countries := []string{"FR", "DE", "IT"}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		v, err := svc.Dashboard(ctx, registry.Operator(), "", countries[i%3], statuses[i%4], "", 50)
		lat = append(lat, time.Since(t0))
		if err != nil || len(v.Deadlines) == 0 {
			b.Fatalf("dashboard: %v (%d rows)", err, len(v.Deadlines))
		}
	}
	b.StopTimer()
	percentiles(b, lat, 50, 95)
}

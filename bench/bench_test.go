package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/bench"
	"github.com/accord-gov/accord/postgres"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/tlog"
)

var ctx = context.Background()

func sqliteStore(tb testing.TB) accord.Store {
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "accord.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func postgresStore(tb testing.TB) accord.Store {
	db, err := postgres.Open(ctx, pgtest.DSN(tb), postgres.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// benchFile files b.N systems through the service layer with 256 writers.
func benchFile(b *testing.B, s accord.Store) {
	b.ReportAllocs()
	res, err := bench.Run(ctx, bench.Config{Store: s, Filings: b.N, Concurrency: 256, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.FilingsPerSec, "filings/s")
}

func BenchmarkFileSQLite(b *testing.B)   { benchFile(b, sqliteStore(b)) }
func BenchmarkFilePostgres(b *testing.B) { benchFile(b, postgresStore(b)) }

// benchAppend appends b.N bare log entries with 256 writers.
func benchAppend(b *testing.B, s accord.Store) {
	res, err := bench.Run(ctx, bench.Config{Store: s, LogAppends: b.N, Concurrency: 256})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.LogAppendsPerSec, "appends/s")
}

func BenchmarkLogAppendSQLite(b *testing.B)   { benchAppend(b, sqliteStore(b)) }
func BenchmarkLogAppendPostgres(b *testing.B) { benchAppend(b, postgresStore(b)) }

// The search benchmarks share one store of each kind, filled once with
// 10,000 filings; TestMain removes them.
var (
	filled  = map[string]accord.Store{}
	cleanup []func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range cleanup {
		f()
	}
	os.Exit(code)
}

const searchCorpus = 10000

func filledStore(b *testing.B, kind string) accord.Store {
	if s, ok := filled[kind]; ok {
		return s
	}
	var s accord.Store
	switch kind {
	case "sqlite":
		path, rm, err := bench.TempSQLite()
		if err != nil {
			b.Fatal(err)
		}
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		s, cleanup = db, append(cleanup, func() { db.Close(); rm() })
	case "postgres":
		dsn, drop, err := pgtest.NewSchema(pgtest.ServerDSN(b))
		if err != nil {
			b.Fatal(err)
		}
		db, err := postgres.Open(ctx, dsn, postgres.Options{})
		if err != nil {
			b.Fatal(err)
		}
		s, cleanup = db, append(cleanup, func() { db.Close(); drop() })
	}
	if _, err := bench.Run(ctx, bench.Config{Store: s, Filings: searchCorpus, Concurrency: 256, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	filled[kind] = s
	return s
}

// benchSearch times searches (text in several scripts plus one filter) over
// 10,000 filings, one after another through the service layer, and
// reports the 95th percentile.
func benchSearch(b *testing.B, kind string) {
	s := filledStore(b, kind)
	skey, _, _ := tlog.GenerateKey("bench.search/log")
	l, err := tlog.New(tlog.Config{Store: s, SignerKey: skey})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	svc := registry.New(registry.Config{Store: s, Log: l})
	g := bench.NewGenerator(7)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		q := g.Query()
		t := time.Now()
		if _, err := svc.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}

func BenchmarkSearchSQLite(b *testing.B)   { benchSearch(b, "sqlite") }
func BenchmarkSearchPostgres(b *testing.B) { benchSearch(b, "postgres") }

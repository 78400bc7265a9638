package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/accord-gov/accord/bench"
	"github.com/accord-gov/accord/node"
)

func runBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "store to fill: sqlite:PATH or postgres://… (default: a temporary SQLite file, removed afterwards); never a node's live database")
	filings := fs.Int("filings", 10000, "systems to file through the service layer")
	appends := fs.Int("appends", -1, "bare log appends to time after the filings (default: as many as filings, at most 200000)")
	queries := fs.Int("queries", 1000, "searches to time (text in several scripts plus one filter)")
	concurrency := fs.Int("concurrency", 256, "writers filing at once; the sequencer commits what they queue as one batch")
	seed := fs.Uint64("seed", 1, "seed of the filing generator")
	reclassifyWithout := fs.String("reclassify-without", "", "pack ids, comma-separated: time re-classifying the whole store under all packs, without these (every system one of them applies to changes) and with all again")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof reads it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord bench [flags]\n\nFiles a multilingual registry through the service layer (group commit), times\nbare log appends and searches, and reports database size and peak RSS.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *filings < 0 || *queries < 0 || *concurrency <= 0 {
		fs.Usage()
		return 2
	}
	if *appends < 0 {
		*appends = min(*filings, 200000)
	}
	tuneGC() // as accord serve does, so that the figures are the node's
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dsn := *db
	if dsn == "" {
		path, cleanup, err := bench.TempSQLite()
		if err != nil {
			return fail(stderr, "bench", err)
		}
		defer cleanup()
		dsn = "sqlite:" + path
	}
	store, err := node.OpenStore(ctx, dsn, "", slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return fail(stderr, "bench", err)
	}
	defer store.Close()
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return fail(stderr, "bench", err)
	}
	defer stopProfile()
	res, err := bench.Run(ctx, bench.Config{Store: store, Filings: *filings, LogAppends: *appends, Queries: *queries, Concurrency: *concurrency, Seed: *seed, ReclassifyWithout: *reclassifyWithout, Progress: stderr})
	if err != nil {
		return fail(stderr, "bench", err)
	}
	fmt.Fprintf(stdout, "store            %T\n", store)
	fmt.Fprintf(stdout, "systems          %d in the store\n", res.SystemsInStore)
	if res.Filings > 0 {
		fmt.Fprintf(stdout, "filings          %d in %s: %.0f filings/s (concurrency %d)\n", res.Filings, res.FilingTime.Round(1e6), res.FilingsPerSec, *concurrency)
		fmt.Fprintf(stdout, "log batches      %d: %.0f writes and %s each on average\n", res.Batches, res.MeanBatch, res.MeanBatchTime.Round(time.Microsecond))
	}
	if res.LogAppends > 0 {
		fmt.Fprintf(stdout, "log appends      %d: %.0f appends/s\n", res.LogAppends, res.LogAppendsPerSec)
	}
	if res.Queries > 0 {
		fmt.Fprintf(stdout, "search           %d queries (%d with hits): p50 %s  p95 %s  p99 %s  max %s\n", res.Queries, res.Hits, res.P50, res.P95, res.P99, res.Max)
		for _, s := range res.Slowest {
			q := s.Query
			fmt.Fprintf(stdout, "  slow: %-9s q=%q country=%s domain=%s status=%s (%d results)\n", s.Time.Round(time.Microsecond), q.Q, q.Country, q.Domain, q.Status, s.Results)
		}
	}
	for _, r := range res.Reclassify {
		fmt.Fprintf(stdout, "reclassify       %d systems under %s packs in %s (%.0f systems/s): %d changed\n",
			r.Stats.Systems, r.Packs, r.Stats.Elapsed.Round(time.Millisecond), float64(r.Stats.Systems)/r.Stats.Elapsed.Seconds(), r.Stats.Changed)
	}
	fmt.Fprintf(stdout, "database size    %.1f MiB\n", float64(res.DBBytes)/(1<<20))
	fmt.Fprintf(stdout, "peak RSS         %.0f MiB\n", float64(res.PeakRSS)/(1<<20))
	return 0
}

// startCPUProfile starts a CPU profile into path, if it is set; the
// returned function ends it.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

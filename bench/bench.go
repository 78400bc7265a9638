package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/postgres"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/tlog"
)

// Config configures a run.
type Config struct {
	Store       accord.Store
	Filings     int    // filings to make through the service layer
	LogAppends  int    // bare log appends to time after the filings (0: none)
	Queries     int    // searches to time
	Concurrency int    // writers filing at once (the sequencer batches them)
	Seed        uint64 // generator seed
	// ReclassifyWithout, pack ids separated by commas, times re-classifying
	// the whole store three times: under all packs, without these, and with
	// all again.
	ReclassifyWithout string
	Progress          io.Writer
}

// Result holds a run's figures.
type Result struct {
	Filings       int
	FilingTime    time.Duration
	FilingsPerSec float64
	// Batches is how many log transactions the filings took, MeanBatch the
	// writes in one, MeanBatchTime from its start to its answers (commit
	// and fsync).
	Batches          int
	MeanBatch        float64
	MeanBatchTime    time.Duration
	LogAppends       int
	LogAppendsPerSec float64
	Queries          int
	Hits             int // searches with at least one result
	P50, P95, P99    time.Duration
	Max              time.Duration
	Slowest          []Timed // the slowest searches, slowest first
	Reclassify       []Reclassification
	SystemsInStore   int64
	DBBytes          int64
	PeakRSS          int64 // VmHWM of this process, bytes
}

// Timed is one search and how long it took.
type Timed struct {
	Query   accord.SystemQuery
	Time    time.Duration
	Results int
}

// Run files, appends and searches, and measures.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	skey, _, err := tlog.GenerateKey("bench.accord.local/log")
	if err != nil {
		return nil, err
	}
	// The log's batches say how the group commit went: how many writes each
	// transaction took and how long each took to answer (commit and fsync).
	var batches, batched atomic.Int64
	var batchTime atomic.Int64
	log, err := tlog.New(tlog.Config{Store: cfg.Store, SignerKey: skey, Metrics: tlog.Metrics{
		BatchSize:  func(n int) { batches.Add(1); batched.Add(int64(n)) },
		CommitTime: func(d time.Duration) { batchTime.Add(int64(d)) },
	}})
	if err != nil {
		return nil, err
	}
	defer log.Close()
	// The node's rule packs: every filing is classified under all of them,
	// as accord serve does.
	packs, err := frameworks.Packs()
	if err != nil {
		return nil, err
	}
	var without []*rules.Pack
	if cfg.ReclassifyWithout != "" {
		if without, err = packsWithout(packs, cfg.ReclassifyWithout); err != nil {
			return nil, err
		}
	}
	svc := registry.New(registry.Config{Store: cfg.Store, Log: log, Packs: packs})
	res := &Result{}

	if cfg.Filings > 0 {
		if err := file(ctx, cfg, svc, res); err != nil {
			return nil, err
		}
		if n := batches.Load(); n > 0 {
			res.Batches, res.MeanBatch = int(n), float64(batched.Load())/float64(n)
			res.MeanBatchTime = time.Duration(batchTime.Load() / n)
		}
	}
	if cfg.LogAppends > 0 {
		if err := appendLog(ctx, cfg, log, res); err != nil {
			return nil, err
		}
	}
	if cfg.Queries > 0 {
		if err := search(ctx, cfg, svc, res); err != nil {
			return nil, err
		}
	}
	if cfg.ReclassifyWithout != "" {
		if err := reclassify(ctx, cfg, packs, without, res); err != nil {
			return nil, err
		}
	}
	if res.DBBytes, err = Size(ctx, cfg.Store); err != nil {
		return nil, err
	}
	err = cfg.Store.View(ctx, func(tx accord.ReadTx) error {
		// Every system has a "status:" facet: count them.
		m, err := tx.FacetCounts(ctx, accord.SystemQuery{}, []string{"status"})
		for _, n := range m {
			res.SystemsInStore += int64(n)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	res.PeakRSS = PeakRSS()
	return res, nil
}

var admin = registry.Operator()

// file registers providers (one per 200 filings) and files through the
// service with cfg.Concurrency writers.
func file(ctx context.Context, cfg Config, svc *registry.Service, res *Result) error {
	nOrgs := max(20, cfg.Filings/200)
	orgs := make([]string, nOrgs)
	if err := parallel(cfg.Concurrency, nOrgs, func(i int) error {
		r, err := svc.RegisterOrganization(ctx, admin, orgAt(cfg.Seed, i))
		if err != nil {
			return fmt.Errorf("register provider %d: %w", i, err)
		}
		orgs[i] = r.Organization.ID
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(cfg.Progress, "filing %d systems with %d writers (%d providers)\n", cfg.Filings, cfg.Concurrency, nOrgs)
	var done atomic.Int64
	start := time.Now()
	stop := make(chan struct{})
	go progress(cfg.Progress, "filed", &done, cfg.Filings, start, stop)
	err := parallel(cfg.Concurrency, cfg.Filings, func(i int) error {
		// Filing i comes from its own seed: the same registry on every run
		// and store, whichever writer files it.
		f := NewGenerator(cfg.Seed*1_000_003 + uint64(i)).Filing()
		if _, err := svc.FileSystem(ctx, admin, registry.FileRequest{Provider: orgs[i%nOrgs], Filing: f}); err != nil {
			return fmt.Errorf("filing %d: %w", i, err)
		}
		done.Add(1)
		return nil
	})
	close(stop)
	if err != nil {
		return err
	}
	res.Filings = cfg.Filings
	res.FilingTime = time.Since(start)
	res.FilingsPerSec = float64(cfg.Filings) / res.FilingTime.Seconds()
	fmt.Fprintf(cfg.Progress, "filed %d in %s: %.0f filings/s\n", cfg.Filings, res.FilingTime.Round(time.Millisecond), res.FilingsPerSec)
	return nil
}

// orgAt is the i-th provider of a run.
func orgAt(seed uint64, i int) accord.NewOrganization {
	return NewGenerator(seed ^ uint64(i)<<20).Organization()
}

// appendLog times bare log appends: one small entry per write, no records,
// so the figure is the sequencer's and the store's log path alone.
func appendLog(ctx context.Context, cfg Config, log *tlog.Log, res *Result) error {
	start := time.Now()
	err := parallel(cfg.Concurrency, cfg.LogAppends, func(i int) error {
		e := []byte(fmt.Sprintf(`{"type":"bench.append","record":"b%d","time":"%s"}`, i, accord.LogTime(time.Now())))
		_, err := log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
			return [][]byte{e}, nil
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("log append: %w", err)
	}
	d := time.Since(start)
	res.LogAppends = cfg.LogAppends
	res.LogAppendsPerSec = float64(cfg.LogAppends) / d.Seconds()
	fmt.Fprintf(cfg.Progress, "appended %d log entries in %s: %.0f appends/s\n", cfg.LogAppends, d.Round(time.Millisecond), res.LogAppendsPerSec)
	return nil
}

// search times queries one after another through the service.
func search(ctx context.Context, cfg Config, svc *registry.Service, res *Result) error {
	g := NewGenerator(cfg.Seed + 424242)
	// Warm up connections and caches with a few queries first.
	for range min(50, cfg.Queries) {
		if _, err := svc.Search(ctx, g.Query()); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, 0, cfg.Queries)
	var timed []Timed
	for range cfg.Queries {
		q := g.Query()
		t := time.Now()
		p, err := svc.Search(ctx, q)
		if err != nil {
			return fmt.Errorf("search %+v: %w", q, err)
		}
		d := time.Since(t)
		lat = append(lat, d)
		timed = append(timed, Timed{q, d, len(p.Systems)})
		if len(p.Systems) > 0 {
			res.Hits++
		}
	}
	slices.SortFunc(timed, func(a, b Timed) int { return int(b.Time - a.Time) })
	res.Slowest = timed[:min(len(timed), 5)]
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	res.Queries = cfg.Queries
	res.P50, res.P95, res.P99, res.Max = pct(0.50), pct(0.95), pct(0.99), lat[len(lat)-1]
	fmt.Fprintf(cfg.Progress, "searched %d times: p50 %s p95 %s p99 %s max %s (%d with hits)\n", res.Queries, res.P50, res.P95, res.P99, res.Max, res.Hits)
	return nil
}

// parallel runs fn(0..n-1) on k goroutines and returns the first error.
func parallel(k, n int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(k, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n)) // stop the others
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

func progress(w io.Writer, what string, done *atomic.Int64, total int, start time.Time, stop chan struct{}) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			n := done.Load()
			fmt.Fprintf(w, "  %s %d/%d (%.0f/s), RSS peak %d MiB\n", what, n, total, float64(n)/time.Since(start).Seconds(), PeakRSS()>>20)
		}
	}
}

// Size is the store's size on disk: the SQLite file with its WAL, or the
// PostgreSQL schema's tables with their indexes and TOAST.
func Size(ctx context.Context, s accord.Store) (int64, error) {
	switch db := s.(type) {
	case *sqlite.DB:
		var total int64
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if fi, err := os.Stat(db.Path() + suffix); err == nil {
				total += fi.Size()
			}
		}
		return total, nil
	case *postgres.DB:
		var total int64
		err := db.Pool().QueryRow(ctx, `SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`, db.Schema()).Scan(&total)
		return total, err
	}
	return 0, nil
}

// PeakRSS is this process's peak resident set size (VmHWM), in bytes.
func PeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TempSQLite is a SQLite file in a new temporary directory.
func TempSQLite() (path string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "accord-bench-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(dir, "accord.db"), func() { os.RemoveAll(dir) }, nil
}

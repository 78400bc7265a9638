package consent_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/consent"
	"github.com/accord-gov/accord/postgres"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/tlog"
)

var ctx = context.Background()

type benchEnv struct {
	store    accord.Store
	log      *tlog.Log
	reg      *registry.Service
	cs       *consent.Service
	provider *registry.Caller
	system   string
	key      string
	secret   []byte
}

func newBenchEnv(tb testing.TB) *benchEnv {
	tb.Helper()
	// ACCORD_CONSENT_BENCH_STORE=postgres runs on the PostgreSQL server of
	// ACCORD_TEST_POSTGRES (a fresh schema) instead of SQLite.
	var store accord.Store
	var err error
	if os.Getenv("ACCORD_CONSENT_BENCH_STORE") == "postgres" {
		store, err = postgres.Open(ctx, pgtest.DSN(tb), postgres.Options{})
	} else {
		store, err = sqlite.Open(ctx, filepath.Join(tb.TempDir(), "accord.db"))
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	skey, _, err := tlog.GenerateKey("bench.example/log")
	if err != nil {
		tb.Fatal(err)
	}
	l, err := tlog.New(tlog.Config{Store: store, SignerKey: skey})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(l.Close)
	e := &benchEnv{store: store, log: l, reg: registry.New(registry.Config{Store: store, Log: l})}
	r, err := e.reg.RegisterOrganization(ctx, registry.Operator(), accord.NewOrganization{Name: accord.Text{"en": "Bench"}, Kind: "provider", Country: "FR"})
	if err != nil {
		tb.Fatal(err)
	}
	if e.provider, err = e.reg.Authenticate(ctx, r.Token.Secret); err != nil {
		tb.Fatal(err)
	}
	yes := true
	v, err := e.reg.FileSystem(ctx, e.provider, registry.FileRequest{Filing: accord.Filing{
		TradeName: accord.Text{"en": "Bench system"}, SystemVersion: "1", Status: "active", IntendedPurpose: accord.Text{"en": "Benchmarks"},
		Domains: []string{"general.conversational_assistant"}, DeploymentCountries: []string{"FR"}, Facts: accord.Facts{InteractsWithNaturalPersons: &yes}}})
	if err != nil {
		tb.Fatal(err)
	}
	e.system = v.ID
	if e.key, _, err = note.GenerateKey(rand.Reader, "bench.example/consent"); err != nil {
		tb.Fatal(err)
	}
	e.secret = make([]byte, 32)
	rand.Read(e.secret)
	e.cs = e.open(tb)
	if _, err := e.cs.PublishNotice(ctx, e.provider, e.system, accord.NewConsentNotice{
		Jurisdictions: []string{"EU"}, Text: accord.Text{"en": "Notice"},
		Purposes: []accord.ConsentPurpose{
			{ID: "training", DPV: "accord:TrainingOfAISystem", LegalBasis: accord.BasisConsent, DataCategories: []string{"pd:Preference"}, Title: accord.Text{"en": "Training"}},
			{ID: "improvement", DPV: "dpv:ServiceOptimisation", LegalBasis: accord.BasisLegitimateInterest, DataCategories: []string{"pd:UsageData"}, Title: accord.Text{"en": "Improvement"}},
		},
	}); err != nil {
		tb.Fatal(err)
	}
	return e
}

func (e *benchEnv) open(tb testing.TB) *consent.Service {
	cs, err := consent.New(ctx, consent.Config{Store: e.store, Log: e.log, Registry: e.reg, Key: e.key, Secret: e.secret, Poll: -1})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cs.Close)
	return cs
}

// Fill stores events for n subjects straight into the store (not through
// the log: a benchmark of checks needs the index's size, not the log's):
// every subject a grant, every tenth a later provider-wide objection,
// every twentieth a withdrawal; perSubject-events-per-subject on average
// with extra grants of the other purpose. It returns the pseudonyms and
// reopens the service so that its index loads them.
func (e *benchEnv) fill(tb testing.TB, subjects, perSubject int) []string {
	tb.Helper()
	n, err := e.cs.Notice(ctx, e.system, 0)
	if err != nil {
		tb.Fatal(err)
	}
	hash := n.Purposes[0].Hash()
	ps := make([]string, subjects)
	for i := range ps {
		ps[i], _ = e.cs.Pseudonym("subject", fmt.Sprintf("key:bench-subject-%012d-xxxxxxxxxx", i))
	}
	seq := int64(1 << 40) // far past the log: these events have no entries
	t0 := time.Now().Add(-time.Hour).UTC()
	const chunk = 20000
	for start := 0; start < subjects; start += chunk {
		err := e.store.Update(ctx, func(tx accord.WriteTx) error {
			for i := start; i < min(start+chunk, subjects); i++ {
				add := func(action string, scope accord.ConsentScope, purpose string) error {
					seq++
					ev := accord.ConsentEvent{ID: fmt.Sprintf("ce_b%d", seq), Subject: ps[i], Action: action, ConsentScope: scope, Purpose: purpose,
						Method: accord.MethodAPI, Role: accord.RoleSubject, Time: t0.Add(time.Duration(seq%3600) * time.Millisecond), Seq: seq}
					if action == accord.ActionGrant {
						ev.NoticeVersion, ev.PurposeHash, ev.Language = 1, hash, "en"
					}
					return tx.AddConsentEvent(ctx, ev)
				}
				if err := add(accord.ActionGrant, accord.ConsentScope{System: e.system}, "training"); err != nil {
					return err
				}
				for k := 1; k < perSubject; k++ {
					action := accord.ActionGrant
					if k%2 == 0 {
						action = accord.ActionWithdraw
					}
					if err := add(action, accord.ConsentScope{System: fmt.Sprintf("sys_other%d", k)}, "training"); err != nil {
						return err
					}
				}
				switch {
				case i%10 == 0:
					if err := add(accord.ActionObject, accord.ConsentScope{Provider: e.provider.Org()}, "*"); err != nil {
						return err
					}
				case i%20 == 5:
					if err := add(accord.ActionWithdraw, accord.ConsentScope{System: e.system}, "training"); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	e.cs.Close()
	e.cs = e.open(tb)
	return ps
}

// BenchmarkCheckInProcess: the provider-side check over the index (a
// pseudonym in hand), 100,000 subjects with about three events each.
func BenchmarkCheckInProcess(b *testing.B) {
	e := newBenchEnv(b)
	ps := e.fill(b, 100_000, 3)
	now := time.Now()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		cpu0 := cpuTime()
		for b.Loop() {
			e.cs.Allowed(e.system, "training", ps[i%len(ps)], now)
			i += 7919
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
		b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu_ns/op")
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(1_000_003))
			for pb.Next() {
				e.cs.Allowed(e.system, "training", ps[i%len(ps)], now)
				i += 7919
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
	})
	b.Run("decision", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := e.cs.Check(ctx, e.provider, accord.ConsentCheck{System: e.system, Purpose: "training", Subject: ps[i%len(ps)]}, ""); err != nil {
				b.Fatal(err)
			}
			i += 7919
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
	})
}

// BenchmarkRecord: durable events through the log's sequencer (group
// commit), each answered with its log receipt, consistency token and
// signed consent receipt; 256 concurrent writers per core (the log's own
// append benchmark uses 256 to 1,024 writers).
func BenchmarkRecord(b *testing.B) {
	e := newBenchEnv(b)
	var n atomic.Int64
	b.SetParallelism(256)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			req := accord.ConsentRequest{Subject: fmt.Sprintf("key:bench-writer-%012d-xxxxxxxxxx", i), Action: accord.ActionGrant,
				ConsentScope: accord.ConsentScope{System: e.system}, Purpose: "training", NoticeVersion: 1, Language: "en"}
			if i%4 == 0 {
				req = accord.ConsentRequest{Subject: req.Subject, Action: accord.ActionWithdraw, ConsentScope: req.ConsentScope, Purpose: "training"}
			}
			w, err := e.cs.Record(ctx, nil, req, consent.Channel{Method: accord.MethodAPI})
			if err != nil {
				b.Error(err)
				return
			}
			if w.Token == "" || w.ConsentReceipt.Signature == "" {
				b.Error("no token or receipt")
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu_µs/op")
}

// BenchmarkCheckAtScale: the check's latency percentiles with ten events
// per subject, for 10,000 subjects and for ACCORD_CONSENT_SCALE subjects
// (default 100,000; the run is 1,000,000, i.e. 10,000,000 events),
// with the store's size and the process's RSS after loading the index.
func BenchmarkCheckAtScale(b *testing.B) {
	big := 100_000
	if s := os.Getenv("ACCORD_CONSENT_SCALE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("ACCORD_CONSENT_SCALE=%q: give a number of subjects", s)
		}
		big = n
	}
	for _, subjects := range []int{10_000, big} {
		b.Run(fmt.Sprintf("subjects=%d", subjects), func(b *testing.B) {
			e := newBenchEnv(b)
			start := time.Now()
			ps := e.fill(b, subjects, 10)
			load := time.Since(start)
			now := time.Now()
			lat := make([]time.Duration, 0, 200_000)
			i := 0
			for b.Loop() {
				t0 := time.Now()
				e.cs.Allowed(e.system, "training", ps[i%len(ps)], now)
				if len(lat) < cap(lat) {
					lat = append(lat, time.Since(t0))
				}
				i += 7919
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50_ns")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99_ns")
			b.ReportMetric(load.Seconds(), "fill+load_s")
			if db, ok := e.store.(*sqlite.DB); ok {
				var size int64
				for _, suffix := range []string{"", "-wal"} {
					if fi, err := os.Stat(db.Path() + suffix); err == nil {
						size += fi.Size()
					}
				}
				b.ReportMetric(float64(size)/(1<<20), "store_MiB")
			}
			b.ReportMetric(float64(rssKiB())/1024, "rss_MiB")
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap_MiB")
			runtime.KeepAlive(ps)
		})
	}
}

// rssKiB reads the process's resident set size (Linux).
func rssKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// cpuTime is the process's user and system CPU time so far: on a machine
// shared with other work, CPU time per operation is the figure that does
// not depend on what else runs (wall-clock rates do).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

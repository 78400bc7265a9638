package tlog_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/tlog"
)

// The log's benchmarks run against a real SQLite file with durability on
// (WAL, synchronous=FULL: every commit is fsynced before Append returns).
//
//	go test -run '^$' -bench . -benchtime 5x ./tlog/

func benchLog(b *testing.B) (*sqlite.DB, *tlog.Log, string) {
	b.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	skey, vkey, _ := tlog.GenerateKey("bench.test/log")
	l, err := tlog.New(tlog.Config{Store: db, SignerKey: skey})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close(); db.Close() })
	return db, l, vkey
}

func entries(n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		e := make([]byte, size)
		rand.Read(e)
		out[i] = e
	}
	return out
}

// BenchmarkAppendBatch: durable appends of 1 KiB entries, one batch (one
// transaction, one checkpoint) per Append, by batch size.
func BenchmarkAppendBatch(b *testing.B) {
	for _, size := range []int{1, 16, 64, 256, 1024, 4096} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			_, l, _ := benchLog(b)
			es := entries(size, 1024)
			start := time.Now()
			n := 0
			for b.Loop() {
				if _, err := l.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) { return es, nil }); err != nil {
					b.Fatal(err)
				}
				n += size
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "entries/s")
		})
	}
}

// BenchmarkReceipts: 512 concurrent callers, each appending one 1 KiB entry
// and waiting for its own receipt (group commit batches them). Reports
// receipts/s and the latency from request to receipt.
func BenchmarkReceipts(b *testing.B) {
	_, l, vkey := benchLog(b)
	const callers = 512
	e := entries(1, 1024)[0]
	runCallers(b, callers, func() error {
		rs, err := l.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) { return [][]byte{e}, nil })
		if err == nil && len(rs) != 1 {
			err = fmt.Errorf("%d receipts", len(rs))
		}
		return err
	})
	_ = vkey
}

// runCallers runs b.N operations over n concurrent callers and reports
// throughput and latency percentiles.
func runCallers(b *testing.B, n int, op func() error) {
	b.Helper()
	var mu sync.Mutex
	var lat []time.Duration
	work := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for range work {
				t0 := time.Now()
				if err := op(); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	total := b.N * n
	start := time.Now()
	b.ResetTimer()
	for range total {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "receipts/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkProve1M: a fresh receipt (inclusion proof against the latest
// checkpoint, read from the store) for random entries of a 1,000,000-entry
// log; then an audit of the whole log from its tiles over HTTP.
func BenchmarkProve1M(b *testing.B) {
	db, l, vkey := benchLog(b)
	const size, batch = 1 << 20, 4096
	for i := 0; i < size; i += batch {
		es := make([][]byte, batch)
		for j := range es {
			es[j] = entry(i + j)
		}
		if _, err := l.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) { return es, nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("prove", func(b *testing.B) {
		var lat []time.Duration
		i := int64(0)
		for b.Loop() {
			idx := (i * 7919) % size
			i++
			t0 := time.Now()
			if _, err := l.Prove(ctx, idx); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	})
	b.Run("audit", func(b *testing.B) {
		srv := httptest.NewServer(http.StripPrefix("/log", tlog.Handler(db)))
		defer srv.Close()
		fetch := func(ctx context.Context, path string) ([]byte, error) {
			resp, err := http.Get(srv.URL + "/log/" + path)
			if err != nil {
				return nil, err
			}
			defer resp.Body.Close()
			buf := make([]byte, 0, 64<<10)
			for {
				if len(buf) == cap(buf) {
					buf = slices.Grow(buf, len(buf))
				}
				n, err := resp.Body.Read(buf[len(buf):cap(buf)])
				buf = buf[:len(buf)+n]
				if err != nil {
					break
				}
			}
			if resp.StatusCode != 200 {
				return nil, fmt.Errorf("%s: %d", path, resp.StatusCode)
			}
			return buf, nil
		}
		for b.Loop() {
			rep, err := tlog.Audit(ctx, fetch, vkey, nil, 8)
			if err != nil || rep.Entries != size {
				b.Fatalf("audit: %+v, %v", rep, err)
			}
		}
	})
}

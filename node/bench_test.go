package node_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/registry"
)

// BenchmarkReceiptsHTTP: concurrent clients, each filing a system (or
// issuing a token) and waiting for the response that carries its receipts
// (durably committed log entries). One op is one write. Each kind of write
// runs twice on fresh nodes with the same clients and the same writes: over
// HTTP on loopback, and through the registry service directly ("service"),
// so that the cost of the HTTP layer is the ratio of the two rates in one
// run. Reports receipts/s and the request-to-receipt latency.
//
//	go test -run '^$' -bench 'ReceiptsHTTP/.*/clients=16' -benchtime 4000x ./node/
func BenchmarkReceiptsHTTP(b *testing.B) {
	serveGC(b)
	for _, kind := range []string{"filing", "token"} {
		for _, clients := range []int{16, 512} {
			for _, via := range []string{"service", "http"} {
				b.Run(fmt.Sprintf("%s/clients=%d/%s", kind, clients, via), func(b *testing.B) {
					benchReceipts(b, kind == "token", clients, via == "http")
				})
			}
		}
	}
}

// serveGC runs a benchmark with the garbage collector settings accord
// serve gives the node (cmd/accord/serve.go, tuneGC: GOGC=400, a 768 MiB
// soft limit), unless GOGC or GOMEMLIMIT are set, as serve does.
func serveGC(b *testing.B) {
	if os.Getenv("GOGC") == "" {
		old := debug.SetGCPercent(400)
		b.Cleanup(func() { debug.SetGCPercent(old) })
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		old := debug.SetMemoryLimit(768 << 20)
		b.Cleanup(func() { debug.SetMemoryLimit(old) })
	}
}

// benchReceipts measures one kind of write: a whole filing (validation,
// classification, two log entries, search index), or a token issue (one
// small log entry), which shows the log's own cost.
func benchReceipts(b *testing.B, token bool, clients int, overHTTP bool) {
	n := testnode.Start(b, testnode.Options{})
	ctx := context.Background()
	admin := client.New(n.URL, n.AdminToken)
	reg, err := admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Bench"}, Kind: "provider", Country: "FR"})
	if err != nil {
		b.Fatal(err)
	}
	caller, err := n.Registry.Authenticate(ctx, reg.Token.Secret)
	if err != nil {
		b.Fatal(err)
	}
	// What one client sends: over HTTP through the Go client (encoding the
	// request, decoding the answer), or the same call on the service.
	write := func(c *client.Client, i int) error {
		switch {
		case token && overHTTP:
			t, err := c.IssueToken(ctx, reg.Organization.ID, "bench")
			if err == nil && t.Receipt == nil {
				err = fmt.Errorf("no receipt")
			}
			return err
		case token:
			t, err := n.Registry.IssueToken(ctx, caller, reg.Organization.ID, "bench")
			if err == nil && t.Receipt == nil {
				err = fmt.Errorf("no receipt")
			}
			return err
		case overHTTP:
			v, err := c.FileSystem(ctx, "", crashFiling(0, i), "")
			if err == nil && v.Receipt == nil {
				err = fmt.Errorf("no receipt")
			}
			return err
		default:
			v, err := n.Registry.FileSystem(ctx, caller, registry.FileRequest{Filing: crashFiling(0, i)})
			if err == nil && v.Receipt == nil {
				err = fmt.Errorf("no receipt")
			}
			return err
		}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	var seq atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	work := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &client.Client{Server: n.URL, Token: reg.Token.Secret, HTTP: &http.Client{Transport: tr, Timeout: time.Minute}}
			var mine []time.Duration
			for range work {
				t0 := time.Now()
				if err := write(c, int(seq.Add(1))); err != nil {
					b.Error(err)
					for range work { // let the sender finish
					}
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for range b.N {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	if len(lat) == 0 {
		b.Fatal("no write was answered")
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "receipts/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(meanBatch(b, n), "writes/batch")
	// CPU per write (the whole process: clients, server, sequencer, GC)
	// tells the cost of each path apart from how busy the machine was.
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(lat)), "cpu-µs/write")
	b.ReportMetric(0, "ns/op")
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// meanBatch is how many writes the log's group commit took per
// transaction, from the node's metrics: the fewer, the more each write pays
// for a commit of its own.
func meanBatch(b *testing.B, n *testnode.Node) float64 {
	mfs, err := n.Metrics.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "accord_log_batch_writes" {
			h := mf.GetMetric()[0].GetHistogram()
			return h.GetSampleSum() / float64(max(1, h.GetSampleCount()))
		}
	}
	b.Fatal("no accord_log_batch_writes metric")
	return 0
}

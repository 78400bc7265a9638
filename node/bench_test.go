package node_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/testnode"
)

// BenchmarkReceiptsHTTP: 512 concurrent clients over HTTP on loopback, each
// filing a system and waiting for the response that carries its receipts
// (filing and classification entries, durably committed). Reports
// receipts/s (HTTP writes answered) and the request-to-receipt latency.
//
//	go test -run '^$' -bench ReceiptsHTTP -benchtime 20x ./node/
func BenchmarkReceiptsHTTP(b *testing.B) {
	b.Run("filing", func(b *testing.B) { benchReceiptsHTTP(b, false) })
	b.Run("token", func(b *testing.B) { benchReceiptsHTTP(b, true) })
}

// benchReceiptsHTTP measures one kind of write over HTTP: a whole filing
// (validation, classification, two log entries, search index), or a token
// issue (one small log entry), which shows the log's own cost over HTTP.
func benchReceiptsHTTP(b *testing.B, token bool) {
	n := testnode.Start(b, testnode.Options{})
	ctx := context.Background()
	admin := client.New(n.URL, n.AdminToken)
	reg, err := admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Bench"}, Kind: "provider", Country: "FR"})
	if err != nil {
		b.Fatal(err)
	}
	const callers = 512
	tr := &http.Transport{MaxIdleConnsPerHost: callers, MaxConnsPerHost: callers}
	var seq atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	work := make(chan struct{})
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &client.Client{Server: n.URL, Token: reg.Token.Secret, HTTP: &http.Client{Transport: tr, Timeout: time.Minute}}
			var mine []time.Duration
			for range work {
				t0 := time.Now()
				if token {
					t, err := c.IssueToken(ctx, reg.Organization.ID, "bench")
					if err != nil || t.Receipt == nil {
						b.Error(err)
						return
					}
				} else {
					v, err := c.FileSystem(ctx, "", crashFiling(0, int(seq.Add(1))), "")
					if err != nil || v.Receipt == nil {
						b.Error(err)
						return
					}
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N * callers {
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

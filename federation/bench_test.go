package federation_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkAddCheckpoint: the witness's add-checkpoint over HTTP on
// loopback, on SQLite, with 16 logs submitting in parallel (each its next
// checkpoint, one size larger, with its consistency proof: the witness
// verifies the signature and the proof, cosigns and makes the new state
// durable before it answers). It reports requests per second and the p50
// and p99 latency.
//
//	go test -run '^$' -bench BenchmarkAddCheckpoint -benchtime 20000x ./federation
func BenchmarkAddCheckpoint(b *testing.B) {
	const logs = 16
	// As accord serve runs (cmd/accord: tuneGC).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	w := newWitnessNode(b)
	srv := httptest.NewServer(w.fed.Handler())
	defer srv.Close()
	per := b.N/logs + 1
	bodies := make([][][]byte, logs)
	for i := range logs {
		l := newFakeLog(b, fmt.Sprintf("bench%02d.test/log", i))
		w.addPeer(b, fmt.Sprintf("bench%02d", i), l)
		// Start each log at a size of some thousands, as a real one would be.
		if _, err := w.fed.AddCheckpoint(ctx, body(0, nil, l.checkpoint(b, 5000, nil))); err != nil {
			b.Fatal(err)
		}
		for n := int64(5001); n <= int64(5000+per); n++ {
			bodies[i] = append(bodies[i], body(n-1, l.proof(b, n, n-1), l.checkpoint(b, n, nil)))
		}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: logs}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	lat := make([][]time.Duration, logs)
	var wg sync.WaitGroup
	var failed sync.Once
	var failure error
	b.ResetTimer()
	start := time.Now()
	for i := range logs {
		n := b.N / logs
		if i < b.N%logs {
			n++
		}
		wg.Go(func() {
			for _, bd := range bodies[i][:n] {
				t0 := time.Now()
				resp, err := hc.Post(srv.URL+"/add-checkpoint", "text/plain", bytes.NewReader(bd))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("HTTP %d", resp.StatusCode)
					}
				}
				if err != nil {
					failed.Do(func() { failure = err })
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failure != nil {
		b.Fatal(failure)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}

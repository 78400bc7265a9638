package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/web"
)

// BenchmarkSearchFlood: 64 anonymous clients search as fast as they can
// (each at most 1,000 searches, all for at most 5 s; half over the API,
// half the web UI's search page, which counts facets too) while a probe asks
// /healthz every 20 ms and a provider files one system after another. It
// reports how often /healthz failed, the probe's and the filer's latency,
// and how many searches were answered 200 and 429. One op is one flood.
//
//	go test -run '^$' -bench SearchFlood -benchtime 1x ./node/
func BenchmarkSearchFlood(b *testing.B) {
	const (
		searchers = 64
		perClient = 1000
		maxTime   = 5 * time.Second
		stored    = 3000 // systems in the store, so that a search has work to do
	)
	// The web UI too: its search page also counts the results' facets.
	var ui http.Handler = http.NotFoundHandler()
	n := testnode.Start(b, testnode.Options{HTTP: node.HTTPOptions{Web: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ui.ServeHTTP(w, r) })}})
	ui = web.New(web.Config{Registry: n.Registry, VerifierKey: n.VerifierKey})
	ctx := context.Background()
	reg, err := client.New(n.URL, n.AdminToken).RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Flood"}, Kind: "provider", Country: "FR"})
	if err != nil {
		b.Fatal(err)
	}
	caller, err := n.Registry.Authenticate(ctx, reg.Token.Secret)
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 32 {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= stored; i = int(next.Add(1)) {
				if _, err := n.Registry.FileSystem(ctx, caller, registry.FileRequest{Filing: crashFiling(2, i)}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	tr := &http.Transport{MaxIdleConnsPerHost: searchers + 2}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	get := func(path string) int {
		resp, err := hc.Get(n.URL + path)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	filing, _ := json.Marshal(crashFiling(3, 0))
	var healthFails, searched, refused, other int
	var probeLat, writeLat []time.Duration
	b.ResetTimer()
	for range b.N {
		stop := make(chan struct{})
		deadline := time.AfterFunc(maxTime, func() { close(stop) })
		var ok200, ok429, okOther atomic.Int64
		var flood sync.WaitGroup
		for c := range searchers {
			flood.Go(func() {
				for range perClient {
					select {
					case <-stop:
						return
					default:
					}
					// Broad searches, as a scraper would make: every
					// system matches; half over the API, half the web
					// UI's search page.
					path := "/v1/systems?q=crash&limit=50&country=FR"
					if c%2 == 1 {
						path = "/search?q=crash"
					}
					switch get(path) {
					case http.StatusOK:
						ok200.Add(1)
					case http.StatusTooManyRequests:
						ok429.Add(1)
					default:
						okOther.Add(1)
					}
				}
			})
		}
		floodDone := make(chan struct{})
		go func() { flood.Wait(); close(floodDone) }()
		var side sync.WaitGroup
		side.Go(func() { // the probe
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-floodDone:
					return
				case <-tick.C:
				}
				t0 := time.Now()
				if get("/healthz") != http.StatusOK {
					healthFails++
				}
				probeLat = append(probeLat, time.Since(t0))
			}
		})
		side.Go(func() { // the filer
			for {
				select {
				case <-floodDone:
					return
				default:
				}
				req, _ := http.NewRequest("POST", n.URL+"/v1/systems", bytes.NewReader(filing))
				req.Header.Set("Authorization", "Bearer "+reg.Token.Secret)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					b.Errorf("filing during the flood: %d", resp.StatusCode)
					return
				}
				writeLat = append(writeLat, time.Since(t0))
			}
		})
		<-floodDone
		deadline.Stop()
		side.Wait()
		searched += int(ok200.Load())
		refused += int(ok429.Load())
		other += int(okOther.Load())
	}
	b.StopTimer()
	if len(probeLat) == 0 || len(writeLat) == 0 {
		b.Fatal("no probe or no filing completed")
	}
	pct := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(healthFails), "healthz-fails")
	b.ReportMetric(float64(len(probeLat)), "healthz-probes")
	b.ReportMetric(pct(probeLat, 0.99), "healthz-p99-ms")
	b.ReportMetric(float64(len(writeLat)), "writes")
	b.ReportMetric(pct(writeLat, 0.50), "write-p50-ms")
	b.ReportMetric(pct(writeLat, 0.99), "write-p99-ms")
	b.ReportMetric(float64(searched), "searches-200")
	b.ReportMetric(float64(refused), "searches-429")
	b.ReportMetric(float64(other), "searches-other")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkTokenGuessing: 8 clients from one address send 2,000 requests
// with made-up tokens. Reports guesses/s that reached the token check
// (answered 401) and how many were refused with 429 before it.
//
//	go test -run '^$' -bench TokenGuessing -benchtime 1x ./node/
func BenchmarkTokenGuessing(b *testing.B) {
	const clients, guesses = 8, 2000
	n := testnode.Start(b, testnode.Options{})
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	var tried, refused, other atomic.Int64
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for i := next.Add(1); i <= guesses; i = next.Add(1) {
					req, _ := http.NewRequest("GET", n.URL+"/v1/organizations", nil)
					req.Header.Set("Authorization", fmt.Sprintf("Bearer accord_guess%064d", i))
					resp, err := hc.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					switch resp.StatusCode {
					case http.StatusUnauthorized:
						tried.Add(1)
					case http.StatusTooManyRequests:
						refused.Add(1)
					default:
						other.Add(1)
					}
				}
			})
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(tried.Load())/elapsed.Seconds(), "guesses-checked/s")
	b.ReportMetric(float64(tried.Load()), "answered-401")
	b.ReportMetric(float64(refused.Load()), "answered-429")
	b.ReportMetric(float64(other.Load()), "answered-other")
	b.ReportMetric(0, "ns/op")
}

package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/consent"
	"github.com/accord-gov/accord/internal/testnode"
)

// BenchmarkConsentCheckHTTP: provider checks over HTTP on loopback (keep-
// alive, 32 concurrent clients), against 2,000 subjects with a grant or a
// withdrawal each; reports checks/s and the latency percentiles.
func BenchmarkConsentCheckHTTP(b *testing.B) {
	n := testnode.Start(b, testnode.Options{})
	ctx := context.Background()
	admin := client.New(n.URL, n.AdminToken)
	r, err := admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Bench"}, Kind: "provider", Country: "FR"})
	if err != nil {
		b.Fatal(err)
	}
	prov := client.New(n.URL, r.Token.Secret)
	v, err := prov.FileSystem(ctx, "", sampleFiling(), "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := prov.PublishConsentNotice(ctx, v.ID, consentNotice()); err != nil {
		b.Fatal(err)
	}
	var subjects []string
	for i := range 2000 {
		id := fmt.Sprintf("key:http-bench-%08d-xxxxxxxxxxxxxx", i)
		req := accord.ConsentRequest{Subject: id, Action: accord.ActionGrant, ConsentScope: accord.ConsentScope{System: v.ID}, Purpose: "training", NoticeVersion: 1, Language: "en"}
		if i%5 == 0 {
			req = accord.ConsentRequest{Subject: id, Action: accord.ActionWithdraw, ConsentScope: req.ConsentScope, Purpose: "training"}
		}
		w, err := n.Consent.Record(ctx, nil, req, consent.Channel{Method: accord.MethodAPI})
		if err != nil {
			b.Fatal(err)
		}
		subjects = append(subjects, w.Event.Subject)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
	urls := make([]string, len(subjects))
	for i, s := range subjects {
		urls[i] = n.URL + "/v1/consent/check?" + url.Values{"system": {v.ID}, "purpose": {"training"}, "subject": {s}}.Encode()
	}
	var mu sync.Mutex
	var lat []time.Duration
	var next atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			i := next.Add(1)
			req, _ := http.NewRequest("GET", urls[int(i)%len(urls)], nil)
			req.Header.Set("Authorization", "Bearer "+r.Token.Secret)
			t0 := time.Now()
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		cpu := ru.Utime.Nano() + ru.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
		b.ReportMetric(float64(cpu)/1e3/float64(b.N), "cpu_µs/op") // client and server together
	}
}

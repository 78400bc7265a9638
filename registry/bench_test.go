package registry_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
)

// fill files n systems concurrently through the service (group commit).
func fill(b *testing.B, e *env, n int) {
	var wg sync.WaitGroup
	work := make(chan int)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if _, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: filing(i)}); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// BenchmarkReclassify10k re-classifies 10,000 stored filings under all packs.
// "unchanged" is a re-run under the same packs (nothing to write); "all
// changed" drops a pack, so every system's summary and facets are rewritten.
// The reported systems/s extrapolates to the 1,000,000-filing target.
func BenchmarkReclassify10k(b *testing.B) {
	all, err := frameworks.Packs()
	if err != nil {
		b.Fatal(err)
	}
	var withoutEU []*rules.Pack
	for _, p := range all {
		if p.ID != "eu-ai-act" {
			withoutEU = append(withoutEU, p)
		}
	}
	const n = 10000
	e := newEnv(b, all)
	fill(b, e, n)
	for _, bc := range []struct {
		name  string
		packs [][]*rules.Pack // alternated so that every run changes every system
	}{
		{"unchanged", [][]*rules.Pack{all}},
		{"all_changed", [][]*rules.Pack{withoutEU, all}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var total time.Duration
			for i := 0; b.Loop(); i++ {
				svc := registry.New(registry.Config{Store: e.store, Log: e.log, Packs: bc.packs[i%len(bc.packs)]})
				st, err := svc.Reclassify(ctx, time.Now())
				if err != nil || st.Systems != n {
					b.Fatalf("%+v, %v", st, err)
				}
				total += st.Elapsed
			}
			b.ReportMetric(float64(n*b.N)/total.Seconds(), "systems/s")
		})
	}
}

// BenchmarkFileSystem files through the service under every pack, with 64
// concurrent writers holding one provider's token, as API clients do: the
// filing rate, and what authorising each write costs inside the sequencer.
func BenchmarkFileSystem(b *testing.B) {
	packs, err := frameworks.Packs()
	if err != nil {
		b.Fatal(err)
	}
	e := newEnv(b, packs)
	var next atomic.Int64
	b.SetParallelism(32) // 64 writers on two cores
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: filing(int(next.Add(1)))}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "filings/s")
}

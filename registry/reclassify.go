package registry

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"sync"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/rules"
)

// ReclassifyStats says what a re-classification did.
type ReclassifyStats struct {
	Systems int           // systems classified
	Changed int           // systems whose level or tiers changed (their summary and facets were rewritten)
	Elapsed time.Duration // wall time
}

// Reclassify classifies the current version of every system under the
// service's packs as of a date, and updates each system's summary and search
// facets where the outcome changed: what a rule change triggers. The
// classification stored with each version (the one in the log, made when it
// was filed) stays as it was; GET …/classification?as_of= recomputes.
//
// Reading, classifying (one worker per CPU) and writing (batched
// transactions) run concurrently.
func (s *Service) Reclassify(ctx context.Context, asOf time.Time) (ReclassifyStats, error) {
	start := time.Now()
	type job struct {
		sys     accord.System
		sum     accord.SystemSummary
		filing  accord.Filing
		changed bool
		facets  []string // for a changed system: its new classification facets
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var firstErr error
	var errOnce sync.Once
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}

	jobs := make(chan *job, 1024)
	done := make(chan *job, 1024)
	// Reader: pages of summaries, newest first; fetchers read the current
	// versions of a page in parallel (decoding filings is the costly part).
	pages := make(chan []accord.SystemSummary, 4)
	go func() {
		defer close(pages)
		cursor := ""
		for {
			var page *accord.SystemPage
			err := s.store.View(ctx, func(tx accord.ReadTx) error {
				var err error
				page, err = tx.SearchSystems(ctx, accord.SystemQuery{Cursor: cursor, Limit: 100})
				return err
			})
			if err != nil {
				fail(fmt.Errorf("reclassify: read systems: %w", err))
				return
			}
			select {
			case pages <- page.Systems:
			case <-ctx.Done():
				return
			}
			if page.Next == "" {
				return
			}
			cursor = page.Next
		}
	}()
	var fetchers sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		fetchers.Add(1)
		go func() {
			defer fetchers.Done()
			for sums := range pages {
				var batch []*job
				err := s.store.View(ctx, func(tx accord.ReadTx) error {
					for _, sum := range sums {
						v, err := tx.SystemVersion(ctx, sum.ID, sum.Version)
						if err != nil {
							return err
						}
						sys := accord.System{ID: sum.ID, Provider: sum.Provider, Version: sum.Version}
						batch = append(batch, &job{sys: sys, sum: sum, filing: v.Filing})
					}
					return nil
				})
				if err != nil {
					fail(fmt.Errorf("reclassify: read versions: %w", err))
					return
				}
				for _, j := range batch {
					select {
					case jobs <- j:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
	}
	go func() { fetchers.Wait(); close(jobs) }()
	// Classifiers.
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				cl := &classification{result: rules.Classify(j.filing, s.packs, asOf)}
				level, tiers := cl.levels()
				j.changed = level != j.sum.Level || !maps.Equal(tiers, j.sum.Tiers)
				if j.changed {
					j.sum.Level, j.sum.Tiers = level, tiers
					j.facets = cl.facets()
				}
				select {
				case done <- j:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	// Writer: changed systems, in transactions of up to 2000.
	stats := ReclassifyStats{}
	var pending []*job
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := s.store.Update(ctx, func(tx accord.WriteTx) error {
			for _, j := range pending {
				// Re-read the head: a filing may have landed since it was read.
				cur, err := tx.System(ctx, j.sys.ID)
				if err != nil {
					return err
				}
				if cur.Version != j.sys.Version || cur.Status != j.sum.Status {
					continue // the new version was classified when it was filed
				}
				if err := tx.SetClassification(ctx, j.sum, j.facets); err != nil {
					return err
				}
			}
			return nil
		})
		pending = pending[:0]
		return err
	}
	for j := range done {
		stats.Systems++
		if !j.changed {
			continue
		}
		stats.Changed++
		pending = append(pending, j)
		if len(pending) == 2000 {
			if err := flush(); err != nil {
				fail(fmt.Errorf("reclassify: write: %w", err))
			}
		}
	}
	if firstErr == nil {
		if err := flush(); err != nil {
			fail(fmt.Errorf("reclassify: write: %w", err))
		}
	}
	stats.Elapsed = time.Since(start)
	return stats, firstErr
}

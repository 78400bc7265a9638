package registry

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/rules"
)

// ReclassifyStats says what a re-classification did.
type ReclassifyStats struct {
	Systems int           // systems classified
	Changed int           // systems whose level or tiers changed (their classification facets were rewritten)
	Elapsed time.Duration // wall time
}

// classInput holds the fields of a filing that classification reads.
// Decoding a stored version into it skips the texts in every language, most
// of a version's bytes; TestClassInputCoversFiling keeps it in step with
// accord.Filing.
type classInput struct {
	Kind                string       `json:"kind"`
	Status              string       `json:"status"`
	Domains             []string     `json:"domains"`
	AlgorithmTypes      []string     `json:"algorithm_types"`
	DeploymentCountries []string     `json:"deployment_countries"`
	DeploymentRegions   []string     `json:"deployment_regions"`
	DeployerKinds       []string     `json:"deployer_kinds"`
	AffectedPersons     []string     `json:"affected_persons"`
	Facts               accord.Facts `json:"facts"`
	PersonalData        []string     `json:"personal_data"`
	Roles               []string     `json:"roles"`
	EstablishedIn       []string     `json:"established_in"`
	OutputUsedIn        []string     `json:"output_used_in"`
	// Confidential names the inputs the public classification withholds.
	Confidential []string `json:"confidential"`
}

func (c classInput) filing() accord.Filing {
	return accord.Filing{
		Kind: c.Kind, Status: c.Status, Domains: c.Domains, AlgorithmTypes: c.AlgorithmTypes, DeploymentCountries: c.DeploymentCountries,
		DeploymentRegions: c.DeploymentRegions, DeployerKinds: c.DeployerKinds, AffectedPersons: c.AffectedPersons,
		Facts: c.Facts, PersonalData: c.PersonalData, Confidential: c.Confidential,
		Roles: c.Roles, EstablishedIn: c.EstablishedIn, OutputUsedIn: c.OutputUsedIn,
	}
}

// Reclassify classifies the current version of every system under the
// service's packs as of a date, and updates each system's classification
// facets (and so the level and tiers its summary shows) where the outcome
// changed: what a rule change triggers. Facets and summaries are public, so
// this is the public outcome: confidential inputs withheld. The
// classification stored with each version (the one in the log, made when it
// was filed) stays as it was; GET …/classification?as_of= recomputes.
//
// One reader pages through the stored heads, workers (one per CPU) decode
// what classification needs and compute the outcome, and one writer updates
// the changed systems in batched transactions, all at once.
func (s *Service) Reclassify(ctx context.Context, asOf time.Time) (ReclassifyStats, error) {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var firstErr error
	var errOnce sync.Once
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}

	pages := make(chan []accord.StoredHead, 4)
	go func() {
		defer close(pages)
		cursor := ""
		for {
			var page *accord.HeadPage
			err := s.store.View(ctx, func(tx accord.ReadTx) error {
				var err error
				page, err = tx.Heads(ctx, cursor, 500)
				return err
			})
			if err != nil {
				fail(fmt.Errorf("reclassify: read systems: %w", err))
				return
			}
			select {
			case pages <- page.Heads:
			case <-ctx.Done():
				return
			}
			if page.Next == "" {
				return
			}
			cursor = page.Next
		}
	}()

	// Workers send one result per page: the number of systems and the changes.
	type result struct {
		n       int
		changes []accord.Reclassification
	}
	results := make(chan result, 4)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for heads := range pages {
				var r result
				for _, h := range heads {
					c, changed, err := s.reclassifyHead(h, asOf)
					if err != nil {
						fail(fmt.Errorf("reclassify: %w", err))
						return
					}
					r.n++
					if changed {
						r.changes = append(r.changes, c)
					}
				}
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// Writer: changed systems, in transactions of up to 2000.
	stats := ReclassifyStats{}
	var pending []accord.Reclassification
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := s.store.Update(ctx, func(tx accord.WriteTx) error {
			for _, c := range pending {
				// Not applied if the system was written since its head was
				// read: a new version was classified when it was filed.
				if _, err := tx.SetClassification(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		pending = pending[:0]
		return err
	}
	for r := range results {
		stats.Systems += r.n
		stats.Changed += len(r.changes)
		for _, c := range r.changes {
			pending = append(pending, c)
			if len(pending) == 2000 {
				if err := flush(); err != nil {
					fail(fmt.Errorf("reclassify: write: %w", err))
				}
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

// reclassifyHead computes a stored system's outcome under the service's
// packs and, if its level or tiers changed, what to record.
func (s *Service) reclassifyHead(h accord.StoredHead, asOf time.Time) (accord.Reclassification, bool, error) {
	var v struct {
		Filing classInput `json:"filing"`
	}
	if err := jsonv2.Unmarshal(h.Current, &v); err != nil {
		return accord.Reclassification{}, false, fmt.Errorf("decode stored version of %s: %w", h.ID, err)
	}
	// Only the outcome: the facets hold no explanation. They are public, so
	// they are those of the public classification, the confidential inputs
	// withheld (the engine ignores their values).
	f := v.Filing.filing()
	cl := &classification{result: rules.OutcomeWithheld(f, f.Confidential, s.Packs(), asOf)}
	cur := cl.facets()
	if slices.Equal(cur, h.Class) {
		return accord.Reclassification{}, false, nil
	}
	r := accord.Reclassification{ID: h.ID, Version: h.Version}
	for _, f := range h.Class {
		if !slices.Contains(cur, f) {
			r.Remove = append(r.Remove, f)
		}
	}
	for _, f := range cur {
		if !slices.Contains(h.Class, f) {
			r.Add = append(r.Add, f)
		}
	}
	return r, true, nil
}

// ClassificationFiling reads a stored version (StoredHead.Current) into the
// fields of its filing that classification reads, skipping the texts in
// every language, as re-classification does: for whole-registry passes of
// other services (governance's impact preview).
func ClassificationFiling(current []byte) (accord.Filing, error) {
	var v struct {
		Filing classInput `json:"filing"`
	}
	if err := jsonv2.Unmarshal(current, &v); err != nil {
		return accord.Filing{}, fmt.Errorf("decode stored version: %w", err)
	}
	return v.Filing.filing(), nil
}

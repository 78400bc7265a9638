package governance

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
)

// The impact preview: every system the node holds, classified under the
// base and the proposed version of the pack (with the baseline), and the
// difference. It runs in the background; a read while it runs shows its
// progress. It is computed again when the registry changed since (the
// node's log or a mirrored one grew) while the proposal is open.

// impactRun is one computation, kept per proposal.
type impactRun struct {
	mu      sync.Mutex
	stamp   int64 // the registry's size when it started
	started time.Time
	done    bool
	result  accord.Impact
	moved   []accord.ImpactSystem
}

// registryStamp is a number that grows whenever the registry can have
// changed: the node's log size plus every mirrored log's decoded entries.
func registryStamp(ctx context.Context, tx accord.ReadTx) (int64, error) {
	n, err := tx.LogSize(ctx)
	if err != nil {
		return 0, err
	}
	ms, err := tx.MirrorStates(ctx)
	if err != nil {
		return 0, err
	}
	for _, m := range ms {
		n += m.Indexed
	}
	return n, nil
}

// ImpactQuery filters and pages the moved systems.
type ImpactQuery struct {
	Country string // only systems deployed in it
	To      string // only systems moving to this tier
	Cursor  string
	Limit   int
}

// Impact returns the proposal's impact preview: finished, or in progress
// (State "running"), starting a computation when there is none or the
// registry changed since the last while the proposal is open.
func (s *Service) Impact(ctx context.Context, id string, q ImpactQuery) (*accord.Impact, error) {
	var prop *accord.Proposal
	var stamp int64
	if err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		if prop, err = proposal(ctx, tx, id); err != nil {
			return err
		}
		stamp, err = registryStamp(ctx, tx)
		return err
	}); err != nil {
		return nil, err
	}
	open := accord.LogTime(s.now()) <= prop.Content.Closes
	s.mu.Lock()
	if s.impacts == nil {
		s.impacts = map[string]*impactRun{}
		s.refreshing = map[string]*impactRun{}
	}
	run, next := s.impacts[id], s.refreshing[id]
	if next != nil && next.isDone() {
		s.impacts[id], s.refreshing[id] = next, nil
		run, next = next, nil
	}
	// Start a computation when there is none, or (while the proposal is
	// open) when the registry changed since the last one began and it
	// finished a while ago: the last result stays shown meanwhile.
	stale := run != nil && open && run.isDone() && run.stamp < stamp && s.now().Sub(run.started) > impactRefresh
	if next == nil && (run == nil || stale) {
		base, proposed, err := s.versions(ctx, prop)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		next = &impactRun{stamp: stamp, started: s.now()}
		next.result = accord.Impact{Proposal: id, Pack: prop.Content.Pack, AsOf: string(rules.DateOf(s.now())), State: "running"}
		if run == nil {
			s.impacts[id], run = next, next
		} else {
			s.refreshing[id] = next
		}
		s.wg.Add(1)
		go func(r *impactRun) {
			defer s.wg.Done()
			s.computeImpact(r, base, proposed, s.now())
		}(next)
	}
	s.mu.Unlock()
	im, err := run.page(q)
	if err == nil && next != nil && next != run {
		im.Refreshing = true
	}
	return im, err
}

// impactRefresh is the least time between two computations of a preview.
const impactRefresh = 10 * time.Second

func (r *impactRun) isDone() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done
}

// page copies the result with one page of the moved systems.
func (r *impactRun) page(q ImpactQuery) (*accord.Impact, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.result
	out.Moves = slices.Clone(out.Moves)
	out.List = []accord.ImpactSystem{}
	if out.Moves == nil {
		out.Moves = []accord.ImpactMove{}
	}
	if !r.done {
		return &out, nil
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	from := 0
	if q.Cursor != "" {
		n, err := strconv.Atoi(q.Cursor)
		if err != nil || n < 0 {
			return nil, accord.FieldErrorf("cursor", "is not a cursor this list gave")
		}
		from = n
	}
	for i := from; i < len(r.moved); i++ {
		m := r.moved[i]
		if (q.Country != "" && !slices.Contains(m.Countries, q.Country)) || (q.To != "" && m.To != q.To) {
			continue
		}
		if len(out.List) == limit {
			out.Next = strconv.Itoa(i)
			break
		}
		out.List = append(out.List, m)
	}
	return &out, nil
}

// versions returns the base and proposed packs of a proposal (nil for
// none: a pack added or retired).
func (s *Service) versions(ctx context.Context, p *accord.Proposal) (base, proposed *rules.Pack, err error) {
	if p.Content.BaseHash != "" {
		if base = s.packByHash(ctx, p.Content.Pack, p.Content.BaseHash); base == nil {
			return nil, nil, accord.Errorf(accord.ENotFound, "the base version %s of %s is no longer held at this node", p.Content.BaseVersion, p.Content.Pack)
		}
	}
	if p.Content.ProposedHash != "" {
		if proposed = s.packByHash(ctx, p.Content.Pack, p.Content.ProposedHash); proposed == nil {
			return nil, nil, fmt.Errorf("proposal %s: its proposed pack does not load", p.ID)
		}
	}
	return base, proposed, nil
}

// computeImpact classifies every system under both versions.
func (s *Service) computeImpact(run *impactRun, base, proposed *rules.Pack, at time.Time) {
	ctx := context.Background()
	var baseline *rules.Pack
	if ps := s.reg.Packs(); len(ps) > 0 && ps[0].IsBaseline() {
		baseline = ps[0]
	}
	var total int
	_ = s.store.View(ctx, func(tx accord.ReadTx) error {
		n, err := tx.FacetCounts(ctx, accord.SystemQuery{}, []string{"kind"})
		for _, c := range n {
			total += c
		}
		return err
	})
	run.mu.Lock()
	run.result.Total = total
	run.mu.Unlock()
	pages := make(chan []accord.StoredHead, 4)
	go func() {
		defer close(pages)
		cursor := ""
		for {
			var page *accord.HeadPage
			if err := s.store.View(ctx, func(tx accord.ReadTx) error {
				var err error
				page, err = tx.Heads(ctx, cursor, 500)
				return err
			}); err != nil {
				s.logger.Warn("governance: impact preview: read systems", "err", err)
				return
			}
			pages <- page.Heads
			if page.Next == "" {
				return
			}
			cursor = page.Next
		}
	}()
	type part struct {
		n     int
		moved []accord.ImpactSystem
		moves map[[3]string]int
		gain  map[string]int
		lose  map[string]int
	}
	parts := make(chan part, 4)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for heads := range pages {
				p := part{moves: map[[3]string]int{}, gain: map[string]int{}, lose: map[string]int{}}
				for _, h := range heads {
					m, ok := impactOf(h, baseline, base, proposed, at)
					p.n++
					if !ok {
						continue
					}
					p.moved = append(p.moved, m)
					for _, c := range m.Countries {
						p.moves[[3]string{m.From, m.To, c}]++
					}
					for _, o := range m.Gained {
						p.gain[o]++
					}
					for _, o := range m.Lost {
						p.lose[o]++
					}
				}
				parts <- p
			}
		}()
	}
	go func() { wg.Wait(); close(parts) }()
	moves := map[[3]string]int{}
	gained, lost := map[string]int{}, map[string]int{}
	var moved []accord.ImpactSystem
	n := 0
	for p := range parts {
		n += p.n
		moved = append(moved, p.moved...)
		for k, v := range p.moves {
			moves[k] += v
		}
		for k, v := range p.gain {
			gained[k] += v
		}
		for k, v := range p.lose {
			lost[k] += v
		}
		run.mu.Lock()
		run.result.Done = n
		run.mu.Unlock()
	}
	slices.SortFunc(moved, func(a, b accord.ImpactSystem) int { return cmp.Compare(a.ID, b.ID) })
	var ms []accord.ImpactMove
	for k, v := range moves {
		ms = append(ms, accord.ImpactMove{From: k[0], To: k[1], Country: k[2], Count: v})
	}
	slices.SortFunc(ms, func(a, b accord.ImpactMove) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Country, b.Country))
	})
	now := s.now().UTC()
	run.mu.Lock()
	run.result.State, run.result.Computed = "done", &now
	run.result.Done, run.result.Systems, run.result.Moved = n, n, len(moved)
	run.result.Moves, run.result.Gained, run.result.Lost = ms, gained, lost
	run.moved = moved
	run.done = true
	run.mu.Unlock()
}

// impactOf classifies one stored system under the base and proposed
// version of the pack and reports whether its tier or duties under it
// change.
func impactOf(h accord.StoredHead, baseline, base, proposed *rules.Pack, at time.Time) (accord.ImpactSystem, bool) {
	f, err := registry.ClassificationFiling(h.Current)
	if err != nil {
		return accord.ImpactSystem{}, false
	}
	from, fromDuties := tierUnder(f, baseline, base, at)
	to, toDuties := tierUnder(f, baseline, proposed, at)
	m := accord.ImpactSystem{ID: h.ID, From: from, To: to, Countries: f.DeploymentCountries}
	for d := range toDuties {
		if !fromDuties[d] {
			m.Gained = append(m.Gained, d)
		}
	}
	for d := range fromDuties {
		if !toDuties[d] {
			m.Lost = append(m.Lost, d)
		}
	}
	slices.Sort(m.Gained)
	slices.Sort(m.Lost)
	moved := from != to || len(m.Gained) > 0 || len(m.Lost) > 0
	if moved { // its name, for the list (texts are skipped otherwise)
		var v struct {
			Filing struct {
				TradeName accord.Text `json:"trade_name"`
			} `json:"filing"`
		}
		if jsonv2.Unmarshal(h.Current, &v) == nil {
			m.Name = v.Filing.TradeName
		}
	}
	return m, moved
}

// tierUnder is a filing's tier and duties under one pack ("not_applicable"
// when the pack does not apply, "" for no pack).
func tierUnder(f accord.Filing, baseline, p *rules.Pack, at time.Time) (string, map[string]bool) {
	if p == nil {
		return "", nil
	}
	packs := []*rules.Pack{p}
	if baseline != nil {
		packs = []*rules.Pack{baseline, p}
	}
	r := rules.ClassifyWithheld(f, f.Confidential, packs, at)
	for _, fw := range r.Frameworks {
		if fw.Pack != p.ID {
			continue
		}
		duties := map[string]bool{}
		for _, d := range fw.Obligations {
			if d.DutyTerms != nil {
				duties[d.Rule+"/"+d.ID] = true
			}
		}
		if fw.Applicable == rules.NotApplicable {
			return "not_applicable", duties
		}
		return fw.Tier, duties
	}
	return "not_applicable", nil
}

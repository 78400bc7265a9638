package federation

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// The mirror follows every active peer's log (C2SP tlog-tiles) and keeps a
// verified copy of it: each pass reads the peer's signed checkpoint, checks
// its signature with the peer's pinned key, fetches the new entry bundles,
// hashes them onto the stored copy of the peer's tree, and stores nothing
// until the tree they make is proved to be the one the peer signed. Then a
// decoder turns the stored entries into foreign records, and a monitor
// compares what other nodes saw of every log with what this node verified
// (monitor.go).
//
// Each peer has its own follower: a slow or misbehaving peer delays only
// itself. Passes run every interval and as soon as this node's witness
// cosigns a new checkpoint of the peer; a failing peer is retried with
// exponential backoff and jitter. Memory is bounded: a pass holds at most
// one chunk of entries and a few bundles in flight.

// MirrorConfig configures a Mirror.
type MirrorConfig struct {
	// Federation is the node's federation service: peers, keys, alarms.
	Federation *Service
	// Registry decodes foreign records (nil: entries are mirrored, not decoded).
	Registry *registry.Service
	// Interval is how often an active peer's log is polled; default 1 s.
	Interval time.Duration
	// MinPass is the least time between two passes for one peer, however
	// often its new checkpoints are pushed; default 250 ms.
	MinPass time.Duration
	// MonitorInterval is how often other nodes' views of every log are
	// compared with this node's; default 10 s, negative: never.
	MonitorInterval time.Duration
	// HTTP is the client the mirror fetches with; default: a client whose
	// requests time out (fetchTimeout).
	HTTP *http.Client
	// Workers is how many entry bundles a pass fetches at once; default 4.
	Workers int
	// ChunkEntries bounds the entries a pass verifies and stores in one
	// transaction; default 4096. ChunkBytes bounds their bytes; default 8 MiB.
	ChunkEntries int
	ChunkBytes   int
	// IndexBatch bounds the entries decoded into records per transaction;
	// default 128, so that local writes never wait long behind the decoder.
	IndexBatch int
	Logger     *slog.Logger
	Metrics    MirrorMetrics
}

// MirrorMetrics receives the mirror's observations; any field may be nil.
type MirrorMetrics struct {
	Stored  func(peer string, entries int) // verified entries stored
	Indexed func(peer string, entries int) // entries decoded into records
	Failed  func(peer string)              // failed passes
	Alarm   func(kind string)              // split views detected
}

// Mirror follows the active peers' logs. Its methods are safe for
// concurrent use.
type Mirror struct {
	fed     *Service
	reg     *registry.Service
	store   accord.Store
	hc      *http.Client
	cfg     MirrorConfig
	logger  *slog.Logger
	metrics MirrorMetrics

	mu        sync.Mutex
	followers map[string]*follower // by origin

	wake      chan struct{}
	comparing chan struct{} // bounds the comparisons of witnessed checkpoints running at once
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	once      sync.Once
}

// follower mirrors one peer.
type follower struct {
	peer      accord.Peer
	wake      chan struct{} // a pass is wanted now
	indexWake chan struct{} // stored entries wait for decoding
	cancel    context.CancelFunc
	done      chan struct{}

	mu     sync.Mutex
	status followerStatus
}

// followerStatus is what the follower knows beyond the store.
type followerStatus struct {
	lastAttempt time.Time
	err         string
	failures    int
	next        time.Time
	target      int64
	source      string
	skipped     []string
}

const maxSkipped = 20

// NewMirror returns a mirror; Start runs it.
func NewMirror(cfg MirrorConfig) *Mirror {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.MinPass <= 0 {
		cfg.MinPass = 250 * time.Millisecond
	}
	if cfg.MonitorInterval == 0 {
		cfg.MonitorInterval = 10 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.ChunkEntries <= 0 {
		cfg.ChunkEntries = 4096
	}
	if cfg.ChunkBytes <= 0 {
		cfg.ChunkBytes = 8 << 20
	}
	if cfg.IndexBatch <= 0 {
		cfg.IndexBatch = 128
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: fetchTimeout}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = cfg.Federation.logger
	}
	return &Mirror{
		fed: cfg.Federation, reg: cfg.Registry, store: cfg.Federation.store, hc: hc, cfg: cfg, logger: logger, metrics: cfg.Metrics,
		followers: map[string]*follower{}, wake: make(chan struct{}, 1), comparing: make(chan struct{}, 4),
	}
}

// Start runs the mirror until ctx ends or Close: a supervisor that keeps a
// follower for every active peer, and the monitor.
func (m *Mirror) Start(ctx context.Context) {
	ctx, m.cancel = context.WithCancel(ctx)
	m.fed.onWitnessed(m.witnessed)
	m.wg.Add(1)
	go m.supervise(ctx)
	if m.cfg.MonitorInterval > 0 {
		m.wg.Add(1)
		go m.monitor(ctx)
	}
}

// Close stops every follower and waits for them.
func (m *Mirror) Close() {
	m.once.Do(func() {
		if m.cancel != nil {
			m.cancel()
		}
		m.wg.Wait()
	})
}

// PeersChanged makes the supervisor read the peers again now.
func (m *Mirror) PeersChanged() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// witnessed is called when this node's witness cosigned a checkpoint of a
// peer's log: that peer's follower runs a pass at once (it is the signal
// of a new checkpoint), and the monitor compares it with the mirror.
func (m *Mirror) witnessed(origin string, size int64, checkpoint []byte) {
	m.mu.Lock()
	f := m.followers[origin]
	m.mu.Unlock()
	if f != nil {
		poke(f.wake)
	}
	// A few comparisons at once; under a flood of checkpoints the others
	// are left to the monitor's next round.
	select {
	case m.comparing <- struct{}{}:
		go func() {
			defer func() { <-m.comparing }()
			m.compareWitnessed(origin, checkpoint)
		}()
	default:
	}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (m *Mirror) supervise(ctx context.Context) {
	defer m.wg.Done()
	tick := time.NewTicker(m.cfg.Interval)
	defer tick.Stop()
	for {
		m.refresh(ctx)
		select {
		case <-ctx.Done():
			m.mu.Lock()
			fs := make([]*follower, 0, len(m.followers))
			for _, f := range m.followers {
				fs = append(fs, f)
			}
			m.mu.Unlock()
			for _, f := range fs {
				if f.done != nil {
					f.stop()
				}
			}
			return
		case <-tick.C:
		case <-m.wake:
		}
	}
}

// refresh starts a follower for every active peer and stops the others'.
func (m *Mirror) refresh(ctx context.Context) {
	var peers []accord.Peer
	err := m.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		peers, err = tx.Peers(ctx)
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			m.logger.Warn("mirror: read peers", "err", err)
		}
		return
	}
	active := map[string]accord.Peer{}
	for _, p := range peers {
		if p.State == accord.PeerActive {
			active[p.Origin] = p
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for origin, f := range m.followers {
		if _, ok := active[origin]; !ok {
			delete(m.followers, origin)
			if f.done != nil {
				go f.stop()
			}
		}
	}
	for origin, p := range active {
		if f, ok := m.followers[origin]; ok && f.done != nil {
			continue // running (a follower of Sync alone has no goroutines)
		}
		fctx, cancel := context.WithCancel(ctx)
		f := &follower{peer: p, wake: make(chan struct{}, 1), indexWake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
		m.followers[origin] = f
		m.wg.Add(2)
		go m.follow(fctx, f)
		go m.decode(fctx, f)
	}
}

func (f *follower) stop() {
	f.cancel()
	<-f.done
}

// follow runs passes for one peer: every interval, at once when poked,
// after failures with backoff.
func (m *Mirror) follow(ctx context.Context, f *follower) {
	defer m.wg.Done()
	defer close(f.done)
	poke(f.indexWake) // entries stored before a restart may wait for decoding
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last time.Time // when the last pass started
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-f.wake:
			f.mu.Lock()
			backingOff := f.status.failures > 0 && time.Now().Before(f.status.next)
			f.mu.Unlock()
			if backingOff {
				continue // the timer runs on
			}
			// A busy peer signs many checkpoints a second: one pass takes
			// what they hold together, at most every MinPass.
			if wait := time.Until(last.Add(m.cfg.MinPass)); wait > 0 {
				timer.Reset(wait)
				continue
			}
			timer.Stop()
		}
		last = time.Now()
		err := m.pass(ctx, f)
		if ctx.Err() != nil {
			return
		}
		timer.Reset(m.record(f, err))
	}
}

// record notes a pass's outcome in the follower's status and returns the
// wait until the next: the interval, or a backoff after failures.
func (m *Mirror) record(f *follower, err error) time.Duration {
	delay := m.cfg.Interval
	f.mu.Lock()
	f.status.lastAttempt = time.Now()
	if err != nil {
		f.status.failures++
		f.status.err = err.Error()
		delay = backoff(m.cfg.Interval, f.status.failures)
	} else {
		f.status.failures, f.status.err = 0, ""
	}
	f.status.next = time.Now().Add(delay)
	failures := f.status.failures
	f.mu.Unlock()
	if err != nil {
		if m.metrics.Failed != nil {
			m.metrics.Failed(f.peer.Name)
		}
		m.logger.Warn("mirror: pass failed", "peer", f.peer.Name, "origin", f.peer.Origin, "failures", failures, "retry_in", delay.Round(time.Millisecond), "err", err)
	}
	return delay
}

// Sync runs one pass for the named peer now, whatever its schedule, and
// decodes everything it stored, before it returns (tests, benchmarks, and
// an operator who wants to know at once).
func (m *Mirror) Sync(ctx context.Context, name string) error {
	var peer *accord.Peer
	if err := m.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		peer, err = tx.Peer(ctx, name)
		return err
	}); err != nil {
		return err
	}
	m.mu.Lock()
	f := m.followers[peer.Origin]
	if f == nil {
		// Not started: a follower without goroutines, for the status.
		f = &follower{peer: *peer, wake: make(chan struct{}, 1), indexWake: make(chan struct{}, 1)}
		m.followers[peer.Origin] = f
	}
	m.mu.Unlock()
	err := m.pass(ctx, f)
	m.record(f, err)
	if err != nil {
		return err
	}
	if m.reg == nil {
		return nil
	}
	for {
		n, err := m.decodeBatch(ctx, f)
		if err != nil || n == 0 {
			return err
		}
	}
}

// backoff is the wait after n failures in a row: doubling from the
// interval up to maxMirrorBackoff, with jitter (half to all of it), so
// that nodes retrying one peer spread out.
func backoff(interval time.Duration, n int) time.Duration {
	d := min(maxMirrorBackoff, interval<<min(n, 16))
	return d/2 + rand.N(d/2+1)
}

const maxMirrorBackoff = 5 * time.Minute

func (f *follower) skipped(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status.skipped = append(f.status.skipped, msg)
	if len(f.status.skipped) > maxSkipped {
		f.status.skipped = slices.Delete(f.status.skipped, 0, len(f.status.skipped)-maxSkipped)
	}
}

func (f *follower) setSource(s string) {
	f.mu.Lock()
	f.status.source = s
	f.mu.Unlock()
}

func (f *follower) setTarget(n int64) {
	f.mu.Lock()
	f.status.target = n
	f.mu.Unlock()
}

// Status reports mirroring for every peer, retired ones included.
func (m *Mirror) Status(ctx context.Context) ([]accord.MirrorStatus, error) {
	var peers []accord.Peer
	states := map[string]accord.MirrorState{}
	err := m.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		if peers, err = tx.Peers(ctx); err != nil {
			return err
		}
		ss, err := tx.MirrorStates(ctx)
		for _, s := range ss {
			states[s.Origin] = s
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	witnesses := m.witnessVerifiers(peers)
	out := make([]accord.MirrorStatus, 0, len(peers))
	for _, p := range peers {
		st := accord.MirrorStatus{Peer: p.Name, Origin: p.Origin, State: p.State}
		if s, ok := states[p.Origin]; ok {
			st.Size, st.Indexed = s.Size, s.Indexed
			if s.Checkpoint != nil {
				st.Checkpoint = string(s.Checkpoint)
				if c, err := checkpointSize(s.Checkpoint); err == nil {
					st.CheckpointSize = c
				}
				st.Cosignatures = m.countCosignatures(p.LogKey, s.Checkpoint, witnesses)
			}
			if !s.Updated.IsZero() {
				u := s.Updated
				st.Updated = &u
			}
		}
		m.mu.Lock()
		f := m.followers[p.Origin]
		m.mu.Unlock()
		if f != nil {
			f.mu.Lock()
			fs := f.status
			st.Error, st.Failures, st.Skipped, st.Source = fs.err, fs.failures, slices.Clone(fs.skipped), fs.source
			if fs.target > st.Size {
				st.Target = fs.target
			}
			if !fs.lastAttempt.IsZero() {
				a := fs.lastAttempt
				st.LastAttempt = &a
			}
			if fs.failures > 0 {
				n := fs.next
				st.NextAttempt = &n
			}
			f.mu.Unlock()
		}
		out = append(out, st)
	}
	return out, nil
}

// onWitnessed sets the hook that hears of every checkpoint our witness
// cosigned; it must not block.
func (s *Service) onWitnessed(f func(origin string, size int64, checkpoint []byte)) {
	s.witnessedHook.Store(&f)
}

// witnessVerifiers are the members' witnesses: this node's and every
// peer's that has one (retired ones included: their past cosignatures stay
// valid statements).
func (m *Mirror) witnessVerifiers(peers []accord.Peer) []note.Verifier {
	var out []note.Verifier
	if v, err := m.fed.verifier(m.fed.id.WitnessKey, NewCosignatureVerifier); err == nil {
		out = append(out, v)
	}
	for _, p := range peers {
		if p.WitnessKey == "" {
			continue
		}
		if v, err := m.fed.verifier(p.WitnessKey, NewCosignatureVerifier); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// countCosignatures counts the valid cosignatures by these witnesses that a
// log's signed checkpoint carries.
func (m *Mirror) countCosignatures(logKey string, cp []byte, witnesses []note.Verifier) int {
	lv, err := m.fed.verifier(logKey, NewLogVerifier)
	if err != nil {
		return 0
	}
	n, err := note.Open(cp, note.VerifierList(append([]note.Verifier{lv}, witnesses...)...))
	if err != nil {
		return 0
	}
	count := 0
	for _, s := range n.Sigs {
		if s.Name != lv.Name() || s.Hash != lv.KeyHash() {
			count++
		}
	}
	return count
}

// update commits what the mirror derives from peers' logs: their verified
// entries and the records decoded from them, each with the state that
// says how far it got, in one transaction. It need not wait for the disk:
// a crash of the machine may lose the last commits, and the mirror then
// fetches or decodes them again (the next local write's commit makes
// them durable anyway). Nothing here is acknowledged to anyone.
func (m *Mirror) update(ctx context.Context, fn func(accord.WriteTx) error) error {
	if s, ok := m.store.(accord.SyncedStore); ok {
		return s.UpdateDeferred(ctx, fn)
	}
	return m.store.Update(ctx, fn)
}

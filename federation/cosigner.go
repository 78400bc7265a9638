package federation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	sumtlog "golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/tlog"
)

// The cosigner submits our newest checkpoint to every witness we collect
// cosignatures from: the witnesses of our active peers and the operator's
// external witnesses. It works in rounds: a round sends one checkpoint to
// every witness at once, so that they all cosign the same tree size and a
// quorum can form; checkpoints signed during a round are coalesced (only
// the newest matters). At most one request is in flight per witness, a
// failing witness is retried with backoff and never holds a round up for
// long, and nothing here ever delays a write: receipts go out before the
// cosigner hears of their checkpoint.

// roundWait bounds how long a round waits for slow witnesses once a
// quorum holds (grace) or at all (limit); the slow ones go on alone.
const (
	roundGrace = 200 * time.Millisecond
	roundLimit = 5 * time.Second
	maxBackoff = time.Minute
)

// roundSpacing is the least time from one round's start to the next's.
// Under a steady stream of writes the sequencer signs a checkpoint every
// few milliseconds and witnesses on a fast network answer as quickly, so
// rounds back to back would cost the node (and every witness) a proof,
// a request, a signature check and a write per witness, hundreds of
// times a second; spaced, the checkpoints signed meanwhile coalesce into
// the next round. A checkpoint after a quiet spell goes out at once.
const roundSpacing = 10 * time.Millisecond

// storeWithin bounds how long a round's cosignatures wait for a batch of
// local writes to share its commit and fsync, when the sequencer is busy,
// before they are stored on their own.
const storeWithin = 10 * time.Millisecond

type signedCheckpoint struct {
	size int64
	note []byte
	at   time.Time // when the sequencer signed it
	// proofs holds the consistency proofs to size built so far, by the
	// size they start from: the witnesses of a round mostly last cosigned
	// the same size, and each proof costs reads of the stored tree.
	proofs sync.Map // int64 → []sumtlog.Hash
}

// proofFrom returns the consistency proof from old to the checkpoint's size.
func (c *cosigner) proofFrom(ctx context.Context, cp *signedCheckpoint, old int64) ([]sumtlog.Hash, error) {
	if p, ok := cp.proofs.Load(old); ok {
		return p.([]sumtlog.Hash), nil
	}
	var proof []sumtlog.Hash
	err := c.s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		proof, err = sumtlog.ProveTree(cp.size, old, tlog.StoreReader(ctx, tx))
		return err
	})
	if err != nil {
		return nil, err
	}
	cp.proofs.Store(old, proof)
	return proof, nil
}

type cosigner struct {
	s  *Service
	hc *http.Client

	mu      sync.Mutex
	latest  *signedCheckpoint
	targets map[string]*target // by witness name + key + URL
	dirty   bool               // targets must be read again from the store
	// counts of member cosignatures per size (only sizes ≥ countSize), for
	// the time-to-quorum metric
	counts    map[int64]int
	countSize int64

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// target is one witness we submit to.
type target struct {
	name     string // witness key name
	url      string // submission prefix
	verifier note.Verifier
	member   bool // an active peer's witness: counted in the default policy

	busy atomic.Bool
	// Owned by the goroutine that set busy:
	known   int64 // the size the witness last cosigned, as it told us; -1 unknown
	done    int64 // the largest of our sizes it cosigned
	failed  int   // failures in a row
	retryAt time.Time
}

func newCosigner(s *Service, hc *http.Client) *cosigner {
	return &cosigner{s: s, hc: hc, targets: map[string]*target{}, dirty: true, wake: make(chan struct{}, 1)}
}

func (c *cosigner) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *cosigner) signed(size int64, cp []byte, at time.Time) {
	c.mu.Lock()
	if c.latest == nil || size > c.latest.size {
		c.latest = &signedCheckpoint{size: size, note: cp, at: at}
	}
	c.mu.Unlock()
	c.poke()
}

func (c *cosigner) targetsChanged() {
	c.mu.Lock()
	c.dirty = true
	c.mu.Unlock()
	c.poke()
}

func (c *cosigner) start(ctx context.Context) {
	ctx, c.cancel = context.WithCancel(ctx)
	c.done = make(chan struct{})
	// Start from the newest checkpoint stored: one signed before a restart
	// may still lack cosignatures.
	var cp []byte
	err := c.s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		cp, err = tx.Checkpoint(ctx)
		return err
	})
	if err == nil && cp != nil {
		if size, err := checkpointSize(cp); err == nil {
			c.signed(size, cp, time.Now())
		}
	}
	go c.run(ctx)
}

func (c *cosigner) stop() {
	c.once.Do(func() {
		if c.cancel != nil {
			c.cancel()
			<-c.done
		}
	})
}

func (c *cosigner) run(ctx context.Context) {
	defer close(c.done)
	tick := time.NewTicker(time.Second) // retries after backoff
	defer tick.Stop()
	ticks := 0
	var last time.Time // the last round's start
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-tick.C:
			// Another node on the same PostgreSQL database may have
			// changed the peers: read them again now and then.
			if ticks++; ticks%30 == 0 {
				c.targetsChanged()
			}
		}
		if wait := roundSpacing - time.Since(last); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		last = time.Now()
		if err := c.refresh(ctx); err != nil {
			c.s.logger.Warn("cosigner: read witnesses", "err", err)
			continue
		}
		c.round(ctx)
	}
}

// refresh reads the witnesses from the store when they changed.
func (c *cosigner) refresh(ctx context.Context) error {
	c.mu.Lock()
	dirty := c.dirty
	c.mu.Unlock()
	if !dirty {
		return nil
	}
	var peers []accord.Peer
	var external []accord.ExternalWitness
	err := c.s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		if peers, err = tx.Peers(ctx); err != nil {
			return err
		}
		external, err = tx.ExternalWitnesses(ctx)
		return err
	})
	if err != nil {
		return err
	}
	want := map[string]*target{}
	add := func(name, url, vkey string, member bool) {
		v, err := c.s.verifier(vkey, NewCosignatureVerifier)
		if err != nil {
			c.s.logger.Warn("cosigner: unusable witness key", "witness", name, "err", err)
			return
		}
		key := name + " " + vkey + " " + url
		if t, ok := c.targets[key]; ok {
			t.member = member
			want[key] = t
			return
		}
		want[key] = &target{name: v.Name(), url: url, verifier: v, member: member, known: -1}
	}
	for _, p := range peers {
		if p.State == accord.PeerActive && p.WitnessKey != "" {
			add(p.Name, p.URL+"/witness", p.WitnessKey, true)
		}
	}
	for _, w := range external {
		add(w.Name, w.URL, w.Key, false)
	}
	c.mu.Lock()
	c.targets, c.dirty = want, false
	c.mu.Unlock()
	return nil
}

// round submits the newest checkpoint to every witness that is free, due
// and has not cosigned it, and waits for them (see roundGrace, roundLimit).
func (c *cosigner) round(ctx context.Context) {
	c.mu.Lock()
	cp := c.latest
	targets := make([]*target, 0, len(c.targets))
	members := 0
	for _, t := range c.targets {
		targets = append(targets, t)
		if t.member {
			members++
		}
	}
	c.mu.Unlock()
	if cp == nil || len(targets) == 0 {
		return
	}
	now := time.Now()
	// The round's cosignatures are stored together when it ends, in one
	// write: one each would cost the log's sequencer a commit (and an fsync)
	// apiece when no local write is there to share it. Those that come after
	// the round ended are stored on their own.
	rs := &roundStore{notify: make(chan bool, len(targets))}
	launched := 0
	for _, t := range targets {
		if !t.busy.CompareAndSwap(false, true) {
			continue // still working on an earlier checkpoint
		}
		if t.done >= cp.size || now.Before(t.retryAt) {
			t.busy.Store(false)
			continue
		}
		launched++
		go func() {
			defer t.busy.Store(false)
			cs := c.submit(ctx, t, cp)
			if cs != nil && !rs.add(*cs) {
				c.store(ctx, []accord.Cosignature{*cs})
			}
			rs.notify <- cs != nil && t.member
		}()
	}
	defer func() { c.store(ctx, rs.close()) }()
	k := members/2 + 1
	counted := 0
	var grace <-chan time.Time
	limit := time.NewTimer(roundLimit)
	defer limit.Stop()
	for range launched {
		select {
		case ok := <-rs.notify:
			if ok {
				counted++
			}
			if members > 0 && counted == k && grace == nil {
				grace = time.After(roundGrace)
			}
		case <-grace:
			return
		case <-limit.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// roundStore collects a round's cosignatures until the round ends.
type roundStore struct {
	notify chan bool
	mu     sync.Mutex
	closed bool
	list   []accord.Cosignature
}

// add keeps cs for the round's write; false once the round ended.
func (r *roundStore) add(cs accord.Cosignature) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.list = append(r.list, cs)
	return true
}

func (r *roundStore) close() []accord.Cosignature {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return r.list
}

// store records cosignatures of our checkpoints in one write.
func (c *cosigner) store(ctx context.Context, cs []accord.Cosignature) {
	if len(cs) == 0 {
		return
	}
	// Upserts that fail only with the database: no savepoint needed. They
	// ride with the next batch of writes, if one comes soon.
	err := c.s.log.Later(ctx, storeWithin, func(ctx context.Context, tx accord.WriteTx) error {
		for _, x := range cs {
			if err := tx.PutCosignature(ctx, x); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		c.s.logger.Warn("cosigner: store cosignatures", "count", len(cs), "err", err)
	}
}

// submit sends cp to one witness, following a 409 to the witness's size,
// and returns its cosignature, or nil.
func (c *cosigner) submit(ctx context.Context, t *target, cp *signedCheckpoint) *accord.Cosignature {
	cs, err := c.trySubmit(ctx, t, cp)
	if err == nil {
		t.failed, t.retryAt = 0, time.Time{}
		return cs
	}
	if ctx.Err() != nil {
		return nil
	}
	t.failed++
	backoff := min(maxBackoff, 500*time.Millisecond<<min(t.failed-1, 10))
	t.retryAt = time.Now().Add(backoff/2 + rand.N(backoff/2+1))
	if c.s.metrics.SubmitFailed != nil {
		c.s.metrics.SubmitFailed(t.name)
	}
	c.s.logger.Warn("cosigner: witness did not cosign", "witness", t.name, "url", t.url, "size", cp.size, "failures", t.failed, "err", err)
	return nil
}

func (c *cosigner) trySubmit(ctx context.Context, t *target, cp *signedCheckpoint) (*accord.Cosignature, error) {
	for attempt := 0; attempt < 3; attempt++ {
		old := max(t.known, 0)
		if old > cp.size {
			return nil, fmt.Errorf("the witness claims to have cosigned size %d of our log, larger than our newest %d", old, cp.size)
		}
		req := AddCheckpointRequest{Old: old, Checkpoint: cp.note}
		if old > 0 && old < cp.size {
			var err error
			if req.Proof, err = c.proofFrom(ctx, cp, old); err != nil {
				return nil, fmt.Errorf("consistency proof %d → %d: %w", old, cp.size, err)
			}
		}
		status, body, err := c.post(ctx, t.url+"/add-checkpoint", FormatAddCheckpoint(req))
		if err != nil {
			return nil, err
		}
		switch status {
		case http.StatusOK:
			return c.accept(t, cp, body)
		case http.StatusConflict:
			n, err := parseSize(bytes.TrimSuffix(body, []byte("\n")))
			if err != nil {
				return nil, fmt.Errorf("409 without a size: %q", trim(body))
			}
			t.known = n
			if n == cp.size {
				// Cosigned already (e.g. before a restart); resubmitting at
				// its size gets a fresh cosignature.
				continue
			}
		default:
			return nil, fmt.Errorf("HTTP %d: %s", status, trim(body))
		}
	}
	return nil, errors.New("the witness kept answering 409")
}

func (c *cosigner) post(ctx context.Context, url string, body []byte) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

// accept checks the cosignature lines a witness answered and returns the
// one its key made.
func (c *cosigner) accept(t *target, cp *signedCheckpoint, body []byte) (*accord.Cosignature, error) {
	if len(body) == 0 || body[len(body)-1] != '\n' {
		return nil, fmt.Errorf("200 without signature lines: %q", trim(body))
	}
	n, err := note.Open(append(bytes.Clone(cp.note), body...), note.VerifierList(t.verifier))
	if err != nil {
		return nil, fmt.Errorf("the answer holds no valid cosignature by %s: %w", t.name, err)
	}
	sig := n.Sigs[0]
	ts, err := fnote.CoSigV1Timestamp(sig)
	if err != nil {
		return nil, fmt.Errorf("cosignature timestamp: %w", err)
	}
	cs := &accord.Cosignature{Size: cp.size, Witness: sig.Name, Line: "— " + sig.Name + " " + sig.Base64 + "\n", Time: ts.UTC()}
	t.known, t.done = cp.size, max(t.done, cp.size)
	if c.s.metrics.Cosigned != nil {
		c.s.metrics.Cosigned(t.name, time.Since(cp.at))
	}
	if t.member {
		c.counted(cp)
	}
	return cs, nil
}

// counted notes one more member's cosignature of cp, and observes the time
// to a quorum when it forms.
func (c *cosigner) counted(cp *signedCheckpoint) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil || cp.size > c.countSize {
		c.counts, c.countSize = map[int64]int{}, cp.size
	}
	members := 0
	for _, t := range c.targets {
		if t.member {
			members++
		}
	}
	c.counts[cp.size]++
	if c.counts[cp.size] == members/2+1 && c.s.metrics.Quorum != nil {
		c.s.metrics.Quorum(time.Since(cp.at))
	}
}

func trim(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// checkpointSize reads the size line of a signed checkpoint.
func checkpointSize(cp []byte) (int64, error) {
	lines := strings.SplitN(string(cp), "\n", 3)
	if len(lines) < 3 {
		return 0, errors.New("malformed checkpoint")
	}
	return strconv.ParseInt(lines[1], 10, 64)
}

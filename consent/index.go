package consent

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accord-gov/accord"
)

// The index: every subject's events and every system's current notice, in
// memory, so that a check is a map lookup and a short scan (no database
// read). It follows the store: after each of this node's writes it reads
// what committed since it last looked (so a write's answer comes after the
// index holds it), and a poller does the same every PollInterval for
// writes of other nodes on a shared database (the bound on a token-less
// check's staleness). Applied is the log size it has read up to: a
// consistency token t is satisfied once applied > t.

// PollInterval is how often the index reads what other nodes committed.
const PollInterval = 250 * time.Millisecond

type subjectState struct {
	events []accord.DecisionEvent // oldest first
	erased *time.Time
}

type noticeState struct {
	notice *accord.ConsentNotice
	hashes map[string]string // purpose id → hash
	// withdrawn is the system's registry status, re-read at most every
	// statusTTL when checked.
	withdrawn atomic.Bool
	checked   atomic.Int64 // unix nanoseconds of the last status read
}

const statusTTL = 500 * time.Millisecond

const shards = 64

type shard struct {
	mu       sync.RWMutex
	subjects map[string]*subjectState
}

type index struct {
	store  accord.Store
	shards [shards]shard

	nmu     sync.RWMutex
	notices map[string]*noticeState

	imu     sync.Mutex
	strings map[string]string

	syncMu  sync.Mutex // one reader of the store at a time
	applied atomic.Int64
	// changed is closed (and replaced) whenever applied advances.
	cmu     sync.Mutex
	changed chan struct{}
}

func newIndex(store accord.Store) *index {
	ix := &index{store: store, notices: map[string]*noticeState{}, strings: map[string]string{}, changed: make(chan struct{})}
	for i := range ix.shards {
		ix.shards[i].subjects = map[string]*subjectState{}
	}
	return ix
}

func (ix *index) shard(subject string) *shard {
	// A pseudonym's characters are an HMAC's, uniformly distributed: two
	// of them pick the shard.
	if len(subject) < 2 {
		return &ix.shards[0]
	}
	h := uint(subject[len(subject)-1]) ^ uint(subject[len(subject)-2])<<3
	return &ix.shards[h%shards]
}

// wait returns a channel closed when applied next advances.
func (ix *index) wait() <-chan struct{} {
	ix.cmu.Lock()
	defer ix.cmu.Unlock()
	return ix.changed
}

func (ix *index) advance(size int64) {
	if size <= ix.applied.Load() {
		return
	}
	ix.applied.Store(size)
	ix.cmu.Lock()
	close(ix.changed)
	ix.changed = make(chan struct{})
	ix.cmu.Unlock()
}

// sync reads everything committed since the last read. With notices it
// reloads every system's current notice too.
func (ix *index) sync(ctx context.Context, notices bool) error {
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	return ix.syncLocked(ctx, notices)
}

func (ix *index) syncLocked(ctx context.Context, notices bool) error {
	var size int64
	from := ix.applied.Load()
	err := ix.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		if size, err = tx.LogSize(ctx); err != nil {
			return err
		}
		// A notice is published through the log: an unchanged log has none new.
		if notices && (size > from || from == 0) {
			ns, err := tx.ConsentNotices(ctx)
			if err != nil {
				return err
			}
			for i := range ns {
				ix.putNotice(&ns[i])
			}
		}
		// Page through the new events in this one snapshot, so that loading
		// millions at start holds one page of decoded events at a time.
		after := from - 1
		for size > from {
			events, err := tx.ConsentEvents(ctx, accord.ConsentEventQuery{After: after, Limit: syncPage})
			if err != nil {
				return err
			}
			for i := range events {
				ix.apply(events[i])
			}
			if len(events) < syncPage {
				break
			}
			after = events[len(events)-1].Seq
		}
		return nil
	})
	if err != nil {
		return err
	}
	ix.advance(size)
	return nil
}

// syncPage is how many events the index reads per query.
const syncPage = 10000

// syncTo makes the index hold at least log index seq (a write of this
// node that has committed): concurrent writers of one batch share one read.
func (ix *index) syncTo(ctx context.Context, seq int64) error {
	if ix.applied.Load() > seq {
		return nil
	}
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	if ix.applied.Load() > seq {
		return nil
	}
	return ix.syncLocked(ctx, false)
}

// putNotice installs a system's notice if it is newer than the one held.
func (ix *index) putNotice(n *accord.ConsentNotice) {
	ix.nmu.Lock()
	defer ix.nmu.Unlock()
	if old := ix.notices[n.System]; old != nil && old.notice.Version >= n.Version {
		return
	}
	st := &noticeState{notice: n, hashes: map[string]string{}}
	n.System = ix.intern(n.System)
	for i := range n.Purposes {
		n.Purposes[i].ID = ix.intern(n.Purposes[i].ID)
		st.hashes[n.Purposes[i].ID] = ix.intern(n.Purposes[i].Hash())
	}
	if old := ix.notices[n.System]; old != nil {
		st.withdrawn.Store(old.withdrawn.Load())
		st.checked.Store(old.checked.Load())
	}
	ix.notices[n.System] = st
}

func (ix *index) notice(system string) *noticeState {
	ix.nmu.RLock()
	defer ix.nmu.RUnlock()
	return ix.notices[system]
}

func (ix *index) noticeList() []*noticeState {
	ix.nmu.RLock()
	defer ix.nmu.RUnlock()
	out := make([]*noticeState, 0, len(ix.notices))
	for _, n := range ix.notices {
		out = append(out, n)
	}
	return out
}

// apply adds an event (once: events at or before the subject's last seq
// are already held).
func (ix *index) apply(e accord.ConsentEvent) {
	sh := ix.shard(e.Subject)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := sh.subjects[e.Subject]
	if st == nil {
		st = &subjectState{}
		sh.subjects[e.Subject] = st
	}
	if n := len(st.events); n > 0 && st.events[n-1].Seq >= e.Seq {
		return
	}
	// Share the strings every event repeats (scope, purpose, purpose
	// hash) with the notice's: less memory, and the decision's comparisons
	// find the same pointer.
	d := e.Decision()
	d.Scope, d.Purpose, d.Hash = ix.intern(d.Scope), ix.intern(d.Purpose), ix.intern(d.Hash)
	if d.Action == accord.ActErase {
		t := e.Time
		st.erased = &t
		st.events = []accord.DecisionEvent{d}
		return
	}
	st.events = append(st.events, d)
}

// intern returns the one copy of a string the index keeps.
func (ix *index) intern(s string) string {
	if s == "" {
		return s
	}
	ix.imu.Lock()
	defer ix.imu.Unlock()
	if v, ok := ix.strings[s]; ok {
		return v
	}
	if len(ix.strings) < maxInterned {
		ix.strings[s] = s
	}
	return s
}

// maxInterned bounds the interned strings (systems, purposes, hashes).
const maxInterned = 1 << 20

// subject returns a copy-free view of a subject's events; the slice must
// not be modified (apply only appends, or replaces it on erasure).
func (ix *index) subject(pseudonym string) ([]accord.DecisionEvent, *time.Time) {
	sh := ix.shard(pseudonym)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	st := sh.subjects[pseudonym]
	if st == nil {
		return nil, nil
	}
	return st.events[:len(st.events):len(st.events)], st.erased
}

// counts returns, for stats, how many subjects the index holds events of.
func (ix *index) each(fn func(pseudonym string, events []accord.DecisionEvent, erased *time.Time)) {
	for i := range ix.shards {
		sh := &ix.shards[i]
		sh.mu.RLock()
		for p, st := range sh.subjects {
			fn(p, st.events, st.erased)
		}
		sh.mu.RUnlock()
	}
}

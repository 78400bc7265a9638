package federation

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	acctlog "github.com/accord-gov/accord/tlog"
)

// pass mirrors what is new in one peer's log: its latest checkpoint, and
// every entry up to it, verified, in bounded chunks.
func (m *Mirror) pass(ctx context.Context, f *follower) error {
	var peer *accord.Peer
	st := &accord.MirrorState{Origin: f.peer.Origin}
	err := m.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		if peer, err = tx.Peer(ctx, f.peer.Name); err != nil {
			return err
		}
		s, err := tx.MirrorState(ctx, peer.Origin)
		if err == nil {
			st = s
		} else if accord.ErrorCode(err) != accord.ENotFound {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if peer.State != accord.PeerActive {
		return nil // the supervisor stops this follower
	}
	lv, err := m.fed.verifier(peer.LogKey, NewLogVerifier)
	if err != nil {
		return err
	}
	home := &tiles{hc: m.hc, prefix: peer.URL + "/log"}
	err = m.passFrom(ctx, f, peer, lv, st, home)
	var fe *FetchError
	if !errors.As(err, &fe) || ctx.Err() != nil {
		f.setSource(home.prefix)
		return err
	}
	// The home is unreachable: catch up from another member's mirror of
	// its log, verified with the home's key all the same.
	for _, src := range m.otherMirrors(ctx, peer) {
		st, serr := m.mirrorStateOf(ctx, peer.Origin)
		if serr != nil {
			return err
		}
		if serr = m.passFrom(ctx, f, peer, lv, st, src); serr == nil {
			f.setSource(src.prefix)
			m.logger.Info("mirror: the home is unreachable; caught up from another mirror", "peer", peer.Name, "mirror", src.prefix, "home_err", err)
			return nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return err
}

// passFrom runs a pass with the log served at src: the home's /log, or
// another node's mirror of it.
func (m *Mirror) passFrom(ctx context.Context, f *follower, peer *accord.Peer, lv note.Verifier, st *accord.MirrorState, src *tiles) error {
	signed, err := src.checkpoint(ctx)
	if err != nil {
		return err
	}
	cp, err := acctlog.OpenCheckpoint(signed, lv, peer.Origin)
	if err != nil {
		return &BadDataError{fmt.Sprintf("the peer's checkpoint at %s/checkpoint: %v (its pinned key is %s: did it change its key?)", src.prefix, err, peer.LogKey)}
	}
	return m.advance(ctx, f, peer, lv, st, signed, cp, src)
}

// otherMirrors are the other active peers' mirrors of a peer's log.
func (m *Mirror) otherMirrors(ctx context.Context, peer *accord.Peer) []*tiles {
	var peers []accord.Peer
	if err := m.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		peers, err = tx.Peers(ctx)
		return err
	}); err != nil {
		return nil
	}
	var out []*tiles
	for _, p := range peers {
		if p.State == accord.PeerActive && p.Name != peer.Name {
			out = append(out, &tiles{hc: m.hc, prefix: p.URL + "/mirror/" + OriginHash(peer.Origin), mirror: true})
		}
	}
	return out
}

func (m *Mirror) mirrorStateOf(ctx context.Context, origin string) (*accord.MirrorState, error) {
	st := &accord.MirrorState{Origin: origin}
	err := m.store.View(ctx, func(tx accord.ReadTx) error {
		s, err := tx.MirrorState(ctx, origin)
		if err == nil {
			st = s
		} else if accord.ErrorCode(err) == accord.ENotFound {
			err = nil
		}
		return err
	})
	return st, err
}

// advance compares a newly seen signed checkpoint of a peer with what this
// node verified before, and mirrors up to it.
func (m *Mirror) advance(ctx context.Context, f *follower, peer *accord.Peer, lv note.Verifier, st *accord.MirrorState, signed []byte, cp acctlog.Checkpoint, src *tiles) error {
	source := "served by " + src.prefix
	view := st.Pending
	if view == nil {
		view = st.Checkpoint
	}
	target, tnote := cp, signed
	if view != nil {
		v, err := acctlog.OpenCheckpoint(view, lv, peer.Origin)
		if err != nil {
			return fmt.Errorf("the mirror's stored checkpoint of %s does not verify: %w", peer.Origin, err)
		}
		switch {
		case cp.Size == v.Size && cp.Hash != v.Hash:
			m.splitView(ctx, peer, accord.AlarmFork, signed, view, signed, nil, tlog.Hash{}, [2]string{"verified by this node's mirror", source})
			return &BadDataError{fmt.Sprintf("split view: the peer signed two checkpoints of %d entries with different roots (alarm raised)", cp.Size)}
		case cp.Size == v.Size:
			target, tnote = v, view
			if st.Pending == nil && st.Size == v.Size {
				return m.moreCosigned(ctx, peer, st, signed)
			}
		case cp.Size > v.Size && st.Size < v.Size:
			// The pending checkpoint was verified only up to st.Size:
			// the new one must contain it whole.
			root, proof, err := newPeerTiles(ctx, src).consistency(cp, v.Size)
			if err != nil {
				return err
			}
			if root != v.Hash {
				m.splitView(ctx, peer, accord.AlarmInconsistent, signed, view, signed, proof, root, [2]string{"verified in part by this node's mirror", source})
				return &BadDataError{fmt.Sprintf("split view: the peer's checkpoint of %d entries does not contain its checkpoint of %d (alarm raised)", cp.Size, v.Size)}
			}
		case cp.Size < v.Size:
			err := m.smaller(ctx, peer, lv, st, signed, cp, source)
			if errors.Is(err, errRollback) && src.mirror {
				return nil // a mirror that lags behind this one: nothing new there
			}
			return err
		}
	}
	if st.Size == target.Size {
		return nil
	}
	return m.catchUp(ctx, f, peer, lv, st, tnote, target, src)
}

// smaller handles a peer that now shows a checkpoint smaller than one it
// signed before: a rollback, or a split view when the trees disagree.
func (m *Mirror) smaller(ctx context.Context, peer *accord.Peer, lv note.Verifier, st *accord.MirrorState, signed []byte, cp acctlog.Checkpoint, source string) error {
	rollback := fmt.Errorf("%w: the peer now serves a checkpoint of %d entries, fewer than it signed before (waiting for it to catch up)", errRollback, cp.Size)
	if cp.Size == 0 {
		if cp.Hash != emptyRoot {
			return &BadDataError{"the peer's checkpoint of size 0 does not have the empty tree's root"}
		}
		return rollback
	}
	if cp.Size > st.Size || st.Checkpoint == nil {
		return rollback
	}
	tr := newTree(st.Size, storeTiles(ctx, m.store, peer.Origin))
	ours, err := tr.root(cp.Size)
	if err != nil {
		return err
	}
	if ours == cp.Hash {
		return rollback
	}
	full, err := acctlog.OpenCheckpoint(st.Checkpoint, lv, peer.Origin)
	if err != nil {
		return err
	}
	if cp.Size > full.Size {
		return &BadDataError{fmt.Sprintf("the peer's checkpoint of %d entries differs from the tree this node verified (not yet provable: the mirror holds a signed checkpoint of only %d)", cp.Size, full.Size)}
	}
	proof, err := tlog.ProveTree(full.Size, cp.Size, tr)
	if err != nil {
		return err
	}
	m.splitView(ctx, peer, accord.AlarmInconsistent, signed, signed, st.Checkpoint, proof, ours, [2]string{source, "verified by this node's mirror"})
	return &BadDataError{fmt.Sprintf("split view: the peer's checkpoint of %d entries is not a prefix of the tree it signed before (alarm raised)", cp.Size)}
}

// fetched is one entry bundle of a pass: the entries not stored yet and
// their leaf hashes, or the error that stopped it.
type fetched struct {
	n       int64 // bundle index
	entries [][]byte
	leaves  []tlog.Hash
	bytes   int
	err     error
}

// catchUp fetches, verifies and stores the entries [st.Size, target.Size)
// in chunks. A chunk is stored only once the tree its entries extend is
// proved to be the signed target's: at the end by its root, before it by a
// consistency proof built from the peer's tiles authenticated against the
// target. So every stored entry is in a tree the peer signed.
func (m *Mirror) catchUp(ctx context.Context, f *follower, peer *accord.Peer, lv note.Verifier, st *accord.MirrorState, tnote []byte, target acctlog.Checkpoint, src *tiles) error {
	f.setTarget(target.Size)
	defer f.setTarget(0)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tr := newTree(st.Size, storeTiles(ctx, m.store, peer.Origin))
	cur := *st
	var edge *accord.MirrorTile // the stored bundle at the right edge, when partial
	if cur.Size%256 != 0 {
		b, ok, err := storeTiles(ctx, m.store, peer.Origin)(-1, cur.Size/256)
		if err != nil {
			return err
		}
		if !ok || int64(b.Width) != cur.Size%256 {
			return fmt.Errorf("the mirror lost entry bundle %d of %s", cur.Size/256, peer.Origin)
		}
		edge = &b
	}
	var chunk []fetched
	entries, bytes := 0, 0
	var pt *peerTiles
	order, taken := m.fetchBundles(ctx, src, cur.Size, target.Size)
	for next := range order {
		b := <-next
		taken(b)
		if b.err != nil {
			return b.err
		}
		if err := tr.add(b.leaves); err != nil {
			return err
		}
		chunk = append(chunk, b)
		entries, bytes = entries+len(b.entries), bytes+b.bytes
		if tr.size < target.Size && entries < m.cfg.ChunkEntries && bytes < m.cfg.ChunkBytes {
			continue
		}
		root, err := tr.root(tr.size)
		if err != nil {
			return err
		}
		want := target.Hash
		if tr.size < target.Size {
			if pt == nil {
				pt = newPeerTiles(ctx, src)
			}
			if want, _, err = pt.consistency(target, tr.size); err != nil {
				return err
			}
		}
		if root != want {
			return m.diagnose(ctx, peer, lv, &cur, tnote, target, src)
		}
		hashTiles, err := tr.newTiles()
		if err != nil {
			return err
		}
		var bundles []accord.MirrorTile
		bundles, edge = bundleTiles(edge, chunk)
		next := accord.MirrorState{Origin: peer.Origin, Size: tr.size, Checkpoint: cur.Checkpoint, Pending: tnote, Indexed: cur.Indexed, Updated: time.Now().UTC()}
		if tr.size == target.Size {
			next.Checkpoint, next.Pending = tnote, nil
		}
		if err := m.update(ctx, func(tx accord.WriteTx) error {
			return tx.AdvanceMirror(ctx, cur.Size, next, append(bundles, hashTiles...))
		}); err != nil {
			return fmt.Errorf("store entries [%d, %d) of %s: %w", cur.Size, tr.size, peer.Origin, err)
		}
		if m.metrics.Stored != nil {
			m.metrics.Stored(peer.Name, int(tr.size-cur.Size))
		}
		tr.storedAs(hashTiles)
		cur = next
		chunk, entries, bytes = nil, 0, 0
		poke(f.indexWake)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if cur.Size != target.Size {
		return fmt.Errorf("mirror of %s stopped at %d of %d entries", peer.Origin, cur.Size, target.Size)
	}
	return nil
}

// diagnose says why a chunk's entries do not make the peer's signed tree:
// the signed tree does not contain what this node verified before (a split
// view, with evidence), or the bundles were tampered with or truncated.
func (m *Mirror) diagnose(ctx context.Context, peer *accord.Peer, lv note.Verifier, cur *accord.MirrorState, tnote []byte, target acctlog.Checkpoint, src *tiles) error {
	if cur.Checkpoint != nil {
		c, err := acctlog.OpenCheckpoint(cur.Checkpoint, lv, peer.Origin)
		if err == nil && c.Size > 0 && c.Size < target.Size {
			root, proof, err := newPeerTiles(ctx, src).consistency(target, c.Size)
			if err == nil && root != c.Hash {
				m.splitView(ctx, peer, accord.AlarmInconsistent, tnote, cur.Checkpoint, tnote, proof, root, [2]string{"verified by this node's mirror", "served by " + src.prefix})
				return &BadDataError{fmt.Sprintf("split view: the peer's checkpoint of %d entries does not contain the %d this node verified before (alarm raised)", target.Size, c.Size)}
			}
		}
	}
	return &BadDataError{fmt.Sprintf("the entries fetched from %s do not hash to the tree the peer signed for %d entries: truncated or tampered bundles (nothing stored)", src.prefix, target.Size)}
}

// fetchBundles fetches the bundles holding entries [from, to) and
// delivers them in order: one channel per bundle, each to be read once
// (and then passed to taken). At most Workers requests are in flight, and
// at most a window of bundles (two chunks' worth, and no more than
// maxAheadBytes of them) is fetched ahead of the reader, so that fetching
// goes on while a chunk is stored, in bounded memory however large a
// peer's entries are. Cancelling ctx stops it.
func (m *Mirror) fetchBundles(ctx context.Context, src *tiles, from, to int64) (order <-chan chan fetched, taken func(fetched)) {
	window := max(m.cfg.Workers, 2*m.cfg.ChunkEntries/256)
	ord := make(chan chan fetched, window)
	inflight := make(chan struct{}, m.cfg.Workers)
	var ahead atomic.Int64 // bytes fetched and not yet taken
	freed := make(chan struct{}, 1)
	taken = func(b fetched) {
		ahead.Add(-int64(b.bytes))
		poke(freed)
	}
	go func() {
		defer close(ord)
		for n := from / 256; n*256 < to; n++ {
			for ahead.Load() > maxAheadBytes {
				select {
				case <-freed:
				case <-ctx.Done():
					return
				}
			}
			select {
			case inflight <- struct{}{}:
			case <-ctx.Done():
				return
			}
			c := make(chan fetched, 1)
			select {
			case ord <- c:
			case <-ctx.Done():
				return
			}
			go func() {
				b := fetchBundle(ctx, src, n, from, to)
				ahead.Add(int64(b.bytes))
				<-inflight
				c <- b
			}()
		}
	}()
	return ord, taken
}

// maxAheadBytes bounds the entries fetched ahead of the one storing them.
const maxAheadBytes = 32 << 20

// fetchBundle fetches bundle n and checks its new entries' envelopes: an
// entry that is not an Accord log event is refused, with the whole chunk.
func fetchBundle(ctx context.Context, src *tiles, n, from, to int64) fetched {
	first := n * 256
	w := int(min(256, to-first))
	es, err := src.bundle(ctx, n, w)
	if err != nil {
		return fetched{n: n, err: err}
	}
	skip := max(0, from-first)
	es = es[skip:]
	b := fetched{n: n, entries: es, leaves: make([]tlog.Hash, len(es))}
	for i, e := range es {
		if _, err := accord.DecodeLogEvent(e); err != nil {
			return fetched{n: n, err: &BadDataError{fmt.Sprintf("entry %d of the peer's log: %v (nothing of its chunk stored)", first+skip+int64(i), err)}}
		}
		b.leaves[i] = tlog.RecordHash(e)
		b.bytes += len(e)
	}
	return b
}

// bundleTiles makes the entry bundles of a chunk, the first one completing
// the stored partial bundle edge if it is the same; it returns them and
// the chunk's last bundle if partial (the new edge).
func bundleTiles(edge *accord.MirrorTile, chunk []fetched) ([]accord.MirrorTile, *accord.MirrorTile) {
	out := make([]accord.MirrorTile, 0, len(chunk))
	for _, b := range chunk {
		t := accord.MirrorTile{Level: -1, N: b.n}
		if edge != nil && edge.N == b.n {
			t.Width, t.Data = edge.Width, edge.Data[:len(edge.Data):len(edge.Data)]
		}
		for _, e := range b.entries {
			t.Data = binary.BigEndian.AppendUint16(t.Data, uint16(len(e)))
			t.Data = append(t.Data, e...)
		}
		t.Width += len(b.entries)
		out = append(out, t)
	}
	edge = nil
	if last := out[len(out)-1]; last.Width < 256 {
		edge = &last
	}
	return out, edge
}

// errRollback is a source serving an older checkpoint than one it signed
// before, consistent with it.
var errRollback = errors.New("rolled back")

// moreCosigned keeps, of two copies of the checkpoint the mirror holds,
// the one that carries more cosignatures by members' witnesses: a peer
// serves its checkpoint at once, and with the cosignatures it collected a
// moment later. The state is otherwise unchanged.
func (m *Mirror) moreCosigned(ctx context.Context, peer *accord.Peer, st *accord.MirrorState, signed []byte) error {
	if bytes.Equal(signed, st.Checkpoint) {
		return nil
	}
	var peers []accord.Peer
	if err := m.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		peers, err = tx.Peers(ctx)
		return err
	}); err != nil {
		return err
	}
	ws := m.witnessVerifiers(peers)
	if m.countCosignatures(peer.LogKey, signed, ws) <= m.countCosignatures(peer.LogKey, st.Checkpoint, ws) {
		return nil
	}
	next := *st
	next.Checkpoint, next.Updated = signed, time.Now().UTC()
	err := m.update(ctx, func(tx accord.WriteTx) error { return tx.AdvanceMirror(ctx, st.Size, next, nil) })
	if accord.ErrorCode(err) == accord.EConflict {
		return nil // another pass moved on meanwhile
	}
	return err
}

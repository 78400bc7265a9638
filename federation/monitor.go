package federation

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	acctlog "github.com/accord-gov/accord/tlog"
)

// The monitor compares views. Every node publishes, for every log it
// knows, the latest checkpoint its witness cosigned
// (/witness/<hex sha256(origin)>/checkpoint, C2SP tlog-witness) and the
// latest it mirrored (/mirror/<hex sha256(origin)>/checkpoint). Every
// MonitorInterval this node reads those of every peer, for its own log and
// every log it mirrors, and checks each validly signed one against what it
// verified itself: a checkpoint that cannot be true with it is a split
// view, raised as an alarm with self-contained evidence. It also checks
// every checkpoint its own witness cosigns against its mirror at once.

// knownLog is a log the monitor checks views of.
type knownLog struct {
	origin string
	key    string
	peer   *accord.Peer // nil for this node's own log
}

func (m *Mirror) monitor(ctx context.Context) {
	defer m.wg.Done()
	for {
		m.compareAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(m.cfg.MonitorInterval):
		}
	}
}

// CompareViews runs one round of the monitor now (tests, and `accord`
// commands that want an answer at once).
func (m *Mirror) CompareViews(ctx context.Context) { m.compareAll(ctx) }

func (m *Mirror) compareAll(ctx context.Context) {
	var peers []accord.Peer
	if err := m.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		peers, err = tx.Peers(ctx)
		return err
	}); err != nil {
		return
	}
	logs := []knownLog{{origin: m.fed.id.Origin, key: m.fed.id.LogKey}}
	var asked []accord.Peer
	for i := range peers {
		p := &peers[i]
		if p.State == accord.PeerRetired {
			continue
		}
		logs = append(logs, knownLog{origin: p.Origin, key: p.LogKey, peer: p})
		asked = append(asked, *p)
	}
	var wg sync.WaitGroup
	for _, node := range asked {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, l := range logs {
				if l.origin == node.Origin {
					continue // its own log: the mirror follows it
				}
				h := OriginHash(l.origin)
				for _, kind := range []string{"witness", "mirror"} {
					src := &tiles{hc: m.hc, prefix: node.URL + "/" + kind + "/" + h}
					cp, err := src.checkpoint(ctx)
					if errors.Is(err, errNotFound) {
						continue // it holds no view of this log
					}
					if err != nil {
						m.logger.Debug("monitor: read a peer's view", "peer", node.Name, "url", src.prefix, "err", err)
						return // the node is down or slow: try it next round
					}
					var tilesSrc *tiles
					if kind == "mirror" {
						tilesSrc = src
					}
					m.compareView(ctx, l, cp, "seen by peer "+node.Name+" ("+src.prefix+"/checkpoint)", tilesSrc)
				}
			}
		}()
	}
	wg.Wait()
}

// compareWitnessed checks a checkpoint this node's witness just cosigned
// against this node's mirror of the log.
func (m *Mirror) compareWitnessed(origin string, cosigned []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	var peer *accord.Peer
	if err := m.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		peer, err = tx.PeerByOrigin(ctx, origin)
		return err
	}); err != nil {
		return
	}
	m.compareView(ctx, knownLog{origin: peer.Origin, key: peer.LogKey, peer: peer}, cosigned, "cosigned by this node's witness", nil)
}

// compareView checks one view (a signed checkpoint someone published) of a
// log against the tree this node verified of it: its own log, or its
// mirror of a peer's. A view this node cannot check yet (larger than its
// tree, with no tiles to prove it by) is left for a later round.
func (m *Mirror) compareView(ctx context.Context, l knownLog, seen []byte, source string, seenTiles *tiles) {
	v, err := m.fed.verifier(l.key, NewLogVerifier)
	if err != nil {
		return
	}
	q, err := acctlog.OpenCheckpoint(seen, v, l.origin)
	if err != nil {
		return // not signed by the log's key: it proves nothing
	}
	m.withOurView(ctx, l, func(ours []byte, size int64, reader tlog.HashReader) {
		m.checkView(ctx, l, v, q, seen, ours, size, reader, source, seenTiles)
	})
}

// checkView compares a validly signed view q of a log with this node's.
func (m *Mirror) checkView(ctx context.Context, l knownLog, v note.Verifier, q acctlog.Checkpoint, seen, ours []byte, size int64, reader tlog.HashReader, source string, seenTiles *tiles) {
	c, err := acctlog.OpenCheckpoint(ours, v, l.origin)
	if err != nil {
		return
	}
	mine := "verified by this node's mirror"
	if l.peer == nil {
		mine = "signed by this node"
	}
	if q.Size <= c.Size {
		kind, a, b, proof, implied, conflict, err := checkPrefix(c, ours, q, seen, size, reader)
		if err == nil && conflict {
			sources := [2]string{mine, source}
			if !bytes.Equal(a, ours) {
				sources = [2]string{source, mine}
			}
			m.splitView(ctx, l.peer, kind, seen, a, b, proof, implied, sources)
		}
	} else if seenTiles != nil && c.Size > 0 {
		// A larger view, from a mirror that serves its tiles: they must hold
		// this node's tree as their first entries.
		root, proof, err := newPeerTiles(ctx, seenTiles).consistency(q, c.Size)
		if err == nil && root != c.Hash {
			m.splitView(ctx, l.peer, accord.AlarmInconsistent, seen, ours, seen, proof, root, [2]string{mine, source})
		}
	}
	if l.peer == nil && q.Size > c.Size {
		m.logger.Error("a checkpoint of this node's log larger than any it signed: someone else holds its log key", "origin", l.origin, "size", q.Size, "source", source)
	}
}

// withOurView runs fn with what this node verified of a log, if it
// verified any: the signed checkpoint, the size of the tree it holds (≥ the
// checkpoint's) and a reader of its hashes.
func (m *Mirror) withOurView(ctx context.Context, l knownLog, fn func(cp []byte, size int64, r tlog.HashReader)) {
	if l.peer != nil {
		var st *accord.MirrorState
		if err := m.store.View(ctx, func(tx accord.ReadTx) error {
			var err error
			st, err = tx.MirrorState(ctx, l.origin)
			return err
		}); err != nil || st.Checkpoint == nil {
			return
		}
		fn(st.Checkpoint, st.Size, newTree(st.Size, storeTiles(ctx, m.store, l.origin)))
		return
	}
	m.store.View(ctx, func(tx accord.ReadTx) error {
		cp, err := tx.Checkpoint(ctx)
		if err != nil || cp == nil {
			return err
		}
		size, err := checkpointSize(cp)
		if err != nil {
			return err
		}
		fn(cp, size, acctlog.StoreReader(ctx, tx))
		return nil
	})
}

package federation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	sumtlog "golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/tlog"
)

// WitnessError is a refused add-checkpoint request: the C2SP tlog-witness
// status and, for 409, the size the witness last cosigned.
type WitnessError struct {
	Status int
	Size   int64 // for 409
	Msg    string
}

func (e *WitnessError) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Msg) }

func refuse(status int, format string, args ...any) *WitnessError {
	return &WitnessError{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// emptyRoot is the RFC 6962 root of the empty tree, SHA-256 of nothing.
var emptyRoot = sumtlog.Hash(sha256.Sum256(nil))

// AddCheckpoint runs a C2SP tlog-witness add-checkpoint request: it checks
// the checkpoint of one of our peers' logs against the last one our witness
// cosigned for that log, cosigns it, makes the new state durable with a
// compare-and-set on the size, and returns the cosignature line(s). A
// refusal is a *WitnessError with the spec's status; nothing is stored then
// (except the evidence of a fork, which is kept as an alarm).
func (s *Service) AddCheckpoint(ctx context.Context, body []byte) ([]byte, error) {
	select {
	case s.inflight <- struct{}{}:
		defer func() { <-s.inflight }()
	default:
		return nil, refuse(http.StatusTooManyRequests, "the witness is busy; retry shortly")
	}
	req, err := ParseAddCheckpoint(body)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "malformed add-checkpoint body: %v", err)
	}
	origin, _, _ := bytes.Cut(req.Checkpoint, []byte("\n"))
	peer, err := s.witnessedPeer(ctx, string(origin))
	switch {
	case accord.ErrorCode(err) == accord.ENotFound:
		return nil, refuse(http.StatusNotFound, "this witness does not witness log %q", origin)
	case err != nil:
		return nil, err
	case !peer.State.Witnessed():
		return nil, refuse(http.StatusNotFound, "this witness no longer witnesses log %q (peer %s is %s)", origin, peer.Name, peer.State)
	}
	v, err := s.verifier(peer.LogKey, NewLogVerifier)
	if err != nil {
		return nil, fmt.Errorf("peer %s: %w", peer.Name, err)
	}
	n, err := note.Open(req.Checkpoint, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		if errors.As(err, &unverified) || errors.As(err, &invalid) {
			return nil, refuse(http.StatusForbidden, "the checkpoint carries no valid signature by the key of log %s", peer.Origin)
		}
		return nil, refuse(http.StatusBadRequest, "the checkpoint is not a signed note: %v", err)
	}
	c, err := tlog.ParseCheckpoint(n.Text)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "%v", err)
	}
	switch {
	case req.Old > c.Size:
		return nil, refuse(http.StatusBadRequest, "old size %d is larger than the checkpoint's %d", req.Old, c.Size)
	case c.Size == 0 && c.Hash != emptyRoot:
		return nil, refuse(http.StatusUnprocessableEntity, "a checkpoint of size 0 must have the empty tree's root")
	case req.Old == c.Size && len(req.Proof) > 0:
		return nil, refuse(http.StatusUnprocessableEntity, "a checkpoint of the size last cosigned takes no consistency proof")
	case req.Old == 0 && len(req.Proof) > 0:
		return nil, refuse(http.StatusUnprocessableEntity, "a consistency proof from size 0 must be empty")
	}
	// Cosign now (the note keeps the log's verified signatures, then ours);
	// whether the witness may is decided below, against its stored state.
	n.UnverifiedSigs = nil
	cosigned, err := note.Sign(n, s.witness)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	next := accord.WitnessState{Origin: peer.Origin, Size: c.Size, Root: c.Hash, Checkpoint: cosigned, Cosigned: s.now().UTC()}
	// The check against the state and its update run in the log's
	// sequencer, in its transaction: one writer at a time, and concurrent
	// requests share its commit (and fsync).
	var refusal *WitnessError
	var forked *accord.WitnessState
	var conflict *accord.WitnessConflict
	if root, ok := s.cosigned.root(peer.Origin, req.Old); ok && req.Old > 0 && req.Old < c.Size &&
		sumtlog.CheckTree(req.Proof, c.Size, c.Hash, req.Old, root) == nil {
		// The usual request, the next checkpoint after the one this
		// process last cosigned, checked here against what it knows of
		// that one: what is left for the sequencer is the compare-and-set,
		// which alone decides (another process on the same database may
		// have moved the state on: then it is a 409).
		err = s.log.Update(ctx, func(ctx context.Context, tx accord.WriteTx) error {
			err := tx.AdvanceWitness(ctx, req.Old, next)
			if errors.As(err, &conflict) {
				return nil // nothing written
			}
			return err
		})
	} else {
		_, err = s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
			state, err := tx.WitnessState(ctx, peer.Origin)
			switch {
			case accord.ErrorCode(err) == accord.ENotFound:
				state = &accord.WitnessState{Origin: peer.Origin, Root: emptyRoot}
			case err != nil:
				return nil, err
			}
			switch {
			case req.Old != state.Size:
				refusal = &WitnessError{Status: http.StatusConflict, Size: state.Size, Msg: fmt.Sprintf("log %s was last cosigned at size %d, not %d", peer.Origin, state.Size, req.Old)}
			case req.Old == c.Size && c.Hash != state.Root:
				forked = state
				refusal = refuse(http.StatusUnprocessableEntity, "the checkpoint has size %d, like the one cosigned before, and another root: the log shows two views (evidence kept)", c.Size)
			case req.Old > 0 && req.Old < c.Size:
				if err := sumtlog.CheckTree(req.Proof, c.Size, c.Hash, req.Old, state.Root); err != nil {
					refusal = refuse(http.StatusUnprocessableEntity, "the consistency proof from size %d to %d does not hold", req.Old, c.Size)
				}
			}
			if refusal != nil {
				return nil, nil
			}
			return nil, tx.AdvanceWitness(ctx, req.Old, next)
		})
	}
	switch {
	case err == nil && conflict != nil, errors.As(err, &conflict):
		s.cosigned.forget(peer.Origin)
		return nil, &WitnessError{Status: http.StatusConflict, Size: conflict.Size, Msg: fmt.Sprintf("log %s was last cosigned at size %d, not %d", peer.Origin, conflict.Size, req.Old)}
	case err != nil:
		return nil, err
	case forked != nil:
		s.cosigned.forget(peer.Origin)
		s.fork(ctx, peer, forked, n)
	}
	if refusal != nil {
		return nil, refusal
	}
	s.cosigned.advance(peer.Origin, c.Size, c.Hash)
	if h := s.witnessedHook.Load(); h != nil {
		(*h)(peer.Origin, c.Size, cosigned)
	}
	return lastLine(cosigned), nil
}

// cosignedSizes is what this process knows the witness made durable for
// each log: the largest size it cosigned and that size's root. A pair
// stays true once durable (the witness never cosigns two roots of one
// size), so it can check a consistency proof ahead of the compare-and-set,
// which alone decides whether the state is still at that size.
type cosignedSizes struct {
	mu sync.Mutex
	m  map[string]sizeRoot
}

type sizeRoot struct {
	size int64
	root sumtlog.Hash
}

// root returns the root cosigned at size, if size is the largest known.
func (c *cosignedSizes) root(origin string, size int64) (sumtlog.Hash, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[origin]
	if !ok || k.size != size {
		return sumtlog.Hash{}, false
	}
	return k.root, true
}

// advance records a durable cosignature, unless a larger one is known.
func (c *cosignedSizes) advance(origin string, size int64, root sumtlog.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]sizeRoot{}
	}
	if k, ok := c.m[origin]; !ok || k.size < size {
		c.m[origin] = sizeRoot{size, root}
	}
}

// forget drops what is known of a log (after a conflict or a fork).
func (c *cosignedSizes) forget(origin string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, origin)
}

// peerTTL bounds how long the witness trusts its cached view of a peer:
// changes made through this node apply at once, changes by another node on
// the same PostgreSQL database within peerTTL.
const peerTTL = time.Second

type cachedPeer struct {
	peer    *accord.Peer
	expires time.Time
}

// witnessedPeer returns the peer whose log has this origin, from a cache.
func (s *Service) witnessedPeer(ctx context.Context, origin string) (*accord.Peer, error) {
	if c, ok := s.peers.Load(origin); ok && time.Now().Before(c.(cachedPeer).expires) {
		return c.(cachedPeer).peer, nil
	}
	var p *accord.Peer
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		p, err = tx.PeerByOrigin(ctx, origin)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.peers.Store(origin, cachedPeer{p, time.Now().Add(peerTTL)})
	return p, nil
}

// peersChanged empties the cache of peers.
func (s *Service) peersChanged() {
	s.peers.Clear()
	s.cosigner.targetsChanged()
}

// lastLine returns the last line of b, with its newline.
func lastLine(b []byte) []byte {
	i := bytes.LastIndexByte(b[:len(b)-1], '\n')
	return slices.Clone(b[i+1:])
}

// fork keeps the evidence of two checkpoints of one size with different
// roots, both signed by the log's key, and makes the peer read-only. It
// logs loudly; a failure to store is logged too (the request is refused
// either way).
func (s *Service) fork(ctx context.Context, peer *accord.Peer, state *accord.WitnessState, n *note.Note) {
	seen, err := note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs})
	if err != nil {
		s.logger.Error("fork evidence", "origin", peer.Origin, "err", err)
		return
	}
	ev := accord.SplitViewEvidence{
		Origin: peer.Origin, LogKey: peer.LogKey,
		Checkpoints: [2]string{string(state.Checkpoint), string(seen)},
		Source:      [2]string{"cosigned by this node's witness", "submitted to this node's witness"},
	}
	s.logger.Error("INCONSISTENT CHECKPOINTS: a peer's log shows two views", "peer", peer.Name, "origin", peer.Origin, "size", state.Size)
	if err := s.RaiseAlarm(ctx, accord.AlarmFork, ev); err != nil {
		s.logger.Error("store fork evidence", "origin", peer.Origin, "err", err)
	}
}

// RaiseAlarm stores evidence of a split view as an alarm and makes the
// log's peer read-only (a peer.state_changed log entry), in one write. The
// same evidence twice is one alarm.
func (s *Service) RaiseAlarm(ctx context.Context, kind string, ev accord.SplitViewEvidence) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(append([]byte(kind+"\n"), data...))
	a := accord.Alarm{ID: "alm_" + hex.EncodeToString(sum[:10]), Origin: ev.Origin, Kind: kind, Evidence: data, Detected: s.now().UTC()}
	_, err = s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		if _, err := tx.AddAlarm(ctx, a); err != nil {
			return nil, err
		}
		p, err := tx.PeerByOrigin(ctx, ev.Origin)
		if accord.ErrorCode(err) == accord.ENotFound {
			return nil, nil
		}
		if err != nil || !p.State.CanMove(accord.PeerReadOnly) {
			return nil, err
		}
		e, err := s.movePeer(ctx, tx, p, accord.PeerReadOnly, "node", "split view detected: "+a.ID)
		if err != nil {
			return nil, err
		}
		return [][]byte{e}, nil
	})
	s.peersChanged()
	return err
}

// OriginHash is the C2SP tlog-witness monitoring path element of an origin:
// lowercase hex SHA-256.
func OriginHash(origin string) string {
	h := sha256.Sum256([]byte(origin))
	return hex.EncodeToString(h[:])
}

// LatestCosigned returns the latest checkpoint our witness cosigned for the
// log whose origin hashes to originHash (the monitoring API), or ENotFound.
func (s *Service) LatestCosigned(ctx context.Context, originHash string) ([]byte, error) {
	var cp []byte
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		peers, err := tx.Peers(ctx)
		if err != nil {
			return err
		}
		for _, p := range peers {
			if OriginHash(p.Origin) != originHash {
				continue
			}
			st, err := tx.WitnessState(ctx, p.Origin)
			if err != nil {
				return err
			}
			cp = st.Checkpoint
			return nil
		}
		return accord.Errorf(accord.ENotFound, "this witness holds no checkpoint of a log with that origin hash")
	})
	return cp, err
}

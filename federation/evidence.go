package federation

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	acctlog "github.com/accord-gov/accord/tlog"
)

// Evidence of a split view is self-contained, after the Go checksum
// database's "SECURITY ERROR" report: two checkpoints of one log, each
// signed by its key, that cannot both be true. Either they have the same
// size and different roots, or a consistency proof shows that the larger
// tree holds, as its first entries, a tree whose root (ImpliedRoot) is not
// the smaller checkpoint's. Anyone with the log's key checks it offline
// (VerifyEvidence, `accord alarm verify`): it needs nothing from the log.

// newEvidence builds the evidence of two conflicting signed checkpoints
// (in any order; they are stored smaller first). For different sizes,
// proof proves that the larger tree holds implied as the root of its first
// entries.
func newEvidence(origin, logKey string, a, b []byte, proof tlog.TreeProof, implied tlog.Hash, sources [2]string) (accord.SplitViewEvidence, error) {
	ca, err := noteSize(a)
	if err != nil {
		return accord.SplitViewEvidence{}, err
	}
	cb, err := noteSize(b)
	if err != nil {
		return accord.SplitViewEvidence{}, err
	}
	if cb < ca {
		a, b = b, a
		sources[0], sources[1] = sources[1], sources[0]
	}
	ev := accord.SplitViewEvidence{Origin: origin, LogKey: logKey, Checkpoints: [2]string{string(a), string(b)}, Source: sources}
	if ca != cb {
		for _, h := range proof {
			ev.Proof = append(ev.Proof, base64.StdEncoding.EncodeToString(h[:]))
		}
		ev.ImpliedRoot = base64.StdEncoding.EncodeToString(implied[:])
	}
	return ev, nil
}

func noteSize(cp []byte) (int64, error) {
	n, err := checkpointSize(cp)
	if err != nil {
		return 0, fmt.Errorf("evidence: %w", err)
	}
	return n, nil
}

// EvidenceReport is what verified evidence shows.
type EvidenceReport struct {
	Origin string
	Kind   string // accord.AlarmFork or accord.AlarmInconsistent
	Sizes  [2]int64
	Roots  [2]tlog.Hash
	// Implied is, for different sizes, the root of the first Sizes[0]
	// entries that the larger checkpoint's tree holds.
	Implied tlog.Hash
}

// VerifyEvidence checks split-view evidence offline with a log's verifier
// key: both checkpoints signed by it, for the log it names, and in
// conflict. It returns what the evidence proves, or an error saying why it
// proves nothing. key "" uses the key the evidence names (which the reader
// must trust from elsewhere).
func VerifyEvidence(ev accord.SplitViewEvidence, key string) (*EvidenceReport, error) {
	if key == "" {
		key = ev.LogKey
	}
	if ev.LogKey != "" && ev.LogKey != key {
		return nil, fmt.Errorf("the evidence names log key %s, not %s", ev.LogKey, key)
	}
	v, err := NewLogVerifier(key)
	if err != nil {
		return nil, err
	}
	var cps [2]acctlog.Checkpoint
	for i, n := range ev.Checkpoints {
		if cps[i], err = acctlog.OpenCheckpoint([]byte(n), v, v.Name()); err != nil {
			return nil, fmt.Errorf("checkpoint %d: %w", i+1, err)
		}
	}
	rep := &EvidenceReport{Origin: cps[0].Origin, Sizes: [2]int64{cps[0].Size, cps[1].Size}, Roots: [2]tlog.Hash{cps[0].Hash, cps[1].Hash}}
	if ev.Origin != "" && ev.Origin != rep.Origin {
		return nil, fmt.Errorf("the evidence is about log %q, its checkpoints about %q", ev.Origin, rep.Origin)
	}
	switch {
	case cps[0].Size == cps[1].Size:
		if cps[0].Hash == cps[1].Hash {
			return nil, errors.New("the two checkpoints have the same size and the same root: they agree")
		}
		rep.Kind = accord.AlarmFork
		return rep, nil
	case cps[0].Size > cps[1].Size:
		return nil, errors.New("the checkpoints are not in order, smaller first")
	case cps[0].Size == 0:
		if cps[0].Hash == emptyRoot {
			return nil, errors.New("the smaller checkpoint is the empty tree: every tree extends it")
		}
		rep.Kind = accord.AlarmInconsistent
		rep.Implied = emptyRoot
		return rep, nil
	}
	implied, err := base64.StdEncoding.DecodeString(ev.ImpliedRoot)
	if err != nil || len(implied) != tlog.HashSize {
		return nil, errors.New("implied_root is not a base64 SHA-256 hash")
	}
	rep.Implied = tlog.Hash(implied)
	if rep.Implied == cps[0].Hash {
		return nil, errors.New("the larger tree holds the smaller checkpoint's root: they agree")
	}
	if len(ev.Proof) > 64 {
		return nil, errors.New("the proof has more hashes than a tree can need")
	}
	var proof tlog.TreeProof
	for i, s := range ev.Proof {
		h, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(h) != tlog.HashSize {
			return nil, fmt.Errorf("proof hash %d is not a base64 SHA-256 hash", i+1)
		}
		proof = append(proof, tlog.Hash(h))
	}
	if err := tlog.CheckTree(proof, cps[1].Size, cps[1].Hash, cps[0].Size, rep.Implied); err != nil {
		return nil, fmt.Errorf("the proof does not show that the tree of %d entries holds implied_root as its first %d: %w", cps[1].Size, cps[0].Size, err)
	}
	rep.Kind = accord.AlarmInconsistent
	return rep, nil
}

// splitView raises an alarm with the evidence of two conflicting signed
// checkpoints of a log (a peer's, or this node's own), one of them seen
// just now: stored once, the peer made read-only, an ERROR line and a
// metric. A view that an alarm holds already raises nothing more (the
// other checkpoint, this node's, may have grown since). A failure to store
// is logged; the caller refuses what it saw either way.
func (m *Mirror) splitView(ctx context.Context, peer *accord.Peer, kind string, seen, a, b []byte, proof tlog.TreeProof, implied tlog.Hash, sources [2]string) {
	origin, key, name := m.fed.id.Origin, m.fed.id.LogKey, "this node"
	if peer != nil {
		origin, key, name = peer.Origin, peer.LogKey, "peer "+peer.Name
	}
	if m.alarmed(ctx, origin, seen) {
		return
	}
	ev, err := newEvidence(origin, key, a, b, proof, implied, sources)
	if err == nil {
		_, err = VerifyEvidence(ev, key)
	}
	if err != nil {
		m.logger.Error("split view: the evidence does not hold; no alarm", "log", origin, "err", err)
		return
	}
	m.logger.Error("SPLIT VIEW: a log showed two views that cannot both be true", "log", origin, "of", name, "kind", kind,
		"sizes", fmt.Sprintf("%s / %s", firstLines(a), firstLines(b)), "sources", sources[0]+" / "+sources[1])
	if m.metrics.Alarm != nil {
		m.metrics.Alarm(kind)
	}
	if err := m.fed.RaiseAlarm(ctx, kind, ev); err != nil {
		m.logger.Error("store split-view evidence", "log", origin, "err", err)
	}
}

// firstLines shows a checkpoint's size and root, for a log line.
func firstLines(cp []byte) string {
	c, err := acctlog.ParseCheckpoint(bodyOf(cp))
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%d:%s", c.Size, c.Hash)
}

// bodyOf is a signed note's text, up to and including the blank line's
// first newline.
func bodyOf(cp []byte) string {
	s := string(cp)
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '\n' && s[i+1] == '\n' {
			return s[:i+1]
		}
	}
	return s
}

// alarmed reports whether an alarm about the log holds a checkpoint with
// the same body as seen (its signatures may differ).
func (m *Mirror) alarmed(ctx context.Context, origin string, seen []byte) bool {
	var alarms []accord.Alarm
	if err := m.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		alarms, err = tx.Alarms(ctx, origin)
		return err
	}); err != nil {
		return false
	}
	body := bodyOf(seen)
	for _, a := range alarms {
		var ev accord.SplitViewEvidence
		if json.Unmarshal(a.Evidence, &ev) != nil {
			continue
		}
		for _, c := range ev.Checkpoints {
			if bodyOf([]byte(c)) == body {
				return true
			}
		}
	}
	return false
}

// checkPrefix compares a view q (seen) of a log with a tree one verified,
// c (ours) signed for it, whose hashes r reads up to size, where q is no
// larger than c. conflict reports two views that cannot both be true, and
// then kind and the evidence's parts (the two checkpoints, smaller first;
// the proof and the implied root for different sizes). A view of a size
// past what r holds cannot be checked (err).
func checkPrefix(c acctlog.Checkpoint, ours []byte, q acctlog.Checkpoint, seen []byte, size int64, r tlog.HashReader) (kind string, a, b []byte, proof tlog.TreeProof, implied tlog.Hash, conflict bool, err error) {
	switch {
	case q.Size == c.Size:
		return accord.AlarmFork, ours, seen, nil, tlog.Hash{}, q.Hash != c.Hash, nil
	case q.Size > c.Size || q.Size > size:
		return "", nil, nil, nil, tlog.Hash{}, false, fmt.Errorf("a view of %d entries is larger than the tree checked (%d)", q.Size, c.Size)
	}
	implied = emptyRoot
	if q.Size > 0 {
		if implied, err = tlog.TreeHash(q.Size, r); err != nil {
			return "", nil, nil, nil, tlog.Hash{}, false, err
		}
		if implied != q.Hash {
			if proof, err = tlog.ProveTree(c.Size, q.Size, r); err != nil {
				return "", nil, nil, nil, tlog.Hash{}, false, err
			}
		}
	}
	return accord.AlarmInconsistent, seen, ours, proof, implied, implied != q.Hash, nil
}

// CheckView compares a view of a log (seen: a checkpoint someone
// published) with a tree one verified in full: ours, a checkpoint of it
// signed by the log's key, whose hashes r reads (as the audit recomputes
// them). It returns the evidence when the two cannot both be true, nil when
// seen agrees with the tree. A view not signed by the key, or larger than
// the tree, is an error: it can be checked against no tree held.
func CheckView(key string, ours, seen []byte, r tlog.HashReader, sources [2]string) (*accord.SplitViewEvidence, error) {
	v, err := NewLogVerifier(key)
	if err != nil {
		return nil, err
	}
	c, err := acctlog.OpenCheckpoint(ours, v, v.Name())
	if err != nil {
		return nil, fmt.Errorf("the checkpoint checked: %w", err)
	}
	q, err := acctlog.OpenCheckpoint(seen, v, v.Name())
	if err != nil {
		return nil, fmt.Errorf("the view: %w", err)
	}
	_, a, b, proof, implied, conflict, err := checkPrefix(c, ours, q, seen, c.Size, r)
	if err != nil || !conflict {
		return nil, err
	}
	if !bytes.Equal(a, ours) {
		sources[0], sources[1] = sources[1], sources[0]
	}
	ev, err := newEvidence(c.Origin, key, a, b, proof, implied, sources)
	if err != nil {
		return nil, err
	}
	return &ev, nil
}

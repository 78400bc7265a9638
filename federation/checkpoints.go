package federation

import (
	"bytes"
	"context"

	"github.com/accord-gov/accord"
)

// DefaultPolicy is the federation's default C2SP tlog-policy for this
// node's log: its log key, the witness of every active peer (with its URL,
// so that parsers that need one, like formats/witness.ParsePolicy, take
// it), and a quorum of ⌊n/2⌋+1 of those n witnesses. With no active peer
// the quorum is none.
func (s *Service) DefaultPolicy(ctx context.Context) (*Policy, error) {
	var peers []accord.Peer
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		peers, err = tx.Peers(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	p := &Policy{Logs: []PolicyLog{{Key: s.id.LogKey, URL: s.id.URL + "/log"}}, Quorum: "none"}
	g := PolicyGroup{Name: "members"}
	for _, w := range memberWitnesses(peers) {
		p.Witnesses = append(p.Witnesses, w)
		g.Members = append(g.Members, w.Name)
	}
	if len(g.Members) > 0 {
		g.K = len(g.Members)/2 + 1
		p.Groups = []PolicyGroup{g}
		p.Quorum = g.Name
	}
	return p, nil
}

// memberWitnesses are the witnesses the default policy counts: those of the
// active peers, named by their keys' names.
func memberWitnesses(peers []accord.Peer) []PolicyWitness {
	var out []PolicyWitness
	seen := map[string]bool{}
	for _, p := range peers {
		if p.State != accord.PeerActive || p.WitnessKey == "" {
			continue
		}
		v, err := NewCosignatureVerifier(p.WitnessKey)
		if err != nil || seen[v.Name()] {
			continue
		}
		seen[v.Name()] = true
		out = append(out, PolicyWitness{Name: v.Name(), Key: p.WitnessKey, URL: p.URL + "/witness"})
	}
	return out
}

// WitnessedCheckpoint returns the checkpoint a fresh receipt for the entry
// at index proves against, with the cosignatures collected for it: the
// newest that holds a quorum of the default policy's witnesses and covers
// the entry, or else the latest. It returns nil if the log has none.
func (s *Service) WitnessedCheckpoint(ctx context.Context, tx accord.ReadTx, index int64) ([]byte, error) {
	peers, err := tx.Peers(ctx)
	if err != nil {
		return nil, err
	}
	if ws := memberWitnesses(peers); len(ws) > 0 {
		names := make([]string, len(ws))
		for i, w := range ws {
			names[i] = w.Name
		}
		size, err := tx.QuorumSize(ctx, names, len(names)/2+1)
		if err != nil {
			return nil, err
		}
		if size > index {
			cps, err := tx.Checkpoints(ctx, size, size+1)
			if err != nil {
				return nil, err
			}
			if len(cps) == 1 {
				return withCosignatures(ctx, tx, size, cps[0])
			}
		}
	}
	return s.LatestCheckpoint(ctx, tx)
}

// LatestCheckpoint is the latest signed checkpoint with the cosignatures
// collected for it so far (served at /log/checkpoint), or nil.
func (s *Service) LatestCheckpoint(ctx context.Context, tx accord.ReadTx) ([]byte, error) {
	cp, err := tx.Checkpoint(ctx)
	if err != nil || cp == nil {
		return nil, err
	}
	size, err := checkpointSize(cp)
	if err != nil {
		return nil, err
	}
	return withCosignatures(ctx, tx, size, cp)
}

// withCosignatures appends the stored cosignature lines of the checkpoint
// of this size to its signed note.
func withCosignatures(ctx context.Context, tx accord.ReadTx, size int64, cp []byte) ([]byte, error) {
	cs, err := tx.Cosignatures(ctx, size)
	if err != nil || len(cs) == 0 {
		return cp, err
	}
	b := bytes.NewBuffer(bytes.Clone(cp))
	for _, c := range cs {
		b.WriteString(c.Line)
	}
	return b.Bytes(), nil
}

package federation

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	acctlog "github.com/accord-gov/accord/tlog"
)

// peerTiles reads a peer's hash tiles for golang.org/x/mod/sumdb/tlog's
// TileHashReader, which authenticates every tile against the signed tree
// it is given before it returns a hash: consistency proofs built from them
// are proofs of what that signed tree contains. Tiles are kept for a pass.
type peerTiles struct {
	ctx   context.Context
	src   *tiles
	cache map[tlog.Tile][]byte
}

func newPeerTiles(ctx context.Context, src *tiles) *peerTiles {
	return &peerTiles{ctx: ctx, src: src, cache: map[tlog.Tile][]byte{}}
}

func (p *peerTiles) Height() int { return tileHeight }

func (p *peerTiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		if d, ok := p.cache[t]; ok {
			out[i] = d
			continue
		}
		if t.H != tileHeight || t.L < 0 {
			return nil, fmt.Errorf("unexpected tile %v", t)
		}
		d, err := p.src.tile(p.ctx, t.L, t.N, t.W)
		if err != nil {
			return nil, err
		}
		p.cache[t] = d
		out[i] = d
	}
	return out, nil
}

func (p *peerTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// consistency returns, from the peer's tiles authenticated against the
// signed checkpoint cp, the root of its first n entries and the proof that
// cp's tree extends it (empty when n is cp's size). A tile that does not
// fit cp's root is a *BadDataError.
func (p *peerTiles) consistency(cp acctlog.Checkpoint, n int64) (tlog.Hash, tlog.TreeProof, error) {
	if n == cp.Size {
		return cp.Hash, nil, nil
	}
	if n <= 0 || n > cp.Size {
		return tlog.Hash{}, nil, fmt.Errorf("no consistency from %d to %d", n, cp.Size)
	}
	r := tlog.TileHashReader(tlog.Tree{N: cp.Size, Hash: cp.Hash}, p)
	root, err := tlog.TreeHash(n, r)
	if err != nil {
		return tlog.Hash{}, nil, tileErr(err)
	}
	proof, err := tlog.ProveTree(cp.Size, n, r)
	if err != nil {
		return tlog.Hash{}, nil, tileErr(err)
	}
	if err := tlog.CheckTree(proof, cp.Size, cp.Hash, n, root); err != nil {
		return tlog.Hash{}, nil, &BadDataError{fmt.Sprintf("the peer's tiles give no consistency proof from %d to %d", n, cp.Size)}
	}
	return root, proof, nil
}

// tileErr keeps fetch errors as they are and makes the rest (tiles that
// do not authenticate) bad data.
func tileErr(err error) error {
	var fe *FetchError
	var bd *BadDataError
	if errors.As(err, &fe) || errors.As(err, &bd) {
		return err
	}
	return &BadDataError{fmt.Sprintf("the peer's hash tiles do not fit its signed checkpoint: %v", err)}
}

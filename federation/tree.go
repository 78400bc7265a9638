package federation

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	acctlog "github.com/accord-gov/accord/tlog"
)

// tileHeight is C2SP tlog-tiles' tile height.
const tileHeight = acctlog.TileHeight

// tree is the mirror's copy of a peer's Merkle tree while a pass extends
// it: the hashes of the stored entries come from the stored tiles (read
// once each and kept for the pass), the hashes of new entries are kept in
// memory until they are stored as tiles.
type tree struct {
	size      int64 // entries in the tree, stored and new
	base      int64 // entries stored when the new hashes began
	hashStart int64 // stored-hash index of the first new hash
	fresh     []tlog.Hash
	stored    func(level int, n int64) (accord.MirrorTile, bool, error)
	tiles     map[[2]int64]accord.MirrorTile // stored tiles read so far
}

// newTree starts a tree of size entries whose tiles are read by stored
// (found false for a tile not stored).
func newTree(size int64, stored func(level int, n int64) (accord.MirrorTile, bool, error)) *tree {
	return &tree{size: size, base: size, hashStart: tlog.StoredHashCount(size), stored: stored, tiles: map[[2]int64]accord.MirrorTile{}}
}

// storeTiles reads a mirrored log's stored tiles from a store, one read
// transaction per tile.
func storeTiles(ctx context.Context, store accord.Store, origin string) func(level int, n int64) (accord.MirrorTile, bool, error) {
	return func(level int, n int64) (accord.MirrorTile, bool, error) {
		var ts []accord.MirrorTile
		err := store.View(ctx, func(tx accord.ReadTx) error {
			var err error
			ts, err = tx.MirrorTiles(ctx, origin, level, n, n+1)
			return err
		})
		if err != nil || len(ts) == 0 {
			return accord.MirrorTile{}, false, err
		}
		return ts[0], true, nil
	}
}

// ReadHashes implements tlog.HashReader over the stored and new hashes.
func (t *tree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x >= t.hashStart {
			if x-t.hashStart >= int64(len(t.fresh)) {
				return nil, fmt.Errorf("hash %d is beyond the tree", x)
			}
			out[i] = t.fresh[x-t.hashStart]
			continue
		}
		h, err := t.storedHash(x)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

func (t *tree) storedHash(x int64) (tlog.Hash, error) {
	want := tlog.TileForIndex(tileHeight, x)
	key := [2]int64{int64(want.L), want.N}
	m, ok := t.tiles[key]
	if !ok {
		var err error
		if m, ok, err = t.stored(want.L, want.N); err != nil {
			return tlog.Hash{}, err
		}
		if !ok {
			return tlog.Hash{}, fmt.Errorf("the mirror lost tile %d/%d", want.L, want.N)
		}
		t.tiles[key] = m
	}
	if m.Width < want.W {
		return tlog.Hash{}, fmt.Errorf("stored tile %d/%d is %d wide, hash %d needs %d", want.L, want.N, m.Width, x, want.W)
	}
	return tlog.HashFromTile(tlog.Tile{H: tileHeight, L: want.L, N: want.N, W: m.Width}, m.Data, x)
}

// add appends entries, given by their leaf hashes.
func (t *tree) add(leaves []tlog.Hash) error {
	for _, h := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(t.size, h, t)
		if err != nil {
			return fmt.Errorf("hash entry %d: %w", t.size, err)
		}
		t.fresh = append(t.fresh, hs...)
		t.size++
	}
	return nil
}

// root is the tree hash of the first n entries.
func (t *tree) root(n int64) (tlog.Hash, error) { return tlog.TreeHash(n, t) }

// newTiles returns the hash tiles that change from the stored tree (base
// entries) to the whole tree, with their data.
func (t *tree) newTiles() ([]accord.MirrorTile, error) {
	var out []accord.MirrorTile
	for _, tl := range tlog.NewTiles(tileHeight, t.base, t.size) {
		data, err := tlog.ReadTileData(tl, t)
		if err != nil {
			return nil, fmt.Errorf("tile %d/%d: %w", tl.L, tl.N, err)
		}
		out = append(out, accord.MirrorTile{Level: tl.L, N: tl.N, Width: tl.W, Data: data})
	}
	return out, nil
}

// storedAs marks every hash as stored (once its tiles are), so that the
// new hashes need no memory: later reads go to the new tiles. Of those it
// keeps the last two of each level, where the tree grows (the others are
// read again from the store if ever needed), so that a long catch-up holds
// a few tiles, not every tile it wrote.
func (t *tree) storedAs(tiles []accord.MirrorTile) {
	for _, m := range tiles {
		if m.Level >= 0 {
			t.tiles[[2]int64{int64(m.Level), m.N}] = m
		}
	}
	last := map[int64]int64{}
	for k := range t.tiles {
		last[k[0]] = max(last[k[0]], k[1])
	}
	for k := range t.tiles {
		if k[1] < last[k[0]]-1 {
			delete(t.tiles, k)
		}
	}
	t.base, t.hashStart, t.fresh = t.size, tlog.StoredHashCount(t.size), nil
}

package tlog

import (
	"math"
	"math/big"
	"strings"
	"testing"
)

func TestTileInTree(t *testing.T) {
	const full = 1 << TileHeight
	tests := []struct {
		tile tilePath
		size int64
		want bool
	}{
		{tilePath{0, 0, full}, 255, false},
		{tilePath{0, 0, full}, 256, true},
		{tilePath{0, 1, 44}, 300, true},
		{tilePath{0, 1, 45}, 300, false},
		{tilePath{-1, 1, 44}, 300, true},
		{tilePath{1, 0, 1}, 256, true},
		{tilePath{1, 0, 1}, 255, false},
		{tilePath{1, 0, 2}, 511, false},
		{tilePath{7, 0, 1}, 1 << 56, true},
		{tilePath{7, 0, 1}, 1<<56 - 1, false},
		{tilePath{0, 1 << 56, full}, 300, false},           // N·256 wraps to 0
		{tilePath{0, 1 << 55, full}, 300, false},           // N·256 wraps negative
		{tilePath{0, 1 << 55, full}, math.MaxInt64, false}, // past the largest tree
		{tilePath{0, 1<<55 - 1, full - 1}, math.MaxInt64, true},
		{tilePath{0, 1<<55 - 1, full}, math.MaxInt64, false}, // would end at 2⁶³
		{tilePath{0, -1, full}, 300, false},
		{tilePath{0, 0, 0}, 300, false},
		{tilePath{0, 0, full + 1}, 1000, false},
		{tilePath{0, 0, 1}, 0, false},
		{tilePath{0, 0, 1}, -1, false},
	}
	for _, tt := range tests {
		if got := tt.tile.inTree(tt.size); got != tt.want {
			t.Errorf("%+v in a tree of %d: %v, want %v", tt.tile, tt.size, got, tt.want)
		}
		if got := inTreeBig(tt.tile, tt.size); got != tt.want {
			t.Errorf("test case %+v, %d disagrees with exact arithmetic", tt.tile, tt.size)
		}
	}
}

// inTreeBig is inTree in exact arithmetic: N·256 + W ≤ ⌊size / 256^L⌋.
func inTreeBig(t tilePath, size int64) bool {
	if t.N < 0 || t.W < 1 || t.W > 1<<TileHeight || size < 0 {
		return false
	}
	last := new(big.Int).Lsh(big.NewInt(t.N), TileHeight)
	last.Add(last, big.NewInt(int64(t.W)))
	nodes := new(big.Int).Rsh(big.NewInt(size), uint(TileHeight*max(t.Level, 0)))
	return last.Cmp(nodes) <= 0
}

// FuzzTilePath: any path the parser accepts is in canonical form, names an
// index no int64 tree overflows, and is in a tree exactly when exact
// arithmetic says so.
func FuzzTilePath(f *testing.F) {
	for _, s := range []string{
		"tile/0/000", "tile/0/001.p/44", "tile/entries/x001/234", "tile/7/000.p/1", "tile/8/000",
		"tile/0/x072/x057/x594/x037/x927/936", "tile/0/x036/x028/x797/x018/x963/967",
		"tile/0/x009/x223/x372/x036/x854/x775/807", "tile/1/x000/001", "tile/0/000.p/256", "tile/0/-01",
	} {
		f.Add(s, int64(300))
	}
	f.Add("tile/0/x036/x028/x797/x018/x963/967.p/255", int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, p string, size int64) {
		tp, err := parseTilePath(p)
		if err != nil {
			if !strings.Contains(err.Error(), "malformed tile path") {
				t.Fatalf("%q: unexpected error %v", p, err)
			}
			return
		}
		if tp.String() != p {
			t.Fatalf("%q parses to %+v, which formats as %q", p, tp, tp.String())
		}
		if tp.Level < -1 || tp.Level > 63/TileHeight || tp.W < 1 || tp.W > 1<<TileHeight || tp.N < 0 || tp.N > maxTileIndex(tp.Level) {
			t.Fatalf("%q parses to %+v, out of range", p, tp)
		}
		if tp.N > math.MaxInt64>>TileHeight {
			t.Fatalf("%q: N·256 overflows", p)
		}
		if got, want := tp.inTree(size), inTreeBig(tp, size); got != want {
			t.Fatalf("%q in a tree of %d: %v, exact arithmetic says %v", p, size, got, want)
		}
	})
}

func TestTileCacheBound(t *testing.T) {
	c := newTileCache(10)
	tile := func(n int64) tilePath { return tilePath{Level: -1, N: n, W: 256} }
	c.put(tile(1), []byte("aaaa"))
	c.put(tile(2), []byte("bbbb"))
	c.get(tile(1)) // 1 is now the most recently used
	c.put(tile(3), []byte("cccc"))
	if _, ok := c.get(tile(2)); ok {
		t.Error("the least recently used tile is kept beyond the bound")
	}
	for _, n := range []int64{1, 3} {
		if _, ok := c.get(tile(n)); !ok {
			t.Errorf("tile %d dropped", n)
		}
	}
	c.put(tile(4), []byte("larger than the bound"))
	if _, ok := c.get(tile(4)); ok || c.bytes != 8 {
		t.Errorf("a tile over the bound is kept (%d bytes held)", c.bytes)
	}
}

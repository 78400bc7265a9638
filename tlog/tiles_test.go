package tlog

import (
	"bytes"
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

func TestTileCache(t *testing.T) {
	hashes := func(w int) []byte { return bytes.Repeat([]byte{byte(w)}, w*32) }
	c := newTileCache(200)
	c.put(tilePath{Level: 0, N: 1, W: 2}, hashes(2))
	if data, ok, _, _ := c.get(tilePath{Level: 0, N: 1, W: 1}); !ok || len(data) != 32 {
		t.Errorf("a narrower hash tile than cached: %v, %d bytes", ok, len(data))
	}
	if _, ok, have, haveW := c.get(tilePath{Level: 0, N: 1, W: 3}); ok || haveW != 2 || len(have) != 64 {
		t.Errorf("a wider hash tile than cached: %v, have %d of width %d", ok, len(have), haveW)
	}
	b := bundle([][]byte{[]byte("one"), []byte("three")})
	c.put(tilePath{Level: -1, N: 0, W: 2}, b)
	if data, ok, _, _ := c.get(tilePath{Level: -1, N: 0, W: 1}); !ok || !bytes.Equal(data, bundle([][]byte{[]byte("one")})) {
		t.Errorf("a narrower bundle than cached: %v, %q", ok, data)
	}
	c.put(tilePath{Level: -1, N: 1, W: 3}, b) // two entries, not three
	if _, ok, have, _ := c.get(tilePath{Level: -1, N: 1, W: 1}); ok || have != nil {
		t.Error("a bundle of the wrong width was kept")
	}
	// The bound: 200 bytes hold two tiles of 96; the least recently used goes.
	c = newTileCache(200)
	c.put(tilePath{Level: 0, N: 1, W: 3}, hashes(3))
	c.put(tilePath{Level: 0, N: 2, W: 3}, hashes(3))
	c.get(tilePath{Level: 0, N: 1, W: 3})
	c.put(tilePath{Level: 0, N: 3, W: 3}, hashes(3))
	for n, want := range map[int64]bool{1: true, 2: false, 3: true} {
		if _, ok, _, _ := c.get(tilePath{Level: 0, N: n, W: 3}); ok != want {
			t.Errorf("tile %d kept: %v, want %v", n, ok, want)
		}
	}
	if c.put(tilePath{Level: 0, N: 4, W: 7}, hashes(7)); c.bytes > 200 {
		t.Errorf("%d bytes held, over the bound", c.bytes)
	}
}

package tlog

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

// TileHeight is the C2SP tlog-tiles tile height.
const TileHeight = 8

// A tile path names a hash tile (level L ≥ 0) or an entry bundle (level -1).
type tilePath struct {
	Level int   // -1 for an entry bundle
	N     int64 // tile index
	W     int   // width, 1..256; 256 for a full tile
}

// String formats a tile path as C2SP tlog-tiles writes it (without the /log/ prefix).
func (t tilePath) String() string {
	var b strings.Builder
	b.WriteString("tile/")
	if t.Level < 0 {
		b.WriteString("entries")
	} else {
		b.WriteString(strconv.Itoa(t.Level))
	}
	b.WriteByte('/')
	b.WriteString(formatTileIndex(t.N))
	if t.W < 1<<TileHeight {
		fmt.Fprintf(&b, ".p/%d", t.W)
	}
	return b.String()
}

// TilePath is the C2SP tlog-tiles path (below the log's prefix) of hash tile
// n at level (level -1: entry bundle n), of width entries or hashes (256 for
// a full tile): e.g. "tile/0/x001/234" or "tile/entries/005.p/17".
func TilePath(level int, n int64, width int) string {
	return tilePath{Level: level, N: n, W: width}.String()
}

// formatTileIndex writes N in 3-digit groups, all but the last prefixed with x.
func formatTileIndex(n int64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	return s
}

// parseTilePath parses "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]".
func parseTilePath(p string) (tilePath, error) {
	bad := fmt.Errorf("malformed tile path %q", p)
	rest, ok := strings.CutPrefix(p, "tile/")
	if !ok {
		return tilePath{}, bad
	}
	level, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return tilePath{}, bad
	}
	t := tilePath{W: 1 << TileHeight}
	if level == "entries" {
		t.Level = -1
	} else {
		l, err := strconv.Atoi(level)
		if err != nil || l < 0 || l > 63/TileHeight || strconv.Itoa(l) != level {
			return tilePath{}, bad
		}
		t.Level = l
	}
	if i := strings.Index(rest, ".p/"); i >= 0 {
		w, err := strconv.Atoi(rest[i+3:])
		if err != nil || w < 1 || w >= 1<<TileHeight || strconv.Itoa(w) != rest[i+3:] {
			return tilePath{}, bad
		}
		t.W, rest = w, rest[:i]
	}
	groups := strings.Split(rest, "/")
	for i, g := range groups {
		last := i == len(groups)-1
		if !last {
			g, ok = strings.CutPrefix(g, "x")
			if !ok {
				return tilePath{}, bad
			}
		}
		if len(g) != 3 || strings.Trim(g, "0123456789") != "" {
			return tilePath{}, bad
		}
		d, _ := strconv.Atoi(g)
		if t.N > maxTileIndex(t.Level)/1000 {
			return tilePath{}, bad // past any tree (and N·1000 could overflow)
		}
		t.N = t.N*1000 + int64(d)
	}
	if t.N > maxTileIndex(t.Level) {
		return tilePath{}, bad
	}
	if formatTileIndex(t.N) != rest {
		return tilePath{}, bad // e.g. a leading x000 group
	}
	return t, nil
}

// maxTileIndex is the largest index of a tile at level (-1: entry bundles)
// that a tree of at most MaxInt64 leaves can hold. Bounding N by it keeps
// every product of N below in range: a larger index once wrapped around
// and served another tile's bytes.
func maxTileIndex(level int) int64 {
	return math.MaxInt64 >> (TileHeight * (max(level, 0) + 1))
}

// inTree reports whether a tree of size leaves holds tile t: its last node
// at t's level (N·256 + W) must be complete. Computed by division, so that no
// index can overflow into another tile.
func (t tilePath) inTree(size int64) bool {
	nodes := size >> (TileHeight * max(t.Level, 0)) // complete nodes at this level
	if t.N < 0 || t.W < 1 || t.W > 1<<TileHeight || nodes < int64(t.W) {
		return false
	}
	return t.N <= (nodes-int64(t.W))>>TileHeight
}

// Handler serves the C2SP tlog-tiles read API: /checkpoint, /tile/<L>/<N>[.p/<W>]
// and /tile/entries/<N>[.p/<W>], relative to where it is mounted.
func Handler(store accord.Store) http.Handler {
	tiles := newTileCache(tileCacheBytes)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkpoint", func(w http.ResponseWriter, r *http.Request) {
		var cp []byte
		err := store.View(r.Context(), func(tx accord.ReadTx) error {
			var err error
			cp, err = tx.Checkpoint(r.Context())
			return err
		})
		if err != nil {
			tileError(w, "the database is unavailable", http.StatusServiceUnavailable)
			return
		}
		if cp == nil {
			tileError(w, "no checkpoint yet: the log is empty", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache, no-store")
		w.Write(cp)
	})
	mux.HandleFunc("GET /tile/", func(w http.ResponseWriter, r *http.Request) {
		t, err := parseTilePath(strings.TrimPrefix(r.URL.Path, "/"))
		if err != nil {
			tileError(w, err.Error(), http.StatusNotFound)
			return
		}
		data, ok, have, haveW := tiles.get(t)
		if !ok {
			data, err = readTile(r.Context(), store, t, have, haveW)
			if err != nil {
				if accord.ErrorCode(err) == accord.ENotFound {
					tileError(w, accord.ErrorMessage(err), http.StatusNotFound)
					return
				}
				tileError(w, "the database is unavailable", http.StatusServiceUnavailable)
				return
			}
			tiles.put(t, data)
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		if t.W == 1<<TileHeight {
			// Full tiles never change.
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=60")
		}
		w.Write(data)
	})
	return mux
}

// tileError answers an error that no cache may keep: a tile beyond the tree
// today exists tomorrow, and caches may keep a 404 unless told not to.
func tileError(w http.ResponseWriter, msg string, status int) {
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, status)
}

// readTile reads a tile's bytes, if the tree is large enough to contain
// it; for an entry bundle of which the first haveW entries are known
// (have), only the entries after them.
func readTile(ctx context.Context, store accord.Store, t tilePath, have []byte, haveW int) ([]byte, error) {
	var data []byte
	err := store.View(ctx, func(tx accord.ReadTx) error {
		size, err := treeSize(ctx, tx)
		if err != nil {
			return err
		}
		if !t.inTree(size) {
			return accord.Errorf(accord.ENotFound, "%s is beyond the tree (size %d)", t, size)
		}
		start := t.N << TileHeight // first node index of the tile, at its level
		if t.Level < 0 {
			es, err := tx.ReadEntries(ctx, start+int64(haveW), start+int64(t.W))
			if err != nil {
				return err
			}
			// A new slice: have is shared with requests being answered.
			data = append(append(make([]byte, 0, len(have)+bundleLen(es)), have...), bundle(es)...)
			return nil
		}
		data, err = tlog.ReadTileData(tlog.Tile{H: TileHeight, L: t.Level, N: t.N, W: t.W}, storeReader(ctx, tx))
		return err
	})
	return data, err
}

// treeSize is the size of the latest checkpoint: tiles are served only for
// what a signed checkpoint covers.
func treeSize(ctx context.Context, tx accord.ReadTx) (int64, error) {
	cp, err := tx.Checkpoint(ctx)
	if err != nil || cp == nil {
		return 0, err
	}
	c, err := parseSigned(cp)
	return c.Size, err
}

// bundleLen is the length of entries' bundle.
func bundleLen(entries [][]byte) int {
	n := 0
	for _, e := range entries {
		n += 2 + len(e)
	}
	return n
}

// bundle encodes entries as a C2SP entry bundle.
func bundle(entries [][]byte) []byte {
	out := make([]byte, 0, bundleLen(entries))
	for _, e := range entries {
		out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
		out = append(out, e...)
	}
	return out
}

// ParseBundle decodes a C2SP entry bundle.
func ParseBundle(data []byte) ([][]byte, error) {
	var out [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, fmt.Errorf("entry bundle: truncated length")
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, fmt.Errorf("entry bundle: truncated entry %d", len(out))
		}
		out = append(out, data[2:2+n])
		data = data[2+n:]
	}
	return out, nil
}

// ParseTilePath parses a C2SP tlog-tiles path below a log's prefix:
// "tile/<L>/<N>[.p/<W>]" (a hash tile, level ≥ 0) or
// "tile/entries/<N>[.p/<W>]" (an entry bundle, level -1); width is 256 for
// a full tile.
func ParseTilePath(p string) (level int, n int64, width int, err error) {
	t, err := parseTilePath(p)
	return t.Level, t.N, t.W, err
}

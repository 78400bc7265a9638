package tlog

import (
	"container/list"
	"encoding/binary"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// tileCache keeps the tiles the handler served last, the widest seen of
// each. A tile's bytes are fixed once the tree holds it, a partial tile's
// are a prefix of every wider one's (hash tiles 32 bytes per hash, entry
// bundles one length-prefixed entry after another), and the tree never
// shrinks: so a cached tile serves any width up to its own without the
// database or the size check, and a wider one is read from where the
// cached one ends. It exists for the federation: after each checkpoint
// every peer's mirror fetches the new entry bundle and hash tiles, at
// widths a few entries apart.
type tileCache struct {
	mu    sync.Mutex
	max   int // bytes
	bytes int
	order *list.List // of *tileItem, most recently used first
	items map[tileKey]*list.Element
}

type tileKey struct {
	level int
	n     int64
}

type tileItem struct {
	key   tileKey
	width int
	data  []byte
	ends  []int // entry bundles: where entry i ends in data
}

// prefix is the item's bytes at width w ≤ its own.
func (it *tileItem) prefix(w int) []byte {
	if it.key.level < 0 {
		return it.data[:it.ends[w-1]]
	}
	return it.data[:w*tlog.HashSize]
}

// Bounds of the handler's tile cache: an entry bundle is typically a few
// hundred kilobytes (256 entries of about a kilobyte), at most 16 MiB.
const (
	tileCacheBytes   = 32 << 20
	tileCacheMaxTile = 4 << 20 // larger tiles are read each time
)

func newTileCache(max int) *tileCache {
	return &tileCache{max: max, order: list.New(), items: map[tileKey]*list.Element{}}
}

// get returns t's bytes if a tile at least as wide is cached; else the
// widest narrower one cached (bytes and width) to read on from, if any.
// The caller must not change the bytes.
func (c *tileCache) get(t tilePath) (data []byte, ok bool, have []byte, haveW int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.items[tileKey{t.Level, t.N}]
	if !found {
		return nil, false, nil, 0
	}
	c.order.MoveToFront(e)
	it := e.Value.(*tileItem)
	if it.width >= t.W {
		return it.prefix(t.W), true, nil, 0
	}
	return nil, false, it.data, it.width
}

// put keeps data as t's bytes, unless a tile as wide is cached, and drops
// the least recently used tiles beyond the bound.
func (c *tileCache) put(t tilePath, data []byte) {
	if len(data) > tileCacheMaxTile || len(data) > c.max {
		return
	}
	it := &tileItem{key: tileKey{t.Level, t.N}, width: t.W, data: data}
	if t.Level < 0 {
		for off := 0; off+2 <= len(data); {
			off += 2 + int(binary.BigEndian.Uint16(data[off:]))
			it.ends = append(it.ends, off)
		}
		if len(it.ends) != t.W {
			return // not a bundle of t.W entries: keep nothing
		}
	} else if len(data) != t.W*tlog.HashSize {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[it.key]; ok {
		old := e.Value.(*tileItem)
		if old.width >= t.W {
			return
		}
		c.order.Remove(e)
		c.bytes -= len(old.data)
	}
	c.items[it.key] = c.order.PushFront(it)
	c.bytes += len(data)
	for c.bytes > c.max {
		e := c.order.Back()
		old := e.Value.(*tileItem)
		c.order.Remove(e)
		delete(c.items, old.key)
		c.bytes -= len(old.data)
	}
}

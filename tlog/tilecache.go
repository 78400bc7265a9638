package tlog

import (
	"container/list"
	"sync"
)

// tileCache keeps the tiles the handler served last, by path. A tile path
// names fixed bytes once the tree holds it (a partial tile's width is in
// its path), and the tree never shrinks, so a cached tile needs neither
// the database nor the size check again. It exists for the federation:
// every peer's mirror fetches the same new entry bundle and hash tiles
// after each checkpoint, within milliseconds of the others.
type tileCache struct {
	mu    sync.Mutex
	max   int // bytes
	bytes int
	order *list.List // of *tileItem, most recently used first
	items map[tilePath]*list.Element
}

type tileItem struct {
	path tilePath
	data []byte
}

// Bounds of the handler's tile cache: an entry bundle is typically a few
// hundred kilobytes (256 entries of about a kilobyte), at most 16 MiB.
const (
	tileCacheBytes   = 32 << 20
	tileCacheMaxTile = 4 << 20 // larger tiles are read each time
)

func newTileCache(max int) *tileCache {
	return &tileCache{max: max, order: list.New(), items: map[tilePath]*list.Element{}}
}

// get returns the cached bytes of t, which the caller must not change.
func (c *tileCache) get(t tilePath) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[t]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*tileItem).data, true
}

// put keeps data as t's bytes, dropping the least recently used tiles
// beyond the bound.
func (c *tileCache) put(t tilePath, data []byte) {
	if len(data) > tileCacheMaxTile || len(data) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[t]; ok {
		return
	}
	c.items[t] = c.order.PushFront(&tileItem{path: t, data: data})
	c.bytes += len(data)
	for c.bytes > c.max {
		e := c.order.Back()
		it := e.Value.(*tileItem)
		c.order.Remove(e)
		delete(c.items, it.path)
		c.bytes -= len(it.data)
	}
}

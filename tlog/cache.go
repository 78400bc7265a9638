package tlog

import (
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// hashCache keeps the most recent stored hashes, and a few older ones, in
// memory. Stored hashes never change once committed, so caching them is safe;
// the sequencer resets the cache whenever a batch fails to commit or another
// node has appended to a shared store.
type hashCache struct {
	mu     sync.Mutex
	size   int64       // log size (entries) the cache describes; -1 = unknown
	base   int64       // stored-hash index of recent[0]
	recent []tlog.Hash // stored hashes [base, base+len(recent))
	old    map[int64]tlog.Hash
}

const (
	recentCap = 1 << 17 // 128Ki hashes = 4 MiB
	oldCap    = 1 << 12
)

func newHashCache() *hashCache { return &hashCache{size: -1, old: map[int64]tlog.Hash{}} }

func (c *hashCache) reset(size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.size = size
	c.base = tlog.StoredHashCount(size)
	c.recent = c.recent[:0]
	clear(c.old)
}

// lookup fills out[i] for every index it holds and returns the positions it could not.
func (c *hashCache) lookup(indexes []int64, out []tlog.Hash) (missing []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	end := c.base + int64(len(c.recent))
	for i, x := range indexes {
		if x >= c.base && x < end {
			out[i] = c.recent[x-c.base]
		} else if h, ok := c.old[x]; ok {
			out[i] = h
		} else {
			missing = append(missing, i)
		}
	}
	return missing
}

// remember keeps hashes read from the store.
func (c *hashCache) remember(indexes []int64, hashes []tlog.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.old)+len(indexes) > oldCap {
		clear(c.old)
	}
	for i, x := range indexes {
		if x < c.base {
			c.old[x] = hashes[i]
		}
	}
}

// extend appends newly computed hashes starting at stored-hash index start,
// which must be the end of recent. It drops the oldest half when full.
func (c *hashCache) extend(start int64, hashes []tlog.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if start != c.base+int64(len(c.recent)) {
		// Not contiguous (should not happen): start afresh from here.
		c.base, c.recent = start, c.recent[:0]
	}
	if len(c.recent)+len(hashes) > recentCap {
		drop := len(c.recent) / 2
		if drop < len(hashes) {
			drop = len(c.recent)
		}
		c.recent = append(c.recent[:0], c.recent[drop:]...)
		c.base += int64(drop)
	}
	c.recent = append(c.recent, hashes...)
}

// Package limit holds the node's request limits: token buckets per client
// (how often) and gates (how many at once).
package limit

import (
	"context"
	"math"
	"sync"
	"time"
)

// Rate is a token bucket's refill rate per second and its size. The zero
// Rate (or a negative PerSecond) means no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Unlimited reports whether the rate limits nothing.
func (r Rate) Unlimited() bool { return r.PerSecond <= 0 }

// Buckets keeps one token bucket per key (a client's address, a token's
// hash). Memory is bounded: a bucket that has refilled is the same as no
// bucket, so idle clients are dropped, and at most max are kept.
type Buckets struct {
	rate Rate
	max  int
	now  func() time.Time

	mu    sync.Mutex
	m     map[string]*bucket
	swept time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// NewBuckets returns buckets of the given rate, at most max at once.
// now is the clock (time.Now unless a test sets another).
func NewBuckets(rate Rate, max int, now func() time.Time) *Buckets {
	if now == nil {
		now = time.Now
	}
	if rate.Burst < 1 {
		rate.Burst = 1
	}
	return &Buckets{rate: rate, max: max, now: now, m: map[string]*bucket{}}
}

// Take takes n tokens from key's bucket if it holds them. If not, it takes
// nothing and says how long until it will.
func (b *Buckets) Take(key string, n float64) (ok bool, retry time.Duration) {
	if b == nil || b.rate.Unlimited() {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.fill(key)
	if k.tokens >= n {
		k.tokens -= n
		return true, 0
	}
	return false, b.wait(k, n)
}

// Check says whether key's bucket holds n tokens, without taking any.
func (b *Buckets) Check(key string, n float64) (ok bool, retry time.Duration) {
	if b == nil || b.rate.Unlimited() {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	k, found := b.m[key]
	if !found {
		return true, 0
	}
	b.refill(k, b.now())
	if k.tokens >= n {
		return true, 0
	}
	return false, b.wait(k, n)
}

// Drain takes n tokens from key's bucket, down to zero at most (a failure
// already happened: it is counted whatever the bucket holds).
func (b *Buckets) Drain(key string, n float64) {
	if b == nil || b.rate.Unlimited() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.fill(key)
	k.tokens = math.Max(0, k.tokens-n)
}

// Len is how many buckets are kept.
func (b *Buckets) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// fill returns key's bucket, brought up to date, creating it full.
func (b *Buckets) fill(key string) *bucket {
	now := b.now()
	if k, ok := b.m[key]; ok {
		b.refill(k, now)
		return k
	}
	if len(b.m) >= b.max || now.Sub(b.swept) > time.Minute {
		b.sweep(now)
	}
	k := &bucket{tokens: float64(b.rate.Burst), at: now}
	b.m[key] = k
	return k
}

func (b *Buckets) refill(k *bucket, now time.Time) {
	if d := now.Sub(k.at); d > 0 {
		k.tokens = math.Min(float64(b.rate.Burst), k.tokens+d.Seconds()*b.rate.PerSecond)
		k.at = now
	}
}

func (b *Buckets) wait(k *bucket, n float64) time.Duration {
	return time.Duration((n - k.tokens) / b.rate.PerSecond * float64(time.Second))
}

// sweep drops the buckets that have refilled (idle clients, the same as
// no bucket); if a quarter is still not free, arbitrary others go too (a
// dropped client starts again with a full bucket: that costs the limit some
// precision, never memory).
func (b *Buckets) sweep(now time.Time) {
	b.swept = now
	for key, k := range b.m {
		b.refill(k, now)
		if k.tokens >= float64(b.rate.Burst) {
			delete(b.m, key)
		}
	}
	for key := range b.m {
		if len(b.m) < b.max-b.max/4 {
			break
		}
		delete(b.m, key)
	}
}

// Gate lets at most n holders through at once; others wait a bounded time,
// then are refused, so that work beyond the bound is answered at once
// rather than queued without end.
type Gate struct {
	slots chan struct{}
	wait  time.Duration
}

// NewGate returns a gate of n slots (n ≤ 0: no bound) where a caller waits
// at most wait for a slot.
func NewGate(n int, wait time.Duration) *Gate {
	if n <= 0 {
		return nil
	}
	return &Gate{slots: make(chan struct{}, n), wait: wait}
}

// Size is the number of slots (0: no bound).
func (g *Gate) Size() int {
	if g == nil {
		return 0
	}
	return cap(g.slots)
}

// Enter takes a slot, waiting at most the gate's wait (or until ctx ends).
// It reports whether it got one; a caller that did must call Leave.
func (g *Gate) Enter(ctx context.Context) bool {
	if g == nil {
		return true
	}
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	if g.wait <= 0 {
		return false
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// Leave gives a slot back.
func (g *Gate) Leave() {
	if g != nil {
		<-g.slots
	}
}

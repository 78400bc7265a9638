package api

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/accord-gov/accord/registry"
)

// authCache remembers for a moment which caller a token resolved to, so
// that a bulk filer's every request does not read its token from the
// database (a read transaction and a pooled connection per request: as much
// CPU as the rest of the HTTP layer of a filing).
//
// Only successful authentications are kept, under the SHA-256 of the
// secret, never the secret. A revocation through this API forgets the
// token at once, and a lookup that raced with it is not stored. Anything
// else (another node on the same PostgreSQL database revoking it) is seen
// within authTTL. It only speeds up reading who the caller is: the service
// checks the token again inside every write's transaction.
type authCache struct {
	mu  sync.Mutex
	m   map[[sha256.Size]byte]authEntry
	gen uint64 // counts revocations, so that a racing lookup is not stored
	ttl time.Duration
	max int
	now func() time.Time
}

type authEntry struct {
	caller  registry.Caller
	expires time.Time
}

// authTTL bounds how long another node's revocation can go unseen here.
const (
	authTTL        = 2 * time.Second
	authCacheLimit = 4096 // tokens remembered at once
)

func newAuthCache(ttl time.Duration, limit int, now func() time.Time) *authCache {
	return &authCache{m: map[[sha256.Size]byte]authEntry{}, ttl: ttl, max: limit, now: now}
}

// authenticate resolves secret through the cache, or through auth on a miss.
func (a *authCache) authenticate(ctx context.Context, secret string, auth func(context.Context, string) (*registry.Caller, error)) (*registry.Caller, error) {
	key := sha256.Sum256([]byte(secret))
	now := a.now()
	a.mu.Lock()
	e, ok := a.m[key]
	gen := a.gen
	a.mu.Unlock()
	if ok && now.Before(e.expires) {
		c := e.caller // a copy: callers must not share one
		return &c, nil
	}
	c, err := auth(ctx, secret)
	if err != nil || c == nil {
		return c, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen != gen {
		return c, nil // a token was revoked meanwhile: maybe this one
	}
	if len(a.m) >= a.max {
		a.evict(now)
	}
	a.m[key] = authEntry{caller: *c, expires: now.Add(a.ttl)}
	return c, nil
}

// evict drops expired entries, and if that frees nothing, an arbitrary
// half: a full cache only costs database reads, never correctness.
func (a *authCache) evict(now time.Time) {
	for k, e := range a.m {
		if !now.Before(e.expires) {
			delete(a.m, k)
		}
	}
	for k := range a.m {
		if len(a.m) < a.max/2 {
			break
		}
		delete(a.m, k)
	}
}

// forget drops a revoked token, and keeps lookups already under way from
// storing it again.
func (a *authCache) forget(tokenID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	for k, e := range a.m {
		if e.caller.Token.ID == tokenID {
			delete(a.m, k)
		}
	}
}

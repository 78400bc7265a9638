package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// fakeClock is a settable clock for the cache's expiry.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// tokens resolves secrets "s1", "s2"… to tokens "tok1", "tok2"… and counts
// how often it is asked: the database the cache stands in front of.
type tokens struct {
	calls   int
	revoked map[string]bool
	during  func() // runs while a lookup is under way
}

func (k *tokens) authenticate(_ context.Context, secret string) (*registry.Caller, error) {
	k.calls++
	if k.during != nil {
		k.during()
	}
	id := "tok" + secret[1:]
	if k.revoked[id] {
		return nil, accord.Errorf(accord.EUnauthorized, "the token was revoked")
	}
	return &registry.Caller{Token: accord.Token{ID: id, Org: "org_" + secret}}, nil
}

func TestAuthCache(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	db := &tokens{revoked: map[string]bool{}}
	c := newAuthCache(time.Second, 8, clock.now)
	lookup := func(secret string) (*registry.Caller, error) { return c.authenticate(ctx, secret, db.authenticate) }

	// A second request within the TTL reads nothing.
	first, err := lookup("s1")
	if err != nil || first.Token.ID != "tok1" {
		t.Fatalf("lookup = %+v, %v", first, err)
	}
	first.OrgKind = "changed by a handler"
	again, _ := lookup("s1")
	if db.calls != 1 {
		t.Errorf("%d reads for two lookups within the TTL, want 1", db.calls)
	}
	if again.OrgKind != "" {
		t.Error("a caller changed by one request showed in the next: callers must be copies")
	}
	// After the TTL the token is read again.
	clock.t = clock.t.Add(time.Second)
	lookup("s1")
	if db.calls != 2 {
		t.Errorf("%d reads after the TTL, want 2", db.calls)
	}

	// A revocation is seen at once.
	db.revoked["tok1"] = true
	c.forget("tok1")
	if _, err := lookup("s1"); accord.ErrorCode(err) != accord.EUnauthorized {
		t.Errorf("lookup of a revoked token = %v, want unauthorized", err)
	}
	// Failures are never cached.
	lookup("s1")
	if db.calls != 4 {
		t.Errorf("%d reads, want every failed lookup to read", db.calls)
	}

	// A lookup that read the token before a revocation committed must not
	// store it after the revocation was forgotten.
	db.during = func() { c.forget("tok2") }
	lookup("s2")
	db.during = nil
	db.revoked["tok2"] = true
	if _, err := lookup("s2"); accord.ErrorCode(err) != accord.EUnauthorized {
		t.Errorf("a lookup racing with the revocation stored the token: %v", err)
	}

	// Memory is bounded.
	for i := range 100 {
		lookup(fmt.Sprintf("s%d", 10+i))
	}
	if len(c.m) > 8 {
		t.Errorf("%d entries cached, limit 8", len(c.m))
	}
}

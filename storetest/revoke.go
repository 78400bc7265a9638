package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// testRegistryRevokedToken: a caller authenticated before its token was
// revoked (a request in flight at the revocation) can make no write after
// it: every write re-reads its token inside the log's transaction, so
// nothing the token authorised is logged after its token.revoked entry.
func testRegistryRevokedToken(t *testing.T, newStore NewStore) {
	e := newEnv(t, newStore)
	sys, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: filing("Before revocation")})
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.svc.IssueToken(ctx, e.provider, e.orgID, "second")
	if err != nil {
		t.Fatal(err)
	}
	revoker, err := e.svc.Authenticate(ctx, second.Secret)
	if err != nil {
		t.Fatal(err)
	}
	// An admin token of the store's own, revoked in the store directly: the
	// check does not depend on how the revocation was made.
	adminSecret := registry.NewSecret()
	update(t, e.store, func(tx accord.WriteTx) error {
		return tx.CreateToken(ctx, accord.Token{ID: "tok_realadmin", Admin: true, Created: t0}, registry.TokenHash(adminSecret))
	})
	admin, err := e.svc.Authenticate(ctx, adminSecret)
	if err != nil {
		t.Fatal(err)
	}

	stale := e.provider // authenticated before the revocation below
	if _, err := e.svc.RevokeToken(ctx, revoker, e.orgID, stale.Token.ID); err != nil {
		t.Fatal(err)
	}
	update(t, e.store, func(tx accord.WriteTx) error { return tx.RevokeToken(ctx, "tok_realadmin", time.Now()) })

	var before int64
	view(t, e.store, func(tx accord.ReadTx) error { before, err = tx.LogSize(ctx); return err })
	writes := []struct {
		name string
		fn   func() error
	}{
		{"file", func() error {
			_, err := e.svc.FileSystem(ctx, stale, registry.FileRequest{Filing: filing("After revocation")})
			return err
		}},
		{"file again with an idempotency key", func() error {
			_, err := e.svc.FileSystem(ctx, stale, registry.FileRequest{Filing: filing("After revocation"), IdempotencyKey: "k1"})
			return err
		}},
		{"update", func() error {
			_, err := e.svc.UpdateSystem(ctx, stale, sys.ID, sys.ETag(), filing("Updated after revocation"))
			return err
		}},
		{"withdraw", func() error {
			_, err := e.svc.WithdrawSystem(ctx, stale, sys.ID, "", "withdrawn after revocation")
			return err
		}},
		{"issue a token", func() error {
			_, err := e.svc.IssueToken(ctx, stale, e.orgID, "after")
			return err
		}},
		{"revoke a token", func() error {
			_, err := e.svc.RevokeToken(ctx, stale, e.orgID, second.Token.ID)
			return err
		}},
		{"register an organization with a revoked admin token", func() error {
			_, err := e.svc.RegisterOrganization(ctx, admin, accord.NewOrganization{Name: accord.Text{"en": "Late Co"}, Kind: "provider", Country: "FR"})
			return err
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) { wantCode(t, w.fn(), accord.EUnauthorized) })
	}
	view(t, e.store, func(tx accord.ReadTx) error {
		after, err := tx.LogSize(ctx)
		if after != before {
			t.Errorf("the log grew from %d to %d entries with writes of revoked tokens", before, after)
		}
		cur, err := tx.System(ctx, sys.ID)
		if err != nil || cur.Version != 1 {
			t.Errorf("system after refused writes: %+v, %v", cur, err)
		}
		toks, err := tx.Tokens(ctx, e.orgID)
		if err != nil || len(toks) != 2 {
			t.Errorf("tokens after refused writes: %d, %v; want the two", len(toks), err)
		}
		for _, tok := range toks {
			if tok.ID == second.Token.ID && tok.Revoked != nil {
				t.Error("a revoked token revoked another")
			}
		}
		return err
	})
	// The organization's other token still writes, and its entry names it.
	v, err := e.svc.FileSystem(ctx, revoker, registry.FileRequest{Filing: filing("By the other token")})
	if err != nil {
		t.Fatalf("the unrevoked token cannot write: %v", err)
	}
	if ev := decodeEvent(t, v.Receipt.Entry); ev.Token != second.Token.ID || ev.Org != e.orgID {
		t.Errorf("entry names org %q and token %q; want %s and %s", ev.Org, ev.Token, e.orgID, second.Token.ID)
	}
}

func decodeEvent(t *testing.T, entry string) accord.LogEvent {
	t.Helper()
	var ev accord.LogEvent
	if err := json.Unmarshal([]byte(entry), &ev); err != nil {
		t.Fatalf("log entry %s: %v", entry, err)
	}
	return ev
}

// testTokenInTransaction: Token by id sees the transaction's own changes,
// whether or not the store keeps what it read: a revocation at once, and a
// revocation undone by its savepoint's rollback undone.
func testTokenInTransaction(t *testing.T, newStore NewStore) {
	s := newStore(t)
	revoked := func(tx accord.ReadTx) bool {
		t.Helper()
		tok, err := tx.Token(ctx, "tok_1")
		if err != nil {
			t.Fatal(err)
		}
		return tok.Revoked != nil
	}
	update(t, s, func(tx accord.WriteTx) error {
		if err := tx.CreateToken(ctx, accord.Token{ID: "tok_1", Org: "org_1", Created: t0}, []byte("hash-1")); err != nil {
			return err
		}
		_, err := tx.Token(ctx, "tok_missing")
		wantCode(t, err, accord.ENotFound)
		if revoked(tx) {
			t.Error("a new token reads as revoked")
		}
		err = tx.Savepoint(ctx, func() error {
			if err := tx.RevokeToken(ctx, "tok_1", t0); err != nil {
				return err
			}
			if !revoked(tx) {
				t.Error("the transaction does not see its own revocation")
			}
			return accord.Errorf(accord.EConflict, "undo")
		})
		wantCode(t, err, accord.EConflict)
		if revoked(tx) {
			t.Error("a revocation undone by its savepoint still reads as revoked")
		}
		if err := tx.RevokeToken(ctx, "tok_1", t0); err != nil {
			return err
		}
		if !revoked(tx) {
			t.Error("the transaction does not see its own revocation")
		}
		return nil
	})
	view(t, s, func(tx accord.ReadTx) error {
		if !revoked(tx) {
			t.Error("the revocation did not commit")
		}
		return nil
	})
}

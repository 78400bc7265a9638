package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

// testSessions: sessions read back as stored; an organization over its cap
// loses its own oldest sessions, never another's; expired sessions go;
// revoking a token deletes exactly the sessions opened with it.
func testSessions(t *testing.T, newStore NewStore) {
	s := newStore(t)
	hash := func(name string) []byte { return []byte(fmt.Sprintf("%-32s", name)) }
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	sess := func(org, tok string, created int) accord.Session {
		return accord.Session{Org: org, Token: tok, Created: at(created), Expires: at(created + 60)}
	}
	exists := func(names ...string) map[string]bool {
		got := map[string]bool{}
		view(t, s, func(tx accord.ReadTx) error {
			for _, n := range names {
				_, err := tx.Session(ctx, hash(n))
				switch accord.ErrorCode(err) {
				case "":
					got[n] = true
				case accord.ENotFound:
				default:
					return err
				}
			}
			return nil
		})
		return got
	}
	update(t, s, func(tx accord.WriteTx) error {
		if err := tx.CreateToken(ctx, accord.Token{ID: "tok_a1", Org: "org_a", Created: t0}, []byte("hash-a1")); err != nil {
			return err
		}
		if err := tx.CreateToken(ctx, accord.Token{ID: "tok_a2", Org: "org_a", Created: t0}, []byte("hash-a2")); err != nil {
			return err
		}
		if _, err := tx.CreateSession(ctx, hash("b"), sess("org_b", "tok_b", 0), 3); err != nil {
			return err
		}
		_, err := tx.CreateSession(ctx, hash("b"), sess("org_b", "tok_b", 1), 3)
		wantCode(t, err, accord.EConflict)
		return nil
	})
	view(t, s, func(tx accord.ReadTx) error {
		got, err := tx.Session(ctx, hash("b"))
		if err != nil {
			return err
		}
		want := sess("org_b", "tok_b", 0)
		if got.Org != want.Org || got.Token != want.Token || !got.Created.Equal(want.Created) || !got.Expires.Equal(want.Expires) {
			t.Errorf("Session = %+v, want %+v", got, want)
		}
		if !got.Live(at(59)) || got.Live(at(60)) {
			t.Errorf("session created at 0 with 60 minutes: live at 59 %v, at 60 %v", got.Live(at(59)), got.Live(at(60)))
		}
		_, err = tx.Session(ctx, hash("nope"))
		wantCode(t, err, accord.ENotFound)
		return nil
	})

	// Organization A signs in five times with a cap of three: each sign-in
	// past the third ends A's oldest; B's session, older than all, stays.
	for i, want := range []int{0, 0, 0, 1, 1} {
		tok := "tok_a1"
		if i%2 == 1 {
			tok = "tok_a2"
		}
		update(t, s, func(tx accord.WriteTx) error {
			n, err := tx.CreateSession(ctx, hash(fmt.Sprintf("a%d", i)), sess("org_a", tok, 1+i), 3)
			if n != want {
				t.Errorf("sign-in %d evicted %d sessions, want %d", i, n, want)
			}
			return err
		})
	}
	if got := exists("a0", "a1", "a2", "a3", "a4", "b"); len(got) != 4 || !got["a2"] || !got["a3"] || !got["a4"] || !got["b"] {
		t.Errorf("after five sign-ins of A with a cap of 3, sessions %v remain; want a2, a3, a4 and b", got)
	}

	// Sign-ins in the same millisecond still end the first of them: the
	// order is that of the sign-ins, not of their (equal) times, nor of
	// their ids' hashes (here in the reverse order).
	for _, name := range []string{"d5", "d4", "d3", "d2", "d1", "d0"} {
		update(t, s, func(tx accord.WriteTx) error {
			_, err := tx.CreateSession(ctx, hash(name), sess("org_d", "tok_d", 5), 3)
			return err
		})
	}
	if got := exists("d0", "d1", "d2", "d3", "d4", "d5"); len(got) != 3 || !got["d0"] || !got["d1"] || !got["d2"] {
		t.Errorf("after six sign-ins of D at one instant (d5 first) with a cap of 3, sessions %v remain; want the last three, d2, d1, d0", got)
	}

	// Revoking tok_a1 ends a2 and a4 (opened with it), not a3 (tok_a2).
	update(t, s, func(tx accord.WriteTx) error { return tx.RevokeToken(ctx, "tok_a1", at(10)) })
	if got := exists("a2", "a3", "a4"); len(got) != 1 || !got["a3"] {
		t.Errorf("after revoking tok_a1, sessions %v remain; want a3 only", got)
	}

	// Expired sessions do not count towards the cap and are deleted.
	update(t, s, func(tx accord.WriteTx) error {
		if _, err := tx.CreateSession(ctx, hash("c-old"), sess("org_c", "tok_c", 0), 1); err != nil {
			return err
		}
		n, err := tx.CreateSession(ctx, hash("c-new"), sess("org_c", "tok_c", 61), 1)
		if n != 0 {
			t.Errorf("the expired session was counted as evicted (%d)", n)
		}
		return err
	})
	if got := exists("c-old", "c-new"); !got["c-new"] || got["c-old"] {
		t.Errorf("sessions %v remain; want only c-new (c-old expired)", got)
	}
	update(t, s, func(tx accord.WriteTx) error {
		n, err := tx.DeleteExpiredSessions(ctx, at(64))
		if n != 2 { // b (expired at 60) and a3 (at 64); c-new lives to 121
			t.Errorf("DeleteExpiredSessions deleted %d, want 2", n)
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteSession(ctx, hash("c-new")); err != nil {
			return err
		}
		return tx.DeleteSession(ctx, hash("c-new")) // deleting none is no error
	})
	if got := exists("a3", "b", "c-new"); len(got) != 0 {
		t.Errorf("sessions %v remain after expiry and sign-out", got)
	}
}

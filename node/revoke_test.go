package node_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/postgres/pgtest"
)

// TestRevocationOrdersWrites: clients file through the HTTP API with one
// organization's token while the admin revokes it. In the log, no entry
// that token authorised follows its token.revoked entry; every write
// acknowledged is in the log before it; every write after it is refused.
// On PostgreSQL two nodes share the database: the writers use both, the
// revocation goes through the second.
func TestRevocationOrdersWrites(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		n := testnode.Start(t, testnode.Options{})
		revocationRace(t, n, []string{n.URL}, n.URL)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		onPG := func(c *node.Config) { c.DB = dsn }
		a := testnode.Start(t, testnode.Options{Cfg: onPG})
		b := testnode.StartTwin(t, a, testnode.Options{Cfg: onPG})
		revocationRace(t, a, []string{a.URL, b.URL}, b.URL)
	})
}

func revocationRace(t *testing.T, n *testnode.Node, writeURLs []string, adminURL string) {
	const (
		rounds    = 3   // organizations, one revocation each
		writers   = 12  // concurrent clients per round
		perWriter = 150 // filings at most per client
		ackFirst  = 30  // acknowledged filings before the revocation
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := client.New(adminURL, n.AdminToken)
	for round := range rounds {
		reg, err := admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": fmt.Sprintf("Revoked Co %d", round)}, Kind: "provider", Country: "FR"})
		if err != nil {
			t.Fatal(err)
		}
		org, tok := reg.Organization.ID, reg.Token.Token.ID
		var mu sync.Mutex
		var acks []accord.Receipt
		acked := make(chan struct{}, writers*perWriter)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := client.New(writeURLs[w%len(writeURLs)], reg.Token.Secret)
				for i := range perWriter {
					v, err := c.FileSystem(ctx, "", crashFiling(w, i), fmt.Sprintf("r%d-w%d-%d", round, w, i))
					var ce *client.Error
					switch {
					case err == nil:
						mu.Lock()
						acks = append(acks, *v.Receipt)
						mu.Unlock()
						acked <- struct{}{}
					case errors.As(err, &ce) && ce.Status == http.StatusUnauthorized:
						return // revoked: this client is done
					default:
						t.Errorf("writer %d: %v", w, err)
						return
					}
				}
			}()
		}
		for range ackFirst {
			select {
			case <-acked:
			case <-ctx.Done():
				t.Fatal("writes were not acknowledged in time")
			}
		}
		if err := admin.RevokeToken(ctx, org, tok); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		// Once the revocation is acknowledged, every node refuses the token.
		for _, u := range writeURLs {
			_, err := client.New(u, reg.Token.Secret).FileSystem(ctx, "", crashFiling(99, round), "")
			var ce *client.Error
			if !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized {
				t.Errorf("filing at %s after the revocation: %v, want 401", u, err)
			}
		}
		checkRevocationOrder(t, n, org, tok, acks)
	}
}

// checkRevocationOrder reads the whole log from the store and checks the
// order of the organization's entries against its token's revocation.
func checkRevocationOrder(t *testing.T, n *testnode.Node, org, tok string, acks []accord.Receipt) {
	t.Helper()
	ctx := context.Background()
	var entries [][]byte
	err := n.Store.View(ctx, func(tx accord.ReadTx) error {
		size, err := tx.LogSize(ctx)
		if err != nil {
			return err
		}
		entries, err = tx.ReadEntries(ctx, 0, size)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	revoked := int64(-1)
	events := make([]accord.LogEvent, len(entries))
	for i, e := range entries {
		if err := json.Unmarshal(e, &events[i]); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if events[i].Type == accord.LogTokenRevoked && events[i].Record == tok {
			revoked = int64(i)
		}
	}
	if revoked < 0 {
		t.Fatalf("no token.revoked entry for %s in the log", tok)
	}
	late := 0
	for i, ev := range events {
		if ev.Org != org {
			continue
		}
		if ev.Token != tok {
			t.Errorf("entry %d (%s) of %s names token %q, want %s", i, ev.Type, org, ev.Token, tok)
		}
		if int64(i) > revoked {
			late++
		}
	}
	if late > 0 {
		t.Errorf("%d entries authorised by token %s follow its revocation (entry %d)", late, tok, revoked)
	}
	for _, r := range acks {
		if r.Index >= revoked {
			t.Errorf("acknowledged entry %d is not before the revocation (entry %d)", r.Index, revoked)
		}
		if r.Index >= int64(len(entries)) || string(entries[r.Index]) != r.Entry {
			t.Errorf("acknowledged entry %d is not in the log as acknowledged", r.Index)
		}
	}
	t.Logf("%d filings acknowledged before the revocation at entry %d of %d", len(acks), revoked, len(entries))
}

//go:build linux

package node_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/crashtest"
	"github.com/accord-gov/accord/internal/pgcluster"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
)

// TestPostgresServerCrash crashes the database, not the node: a PostgreSQL
// server of the test's own has its postmaster SIGKILLed three times while
// clients file through a node on it, and is restarted on the same data
// directory each time. While it is down every write gets a 503 problem
// (never a hang, never a 500); once it is back the same node process
// serves again, without a restart of its own; in the end every
// acknowledged write is present with a receipt that verifies against the
// node's key, and every checkpoint handed out is consistent with the log.
// A server configured to acknowledge commits before they reach its disk
// (synchronous_commit=off) must not make the node lose acknowledged
// writes either.
func TestPostgresServerCrash(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings []string
	}{
		{"defaults", nil},
		{"synchronous_commit_off", []string{"synchronous_commit=off", "wal_writer_delay=2000ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) { postgresServerCrash(t, tc.settings) })
	}
}

func postgresServerCrash(t *testing.T, settings []string) {
	pg := pgcluster.Start(t, settings...)
	n := testnode.Start(t, testnode.Options{Cfg: func(c *node.Config) { c.DB = pg.DSN() }})
	ctx := context.Background()
	reg, err := client.New(n.URL, n.AdminToken).RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Database Crash Co"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	secret := reg.Token.Secret
	w := crashtest.Start(t, crashtest.Options{Server: n.URL, Token: secret, NodeStaysUp: true})
	const crashes = 3
	for round := range crashes {
		w.WaitAcked(40, time.Minute)
		others, killed := pg.Kill()
		t.Logf("crash %d: postmaster SIGKILLed; %d of its %d other processes had to be killed too", round+1, killed, others)
		// The node stays up and says the database is unavailable.
		if _, err := client.New(n.URL, secret).FileSystem(ctx, "", crashtest.Filing(100, round), ""); !isUnavailable(err) {
			t.Errorf("a write while the database is down: %v, want a 503 unavailable problem", err)
		}
		if resp, err := http.Get(n.URL + "/healthz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("healthz while the database is down: %v %v, want 503", resp.Status, err)
		} else {
			resp.Body.Close()
		}
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond)
		pg.Restart()
		waitWritable(t, n.URL, secret, 30*time.Second)
	}
	w.WaitAcked(40, time.Minute)
	acks, outcomes := w.Stop()
	t.Logf("%d crashes of the database; requests: %v", crashes, outcomes)
	if outcomes["503 "+accord.EUnavailable] == 0 {
		t.Log("no client write fell into an outage (the explicit ones above did)")
	}
	crashtest.Verify(t, n.URL, n.VerifierKey, acks, nil)
}

func isUnavailable(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.Status == http.StatusServiceUnavailable && ce.Code == accord.EUnavailable
}

// waitWritable files until the node acknowledges a write, failing on
// anything but a 503 and after d.
func waitWritable(t *testing.T, server, token string, d time.Duration) {
	t.Helper()
	c := client.New(server, token)
	c.HTTP.Timeout = 10 * time.Second
	deadline := time.Now().Add(d)
	for i := 0; ; i++ {
		_, err := c.FileSystem(context.Background(), "", crashtest.Filing(200, i), "")
		if err == nil {
			return
		}
		if !isUnavailable(err) {
			t.Fatalf("a write after the database came back: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node did not write again within %s of the database's restart: %v", d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

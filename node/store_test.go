package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/postgres/pgtest"
)

// TestCrashPostgres is the crash test of the log against PostgreSQL: the
// node process is SIGKILLed while clients write, and nothing acknowledged
// may be lost.
func TestCrashPostgres(t *testing.T) { CrashTest(t, pgtest.DSN(t), 8) }

// TestPostgresConnectionsLost: when the database drops the node's
// connections, requests get a 503 problem, never a 500 or a hang, and the
// node serves again by itself.
func TestPostgresConnectionsLost(t *testing.T) {
	dsn := pgtest.DSN(t)
	n := testnode.Start(t, testnode.Options{Cfg: func(c *node.Config) { c.DB = dsn }})
	ctx := context.Background()
	admin := client.New(n.URL, n.AdminToken)
	reg, err := admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Lost Co"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	saw503 := false
	for range 5 {
		pgtest.Terminate(t, dsn)
		resp, err := http.Get(n.URL + "/v1/systems?q=lost&country=FR")
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Status int    `json:"status"`
			Code   string `json:"code"`
		}
		json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusServiceUnavailable:
			saw503 = true
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" || p.Code != accord.EUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Errorf("503 answer: %s, code %q, Retry-After %q", ct, p.Code, resp.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("search on lost connections: status %d (%+v), want 200 or 503", resp.StatusCode, p)
		}
	}
	if !saw503 {
		t.Log("the pool replaced every terminated connection before use: no 503 seen")
	}
	// Writes work again, and the log has no gap.
	c := client.New(n.URL, reg.Token.Secret)
	v, err := c.FileSystem(ctx, "", crashFiling(1, 1), "lost-1")
	if err != nil {
		t.Fatalf("write after the connections came back: %v", err)
	}
	if v.Receipt == nil {
		t.Fatal("no receipt")
	}
	p, err := c.Search(ctx, accord.SystemQuery{Q: "crash", Country: "FR"})
	if err != nil || len(p.Systems) != 1 {
		t.Errorf("search after recovery: %v, %d results", err, len(p.Systems))
	}
}

// TestServeUnreachablePostgres: `accord serve` pointed at a database that
// does not answer exits once with a message naming the host, not the password.
func TestServeUnreachablePostgres(t *testing.T) {
	pgtest.ServerDSN(t)
	cmd := exec.Command(accordBinary(t), "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--db", "postgres://accord:pw-secret@127.0.0.1:1/registry")
	cmd.Env = append(os.Environ(), "ACCORD_DB_WAIT=1s")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	if err == nil {
		t.Fatal("serve started without its database")
	}
	msg := out.String()
	if !strings.Contains(msg, "127.0.0.1:1/registry") || strings.Contains(msg, "pw-secret") {
		t.Errorf("serve said %q: it should name 127.0.0.1:1/registry and hide the password", msg)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("serve took %s to give up", d)
	}
}

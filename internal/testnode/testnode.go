// Package testnode starts real nodes for tests: a node opened on a fresh
// data directory, served over HTTP on a loopback port.
package testnode

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/accord-gov/accord/node"
)

// Node is a running test node.
type Node struct {
	*node.Node
	URL        string // http://127.0.0.1:port
	AdminToken string
	Server     *httptest.Server
}

// Options configure a test node.
type Options struct {
	Demo bool               // load the demo registry
	HTTP node.HTTPOptions   // extra HTTP parts (web UI, routes)
	Cfg  func(*node.Config) // adjust the configuration before opening
	TLS  bool               // serve HTTPS (a test certificate: use Server.Client())
}

// Start opens a node in a temporary directory and serves it on 127.0.0.1.
func Start(t testing.TB, opts Options) *Node {
	t.Helper()
	cfg := node.Config{DataDir: t.TempDir(), Origin: "test.accord.local/log"}
	var admin string
	cfg.AdminTokenOut = func(secret, _ string) { admin = secret }
	if opts.Cfg != nil {
		opts.Cfg(&cfg)
	}
	n, err := node.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	if opts.Demo {
		if _, err := n.LoadDemo(context.Background()); err != nil {
			n.Close()
			t.Fatalf("load demo: %v", err)
		}
	}
	srv := httptest.NewUnstartedServer(n.Handler(opts.HTTP))
	if opts.TLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		srv.Close()
		n.Close()
	})
	return &Node{Node: n, URL: srv.URL, AdminToken: admin, Server: srv}
}

// StartTwin starts a second node on first's database with first's log key:
// two nodes behind one address, sharing one PostgreSQL. opts.Cfg must point
// it at the same database (the data directories differ).
func StartTwin(t testing.TB, first *Node, opts Options) *Node {
	t.Helper()
	dir := t.TempDir()
	key, err := os.ReadFile(filepath.Join(first.Config.DataDir, node.KeyFile))
	if err != nil {
		t.Fatalf("read the first node's log key: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, node.KeyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := opts.Cfg
	opts.Cfg = func(c *node.Config) {
		if cfg != nil {
			cfg(c)
		}
		c.DataDir, c.Origin = dir, first.Config.Origin
	}
	twin := Start(t, opts)
	twin.AdminToken = first.AdminToken // the admin token lives in the shared database
	return twin
}

// ArtifactsDir is where tests save artefacts (screenshots, reports): env
// ACCORD_ARTIFACTS, or test-artifacts/ at the module root.
func ArtifactsDir() string {
	if d := os.Getenv("ACCORD_ARTIFACTS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return "test-artifacts"
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "test-artifacts")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "test-artifacts"
		}
		dir = parent
	}
}

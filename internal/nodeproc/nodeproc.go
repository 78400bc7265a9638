// Package nodeproc runs accord nodes as real processes on 127.0.0.1 for
// multi-node tests (federation, governance, incidents across members): the
// binary is built once per test binary, each node gets its own data
// directory and port, and is stopped when the test ends.
package nodeproc

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
)

var buildOnce struct {
	sync.Once
	path string
	err  error
}

// Binary builds cmd/accord once per test binary and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "accord-node-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "accord")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, "github.com/accord-gov/accord/cmd/accord").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

// FreeAddr returns a loopback address with a port free at the moment.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Proc is an accord node running as its own process on 127.0.0.1.
type Proc struct {
	T       testing.TB
	Name    string // member name; the log's origin is Name + ".test/log"
	Addr    string // 127.0.0.1:port
	Data    string // data directory
	Args    []string
	Cmd     *exec.Cmd
	LogFile *os.File // the process's stdout and stderr
	Admin   *client.Client
	Public  *client.Client
	ID      *accord.NodeIdentity
	// Idle, if set, runs the process under SCHED_IDLE, on CPU time no
	// other process wants: a benchmark's stand-in for a node on another
	// machine.
	Idle bool
}

// Options say how to start a node.
type Options struct {
	Name   string   // the process's name in logs and failures
	Member string   // member name and origin Member + ".test/log"; default Name
	DB     string   // store: "" for the embedded SQLite in Data
	Data   string   // data directory; default a fresh temporary one
	Idle   bool     // run under SCHED_IDLE (see Proc.Idle)
	Extra  []string // more `accord serve` flags
}

// Start starts a node named name on a fresh data directory; db is its
// store ("" for the embedded SQLite), extra are more `accord serve` flags.
func Start(t testing.TB, name, db string, extra ...string) *Proc {
	t.Helper()
	return StartWith(t, Options{Name: name, DB: db, Extra: extra})
}

// StartWith starts a node as o says and stops it when the test ends.
func StartWith(t testing.TB, o Options) *Proc {
	t.Helper()
	if o.Member == "" {
		o.Member = o.Name
	}
	if o.Data == "" {
		o.Data = t.TempDir()
	}
	p := &Proc{T: t, Name: o.Name, Addr: FreeAddr(t), Data: o.Data, Idle: o.Idle}
	p.Args = []string{"serve", "--addr", p.Addr, "--data", p.Data, "--origin", o.Member + ".test/log", "--member", o.Member,
		"--public-url", "http://" + p.Addr, "--log-level", "warn"}
	if o.DB != "" {
		p.Args = append(p.Args, "--db", o.DB)
	}
	p.Args = append(p.Args, o.Extra...)
	var err error
	if p.LogFile, err = os.Create(filepath.Join(t.TempDir(), o.Name+".log")); err != nil {
		t.Fatal(err)
	}
	p.Start()
	t.Cleanup(p.Stop)
	tok, err := os.ReadFile(filepath.Join(p.Data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	p.Admin = client.New("http://"+p.Addr, strings.TrimSpace(string(tok)))
	p.Public = client.New("http://"+p.Addr, "")
	if p.ID, err = p.Public.Node(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

// URL is the node's base URL.
func (p *Proc) URL() string { return "http://" + p.Addr }

// Start (re)starts the process and waits until it answers /healthz.
func (p *Proc) Start() {
	p.T.Helper()
	p.Cmd = exec.Command(Binary(p.T), p.Args...)
	if p.Idle {
		// chrt execs the node: same process, every thread SCHED_IDLE.
		p.Cmd = exec.Command("chrt", append([]string{"--idle", "0", Binary(p.T)}, p.Args...)...)
	}
	p.Cmd.Stdout, p.Cmd.Stderr = p.LogFile, p.LogFile
	if err := p.Cmd.Start(); err != nil {
		p.T.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + p.Addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.T.Fatalf("node %s did not become healthy; see %s", p.Name, p.LogFile.Name())
}

// Stop stops the process (SIGTERM, then SIGKILL after 20 s).
func (p *Proc) Stop() {
	if p.Cmd == nil || p.Cmd.Process == nil {
		return
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		p.Cmd.Process.Kill()
		<-done
	}
	p.Cmd = nil
}

// PeerWith makes q an active peer of p.
func (p *Proc) PeerWith(t testing.TB, q *Proc) {
	t.Helper()
	ctx := context.Background()
	if _, err := p.Admin.AddPeer(ctx, accord.NewPeer{Name: q.ID.Member, URL: q.ID.URL, LogKey: q.ID.LogKey, WitnessKey: q.ID.WitnessKey}); err != nil {
		t.Fatalf("%s: add peer %s: %v", p.Name, q.Name, err)
	}
	if _, err := p.Admin.SetPeerState(ctx, q.ID.Member, accord.PeerStateChange{State: accord.PeerActive}); err != nil {
		t.Fatalf("%s: activate peer %s: %v", p.Name, q.Name, err)
	}
}

// Provider registers an organization at the node and returns a client with
// its token and the organization's id.
func (p *Proc) Provider(t testing.TB) (*client.Client, string) {
	t.Helper()
	reg, err := p.Admin.RegisterOrganization(context.Background(), accord.NewOrganization{Name: accord.Text{"en": "Provider at " + p.Name}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	return client.New("http://"+p.Addr, reg.Token.Secret), reg.Organization.ID
}

// WaitFor polls cond every 50 ms until it holds, failing the test after limit.
func WaitFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

package node_test

import (
	"context"
	"fmt"
	"math/rand/v2"
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
	"github.com/accord-gov/accord/internal/crashtest"
)

var buildOnce struct {
	sync.Once
	path string
	err  error
}

// accordBinary builds cmd/accord once per test run.
func accordBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "accord-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "accord")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, "../cmd/accord").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

// proc is a node running as a separate process.
type proc struct {
	t    *testing.T
	bin  string
	args []string
	addr string
	cmd  *exec.Cmd
	log  *os.File
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (p *proc) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, append([]string{"serve", "--addr", p.addr, "--log-level", "warn"}, p.args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("node did not become healthy; see %s", p.log.Name())
}

func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

// CrashTest SIGKILLs a node process repeatedly while clients write, restarts
// it each time, and checks that nothing acknowledged was lost, that every
// checkpoint handed out is consistent with the final log, and that no index
// was reused for different content. store is the --db flag ("" = SQLite).
func CrashTest(t *testing.T, db string, kills int) {
	data := t.TempDir()
	logFile, err := os.Create(filepath.Join(t.TempDir(), "node.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	args := []string{"--data", data, "--origin", "crash.test/log"}
	if db != "" {
		args = append(args, "--db", db)
	}
	p := &proc{t: t, bin: accordBinary(t), args: args, addr: freeAddr(t), log: logFile}
	p.start()
	defer func() { p.kill() }()
	server := "http://" + p.addr
	admin, err := os.ReadFile(filepath.Join(data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	adm := client.New(server, strings.TrimSpace(string(admin)))
	reg, err := adm.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Crash Co"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := adm.Log(ctx)
	if err != nil {
		t.Fatal(err)
	}

	w := crashtest.Start(t, crashtest.Options{Server: server, Token: reg.Token.Secret, Timeout: 5 * time.Second})
	for range kills {
		time.Sleep(time.Duration(200+rand.IntN(500)) * time.Millisecond)
		p.kill()
		p.start()
	}
	time.Sleep(300 * time.Millisecond)
	acks, _ := w.Stop()
	p.kill()
	p.start()

	if len(acks) < 20 {
		t.Fatalf("only %d writes acknowledged", len(acks))
	}
	crashtest.Verify(t, server, info.VerifierKey, acks, nil)
	t.Logf("%d kills", kills)
}

func crashFiling(w, i int) accord.Filing { return crashtest.Filing(w, i) }

func TestCrashSQLite(t *testing.T) { CrashTest(t, "", 8) }

// TestGracefulShutdown: SIGTERM stops the node cleanly (exit status 0) and
// what it acknowledged is there after a restart.
func TestGracefulShutdown(t *testing.T) {
	data := t.TempDir()
	logFile, _ := os.Create(filepath.Join(t.TempDir(), "node.log"))
	defer logFile.Close()
	p := &proc{t: t, bin: accordBinary(t), args: []string{"--data", data}, addr: freeAddr(t), log: logFile}
	p.start()
	admin, _ := os.ReadFile(filepath.Join(data, "admin.token"))
	c := client.New("http://"+p.addr, strings.TrimSpace(string(admin)))
	reg, err := c.RegisterOrganization(context.Background(), accord.NewOrganization{Name: accord.Text{"en": "Stop Co"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("node exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("node did not stop within 20 s of SIGTERM")
	}
	p.start()
	defer p.kill()
	if _, err := c.Organization(context.Background(), reg.Organization.ID); err != nil {
		t.Errorf("organization lost across a clean restart: %v", err)
	}
}

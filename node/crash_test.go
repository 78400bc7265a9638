package node_test

import (
	"context"
	"errors"
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

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	acctlog "github.com/accord-gov/accord/tlog"
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

// ack is an acknowledged write: what the node promised.
type ack struct {
	system  string
	version int
	receipt accord.Receipt
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
	vkey := info.VerifierKey

	var mu sync.Mutex
	var acks []ack
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const writers = 6
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client.New(server, reg.Token.Secret)
			c.HTTP.Timeout = 5 * time.Second
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				f := crashFiling(w, i)
				key := fmt.Sprintf("w%d-%d", w, i)
				// Retry with the same key until acknowledged: the write
				// may have committed before a crash.
				for {
					v, err := c.FileSystem(ctx, "", f, key)
					if err == nil {
						mu.Lock()
						acks = append(acks, ack{v.ID, v.Version, *v.Receipt})
						mu.Unlock()
						break
					}
					var ce *client.Error
					if errors.As(err, &ce) && ce.Status < 500 {
						t.Errorf("write refused: %v", err)
						return
					}
					select {
					case <-stop:
						return
					case <-time.After(30 * time.Millisecond):
					}
				}
			}
		}()
	}
	for range kills {
		time.Sleep(time.Duration(200+rand.IntN(500)) * time.Millisecond)
		p.kill()
		p.start()
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	p.kill()
	p.start()

	if len(acks) < 20 {
		t.Fatalf("only %d writes acknowledged", len(acks))
	}
	// Download the whole final log and recompute its tree.
	c := client.New(server, "")
	fetch := func(ctx context.Context, path string) ([]byte, error) { return c.Get(ctx, "/log/"+path) }
	rep, err := acctlog.Audit(ctx, fetch, vkey, nil, 4)
	if err != nil {
		t.Fatalf("final log does not audit: %v", err)
	}
	entries := make([][]byte, 0, rep.Size)
	for n := int64(0); n*256 < rep.Size; n++ {
		b, err := fetch(ctx, acctlog.TilePath(-1, n, int(min(256, rep.Size-n*256))))
		if err != nil {
			t.Fatal(err)
		}
		es, err := acctlog.ParseBundle(b)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, es...)
	}
	var hashes []tlog.Hash
	hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i, e := range entries {
		hs, err := tlog.StoredHashes(int64(i), e, hr)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	v, _ := note.NewVerifier(vkey)
	checkpoints := map[string]bool{}
	for _, a := range acks {
		// Every acknowledged write is present, its receipt verifies, and
		// its index still holds exactly its entry.
		cp, err := acctlog.VerifyReceipt(a.receipt, vkey, nil)
		if err != nil {
			t.Errorf("receipt of %s: %v", a.system, err)
			continue
		}
		if a.receipt.Index >= int64(len(entries)) || string(entries[a.receipt.Index]) != a.receipt.Entry {
			t.Errorf("index %d no longer holds the acknowledged entry of %s", a.receipt.Index, a.system)
		}
		got, err := c.System(ctx, a.system)
		if err != nil || got.Version < a.version {
			t.Errorf("acknowledged %s v%d is missing after the crashes: %v", a.system, a.version, err)
		}
		if cp.Size > int64(len(entries)) {
			t.Errorf("a checkpoint of size %d was handed out, but the log has %d entries", cp.Size, len(entries))
		}
		p, _ := acctlog.ParseProof(a.receipt.Proof)
		checkpoints[string(p.Checkpoint)] = true
	}
	// Every checkpoint handed out is consistent with the final tree.
	for raw := range checkpoints {
		cp, err := acctlog.OpenCheckpoint([]byte(raw), v, v.Name())
		if err != nil {
			t.Fatal(err)
		}
		root, err := tlog.TreeHash(cp.Size, hr)
		if err != nil || root != cp.Hash {
			t.Errorf("checkpoint at size %d is not consistent with the final log", cp.Size)
		}
	}
	t.Logf("%d kills, %d acknowledged writes, %d checkpoints handed out, final log %d entries", kills, len(acks), len(checkpoints), rep.Size)
}

func crashFiling(w, i int) accord.Filing {
	yes := true
	return accord.Filing{
		TradeName:     accord.Text{"en": fmt.Sprintf("Crash system %d-%d", w, i), "zh-Hans": "崩溃测试"},
		SystemVersion: "1", Status: "active",
		IntendedPurpose:     accord.Text{"en": "Exists to be written while the node is killed."},
		Domains:             []string{"general.translation"},
		DeploymentCountries: []string{"FR"},
		Facts:               accord.Facts{InteractsWithNaturalPersons: &yes},
	}
}

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

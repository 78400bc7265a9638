//go:build unix

package sqlite_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/crashtest"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/sqlite"
)

// The crash test runs a node in a child process: this test binary again,
// which TestMain turns into the node when childEnv holds its orders.
const childEnv = "ACCORD_SQLITE_CRASH_CHILD"

// childOrders tell a child where its node lives and when to die.
type childOrders struct {
	Dir  string
	Addr string
	// KillAt: the child SIGKILLs itself inside its KillAt-th WAL sync, after
	// the commit it makes durable and before the fsync; 0: never.
	KillAt int
	// NoCheckpoints keeps the WAL growing (see sqlite.StopCheckpoints).
	NoCheckpoints bool
}

func TestMain(m *testing.M) {
	if orders := os.Getenv(childEnv); orders != "" {
		runChild(orders) // does not return
	}
	os.Exit(m.Run())
}

// runChild serves a node on the orders' data directory. After each WAL
// fsync it prints "synced <bytes>" on stdout: the parent's record of what
// the disk is known to hold.
func runChild(orders string) {
	var o childOrders
	if err := json.Unmarshal([]byte(orders), &o); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	if o.NoCheckpoints {
		sqlite.StopCheckpoints()
	}
	syncs := 0 // Sync runs its hooks under its own lock, one at a time
	sqlite.SetSyncHooks(func(size int64) {
		if syncs++; syncs == o.KillAt {
			fmt.Printf("dying %d\n", size)
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}, func(size int64) {
		fmt.Printf("synced %d\n", size)
	})
	n, err := node.Open(context.Background(), node.Config{DataDir: o.Dir, Origin: "sqlite-crash.test/log"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	fmt.Fprintln(os.Stderr, "crash child: serving", http.ListenAndServe(o.Addr, n.Handler(node.HTTPOptions{})))
	os.Exit(2)
}

// child is a running child node.
type child struct {
	cmd    *exec.Cmd
	done   chan struct{} // its stdout is read to the end
	synced int64         // the largest size a completed fsync reported
	died   bool          // it killed itself before an fsync
}

func startChild(t *testing.T, o childOrders, logs *os.File) *child {
	t.Helper()
	b, _ := json.Marshal(o)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(b))
	cmd.Stderr = logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			fmt.Fprintln(logs, sc.Text())
			word, num, _ := strings.Cut(sc.Text(), " ")
			n, _ := strconv.ParseInt(num, 10, 64)
			switch word {
			case "synced":
				c.synced = max(c.synced, n)
			case "dying":
				c.died = true
			}
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + o.Addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		select {
		case <-c.done:
			c.cmd.Wait()
			t.Fatalf("the child node exited before it served; see %s", logs.Name())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.kill()
			t.Fatalf("the child node did not become healthy; see %s", logs.Name())
		}
	}
}

// wait waits for the child to die by its own hand, within d.
func (c *child) wait(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(d):
		c.kill()
		t.Fatalf("the child did not reach its fatal sync within %s", d)
	}
	c.cmd.Wait()
}

func (c *child) kill() {
	c.cmd.Process.Kill()
	<-c.done
	c.cmd.Wait()
}

// TestSQLiteCrashBeforeFsync kills a node, in a child process, inside a WAL
// sync: after SQLite wrote the commit to the WAL file and before the fsync
// that makes it durable. No write is acknowledged before that fsync, so
// every acknowledged write must be there after a restart, with a receipt
// that verifies, and the log must audit.
//
// process_killed: the process dies there; what it wrote stays in the
// kernel's page cache, as it does when only the process crashes.
//
// power_lost: besides, everything the WAL received after the last fsync
// that completed may be lost, as in a power cut: the WAL file is cut at a
// random point past the bytes that fsync made durable (at exactly that
// point in the first round), and SQLite's shared-memory index is removed.
// The background checkpointer is stopped there, so that the WAL only grows
// and a cut file is a state the disk could be in; what this does not model
// is a disk writing the unsynced pages out of order, nor the database file
// itself losing a checkpoint's writes.
func TestSQLiteCrashBeforeFsync(t *testing.T) {
	for _, tc := range []struct {
		name      string
		powerLoss bool
	}{{"process_killed", false}, {"power_lost", true}} {
		t.Run(tc.name, func(t *testing.T) { crashBeforeFsync(t, tc.powerLoss) })
	}
}

func crashBeforeFsync(t *testing.T, powerLoss bool) {
	const rounds = 6
	dir := t.TempDir()
	logs, err := os.Create(filepath.Join(t.TempDir(), "child.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	o := childOrders{Dir: dir, Addr: freeAddr(t), NoCheckpoints: powerLoss}
	server := "http://" + o.Addr
	wal := filepath.Join(dir, node.DBFile+"-wal")

	// The first child registers a provider and learns the log's key.
	first := startChild(t, o, logs)
	admin, err := node.AdminToken(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	adm := client.New(server, admin)
	reg, err := adm.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Fsync Co"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := adm.Log(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first.kill()
	durable := first.synced

	w := crashtest.Start(t, crashtest.Options{Server: server, Token: reg.Token.Secret, Timeout: 5 * time.Second})
	watched := watchCheckpoints(server)
	var dropped int64
	for round := range rounds {
		o.KillAt = 10 + rand.IntN(40)
		c := startChild(t, o, logs)
		c.wait(t, time.Minute)
		if !c.died {
			t.Fatalf("round %d: the child died, but not inside a sync; see %s", round, logs.Name())
		}
		if !powerLoss {
			continue
		}
		durable = max(durable, c.synced)
		st, err := os.Stat(wal)
		if err != nil {
			t.Fatal(err)
		}
		cut := durable
		if round > 0 {
			cut += rand.Int64N(st.Size() - durable + 1)
		}
		if err := os.Truncate(wal, cut); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(dir, node.DBFile+"-shm")); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		dropped += st.Size() - cut
		t.Logf("round %d: killed in sync %d; WAL %d bytes, %d durable, cut at %d", round, o.KillAt, st.Size(), durable, cut)
	}
	if powerLoss && dropped == 0 {
		t.Error("the simulated power cuts dropped nothing: the test tested nothing")
	}

	// A last child, left alive, serves the log for the check.
	o.KillAt = 0
	last := startChild(t, o, logs)
	defer last.kill()
	w.WaitAcked(20, time.Minute)
	acks, outcomes := w.Stop()
	seen := watched()
	t.Logf("%d rounds; requests: %v; %d bytes of WAL dropped", rounds, outcomes, dropped)
	crashtest.Verify(t, server, info.VerifierKey, acks, seen)
}

// watchCheckpoints records every checkpoint the node serves at
// /log/checkpoint, as a witness polling it would, until the returned
// function is called; it returns them.
func watchCheckpoints(server string) func() [][]byte {
	stop := make(chan struct{})
	var mu sync.Mutex
	seen := map[string]bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c := client.New(server, "")
		c.HTTP.Timeout = 2 * time.Second
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if b, err := c.Get(context.Background(), "/log/checkpoint"); err == nil {
				mu.Lock()
				seen[string(b)] = true
				mu.Unlock()
			}
		}
	}()
	return func() [][]byte {
		close(stop)
		<-done
		var out [][]byte
		for cp := range seen {
			out = append(out, []byte(cp))
		}
		return out
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

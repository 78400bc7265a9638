//go:build linux

// Package pgcluster runs a PostgreSQL server of a test's own, which the test
// may crash: initdb into a temporary directory, postgres on its own port on
// 127.0.0.1 and its own socket directory. The shared test server
// (ACCORD_TEST_POSTGRES) is never touched.
//
// initdb and postgres refuse to run as root; as root (CI machines) they run
// as the "postgres" user, in directories it owns. The binaries are found in
// ACCORD_TEST_PGBIN, on PATH, or under /usr/lib/postgresql/*/bin (the
// newest). Without them the test is skipped, except in CI (CI=true), where
// it fails.
//
// Once its postmaster is killed, the server's other processes are orphans:
// the test process makes itself their subreaper (Linux), so that it can
// reap them instead of leaving zombies to an init that may not.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running (or killed) test server.
type Cluster struct {
	t      testing.TB
	bin    string // directory of initdb and postgres
	dir    string // holds data/ and sock/
	port   int
	cred   *syscall.Credential // nil: run as ourselves
	log    *os.File
	set    []string   // extra server settings, name=value
	pid    int        // the postmaster's
	exited chan error // the postmaster's exit, once reaped
}

// Start creates and starts a cluster with extra server settings
// ("name=value", as in postgresql.conf); it is killed and removed when the
// test ends.
func Start(t testing.TB, settings ...string) *Cluster {
	t.Helper()
	bin, err := findBin()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL server binaries: %v (CI must run this test)", err)
		}
		t.Skipf("PostgreSQL server binaries: %v; install postgresql or set ACCORD_TEST_PGBIN", err)
	}
	subreaper.Do(func() {
		// PR_SET_CHILD_SUBREAPER: orphaned backends become our children.
		syscall.RawSyscall(syscall.SYS_PRCTL, 36, 1, 0)
	})
	c := &Cluster{t: t, bin: bin, set: settings}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, initdb needs another user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// Not t.TempDir: its parent is private to us, and the server may run
	// as another user. A short path also keeps the socket's within bounds.
	c.dir, err = os.MkdirTemp("", "accord-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(c.dir) })
	for _, d := range []string{c.dir, c.path("sock")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if c.cred != nil {
			if err := os.Chown(d, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if c.log, err = os.Create(filepath.Join(t.TempDir(), "postgres.log")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.log.Close() })
	initdb := c.command("initdb", "-D", c.path("data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-instructions")
	initdb.Stdout, initdb.Stderr = c.log, c.log
	if err := initdb.Run(); err != nil {
		t.Fatalf("initdb: %v; see %s", err, c.log.Name())
	}
	c.port = freePort(t)
	c.Restart()
	t.Cleanup(func() { c.Kill() })
	return c
}

var subreaper sync.Once

// DSN is the URL of the cluster's postgres database.
func (c *Cluster) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// LogFile is the server's log.
func (c *Cluster) LogFile() string { return c.log.Name() }

func (c *Cluster) path(name string) string { return filepath.Join(c.dir, name) }

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	cmd.Dir = c.dir
	return cmd
}

// Restart starts the server on its data directory (after a crash: crash
// recovery) and waits until it accepts connections. A start right after a
// crash may find the old server's shared memory still attached; it is
// retried.
func (c *Cluster) Restart() {
	c.t.Helper()
	if c.exited != nil {
		c.t.Fatal("pgcluster: Restart of a running server")
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := c.startOnce(deadline)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("postgres would not start: %v; see %s", err, c.log.Name())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (c *Cluster) startOnce(deadline time.Time) error {
	args := []string{"-D", c.path("data"), "-p", strconv.Itoa(c.port), "-k", c.path("sock"),
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=60", "-c", "shared_buffers=32MB"}
	for _, s := range c.set {
		args = append(args, "-c", s)
	}
	cmd := c.command("postgres", args...)
	cmd.Stdout, cmd.Stderr = c.log, c.log
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("postgres exited: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
		if ping(c.DSN()) == nil {
			c.pid, c.exited = cmd.Process.Pid, exited
			return nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return errors.New("postgres did not accept connections within a minute")
		}
	}
}

// Kill SIGKILLs the postmaster, as a crash would, and waits until all of
// the server is gone: its backends notice their postmaster's death and
// exit by themselves; whatever is left after five seconds is SIGKILLed
// too. It returns how many of the server's other processes there were and
// how many of them had to be killed.
func (c *Cluster) Kill() (others, killed int) {
	if c.exited == nil {
		return 0, 0
	}
	members := children(c.pid)
	syscall.Kill(c.pid, syscall.SIGKILL)
	<-c.exited
	c.exited = nil
	left := func() []int {
		return slices.DeleteFunc(slices.Clone(members), func(pid int) bool { return !alive(pid) })
	}
	for deadline := time.Now().Add(5 * time.Second); len(left()) > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	rest := left()
	for _, pid := range rest {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	for deadline := time.Now().Add(10 * time.Second); len(left()) > 0; {
		if time.Now().After(deadline) {
			c.t.Errorf("pgcluster: processes %v outlived SIGKILL", left())
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return len(members), len(rest)
}

// children lists a process's children. (PostgreSQL's each make
// themselves a process group leader, so the postmaster's group holds only
// the postmaster.)
func children(ppid int) []int {
	var out []int
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if f := statFields(pid); len(f) > 1 && f[1] == strconv.Itoa(ppid) {
			out = append(out, pid)
		}
	}
	return out
}

// alive reports whether a process still runs; an exited child of ours
// (an orphan we are the subreaper of) is reaped.
func alive(pid int) bool {
	var ws syscall.WaitStatus
	if p, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); p == pid || errors.Is(err, syscall.ECHILD) && !running(pid) {
		return false
	}
	return running(pid)
}

// running reads a process's state: gone or a zombie is not running.
func running(pid int) bool {
	f := statFields(pid)
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// statFields are the fields of /proc/pid/stat after the command name:
// state, ppid, pgrp, …
func statFields(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

func ping(dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// findBin finds the directory of initdb and postgres.
func findBin() (string, error) {
	if d := os.Getenv("ACCORD_TEST_PGBIN"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("ACCORD_TEST_PGBIN: %w", err)
		}
		return d, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	slices.SortFunc(found, func(a, b string) int { return version(b) - version(a) })
	if len(found) == 0 {
		return "", errors.New("no initdb on PATH or under /usr/lib/postgresql/*/bin")
	}
	return filepath.Dir(found[0]), nil
}

// version is the major version in /usr/lib/postgresql/<v>/bin/initdb.
func version(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

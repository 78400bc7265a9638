package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadmeTour runs the README's five-minute tour, as written, against a
// real node process, so the README stays true.
func TestReadmeTour(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- tour -->\n```sh\n")
	if !ok {
		t.Fatal("README has no tour block")
	}
	script, _, ok := strings.Cut(rest, "```\n<!-- /tour -->")
	if !ok {
		t.Fatal("README's tour block is not closed")
	}
	if !strings.HasPrefix(script, "go build -o bin/accord ./cmd/accord && export PATH=\"$PWD/bin:$PATH\"\n") {
		t.Fatal("the tour no longer starts by building the CLI; update this test")
	}

	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "accord"), ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.CopyFS(filepath.Join(work, "examples"), os.DirFS("../../examples")); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	// The node, started as the README says, in the working directory.
	node := exec.Command(filepath.Join(bin, "accord"), "serve", "--demo", "--addr", addr)
	node.Dir = work
	logf, _ := os.Create(filepath.Join(t.TempDir(), "node.log"))
	node.Stdout, node.Stderr = logf, logf
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { node.Process.Signal(syscall.SIGTERM); node.Wait() }()
	for i := 0; ; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 300 {
			t.Fatal("node did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The tour, with the CLI already built and the node's real address.
	script = strings.TrimPrefix(script, "go build -o bin/accord ./cmd/accord && ")
	script = strings.ReplaceAll(script, "127.0.0.1:8080", addr)
	cmd := exec.Command("bash", "-euo", "pipefail", "-x", "-c", script)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "ACCORD_TOKEN=", "ACCORD_SERVER=", "ACCORD_DATA=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README tour fails: %v\n%s", err, out)
	}
	for _, want := range []string{
		"Savanna Hiring Assistant", // get, search
		"OK: entry",                // verify
		"OK: log",                  // audit
		"first audit",              // audit state
		`"version":1`,              // curl of version 1
		"updated",                  // versions table
		"employment.recruitment",   // search output
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("tour output lacks %q:\n%s", want, out)
		}
	}
}

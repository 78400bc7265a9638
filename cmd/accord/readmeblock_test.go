package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's walkthroughs are run by tests, as written; these helpers are
// what every such test does before it runs one.

// readmeBlock returns the shell block of the README between
// "<!-- name -->" and "<!-- /name -->".
func readmeBlock(t *testing.T, name string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- "+name+" -->\n```sh\n")
	if !ok {
		t.Fatalf("README has no %s block", name)
	}
	script, _, ok := strings.Cut(rest, "```\n<!-- /"+name+" -->")
	if !ok {
		t.Fatalf("README's %s block is not closed", name)
	}
	return script
}

// readmeWorkdir makes the directory a walkthrough runs in: the accord
// binary built into its bin/, and the repository's examples/.
func readmeWorkdir(t *testing.T) (work, bin string) {
	t.Helper()
	work = t.TempDir()
	bin = filepath.Join(work, "bin")
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "accord"), ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.CopyFS(filepath.Join(work, "examples"), os.DirFS("../../examples")); err != nil {
		t.Fatal(err)
	}
	return work, bin
}

// withFreePorts replaces each of the ports a walkthrough names with a port
// free on 127.0.0.1, so that tests and other nodes never collide.
func withFreePorts(t *testing.T, script string, ports ...string) string {
	t.Helper()
	for _, port := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, free, _ := net.SplitHostPort(ln.Addr().String())
		ln.Close()
		script = strings.ReplaceAll(script, port, free)
	}
	return script
}

// runNodesWalkthrough runs a walkthrough that starts its own nodes, with
// the built binary first on PATH and no client settings inherited, and
// returns its output; a failing step fails the test.
func runNodesWalkthrough(t *testing.T, name string, bashFlags []string, ports ...string) []byte {
	t.Helper()
	script := withFreePorts(t, readmeBlock(t, name), ports...)
	work, bin := readmeWorkdir(t)
	cmd := exec.Command("bash", append(bashFlags, "-c", script)...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "ACCORD_TOKEN=", "ACCORD_SERVER=", "ACCORD_DATA=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's %s section fails: %v\n%s", name, err, out)
	}
	return out
}

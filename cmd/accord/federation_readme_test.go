package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeFederation runs the README's federation section, as written
// (with free ports for 8081–8083): three node processes become each
// other's peers, and a receipt from one verifies under the default policy
// with the two others' cosignatures.
func TestReadmeFederation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three nodes")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- federation -->\n```sh\n")
	if !ok {
		t.Fatal("README has no federation block")
	}
	script, _, ok := strings.Cut(rest, "```\n<!-- /federation -->")
	if !ok {
		t.Fatal("README's federation block is not closed")
	}
	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "accord"), ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.CopyFS(filepath.Join(work, "examples"), os.DirFS("../../examples")); err != nil {
		t.Fatal(err)
	}
	for _, port := range []string{"8081", "8082", "8083"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, free, _ := net.SplitHostPort(ln.Addr().String())
		ln.Close()
		script = strings.ReplaceAll(script, port, free)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-x", "-c", script)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "ACCORD_TOKEN=", "ACCORD_SERVER=", "ACCORD_DATA=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's federation section fails: %v\n%s", err, out)
	}
	for _, want := range []string{
		`(?m)^beta +active +http://`, `(?m)^gamma +active +http://`, // peer list
		`(?m)^  cosigned by beta\.example/witness at `, `(?m)^  cosigned by gamma\.example/witness at `,
		`(?m)^OK: the policy's quorum \(members\) holds$`,
		// beta mirrored alpha's filing: found, held by alpha, its receipt
		// verified with alpha's key; both peers mirrored without a problem.
		`(?m)^sys_\S+ +Savanna Hiring Assistant.* +alpha +active `,
		`(?m)^OK: entry \d+ \(system\.filed sys_\S+ v1\) is in log alpha\.example/log`,
		`(?m)^alpha +active +\d+ +\d+ +\d+ +\d+ *$`, `(?m)^gamma +active +\d+ +\d+ +\d+ +\d+ *$`,
	} {
		if !regexp.MustCompile(want).Match(out) {
			t.Errorf("the federation section's output lacks %s:\n%s", want, out)
		}
	}
}

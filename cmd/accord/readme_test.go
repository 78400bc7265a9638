package main

import (
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadmeTour runs the README's five-minute tour, as written, against a
// real node process, so the README stays true.
func TestReadmeTour(t *testing.T) {
	script := readmeBlock(t, "tour")
	if !strings.HasPrefix(script, "go build -o bin/accord ./cmd/accord && export PATH=\"$PWD/bin:$PATH\"\n") {
		t.Fatal("the tour no longer starts by building the CLI; update this test")
	}

	work, bin := readmeWorkdir(t)
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
		"Savanna Hiring Assistant",            // get, search
		"Savanna Analytics (fictional) (org_", // get names the provider
		"OK: entry",                           // verify
		"OK: log",                             // audit
		"first audit",                         // audit state
		`"version":1`,                         // curl of version 1
		"updated",                             // versions table
		"employment.recruitment",              // search output
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("tour output lacks %q:\n%s", want, out)
		}
	}
	// The classification steps show a real classification, offline and from
	// the node: a framework applies with a decided tier, fired rules name
	// their articles, and the obligations of more than one framework merge
	// into the checklist.
	if !strings.Contains(string(out), "classified by the node when filed (log entry ") {
		t.Errorf("the tour does not show the node's classification:\n%s", out)
	}
	for what, re := range map[string]string{
		"a decided tier":                 `(?m)^   Tier: .+; baseline level (unacceptable|high|limited|minimal)$`,
		"a fired rule with its citation": `(?m)^   - Art\. [^:]+: .+ \[[a-z_]+\]$`,
		"a checklist":                    `(?m)^Obligations by theme:$`,
		"an EU checklist item":           `(?m)^  - \[eu-ai-act, Art\. [^\]]+\] (provider|deployer|both): `,
		"a NYC checklist item":           `(?m)^  - \[us-nyc, [^\]]+\] (provider|deployer|both): `,
	} {
		if n := len(regexp.MustCompile(re).FindAll(out, -1)); n < 2 {
			t.Errorf("the tour's classification steps show %d times %s (%s), want both:\n%s", n, what, re, out)
		}
	}
	// Whatever the tour writes is ignored by git, so that it leaves the
	// working tree clean.
	var written []string
	err = filepath.WalkDir(work, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(work, path)
		if !strings.HasPrefix(rel, "examples"+string(filepath.Separator)) {
			written = append(written, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bin/accord", "receipt.json", "audit-state.txt", "accord-data/admin.token"} {
		if !slices.Contains(written, want) {
			t.Errorf("the tour did not write %s; written: %v", want, written)
		}
	}
	check := exec.Command("git", append([]string{"check-ignore", "--no-index", "--non-matching", "--verbose", "--"}, written...)...)
	check.Dir = "../.."
	res, err := check.Output()
	if err != nil && len(res) == 0 {
		t.Fatalf("git check-ignore (git is needed to check .gitignore): %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(res)), "\n") {
		if path, ok := strings.CutPrefix(line, "::\t"); ok {
			t.Errorf("the tour writes %s, which .gitignore does not ignore", path)
		}
	}
}

// TestReadmeListsFuzzTargets: the README's Fuzzing section has a command
// for every fuzz target in the repository, with its package.
func TestReadmeListsFuzzTargets(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Fuzzing\n")
	if !ok {
		t.Fatal("README has no Fuzzing section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	found := 0
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pkg := "./" + filepath.ToSlash(filepath.Dir(strings.TrimPrefix(path, "../../")))
		if pkg == "./." {
			pkg = "." // the module's root package: go test … ./
		}
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(src), -1) {
			found++
			cmd := fmt.Sprintf("-fuzz '^%s$'", m[1])
			// Two packages may have targets of the same name: the command
			// must name this one's package.
			listed := false
			for l := range strings.SplitSeq(section, "\n") {
				listed = listed || strings.Contains(l, cmd) && strings.HasSuffix(strings.TrimSpace(l), pkg+"/")
			}
			if !listed {
				t.Errorf("README's Fuzzing section has no command for %s in %s: add go test -run '^$' %s -fuzztime 10m %s/", m[1], pkg, cmd, pkg)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("found no fuzz target in the repository")
	}
}

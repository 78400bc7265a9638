package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/rules"
)

// runFrameworks implements "accord frameworks list" (the embedded rule
// packs) and "accord frameworks check DIR" (validate pack files and run
// their golden cases).
func runFrameworks(args []string, stdout, stderr io.Writer) int {
	usage := func() {
		fmt.Fprintln(stderr, `Usage:
  accord frameworks list         list the embedded rule packs
  accord frameworks check DIR    validate DIR/*/pack.yaml (and DIR/*.yaml) and run DIR/*/cases.yaml

check prints each pack's id, version and hash, or each problem as file:line: rule: message,
and exits 1 if any pack is invalid or any golden case fails. Packs are checked against the
baseline pack in DIR, or the embedded one.`)
	}
	if len(args) == 0 {
		usage()
		return 2
	}
	switch args[0] {
	case "list":
		return frameworksList(args[1:], stdout, stderr)
	case "check":
		return frameworksCheck(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		usage()
		return 0
	}
	fmt.Fprintf(stderr, "accord frameworks: unknown subcommand %q\n", args[0])
	usage()
	return 2
}

func frameworksList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("frameworks list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", "en", "language of the names")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	packs, err := frameworks.Packs()
	if err != nil {
		fmt.Fprintf(stderr, "accord frameworks list: the embedded packs do not load:\n%v\n", err)
		return 1
	}
	for _, p := range packs {
		kind := fmt.Sprintf("%d rules", len(p.Rules))
		if p.IsBaseline() {
			kind = fmt.Sprintf("baseline: %d levels, %d themes", len(p.Tiers), len(p.Themes))
		}
		fmt.Fprintf(stdout, "%-10s %-8s %-9s %s  %s (%s)\n", p.ID, p.Jurisdiction, p.Version, p.Hash, p.Name.In(*lang), kind)
	}
	return 0
}

func frameworksCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("frameworks check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "accord frameworks check: give one directory, e.g. accord frameworks check frameworks")
		return 2
	}
	dir := fs.Arg(0)
	names, err := packFiles(dir)
	if err != nil {
		fmt.Fprintf(stderr, "accord frameworks check: %v\n", err)
		return 1
	}
	if len(names) == 0 {
		fmt.Fprintf(stderr, "accord frameworks check: no pack files in %s (looked for %s and %s)\n", dir, filepath.Join(dir, "*", "pack.yaml"), filepath.Join(dir, "*.yaml"))
		return 1
	}

	failed := false
	problem := func(err error) {
		failed = true
		for _, p := range rules.Problems(err) {
			fmt.Fprintln(stdout, p.Error())
		}
	}
	var loaded []*rules.Pack
	var baseline *rules.Pack
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			failed = true
			fmt.Fprintf(stdout, "%s: %v\n", n, err)
			continue
		}
		p, err := rules.Load(n, data)
		if err != nil {
			problem(err)
			continue
		}
		if p.IsBaseline() {
			baseline = p
		}
		loaded = append(loaded, p)
	}
	if baseline == nil {
		embedded, err := frameworks.Packs()
		if err == nil && len(embedded) > 0 && embedded[0].IsBaseline() {
			baseline = embedded[0]
			fmt.Fprintf(stdout, "(no baseline pack in %s: checking against the embedded one, %s)\n", dir, baseline.Hash)
		} else {
			failed = true
			fmt.Fprintln(stdout, "no baseline pack to check tiers and themes against")
		}
	}
	var good []*rules.Pack
	seen := map[string]string{}
	for _, p := range loaded {
		if prev, dup := seen[p.ID]; dup {
			failed = true
			fmt.Fprintf(stdout, "%s:%d: pack id %q is also used by %s\n", p.File, p.Pos.LineOf("id"), p.ID, prev)
			continue
		}
		seen[p.ID] = p.File
		if baseline != nil && p != baseline {
			if err := rules.Link(p, baseline); err != nil {
				problem(err)
				continue
			}
		}
		good = append(good, p)
		kind := fmt.Sprintf("%d rules", len(p.Rules))
		if p.IsBaseline() {
			kind = "baseline"
		}
		fmt.Fprintf(stdout, "ok  %s %s %s  %s (%s)\n", p.ID, p.Version, p.Hash, p.File, kind)
	}

	// Golden cases beside each valid pack.
	packsFor := func(p *rules.Pack) []*rules.Pack {
		if p.IsBaseline() {
			return good
		}
		if baseline != nil && baseline != p {
			return []*rules.Pack{baseline, p}
		}
		return []*rules.Pack{p}
	}
	total, bad := 0, 0
	for _, p := range good {
		cf := filepath.Join(filepath.Dir(p.File), "cases.yaml")
		if filepath.Base(p.File) != "pack.yaml" {
			continue
		}
		data, err := os.ReadFile(cf)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			failed = true
			fmt.Fprintf(stdout, "%s: %v\n", cf, err)
			continue
		}
		cases, err := frameworks.ReadCases(cf, data)
		if err != nil {
			failed = true
			fmt.Fprintln(stdout, err)
			continue
		}
		for _, c := range cases {
			total++
			probs := frameworks.CheckCase(c, p.ID, packsFor(p))
			if len(probs) > 0 {
				bad++
				failed = true
				fmt.Fprintf(stdout, "%s:%d: case %q: %s\n", c.File, c.Line, c.Name, strings.Join(probs, "; "))
			}
		}
	}
	if total > 0 {
		fmt.Fprintf(stdout, "%d golden cases, %d failed\n", total, bad)
	}
	if failed {
		return 1
	}
	return 0
}

// packFiles lists DIR/*/pack.yaml and the pack files directly in DIR (any
// *.yaml but cases.yaml).
func packFiles(dir string) ([]string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{dir}, nil
	}
	nested, err := filepath.Glob(filepath.Join(dir, "*", "pack.yaml"))
	if err != nil {
		return nil, err
	}
	flat, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	out := nested
	for _, f := range flat {
		if filepath.Base(f) != "cases.yaml" {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out, nil
}

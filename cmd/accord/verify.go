package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/strictjson"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/tlog"
)

// readKey takes a verifier key given inline or as a file holding it.
func readKey(s string) (string, error) {
	if s == "" {
		return "", errors.New("--key is required: the node's verifier key (accord log key prints it), or a file holding it")
	}
	if _, err := note.NewVerifier(s); err == nil {
		return s, nil
	}
	b, err := os.ReadFile(s)
	if err != nil {
		return "", fmt.Errorf("--key %q is neither a verifier key (name+hash+key) nor a readable file: %w", s, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func runVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", env("ACCORD_LOG_KEY", ""), "the node's verifier key, or a file holding it (env ACCORD_LOG_KEY)")
	entryFile := fs.String("entry", "", "check that the receipt is for exactly this entry file")
	policy := fs.String("policy", "", "a C2SP tlog-policy file: check the receipt's cosignatures against its quorum (the log key comes from its log lines)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord verify RECEIPT --key VKEY [--entry FILE]\n       accord verify RECEIPT --policy FILE [--entry FILE]\n\nRECEIPT is a receipt (JSON, as the API returns it) or a bare c2sp.org/tlog-proof file\n(then --entry is required). Checks run offline. With --policy, it also says which\nwitnesses cosigned the receipt's checkpoint and whether the policy's quorum holds.")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "verify", "give one receipt file")
	}
	var vkey string
	if *policy == "" || *key != "" {
		if vkey, err = readKey(*key); err != nil {
			return usageErr(stderr, "verify", err.Error())
		}
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return fail(stderr, "verify", err)
	}
	var r accord.Receipt
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		// Strictly: a receipt with two "entry" keys would show one entry
		// to its reader and have another verified.
		if err := strictjson.Decode(data, &r); err != nil {
			fmt.Fprintf(stderr, "FAILED format: %s is not a receipt: %v\n", pos[0], err)
			return 1
		}
	} else {
		p, err := tlog.ParseProof(string(data))
		if err != nil {
			fmt.Fprintf(stderr, "FAILED format: %v\n", err)
			return 1
		}
		r = accord.Receipt{Index: p.Index, Proof: string(data)}
		if *entryFile == "" {
			return usageErr(stderr, "verify", "a bare tlog-proof holds no entry: give the entry with --entry FILE")
		}
	}
	var entry []byte
	if *entryFile != "" {
		if entry, err = os.ReadFile(*entryFile); err != nil {
			return fail(stderr, "verify", err)
		}
		if r.Entry == "" {
			r.Entry = string(entry)
		}
	}
	if *policy != "" {
		return verifyPolicy(stdout, stderr, r, entry, *policy)
	}
	cp, err := tlog.VerifyReceipt(r, vkey, entry)
	if err != nil {
		fmt.Fprintf(stderr, "FAILED %v\n", err)
		return 1
	}
	var ev accord.LogEvent
	json.Unmarshal([]byte(r.Entry), &ev)
	fmt.Fprintf(stdout, "OK: entry %d (%s %s v%d) is in log %s, tree size %d, root %s\n", r.Index, ev.Type, ev.Record, ev.Version, cp.Origin, cp.Size, cp.Hash)
	return 0
}

func runLog(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageErr(stderr, "log", "give a subcommand: key, checkpoint or audit")
	}
	switch args[0] {
	case "key":
		return logKey(args[1:], stdout, stderr)
	case "checkpoint":
		return logCheckpoint(args[1:], stdout, stderr)
	case "audit":
		return logAudit(args[1:], stdout, stderr)
	}
	return usageErr(stderr, "log", fmt.Sprintf("unknown subcommand %q: use key, checkpoint or audit", args[0]))
}

func logKey(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("log key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("ACCORD_DATA", "./accord-data"), "the node's data directory")
	server := fs.String("server", "", "ask a running node instead of reading the data directory")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *server != "" {
		c, cancel := ctx()
		defer cancel()
		l, err := client.New(*server, "").Log(c)
		if err != nil {
			return fail(stderr, "log key", err)
		}
		fmt.Fprintln(stdout, l.VerifierKey)
		return 0
	}
	b, err := os.ReadFile(filepath.Join(*data, node.KeyFile))
	if err != nil {
		return fail(stderr, "log key", fmt.Errorf("read the node's key: %w (is --data the node's data directory?)", err))
	}
	vkey, err := tlog.VerifierKey(strings.TrimSpace(string(b)))
	if err != nil {
		return fail(stderr, "log key", err)
	}
	fmt.Fprintln(stdout, vkey)
	return 0
}

func logCheckpoint(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("log checkpoint", stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	b, err := cf.client().Get(c, "/log/checkpoint")
	if err != nil {
		return fail(stderr, "log checkpoint", err)
	}
	stdout.Write(b)
	return 0
}

func logAudit(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("log audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", env("ACCORD_LOG_KEY", ""), "the node's verifier key, or a file holding it")
	state := fs.String("state", "", "file keeping the last checkpoint seen (created on the first audit)")
	workers := fs.Int("workers", 8, "parallel downloads")
	var compare []string
	fs.Func("compare", "another node (base URL) whose views of this log to check against the audited tree: what its witness cosigned, what it mirrored (repeat the flag for several)", func(s string) error {
		compare = append(compare, strings.TrimSuffix(s, "/"))
		return nil
	})
	evidenceFile := fs.String("evidence", "", "with --compare: write the evidence of a split view to this file (JSON, for accord alarm verify)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord log audit URL --key VKEY --state FILE [--compare NODE_URL…] [--evidence FILE]\n\nURL is the node (http://host:8080) or its log prefix (http://host:8080/log).")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "log audit", "give the node's URL")
	}
	vkey, err := readKey(*key)
	if err != nil {
		return usageErr(stderr, "log audit", err.Error())
	}
	if *state == "" {
		return usageErr(stderr, "log audit", "--state is required: a file where the audit keeps the checkpoint it saw")
	}
	var prev []byte
	if b, err := os.ReadFile(*state); err == nil {
		prev = b
	} else if !errors.Is(err, os.ErrNotExist) {
		return fail(stderr, "log audit", err)
	}
	prefix := strings.TrimSuffix(pos[0], "/")
	if !strings.HasSuffix(prefix, "/log") {
		prefix += "/log"
	}
	cl := client.New(prefix, "")
	fetch := func(ctx context.Context, path string) ([]byte, error) { return cl.Get(ctx, "/"+path) }
	start := time.Now()
	c, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	rep, err := tlog.Audit(c, fetch, vkey, prev, *workers)
	if err != nil {
		var ae *tlog.AuditError
		if errors.As(err, &ae) {
			fmt.Fprintf(stderr, "AUDIT FAILED (%s): %s\n", ae.Kind, ae.Detail)
			fmt.Fprintf(stderr, "The state file %s was left unchanged: keep it as evidence.\n", *state)
			return 1
		}
		return fail(stderr, "log audit", err)
	}
	if err := writeFileAtomic(*state, rep.Checkpoint); err != nil {
		return fail(stderr, "log audit", fmt.Errorf("save state: %w", err))
	}
	fmt.Fprintf(stdout, "OK: log %s has %d entries; root %s\n", rep.Origin, rep.Size, rep.Root)
	fmt.Fprintf(stdout, "  recomputed every hash from %d entries and matched %d hash tiles in %s\n", rep.Entries, rep.Tiles, time.Since(start).Round(time.Millisecond))
	if rep.PrevSize >= 0 {
		fmt.Fprintf(stdout, "  consistent with the checkpoint seen last time (size %d)\n", rep.PrevSize)
	} else {
		fmt.Fprintf(stdout, "  first audit: checkpoint saved to %s\n", *state)
	}
	for t, n := range rep.Types {
		fmt.Fprintf(stdout, "  %-26s %d\n", t, n)
	}
	if len(compare) > 0 {
		return compareViews(c, vkey, rep, compare, *evidenceFile, stdout, stderr)
	}
	return 0
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stdout, "accord", version())
	return 0
}

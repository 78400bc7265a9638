// Command accord runs an Accord node (`accord serve`) and is its
// command-line client: filing and searching systems, managing organizations
// and tokens, classifying offline, and verifying the node's log.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand: it gets its arguments and returns an exit code.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands holds every subcommand. A capability registers its own from
// its file's init (commands["incident"] = command{…}), so this table is not
// edited by every capability; package variables are set before any init
// runs, whatever the order of the files.
var commands = map[string]command{}

func init() {
	for name, c := range map[string]command{
		"serve":         {"run a node", runServe},
		"file":          {"file a new AI system from a JSON or YAML file", runFile},
		"update":        {"file a new version of a system", runUpdate},
		"withdraw":      {"withdraw a system's filing", runWithdraw},
		"get":           {"show a system", runGet},
		"versions":      {"list a system's versions", runVersions},
		"search":        {"search systems", runSearch},
		"receipt":       {"fetch a fresh log receipt for a system version", runReceipt},
		"org":           {"register, list and show organizations", runOrg},
		"token":         {"issue, list and revoke API tokens", runToken},
		"verify":        {"verify a log receipt offline", runVerify},
		"log":           {"the log: key, checkpoint, audit", runLog},
		"vocabularies":  {"list the controlled vocabularies", runVocabularies},
		"bench":         {"run the node's benchmarks", runBench},
		"migrate-store": {"copy a node's whole state into another store (SQLite, PostgreSQL)", runMigrateStore},
		"version":       {"print the version", runVersion},
		"classify":      {"classify a filing offline under every rule pack, with citations", runClassify},
		"frameworks":    {"list the rule packs, or check pack files (frameworks check DIR)", runFrameworks},
		"reclassify":    {"re-classify every system under this binary's rule packs (after a rule change)", runReclassify},

		"classification": {"show the node's classification of a filed system, with citations", runClassification},

		"node":    {"show a node's identity: member, log and witness keys, URL", runNode},
		"peer":    {"add, list, set and remove peers (other members' nodes)", runPeer},
		"witness": {"add, list and remove external witnesses of this node's log", runWitness},
		"policy":  {"print the federation's default tlog-policy for a node's log", runPolicy},

		"mirrors": {"show how the node mirrors each peer's log", runMirrors},
		"alarm":   {"list split views detected, and verify their evidence offline", runAlarm},
	} {
		commands[name] = c
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "accord: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "accord runs an Accord node and talks to one.\n\nUsage: accord <command> [flags] [arguments]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-15s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nClient commands use --server (env ACCORD_SERVER, default http://127.0.0.1:8080)\nand --token (env ACCORD_TOKEN). Run 'accord <command> -h' for a command's flags.")
}

// env returns an environment variable or a default.
func env(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

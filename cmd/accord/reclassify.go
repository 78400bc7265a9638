package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/registry"
)

// runReclassify re-classifies every system's current version under the
// embedded rule packs: what a rule change triggers. It works on the store
// directly, like migrate-store.
func runReclassify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reclassify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("ACCORD_DATA", "./accord-data"), "the node's data directory (its SQLite database)")
	db := fs.String("db", env("ACCORD_DB", ""), "the store instead: sqlite:PATH or postgres://…")
	asOf := fs.String("as-of", "", "classify as of this date, YYYY-MM-DD (default: today)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof reads it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord reclassify [--data DIR | --db DSN] [--as-of YYYY-MM-DD]\n\nRe-classifies the current version of every system under the rule packs built\ninto this binary and updates the tiers shown and searched. The classification\nlogged when each version was filed stays as it was.\n\nFlags:")
		fs.PrintDefaults()
	}
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	at, err := registry.ParseAsOf(*asOf)
	if err != nil {
		return usageErr(stderr, "reclassify", "--as-of: write the date as YYYY-MM-DD")
	}
	if at.IsZero() {
		at = time.Now().UTC()
	}
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	store, err := node.OpenStore(ctx, *db, *data, nil)
	if err != nil {
		return fail(stderr, "reclassify", err)
	}
	defer store.Close()
	packs, err := frameworks.Packs()
	if err != nil {
		return fail(stderr, "reclassify", err)
	}
	svc := registry.New(registry.Config{Store: store, Packs: packs})
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return fail(stderr, "reclassify", err)
	}
	defer stopProfile()
	st, err := svc.Reclassify(ctx, at)
	if err != nil {
		return fail(stderr, "reclassify", err)
	}
	fmt.Fprintf(stdout, "re-classified %d systems in %s (%.0f systems/s); %d changed level or tier\n",
		st.Systems, st.Elapsed.Round(time.Millisecond), float64(st.Systems)/st.Elapsed.Seconds(), st.Changed)
	return 0
}

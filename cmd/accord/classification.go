package main

import (
	"fmt"
	"io"
	"time"

	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/registry"
)

// runClassification implements "accord classification SYSTEM-ID [--version
// N] [--as-of YYYY-MM-DD] [--lang xx] [--json]": the node's classification of
// a filed system, printed as accord classify prints an offline one.
func runClassification(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("classification", stderr)
	version := fs.Int("version", 0, "classify this version instead of the current one")
	asOf := fs.String("as-of", "", "apply the law as of this date, YYYY-MM-DD (default: the day the version was filed, as logged)")
	lang := fs.String("lang", "en", "language of titles and texts (English where a text lacks it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord classification [flags] SYSTEM-ID\n\nShows the node's classification of a filed system under every rule pack, with citations.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "classification", "give the system id")
	}
	if *asOf != "" {
		if _, err := time.Parse("2006-01-02", *asOf); err != nil {
			return usageErr(stderr, "classification", fmt.Sprintf("--as-of %q: write the date as YYYY-MM-DD, e.g. 2026-08-02", *asOf))
		}
	}
	c, cancel := ctx()
	defer cancel()
	cl := cf.client()
	res, err := cl.Classification(c, pos[0], *version, *asOf)
	if err != nil {
		return fail(stderr, "classification", err)
	}
	if cf.json {
		printJSON(stdout, res)
		return 0
	}
	var v *registry.SystemView
	if *version > 0 {
		v, err = cl.SystemVersion(c, pos[0], *version)
	} else {
		v, err = cl.SystemVersion(c, pos[0], res.Version)
	}
	if err != nil {
		return fail(stderr, "classification", err)
	}
	// The embedded packs give tier titles where they are the node's packs
	// (same hash); writeReport falls back to the result's own titles.
	packs, _ := frameworks.Packs()
	fmt.Fprintf(stdout, "%s version %d, classified by the node", v.ID, res.Version)
	if res.LogIndex != nil && *asOf == "" {
		fmt.Fprintf(stdout, " when filed (log entry %d)", *res.LogIndex)
	}
	if res.PacksChanged {
		fmt.Fprint(stdout, "; the node's rule packs changed since")
	}
	fmt.Fprintln(stdout)
	writeReport(stdout, v.Filing, res.Result, packs, *lang)
	return 0
}

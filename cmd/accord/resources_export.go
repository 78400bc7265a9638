package main

import (
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/accord-gov/accord"
)

// accord resource import / export: the standard formats.

func init() {
	resourceExtra["import"] = resourceImport
	resourceExtra["export"] = resourceExport
}

func resourceImport(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("resource import", stderr)
	var req accord.ResourceImport
	fs.StringVar(&req.Format, "format", "hf-model-card", "hf-model-card, hf-dataset-card or croissant")
	fs.StringVar(&req.LicenceSHA256, "licence-sha256", "", "SHA-256 of the licence text, for a licence the SPDX list lacks")
	publish := fs.Bool("publish", false, "publish the filing at once (default: print it for review)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord resource import [--format F] [--publish] FILE\n\nTurns a Hugging Face card (README.md) or a Croissant JSON-LD file into a filing;\nprints it as JSON to review and publish, or publishes it with --publish.")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "resource import", "give one file")
	}
	doc, err := os.ReadFile(pos[0])
	if err != nil {
		return fail(stderr, "resource import", err)
	}
	req.Document = string(doc)
	c, cancel := ctx()
	defer cancel()
	cl := cf.client()
	f, err := cl.ImportResource(c, req)
	if err != nil {
		return fail(stderr, "resource import", err)
	}
	if !*publish {
		printJSON(stdout, f)
		return 0
	}
	v, err := cl.PublishResource(c, *f)
	if err != nil {
		return fail(stderr, "resource import", err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	fmt.Fprintf(stdout, "published %s (%s, licence %s), log entry %d\n", v.ID, v.Kind, v.Licence, v.Receipt.Index)
	return 0
}

func resourceExport(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("resource export", stderr)
	format := fs.String("format", "cyclonedx", "cyclonedx, spdx, or dcat (the whole catalogue: give no id)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	var path string
	switch {
	case *format == "dcat" && len(pos) == 0:
		path = "/v1/catalogue/dcat"
	case (*format == "cyclonedx" || *format == "spdx") && len(pos) == 1:
		path = "/v1/resources/" + url.PathEscape(pos[0]) + "/" + *format
	default:
		return usageErr(stderr, "resource export", "give --format cyclonedx|spdx and a resource id, or --format dcat alone")
	}
	c, cancel := ctx()
	defer cancel()
	b, err := cf.client().Get(c, path)
	if err != nil {
		return fail(stderr, "resource export", err)
	}
	stdout.Write(b)
	return 0
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/accord-gov/accord"
)

// accord migrate-store carries the incident tables: the tee and the digest
// that compare the two stores see their rows.

func (t teeWriter) Incident(ctx context.Context, r accord.IncidentRow) error {
	return errors.Join(t.a.Incident(ctx, r), t.b.Incident(ctx, r))
}

func (d *digest) Incident(_ context.Context, r accord.IncidentRow) error {
	return d.row("incident", 0, r)
}

func init() {
	commands["incident"] = command{"incident reports: file, version, get, report, receipt, search, merge, deadlines, preview", runIncident}
}

func runIncident(args []string, stdout, stderr io.Writer) int {
	const subs = "file, version, get, report, receipt, search, suggest, merge, deadlines or preview"
	if len(args) == 0 {
		return usageErr(stderr, "incident", "give a subcommand: "+subs)
	}
	switch args[0] {
	case "file":
		return incidentFile(args[1:], stdout, stderr)
	case "version":
		return incidentVersion(args[1:], stdout, stderr)
	case "get":
		return incidentGet(args[1:], stdout, stderr)
	case "report":
		return incidentReportCmd(args[1:], stdout, stderr)
	case "search":
		return incidentSearch(args[1:], stdout, stderr)
	case "suggest", "preview":
		return incidentDraft(args[0], args[1:], stdout, stderr)
	case "merge":
		return incidentMerge(args[1:], stdout, stderr)
	case "deadlines":
		return incidentDeadlines(args[1:], stdout, stderr)
	case "receipt":
		return incidentReceipt(args[1:], stdout, stderr)
	}
	return usageErr(stderr, "incident", fmt.Sprintf("unknown subcommand %q: use %s", args[0], subs))
}

func readReport(path string) (accord.NewIncidentReport, error) {
	var r accord.NewIncidentReport
	err := readStrict(path, &r, "incident report")
	return r, err
}

func printDeadlines(w io.Writer, ds []accord.Deadline) {
	tw := table(w)
	fmt.Fprintln(tw, "STATUS\tDUE\tCITATION\tFRAMEWORK\tDUTY")
	for _, d := range ds {
		due := "no fixed clock"
		if d.Due != nil {
			due = d.Due.Format(time.RFC3339)
		}
		if d.Immediately {
			due = "immediately; at the latest " + due
		}
		cite := d.Citation
		if !d.Verified {
			cite += " (unverified)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Status, due, cite, d.Framework, d.Duty)
	}
	tw.Flush()
}

func printReportView(w io.Writer, v *accord.IncidentReportView) {
	r := v.Report
	tw := table(w)
	fmt.Fprintf(tw, "report\t%s (version %d, %s)\n", r.ID, r.Version, r.Stage)
	fmt.Fprintf(tw, "incident\t%s\n", r.Incident)
	fmt.Fprintf(tw, "role\t%s\n", r.Role)
	fmt.Fprintf(tw, "system\t%s v%d\n", r.System.ID, r.System.Version)
	fmt.Fprintf(tw, "filed\t%s (log index %d)\n", r.Filed.Format(time.RFC3339Nano), r.LogIndex)
	if r.Commitment != "" {
		fmt.Fprintf(tw, "confidential part\tcommitted in the log: %s\n", r.Commitment)
	}
	tw.Flush()
	if len(r.Deadlines) > 0 {
		fmt.Fprintln(w, "\nDeadlines:")
		printDeadlines(w, r.Deadlines)
	}
	if len(v.Duplicates) > 0 {
		fmt.Fprintln(w, "\nMay be the same event as:")
		for _, d := range v.Duplicates {
			fmt.Fprintf(w, "  %s  score %.2f  %s  %s\n", d.Incident, d.Score, strings.Join(d.Reasons, ","), d.Title.In("en"))
		}
	}
	if v.Receipt != nil {
		fmt.Fprintf(w, "\nReceipt: log index %d (accord verify checks it offline).\n", v.Receipt.Index)
	}
}

func incidentFile(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("incident file", stderr)
	system := fs.String("system", "", "the system's registry id (overrides system.id in the file)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord incident file REPORT.yaml|json|-\n\nFiles an incident report (without a token: a complaint from the public).\nThe fields are those of POST /v1/incidents (GET /v1/openapi.json).")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "incident file", "give one report file (or - for stdin)")
	}
	r, err := readReport(pos[0])
	if err != nil {
		return fail(stderr, "incident file", err)
	}
	if *system != "" {
		r.System.ID = *system
	}
	c, cancel := ctx()
	defer cancel()
	v, err := cf.client().FileIncidentReport(c, r)
	if err != nil {
		return fail(stderr, "incident file", err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	printReportView(stdout, v)
	return 0
}

func incidentVersion(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("incident version", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord incident version REPORT_ID REPORT.yaml|json|-\n\nFiles the next version of your own report (stage follow-up or final).")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 2 {
		return usageErr(stderr, "incident version", "give the report id and a report file")
	}
	r, err := readReport(pos[1])
	if err != nil {
		return fail(stderr, "incident version", err)
	}
	c, cancel := ctx()
	defer cancel()
	v, err := cf.client().AddIncidentReportVersion(c, pos[0], r)
	if err != nil {
		return fail(stderr, "incident version", err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	printReportView(stdout, v)
	return 0
}

func incidentGet(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("incident get", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "incident get", "give an incident id")
	}
	c, cancel := ctx()
	defer cancel()
	v, err := cf.client().Incident(c, pos[0])
	if err != nil {
		return fail(stderr, "incident get", err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	in := v.Incident
	tw := table(stdout)
	fmt.Fprintf(tw, "incident\t%s\n", in.ID)
	if in.ID != pos[0] {
		fmt.Fprintf(tw, "merged\t%s was merged into it\n", pos[0])
	}
	fmt.Fprintf(tw, "title\t%s\n", in.Title.In("en"))
	fmt.Fprintf(tw, "kind\t%s, %s\n", in.Kind, in.Severity)
	fmt.Fprintf(tw, "system\t%s (provider %s)\n", in.System.ID, in.Provider)
	fmt.Fprintf(tw, "countries\t%s\n", strings.Join(in.Countries, ", "))
	fmt.Fprintf(tw, "occurred\t%s\n", in.Occurred.Format(time.RFC3339))
	fmt.Fprintf(tw, "reports\t%d\n", len(v.Reports))
	tw.Flush()
	for _, r := range v.Reports {
		fmt.Fprintf(stdout, "  %s v%d %s by %s, filed %s\n", r.ID, r.Version, r.Stage, r.Role, r.Filed.Format(time.RFC3339))
	}
	if len(v.Deadlines) > 0 {
		fmt.Fprintln(stdout, "\nDeadlines:")
		printDeadlines(stdout, v.Deadlines)
	}
	return 0
}

func incidentReportCmd(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("incident report", stderr)
	version := fs.Int("version", 0, "the version (default: the latest)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "incident report", "give a report id")
	}
	c, cancel := ctx()
	defer cancel()
	v, err := cf.client().IncidentReport(c, pos[0], *version)
	if err != nil {
		return fail(stderr, "incident report", err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	printReportView(stdout, v)
	return 0
}

func incidentSearch(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("incident search", stderr)
	var q accord.IncidentQuery
	fs.StringVar(&q.Q, "q", "", "text in any language")
	fs.StringVar(&q.System, "system", "", "system id")
	fs.StringVar(&q.Provider, "provider", "", "provider's organization id")
	fs.StringVar(&q.Country, "country", "", "country where it occurred")
	fs.StringVar(&q.Harm, "harm", "", "harm term, e.g. eu-3-49:a")
	fs.StringVar(&q.Severity, "severity", "", "critical, serious, moderate or minor")
	fs.StringVar(&q.Kind, "kind", "", "incident kind")
	fs.StringVar(&q.Cursor, "cursor", "", "the next page's cursor")
	fs.IntVar(&q.Limit, "limit", 0, "page size (1-100)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) > 0 {
		q.Q = strings.TrimSpace(q.Q + " " + strings.Join(pos, " "))
	}
	c, cancel := ctx()
	defer cancel()
	p, err := cf.client().SearchIncidents(c, q)
	if err != nil {
		return fail(stderr, "incident search", err)
	}
	if cf.json {
		printJSON(stdout, p)
		return 0
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "ID\tOCCURRED\tKIND\tSEVERITY\tCOUNTRIES\tTITLE")
	for _, in := range p.Incidents {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.Occurred.Format(time.DateOnly), in.Kind, in.Severity, strings.Join(in.Countries, ","), in.Title.In("en"))
	}
	tw.Flush()
	if p.Next != "" {
		fmt.Fprintf(stdout, "next page: --cursor %s\n", p.Next)
	}
	return 0
}

func incidentDraft(sub string, args []string, stdout, stderr io.Writer) int {
	name := "incident " + sub
	fs, cf := newClientFlags(name, stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, name, "give a draft report file (or - for stdin)")
	}
	r, err := readReport(pos[0])
	if err != nil {
		return fail(stderr, name, err)
	}
	c, cancel := ctx()
	defer cancel()
	if sub == "preview" {
		ds, err := cf.client().IncidentDeadlines(c, r)
		if err != nil {
			return fail(stderr, name, err)
		}
		if cf.json {
			printJSON(stdout, ds)
			return 0
		}
		if len(ds) == 0 {
			fmt.Fprintln(stdout, "No reporting duty applies to this draft under the node's rule packs.")
			return 0
		}
		printDeadlines(stdout, ds)
		return 0
	}
	ds, err := cf.client().SuggestIncidents(c, r)
	if err != nil {
		return fail(stderr, name, err)
	}
	if cf.json {
		printJSON(stdout, ds)
		return 0
	}
	for _, d := range ds {
		fmt.Fprintf(stdout, "%s  score %.2f  %s  %s\n", d.Incident, d.Score, strings.Join(d.Reasons, ","), d.Title.In("en"))
	}
	return 0
}

func incidentMerge(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("incident merge", stderr)
	var m accord.IncidentMerge
	fs.StringVar(&m.Into, "into", "", "the incident to merge into (required)")
	fs.StringVar(&m.Note, "note", "", "why they are one event")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "incident merge", "give the incident to merge: accord incident merge FROM --into TO")
	}
	c, cancel := ctx()
	defer cancel()
	v, err := cf.client().MergeIncident(c, pos[0], m)
	if err != nil {
		return fail(stderr, "incident merge", err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	fmt.Fprintf(stdout, "%s merged into %s (%d reports); log index %d\n", v.From, v.Into.ID, v.Into.Reports, v.Receipt.Index)
	return 0
}

func incidentDeadlines(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("incident deadlines", stderr)
	country := fs.String("country", "", "country (default: your authority's)")
	status := fs.String("status", "", "overdue, open, met or missed")
	cursor := fs.String("cursor", "", "the next page's cursor")
	limit := fs.Int("limit", 0, "page size (1-100)")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	d, err := cf.client().IncidentDashboard(c, *country, *status, *cursor, *limit)
	if err != nil {
		return fail(stderr, "incident deadlines", err)
	}
	if cf.json {
		printJSON(stdout, d)
		return 0
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "STATUS\tDUE\tINCIDENT\tSYSTEM\tFILED (LOG INDEX)\tTITLE")
	for _, x := range d.Deadlines {
		filed := "-"
		if !x.Filed.IsZero() {
			filed = fmt.Sprintf("%s (%d)", x.Filed.Format(time.RFC3339), x.LogIndex)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", x.Status, x.Due.Format(time.RFC3339), x.Incident, x.System, filed, x.Title.In("en"))
	}
	tw.Flush()
	if d.Next != "" {
		fmt.Fprintf(stdout, "next page: --cursor %s\n", d.Next)
	}
	return 0
}

func incidentReceipt(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("incident receipt", stderr)
	version := fs.Int("version", 1, "the report's version")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord incident receipt REPORT_ID [--version N] > receipt.json\n\nPrints a fresh receipt of a report version: the proof of when it was filed,\nwhich accord verify receipt.json --key KEY checks offline.")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "incident receipt", "give a report id")
	}
	c, cancel := ctx()
	defer cancel()
	rc, err := cf.client().IncidentReceipt(c, pos[0], *version)
	if err != nil {
		return fail(stderr, "incident receipt", err)
	}
	printJSON(stdout, rc)
	return 0
}

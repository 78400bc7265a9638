package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/accord-gov/accord"
)

// accord resource, need, match: the shared-resources catalogue.

func init() {
	commands["resource"] = command{"publish, search, show, update, withdraw and link catalogue resources (models, data sets, compute…)", runResource}
	commands["need"] = command{"post, list, show and close needs, with the resources the node suggests", runNeed}
	commands["match"] = command{"propose a resource for a need; accept, decline or complete a match", runMatch}
}

func runResource(args []string, stdout, stderr io.Writer) int {
	subs := "publish, get, search, update, withdraw, link"
	if len(args) == 0 {
		return usageErr(stderr, "resource", "give a subcommand: "+subs)
	}
	switch args[0] {
	case "publish":
		return resourcePublish(args[1:], stdout, stderr)
	case "get":
		return resourceGet(args[1:], stdout, stderr)
	case "search":
		return resourceSearch(args[1:], stdout, stderr)
	case "update":
		return resourceUpdate(args[1:], stdout, stderr)
	case "withdraw":
		return resourceWithdraw(args[1:], stdout, stderr)
	case "link":
		return resourceLink(args[1:], stdout, stderr)
	}
	if f, ok := resourceExtra[args[0]]; ok {
		return f(args[1:], stdout, stderr)
	}
	return usageErr(stderr, "resource", fmt.Sprintf("unknown subcommand %q: use %s", args[0], subs))
}

// resourceExtra holds the subcommands of resource_export.go (export, import).
var resourceExtra = map[string]func([]string, io.Writer, io.Writer) int{}

func resourcePublish(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("resource publish", stderr)
	quiet := fs.Bool("q", false, "print only the new resource's id")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord resource publish FILE\n\nPublishes a resource from a JSON or YAML file (see examples/resources/) with your organization's token.")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "resource publish", "give one file (or - for stdin)")
	}
	var f accord.ResourceFiling
	if err := readStrict(pos[0], &f, "resource"); err != nil {
		return fail(stderr, "resource publish", err)
	}
	c, cancel := ctx()
	defer cancel()
	v, err := cf.client().PublishResource(c, f)
	if err != nil {
		return fail(stderr, "resource publish", err)
	}
	switch {
	case cf.json:
		printJSON(stdout, v)
	case *quiet:
		fmt.Fprintln(stdout, v.ID)
	default:
		fmt.Fprintf(stdout, "published %s (%s, version %d, licence %s), log entry %d\n", v.ID, v.Kind, v.Version, v.Licence, v.Receipt.Index)
	}
	return 0
}

func resourceGet(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("resource get", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "resource get", "give one resource id")
	}
	c, cancel := ctx()
	defer cancel()
	v, err := cf.client().Resource(c, pos[0])
	if err != nil {
		return fail(stderr, "resource get", err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	tw := table(stdout)
	fmt.Fprintf(tw, "ID\t%s\n", v.ID)
	fmt.Fprintf(tw, "Kind\t%s\n", v.Kind)
	fmt.Fprintf(tw, "Title\t%s\n", v.Title.In("en"))
	fmt.Fprintf(tw, "Provider\t%s\n", v.Provider)
	fmt.Fprintf(tw, "Version\t%d (%s)\n", v.Version, v.Status)
	fmt.Fprintf(tw, "Licence\t%s\n", v.Licence)
	for _, r := range v.LicenceRefs {
		fmt.Fprintf(tw, "\t%s: %s, text SHA-256 %s\n", r.ID, r.Name, r.SHA256)
	}
	if len(v.Languages) > 0 {
		fmt.Fprintf(tw, "Languages\t%s\n", strings.Join(v.Languages, ", "))
	}
	fmt.Fprintf(tw, "Access\t%s\n", describeTerms(v.Terms))
	for _, l := range v.BuiltInto {
		fmt.Fprintf(tw, "Built into\t%s (%s)\n", l.System, l.Role)
	}
	tw.Flush()
	return 0
}

// describeTerms says access terms in one line.
func describeTerms(t accord.AccessTerms) string {
	s := t.Mode + ", " + t.Fee.Standard
	if t.Fee.Amount != "" {
		s += " (" + t.Fee.Amount + ")"
	}
	for _, w := range t.Fee.Waivers {
		who := w.Group
		if who == "" {
			who = strings.Join(w.Countries, " ")
		}
		s += fmt.Sprintf("; %d%% off for %s", w.Percent, who)
	}
	if len(t.Only) > 0 {
		s += "; only in " + strings.Join(t.Only, " ")
	}
	if len(t.Excluded) > 0 {
		s += "; not in " + strings.Join(t.Excluded, " ")
	}
	if len(t.Sectors) > 0 {
		s += "; for " + strings.Join(t.Sectors, ", ")
	}
	return s
}

func resourceSearch(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("resource search", stderr)
	var q accord.ResourceSearch
	fs.StringVar(&q.Kind, "kind", "", "model, dataset, tool, compute, training or expert")
	fs.StringVar(&q.Licence, "licence", "", "an SPDX licence id")
	fs.StringVar(&q.Language, "language", "", "a BCP 47 language tag")
	fs.StringVar(&q.Country, "country", "", "a country the resource concerns")
	fs.StringVar(&q.Mode, "mode", "", "open, gated or on_request")
	fs.StringVar(&q.FreeFor, "free-for", "", "only what a requester in this country can use for free")
	fs.StringVar(&q.UsableBy, "usable-by", "", "only what a requester in this country may use")
	fs.StringVar(&q.Sector, "sector", "", "the requester's sector (academia, government, nonprofit, startup, company, individual)")
	fs.BoolVar(&q.OSAID, "osaid", false, "only models with all three OSAID elements")
	fs.IntVar(&q.MOF, "mof", 0, "only models of this MOF class or a more open one")
	fs.IntVar(&q.Limit, "limit", 0, "page size (1-100)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	q.Text = strings.Join(pos, " ")
	c, cancel := ctx()
	defer cancel()
	p, err := cf.client().SearchResources(c, q)
	if err != nil {
		return fail(stderr, "resource search", err)
	}
	if cf.json {
		printJSON(stdout, p)
		return 0
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "ID\tKIND\tLICENCE\tACCESS\tTITLE")
	for _, r := range p.Resources {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.Licence, describeTerms(r.Terms), r.Title.In("en"))
	}
	tw.Flush()
	return 0
}

func resourceUpdate(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("resource update", stderr)
	ifMatch := fs.String("if-match", "", "the ETag of the version you read (default: the current one)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 2 {
		return usageErr(stderr, "resource update", "give a resource id and a file")
	}
	var f accord.ResourceFiling
	if err := readStrict(pos[1], &f, "resource"); err != nil {
		return fail(stderr, "resource update", err)
	}
	c, cancel := ctx()
	defer cancel()
	cl := cf.client()
	etag := *ifMatch
	if etag == "" {
		cur, err := cl.Resource(c, pos[0])
		if err != nil {
			return fail(stderr, "resource update", err)
		}
		etag = cur.ETag
	}
	v, err := cl.UpdateResource(c, pos[0], etag, f)
	if err != nil {
		return fail(stderr, "resource update", err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	fmt.Fprintf(stdout, "%s is at version %d, log entry %d\n", v.ID, v.Version, v.Receipt.Index)
	return 0
}

func resourceWithdraw(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("resource withdraw", stderr)
	reason := fs.String("reason", "", "why (required; in the log entry)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "resource withdraw", "give one resource id")
	}
	c, cancel := ctx()
	defer cancel()
	v, err := cf.client().WithdrawResource(c, pos[0], *reason)
	if err != nil {
		return fail(stderr, "resource withdraw", err)
	}
	fmt.Fprintf(stdout, "%s withdrawn (version %d)\n", v.ID, v.Version)
	return 0
}

func resourceLink(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("resource link", stderr)
	var l accord.SystemLinkRequest
	fs.StringVar(&l.Role, "role", "model", "model or dataset")
	fs.StringVar(&l.Node, "node", "", "the member whose catalogue holds the resource (default: this node)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord resource link SYSTEM RESOURCE [--role model|dataset] [--node MEMBER]\n\nSays that your system is built on a catalogue resource.")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 2 {
		return usageErr(stderr, "resource link", "give a system id and a resource id")
	}
	l.Resource = pos[1]
	c, cancel := ctx()
	defer cancel()
	v, err := cf.client().LinkSystem(c, pos[0], l)
	if err != nil {
		return fail(stderr, "resource link", err)
	}
	fmt.Fprintf(stdout, "%s is built on %s (%s), log entry %d\n", v.System, v.Resource, v.Role, v.Receipt.Index)
	return 0
}

func runNeed(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageErr(stderr, "need", "give a subcommand: post, get, list or close")
	}
	fs, cf := newClientFlags("need "+args[0], stderr)
	org := fs.String("org", "", "list: only this organization's needs")
	status := fs.String("status", "", "list: open, met or closed")
	reason := fs.String("reason", "", "close: why")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	cl := cf.client()
	var v *accord.NeedView
	switch args[0] {
	case "post":
		if len(pos) != 1 {
			return usageErr(stderr, "need post", "give one file (see examples/resources/need-gpu-malawi.yaml)")
		}
		var f accord.NeedFiling
		if err := readStrict(pos[0], &f, "need"); err != nil {
			return fail(stderr, "need post", err)
		}
		v, err = cl.PostNeed(c, f)
	case "get":
		if len(pos) != 1 {
			return usageErr(stderr, "need get", "give one need id")
		}
		v, err = cl.Need(c, pos[0])
	case "close":
		if len(pos) != 1 {
			return usageErr(stderr, "need close", "give one need id")
		}
		v, err = cl.CloseNeed(c, pos[0], *reason)
	case "list":
		p, err := cl.Needs(c, *org, *status)
		if err != nil {
			return fail(stderr, "need list", err)
		}
		if cf.json {
			printJSON(stdout, p)
			return 0
		}
		tw := table(stdout)
		fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tCOUNTRY\tTITLE")
		for _, n := range p.Needs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n.ID, n.Kind, n.Status, n.Country, n.Title.In("en"))
		}
		tw.Flush()
		return 0
	default:
		return usageErr(stderr, "need", fmt.Sprintf("unknown subcommand %q: use post, get, list or close", args[0]))
	}
	if err != nil {
		return fail(stderr, "need "+args[0], err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	fmt.Fprintf(stdout, "%s (%s, %s) %s\n", v.ID, v.Kind, v.Status, v.Title.In("en"))
	if len(v.Suggestions) > 0 {
		tw := table(stdout)
		fmt.Fprintln(tw, "SUGGESTED\tSCORE\tFEE\tWHY\tTITLE")
		for _, s := range v.Suggestions {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", s.Resource.ID, s.Score, s.Eligibility.Fee, strings.Join(s.Reasons, " "), s.Resource.Title.In("en"))
		}
		tw.Flush()
	}
	for _, m := range v.Matches {
		fmt.Fprintf(stdout, "match %s: %s, %s\n", m.ID, m.Resource, m.Status)
	}
	return 0
}

func runMatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageErr(stderr, "match", "give a subcommand: propose NEED RESOURCE, or set MATCH accepted|declined|completed")
	}
	fs, cf := newClientFlags("match "+args[0], stderr)
	note := fs.String("note", "", "a note kept with the match")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	var v *accord.MatchView
	switch args[0] {
	case "propose":
		if len(pos) != 2 {
			return usageErr(stderr, "match propose", "give a need id and a resource id")
		}
		v, err = cf.client().ProposeMatch(c, accord.MatchProposal{Need: pos[0], Resource: pos[1], Note: *note})
	case "set":
		if len(pos) != 2 {
			return usageErr(stderr, "match set", "give a match id and a status (accepted, declined or completed)")
		}
		v, err = cf.client().SetMatch(c, pos[0], accord.MatchChange{Status: pos[1], Note: *note})
	default:
		return usageErr(stderr, "match", fmt.Sprintf("unknown subcommand %q: use propose or set", args[0]))
	}
	if err != nil {
		return fail(stderr, "match "+args[0], err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	fmt.Fprintf(stdout, "%s: %s for %s is %s (score %d), log entry %d\n", v.ID, v.Resource, v.Need, v.Status, v.Score, v.Receipt.Index)
	return 0
}

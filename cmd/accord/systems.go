package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

func runFile(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("file", stderr)
	provider := fs.String("provider", "", "provider organization id (only when filing with the admin token)")
	key := fs.String("idempotency-key", "", "a unique key so that a retry never files twice (default: derived from the file's content)")
	quiet := fs.Bool("q", false, "print only the new system's id")
	fs.Usage = func() { fmt.Fprintln(stderr, "Usage: accord file [flags] FILE.json|FILE.yaml"); fs.PrintDefaults() }
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "file", "give one filing file (JSON or YAML; - for standard input)")
	}
	f, err := readFiling(pos[0])
	if err != nil {
		return fail(stderr, "file", err)
	}
	if _, err := f.Normalize(); err != nil {
		return fail(stderr, "file", err) // say what to fix before bothering the node
	}
	if *key == "" {
		c, _ := accord.Canonical(f)
		*key = "cli-" + shortHash(c)
	}
	c, cancel := ctx()
	defer cancel()
	v, err := cf.client().FileSystem(c, *provider, f, *key)
	if err != nil {
		return fail(stderr, "file", err)
	}
	switch {
	case cf.json:
		printJSON(stdout, v)
		return 0
	case *quiet:
		fmt.Fprintln(stdout, v.ID)
		return 0
	}
	fmt.Fprintf(stdout, "Filed %s version %d (%s)\n", v.ID, v.Version, v.Filing.TradeName.In("en"))
	printReceiptLine(stdout, v)
	return 0
}

func printReceiptLine(w io.Writer, v *registry.SystemView) {
	if v.Receipt != nil {
		fmt.Fprintf(w, "Log entry %d; receipt: accord receipt %s %d > receipt.json\n", v.Receipt.Index, v.ID, v.Version)
	}
	fmt.Fprintf(w, "ETag: %s\n", v.ETag())
}

func runUpdate(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("update", stderr)
	etag := fs.String("if-match", "", "ETag of the version the change is based on (default: the current version, read just before)")
	fs.Usage = func() { fmt.Fprintln(stderr, "Usage: accord update [flags] SYSTEM-ID FILE"); fs.PrintDefaults() }
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 2 {
		return usageErr(stderr, "update", "give the system id and the filing file")
	}
	f, err := readFiling(pos[1])
	if err != nil {
		return fail(stderr, "update", err)
	}
	if _, err := f.Normalize(); err != nil {
		return fail(stderr, "update", err)
	}
	c, cancel := ctx()
	defer cancel()
	cl := cf.client()
	if *etag == "" {
		cur, err := cl.System(c, pos[0])
		if err != nil {
			return fail(stderr, "update", err)
		}
		*etag = cur.ETag()
	}
	v, err := cl.UpdateSystem(c, pos[0], *etag, f)
	if err != nil {
		return fail(stderr, "update", err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	fmt.Fprintf(stdout, "Updated %s to version %d\n", v.ID, v.Version)
	printReceiptLine(stdout, v)
	return 0
}

func runWithdraw(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("withdraw", stderr)
	reason := fs.String("reason", "", "why the filing is withdrawn (required)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "withdraw", "give the system id")
	}
	if strings.TrimSpace(*reason) == "" {
		return usageErr(stderr, "withdraw", "--reason is required: say why the filing is withdrawn")
	}
	c, cancel := ctx()
	defer cancel()
	v, err := cf.client().WithdrawSystem(c, pos[0], *reason)
	if err != nil {
		return fail(stderr, "withdraw", err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	fmt.Fprintf(stdout, "Withdrew %s (version %d)\n", v.ID, v.Version)
	printReceiptLine(stdout, v)
	return 0
}

func runGet(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("get", stderr)
	version := fs.Int("version", 0, "show this version instead of the current one")
	lang := fs.String("lang", "en", "preferred language for texts")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "get", "give the system id")
	}
	c, cancel := ctx()
	defer cancel()
	cl := cf.client()
	var v *registry.SystemView
	if *version > 0 {
		v, err = cl.SystemVersion(c, pos[0], *version)
	} else {
		v, err = cl.System(c, pos[0])
	}
	if err != nil {
		return fail(stderr, "get", err)
	}
	if cf.json {
		printJSON(stdout, v)
		return 0
	}
	// A system names its provider by id; people know it by name, as search shows it.
	provider := v.Provider
	if o, err := cl.Organization(c, v.Provider); err != nil {
		fmt.Fprintf(stderr, "accord get: the provider's name is unavailable: %v\n", err)
	} else if name := o.Name.In(*lang); name != "" {
		provider = name + " (" + v.Provider + ")"
	}
	f := v.Filing
	t := table(stdout)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(t, "%s\t%s\n", k, v)
		}
	}
	row("System", v.ID)
	row("Name", f.TradeName.In(*lang))
	row("Provider", provider)
	if v.HomeNode != nil {
		row("Held by", fmt.Sprintf("member %s, at %s (mirrored here from its log, read-only)", v.HomeNode.Member, v.HomeNode.URL))
	}
	row("Version", fmt.Sprintf("%d (system version %s)", v.Version, f.SystemVersion))
	row("Status", v.Status)
	row("Purpose", f.IntendedPurpose.In(*lang))
	row("Operating logic", f.OperatingLogic.In(*lang))
	row("Domains", strings.Join(f.Domains, ", "))
	row("Algorithm types", strings.Join(f.AlgorithmTypes, ", "))
	row("Countries", strings.Join(f.DeploymentCountries, ", "))
	row("Regions", strings.Join(f.DeploymentRegions, ", "))
	row("Deployers", strings.Join(f.DeployerKinds, ", "))
	row("Affected", strings.Join(f.AffectedPersons, ", "))
	row("Languages", strings.Join(f.TradeName.Tags(), ", "))
	row("Confidential", strings.Join(f.Confidential, ", "))
	row("Updated", v.Updated.UTC().Format("2006-01-02 15:04 UTC"))
	t.Flush()
	return 0
}

func runVersions(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("versions", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "versions", "give the system id")
	}
	c, cancel := ctx()
	defer cancel()
	vs, err := cf.client().Versions(c, pos[0])
	if err != nil {
		return fail(stderr, "versions", err)
	}
	if cf.json {
		printJSON(stdout, vs)
		return 0
	}
	t := table(stdout)
	fmt.Fprintln(t, "VERSION\tEVENT\tTIME\tBY\tSTATUS\tSYSTEM VERSION\tLOG INDEX")
	for _, v := range vs {
		fmt.Fprintf(t, "%d\t%s\t%s\t%s\t%s\t%s\t%d\n", v.Version, v.Event, v.Time, v.By, v.Filing.Status, v.Filing.SystemVersion, v.LogIndex)
	}
	t.Flush()
	return 0
}

func runSearch(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("search", stderr)
	var q accord.SystemQuery
	fs.StringVar(&q.Country, "country", "", "deployed in this country (ISO code)")
	fs.StringVar(&q.Domain, "domain", "", "domain code or area")
	fs.StringVar(&q.Provider, "provider", "", "provider organization id")
	fs.StringVar(&q.Status, "status", "", "status")
	fs.StringVar(&q.Framework, "framework", "", "a framework that applies (pack id, e.g. eu-ai-act)")
	fs.StringVar(&q.Tier, "tier", "", "tier: with --framework that pack's tier, alone the baseline level (e.g. high)")
	fs.StringVar(&q.Node, "node", "", "the member holding the systems: a peer's name, or this node's")
	fs.StringVar(&q.Cursor, "cursor", "", "page cursor from a previous search")
	fs.IntVar(&q.Limit, "limit", 20, "results per page (1-100)")
	lang := fs.String("lang", "en", "preferred language for names")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	q.Q = strings.Join(pos, " ")
	c, cancel := ctx()
	defer cancel()
	p, err := cf.client().Search(c, q)
	if err != nil {
		return fail(stderr, "search", err)
	}
	if cf.json {
		printJSON(stdout, p)
		return 0
	}
	if len(p.Systems) == 0 {
		fmt.Fprintln(stdout, "No systems found.")
		return 0
	}
	t := table(stdout)
	fmt.Fprintln(t, "ID\tNAME\tPROVIDER\tHELD BY\tSTATUS\tLEVEL\tCOUNTRIES\tDOMAINS")
	for _, s := range p.Systems {
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, clip(s.TradeName.In(*lang), 40), clip(s.ProviderName.In(*lang), 30), clip(s.Home, 30), s.Status, s.Level, clip(strings.Join(s.DeploymentCountries, ","), 20), clip(strings.Join(s.Domains, ","), 40))
	}
	t.Flush()
	if p.Next != "" {
		fmt.Fprintf(stdout, "More: --cursor %s\n", p.Next)
	}
	return 0
}

func runReceipt(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("receipt", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 2 {
		return usageErr(stderr, "receipt", "give the system id and the version number")
	}
	n, err := strconv.Atoi(pos[1])
	if err != nil || n < 1 {
		return usageErr(stderr, "receipt", "the version must be a number (1, 2, …)")
	}
	c, cancel := ctx()
	defer cancel()
	r, err := cf.client().Receipt(c, pos[0], n)
	if err != nil {
		return fail(stderr, "receipt", err)
	}
	printJSON(stdout, r) // a receipt is always JSON: it is a file to keep
	return 0
}

func runVocabularies(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("vocabularies", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	vocabs := map[string]accord.Vocabulary{
		"domains": accord.Domains, "algorithm_types": accord.AlgorithmTypes, "deployer_kinds": accord.DeployerKinds, "roles": accord.Roles,
		"affected_persons": accord.AffectedPersons, "statuses": accord.Statuses, "personal_data": accord.PersonalDataCategories,
		"document_kinds": accord.DocumentKinds, "organization_kinds": accord.OrganizationKinds, "localities": accord.Localities,
	}
	if len(pos) == 1 {
		v, ok := vocabs[pos[0]]
		if !ok {
			return usageErr(stderr, "vocabularies", fmt.Sprintf("no vocabulary %q", pos[0]))
		}
		vocabs = map[string]accord.Vocabulary{pos[0]: v}
	}
	if cf.json {
		printJSON(stdout, vocabs)
		return 0
	}
	for _, name := range []string{"domains", "algorithm_types", "deployer_kinds", "affected_persons", "statuses", "personal_data", "document_kinds", "organization_kinds", "localities"} {
		v, ok := vocabs[name]
		if !ok {
			continue
		}
		fmt.Fprintf(stdout, "%s:\n", name)
		t := table(stdout)
		for _, term := range v {
			fmt.Fprintf(t, "  %s\t%s\t%s\n", term.Code, term.Label, term.Source)
		}
		t.Flush()
	}
	return 0
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/accord-gov/accord"
)

func runOrg(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageErr(stderr, "org", "give a subcommand: register, list or get")
	}
	switch args[0] {
	case "register":
		return orgRegister(args[1:], stdout, stderr)
	case "list":
		return orgList(args[1:], stdout, stderr)
	case "get":
		return orgGet(args[1:], stdout, stderr)
	}
	return usageErr(stderr, "org", fmt.Sprintf("unknown subcommand %q: use register, list or get", args[0]))
}

func orgRegister(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("org register", stderr)
	var o accord.NewOrganization
	name := fs.String("name", "", "the organization's name (required); add other languages with --name-LANG, e.g. via a file")
	fs.StringVar(&o.Kind, "kind", "provider", "provider, deployer or authority")
	fs.StringVar(&o.Country, "country", "", "ISO 3166-1 alpha-2 country code (required)")
	fs.StringVar(&o.Contact.Email, "email", "", "contact e-mail")
	fs.StringVar(&o.Contact.Website, "website", "", "website URL")
	fs.StringVar(&o.Contact.Address, "address", "", "postal address")
	lang := fs.String("lang", "en", "language of --name")
	file := fs.String("file", "", "read the organization from a JSON or YAML file instead of flags")
	quiet := fs.Bool("q", false, "print only the new organization's token")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *file != "" {
		if err := readStrict(*file, &o, "organization"); err != nil {
			return fail(stderr, "org register", err)
		}
	} else if *name != "" {
		o.Name = accord.Text{*lang: *name}
	}
	if _, err := o.Normalize(); err != nil {
		return fail(stderr, "org register", err)
	}
	c, cancel := ctx()
	defer cancel()
	r, err := cf.client().RegisterOrganization(c, o)
	if err != nil {
		return fail(stderr, "org register", err)
	}
	switch {
	case cf.json:
		printJSON(stdout, r)
		return 0
	case *quiet:
		fmt.Fprintln(stdout, r.Token.Secret)
		return 0
	}
	fmt.Fprintf(stdout, "Registered %s (%s, %s, %s)\nToken (shown once, keep it safe):\n\n    %s\n\n", r.Organization.ID, r.Organization.Name.In("en"), r.Organization.Kind, r.Organization.Country, r.Token.Secret)
	return 0
}

func orgList(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("org list", stderr)
	var q accord.OrganizationQuery
	fs.StringVar(&q.Kind, "kind", "", "provider, deployer or authority")
	fs.StringVar(&q.Country, "country", "", "country code")
	fs.StringVar(&q.Cursor, "cursor", "", "page cursor")
	fs.IntVar(&q.Limit, "limit", 50, "results per page (1-100)")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	p, err := cf.client().Organizations(c, q)
	if err != nil {
		return fail(stderr, "org list", err)
	}
	if cf.json {
		printJSON(stdout, p)
		return 0
	}
	t := table(stdout)
	fmt.Fprintln(t, "ID\tNAME\tKIND\tCOUNTRY")
	for _, o := range p.Organizations {
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", o.ID, clip(o.Name.In("en"), 50), o.Kind, o.Country)
	}
	t.Flush()
	if p.Next != "" {
		fmt.Fprintf(stdout, "More: --cursor %s\n", p.Next)
	}
	return 0
}

func orgGet(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("org get", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "org get", "give the organization id")
	}
	c, cancel := ctx()
	defer cancel()
	o, err := cf.client().Organization(c, pos[0])
	if err != nil {
		return fail(stderr, "org get", err)
	}
	if cf.json {
		printJSON(stdout, o)
		return 0
	}
	t := table(stdout)
	fmt.Fprintf(t, "Organization\t%s\nKind\t%s\nCountry\t%s\n", o.ID, o.Kind, o.Country)
	for _, tag := range o.Name.Tags() {
		fmt.Fprintf(t, "Name (%s)\t%s\n", tag, o.Name[tag])
	}
	for k, v := range map[string]string{"E-mail": o.Contact.Email, "Website": o.Contact.Website, "Address": o.Contact.Address} {
		if v != "" {
			fmt.Fprintf(t, "%s\t%s\n", k, v)
		}
	}
	t.Flush()
	return 0
}

func runToken(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageErr(stderr, "token", "give a subcommand: issue, list or revoke")
	}
	sub := args[0]
	fs, cf := newClientFlags("token "+sub, stderr)
	label := fs.String("label", "", "a name for the new token")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	cl := cf.client()
	switch sub {
	case "issue":
		if len(pos) != 1 {
			return usageErr(stderr, "token issue", "give the organization id")
		}
		t, err := cl.IssueToken(c, pos[0], *label)
		if err != nil {
			return fail(stderr, "token issue", err)
		}
		if cf.json {
			printJSON(stdout, t)
			return 0
		}
		fmt.Fprintf(stdout, "Token %s for %s (shown once, keep it safe):\n\n    %s\n\n", t.Token.ID, t.Token.Org, t.Secret)
	case "list":
		if len(pos) != 1 {
			return usageErr(stderr, "token list", "give the organization id")
		}
		ts, err := cl.Tokens(c, pos[0])
		if err != nil {
			return fail(stderr, "token list", err)
		}
		if cf.json {
			printJSON(stdout, ts)
			return 0
		}
		t := table(stdout)
		fmt.Fprintln(t, "ID\tLABEL\tCREATED\tREVOKED")
		for _, tok := range ts {
			rev := ""
			if tok.Revoked != nil {
				rev = tok.Revoked.UTC().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", tok.ID, tok.Label, tok.Created.UTC().Format("2006-01-02 15:04"), rev)
		}
		t.Flush()
	case "revoke":
		if len(pos) != 2 {
			return usageErr(stderr, "token revoke", "give the organization id and the token id")
		}
		if err := cl.RevokeToken(c, pos[0], pos[1]); err != nil {
			return fail(stderr, "token revoke", err)
		}
		fmt.Fprintf(stdout, "Revoked %s\n", pos[1])
	default:
		return usageErr(stderr, "token", fmt.Sprintf("unknown subcommand %q: use %s", sub, strings.Join([]string{"issue", "list", "revoke"}, ", ")))
	}
	return 0
}

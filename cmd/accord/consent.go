package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/consent"
)

// accord consent: data-subject control (docs/CONSENT.md).

func init() {
	commands["consent"] = command{"data-subject consent: notices, grants, withdrawals, checks, receipts", runConsent}
}

const consentSubs = "notice, notices, grant, narrow, withdraw, object, check, history, export, erase, keys, verify-receipt, records or stats"

func runConsent(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageErr(stderr, "consent", "give a subcommand: "+consentSubs)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "notice":
		return consentNotice(rest, stdout, stderr)
	case "notices":
		return consentNotices(rest, stdout, stderr)
	case "grant", "narrow", "withdraw", "object":
		return consentEvent(sub, rest, stdout, stderr)
	case "check":
		return consentCheck(rest, stdout, stderr)
	case "history":
		return consentHistory(rest, stdout, stderr)
	case "export":
		return consentExport(rest, stdout, stderr)
	case "erase":
		return consentErase(rest, stdout, stderr)
	case "keys":
		return consentKeys(rest, stdout, stderr)
	case "verify-receipt":
		return consentVerify(rest, stdout, stderr)
	case "records":
		return consentRecords(rest, stdout, stderr)
	case "stats":
		return consentStats(rest, stdout, stderr)
	}
	return usageErr(stderr, "consent", fmt.Sprintf("unknown subcommand %q: use %s", sub, consentSubs))
}

// consentNotice shows a system's notice, or publishes one from a file.
func consentNotice(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("consent notice", stderr)
	file := fs.String("publish", "", "publish the notice in this JSON or YAML file (- for stdin) as the system's next version")
	version := fs.Int("version", 0, "show this version (default: the current one)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord consent notice SYSTEM [--version N]\n       accord consent notice SYSTEM --publish FILE --token TOKEN\n\nShows a system's consent notice, or publishes a new version (its provider).\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "consent notice", "give the system's id")
	}
	c, cancel := ctx()
	defer cancel()
	if *file != "" {
		var data []byte
		if *file == "-" {
			data, err = io.ReadAll(io.LimitReader(os.Stdin, maxFilingBytes+1))
		} else {
			data, err = os.ReadFile(*file)
		}
		if err != nil {
			return fail(stderr, "consent notice", err)
		}
		var n accord.NewConsentNotice
		if err := decodeDoc(*file, data, &n, "consent notice"); err != nil {
			return fail(stderr, "consent notice", err)
		}
		res, err := cf.client().PublishConsentNotice(c, pos[0], n)
		if err != nil {
			return fail(stderr, "consent notice", err)
		}
		if cf.json {
			printJSON(stdout, res)
			return 0
		}
		fmt.Fprintf(stdout, "Published notice version %d of %s (%d purposes); log entry %d, token %s.\n", res.Notice.Version, res.Notice.System, len(res.Notice.Purposes), res.Receipt.Index, res.Token)
		return 0
	}
	n, err := cf.client().ConsentNotice(c, pos[0], *version)
	if err != nil {
		return fail(stderr, "consent notice", err)
	}
	if cf.json {
		printJSON(stdout, n)
		return 0
	}
	fmt.Fprintf(stdout, "%s notice version %d (provider %s, published %s), for %s\n\n%s\n\n", n.System, n.Version, n.Provider, n.Published.Format(time.DateOnly), strings.Join(n.Jurisdictions, ", "), n.Text.In("en"))
	tw := table(stdout)
	fmt.Fprintln(tw, "PURPOSE\tDPV\tLEGAL BASIS\tDATA")
	for _, p := range n.Purposes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ID, p.DPV, p.LegalBasis, strings.Join(p.DataCategories, " "))
	}
	tw.Flush()
	return 0
}

func consentNotices(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("consent notices", stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	ns, err := cf.client().ConsentNotices(c)
	if err != nil {
		return fail(stderr, "consent notices", err)
	}
	if cf.json {
		printJSON(stdout, ns)
		return 0
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "SYSTEM\tPROVIDER\tVERSION\tPURPOSES")
	for _, n := range ns {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", n.System, n.Provider, n.Version, purposeList(n))
	}
	tw.Flush()
	return 0
}

func purposeList(n accord.ConsentNotice) string {
	ids := make([]string, len(n.Purposes))
	for i, p := range n.Purposes {
		ids[i] = p.ID
	}
	return strings.Join(ids, ", ")
}

// subjectFlag reads the subject identifier from --subject or ACCORD_SUBJECT.
func subjectFlag(fs interface {
	StringVar(*string, string, string, string)
}, v *string) {
	fs.StringVar(v, "subject", env("ACCORD_SUBJECT", ""), "the person's identifier: key:SECRET (yourself) or email:ADDRESS (a provider, with --token) (env ACCORD_SUBJECT)")
}

func consentEvent(action string, args []string, stdout, stderr io.Writer) int {
	name := "consent " + action
	fs, cf := newClientFlags(name, stderr)
	var req accord.ConsentRequest
	req.Action = action
	subjectFlag(fs, &req.Subject)
	fs.StringVar(&req.System, "system", "", "the system")
	fs.StringVar(&req.Provider, "provider", "", "all systems of this provider (withdraw, object)")
	fs.StringVar(&req.Domain, "domain", "", "all systems in this domain (withdraw, object)")
	fs.StringVar(&req.Purpose, "purpose", "", "the purpose id (or a DPV term, or * for withdraw and object)")
	fs.IntVar(&req.NoticeVersion, "notice-version", 0, "the notice version read (grant, narrow)")
	fs.StringVar(&req.Language, "language", "", "the language the notice was read in (grant, narrow)")
	fs.StringVar(&req.Role, "role", "", "subject (default) or guardian")
	fs.StringVar(&req.ConsentType, "consent-type", "", "expressed (default) or explicit")
	fs.BoolVar(&req.Separate, "separate", false, "a separate consent (PIPL)")
	fs.IntVar(&req.Age, "age", 0, "the subject's age, if declared")
	fs.StringVar(&req.Country, "country", "", "the subject's country, if declared")
	data := fs.String("data", "", "narrow: the data categories kept, comma-separated")
	expires := fs.String("expires", "", "the grant ends at this RFC 3339 time")
	gpc := fs.Bool("gpc", false, "send Sec-GPC: 1 (a machine-readable signal)")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *data != "" {
		req.DataCategories = strings.Split(*data, ",")
	}
	if *expires != "" {
		t, err := time.Parse(time.RFC3339, *expires)
		if err != nil {
			return usageErr(stderr, name, "--expires: not an RFC 3339 time")
		}
		req.Expires = &t
	}
	c, cancel := ctx()
	defer cancel()
	w, err := cf.client().RecordConsent(c, req, *gpc)
	if err != nil {
		return fail(stderr, name, err)
	}
	if cf.json {
		printJSON(stdout, w)
		return 0
	}
	fmt.Fprintf(stdout, "Recorded %s %s (subject %s); log entry %d.\nConsistency token: %s\n", w.Event.Action, w.Event.ID, w.Event.Subject, w.Receipt.Index, w.Token)
	return 0
}

func consentCheck(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("consent check", stderr)
	var chk accord.ConsentCheck
	subjectFlag(fs, &chk.Subject)
	fs.StringVar(&chk.System, "system", "", "the system (required)")
	fs.StringVar(&chk.Purpose, "purpose", "", "the purpose id (required)")
	fs.StringVar(&chk.Data, "data", "", "a data category the use needs")
	token := fs.String("consistency-token", "", "a consistency token a write returned: the answer sees that write")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	d, err := cf.client().CheckConsent(c, chk, *token)
	if err != nil {
		return fail(stderr, "consent check", err)
	}
	if cf.json {
		printJSON(stdout, d)
	} else {
		verdict := "deny"
		if d.Allow {
			verdict = "allow"
		}
		fmt.Fprintf(stdout, "%s (%s) — %s %s for %s, at %s\n", verdict, d.Reason, d.System, d.Purpose, d.Subject, d.Token)
		for _, e := range d.Events {
			fmt.Fprintf(stdout, "  decided by %s %s (log entry %d, %s)\n", e.Action, e.ID, e.Seq, e.Time.Format(time.RFC3339))
		}
	}
	if !d.Allow {
		return 3 // scripts can branch on it
	}
	return 0
}

func consentHistory(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("consent history", stderr)
	var subject string
	subjectFlag(fs, &subject)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	h, err := cf.client().ConsentHistory(c, subject)
	if err != nil {
		return fail(stderr, "consent history", err)
	}
	if cf.json {
		printJSON(stdout, h)
		return 0
	}
	fmt.Fprintf(stdout, "subject %s\n", h.Subject)
	tw := table(stdout)
	fmt.Fprintln(tw, "TIME\tACTION\tSCOPE\tPURPOSE\tLOG")
	for _, e := range h.Events {
		scope := e.System
		if e.Provider != "" {
			scope = "provider " + e.Provider
		} else if e.Domain != "" {
			scope = "domain " + e.Domain
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", e.Time.Format(time.RFC3339), e.Action, scope, e.Purpose, e.Seq)
	}
	tw.Flush()
	return 0
}

func consentExport(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("consent export", stderr)
	var subject string
	subjectFlag(fs, &subject)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	rs, err := cf.client().ConsentReceipts(c, subject)
	if err != nil {
		return fail(stderr, "consent export", err)
	}
	printJSON(stdout, rs)
	return 0
}

func consentErase(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("consent erase", stderr)
	var subject string
	subjectFlag(fs, &subject)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	er, err := cf.client().EraseConsent(c, subject)
	if err != nil {
		return fail(stderr, "consent erase", err)
	}
	if cf.json {
		printJSON(stdout, er)
		return 0
	}
	fmt.Fprintf(stdout, "Erased %d events of %s; log entry %d (consent.erased).\n", er.Events, er.Subject, er.Receipt.Index)
	return 0
}

// consentVerify checks receipts offline: no request is made.
func consentVerify(args []string, stdout, stderr io.Writer) int {
	fs, _ := newClientFlags("consent verify-receipt", stderr)
	key := fs.String("key", "", "the node's consent key (GET /v1/consent/key: consent_key) (required)")
	logKey := fs.String("log-key", "", "the node's log key, to check each receipt's log proof too")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord consent verify-receipt FILE --key CONSENT_KEY [--log-key LOG_KEY]\n\nChecks one receipt or an export of receipts offline: the consent key's\nsignature, the commitment to the event, and with --log-key the log proof.\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *key == "" {
		return usageErr(stderr, "consent verify-receipt", "give the receipt file and --key")
	}
	var data []byte
	if pos[0] == "-" {
		data, err = io.ReadAll(io.LimitReader(os.Stdin, 64<<20))
	} else {
		data, err = os.ReadFile(pos[0])
	}
	if err != nil {
		return fail(stderr, "consent verify-receipt", err)
	}
	rs, err := consent.ParseReceipts(data)
	if err != nil {
		return fail(stderr, "consent verify-receipt", fmt.Errorf("%s: not a consent receipt or a list of them: %w", pos[0], err))
	}
	bad := 0
	for _, rc := range rs {
		if err := consent.VerifyReceipt(rc, *key, *logKey); err != nil {
			fmt.Fprintf(stdout, "FAIL %s: %v\n", rc.ConsentReceiptID, err)
			bad++
			continue
		}
		fmt.Fprintf(stdout, "ok   %s: %s %s %s at %s, log entry %d\n", rc.ConsentReceiptID, rc.Accord.Event.Action, rc.Accord.Event.System+rc.Accord.Event.Provider+rc.Accord.Event.Domain, rc.Accord.Event.Purpose, rc.Accord.Event.Time.Format(time.RFC3339), rc.Accord.LogIndex)
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "accord consent verify-receipt: %d of %d receipts do not verify\n", bad, len(rs))
		return 1
	}
	return 0
}

func consentRecords(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("consent records", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "consent records", "give the provider's organization id")
	}
	c, cancel := ctx()
	defer cancel()
	rs, err := cf.client().ProcessingRecords(c, pos[0])
	if err != nil {
		return fail(stderr, "consent records", err)
	}
	if cf.json {
		printJSON(stdout, rs)
		return 0
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "SYSTEM\tPURPOSE\tDPV\tLEGAL BASIS\tDATA\tRECIPIENTS\tTRANSFERS\tRETENTION")
	for _, r := range rs {
		var tr []string
		for _, t := range r.Transfers {
			tr = append(tr, t.Country+" "+t.Recipient)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.System, r.Purpose, r.PurposeTerm, r.LegalBasis, strings.Join(r.DataCategories, " "), strings.Join(r.Recipients, "; "), strings.Join(tr, "; "), r.Retention)
	}
	tw.Flush()
	return 0
}

func consentStats(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("consent stats", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "consent stats", "give the system's id")
	}
	c, cancel := ctx()
	defer cancel()
	st, err := cf.client().ConsentStats(c, pos[0])
	if err != nil {
		return fail(stderr, "consent stats", err)
	}
	printJSON(stdout, st)
	return 0
}

// consentKeys prints the keys receipts verify against (pin them: a
// receipt checked against keys fetched with it proves less).
func consentKeys(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("consent keys", stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	k, err := cf.client().ConsentKeys(c)
	if err != nil {
		return fail(stderr, "consent keys", err)
	}
	if cf.json {
		printJSON(stdout, k)
		return 0
	}
	fmt.Fprintf(stdout, "consent key\t%s\nlog key\t%s\nmax staleness\t%d ms\n", k.ConsentKey, k.LogKey, k.MaxStalenessMS)
	return 0
}

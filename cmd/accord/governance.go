package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/governance"
)

// accord governance: the charter, proposals, comments, ballots, tallies.

func init() {
	commands["governance"] = command{"rule-making by consensus: charter, proposals, votes, tallies", runGovernance}
}

const governanceUsage = `Usage: accord governance SUBCOMMAND …

  keygen --member ID --out FILE        make a member's vote key (prints its verifier key)
  charter sign FILE --key KEYFILE      sign a charter with a vote key (prints the signed note)
  charter install FILE --sig FILE …    install a charter at the node (admin token)
  charter show                         the charter in force
  propose --pack ID --yaml FILE --title en=… --rationale en=… [--kind K]
                                       file a proposal for the node's member (admin token)
  proposals                            the proposals the node holds
  show PROPOSAL                        a proposal, its status and live tally
  wait PROPOSAL [--status S] [--in-force] [--timeout 1m]
                                       wait until the node holds it (with status S; loaded)
  diff PROPOSAL                        the proposal as a rule-by-rule diff
  impact PROPOSAL [--country CC] [--to TIER]
                                       which systems the proposal would move (waits for the preview)
  comment PROPOSAL --text en=… [--parent C]
  vote PROPOSAL --choice approve|disapprove|abstain --key KEYFILE [--reason en=…] [--opt-out]
                                       sign and cast the member's ballot (admin token)
  verify PROPOSAL --charter FILE       check an adoption's signatures against the charter, offline
  tally PROPOSAL --charter FILE [--log-key VKEY …]
                                       recompute the result offline from the members' logs`

func runGovernance(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, governanceUsage)
		return 2
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "keygen":
		return govKeygen(rest, stdout, stderr)
	case "charter":
		if len(rest) == 0 {
			return usageErr(stderr, "governance charter", "give a subcommand: sign, install or show")
		}
		switch rest[0] {
		case "sign":
			return govCharterSign(rest[1:], stdout, stderr)
		case "install":
			return govCharterInstall(rest[1:], stdout, stderr)
		case "show":
			return govCharterShow(rest[1:], stdout, stderr)
		}
		return usageErr(stderr, "governance charter", fmt.Sprintf("unknown subcommand %q: use sign, install or show", rest[0]))
	case "propose":
		return govPropose(rest, stdout, stderr)
	case "proposals":
		return govProposals(rest, stdout, stderr)
	case "show":
		return govShow(rest, stdout, stderr)
	case "wait":
		return govWait(rest, stdout, stderr)
	case "diff":
		return govDiff(rest, stdout, stderr)
	case "impact":
		return govImpact(rest, stdout, stderr)
	case "comment":
		return govComment(rest, stdout, stderr)
	case "vote":
		return govVote(rest, stdout, stderr)
	case "tally":
		return govTally(rest, stdout, stderr)
	case "verify":
		return govVerify(rest, stdout, stderr)
	}
	fmt.Fprintln(stderr, governanceUsage)
	return usageErr(stderr, "governance", fmt.Sprintf("unknown subcommand %q", sub))
}

// textFlag collects a multilingual text from repeated LANG=TEXT flags.
type textFlag accord.Text

func (t *textFlag) String() string { return "" }
func (t *textFlag) Set(v string) error {
	lang, text, ok := strings.Cut(v, "=")
	if !ok || lang == "" {
		return fmt.Errorf("%q: write LANG=TEXT, e.g. en=Narrow the AEDT rule", v)
	}
	if *t == nil {
		*t = textFlag{}
	}
	(*t)[lang] = text
	return nil
}

// listFlag collects repeated values.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func govKeygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("governance keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	member := fs.String("member", "", "the member id the key signs for (required)")
	out := fs.String("out", "", "file to write the secret key to, mode 0600 (required)")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *member == "" || *out == "" {
		return usageErr(stderr, "governance keygen", "give --member ID and --out FILE")
	}
	skey, vkey, err := governance.GenerateVoteKey(*member)
	if err != nil {
		return fail(stderr, "governance keygen", err)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fail(stderr, "governance keygen", fmt.Errorf("--out: %w (an existing key is never overwritten)", err))
	}
	if _, err := fmt.Fprintln(f, skey); err != nil {
		f.Close()
		return fail(stderr, "governance keygen", err)
	}
	if err := f.Close(); err != nil {
		return fail(stderr, "governance keygen", err)
	}
	fmt.Fprintln(stdout, vkey)
	return 0
}

func readVoteKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--key: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func govCharterSign(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("governance charter sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "the member's vote key file (required)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *keyFile == "" {
		return usageErr(stderr, "governance charter sign", "give the charter file and --key KEYFILE")
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return fail(stderr, "governance charter sign", err)
	}
	c, err := governance.ParseCharter(data)
	if err != nil {
		return fail(stderr, "governance charter sign", err)
	}
	h, err := c.Hash()
	if err != nil {
		return fail(stderr, "governance charter sign", err)
	}
	key, err := readVoteKey(*keyFile)
	if err != nil {
		return fail(stderr, "governance charter sign", err)
	}
	sig, err := governance.Sign(key, accord.CharterNoteText(c.Version, h))
	if err != nil {
		return fail(stderr, "governance charter sign", err)
	}
	fmt.Fprint(stdout, sig)
	return 0
}

func govCharterInstall(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("governance charter install", stderr)
	var sigs listFlag
	fs.Var(&sigs, "sig", "a file holding a member's signature (accord governance charter sign); repeat for each")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "governance charter install", "give the charter file")
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return fail(stderr, "governance charter install", err)
	}
	req := accord.CharterInstall{Charter: string(data)}
	for _, s := range sigs {
		b, err := os.ReadFile(s)
		if err != nil {
			return fail(stderr, "governance charter install", fmt.Errorf("--sig: %w", err))
		}
		req.Signatures = append(req.Signatures, string(b))
	}
	c, cancel := ctx()
	defer cancel()
	res, err := cf.client().InstallCharter(c, req)
	if err != nil {
		return fail(stderr, "governance charter install", err)
	}
	if cf.json {
		printJSON(stdout, res)
		return 0
	}
	fmt.Fprintf(stdout, "Installed %s; log entry %d.\n", res.ID, res.Receipts[0].Index)
	return 0
}

func govCharterShow(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("governance charter show", stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	sc, err := cf.client().Charter(c)
	if err != nil {
		return fail(stderr, "governance charter show", err)
	}
	if cf.json {
		printJSON(stdout, sc)
		return 0
	}
	fmt.Fprintf(stdout, "%s, version %d (sha256 %s), signed by %s\n\n", sc.Charter.Title, sc.Charter.Version, sc.Hash, strings.Join(sc.Signers, ", "))
	tw := table(stdout)
	fmt.Fprintln(tw, "MEMBER\tNAME\tCOUNTRY\tNODE")
	for _, m := range sc.Charter.Members {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.ID, m.Name, m.Country, m.URL)
	}
	tw.Flush()
	fmt.Fprintln(stdout)
	tw = table(stdout)
	fmt.Fprintln(tw, "DECISION\tCOMMENTS\tVOTING\tQUORUM\tAPPROVE ≥\tDISAPPROVE ≤\tOPT-OUT")
	for _, k := range accord.DecisionKinds {
		r := sc.Charter.Rules[k]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%v\n", k, r.CommentPeriod, r.VotingPeriod, r.Quorum, r.Approve, r.MaxDisapprove, r.OptOut)
	}
	tw.Flush()
	return 0
}

func govPropose(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("governance propose", stderr)
	var req accord.NewProposal
	var title, rationale textFlag
	fs.StringVar(&req.Kind, "kind", accord.KindAmendPack, "amend-pack, add-pack or retire-pack")
	fs.StringVar(&req.Pack, "pack", "", "the pack's id (default: the proposed pack's)")
	fs.StringVar(&req.BaseHash, "base", "", "the hash of the version in force it amends (default: the node's)")
	yamlFile := fs.String("yaml", "", "the whole proposed version of the pack (YAML file)")
	fs.Var(&title, "title", "title as LANG=TEXT; repeat for each language")
	fs.Var(&rationale, "rationale", "rationale as LANG=TEXT; repeat for each language")
	quiet := fs.Bool("q", false, "print only the proposal's id")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	req.Title, req.Rationale = accord.Text(title), accord.Text(rationale)
	if *yamlFile != "" {
		b, err := os.ReadFile(*yamlFile)
		if err != nil {
			return fail(stderr, "governance propose", fmt.Errorf("--yaml: %w", err))
		}
		req.PackYAML = string(b)
	}
	c, cancel := ctx()
	defer cancel()
	cl := cf.client()
	if req.BaseHash == "" && req.Kind != accord.KindAddPack {
		id := req.Pack
		if id == "" && req.PackYAML != "" {
			id = packID(req.PackYAML)
		}
		if id != "" {
			if h, err := cl.FrameworkHash(c, id); err == nil {
				req.BaseHash = h
			}
		}
	}
	res, err := cl.Propose(c, req)
	if err != nil {
		return fail(stderr, "governance propose", err)
	}
	if cf.json {
		printJSON(stdout, res)
		return 0
	}
	if *quiet {
		fmt.Fprintln(stdout, res.ID)
		return 0
	}
	fmt.Fprintf(stdout, "Filed proposal %s; log entries %d–%d.\n", res.ID, res.Receipts[0].Index, res.Receipts[len(res.Receipts)-1].Index)
	return 0
}

// packID reads the id: line of a pack's YAML.
func packID(y string) string {
	for _, l := range strings.Split(y, "\n") {
		if v, ok := strings.CutPrefix(l, "id:"); ok {
			return strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return ""
}

func govProposals(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("governance proposals", stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	l, err := cf.client().Proposals(c)
	if err != nil {
		return fail(stderr, "governance proposals", err)
	}
	if cf.json {
		printJSON(stdout, l)
		return 0
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "ID\tKIND\tPACK\tPROPOSER\tSTATUS\tCLOSES\tTITLE")
	for _, p := range l.Proposals {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Kind, p.Pack, p.Proposer, p.Status, p.Closes, p.Title.In("en"))
	}
	tw.Flush()
	return 0
}

func govShow(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("governance show", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "governance show", "give the proposal id")
	}
	c, cancel := ctx()
	defer cancel()
	p, err := cf.client().Proposal(c, pos[0])
	if err != nil {
		return fail(stderr, "governance show", err)
	}
	if cf.json {
		printJSON(stdout, p)
		return 0
	}
	pc := p.Content
	fmt.Fprintf(stdout, "%s: %s\n", p.ID, pc.Title.In("en"))
	fmt.Fprintf(stdout, "  %s of %s (%s → %s), proposed by %s at %s #%d\n", pc.Kind, pc.Pack, pc.BaseVersion, pc.ProposedVersion, pc.Proposer, p.Origin, p.LogIndex)
	fmt.Fprintf(stdout, "  content sha256 %s\n", p.ContentHash)
	fmt.Fprintf(stdout, "  comments until %s, voting until %s; status %s", pc.CommentsClose, pc.Closes, p.Status)
	if p.InForce {
		fmt.Fprint(stdout, " (in force here)")
	}
	if p.OptedOut {
		fmt.Fprint(stdout, " (this member opted out: the previous version stays in force here)")
	}
	fmt.Fprintln(stdout)
	printTally(stdout, &p.Tally)
	if len(p.Decisions) > 0 {
		fmt.Fprintln(stdout, "  decisions logged:")
		for _, d := range p.Decisions {
			fmt.Fprintf(stdout, "    %s: %s (%d approve, %d disapprove, %d abstain) at %s #%d\n", d.Member, d.Outcome, d.Tally.Approve, d.Tally.Disapprove, d.Tally.Abstain, d.Origin, d.LogIndex)
		}
	}
	return 0
}

func printTally(w io.Writer, t *accord.Tally) {
	r := t.Rule
	fmt.Fprintf(w, "  rule: quorum %s of %d members casting a ballot (abstentions included); approve ≥ %s and disapprove ≤ %s of votes for or against (abstentions excluded); opt-out %v\n",
		r.Quorum, t.Members, r.Approve, r.MaxDisapprove, r.OptOut)
	fmt.Fprintf(w, "  tally: %d approve, %d disapprove, %d abstain; %d cast; quorum %v, approved %v, objected %v → passed %v\n",
		t.Approve, t.Disapprove, t.Abstain, t.Cast, t.Quorum, t.Approved, t.Objected, t.Passed)
	for _, v := range t.Counted {
		fmt.Fprintf(w, "    counted  %s %s (%s #%d, %s)\n", v.Member, v.Choice, v.Origin, v.LogIndex, v.Time)
	}
	for _, v := range t.Refused {
		fmt.Fprintf(w, "    refused  %s %s (%s #%d): %s\n", v.Member, v.Choice, v.Origin, v.LogIndex, v.Why)
	}
}

func govDiff(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("governance diff", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "governance diff", "give the proposal id")
	}
	c, cancel := ctx()
	defer cancel()
	d, err := cf.client().ProposalDiff(c, pos[0])
	if err != nil {
		return fail(stderr, "governance diff", err)
	}
	if cf.json {
		printJSON(stdout, d)
		return 0
	}
	fmt.Fprint(stdout, governance.DiffText(*d))
	return 0
}

func govComment(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("governance comment", stderr)
	var req accord.NewComment
	var text textFlag
	fs.Var(&text, "text", "the comment as LANG=TEXT; repeat for each language")
	fs.StringVar(&req.Parent, "parent", "", "the comment this one answers")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "governance comment", "give the proposal id")
	}
	req.Text = accord.Text(text)
	c, cancel := ctx()
	defer cancel()
	res, err := cf.client().Comment(c, pos[0], req)
	if err != nil {
		return fail(stderr, "governance comment", err)
	}
	if cf.json {
		printJSON(stdout, res)
		return 0
	}
	fmt.Fprintf(stdout, "Comment %s logged; entry %d.\n", res.ID, res.Receipts[0].Index)
	return 0
}

// SignBallot builds a member's signed ballot for a proposal.
func signBallot(ctx context.Context, cl *client.Client, id, keyFile, choice string, reasons accord.Text, optOut bool) (*accord.NewBallot, error) {
	key, err := readVoteKey(keyFile)
	if err != nil {
		return nil, err
	}
	member, _, _ := strings.Cut(strings.TrimPrefix(key, "PRIVATE+KEY+"), "+")
	p, err := cl.Proposal(ctx, id)
	if err != nil {
		return nil, err
	}
	note, err := governance.Sign(key, accord.BallotNoteText(id, p.ContentHash, member, choice, accord.TextHash(reasons), optOut))
	if err != nil {
		return nil, err
	}
	return &accord.NewBallot{Choice: choice, Reasons: reasons, OptOut: optOut, Note: note}, nil
}

func govVote(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("governance vote", stderr)
	choice := fs.String("choice", "", "approve, disapprove or abstain (required)")
	keyFile := fs.String("key", "", "the member's vote key file (required)")
	optOut := fs.Bool("opt-out", false, "with disapprove, where the rule allows it: keep the previous version for this member's jurisdiction")
	var reasons textFlag
	fs.Var(&reasons, "reason", "reasons as LANG=TEXT (required to disapprove); repeat for each language")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *choice == "" || *keyFile == "" {
		return usageErr(stderr, "governance vote", "give the proposal id, --choice and --key")
	}
	c, cancel := ctx()
	defer cancel()
	cl := cf.client()
	b, err := signBallot(c, cl, pos[0], *keyFile, *choice, accord.Text(reasons), *optOut)
	if err != nil {
		return fail(stderr, "governance vote", err)
	}
	res, err := cl.Vote(c, pos[0], *b)
	if err != nil {
		return fail(stderr, "governance vote", err)
	}
	if cf.json {
		printJSON(stdout, res)
		return 0
	}
	fmt.Fprintf(stdout, "Ballot (%s) on %s logged; entry %d.\n", *choice, pos[0], res.Receipts[0].Index)
	return 0
}

func govTally(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("governance tally", flag.ContinueOnError)
	fs.SetOutput(stderr)
	charterFile := fs.String("charter", "", "the charter the proposal was filed under (YAML; required)")
	asJSON := fs.Bool("json", false, "print JSON")
	var logKeys listFlag
	fs.Var(&logKeys, "log-key", "a member node's log verifier key, where the charter pins none; repeat")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *charterFile == "" {
		return usageErr(stderr, "governance tally", "give the proposal id and --charter FILE")
	}
	data, err := os.ReadFile(*charterFile)
	if err != nil {
		return fail(stderr, "governance tally", err)
	}
	ch, err := governance.ParseCharter(data)
	if err != nil {
		return fail(stderr, "governance tally", err)
	}
	keys := map[string]string{}
	for _, k := range logKeys {
		name, _, _ := strings.Cut(k, "+")
		keys[name] = k
	}
	c, cancel := ctx()
	defer cancel()
	fetch := func(ctx context.Context, base, path string) ([]byte, error) {
		return client.New(base, "").Get(ctx, path)
	}
	p, t, err := governance.OfflineTally(c, ch, pos[0], keys, fetch)
	if err != nil {
		return fail(stderr, "governance tally", err)
	}
	if *asJSON {
		printJSON(stdout, t)
		return 0
	}
	fmt.Fprintf(stdout, "%s: %s (recomputed from %d members' logs)\n", p.ID, p.Content.Title.In("en"), len(ch.Members))
	printTally(stdout, t)
	return 0
}

func govImpact(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("governance impact", stderr)
	country := fs.String("country", "", "only systems deployed in this country")
	to := fs.String("to", "", "only systems moving to this tier")
	limit := fs.Int("limit", 50, "how many moved systems to list")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "governance impact", "give the proposal id")
	}
	q := url.Values{}
	if *country != "" {
		q.Set("country", *country)
	}
	if *to != "" {
		q.Set("to", *to)
	}
	q.Set("limit", fmt.Sprint(*limit))
	c, cancel := ctx()
	defer cancel()
	var im *accord.Impact
	for {
		if im, err = cf.client().Impact(c, pos[0], q); err != nil {
			return fail(stderr, "governance impact", err)
		}
		if im.State == "done" {
			break
		}
		select {
		case <-c.Done():
			return fail(stderr, "governance impact", fmt.Errorf("the preview is still running: %d of %d systems", im.Done, im.Total))
		case <-time.After(200 * time.Millisecond):
		}
	}
	if cf.json {
		printJSON(stdout, im)
		return 0
	}
	fmt.Fprintf(stdout, "%s under %s, as of %s: %d systems classified, %d would move\n", im.Proposal, im.Pack, im.AsOf, im.Systems, im.Moved)
	tw := table(stdout)
	fmt.Fprintln(tw, "FROM\tTO\tCOUNTRY\tSYSTEMS")
	for _, m := range im.Moves {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", m.From, m.To, m.Country, m.Count)
	}
	tw.Flush()
	for o, n := range im.Gained {
		fmt.Fprintf(stdout, "  gains %s: %d systems\n", o, n)
	}
	for o, n := range im.Lost {
		fmt.Fprintf(stdout, "  loses %s: %d systems\n", o, n)
	}
	if len(im.List) > 0 {
		fmt.Fprintln(stdout)
		tw = table(stdout)
		fmt.Fprintln(tw, "SYSTEM\tNAME\tFROM\tTO\tCOUNTRIES")
		for _, s := range im.List {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Name.In("en"), s.From, s.To, strings.Join(s.Countries, ","))
		}
		tw.Flush()
	}
	return 0
}

func govWait(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("governance wait", stderr)
	status := fs.String("status", "", "wait for this status (comment, voting, closed, decided, adopted, rejected, disputed)")
	inForce := fs.Bool("in-force", false, "wait until this node loaded the adopted version")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "governance wait", "give the proposal id")
	}
	c, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	final := map[string]bool{accord.StatusAdopted: true, accord.StatusRejected: true, accord.StatusDisputed: true}
	last := "not at this node"
	for {
		p, err := cf.client().Proposal(c, pos[0])
		if err == nil {
			last = p.Status
			if (*status == "" || p.Status == *status) && (!*inForce || p.InForce) {
				fmt.Fprintf(stdout, "%s: %s\n", p.ID, p.Status)
				return 0
			}
			if final[p.Status] && *status != "" && p.Status != *status {
				return fail(stderr, "governance wait", fmt.Errorf("%s is %s, and will not become %s", p.ID, p.Status, *status))
			}
		} else if !isNotFound(err) {
			return fail(stderr, "governance wait", err)
		}
		select {
		case <-c.Done():
			return fail(stderr, "governance wait", fmt.Errorf("%s is still %s after %s", pos[0], last, *timeout))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func isNotFound(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.Status == 404
}

// govVerify checks every adoption a node holds for a proposal against a
// charter the caller holds: the approving members' signatures over their
// ballots, enough for the rule, and the proposed pack's hash.
func govVerify(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("governance verify", stderr)
	charterFile := fs.String("charter", "", "the charter the proposal was filed under (YAML; required)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *charterFile == "" {
		return usageErr(stderr, "governance verify", "give the proposal id and --charter FILE")
	}
	data, err := os.ReadFile(*charterFile)
	if err != nil {
		return fail(stderr, "governance verify", err)
	}
	ch, err := governance.ParseCharter(data)
	if err != nil {
		return fail(stderr, "governance verify", err)
	}
	c, cancel := ctx()
	defer cancel()
	p, err := cf.client().Proposal(c, pos[0])
	if err != nil {
		return fail(stderr, "governance verify", err)
	}
	h, _ := p.Content.Hash()
	if h != p.ContentHash {
		return fail(stderr, "governance verify", fmt.Errorf("the node's proposal content hashes to %s, not %s", h, p.ContentHash))
	}
	if ch2, _ := ch.Hash(); ch2 != p.Content.CharterHash {
		return fail(stderr, "governance verify", fmt.Errorf("%s was filed under charter sha256 %s; this charter is %s", p.ID, p.Content.CharterHash, ch2))
	}
	n := 0
	for _, d := range p.Decisions {
		if d.Outcome != accord.OutcomeAdopted {
			continue
		}
		if err := governance.VerifyAdoption(ch, &p.Proposal, d); err != nil {
			return fail(stderr, "governance verify", fmt.Errorf("the adoption logged by %s: %w", d.Member, err))
		}
		n++
		fmt.Fprintf(stdout, "OK: %s's adoption of %s (%s %s, sha256 %s) carries %d approving members' signatures that meet the rule\n",
			d.Member, p.ID, p.Content.Pack, p.Content.ProposedVersion, p.Content.ProposedHash, len(d.Signatures))
	}
	if n == 0 {
		return fail(stderr, "governance verify", fmt.Errorf("no node logged an adoption of %s", p.ID))
	}
	return 0
}

package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/tlog"
)

// accord node, peer, witness, policy: the federation's commands.

func runNode(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("node", stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	id, err := cf.client().Node(c)
	if err != nil {
		return fail(stderr, "node", err)
	}
	if cf.json {
		printJSON(stdout, id)
		return 0
	}
	printIdentity(stdout, id)
	return 0
}

func printIdentity(w io.Writer, id *accord.NodeIdentity) {
	tw := table(w)
	fmt.Fprintf(tw, "member\t%s\n", id.Member)
	fmt.Fprintf(tw, "url\t%s\n", id.URL)
	fmt.Fprintf(tw, "log origin\t%s\n", id.Origin)
	fmt.Fprintf(tw, "log key\t%s\n", id.LogKey)
	fmt.Fprintf(tw, "witness name\t%s\n", id.WitnessName)
	fmt.Fprintf(tw, "witness key\t%s\n", id.WitnessKey)
	fmt.Fprintf(tw, "software\t%s\n", id.Software)
	tw.Flush()
}

func runPeer(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageErr(stderr, "peer", "give a subcommand: add, list, get, set or remove")
	}
	switch args[0] {
	case "add":
		return peerAdd(args[1:], stdout, stderr)
	case "list":
		return peerList(args[1:], stdout, stderr)
	case "get":
		return peerGet(args[1:], stdout, stderr)
	case "set":
		return peerSet(args[1:], stdout, stderr)
	case "remove":
		return peerRemove(args[1:], stdout, stderr)
	}
	return usageErr(stderr, "peer", fmt.Sprintf("unknown subcommand %q: use add, list, get, set or remove", args[0]))
}

func peerAdd(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("peer add", stderr)
	var p accord.NewPeer
	fs.StringVar(&p.URL, "url", "", "the peer node's public base URL (required)")
	fs.StringVar(&p.LogKey, "log-key", "", "the peer's log verifier key (its `accord node` prints it)")
	fs.StringVar(&p.WitnessKey, "witness-key", "", "the peer's witness key (cosignature/v1)")
	fs.StringVar(&p.Origin, "origin", "", "the peer's log origin, if not its log key's name")
	fromNode := fs.Bool("from-node", false, "fetch the keys from the peer's GET /v1/node and print them; add only with --yes")
	yes := fs.Bool("yes", false, "with --from-node: add the peer with the keys fetched")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord peer add NAME --url URL --log-key VKEY [--witness-key WKEY]\n       accord peer add NAME --url URL --from-node [--yes]\n\nAdds a peer in state pending (admin token). Pin keys you got from the peer's\noperator: --from-node only shows what the peer says about itself.")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "peer add", "give the peer's member name")
	}
	p.Name = pos[0]
	c, cancel := ctx()
	defer cancel()
	if *fromNode {
		if p.URL == "" {
			return usageErr(stderr, "peer add", "--from-node needs --url")
		}
		id, err := client.New(p.URL, "").Node(c)
		if err != nil {
			return fail(stderr, "peer add", fmt.Errorf("ask %s who it is: %w", p.URL, err))
		}
		fmt.Fprintf(stdout, "The node at %s says it is:\n\n", p.URL)
		printIdentity(stdout, id)
		if !*yes {
			fmt.Fprintf(stdout, "\nCheck these keys with the peer's operator, then run:\n\n  accord peer add %s --url %s --log-key %s --witness-key %s\n", p.Name, p.URL, id.LogKey, id.WitnessKey)
			return 0
		}
		p.LogKey, p.WitnessKey, p.Origin = id.LogKey, id.WitnessKey, id.Origin
	}
	res, err := cf.client().AddPeer(c, p)
	if err != nil {
		return fail(stderr, "peer add", err)
	}
	if cf.json {
		printJSON(stdout, res)
		return 0
	}
	fmt.Fprintf(stdout, "Added peer %s (log %s), state %s; log entry %d.\nMake it active with: accord peer set %s --state active\n", res.Peer.Name, res.Peer.Origin, res.Peer.State, res.Receipt.Index, res.Peer.Name)
	return 0
}

func peerList(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("peer list", stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	ps, err := cf.client().Peers(c)
	if err != nil {
		return fail(stderr, "peer list", err)
	}
	if cf.json {
		printJSON(stdout, ps)
		return 0
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "NAME\tSTATE\tURL\tLOG\tWITNESS\tUPDATED")
	for _, p := range ps {
		wname := "-"
		if p.WitnessKey != "" {
			wname, _, _ = strings.Cut(p.WitnessKey, "+")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.State, p.URL, p.Origin, wname, p.Updated.Format(time.RFC3339))
	}
	tw.Flush()
	return 0
}

func peerGet(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("peer get", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "peer get", "give the peer's name")
	}
	c, cancel := ctx()
	defer cancel()
	p, err := cf.client().Peer(c, pos[0])
	if err != nil {
		return fail(stderr, "peer get", err)
	}
	printJSON(stdout, p)
	return 0
}

func peerSet(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("peer set", stderr)
	state := fs.String("state", "", "active or read-only (required)")
	reason := fs.String("reason", "", "why, recorded in the log entry")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *state == "" {
		return usageErr(stderr, "peer set", "usage: accord peer set NAME --state active|read-only [--reason TEXT]")
	}
	c, cancel := ctx()
	defer cancel()
	res, err := cf.client().SetPeerState(c, pos[0], accord.PeerStateChange{State: accord.PeerState(*state), Reason: *reason})
	if err != nil {
		return fail(stderr, "peer set", err)
	}
	if cf.json {
		printJSON(stdout, res)
		return 0
	}
	fmt.Fprintf(stdout, "Peer %s is now %s; log entry %d.\n", res.Peer.Name, res.Peer.State, res.Receipt.Index)
	return 0
}

func peerRemove(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("peer remove", stderr)
	reason := fs.String("reason", "", "why, recorded in the log entry")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "peer remove", "give the peer's name")
	}
	c, cancel := ctx()
	defer cancel()
	res, err := cf.client().RetirePeer(c, pos[0], *reason)
	if err != nil {
		return fail(stderr, "peer remove", err)
	}
	if cf.json {
		printJSON(stdout, res)
		return 0
	}
	fmt.Fprintf(stdout, "Peer %s is retired (for good: its log can never be added again); log entry %d.\n", res.Peer.Name, res.Receipt.Index)
	return 0
}

func runWitness(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageErr(stderr, "witness", "give a subcommand: add, list or remove")
	}
	switch args[0] {
	case "add":
		fs, cf := newClientFlags("witness add", stderr)
		var w accord.NewExternalWitness
		fs.StringVar(&w.URL, "url", "", "the witness's submission prefix: checkpoints go to URL/add-checkpoint (required)")
		fs.StringVar(&w.Key, "key", "", "the witness's cosignature/v1 verifier key (required)")
		if _, err := parseArgs(fs, args[1:]); err != nil {
			return 2
		}
		c, cancel := ctx()
		defer cancel()
		res, err := cf.client().AddWitness(c, w)
		if err != nil {
			return fail(stderr, "witness add", err)
		}
		if cf.json {
			printJSON(stdout, res)
			return 0
		}
		fmt.Fprintf(stdout, "Our checkpoints now go to witness %s at %s; log entry %d.\n", res.Witness.Name, res.Witness.URL, res.Receipt.Index)
		return 0
	case "list":
		fs, cf := newClientFlags("witness list", stderr)
		if _, err := parseArgs(fs, args[1:]); err != nil {
			return 2
		}
		c, cancel := ctx()
		defer cancel()
		ws, err := cf.client().Witnesses(c)
		if err != nil {
			return fail(stderr, "witness list", err)
		}
		if cf.json {
			printJSON(stdout, ws)
			return 0
		}
		tw := table(stdout)
		fmt.Fprintln(tw, "NAME\tURL\tKEY")
		for _, w := range ws {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", w.Name, w.URL, w.Key)
		}
		tw.Flush()
		return 0
	case "remove":
		fs, cf := newClientFlags("witness remove", stderr)
		pos, err := parseArgs(fs, args[1:])
		if err != nil {
			return 2
		}
		if len(pos) != 1 {
			return usageErr(stderr, "witness remove", "give the witness's name")
		}
		c, cancel := ctx()
		defer cancel()
		res, err := cf.client().RemoveWitness(c, pos[0])
		if err != nil {
			return fail(stderr, "witness remove", err)
		}
		fmt.Fprintf(stdout, "Removed witness %s; log entry %d.\n", pos[0], res.Receipt.Index)
		return 0
	}
	return usageErr(stderr, "witness", fmt.Sprintf("unknown subcommand %q: use add, list or remove", args[0]))
}

func runPolicy(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("policy", stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	text, err := cf.client().Policy(c)
	if err != nil {
		return fail(stderr, "policy", err)
	}
	io.WriteString(stdout, text)
	return 0
}

// verifyPolicy checks a receipt under a C2SP tlog-policy file: the
// inclusion proof against a log the policy lists, then the cosignatures on
// its checkpoint. It reports which witnesses signed and whether the quorum
// holds.
func verifyPolicy(stdout, stderr io.Writer, r accord.Receipt, entry []byte, policyFile string) int {
	text, err := os.ReadFile(policyFile)
	if err != nil {
		return fail(stderr, "verify", err)
	}
	pol, err := federation.ParsePolicy(text)
	if err != nil {
		fmt.Fprintf(stderr, "FAILED format: --policy %s: %v\n", policyFile, err)
		return 1
	}
	var cp tlog.Checkpoint
	var verr error
	for _, l := range pol.Logs {
		if cp, verr = tlog.VerifyReceipt(r, l.Key, entry); verr == nil {
			break
		}
	}
	if verr != nil {
		fmt.Fprintf(stderr, "FAILED %v\n", verr)
		return 1
	}
	p, err := tlog.ParseProof(r.Proof)
	if err != nil {
		fmt.Fprintf(stderr, "FAILED format: %v\n", err)
		return 1
	}
	res, err := pol.Check(p.Checkpoint)
	if err != nil {
		fmt.Fprintf(stderr, "FAILED signature: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "entry %d is in log %s, tree size %d, root %s\n", r.Index, cp.Origin, cp.Size, cp.Hash)
	names := make([]string, 0, len(res.Signed))
	for n := range res.Signed {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(stdout, "  cosigned by %s at %s\n", n, res.Signed[n].Format(time.RFC3339))
	}
	for _, n := range res.Unsigned {
		fmt.Fprintf(stdout, "  not cosigned by %s\n", n)
	}
	for _, g := range pol.Groups {
		fmt.Fprintf(stdout, "  group %s: %d of %d members, needs %d\n", g.Name, res.Groups[g.Name], len(g.Members), g.K)
	}
	if !res.Satisfied {
		fmt.Fprintf(stderr, "FAILED quorum: the policy's quorum (%s) does not hold\n", pol.Quorum)
		return 1
	}
	fmt.Fprintf(stdout, "OK: the policy's quorum (%s) holds\n", pol.Quorum)
	return 0
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/tlog"
)

// accord mirrors, accord alarm: what a node mirrors of its peers, and the
// split views it detected, with their evidence checked offline.

func runMirrors(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("mirrors", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord mirrors\n\nShows how the node mirrors each peer's log: entries verified and stored,\ndecoded into records, the latest checkpoint mirrored, the last problem.")
		fs.PrintDefaults()
	}
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	ms, err := cf.client().Mirrors(c)
	if err != nil {
		return fail(stderr, "mirrors", err)
	}
	if cf.json {
		printJSON(stdout, ms)
		return 0
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "PEER\tSTATE\tENTRIES\tDECODED\tCHECKPOINT\tCOSIGNED BY\tPROBLEM")
	for _, m := range ms {
		problem := m.Error
		if problem == "" && len(m.Skipped) > 0 {
			problem = fmt.Sprintf("%d records not decoded (see --json)", len(m.Skipped))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", m.Peer, m.State, m.Size, m.Indexed, m.CheckpointSize, m.Cosignatures, problem)
	}
	tw.Flush()
	return 0
}

func runAlarm(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageErr(stderr, "alarm", "give a subcommand: list or verify")
	}
	switch args[0] {
	case "list":
		return alarmList(args[1:], stdout, stderr)
	case "verify":
		return alarmVerify(args[1:], stdout, stderr)
	}
	return usageErr(stderr, "alarm", fmt.Sprintf("unknown subcommand %q: use list or verify", args[0]))
}

func alarmList(args []string, stdout, stderr io.Writer) int {
	fs, cf := newClientFlags("alarm list", stderr)
	origin := fs.String("origin", "", "only the alarms about this log")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	c, cancel := ctx()
	defer cancel()
	as, err := cf.client().Alarms(c, *origin)
	if err != nil {
		return fail(stderr, "alarm list", err)
	}
	if cf.json {
		printJSON(stdout, map[string]any{"alarms": as})
		return 0
	}
	if len(as) == 0 {
		fmt.Fprintln(stdout, "No alarms: no log was seen showing two views.")
		return 0
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "ID\tLOG\tKIND\tDETECTED")
	for _, a := range as {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ID, a.Origin, a.Kind, accord.LogTime(a.Detected))
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nCheck the evidence offline: accord alarm list --json > alarms.json && accord alarm verify alarms.json --key VKEY")
	return 0
}

func alarmVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alarm verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", "", "the log's verifier key, or a file holding it; default: the key the evidence names (trust it only if you know it is the log's)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord alarm verify FILE [--key VKEY]\n\nFILE holds split-view evidence: an alarm (as GET /v1/alarms lists it), a list of\nalarms ({\"alarms\": […]}), or the evidence alone. Checks run offline, with the\nlog's key only: both checkpoints must be signed by it and contradict each other.")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		return usageErr(stderr, "alarm verify", "give one evidence file")
	}
	vkey := ""
	if *key != "" {
		if vkey, err = readKey(*key); err != nil {
			return usageErr(stderr, "alarm verify", err.Error())
		}
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return fail(stderr, "alarm verify", err)
	}
	evs, err := readEvidence(data)
	if err != nil {
		fmt.Fprintf(stderr, "FAILED format: %s: %v\n", pos[0], err)
		return 1
	}
	code := 0
	for _, ev := range evs {
		rep, err := federation.VerifyEvidence(ev, vkey)
		if err != nil {
			fmt.Fprintf(stderr, "NOT EVIDENCE: %v\n", err)
			code = 1
			continue
		}
		if rep.Kind == accord.AlarmFork {
			fmt.Fprintf(stdout, "OK: log %s showed two views: two checkpoints of %d entries, each signed by its key, with roots %s and %s\n", rep.Origin, rep.Sizes[0], rep.Roots[0], rep.Roots[1])
		} else {
			fmt.Fprintf(stdout, "OK: log %s showed two views: its checkpoint of %d entries (root %s) does not contain its checkpoint of %d (root %s); the proof shows the larger tree begins with root %s\n",
				rep.Origin, rep.Sizes[1], rep.Roots[1], rep.Sizes[0], rep.Roots[0], rep.Implied)
		}
		if vkey == "" {
			fmt.Fprintf(stdout, "  checked with the key the evidence names, %s: give --key to check it with the log's key as you know it\n", ev.LogKey)
		}
	}
	return code
}

// readEvidence reads split-view evidence: an alarm, a list of them, or the
// evidence alone.
func readEvidence(data []byte) ([]accord.SplitViewEvidence, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	strict := func(b []byte, v any) error {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		return dec.Decode(v)
	}
	var alarms []accord.Alarm
	switch {
	case probe["alarms"] != nil:
		var l struct {
			Alarms []accord.Alarm `json:"alarms"`
		}
		if err := strict(data, &l); err != nil {
			return nil, err
		}
		alarms = l.Alarms
	case probe["evidence"] != nil:
		var a accord.Alarm
		if err := strict(data, &a); err != nil {
			return nil, err
		}
		alarms = []accord.Alarm{a}
	default:
		var ev accord.SplitViewEvidence
		if err := strict(data, &ev); err != nil {
			return nil, err
		}
		return []accord.SplitViewEvidence{ev}, nil
	}
	if len(alarms) == 0 {
		return nil, errors.New("the list holds no alarm")
	}
	out := make([]accord.SplitViewEvidence, len(alarms))
	for i, a := range alarms {
		if err := strict(a.Evidence, &out[i]); err != nil {
			return nil, fmt.Errorf("alarm %s: %v", strings.TrimSpace(a.ID), err)
		}
	}
	return out, nil
}

// compareViews checks the views other nodes publish of an audited log (its
// witness's cosigned checkpoint, its mirror's) against the audited tree,
// and reports a split view with its evidence: exit code 1.
func compareViews(ctx context.Context, vkey string, rep *tlog.AuditReport, nodes []string, evidenceFile string, stdout, stderr io.Writer) int {
	hash := federation.OriginHash(rep.Origin)
	var found []accord.SplitViewEvidence
	fmt.Fprintln(stdout, "Views of this log published by other nodes:")
	for _, n := range nodes {
		for _, kind := range []string{"witness", "mirror"} {
			url := n + "/" + kind + "/" + hash + "/checkpoint"
			seen, err := client.New(n, "").Get(ctx, "/"+kind+"/"+hash+"/checkpoint")
			var ce *client.Error
			switch {
			case errors.As(err, &ce) && ce.Status == http.StatusNotFound:
				fmt.Fprintf(stdout, "  %s: none\n", url)
				continue
			case err != nil:
				fmt.Fprintf(stdout, "  %s: not read: %v\n", url, err)
				continue
			}
			ev, err := federation.CheckView(vkey, rep.Checkpoint, seen, rep.Hashes, [2]string{"audited", url})
			switch {
			case err != nil:
				fmt.Fprintf(stdout, "  %s: not checked: %v\n", url, err)
			case ev == nil:
				fmt.Fprintf(stdout, "  %s: agrees with the audited tree\n", url)
			default:
				fmt.Fprintf(stdout, "  %s: SPLIT VIEW: it cannot be true with the audited tree\n", url)
				found = append(found, *ev)
			}
		}
	}
	if len(found) == 0 {
		return 0
	}
	var alarms []accord.Alarm
	for _, ev := range found {
		b, _ := json.Marshal(ev)
		kind := accord.AlarmInconsistent
		if sizesEqual(ev) {
			kind = accord.AlarmFork
		}
		alarms = append(alarms, accord.Alarm{Origin: ev.Origin, Kind: kind, Evidence: b, Detected: time.Now().UTC()})
	}
	out := map[string]any{"alarms": alarms}
	if evidenceFile != "" {
		b, _ := json.MarshalIndent(out, "", "  ")
		if err := writeFileAtomic(evidenceFile, append(b, '\n')); err != nil {
			return fail(stderr, "log audit", err)
		}
		fmt.Fprintf(stdout, "Evidence written to %s: check it with accord alarm verify %s --key VKEY\n", evidenceFile, evidenceFile)
	} else {
		printJSON(stdout, out)
	}
	fmt.Fprintf(stderr, "AUDIT FAILED (split view): %d view(s) of log %s contradict the audited tree\n", len(found), rep.Origin)
	return 1
}

func sizesEqual(ev accord.SplitViewEvidence) bool {
	return ev.Proof == nil && ev.ImpliedRoot == ""
}

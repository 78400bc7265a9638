package governance

import (
	"bytes"
	"context"
	"strings"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/federation"
	acctlog "github.com/accord-gov/accord/tlog"
)

// Witnessed ballots. When the charter pins every member's log and witness
// keys, a ballot counts only if a checkpoint of its member's log covers
// it, signed by that log's key and cosigned by a quorum (⌊n/2⌋+1 of the n
// other members' witnesses, the federation's default policy) with
// cosignature timestamps no later than the close. A node cannot back-date
// a ballot: the witnesses' clocks, not its own, say when its log held it.
// The evidence travels in the node's seal.

// witnessQuorum is how many of the other members' witnesses must cosign.
func witnessQuorum(members int) int { return (members-1)/2 + 1 }

// witnessedSize checks a seal's evidence for member m's log and returns
// the size of the checkpoint it proves was cosigned in time (0 if none).
func witnessedSize(c *accord.Charter, m accord.CharterMember, evidence, closes string) int64 {
	if evidence == "" {
		return 0
	}
	closeAt, err := accord.ParseLogTime(closes)
	if err != nil {
		return 0
	}
	lv, err := federation.NewLogVerifier(m.LogKey)
	if err != nil || lv.Name() != m.Origin {
		return 0
	}
	vs := []note.Verifier{lv}
	for _, o := range c.Members {
		if o.ID == m.ID {
			continue
		}
		if v, err := federation.NewCosignatureVerifier(o.WitnessKey); err == nil {
			vs = append(vs, v)
		}
	}
	n, err := note.Open([]byte(evidence), note.VerifierList(vs...))
	if err != nil {
		return 0
	}
	logSigned, cosigned := false, 0
	for _, s := range n.Sigs {
		if s.Name == lv.Name() && s.Hash == lv.KeyHash() {
			logSigned = true
			continue
		}
		t, err := fnote.CoSigV1Timestamp(s)
		if err == nil && !t.After(closeAt) {
			cosigned++
		}
	}
	if !logSigned || cosigned < witnessQuorum(len(c.Members)) {
		return 0
	}
	cp, err := acctlog.ParseCheckpoint(n.Text)
	if err != nil || cp.Origin != m.Origin {
		return 0
	}
	return cp.Size
}

// evidence finds the largest checkpoint of this node's log that a quorum
// of the other members' witnesses cosigned with timestamps no later than
// closes, among those of sizes (from, to], and returns it with those
// cosignature lines ("" if none).
func evidence(ctx context.Context, tx accord.ReadTx, c *accord.Charter, self accord.CharterMember, from, to int64, closes string) (string, error) {
	closeAt, err := accord.ParseLogTime(closes)
	if err != nil {
		return "", err
	}
	witnesses := map[string]bool{}
	for _, o := range c.Members {
		if o.ID != self.ID {
			name, _, _ := strings.Cut(o.WitnessKey, "+")
			witnesses[name] = true
		}
	}
	const window = 4096 // the checkpoints searched, newest first
	from = max(from, to-window)
	cps, err := tx.Checkpoints(ctx, from+1, to+1)
	if err != nil {
		return "", err
	}
	for i := len(cps) - 1; i >= 0; i-- {
		cp, err := acctlog.ParseCheckpoint(string(cps[i][:bytes.Index(cps[i], []byte("\n\n"))+1]))
		if err != nil {
			continue
		}
		cs, err := tx.Cosignatures(ctx, cp.Size)
		if err != nil {
			return "", err
		}
		var lines []string
		for _, co := range cs {
			if witnesses[co.Witness] && !co.Time.After(closeAt) {
				lines = append(lines, co.Line)
			}
		}
		if len(lines) >= witnessQuorum(len(c.Members)) {
			return string(cps[i]) + strings.Join(lines, ""), nil
		}
	}
	return "", nil
}

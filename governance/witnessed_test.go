package governance

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/federation"
	acctlog "github.com/accord-gov/accord/tlog"
)

// TestWitnessedBallots: with every member's log and witness keys pinned,
// a ballot counts only if its node's seal proves, by a checkpoint signed
// with its log key and cosigned before the close by a quorum of the other
// members' witnesses, that its log held it in time (the federation's
// default policy: ⌊n/2⌋+1 of the n others).
func TestWitnessedBallots(t *testing.T) {
	keys := testKeys(t)
	rule := accord.DecisionRule{CommentPeriod: "1d", VotingPeriod: "1d", Quorum: "1/2", Approve: "2/3", MaxDisapprove: "1/4"}
	c := testCharter(keys, 3, rule)
	logSigners, witnessSigners := map[string]note.Signer{}, map[string]note.Signer{}
	for i := range c.Members {
		m := &c.Members[i]
		lskey, lvkey, err := acctlog.GenerateKey(m.Origin)
		if err != nil {
			t.Fatal(err)
		}
		wskey, wvkey, err := federation.GenerateWitnessKey(m.ID + ".test/witness")
		if err != nil {
			t.Fatal(err)
		}
		m.LogKey, m.WitnessKey = lvkey, wvkey
		if logSigners[m.ID], err = note.NewSigner(lskey); err != nil {
			t.Fatal(err)
		}
		if witnessSigners[m.ID], err = federation.NewWitnessSigner(wskey); err != nil {
			t.Fatal(err)
		}
	}
	if !c.Witnessed() {
		t.Fatal("the charter pins every key but is not witnessed")
	}
	now := time.Now().UTC()
	p := &accord.Proposal{ID: "p-w", ContentHash: strings.Repeat("ab", 32), Origin: "a.test/log",
		Content: accord.ProposalContent{Rule: rule, CommentsClose: accord.LogTime(now.Add(-time.Hour)), Closes: accord.LogTime(now.Add(time.Hour))}}
	// evidence for member m's log at size n, cosigned by the given witnesses.
	evidence := func(m string, size int64, by ...string) string {
		cp := acctlog.Checkpoint{Origin: m + ".test/log", Size: size}
		signers := []note.Signer{logSigners[m]}
		for _, w := range by {
			signers = append(signers, witnessSigners[w])
		}
		b, err := note.Sign(&note.Note{Text: cp.String()}, signers...)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ballot := func(m string, index int64) accord.Ballot {
		b := testBallot(t, keys, p, m+" approve", index)
		b.Time = accord.LogTime(now)
		sig, _ := Sign(keys[m][0], accord.BallotNoteText(p.ID, p.ContentHash, m, accord.Approve, "-", false))
		b.Note = sig
		return b
	}
	for _, tc := range []struct {
		name   string
		seal   string // member a's evidence
		closes string
		index  int64 // a's ballot
		counts bool
	}{
		{"cosigned by both other witnesses in time, covering the ballot", evidence("a", 20, "b", "c"), "", 10, true},
		{"the ballot at the checkpoint's size is not covered", evidence("a", 10, "b", "c"), "", 10, false},
		{"one cosignature of the two needed", evidence("a", 20, "b"), "", 10, false},
		{"cosigned after the close", evidence("a", 20, "b", "c"), accord.LogTime(now.Add(-time.Minute)), 10, false},
		{"the voter's own witness does not count", evidence("a", 20, "a", "b"), "", 10, false},
		{"a checkpoint of another member's log", evidence("b", 20, "a", "c"), "", 10, false},
		{"no evidence", "", "", 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := *p
			if tc.closes != "" {
				q.Content.Closes = tc.closes
				q.Content.CommentsClose = accord.LogTime(now.Add(-2 * time.Hour))
			}
			b := ballot("a", tc.index)
			if tc.closes != "" {
				b.Time = accord.LogTime(now.Add(-90 * time.Minute))
			}
			seals := []accord.Seal{{Proposal: q.ID, Member: "a", Origin: "a.test/log", LogIndex: 50, Witnessed: tc.seal}}
			tl := Count(c, &q, []accord.Ballot{b}, seals)
			if counted := tl.Approve == 1; counted != tc.counts {
				t.Errorf("counted %v, want %v (refused: %+v)", counted, tc.counts, tl.Refused)
			}
		})
	}
}

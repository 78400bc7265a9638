package governance

import (
	"testing"

	"github.com/accord-gov/accord"
)

// TestAgreed: a proposal is adopted or rejected only when every member's
// node logged the same result over the same counted ballots; a node that
// counted a ballot the others did not (one logged after its seal, say) or
// left one out is contradicted, and the proposal is disputed.
func TestAgreed(t *testing.T) {
	keys := testKeys(t)
	rule := accord.DecisionRule{CommentPeriod: "1d", VotingPeriod: "1d", Quorum: "1/2", Approve: "2/3", MaxDisapprove: "1/4"}
	c := testCharter(keys, 3, rule)
	counted := []accord.TallyVote{{Member: "a", Choice: accord.Approve, Origin: "a.test/log", LogIndex: 4}, {Member: "b", Choice: accord.Approve, Origin: "b.test/log", LogIndex: 7}}
	dec := func(member, outcome string, votes []accord.TallyVote) accord.Decision {
		return accord.Decision{Proposal: "p", ContentHash: "h", Outcome: outcome, Member: member, Origin: member + ".test/log", Tally: accord.Tally{Counted: votes}}
	}
	late := append(append([]accord.TallyVote{}, counted...), accord.TallyVote{Member: "c", Choice: accord.Approve, Origin: "c.test/log", LogIndex: 99})
	for _, tc := range []struct {
		name string
		ds   []accord.Decision
		want string
	}{
		{"every node decided adopted over the same ballots", []accord.Decision{dec("a", "adopted", counted), dec("b", "adopted", counted), dec("c", "adopted", counted)}, accord.StatusAdopted},
		{"every node decided rejected", []accord.Decision{dec("a", "rejected", counted), dec("b", "rejected", counted), dec("c", "rejected", counted)}, accord.StatusRejected},
		{"one node's decision is not here yet", []accord.Decision{dec("a", "adopted", counted), dec("b", "adopted", counted)}, accord.StatusDecided},
		{"a node counted a ballot logged after its seal: contradicted", []accord.Decision{dec("a", "adopted", counted), dec("b", "adopted", counted), dec("c", "adopted", late)}, accord.StatusDisputed},
		{"a node hid a ballot: contradicted", []accord.Decision{dec("a", "adopted", counted), dec("b", "adopted", counted[:1]), dec("c", "adopted", counted)}, accord.StatusDisputed},
		{"a node decided otherwise", []accord.Decision{dec("a", "adopted", counted), dec("b", "rejected", counted), dec("c", "adopted", counted)}, accord.StatusDisputed},
		{"a decision logged at another member's node does not count", []accord.Decision{dec("a", "adopted", counted), dec("b", "adopted", counted), func() accord.Decision {
			d := dec("c", "adopted", counted)
			d.Origin = "a.test/log"
			return d
		}()}, accord.StatusDecided},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := agreed(c, tc.ds); got != tc.want {
				t.Errorf("agreed = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestVerifyAdoption: an adoption verifies only with the approving
// members' signatures over their ballots, enough of them for the rule.
func TestVerifyAdoption(t *testing.T) {
	keys := testKeys(t)
	rule := accord.DecisionRule{CommentPeriod: "1d", VotingPeriod: "1d", Quorum: "1/2", Approve: "2/3", MaxDisapprove: "1/4"}
	c := testCharter(keys, 3, rule)
	p := &accord.Proposal{ID: "p-x", ContentHash: "hh", Content: accord.ProposalContent{Rule: rule}}
	sig := func(m string) string {
		s, err := Sign(keys[m][0], accord.BallotNoteText(p.ID, p.ContentHash, m, accord.Approve, "-", false))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tally := accord.Tally{Approve: 2, ForAgainst: 2, Cast: 3}
	good := accord.Decision{Outcome: accord.OutcomeAdopted, ContentHash: "hh", Tally: tally, Signatures: []string{sig("a"), sig("b")}}
	if err := VerifyAdoption(c, p, good); err != nil {
		t.Fatalf("a good adoption: %v", err)
	}
	for name, d := range map[string]accord.Decision{
		"one member alone":       {Outcome: accord.OutcomeAdopted, ContentHash: "hh", Tally: accord.Tally{Approve: 2, ForAgainst: 2, Cast: 3}, Signatures: []string{sig("a"), sig("a")}},
		"a stranger's signature": {Outcome: accord.OutcomeAdopted, ContentHash: "hh", Tally: tally, Signatures: []string{sig("a"), sig("z")}},
		"another content":        {Outcome: accord.OutcomeAdopted, ContentHash: "other", Tally: tally, Signatures: []string{sig("a"), sig("b")}},
		"too few for the rule":   {Outcome: accord.OutcomeAdopted, ContentHash: "hh", Tally: accord.Tally{Approve: 1, ForAgainst: 2, Cast: 2}, Signatures: []string{sig("a")}},
		"a rejection":            {Outcome: accord.OutcomeRejected, ContentHash: "hh", Tally: tally},
	} {
		if err := VerifyAdoption(c, p, d); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

// TestValidUnder: a proposal is judged under the charter it names: its
// proposer's own node logged it, with the charter's rule for its kind.
func TestValidUnder(t *testing.T) {
	keys := testKeys(t)
	rule := accord.DecisionRule{CommentPeriod: "1d", VotingPeriod: "1d", Quorum: "1/2", Approve: "2/3", MaxDisapprove: "1/4"}
	c := testCharter(keys, 3, rule)
	good := accord.Proposal{ID: "p", Origin: "a.test/log", Content: accord.ProposalContent{Kind: accord.KindAmendPack, Proposer: "a", Rule: rule}}
	if err := validUnder(c, &good); err != nil {
		t.Fatalf("a valid proposal: %v", err)
	}
	lax := good
	lax.Content.Rule.Approve = "1/3"
	elsewhere := good
	elsewhere.Origin = "b.test/log"
	stranger := good
	stranger.Content.Proposer = "z"
	for name, p := range map[string]accord.Proposal{"a laxer rule than the charter's": lax, "logged at another member's node": elsewhere, "by a non-member": stranger} {
		if err := validUnder(c, &p); accord.ErrorCode(err) != accord.EConflict {
			t.Errorf("%s: %v, want a conflict", name, err)
		}
	}
}

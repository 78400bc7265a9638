package governance

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/accord-gov/accord"
)

// Count tallies a proposal's ballots under the rule it was filed with and
// the members of the charter it names. It is a pure function of the
// logged records, so every node that holds the same entries reaches the
// same result, and anyone can recompute it (accord governance tally).
//
// A ballot counts when it is signed with its member's vote key over the
// proposal's id and content hash, logged at its member's own node, cast
// between the end of the comment period and the close, and logged before
// that node's seal of the proposal (once there is one). A disapproval
// without reasons does not count (ISO/IEC Directives Part 1, 2.6.3: negative
// votes without technical reasons are not counted). A member's last
// counted ballot in its log stands. Abstentions count towards the quorum
// and not towards the thresholds.
func Count(c *accord.Charter, p *accord.Proposal, ballots []accord.Ballot, seals []accord.Seal) accord.Tally {
	rule := p.Content.Rule
	t := accord.Tally{Proposal: p.ID, ContentHash: p.ContentHash, Rule: rule, Members: len(c.Members), Counted: []accord.TallyVote{}, Approvers: []string{}}
	sealAt, witnessed := map[string]int64{}, map[string]int64{}
	var wv *witnessVerifiers
	if c.Witnessed() {
		wv = newWitnessVerifiers(c)
	}
	for _, s := range seals {
		if m, ok := c.Member(s.Member); ok && m.Origin == s.Origin && s.Proposal == p.ID {
			sealAt[s.Origin] = s.LogIndex
			if c.Witnessed() {
				witnessed[s.Origin] = witnessedSize(c, wv, m, s.Witnessed, p.Content.Closes)
			}
		}
	}
	bs := slices.Clone(ballots)
	slices.SortStableFunc(bs, func(a, b accord.Ballot) int {
		return cmp.Or(strings.Compare(a.Origin, b.Origin), cmp.Compare(a.LogIndex, b.LogIndex))
	})
	last := map[string]accord.Ballot{}
	for _, b := range bs {
		tv := accord.TallyVote{Member: b.Member, Choice: b.Choice, Origin: b.Origin, LogIndex: b.LogIndex, Time: b.Time}
		if why := refuse(c, p, b, sealAt, witnessed); why != "" {
			tv.Why = why
			t.Refused = append(t.Refused, tv)
			continue
		}
		if prev, ok := last[b.Member]; ok {
			pv := accord.TallyVote{Member: prev.Member, Choice: prev.Choice, Origin: prev.Origin, LogIndex: prev.LogIndex, Time: prev.Time, Why: "replaced by the member's later ballot"}
			t.Refused = append(t.Refused, pv)
		}
		last[b.Member] = b
	}
	for _, m := range c.Members {
		b, ok := last[m.ID]
		if !ok {
			continue
		}
		t.Counted = append(t.Counted, accord.TallyVote{Member: b.Member, Choice: b.Choice, Origin: b.Origin, LogIndex: b.LogIndex, Time: b.Time})
		switch b.Choice {
		case accord.Approve:
			t.Approve++
			t.Approvers = append(t.Approvers, b.Member)
		case accord.Disapprove:
			t.Disapprove++
			if b.OptOut {
				t.OptedOut = append(t.OptedOut, b.Member)
			}
		case accord.Abstain:
			t.Abstain++
		}
	}
	t.Cast = t.Approve + t.Disapprove + t.Abstain
	t.ForAgainst = t.Approve + t.Disapprove
	t.Quorum = rule.Quorum.AtLeast(t.Cast, t.Members)
	t.Approved = t.ForAgainst > 0 && rule.Approve.AtLeast(t.Approve, t.ForAgainst)
	t.Objected = !rule.MaxDisapprove.AtMost(t.Disapprove, t.ForAgainst)
	t.Passed = t.Quorum && t.Approved && !t.Objected
	return t
}

// refuse says why a ballot does not count, or "".
func refuse(c *accord.Charter, p *accord.Proposal, b accord.Ballot, sealAt, witnessed map[string]int64) string {
	m, ok := c.Member(b.Member)
	switch {
	case !ok:
		return fmt.Sprintf("%s is not a member under charter %d", b.Member, c.Version)
	case b.Origin != m.Origin:
		return fmt.Sprintf("logged at %s, not at the member's own node %s", b.Origin, m.Origin)
	case b.Proposal != p.ID || b.ContentHash != p.ContentHash:
		return "cast for another proposal or content hash"
	case b.Time > p.Content.Closes:
		return "cast after the close " + p.Content.Closes
	case b.Time < p.Content.CommentsClose:
		return "cast before voting opened " + p.Content.CommentsClose
	case b.Choice != accord.Approve && b.Choice != accord.Disapprove && b.Choice != accord.Abstain:
		return fmt.Sprintf("choice %q is not approve, disapprove or abstain", b.Choice)
	case b.Choice == accord.Disapprove && len(b.Reasons) == 0:
		return "a disapproval without reasons is not counted"
	case b.OptOut && (b.Choice != accord.Disapprove || !p.Content.Rule.OptOut):
		return "opts out where the rule allows no opt-out, or without disapproving"
	}
	if at, sealed := sealAt[b.Origin]; sealed && b.LogIndex > at {
		return "logged after its node sealed the proposal"
	} else if sealed && c.Witnessed() && b.LogIndex >= witnessed[b.Origin] {
		return "not covered by a checkpoint of its log that a quorum of witnesses cosigned before the close"
	}
	text := accord.BallotNoteText(p.ID, p.ContentHash, b.Member, b.Choice, accord.TextHash(b.Reasons), b.OptOut)
	if !verifyNote(b.Note, text, m.VoteKey) {
		return "its signature is not the member's vote key over this ballot"
	}
	return ""
}

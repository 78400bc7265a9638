package accord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Governance: members amend the shared rule packs by consensus. A charter
// (signed by the members' vote keys) names the members and the rule of
// each kind of decision; a member files a proposal (a whole new version of
// a pack) at its own node; members comment and cast signed ballots at
// their own nodes; every node mirrors its peers' logs and tallies the same
// entries with the same pure function, logs its decision at the close, and
// loads an adopted pack only once every member's node logged the same
// result. This file holds the types every layer shares, the log entry
// types and their decoders, and the store methods of the capability
// (GovernanceReadTx, GovernanceWriteTx, embedded in ReadTx and WriteTx).
//
// Keys have one role each: a member's vote key signs its ballots and the
// charters it agrees to; it is neither the log key nor the witness key of
// its node.

// Decision kinds a charter gives a rule for.
const (
	KindAmendPack    = "amend-pack"
	KindAddPack      = "add-pack"
	KindRetirePack   = "retire-pack"
	KindAmendCharter = "amend-charter"
	KindAdmitMember  = "admit-member"
	KindRemoveMember = "remove-member"
)

// DecisionKinds lists every kind, in the order charters print them.
var DecisionKinds = []string{KindAmendPack, KindAddPack, KindRetirePack, KindAmendCharter, KindAdmitMember, KindRemoveMember}

// Ballot choices.
const (
	Approve    = "approve"
	Disapprove = "disapprove"
	Abstain    = "abstain"
)

// Fraction is an exact share written "num/den" (e.g. "2/3"), compared in
// integers so that every node rounds the same way (none does).
type Fraction string

// Parts returns the fraction's numerator and denominator; an error for
// anything but 0 ≤ num ≤ den, den > 0.
func (f Fraction) Parts() (num, den int64, err error) {
	a, b, ok := strings.Cut(string(f), "/")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a fraction num/den (e.g. 2/3)", string(f))
	}
	num, err1 := strconv.ParseInt(a, 10, 32)
	den, err2 := strconv.ParseInt(b, 10, 32)
	switch {
	case err1 != nil || err2 != nil:
		return 0, 0, fmt.Errorf("%q is not a fraction num/den of whole numbers (e.g. 2/3)", string(f))
	case den <= 0 || num < 0:
		return 0, 0, fmt.Errorf("%q: the denominator must be positive and the numerator not negative", string(f))
	case num > den:
		return 0, 0, fmt.Errorf("%q is more than 1: a share cannot exceed the whole", string(f))
	}
	return num, den, nil
}

// AtLeast reports part/whole ≥ f (false for a whole of 0 unless f is 0).
func (f Fraction) AtLeast(part, whole int) bool {
	n, d, err := f.Parts()
	if err != nil {
		return false
	}
	return int64(part)*d >= n*int64(whole)
}

// AtMost reports part/whole ≤ f (true for a whole of 0).
func (f Fraction) AtMost(part, whole int) bool {
	n, d, err := f.Parts()
	if err != nil {
		return false
	}
	return int64(part)*d <= n*int64(whole)
}

// Period is a length of time as a charter writes it: a whole number of
// days ("28d") or a Go duration ("336h", "2s": tests use short ones).
type Period string

// Duration parses the period; an error for one that is not positive.
func (p Period) Duration() (time.Duration, error) {
	s := string(p)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("%q is not a whole number of days (e.g. 28d)", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a period (e.g. 28d or 336h)", s)
		}
	}
	if d <= 0 || d > 3650*24*time.Hour {
		return 0, fmt.Errorf("%q must be positive and at most ten years", s)
	}
	return d, nil
}

// DecisionRule is how one kind of decision is taken. It is stored with
// every proposal and printed on its ballot, so that nobody has to guess
// which shares were counted of what (the lesson of DAO tallies where
// abstentions surprised the voters).
type DecisionRule struct {
	// CommentPeriod runs from the filing; VotingPeriod from the end of the
	// comment period to the close.
	CommentPeriod Period `json:"comment_period"`
	VotingPeriod  Period `json:"voting_period"`
	// Quorum is the share of all members that must cast a ballot,
	// abstentions included.
	Quorum Fraction `json:"quorum"`
	// Approve is the least share of the votes cast for or against
	// (abstentions excluded) that must approve.
	Approve Fraction `json:"approve"`
	// MaxDisapprove is the greatest share of the votes cast for or against
	// (abstentions excluded) that may disapprove.
	MaxDisapprove Fraction `json:"max_disapprove"`
	// OptOut lets a member that disapproved keep the previous version of
	// the pack for its own jurisdiction (OECD Convention Art. 6).
	OptOut bool `json:"opt_out,omitempty"`
	// Basis cites where the default comes from.
	Basis string `json:"basis,omitempty"`
}

// Check reports what is wrong with the rule under field.
func (r DecisionRule) Check(field string, p *Problems) {
	if _, err := r.CommentPeriod.Duration(); err != nil {
		p.Add(field+".comment_period", "%v", err)
	}
	if _, err := r.VotingPeriod.Duration(); err != nil {
		p.Add(field+".voting_period", "%v", err)
	}
	for name, f := range map[string]Fraction{"quorum": r.Quorum, "approve": r.Approve, "max_disapprove": r.MaxDisapprove} {
		if _, _, err := f.Parts(); err != nil {
			p.Add(field+"."+name, "%v", err)
		}
	}
	if n, d, err := r.Approve.Parts(); err == nil && n == 0 {
		p.Add(field+".approve", "%d/%d: a rule that needs no approval lets anything pass", n, d)
	}
	if n, d, err := r.Quorum.Parts(); err == nil && n == 0 {
		p.Add(field+".quorum", "%d/%d: a decision needs at least one ballot", n, d)
	}
	// A rule no tally can meet contradicts itself: approving ≥ a and
	// disapproving ≤ m of the same votes needs a + m ≥ 1 to be reachable
	// with disapprovals, and is always met by unanimity; only a > 1 or a
	// negative share is impossible, which Parts refuses.
}

// CharterMember is a member of the body, as the charter names it.
type CharterMember struct {
	ID      string `json:"id"`       // its member name: the name its node's peers know it by
	Name    string `json:"name"`     // its full name
	Country string `json:"country"`  // ISO 3166-1 alpha-2
	VoteKey string `json:"vote_key"` // note verifier key of its vote key (Ed25519)
	Origin  string `json:"origin"`   // its node's log origin: where its ballots are logged
	URL     string `json:"url"`      // its node's public base URL
	// LogKey is its node's log verifier key, when the charter pins it: an
	// offline tally (accord governance tally) verifies the member's log with it.
	LogKey string `json:"log_key,omitempty"`
	// WitnessKey is its node's witness key (cosignature/v1). When every
	// member's log and witness keys are pinned, a ballot counts only if a
	// checkpoint of its log that a quorum of the other members' witnesses
	// cosigned before the close covers it (Charter.Witnessed).
	WitnessKey string `json:"witness_key,omitempty"`
}

// Witnessed reports whether the charter pins every member's log and
// witness keys, so that ballots must be witnessed before the close.
func (c *Charter) Witnessed() bool {
	for _, m := range c.Members {
		if m.LogKey == "" || m.WitnessKey == "" {
			return false
		}
	}
	return len(c.Members) > 1
}

// Charter is the body's constitution: who the members are and how each
// kind of decision is taken. Version 1 is signed by every founding
// member; version N+1 must be signed by enough members under both N's
// amend-charter rule and its own (TUF root rotation).
type Charter struct {
	Version int                     `json:"version"`
	Title   string                  `json:"title"`
	Members []CharterMember         `json:"members"`
	Rules   map[string]DecisionRule `json:"rules"`
}

// Member returns the member with the given id.
func (c *Charter) Member(id string) (CharterMember, bool) {
	for _, m := range c.Members {
		if m.ID == id {
			return m, true
		}
	}
	return CharterMember{}, false
}

// MemberByOrigin returns the member whose node logs under origin.
func (c *Charter) MemberByOrigin(origin string) (CharterMember, bool) {
	for _, m := range c.Members {
		if m.Origin == origin {
			return m, true
		}
	}
	return CharterMember{}, false
}

// Hash is the hex SHA-256 of the charter's RFC 8785 canonical JSON: what
// members sign.
func (c *Charter) Hash() (string, error) {
	b, err := Canonical(c)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// Check validates the charter on its own (its signatures are checked by
// the governance service, which knows the previous charter).
func (c *Charter) Check() error {
	var p Problems
	if c.Version < 1 {
		p.Add("version", "must be 1 or more")
	}
	if strings.TrimSpace(c.Title) == "" {
		p.Add("title", "is required")
	} else if msg := CheckText(c.Title, Line); msg != "" || len(c.Title) > 200 {
		p.Add("title", "must be one line of at most 200 bytes")
	}
	if len(c.Members) == 0 {
		p.Add("members", "a charter needs at least one member")
	}
	if len(c.Members) > 1000 {
		p.Add("members", "%d members: at most 1000", len(c.Members))
	}
	ids, keys, origins := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, m := range c.Members {
		f := fmt.Sprintf("members[%d]", i)
		if !ValidMemberName(m.ID) {
			p.Add(f+".id", "%q: use letters, digits and . - _ : / only", m.ID)
		} else if ids[m.ID] {
			p.Add(f+".id", "%q is named twice", m.ID)
		}
		ids[m.ID] = true
		if strings.TrimSpace(m.Name) == "" || CheckText(m.Name, Line) != "" || len(m.Name) > 200 {
			p.Add(f+".name", "is required: one line of at most 200 bytes")
		}
		if !ValidCountry(m.Country) {
			p.Add(f+".country", "%q is not an ISO 3166-1 alpha-2 code", m.Country)
		}
		if err := CheckVoteKey(m.VoteKey); err != nil {
			p.Add(f+".vote_key", "%v", err)
		} else if keys[m.VoteKey] {
			p.Add(f+".vote_key", "is another member's key: each member has its own")
		}
		keys[m.VoteKey] = true
		if m.LogKey != "" {
			if err := CheckVoteKey(m.LogKey); err != nil {
				p.Add(f+".log_key", "is not a note verifier key (accord node prints the log key)")
			} else if m.LogKey == m.VoteKey {
				p.Add(f+".log_key", "is the member's vote key: keys have one role each")
			}
		}
		if m.WitnessKey != "" && (m.WitnessKey == m.VoteKey || m.WitnessKey == m.LogKey || !strings.Contains(m.WitnessKey, "+")) {
			p.Add(f+".witness_key", "must be the node's own witness key (cosignature/v1), not its vote or log key")
		}
		if m.Origin == "" || CheckText(m.Origin, Line) != "" || len(m.Origin) > 255 {
			p.Add(f+".origin", "is required: the log origin of the member's node (accord node prints it)")
		} else if origins[m.Origin] {
			p.Add(f+".origin", "%q is another member's node", m.Origin)
		}
		origins[m.Origin] = true
		if !strings.HasPrefix(m.URL, "http://") && !strings.HasPrefix(m.URL, "https://") {
			p.Add(f+".url", "must be the node's http(s) base URL")
		}
	}
	for k, r := range c.Rules {
		if !ValidDecisionKind(k) {
			p.Add("rules."+k, "is not a kind of decision (%s)", strings.Join(DecisionKinds, ", "))
			continue
		}
		r.Check("rules."+k, &p)
	}
	for _, k := range DecisionKinds {
		if _, ok := c.Rules[k]; !ok {
			p.Add("rules."+k, "is missing: the charter must say how every kind of decision is taken")
		}
	}
	if a, ok := c.Rules[KindAmendCharter]; ok {
		if b, ok := c.Rules[KindAmendPack]; ok && stricter(b.Approve, a.Approve) {
			p.Add("rules."+KindAmendCharter+".approve", "%s is less than amend-pack's %s: amending the charter must be at least as hard as amending a pack", a.Approve, b.Approve)
		}
	}
	return p.Err()
}

// stricter reports a > b, for valid fractions.
func stricter(a, b Fraction) bool {
	an, ad, err1 := a.Parts()
	bn, bd, err2 := b.Parts()
	return err1 == nil && err2 == nil && an*bd > bn*ad
}

// ValidDecisionKind reports a known kind.
func ValidDecisionKind(k string) bool {
	for _, v := range DecisionKinds {
		if k == v {
			return true
		}
	}
	return false
}

// CheckVoteKey checks the form of a vote verifier key: a signed-note
// Ed25519 verifier key "name+hash+key" (golang.org/x/mod/sumdb/note).
func CheckVoteKey(k string) error {
	if _, err := note.NewVerifier(k); err != nil {
		return errors.New("is not a note verifier key name+hash+key (accord governance keygen prints one)")
	}
	return nil
}

// SignedCharter is a charter with the members' signatures over its hash.
type SignedCharter struct {
	Charter Charter `json:"charter"`
	Hash    string  `json:"hash"`
	// Signatures are signed notes (CharterNoteText) by members' vote keys.
	Signatures []string `json:"signatures"`
	// Signers are the members whose signature verified, in charter order.
	Signers   []string  `json:"signers"`
	Installed time.Time `json:"installed"`
	LogIndex  int64     `json:"log_index"`
}

// CharterNoteText is the text a member signs to agree to a charter.
func CharterNoteText(version int, hash string) string {
	return fmt.Sprintf("accord-charter/v1\nversion %d\nsha256 %s\n", version, hash)
}

// BallotNoteText is the text a member signs to vote: the proposal's id and
// content hash, the choice and the hash of the reasons (RFC 8785 JSON of
// the reasons Text; "-" when there are none), and whether it opts out.
func BallotNoteText(proposal, contentHash, member, choice, reasonsHash string, optOut bool) string {
	o := "no"
	if optOut {
		o = "yes"
	}
	return fmt.Sprintf("accord-ballot/v1\nproposal %s\nsha256 %s\nmember %s\nchoice %s\nreasons %s\nopt-out %s\n", proposal, contentHash, member, choice, reasonsHash, o)
}

// TextHash is the hex SHA-256 of a Text's canonical JSON, "-" for none.
func TextHash(t Text) string {
	if len(t) == 0 {
		return "-"
	}
	b, err := Canonical(t)
	if err != nil {
		return "-"
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ProposalContent is what a proposal says: what a member asks the others
// to decide. Its hash (ContentHash) is what ballots sign.
type ProposalContent struct {
	Kind     string `json:"kind"`
	Proposer string `json:"proposer"` // member id
	// Pack is the target pack's id; BaseHash and BaseVersion the version in
	// force the proposal amends ("" for add-pack); ProposedHash and
	// ProposedVersion the whole new version ("" for retire-pack).
	Pack            string `json:"pack"`
	BaseHash        string `json:"base_hash,omitempty"`
	BaseVersion     string `json:"base_version,omitempty"`
	ProposedHash    string `json:"proposed_hash,omitempty"`
	ProposedVersion string `json:"proposed_version,omitempty"`
	// ProposedSize is the length of the proposed pack's YAML, carried in
	// the proposal.pack entries before the proposal.filed one.
	ProposedSize int  `json:"proposed_size,omitempty"`
	Title        Text `json:"title"`
	Rationale    Text `json:"rationale"`
	// Charter is the version and hash of the charter in force at filing;
	// Rule its rule for the kind, copied so that the ballot prints it.
	CharterVersion int          `json:"charter_version"`
	CharterHash    string       `json:"charter_hash"`
	Rule           DecisionRule `json:"rule"`
	Filed          string       `json:"filed"`          // LogTime
	CommentsClose  string       `json:"comments_close"` // LogTime
	Closes         string       `json:"closes"`         // LogTime
}

// Hash is the hex SHA-256 of the content's canonical JSON.
func (c *ProposalContent) Hash() (string, error) {
	b, err := Canonical(c)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// Proposal is a proposal as a node holds it: its content, its id and
// content hash, and where it was logged.
type Proposal struct {
	ID          string          `json:"id"`
	ContentHash string          `json:"content_hash"`
	Content     ProposalContent `json:"content"`
	Origin      string          `json:"origin"` // the log that holds it (the proposer's node)
	LogIndex    int64           `json:"log_index"`
}

// ProposalID is the id of a proposal logged at index of origin's log: the
// same at every node, and unique across the members' logs.
func ProposalID(origin string, index int64) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\n%d", origin, index)))
	return "p-" + hex.EncodeToString(h[:8])
}

// Ballot is one signed vote as logged at the voter's node.
type Ballot struct {
	Proposal    string `json:"proposal"`
	ContentHash string `json:"content_hash"`
	Member      string `json:"member"`
	Choice      string `json:"choice"`
	Reasons     Text   `json:"reasons,omitempty"`
	OptOut      bool   `json:"opt_out,omitempty"`
	// Note is the signed note (BallotNoteText) by the member's vote key.
	Note     string `json:"note"`
	Time     string `json:"time"`   // LogTime of its entry
	Origin   string `json:"origin"` // the log that holds it
	LogIndex int64  `json:"log_index"`
}

// Comment is a comment on a proposal during its comment period.
type Comment struct {
	ID       string `json:"id"` // ProposalID-style id of its entry
	Proposal string `json:"proposal"`
	Parent   string `json:"parent,omitempty"` // the comment it answers
	Author   string `json:"author"`           // member id, or the organization id at the origin's node
	Text     Text   `json:"text"`
	Time     string `json:"time"`
	Origin   string `json:"origin"`
	LogIndex int64  `json:"log_index"`
}

// Tally is the count of a proposal's ballots under its rule.
type Tally struct {
	Proposal    string       `json:"proposal"`
	ContentHash string       `json:"content_hash"`
	Rule        DecisionRule `json:"rule"`
	Members     int          `json:"members"`
	Approve     int          `json:"approve"`
	Disapprove  int          `json:"disapprove"`
	Abstain     int          `json:"abstain"`
	// Cast counts ballots (abstentions included: the quorum's basis);
	// ForAgainst those that approve or disapprove (the thresholds' basis).
	Cast       int  `json:"cast"`
	ForAgainst int  `json:"for_against"`
	Quorum     bool `json:"quorum"`
	Approved   bool `json:"approved"` // approve share met
	Objected   bool `json:"objected"` // disapprove share exceeded
	Passed     bool `json:"passed"`
	// Counted are the ballots counted, one per member (its last before
	// the close), by member id; Refused those set aside, with why.
	Counted []TallyVote `json:"counted"`
	Refused []TallyVote `json:"refused,omitempty"`
	// Approvers are the members whose counted ballot approves; OptedOut
	// those that disapproved and opted out (when the rule allows).
	Approvers []string `json:"approvers"`
	OptedOut  []string `json:"opted_out,omitempty"`
}

// TallyVote is a ballot as a tally saw it.
type TallyVote struct {
	Member   string `json:"member"`
	Choice   string `json:"choice"`
	Origin   string `json:"origin"`
	LogIndex int64  `json:"log_index"`
	Time     string `json:"time"`
	Why      string `json:"why,omitempty"`
}

// Outcomes of a decision.
const (
	OutcomeAdopted  = "adopted"
	OutcomeRejected = "rejected"
)

// Decision is a node's result of a closed proposal, logged by that node
// (proposal.decided): its tally, and for an adopted one the approvers'
// signed ballots, which are the adoption's signatures.
type Decision struct {
	Proposal    string `json:"proposal"`
	ContentHash string `json:"content_hash"`
	Outcome     string `json:"outcome"`
	Tally       Tally  `json:"tally"`
	// Signatures are the approving ballots' signed notes.
	Signatures []string `json:"signatures,omitempty"`
	Member     string   `json:"member"` // the member whose node decided
	Time       string   `json:"time"`
	Origin     string   `json:"origin"`
	LogIndex   int64    `json:"log_index"`
}

// Log event types of governance. Their content carries "v": 1.
const (
	LogCharterInstalled = "charter.installed"
	LogProposalPack     = "proposal.pack"
	LogProposalFiled    = "proposal.filed"
	LogProposalComment  = "proposal.comment"
	LogVoteCast         = "vote.cast"
	LogProposalSealed   = "proposal.sealed"
	LogProposalDecided  = "proposal.decided"
)

// Seal is a node's mark, logged at a proposal's close, that its log holds
// every ballot its member cast on it: a tally counts a member's ballots
// logged before its node's seal, and none after.
type Seal struct {
	Proposal    string `json:"proposal"`
	ContentHash string `json:"content_hash"`
	Member      string `json:"member"`
	// Witnessed is the evidence that its ballots were logged before the
	// close: the largest checkpoint of its log (signed note, with the
	// cosignature lines) that a quorum of the other members' witnesses
	// cosigned with timestamps before the close ("" when it has none).
	Witnessed string `json:"witnessed,omitempty"`
	Time      string `json:"time"`
	Origin    string `json:"origin"`
	LogIndex  int64  `json:"log_index"`
}

// GovernanceEvent is the content of every governance entry: "v" and one
// of the parts, by type.
type GovernanceEvent struct {
	V        int              `json:"v"`
	Charter  *SignedCharter   `json:"charter,omitempty"`  // charter.installed
	Part     int              `json:"part,omitempty"`     // proposal.pack: 0-based
	Parts    int              `json:"parts,omitempty"`    // proposal.pack
	Hash     string           `json:"hash,omitempty"`     // proposal.pack: the proposed pack's hash
	Data     string           `json:"data,omitempty"`     // proposal.pack: this part of the YAML
	Proposal *ProposalContent `json:"proposal,omitempty"` // proposal.filed
	Comment  *Comment         `json:"comment,omitempty"`  // proposal.comment
	Ballot   *Ballot          `json:"ballot,omitempty"`   // vote.cast
	Seal     *Seal            `json:"seal,omitempty"`     // proposal.sealed
	Decision *Decision        `json:"decision,omitempty"` // proposal.decided
}

func init() {
	for _, t := range []string{LogCharterInstalled, LogProposalPack, LogProposalFiled, LogProposalComment, LogVoteCast, LogProposalSealed, LogProposalDecided} {
		registerLogDecoder(t, decodeGovernance)
	}
}

func decodeGovernance(ev *LogEvent) (any, error) {
	g, err := content[GovernanceEvent](ev)
	if err != nil {
		return nil, err
	}
	if g.V != 1 {
		return nil, fmt.Errorf("content is version %d, not 1", g.V)
	}
	ok := false
	switch ev.Type {
	case LogCharterInstalled:
		ok = g.Charter != nil
	case LogProposalPack:
		ok = g.Parts > 0 && g.Part >= 0 && g.Part < g.Parts && g.Hash != "" && g.Data != ""
	case LogProposalFiled:
		ok = g.Proposal != nil && g.Proposal.Kind != "" && g.Proposal.Proposer != ""
	case LogProposalComment:
		ok = g.Comment != nil && g.Comment.Proposal != "" && len(g.Comment.Text) > 0
	case LogVoteCast:
		ok = g.Ballot != nil && g.Ballot.Proposal == ev.Record && g.Ballot.Note != ""
	case LogProposalSealed:
		ok = g.Seal != nil && g.Seal.Proposal == ev.Record
	case LogProposalDecided:
		ok = g.Decision != nil && g.Decision.Proposal == ev.Record
	}
	if !ok {
		return nil, fmt.Errorf("content is not a %s", ev.Type)
	}
	return g, nil
}

// GovernanceReadTx reads what a node holds of governance: its own records
// and those decoded from its peers' mirrored logs.
type GovernanceReadTx interface {
	// Charters lists the installed charters, by version.
	Charters(ctx context.Context) ([]SignedCharter, error)
	// Proposal reads one proposal; ENotFound if none.
	Proposal(ctx context.Context, id string) (*Proposal, error)
	// Proposals lists every proposal, newest first (by filing time).
	Proposals(ctx context.Context) ([]Proposal, error)
	// ProposalPack reads a proposed pack's YAML by its hash; ENotFound.
	ProposalPack(ctx context.Context, hash string) ([]byte, error)
	// Ballots lists a proposal's ballots in the order they were logged
	// (time, then origin, then index).
	Ballots(ctx context.Context, proposal string) ([]Ballot, error)
	// Comments lists a proposal's comments, oldest first.
	Comments(ctx context.Context, proposal string) ([]Comment, error)
	// Seals lists the seals logged for a proposal, one per node, by origin.
	Seals(ctx context.Context, proposal string) ([]Seal, error)
	// Decisions lists the decisions logged for a proposal, one per node.
	Decisions(ctx context.Context, proposal string) ([]Decision, error)
	// GovernanceCursor is how many entries of a mirrored log governance has
	// read (0 if none).
	GovernanceCursor(ctx context.Context, origin string) (int64, error)
}

// GovernanceWriteTx changes what a node holds of governance.
type GovernanceWriteTx interface {
	// PutCharter stores an installed charter; EConflict if its version is
	// stored already.
	PutCharter(ctx context.Context, c SignedCharter) error
	// CreateProposal stores a proposal; EConflict if its id exists.
	CreateProposal(ctx context.Context, p Proposal) error
	// PutProposalPack stores a proposed pack's YAML under its hash (again
	// is a no-op).
	PutProposalPack(ctx context.Context, hash string, data []byte) error
	// AddBallot stores a ballot; EConflict if its (origin, index) exists.
	AddBallot(ctx context.Context, b Ballot) error
	// AddComment stores a comment; EConflict if its id exists.
	AddComment(ctx context.Context, c Comment) error
	// AddSeal stores a node's seal; EConflict if that origin sealed the
	// proposal already.
	AddSeal(ctx context.Context, s Seal) error
	// AddDecision stores a node's decision; EConflict if that origin
	// decided the proposal already.
	AddDecision(ctx context.Context, d Decision) error
	// SetGovernanceCursor moves a mirrored log's cursor from old to next;
	// EConflict if it is not at old.
	SetGovernanceCursor(ctx context.Context, origin string, old, next int64) error
}

// PackDiff is a proposed pack version compared with its base, rule by
// rule: every field of the pack, of each rule and of each obligation that
// differs, texts language by language.
type PackDiff struct {
	Pack            string        `json:"pack"`
	BaseVersion     string        `json:"base_version"`
	ProposedVersion string        `json:"proposed_version"`
	BaseHash        string        `json:"base_hash"`
	ProposedHash    string        `json:"proposed_hash"`
	Fields          []FieldChange `json:"fields"` // the pack's own fields, tiers and exclusions
	Rules           []ItemChange  `json:"rules"`
}

// Change kinds of a PackDiff.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// ItemChange is a rule (or an obligation, a tier, an exclusion) added,
// removed or changed.
type ItemChange struct {
	ID          string        `json:"id"`
	Change      string        `json:"change"`
	Citation    string        `json:"citation,omitempty"` // the proposed one (the base one for a removed rule)
	Fields      []FieldChange `json:"fields,omitempty"`
	Obligations []ItemChange  `json:"obligations,omitempty"`
}

// FieldChange is one field that differs: its path (e.g. "when",
// "title.fr", "effective_from") and its old and new values as JSON text
// ("" for a field absent on that side).
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

// Check validates and normalises a multilingual text of kind (see
// CheckText) under field, as filings' texts are.
func (t Text) Check(field string, kind TextKind, required bool, maxLen int, p *Problems) Text {
	return t.normalize(field, kind, required, maxLen, p)
}

// CharterInstall is a request to install a charter at a node: the charter
// document (YAML) and the members' signatures (signed notes, each over
// CharterNoteText).
type CharterInstall struct {
	Charter    string   `json:"charter"`
	Signatures []string `json:"signatures"`
}

// NewProposal is a member's proposal, filed at its own node by its admin.
type NewProposal struct {
	Kind string `json:"kind"`
	Pack string `json:"pack"`
	// BaseHash is the hash of the version in force the proposal amends
	// (amend-pack, retire-pack): a proposal against any other is stale.
	BaseHash string `json:"base_hash,omitempty"`
	// PackYAML is the whole proposed version (amend-pack, add-pack).
	PackYAML  string `json:"pack_yaml,omitempty"`
	Title     Text   `json:"title"`
	Rationale Text   `json:"rationale"`
}

// NewComment is a comment on a proposal in its comment period.
type NewComment struct {
	Parent string `json:"parent,omitempty"`
	Text   Text   `json:"text"`
}

// NewBallot is a member's vote, signed by its vote key over
// BallotNoteText, sent to its own node by that node's admin.
type NewBallot struct {
	Choice  string `json:"choice"`
	Reasons Text   `json:"reasons,omitempty"`
	OptOut  bool   `json:"opt_out,omitempty"`
	Note    string `json:"note"`
}

// Proposal statuses (computed, never stored: the logs decide them).
const (
	StatusComment  = "comment"  // in its comment period
	StatusVoting   = "voting"   // in its voting period
	StatusClosed   = "closed"   // closed; this node has not decided yet
	StatusDecided  = "decided"  // this node decided; others' decisions awaited
	StatusAdopted  = "adopted"  // every member's node decided it passed
	StatusRejected = "rejected" // every member's node decided it failed
	StatusDisputed = "disputed" // members' nodes decided differently
)

// ProposalView is a proposal as the API shows it: with its status, the
// live tally, its comments, ballots, seals and the nodes' decisions.
type ProposalView struct {
	Proposal
	Status string `json:"status"`
	// InForce says whether this node loaded the adopted version; OptedOut
	// that its member opted out and keeps the previous one.
	InForce   bool       `json:"in_force"`
	OptedOut  bool       `json:"opted_out,omitempty"`
	Tally     Tally      `json:"tally"`
	Comments  []Comment  `json:"comments"`
	Ballots   []Ballot   `json:"ballots"`
	Seals     []Seal     `json:"seals"`
	Decisions []Decision `json:"decisions"`
}

// ProposalList is the proposals a node holds, newest first.
type ProposalList struct {
	Proposals []ProposalSummary `json:"proposals"`
}

// ProposalSummary is a line of the proposals list.
type ProposalSummary struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Pack     string `json:"pack"`
	Title    Text   `json:"title"`
	Proposer string `json:"proposer"`
	Status   string `json:"status"`
	Closes   string `json:"closes"`
}

// GovernanceReceipt is the answer to a governance write: the record's id
// and the log receipts of its entries.
type GovernanceReceipt struct {
	ID       string    `json:"id"`
	Receipts []Receipt `json:"receipts"`
}

// Impact is what a proposal would change in the registry a node holds: every
// system (its own and mirrored ones) classified under the pack's base and
// proposed versions, as of a date.
type Impact struct {
	Proposal string `json:"proposal"`
	Pack     string `json:"pack"`
	AsOf     string `json:"as_of"` // YYYY-MM-DD
	// State is "running" while the systems are classified (Done of Total
	// so far), "done" once Computed.
	State    string     `json:"state"`
	Done     int        `json:"done"`
	Total    int        `json:"total"`
	Computed *time.Time `json:"computed,omitempty"`
	// Refreshing says a newer computation runs (the registry changed).
	Refreshing bool `json:"refreshing,omitempty"`
	// Systems counts the systems classified, Moved those whose tier under
	// the pack changes.
	Systems int `json:"systems"`
	Moved   int `json:"moved"`
	// Moves counts the moved systems by (from, to, country), each country
	// of deployment counted.
	Moves []ImpactMove `json:"moves"`
	// Gained and Lost count, per obligation (rule/obligation), the systems
	// that would gain or lose it.
	Gained map[string]int `json:"gained"`
	Lost   map[string]int `json:"lost"`
	// List is one page of the moved systems (filtered as asked), Next the
	// cursor of the next.
	List []ImpactSystem `json:"list"`
	Next string         `json:"next,omitempty"`
}

// ImpactMove is a count of systems moving from one tier to another.
type ImpactMove struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Country string `json:"country"`
	Count   int    `json:"count"`
}

// ImpactSystem is a system the proposal would move.
type ImpactSystem struct {
	ID        string   `json:"id"`
	Name      Text     `json:"name"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	Countries []string `json:"countries"`
	Gained    []string `json:"gained,omitempty"`
	Lost      []string `json:"lost,omitempty"`
}

// PackVersion is a version of a rule pack at a node: one in force, and
// every one adopted by a proposal, with its adoption record.
type PackVersion struct {
	Pack    string `json:"pack"`
	Version string `json:"version"`
	Hash    string `json:"hash"`
	InForce bool   `json:"in_force"`
	// Proposal adopted it ("" for a version shipped with the node);
	// Adopted is when this node decided it, Approvers the members whose
	// signed ballots adopted it.
	Proposal  string   `json:"proposal,omitempty"`
	Adopted   string   `json:"adopted,omitempty"`
	Approvers []string `json:"approvers,omitempty"`
	// OptedOut: this node's member opted out; the previous version stays
	// in force here.
	OptedOut bool `json:"opted_out,omitempty"`
}

package governance_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/governance"
	"github.com/accord-gov/accord/internal/nodeproc"
	"github.com/accord-gov/accord/postgres/pgtest"
)

// member is one member of the test federation: its node (a real process)
// and its vote key.
type member struct {
	*nodeproc.Proc
	skey, vkey string
}

// federation starts n member nodes (the last on PostgreSQL, the others
// on SQLite), peers every pair, and installs at each
// a charter signed by all of them with short periods.
func federation(t *testing.T, names ...string) ([]*member, string) {
	t.Helper()
	t.Setenv("ACCORD_GOVERNANCE_INTERVAL", "100ms")
	t.Setenv("ACCORD_GOVERNANCE_SETTLE", "30s")
	var ms []*member
	for i, n := range names {
		db := "" // SQLite; the last member's node runs on PostgreSQL
		if i == len(names)-1 {
			db = pgtest.DSN(t)
		}
		p := nodeproc.Start(t, n, db)
		skey, vkey, err := governance.GenerateVoteKey(n)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, &member{Proc: p, skey: skey, vkey: vkey})
	}
	for _, p := range ms {
		for _, q := range ms {
			if p != q {
				p.PeerWith(t, q.Proc)
			}
		}
	}
	var b strings.Builder
	b.WriteString("version: 1\ntitle: Test federation charter\nmembers:\n")
	for i, m := range ms {
		fmt.Fprintf(&b, "  - {id: %s, name: Member %s, country: %s, vote_key: %q, origin: %q, url: %q, log_key: %q, witness_key: %q}\n",
			m.Name, m.Name, []string{"FR", "KR", "BR", "KE", "CA"}[i], m.vkey, m.ID.Origin, m.URL(), m.ID.LogKey, m.ID.WitnessKey)
	}
	b.WriteString("rules:\n")
	for _, k := range accord.DecisionKinds {
		rule := "{comment_period: 3s, voting_period: 5s, quorum: 1/2, approve: 2/3, max_disapprove: 1/2, opt_out: true}"
		if k == accord.KindAmendCharter {
			rule = "{comment_period: 3s, voting_period: 5s, quorum: 3/4, approve: 3/4, max_disapprove: 1/4}"
		}
		fmt.Fprintf(&b, "  %s: %s\n", k, rule)
	}
	doc := b.String()
	ch, err := governance.ParseCharter([]byte(doc))
	if err != nil {
		t.Fatalf("charter: %v\n%s", err, doc)
	}
	h, _ := ch.Hash()
	var sigs []string
	for _, m := range ms {
		s, err := governance.Sign(m.skey, accord.CharterNoteText(1, h))
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, s)
	}
	ctx := context.Background()
	// A founding charter missing a signature is refused, and nothing is stored.
	if _, err := ms[0].Admin.InstallCharter(ctx, accord.CharterInstall{Charter: doc, Signatures: sigs[1:]}); !isStatus(err, 422) {
		t.Fatalf("charter without every founder's signature: %v, want 422", err)
	}
	for _, m := range ms {
		if _, err := m.Admin.InstallCharter(ctx, accord.CharterInstall{Charter: doc, Signatures: sigs}); err != nil {
			t.Fatalf("%s: install charter: %v", m.Name, err)
		}
	}
	return ms, doc
}

func isStatus(err error, status int) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.Status == status
}

// ballot signs and casts m's ballot at its own node.
func ballot(t *testing.T, m *member, p *accord.ProposalView, choice string, reasons accord.Text, optOut bool) (*accord.GovernanceReceipt, error) {
	t.Helper()
	note, err := governance.Sign(m.skey, accord.BallotNoteText(p.ID, p.ContentHash, m.Name, choice, accord.TextHash(reasons), optOut))
	if err != nil {
		t.Fatal(err)
	}
	return m.Admin.Vote(context.Background(), p.ID, accord.NewBallot{Choice: choice, Reasons: reasons, OptOut: optOut, Note: note})
}

func waitProposal(t *testing.T, m *member, id, what string, limit time.Duration, cond func(*accord.ProposalView) bool) *accord.ProposalView {
	t.Helper()
	var last *accord.ProposalView
	nodeproc.WaitFor(t, m.Name+": "+what, limit, func() bool {
		p, err := m.Public.Proposal(context.Background(), id)
		if err != nil {
			return false
		}
		last = p
		return cond(p)
	})
	return last
}

func nycTier(t *testing.T, m *member, system string) string {
	t.Helper()
	page, err := m.Public.Search(context.Background(), accord.SystemQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range page.Systems {
		if s.ID == system {
			return s.Tiers["us-nyc"]
		}
	}
	return ""
}

// TestGovernanceAcrossNodes: three member nodes as real processes. A
// proposal filed at one is seen, commented and voted on at the others;
// every node tallies the same; it is adopted, and the nodes of the members
// that did not opt out load the new version and re-classify, while the
// member that opted out keeps the old one. A second proposal that misses
// the quorum is rejected everywhere. Bad ballots are refused.
func TestGovernanceAcrossNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node processes")
	}
	ms, charterDoc := federation(t, "alpha", "beta", "gamma")
	ch0, err := governance.ParseCharter([]byte(charterDoc))
	if err != nil {
		t.Fatal(err)
	}
	alpha, beta, gamma := ms[0], ms[1], ms[2]
	ctx := context.Background()

	// A hiring tool that substantially assists promotion decisions: an
	// AEDT under the NYC pack in force, and not under the amendment
	// (until its new rule applies in 2027).
	prov, _ := alpha.Provider(t)
	no, yes := false, true
	sys, err := prov.FileSystem(ctx, "", accord.Filing{
		TradeName: accord.Text{"en": "Promotion scorer"}, SystemVersion: "1", Status: "active",
		IntendedPurpose: accord.Text{"en": "Scores employees for promotion."}, Domains: []string{"employment.workforce_management"},
		DeploymentCountries: []string{"US"}, DeployerKinds: []string{"employer"}, AffectedPersons: []string{"workers"},
		Facts: accord.Facts{AutomatedDecision: &no, MaterialInfluenceOnDecision: &yes},
	}, "")
	if err != nil {
		t.Fatalf("file: %v", err)
	}
	for _, m := range ms {
		nodeproc.WaitFor(t, m.Name+": the system classified aedt", 20*time.Second, func() bool { return nycTier(t, m, sys.ID) == "aedt" })
	}

	base, err := frameworks.Pack("us-nyc")
	if err != nil {
		t.Fatal(err)
	}
	amended, err := os.ReadFile("../examples/governance/us-nyc-amended.yaml")
	if err != nil {
		t.Fatal(err)
	}
	title := accord.Text{"en": "Narrow the AEDT rule to tools that decide", "fr": "Restreindre la règle AEDT aux outils qui décident"}
	rationale := accord.Text{"en": "A fictional amendment, for tests."}

	// Bad proposals: a stale base, an invalid pack, a missing title; nothing is stored.
	if _, err := alpha.Admin.Propose(ctx, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: strings.Repeat("0", 64), PackYAML: string(amended), Title: title, Rationale: rationale}); !isStatus(err, 409) {
		t.Errorf("stale base: %v, want 409", err)
	}
	bad := strings.Replace(string(amended), `when: "facts.automated_decision"`, `when: "facts.automated_decision +"`, 1)
	if _, err := alpha.Admin.Propose(ctx, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: bad, Title: title, Rationale: rationale}); !isStatus(err, 422) || !strings.Contains(err.Error(), "pack_yaml") {
		t.Errorf("invalid pack: %v, want 422 naming pack_yaml", err)
	}
	if _, err := alpha.Admin.Propose(ctx, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: string(amended), Rationale: rationale}); !isStatus(err, 422) {
		t.Errorf("no title: %v, want 422", err)
	}
	if _, err := prov.Propose(ctx, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: string(amended), Title: title, Rationale: rationale}); !isStatus(err, 403) {
		t.Errorf("an organization's token proposing: %v, want 403", err)
	}

	// The proposal to adopt, filed at alpha, and one at beta that will miss the quorum.
	res, err := alpha.Admin.Propose(ctx, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: string(amended), Title: title, Rationale: rationale})
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
	pid := res.ID
	res2, err := beta.Admin.Propose(ctx, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: string(amended),
		Title: accord.Text{"en": "The same, again"}, Rationale: rationale})
	if err != nil {
		t.Fatalf("propose at beta: %v", err)
	}
	qid := res2.ID

	// Every node sees both, with the same content hash, and the diff.
	var views []*accord.ProposalView
	for _, m := range ms {
		views = append(views, waitProposal(t, m, pid, "the proposal mirrored", 20*time.Second, func(*accord.ProposalView) bool { return true }))
		waitProposal(t, m, qid, "the second proposal mirrored", 20*time.Second, func(*accord.ProposalView) bool { return true })
	}
	if !ch0.Witnessed() {
		t.Fatal("the test charter does not pin the witness keys")
	}
	for _, v := range views[1:] {
		if v.ContentHash != views[0].ContentHash || v.Origin != alpha.ID.Origin {
			t.Fatalf("proposal differs between nodes: %+v vs %+v", v.Proposal, views[0].Proposal)
		}
	}
	d, err := gamma.Public.ProposalDiff(ctx, pid)
	if err != nil {
		t.Fatalf("diff at gamma: %v", err)
	}
	if want, _ := os.ReadFile("testdata/us-nyc/diff.golden"); governance.DiffText(*d) != string(want) {
		t.Errorf("diff at gamma differs from the golden one:\n%s", governance.DiffText(*d))
	}

	// The impact preview at beta, which holds the system as a mirrored one:
	// it would move from aedt to minimal, and lose its duties.
	var im *accord.Impact
	nodeproc.WaitFor(t, "beta: the impact preview", 20*time.Second, func() bool {
		im, err = beta.Public.Impact(ctx, pid, nil)
		return err == nil && im.State == "done"
	})
	if im.Moved != 1 || len(im.List) != 1 || im.List[0].ID != sys.ID || im.List[0].From != "aedt" || im.List[0].To != "minimal" ||
		len(im.Moves) != 1 || im.Moves[0].Country != "US" || im.Lost["aedt/candidate-notice"] != 1 {
		t.Errorf("impact at beta: %+v", im)
	}

	// Comments during the comment period, seen everywhere; a ballot before voting opens is refused.
	if _, err := beta.Admin.Comment(ctx, pid, accord.NewComment{Text: accord.Text{"en": "Why six months?", "ko": "왜 6개월입니까?"}}); err != nil {
		t.Fatalf("comment at beta: %v", err)
	}
	if _, err := ballot(t, alpha, views[0], accord.Approve, nil, false); !isStatus(err, 409) {
		t.Errorf("ballot in the comment period: %v, want 409", err)
	}
	waitProposal(t, alpha, pid, "beta's comment mirrored", 20*time.Second, func(p *accord.ProposalView) bool {
		return len(p.Comments) == 1 && p.Comments[0].Author == "beta"
	})

	// Voting.
	waitProposal(t, alpha, pid, "voting open", 20*time.Second, func(p *accord.ProposalView) bool { return p.Status == accord.StatusVoting })
	p := views[0]
	// Refused: another member's key, another content hash, no reasons to disapprove.
	wrongKey := &member{Proc: alpha.Proc, skey: beta.skey}
	wrongKey.Name = "alpha"
	if _, err := ballot(t, wrongKey, p, accord.Approve, nil, false); !isStatus(err, 422) || !strings.Contains(err.Error(), "note") {
		t.Errorf("ballot signed with beta's key at alpha: %v, want 422 naming note", err)
	}
	other := *p
	other.ContentHash = strings.Repeat("ab", 32)
	if _, err := ballot(t, alpha, &other, accord.Approve, nil, false); !isStatus(err, 422) {
		t.Errorf("ballot over another content hash: %v, want 422", err)
	}
	if _, err := ballot(t, gamma, p, accord.Disapprove, nil, false); !isStatus(err, 422) {
		t.Errorf("disapproval without reasons: %v, want 422", err)
	}
	// alpha first disapproves then approves: the last ballot counts.
	if _, err := ballot(t, alpha, p, accord.Disapprove, accord.Text{"en": "Second thoughts."}, false); err != nil {
		t.Fatalf("alpha disapproves: %v", err)
	}
	for _, c := range []struct {
		m       *member
		choice  string
		reasons accord.Text
		optOut  bool
	}{
		{alpha, accord.Approve, nil, false},
		{beta, accord.Approve, nil, false},
		{gamma, accord.Disapprove, accord.Text{"en": "Tools that substantially assist a decision should stay covered."}, true},
	} {
		if _, err := ballot(t, c.m, p, c.choice, c.reasons, c.optOut); err != nil {
			t.Fatalf("%s votes %s: %v", c.m.Name, c.choice, err)
		}
	}
	// Only beta votes on the second proposal: 1 of 3 misses the quorum of 1/2.
	q := waitProposal(t, beta, qid, "voting open", 20*time.Second, func(p *accord.ProposalView) bool { return p.Status == accord.StatusVoting })
	if _, err := ballot(t, beta, q, accord.Approve, nil, false); err != nil {
		t.Fatalf("beta votes on the second proposal: %v", err)
	}

	// The close: every node seals, decides, and reaches the same result.
	var tallies []accord.Tally
	for _, m := range ms {
		v := waitProposal(t, m, pid, "adopted", 40*time.Second, func(p *accord.ProposalView) bool { return p.Status == accord.StatusAdopted })
		tallies = append(tallies, v.Tally)
		if len(v.Decisions) != 3 {
			t.Errorf("%s holds %d decisions, want 3", m.Name, len(v.Decisions))
		}
		for _, sl := range v.Seals {
			if sl.Witnessed == "" {
				t.Errorf("%s: %s's seal carries no witnessed checkpoint", m.Name, sl.Member)
			}
		}
		v2 := waitProposal(t, m, qid, "rejected", 40*time.Second, func(p *accord.ProposalView) bool { return p.Status == accord.StatusRejected })
		if v2.Tally.Quorum || v2.Tally.Cast != 1 {
			t.Errorf("%s: second proposal's tally %+v, want 1 ballot and no quorum", m.Name, v2.Tally)
		}
	}
	for i, tl := range tallies {
		if tl.Approve != 2 || tl.Disapprove != 1 || !tl.Passed || strings.Join(tl.OptedOut, ",") != "gamma" {
			t.Errorf("%s's tally: %+v", ms[i].Name, tl)
		}
		if fmt.Sprint(tl.Counted) != fmt.Sprint(tallies[0].Counted) {
			t.Errorf("%s counted %v, alpha %v", ms[i].Name, tl.Counted, tallies[0].Counted)
		}
	}
	// A ballot after the close is refused.
	if _, err := ballot(t, beta, p, accord.Abstain, nil, false); !isStatus(err, 409) {
		t.Errorf("ballot after the close: %v, want 409", err)
	}

	// Adopted: alpha and beta load the new version and re-classify; gamma,
	// which opted out, keeps the old one.
	for _, m := range ms {
		want, tier := "2027.1.0", "minimal"
		if m == gamma {
			want, tier = base.Version, "aedt"
		}
		nodeproc.WaitFor(t, m.Name+": us-nyc "+want+" in force", 20*time.Second, func() bool {
			h, err := m.Public.FrameworkHash(ctx, "us-nyc")
			return err == nil && (h == base.Hash) == (m == gamma)
		})
		nodeproc.WaitFor(t, m.Name+": the system re-classified "+tier, 20*time.Second, func() bool { return nycTier(t, m, sys.ID) == tier })
		v, _ := m.Public.Proposal(ctx, pid)
		if v.InForce == (m == gamma) || v.OptedOut != (m == gamma) {
			t.Errorf("%s: in_force %v, opted_out %v", m.Name, v.InForce, v.OptedOut)
		}
	}

	// Anyone can recompute the tally from the members' logs and the charter.
	ch, err := governance.ParseCharter([]byte(charterDoc))
	if err != nil {
		t.Fatal(err)
	}
	fetch := func(ctx context.Context, base, path string) ([]byte, error) {
		return client.New(base, "").Get(ctx, path)
	}
	_, off, err := governance.OfflineTally(ctx, ch, pid, nil, fetch)
	if err != nil {
		t.Fatalf("offline tally: %v", err)
	}
	if off.Approve != 2 || off.Disapprove != 1 || !off.Passed || fmt.Sprint(off.Counted) != fmt.Sprint(tallies[0].Counted) {
		t.Errorf("offline tally %+v differs from the nodes' %+v", off, tallies[0])
	}
}

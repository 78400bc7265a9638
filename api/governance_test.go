package api_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/governance"
)

// TestGovernanceAPI: the charter, a proposal, its diff, pack, impact and
// tally, comments and ballots over the API, every response held to the
// OpenAPI document; bad input refused naming the field; at the close the
// one-member federation adopts it and the node loads the new version.
func TestGovernanceAPI(t *testing.T) {
	t.Setenv("ACCORD_GOVERNANCE_INTERVAL", "50ms")
	e := newEnv(t)
	public := &client.Client{Server: e.node.URL, HTTP: e.http}
	if _, err := public.Charter(ctx); err == nil {
		t.Fatal("a charter before any was installed")
	}
	skey, vkey, err := governance.GenerateVoteKey("solo")
	if err != nil {
		t.Fatal(err)
	}
	doc := "version: 1\ntitle: API test charter\nmembers:\n  - {id: solo, name: Solo, country: FR, vote_key: \"" + vkey + "\", origin: \"" + e.node.Log.Origin() + "\", url: \"" + e.node.URL + "\"}\nrules:\n"
	for _, k := range accord.DecisionKinds {
		doc += "  " + k + ": {comment_period: 1s, voting_period: 2s, quorum: 1/2, approve: 2/3, max_disapprove: 1/4}\n"
	}
	c, err := governance.ParseCharter([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := c.Hash()
	sig, _ := governance.Sign(skey, accord.CharterNoteText(1, h))
	_, err = e.provider.InstallCharter(ctx, accord.CharterInstall{Charter: doc, Signatures: []string{sig}})
	wantStatus(t, "an organization installs a charter", err, 403, "")
	_, err = e.admin.InstallCharter(ctx, accord.CharterInstall{Charter: doc})
	wantStatus(t, "a charter without signatures", err, 422, "signatures")
	if _, err := e.admin.InstallCharter(ctx, accord.CharterInstall{Charter: doc, Signatures: []string{sig}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.admin.InstallCharter(ctx, accord.CharterInstall{Charter: doc, Signatures: []string{sig}})
	wantStatus(t, "the same charter again", err, 422, "version")
	if sc, err := public.Charter(ctx); err != nil || sc.Charter.Version != 1 {
		t.Fatalf("charter: %+v, %v", sc, err)
	}
	if cs, err := public.Charters(ctx); err != nil || len(cs) != 1 {
		t.Fatalf("charters: %v, %v", cs, err)
	}

	base, _ := frameworks.Pack("us-nyc")
	amended, err := os.ReadFile("../examples/governance/us-nyc-amended.yaml")
	if err != nil {
		t.Fatal(err)
	}
	good := accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: string(amended), Title: accord.Text{"en": "Narrow"}, Rationale: accord.Text{"en": "Fictional."}}
	for _, tc := range []struct {
		name   string
		as     *client.Client
		edit   func(*accord.NewProposal)
		status int
		field  string
	}{
		{"public", public, nil, 401, ""},
		{"an organization", e.provider, nil, 403, ""},
		{"a stale base", e.admin, func(p *accord.NewProposal) { p.BaseHash = strings.Repeat("0", 64) }, 409, "base_hash"},
		{"an invalid pack", e.admin, func(p *accord.NewProposal) { p.PackYAML = "id: us-nyc\nversion: [\n" }, 422, "pack_yaml"},
		{"no title", e.admin, func(p *accord.NewProposal) { p.Title = nil }, 422, "title"},
		{"an oversized title", e.admin, func(p *accord.NewProposal) { p.Title = accord.Text{"en": strings.Repeat("x", 400)} }, 422, "title.en"},
		{"an unknown kind", e.admin, func(p *accord.NewProposal) { p.Kind = "abolish" }, 422, "kind"},
		{"the version in force itself", e.admin, func(p *accord.NewProposal) {
			b, _ := os.ReadFile("../frameworks/us-nyc/pack.yaml")
			p.PackYAML = string(b)
		}, 422, "pack_yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := good
			if tc.edit != nil {
				tc.edit(&req)
			}
			_, err := tc.as.Propose(ctx, req)
			wantStatus(t, tc.name, err, tc.status, tc.field)
		})
	}
	if l, err := public.Proposals(ctx); err != nil || len(l.Proposals) != 0 {
		t.Fatalf("a refused proposal was stored: %+v, %v", l, err)
	}
	res, err := e.admin.Propose(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Receipts) != 2 { // one pack part, the proposal
		t.Errorf("receipts: %d, want 2", len(res.Receipts))
	}
	checkEvent(t, e, res.Receipts[1], accord.LogProposalFiled, `"proposer":"solo"`)
	id := res.ID
	p, err := public.Proposal(ctx, id)
	if err != nil || p.Status != accord.StatusComment {
		t.Fatalf("proposal: %+v, %v", p, err)
	}
	if d, err := public.ProposalDiff(ctx, id); err != nil || len(d.Rules) == 0 {
		t.Errorf("diff: %+v, %v", d, err)
	}
	if y, err := public.Get(ctx, "/v1/governance/proposals/"+id+"/pack"); err != nil || string(y) != string(amended) {
		t.Errorf("pack: %d bytes, %v", len(y), err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		im, err := public.Impact(ctx, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if im.State == "done" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the impact preview never finished")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := public.Impact(ctx, id, map[string][]string{"country": {"France"}}); err == nil {
		t.Error("a bad country filter was accepted")
	}

	// Comments.
	_, err = public.Comment(ctx, id, accord.NewComment{Text: accord.Text{"en": "x"}})
	wantStatus(t, "a public comment", err, 401, "")
	_, err = e.provider.Comment(ctx, id, accord.NewComment{})
	wantStatus(t, "an empty comment", err, 422, "text")
	cm, err := e.provider.Comment(ctx, id, accord.NewComment{Text: accord.Text{"en": "Why?"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.provider.Comment(ctx, id, accord.NewComment{Parent: "c-0000000000000000", Text: accord.Text{"en": "Re"}})
	wantStatus(t, "an answer to no comment", err, 422, "parent")
	if _, err := e.admin.Comment(ctx, id, accord.NewComment{Parent: cm.ID, Text: accord.Text{"en": "Because."}}); err != nil {
		t.Fatal(err)
	}
	_, err = public.Proposal(ctx, "p-0000000000000000")
	wantStatus(t, "an unknown proposal", err, 404, "")

	// Ballots.
	note := func(choice string, reasons accord.Text) string {
		n, _ := governance.Sign(skey, accord.BallotNoteText(id, p.ContentHash, "solo", choice, accord.TextHash(reasons), false))
		return n
	}
	_, err = e.admin.Vote(ctx, id, accord.NewBallot{Choice: accord.Approve, Note: note(accord.Approve, nil)})
	wantStatus(t, "a ballot in the comment period", err, 409, "")
	time.Sleep(time.Until(mustLogTime(t, p.Content.CommentsClose)) + 20*time.Millisecond)
	for _, tc := range []struct {
		name   string
		as     *client.Client
		b      accord.NewBallot
		status int
		field  string
	}{
		{"public", public, accord.NewBallot{Choice: accord.Approve, Note: note(accord.Approve, nil)}, 401, ""},
		{"an organization", e.provider, accord.NewBallot{Choice: accord.Approve, Note: note(accord.Approve, nil)}, 403, ""},
		{"no choice", e.admin, accord.NewBallot{Note: note(accord.Approve, nil)}, 422, "choice"},
		{"a note for another choice", e.admin, accord.NewBallot{Choice: accord.Abstain, Note: note(accord.Approve, nil)}, 422, "note"},
		{"a disapproval without reasons", e.admin, accord.NewBallot{Choice: accord.Disapprove, Note: note(accord.Disapprove, nil)}, 422, "reasons"},
		{"opting out of an approval", e.admin, accord.NewBallot{Choice: accord.Approve, OptOut: true, Note: note(accord.Approve, nil)}, 422, "opt_out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.as.Vote(ctx, id, tc.b)
			wantStatus(t, tc.name, err, tc.status, tc.field)
		})
	}
	r, err := e.admin.Vote(ctx, id, accord.NewBallot{Choice: accord.Approve, Note: note(accord.Approve, nil)})
	if err != nil {
		t.Fatal(err)
	}
	checkEvent(t, e, r.Receipts[0], accord.LogVoteCast, `"choice":"approve"`)
	if tl, err := public.Get(ctx, "/v1/governance/proposals/"+id+"/tally"); err != nil || !strings.Contains(string(tl), `"approve":1`) {
		t.Errorf("tally: %s, %v", tl, err)
	}
	// The close: sealed, decided, adopted, loaded.
	for time.Now().Before(deadline.Add(10 * time.Second)) {
		if p, err = public.Proposal(ctx, id); err == nil && p.InForce {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p.Status != accord.StatusAdopted || !p.InForce || len(p.Seals) != 1 || len(p.Decisions) != 1 || len(p.Comments) != 2 {
		t.Fatalf("after the close: %+v", p)
	}
	_, err = e.admin.Vote(ctx, id, accord.NewBallot{Choice: accord.Approve, Note: note(accord.Approve, nil)})
	wantStatus(t, "a ballot after the close", err, 409, "")
	vs, err := public.PackVersions(ctx)
	found := false
	for _, v := range vs {
		if v.Pack == "us-nyc" && v.Hash == base.Hash && v.InForce {
			t.Errorf("the base version is still in force: %+v", v)
		}
		found = found || (v.Proposal == id && v.InForce && v.Version == "2027.1.0" && len(v.Approvers) == 1)
	}
	if err != nil || !found {
		t.Errorf("pack versions: %+v, %v", vs, err)
	}
	if h, err := public.FrameworkHash(ctx, "us-nyc"); err != nil || h != p.Content.ProposedHash {
		t.Errorf("us-nyc in force: %s, %v; want %s", h, err, p.Content.ProposedHash)
	}
}

func mustLogTime(t *testing.T, s string) time.Time {
	tm, err := accord.ParseLogTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

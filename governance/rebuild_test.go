package governance_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/governance"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/registry"
)

// TestRebuildFromLog: a node whose governance tables are gone (a store
// moved by accord migrate-store, which copies the log and not them)
// rebuilds its own charter, proposals, comments and ballots from its own
// log at start: the log is the record.
func TestRebuildFromLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := node.Config{DataDir: dir, Origin: "rebuild.accord.local/log"}
	n, err := node.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	skey, vkey, _ := governance.GenerateVoteKey("a")
	doc := "version: 1\ntitle: Rebuild charter\nmembers:\n  - {id: a, name: A, country: FR, vote_key: \"" + vkey + "\", origin: \"rebuild.accord.local/log\", url: \"http://127.0.0.1\"}\nrules:\n"
	for _, k := range accord.DecisionKinds {
		doc += "  " + k + ": {comment_period: 1h, voting_period: 1h, quorum: 1/2, approve: 2/3, max_disapprove: 1/4}\n"
	}
	c, _ := governance.ParseCharter([]byte(doc))
	h, _ := c.Hash()
	sig, _ := governance.Sign(skey, accord.CharterNoteText(1, h))
	op := registry.Operator()
	if _, err := n.Governance.InstallCharter(ctx, op, accord.CharterInstall{Charter: doc, Signatures: []string{sig}}); err != nil {
		t.Fatal(err)
	}
	base, _ := frameworks.Pack("us-nyc")
	amended, _ := os.ReadFile("../examples/governance/us-nyc-amended.yaml")
	res, err := n.Governance.Propose(ctx, op, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: string(amended), Title: accord.Text{"en": "R"}, Rationale: accord.Text{"en": "R"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Governance.Comment(ctx, op, res.ID, accord.NewComment{Text: accord.Text{"en": "kept"}}); err != nil {
		t.Fatal(err)
	}
	before, err := n.Governance.Proposal(ctx, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	n.Close()

	db, err := sql.Open("sqlite", filepath.Join(dir, "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"gov_charters", "gov_proposals", "gov_packs", "gov_comments", "gov_ballots", "gov_seals", "gov_decisions"} {
		if _, err := db.Exec("DELETE FROM " + table); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	n, err = node.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	after, err := n.Governance.Proposal(ctx, res.ID)
	if err != nil {
		t.Fatalf("after the rebuild: %v", err)
	}
	if after.ContentHash != before.ContentHash || after.LogIndex != before.LogIndex || len(after.Comments) != 1 || after.Comments[0].ID != before.Comments[0].ID {
		t.Errorf("rebuilt %+v, was %+v", after.Proposal, before.Proposal)
	}
	if d, err := n.Governance.Diff(ctx, res.ID); err != nil || len(d.Rules) == 0 {
		t.Errorf("the proposed pack was not rebuilt: %v", err)
	}
	if sc, err := n.Governance.Charter(ctx); err != nil || sc.Hash != h {
		t.Errorf("charter after the rebuild: %+v, %v", sc, err)
	}
}

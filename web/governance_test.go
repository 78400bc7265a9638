package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/governance"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/registry"
)

// TestGovernancePages: the proposals page with the charter, and a
// proposal's page (its diff, impact, tally and comments), in every
// language; unknown proposals are 404, stray parameters 400.
// governanceNode starts a node with the demo registry, a one-member
// charter and a proposal (the fictional NYC amendment) with a comment; it
// returns the node and the proposal's id.
func governanceNode(t testing.TB) (*testNode, string) {
	t.Helper()
	ctx := context.Background()
	n, err := node.Open(ctx, node.Config{DataDir: t.TempDir(), Origin: "gov.accord.local/log"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if _, err := n.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	h := New(Config{Registry: n.Registry, VerifierKey: n.VerifierKey, Governance: n.Governance})
	srv := httptest.NewServer(n.Handler(node.HTTPOptions{Web: h}))
	t.Cleanup(srv.Close)
	tn := &testNode{Node: n, URL: srv.URL, Web: h, Server: srv}

	if resp, body := tn.get(t, nil, "/governance", "en"); resp.StatusCode != 200 || !strings.Contains(body, "No charter is installed") {
		t.Fatalf("/governance without a charter: %d", resp.StatusCode)
	}
	skey, vkey, err := governance.GenerateVoteKey("alpha")
	if err != nil {
		t.Fatal(err)
	}
	doc := "version: 1\ntitle: Page test charter\nmembers:\n  - {id: alpha, name: Alpha Authority, country: KE, vote_key: \"" + vkey + "\", origin: \"gov.accord.local/log\", url: \"" + srv.URL + "\"}\nrules:\n"
	for _, k := range accord.DecisionKinds {
		doc += "  " + k + ": {comment_period: 1h, voting_period: 2h, quorum: 1/2, approve: 2/3, max_disapprove: 1/4, opt_out: true}\n"
	}
	c, err := governance.ParseCharter([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := c.Hash()
	sig, _ := governance.Sign(skey, accord.CharterNoteText(1, hash))
	op := registry.Operator()
	if _, err := n.Governance.InstallCharter(ctx, op, accord.CharterInstall{Charter: doc, Signatures: []string{sig}}); err != nil {
		t.Fatal(err)
	}
	base, _ := frameworks.Pack("us-nyc")
	amended, err := os.ReadFile("../examples/governance/us-nyc-amended.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := n.Governance.Propose(ctx, op, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: string(amended),
		Title: accord.Text{"en": "Narrow the AEDT rule", "ar": "تضييق قاعدة الأدوات الآلية"}, Rationale: accord.Text{"en": "Fictional."}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Governance.Comment(ctx, op, res.ID, accord.NewComment{Text: accord.Text{"fr": "Pourquoi six mois ?"}}); err != nil {
		t.Fatal(err)
	}
	return tn, res.ID
}

func TestGovernancePages(t *testing.T) {
	tn, id := governanceNode(t)
	res := struct{ ID string }{id}
	for _, lang := range uiLocales {
		resp, body := tn.get(t, nil, "/governance", lang)
		if resp.StatusCode != 200 || !strings.Contains(body, "/governance/proposals/"+res.ID) || !strings.Contains(body, "Alpha Authority") {
			t.Errorf("%s /governance: %d, or the proposal or the charter's member missing", lang, resp.StatusCode)
		}
		resp, body = tn.get(t, nil, "/governance/proposals/"+res.ID, lang)
		if resp.StatusCode != 200 {
			t.Fatalf("%s proposal page: %d", lang, resp.StatusCode)
		}
		for _, want := range []string{"aedt-influence", "Pourquoi six mois ?", res.ID, `aria-current="page"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s proposal page lacks %q", lang, want)
			}
		}
		dir := "ltr"
		if lang == "ar" {
			dir = "rtl"
		}
		if want := fmt.Sprintf(`<html lang="%s" dir="%s">`, lang, dir); !strings.Contains(body, want) {
			t.Errorf("%s proposal page: no %s", lang, want)
		}
		if k := regexp.MustCompile(`gov\.[a-z_]+\.?[a-z_-]*`).FindString(strings.ReplaceAll(body, "gov.accord.local", "")); k != "" {
			t.Errorf("%s proposal page shows the message key %s", lang, k)
		}
	}
	if resp, _ := tn.get(t, nil, "/governance/proposals/p-0000000000000000", "en"); resp.StatusCode != 404 {
		t.Errorf("unknown proposal: %d", resp.StatusCode)
	}
	if resp, _ := tn.get(t, nil, "/governance?x=1", "en"); resp.StatusCode != 400 {
		t.Errorf("stray parameter: %d", resp.StatusCode)
	}
}

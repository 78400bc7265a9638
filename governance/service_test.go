package governance_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/governance"
	"github.com/accord-gov/accord/internal/testnode"
)

// soloKeys are vote keys for members a, b, c, d; member a's node is the
// test node, the others' nodes are elsewhere (never started).
type solo struct {
	n      *testnode.Node
	admin  *client.Client
	public *client.Client
	skeys  map[string]string
	vkeys  map[string]string
}

func charterDoc(s *solo, version int, members []string, amendCharter string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: %d\ntitle: Solo charter\nmembers:\n", version)
	for _, m := range members {
		origin, url := m+".elsewhere/log", "http://"+m+".elsewhere"
		if m == "a" {
			origin, url = s.n.Config.Origin, s.n.URL
		}
		fmt.Fprintf(&b, "  - {id: %s, name: Member %s, country: FR, vote_key: %q, origin: %q, url: %q}\n", m, m, s.vkeys[m], origin, url)
	}
	b.WriteString("rules:\n")
	for _, k := range accord.DecisionKinds {
		r := "{comment_period: 1s, voting_period: 2s, quorum: 1/4, approve: 2/3, max_disapprove: 1/4}"
		if k == accord.KindAmendCharter {
			r = amendCharter
		}
		fmt.Fprintf(&b, "  %s: %s\n", k, r)
	}
	return b.String()
}

func sign(t *testing.T, s *solo, doc string, members ...string) []string {
	t.Helper()
	c, err := governance.ParseCharter([]byte(doc))
	if err != nil {
		t.Fatalf("charter: %v\n%s", err, doc)
	}
	h, _ := c.Hash()
	var sigs []string
	for _, m := range members {
		sig, err := governance.Sign(s.skeys[m], accord.CharterNoteText(c.Version, h))
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, sig)
	}
	return sigs
}

func startSolo(t *testing.T) *solo {
	t.Helper()
	t.Setenv("ACCORD_GOVERNANCE_INTERVAL", "50ms")
	n := testnode.Start(t, testnode.Options{Demo: true})
	s := &solo{n: n, admin: client.New(n.URL, n.AdminToken), public: client.New(n.URL, ""), skeys: map[string]string{}, vkeys: map[string]string{}}
	for _, m := range []string{"a", "b", "c", "d", "e"} {
		sk, vk, err := governance.GenerateVoteKey(m)
		if err != nil {
			t.Fatal(err)
		}
		s.skeys[m], s.vkeys[m] = sk, vk
	}
	return s
}

// TestCharterRotation: the founding charter needs every member; the next
// needs its stricter amend-charter rule under both the old and the new
// charter (TUF root rotation); a charter that contradicts itself is
// refused, naming the field; nothing refused is stored.
func TestCharterRotation(t *testing.T) {
	s := startSolo(t)
	ctx := context.Background()
	strict := "{comment_period: 1s, voting_period: 2s, quorum: 3/4, approve: 3/4, max_disapprove: 1/4}"
	v1 := charterDoc(s, 1, []string{"a", "b", "c", "d"}, strict)
	for _, tc := range []struct {
		name, doc, field string
		sigs             []string
		status           int
	}{
		{"a founding charter missing a member's signature", v1, "signatures", sign(t, s, v1, "a", "b", "c"), 422},
		{"a founding charter signed by a stranger's key in a member's place", v1, "signatures", append(sign(t, s, v1, "a", "b", "c"), sign(t, s, v1, "e")...), 422},
		{"no signatures", v1, "signatures", nil, 422},
		{"a threshold above 1", strings.Replace(v1, "approve: 2/3", "approve: 4/3", 1), "rules.amend-pack.approve", nil, 422},
		{"no members", "version: 1\ntitle: Empty\nmembers: []\nrules: {}\n", "members", nil, 422},
		{"a charter easier to amend than a pack", charterDoc(s, 1, []string{"a"}, "{comment_period: 1s, voting_period: 2s, quorum: 1/2, approve: 1/2, max_disapprove: 1/2}"), "rules.amend-charter.approve", nil, 422},
		{"a duplicate key", strings.Replace(v1, "title: Solo charter", "title: Solo charter\ntitle: again", 1), "charter", nil, 422},
		{"version 2 first", charterDoc(s, 2, []string{"a"}, strict), "version", sign(t, s, charterDoc(s, 2, []string{"a"}, strict), "a"), 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.admin.InstallCharter(ctx, accord.CharterInstall{Charter: tc.doc, Signatures: tc.sigs})
			wantField(t, err, tc.status, tc.field)
		})
	}
	if _, err := s.public.Charter(ctx); !isStatus(err, 404) {
		t.Fatalf("a charter was stored: %v", err)
	}
	if _, err := s.admin.InstallCharter(ctx, accord.CharterInstall{Charter: v1, Signatures: sign(t, s, v1, "a", "b", "c", "d")}); err != nil {
		t.Fatalf("install charter 1: %v", err)
	}
	// Charter 2 admits e. Charter 1's rule needs 3/4 of its 4 members (3);
	// charter 2's own needs 3/4 of its 5 (4): a, b, c are enough for the
	// first and not for the second.
	v2 := charterDoc(s, 2, []string{"a", "b", "c", "d", "e"}, strict)
	_, err := s.admin.InstallCharter(ctx, accord.CharterInstall{Charter: v2, Signatures: sign(t, s, v2, "a", "b", "c")})
	wantField(t, err, 422, "signatures")
	if err == nil || !strings.Contains(err.Error(), "own amend-charter rule") {
		t.Errorf("want the new charter's own rule named: %v", err)
	}
	// e and a alone meet neither charter 1's 3 of 4.
	_, err = s.admin.InstallCharter(ctx, accord.CharterInstall{Charter: v2, Signatures: sign(t, s, v2, "a", "e")})
	wantField(t, err, 422, "signatures")
	// a, b, c, e: 3 of charter 1's 4 and 4 of charter 2's 5.
	if _, err := s.admin.InstallCharter(ctx, accord.CharterInstall{Charter: v2, Signatures: sign(t, s, v2, "a", "b", "c", "e")}); err != nil {
		t.Fatalf("install charter 2: %v", err)
	}
	cur, err := s.public.Charter(ctx)
	if err != nil || cur.Charter.Version != 2 || strings.Join(cur.Signers, ",") != "a,b,c,e" {
		t.Fatalf("charter in force: %+v, %v", cur, err)
	}
	if cs, err := s.public.Charters(ctx); err != nil || len(cs) != 2 {
		t.Errorf("charters: %d, %v", len(cs), err)
	}
}

func wantField(t *testing.T, err error, status int, field string) {
	t.Helper()
	var ce *client.Error
	if !errorsAs(err, &ce) || ce.Status != status {
		t.Fatalf("error %v, want status %d", err, status)
	}
	for _, f := range ce.Fields {
		if f.Field == field || strings.HasPrefix(f.Field, field) {
			return
		}
	}
	t.Errorf("error %v names %+v, not %s", err, ce.Fields, field)
}

// TestImpactPreview: the preview at a node with the demo registry counts
// the systems the fictional NYC amendment moves, and pages and filters them.
func TestImpactPreview(t *testing.T) {
	s := startSolo(t)
	ctx := context.Background()
	doc := charterDoc(s, 1, []string{"a"}, "{comment_period: 1h, voting_period: 2h, quorum: 3/4, approve: 3/4, max_disapprove: 1/4}")
	if _, err := s.admin.InstallCharter(ctx, accord.CharterInstall{Charter: doc, Signatures: sign(t, s, doc, "a")}); err != nil {
		t.Fatal(err)
	}
	base, _ := frameworks.Pack("us-nyc")
	amended, err := os.ReadFile("../examples/governance/us-nyc-amended.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.admin.Propose(ctx, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: string(amended),
		Title: accord.Text{"en": "Narrow"}, Rationale: accord.Text{"en": "Fictional."}})
	if err != nil {
		t.Fatal(err)
	}
	var im *accord.Impact
	deadline := time.Now().Add(30 * time.Second)
	for {
		if im, err = s.public.Impact(ctx, res.ID, nil); err != nil {
			t.Fatal(err)
		}
		if im.State == "done" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the preview is still running: %+v", im)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if im.Systems == 0 {
		t.Fatalf("no system classified: %+v", im)
	}
	t.Logf("impact: %d systems, %d moved, moves %+v", im.Systems, im.Moved, im.Moves)
}

func errorsAs(err error, target **client.Error) bool {
	ce, ok := err.(*client.Error)
	if ok {
		*target = ce
	}
	return ok
}

// TestNotAMembersNode: a node that is no member's under the charter files
// no proposal and logs no ballot; its admin comments for no member.
func TestNotAMembersNode(t *testing.T) {
	s := startSolo(t)
	ctx := context.Background()
	doc := charterDoc(s, 1, []string{"b", "c"}, "{comment_period: 1s, voting_period: 2s, quorum: 3/4, approve: 3/4, max_disapprove: 1/4}")
	if _, err := s.admin.InstallCharter(ctx, accord.CharterInstall{Charter: doc, Signatures: sign(t, s, doc, "b", "c")}); err != nil {
		t.Fatal(err)
	}
	base, _ := frameworks.Pack("us-nyc")
	amended, _ := os.ReadFile("../examples/governance/us-nyc-amended.yaml")
	_, err := s.admin.Propose(ctx, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: string(amended), Title: accord.Text{"en": "X"}, Rationale: accord.Text{"en": "X"}})
	if !isStatus(err, 403) || !strings.Contains(err.Error(), "no member's node") {
		t.Errorf("a proposal at a non-member's node: %v, want 403", err)
	}
}

package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/tlog"
)

// fedNode is a node with a peer ("kenya", another real node on loopback)
// whose filings it mirrored, and an alarm about the peer's log (two
// checkpoints of one size signed with its key): every federation page has
// something to show. Shared by the tests of this file and the browser tests.
type fedNode struct {
	*testNode
	Peer     *node.Node
	PeerURL  string
	Foreign  []string // ids of the peer's systems, mirrored here
	PeerName string
}

var (
	fedShared    *fedNode
	fedSharedErr error
	fedOnce      sync.Once
)

func federatedNode(t testing.TB) *fedNode {
	t.Helper()
	fedOnce.Do(func() { fedShared, fedSharedErr = startFedNode() })
	if fedSharedErr != nil {
		t.Fatalf("start the federated node: %v", fedSharedErr)
	}
	return fedShared
}

func startFedNode() (*fedNode, error) {
	ctx := context.Background()
	dir, err := mkdirTemp()
	if err != nil {
		return nil, err
	}
	peer, err := node.Open(ctx, node.Config{DataDir: filepath.Join(dir, "peer"), Origin: "kenya.test/log", Member: "kenya", MonitorInterval: -1})
	if err != nil {
		return nil, err
	}
	peerSrv := httptest.NewServer(peer.Handler(node.HTTPOptions{}))
	n, err := node.Open(ctx, node.Config{DataDir: filepath.Join(dir, "self"), Origin: "france.test/log", Member: "france", MonitorInterval: -1})
	if err != nil {
		return nil, err
	}
	f := &fedNode{testNode: &testNode{Node: n}, Peer: peer, PeerURL: peerSrv.URL, PeerName: "kenya"}
	f.Web = New(Config{Registry: n.Registry, VerifierKey: n.VerifierKey, Federation: n.Federation, Mirror: n.Mirror})
	f.Server = httptest.NewServer(n.Handler(node.HTTPOptions{Web: f.Web}))
	f.URL = f.Server.URL
	// The peer files two systems, one of them named in two languages.
	org, err := peer.Registry.RegisterOrganization(ctx, registry.Operator(), accord.NewOrganization{Name: accord.Text{"en": "Nairobi Hiring (fictional)"}, Kind: "provider", Country: "KE"})
	if err != nil {
		return nil, err
	}
	prov := &registry.Caller{Token: org.Token.Token, OrgKind: "provider"}
	yes := true
	for _, name := range []accord.Text{{"en": "Savannah screening assistant", "sw": "Msaidizi wa uchujaji"}, {"en": "Harambee shift planner"}} {
		v, err := peer.Registry.FileSystem(ctx, prov, registry.FileRequest{Filing: accord.Filing{
			TradeName: name, SystemVersion: "1", Status: "active", IntendedPurpose: accord.Text{"en": "Ranks job applicants for interviews."},
			Domains: []string{"employment.recruitment"}, DeploymentCountries: []string{"KE", "FR"}, Facts: accord.Facts{InteractsWithNaturalPersons: &yes},
		}})
		if err != nil {
			return nil, err
		}
		f.Foreign = append(f.Foreign, v.ID)
	}
	op := registry.Operator()
	if _, err := n.Federation.AddPeer(ctx, op, accord.NewPeer{Name: "kenya", URL: peerSrv.URL, LogKey: peer.VerifierKey, WitnessKey: peer.Federation.Identity().WitnessKey}); err != nil {
		return nil, err
	}
	if _, err := n.Federation.SetPeerState(ctx, op, "kenya", accord.PeerStateChange{State: accord.PeerActive}); err != nil {
		return nil, err
	}
	if err := n.Mirror.Sync(ctx, "kenya"); err != nil {
		return nil, err
	}
	// The peer's key signs a second checkpoint of the size mirrored.
	var cp []byte
	if err := peer.Store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		cp, err = tx.Checkpoint(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	body, _, _ := strings.Cut(string(cp), "\n\n")
	c, err := tlog.ParseCheckpoint(body + "\n")
	if err != nil {
		return nil, err
	}
	c.Hash[0] ^= 1
	skey, err := os.ReadFile(filepath.Join(dir, "peer", node.KeyFile))
	if err != nil {
		return nil, err
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return nil, err
	}
	forged, err := note.Sign(&note.Note{Text: c.String()}, signer)
	if err != nil {
		return nil, err
	}
	ev := accord.SplitViewEvidence{Origin: c.Origin, LogKey: peer.VerifierKey, Checkpoints: [2]string{string(cp), string(forged)},
		Source: [2]string{"verified by this node's mirror", "seen by a test"}}
	if err := n.Federation.RaiseAlarm(ctx, accord.AlarmFork, ev); err != nil {
		return nil, err
	}
	return f, nil
}

// fedPages are the federated node's pages, as full URLs, for the browser
// tests.
func fedPages(t testing.TB) []string {
	f := federatedNode(t)
	return []string{f.URL + "/members", f.URL + "/search?node=kenya", f.URL + "/systems/" + f.Foreign[0]}
}

var missingKey = regexp.MustCompile(`\[[a-z_]+\.[a-z_.-]+\]`)

// TestMembersPage: the members page shows this node, its peer with its
// state and what was mirrored, and the alarm with its evidence, in every
// language; every page shows the alarm banner.
func TestMembersPage(t *testing.T) {
	f := federatedNode(t)
	var size int64
	f.Peer.Store.View(context.Background(), func(tx accord.ReadTx) error {
		var err error
		size, err = tx.LogSize(context.Background())
		return err
	})
	for _, lang := range uiLocales {
		l := locales[lang]
		resp, body := f.get(t, nil, "/members", lang)
		if resp.StatusCode != 200 {
			t.Fatalf("%s /members: %d", lang, resp.StatusCode)
		}
		page := html.UnescapeString(body)
		for _, want := range []string{
			l.T("members.heading"), "france.test/log", "<code>kenya</code>", l.T("peer.state.read-only"), f.PeerURL,
			l.T("members.alarm_of", "member", "kenya"), l.T("alarm.kind.fork", "a", size, "b", size), `"kind": "fork"`,
			`href="/search?node=kenya"`, l.T("nav.members"),
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s /members lacks %q", lang, want)
			}
		}
		if m := missingKey.FindString(page); m != "" {
			t.Errorf("%s /members shows a missing message %s", lang, m)
		}
		for _, p := range []string{"/", "/search", "/members", "/systems/" + f.Foreign[0]} {
			_, body := f.get(t, nil, p, lang)
			if !strings.Contains(html.UnescapeString(body), l.T("alarm.banner", "n", 1)) || !strings.Contains(body, `href="/members#alarms"`) {
				t.Errorf("%s %s: no alarm banner", lang, p)
			}
		}
	}
	// A node whose UI knows no federation has no members page, and a node
	// without alarms shows no banner.
	demo := demoNode(t)
	if resp, body := demo.get(t, nil, "/members", "en"); resp.StatusCode != 404 || strings.Contains(body, `href="/members"`) {
		t.Errorf("/members without federation: %d", resp.StatusCode)
	}
	if _, body := demo.get(t, nil, "/", "en"); strings.Contains(body, "alarm-banner") {
		t.Error("a node without alarms shows the banner")
	}
	if resp, _ := f.get(t, nil, "/members?x=1", "en"); resp.StatusCode != 400 {
		t.Errorf("/members?x=1: %d, want 400", resp.StatusCode)
	}
}

// TestForeignRecordsInSearch: the peer's systems are found with this
// node's, marked with the member holding them; the member facet selects
// them or this node's own.
func TestForeignRecordsInSearch(t *testing.T) {
	f := federatedNode(t)
	l := locales["en"]
	_, body := f.get(t, nil, "/search?q=savannah", "en")
	page := html.UnescapeString(body)
	if !strings.Contains(page, "/systems/"+f.Foreign[0]) || !strings.Contains(page, l.T("foreign.held_by", "member", "kenya")) {
		t.Fatalf("search: the foreign system or its mark is missing")
	}
	if !strings.Contains(page, l.T("facet.node")) {
		t.Error("no member facet")
	}
	_, body = f.get(t, nil, "/search?node=kenya", "en")
	if strings.Count(body, `class="hit"`) != 2 {
		t.Errorf("node=kenya: %d hits, want 2", strings.Count(body, `class="hit"`))
	}
	_, body = f.get(t, nil, "/search?node=france", "en")
	if strings.Contains(body, f.Foreign[0]) || strings.Contains(body, `class="badge foreign"`) {
		t.Error("node=france (this node) lists the peer's systems")
	}
	if resp, _ := f.get(t, nil, "/search?node=a%20b", "en"); resp.StatusCode != 400 {
		t.Errorf("node=a b: %d, want 400", resp.StatusCode)
	}
}

// TestForeignSystemPage: a foreign system's page names its home with a
// link there, and its receipt, checked in the reader's browser, is the
// home log's, with the home's key.
func TestForeignSystemPage(t *testing.T) {
	f := federatedNode(t)
	for _, lang := range uiLocales {
		l := locales[lang]
		_, body := f.get(t, nil, "/systems/"+f.Foreign[0], lang)
		page := html.UnescapeString(body)
		// The classification logged is named as the home's.
		logged, _, _ := strings.Cut(l.T("class.logged_foreign", "index", "\x00", "member", "kenya"), "\x00")
		for _, want := range []string{l.T("foreign.notice", "member", "kenya"), `href="` + f.PeerURL + "/systems/" + f.Foreign[0] + `"`, f.Peer.VerifierKey, logged} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the foreign system's page lacks %q", lang, want)
			}
		}
	}
	_, body := f.get(t, nil, "/systems/"+f.Foreign[0], "en")
	m := regexp.MustCompile(`(?s)<script type="application/json" id="receipt-data">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no receipt data")
	}
	var d receiptData
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatal(err)
	}
	if d.Key != f.Peer.VerifierKey {
		t.Errorf("the page checks the receipt with %s, want the home's key %s", d.Key, f.Peer.VerifierKey)
	}
	if _, err := tlog.VerifyReceipt(accord.Receipt{Index: d.Index, Entry: d.Entry, Proof: d.Proof}, f.Peer.VerifierKey, nil); err != nil {
		t.Errorf("the page's receipt does not verify with the home's key: %v", err)
	}
	// A system of this node's own has no such mark.
	if strings.Contains(body, "portal/systems/"+f.Foreign[0]) {
		t.Error("the foreign system's page offers to edit it")
	}
}

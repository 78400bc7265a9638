package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/tlog"
)

// TestMirrorAPI: a peer's systems over the API of the node that mirrors
// it, every response held to the OpenAPI document: found by node and named
// by their home, shown with the home node and a receipt from its log,
// never writable; the mirror's status; the alarms, with evidence.
func TestMirrorAPI(t *testing.T) {
	e := newEnv(t)
	peer := testnode.Start(t, testnode.Options{Cfg: func(c *node.Config) { c.Origin, c.Member = "kenya.test/log", "kenya" }})
	peerAdmin := &client.Client{Server: peer.URL, Token: peer.AdminToken}
	reg, err := peerAdmin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Nairobi Hiring"}, Kind: "provider", Country: "KE"})
	if err != nil {
		t.Fatal(err)
	}
	filed, err := (&client.Client{Server: peer.URL, Token: reg.Token.Secret}).FileSystem(ctx, "", sampleFiling(), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.AddPeer(ctx, accord.NewPeer{Name: "kenya", URL: peer.URL, LogKey: peer.VerifierKey}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.SetPeerState(ctx, "kenya", accord.PeerStateChange{State: accord.PeerActive}); err != nil {
		t.Fatal(err)
	}
	if err := e.node.Mirror.Sync(ctx, "kenya"); err != nil {
		t.Fatal(err)
	}
	public := &client.Client{Server: e.node.URL, HTTP: e.http}

	page, err := public.Search(ctx, accord.SystemQuery{Node: "kenya"})
	if err != nil || len(page.Systems) != 1 || page.Systems[0].ID != filed.ID || page.Systems[0].Home != "kenya" {
		t.Fatalf("search node=kenya: %+v, %v", page, err)
	}
	id, _ := public.Node(ctx)
	if page, err = public.Search(ctx, accord.SystemQuery{Node: id.Member}); err != nil || len(page.Systems) != 0 {
		t.Fatalf("search node=%s (this node): %+v, %v", id.Member, page, err)
	}
	v, err := public.System(ctx, filed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Home != "kenya" || v.HomeNode == nil || v.HomeNode.URL != peer.URL || v.Receipt == nil {
		t.Fatalf("the foreign system: home %q, home node %+v", v.Home, v.HomeNode)
	}
	if _, err := tlog.VerifyReceipt(*v.Receipt, peer.VerifierKey, nil); err != nil {
		t.Errorf("its receipt, with the home's key: %v", err)
	}
	rc, err := public.Receipt(ctx, filed.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tlog.VerifyReceipt(*rc, peer.VerifierKey, nil); err != nil {
		t.Errorf("GET …/receipt of the foreign system, with the home's key: %v", err)
	}
	_, err = e.admin.UpdateSystem(ctx, filed.ID, v.ETag(), sampleFiling())
	wantStatus(t, "update a foreign system", err, http.StatusForbidden, "")
	if !strings.Contains(err.Error(), "member kenya") {
		t.Errorf("the refusal does not name the home: %v", err)
	}
	_, err = e.admin.WithdrawSystem(ctx, filed.ID, "not ours")
	wantStatus(t, "withdraw a foreign system", err, http.StatusForbidden, "")

	ms, err := public.Mirrors(ctx)
	if err != nil || len(ms) != 1 || ms[0].Peer != "kenya" || ms[0].Size == 0 || ms[0].Indexed != ms[0].Size || ms[0].Error != "" {
		t.Fatalf("mirrors: %+v, %v", ms, err)
	}
	// Alarms: none, then one about the peer's log (two checkpoints of one
	// size, signed by its key), which the node keeps as evidence.
	if as, err := public.Alarms(ctx, ""); err != nil || len(as) != 0 {
		t.Fatalf("alarms: %+v, %v", as, err)
	}
	cp, err := peerAdmin.Get(ctx, "/log/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := tlog.ParseCheckpoint(strings.SplitN(string(cp), "\n\n", 2)[0] + "\n")
	c.Hash[0] ^= 1
	skey := readFile(t, peer.Config.DataDir+"/"+node.KeyFile)
	signer, _ := note.NewSigner(skey)
	forged, _ := note.Sign(&note.Note{Text: c.String()}, signer)
	ev := accord.SplitViewEvidence{Origin: peer.Log.Origin(), LogKey: peer.VerifierKey, Checkpoints: [2]string{string(cp), string(forged)}}
	if err := e.node.Federation.RaiseAlarm(context.Background(), accord.AlarmFork, ev); err != nil {
		t.Fatal(err)
	}
	as, err := public.Alarms(ctx, peer.Log.Origin())
	if err != nil || len(as) != 1 || as[0].Kind != accord.AlarmFork {
		t.Fatalf("alarms after the split view: %+v, %v", as, err)
	}
	var got accord.SplitViewEvidence
	if err := json.Unmarshal(as[0].Evidence, &got); err != nil || got.Checkpoints != ev.Checkpoints {
		t.Errorf("the evidence served: %+v, %v", got, err)
	}
	if as, err := public.Alarms(ctx, "other.example/log"); err != nil || len(as) != 0 {
		t.Errorf("alarms of another log: %+v, %v", as, err)
	}
	// Bad input names the parameter.
	_, err = public.Search(ctx, accord.SystemQuery{Node: "a b"})
	wantStatus(t, "search node=a b", err, 422, "node")
	_, err = public.Alarms(ctx, strings.Repeat("o", 300))
	wantStatus(t, "alarms of a 300-byte origin", err, 422, "origin")
	resp, err := e.http.Get(e.node.URL + "/v1/mirrors?x=1")
	if err != nil || resp.StatusCode != 422 {
		t.Errorf("an unknown parameter: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

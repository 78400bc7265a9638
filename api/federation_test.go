package api_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/tlog"
)

func wantStatus(t *testing.T, what string, err error, status int, field string) {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != status {
		t.Fatalf("%s: %v, want HTTP %d", what, err, status)
	}
	if field == "" {
		return
	}
	for _, f := range ce.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("%s: the problem names %v, not %q", what, ce.Fields, field)
}

// TestPeersAPI: the peer lifecycle over the API, every response held to
// the OpenAPI document, every change a versioned log entry, bad input
// refused naming the field.
func TestPeersAPI(t *testing.T) {
	e := newEnv(t)
	public := &client.Client{Server: e.node.URL, HTTP: e.http}
	id, err := public.Node(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id.Origin != e.node.Log.Origin() || id.LogKey != e.node.VerifierKey || !strings.HasSuffix(id.WitnessName, "/witness") {
		t.Errorf("identity %+v", id)
	}
	if _, err := federation.NewCosignatureVerifier(id.WitnessKey); err != nil || id.WitnessKey == id.LogKey {
		t.Errorf("witness key %q: %v", id.WitnessKey, err)
	}

	_, peerLog, _ := tlog.GenerateKey("peer.example/log")
	_, peerWitness, _ := federation.GenerateWitnessKey("peer.example/witness")
	good := accord.NewPeer{Name: "peer.example", URL: "https://peer.example/", LogKey: peerLog, WitnessKey: peerWitness}
	for _, c := range []struct {
		name   string
		as     *client.Client
		req    accord.NewPeer
		status int
		field  string
	}{
		{"public", public, good, 401, ""},
		{"provider", e.provider, good, 403, ""},
		{"no name", e.admin, accord.NewPeer{URL: good.URL, LogKey: good.LogKey}, 422, "name"},
		{"name with a space", e.admin, accord.NewPeer{Name: "a b", URL: good.URL, LogKey: good.LogKey}, 422, "name"},
		{"bad url", e.admin, accord.NewPeer{Name: "p", URL: "ftp://x", LogKey: good.LogKey}, 422, "url"},
		{"bad log key", e.admin, accord.NewPeer{Name: "p", URL: good.URL, LogKey: "nope"}, 422, "log_key"},
		{"witness key as log key", e.admin, accord.NewPeer{Name: "p", URL: good.URL, LogKey: peerWitness}, 422, "log_key"},
		{"log key as witness key", e.admin, accord.NewPeer{Name: "p", URL: good.URL, LogKey: good.LogKey, WitnessKey: peerLog}, 422, "witness_key"},
		{"our own log", e.admin, accord.NewPeer{Name: "p", URL: good.URL, LogKey: e.node.VerifierKey}, 422, "origin"},
		{"our own witness", e.admin, accord.NewPeer{Name: "p", URL: good.URL, LogKey: good.LogKey, WitnessKey: id.WitnessKey}, 422, "witness_key"},
	} {
		_, err := c.as.AddPeer(ctx, c.req)
		wantStatus(t, c.name, err, c.status, c.field)
	}
	// Strict decoding: an unknown field is refused.
	resp, err := e.http.Do(mustRequest(t, "POST", e.node.URL+"/v1/peers", e.node.AdminToken, `{"name":"p","url":"https://p.example","log_key":"`+peerLog+`","state":"active"}`))
	if err != nil || resp.StatusCode != 422 {
		t.Fatalf("unknown field: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if ps, err := public.Peers(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("after refused requests: peers %v, %v", ps, err)
	}

	added, err := e.admin.AddPeer(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if added.Peer.State != accord.PeerPending || added.Peer.URL != "https://peer.example" || added.Peer.Origin != "peer.example/log" || added.Peer.Version != 1 {
		t.Errorf("added %+v", added.Peer)
	}
	checkEvent(t, e, added.Receipt, accord.LogPeerAdded, `"state":"pending"`)
	_, err = e.admin.AddPeer(ctx, good)
	wantStatus(t, "the same peer again", err, 409, "")
	_, err = e.admin.AddPeer(ctx, accord.NewPeer{Name: "other", URL: good.URL, LogKey: good.LogKey})
	wantStatus(t, "another name, the same log", err, 409, "")

	_, err = e.admin.SetPeerState(ctx, good.Name, accord.PeerStateChange{State: "retired"})
	wantStatus(t, "set retired", err, 422, "state")
	_, err = e.admin.SetPeerState(ctx, "nobody", accord.PeerStateChange{State: accord.PeerActive})
	wantStatus(t, "unknown peer", err, 404, "")
	_, err = e.provider.SetPeerState(ctx, good.Name, accord.PeerStateChange{State: accord.PeerActive})
	wantStatus(t, "provider sets state", err, 403, "")
	act, err := e.admin.SetPeerState(ctx, good.Name, accord.PeerStateChange{State: accord.PeerActive, Reason: "agreed at the plenary"})
	if err != nil || act.Peer.State != accord.PeerActive || act.Peer.Version != 2 {
		t.Fatalf("activate: %+v, %v", act, err)
	}
	checkEvent(t, e, act.Receipt, accord.LogPeerStateChanged, `"from":"pending"`)
	_, err = e.admin.SetPeerState(ctx, good.Name, accord.PeerStateChange{State: accord.PeerActive})
	wantStatus(t, "active again", err, 409, "")

	pol, err := public.Policy(ctx)
	if err != nil || !strings.Contains(pol, "witness peer.example/witness "+peerWitness+" https://peer.example/witness") || !strings.Contains(pol, "group members 1 peer.example/witness") {
		t.Errorf("policy:\n%s\n%v", pol, err)
	}
	if p, err := public.Peer(ctx, good.Name); err != nil || p.State != accord.PeerActive {
		t.Errorf("get peer: %+v, %v", p, err)
	}
	_, err = public.Peer(ctx, "nobody")
	wantStatus(t, "get unknown peer", err, 404, "")

	ret, err := e.admin.RetirePeer(ctx, good.Name, "left the federation")
	if err != nil || ret.Peer.State != accord.PeerRetired {
		t.Fatalf("retire: %+v, %v", ret, err)
	}
	checkEvent(t, e, ret.Receipt, accord.LogPeerRetired, `"reason":"left the federation"`)
	_, err = e.admin.SetPeerState(ctx, good.Name, accord.PeerStateChange{State: accord.PeerActive})
	wantStatus(t, "a retired peer moves", err, 409, "")
	_, err = e.admin.RetirePeer(ctx, good.Name, "")
	wantStatus(t, "retire twice", err, 409, "")
	good.Name = "peer.example.again"
	_, err = e.admin.AddPeer(ctx, good)
	wantStatus(t, "re-add a retired log under another name", err, 409, "")
	if pol, _ := public.Policy(ctx); !strings.Contains(pol, "quorum none") {
		t.Errorf("policy without active peers:\n%s", pol)
	}
}

func TestWitnessesAPI(t *testing.T) {
	e := newEnv(t)
	public := &client.Client{Server: e.node.URL, HTTP: e.http}
	_, wkey, _ := federation.GenerateWitnessKey("third.example/witness")
	_, err := e.admin.AddWitness(ctx, accord.NewExternalWitness{URL: "https://third.example", Key: e.node.VerifierKey})
	wantStatus(t, "a log key as witness key", err, 422, "key")
	_, err = e.admin.AddWitness(ctx, accord.NewExternalWitness{Key: wkey})
	wantStatus(t, "no url", err, 422, "url")
	_, err = e.provider.AddWitness(ctx, accord.NewExternalWitness{URL: "https://third.example", Key: wkey})
	wantStatus(t, "provider", err, 403, "")
	added, err := e.admin.AddWitness(ctx, accord.NewExternalWitness{URL: "https://third.example", Key: wkey})
	if err != nil || added.Witness.Name != "third.example/witness" {
		t.Fatalf("add: %+v, %v", added, err)
	}
	checkEvent(t, e, added.Receipt, accord.LogWitnessAdded, `"url":"https://third.example"`)
	ws, err := public.Witnesses(ctx)
	if err != nil || len(ws) != 1 || ws[0].Key != wkey {
		t.Fatalf("list: %+v, %v", ws, err)
	}
	rm, err := e.admin.RemoveWitness(ctx, "third.example/witness")
	if err != nil {
		t.Fatal(err)
	}
	checkEvent(t, e, rm.Receipt, accord.LogWitnessRemoved, `"name":"third.example/witness"`)
	_, err = e.admin.RemoveWitness(ctx, "third.example/witness")
	wantStatus(t, "remove twice", err, 404, "")
}

// checkEvent: the receipt verifies, and its entry is a versioned event of this type.
func checkEvent(t *testing.T, e *env, r accord.Receipt, typ, content string) {
	t.Helper()
	if _, err := tlog.VerifyReceipt(r, e.node.VerifierKey, nil); err != nil {
		t.Fatalf("%s receipt: %v", typ, err)
	}
	var ev accord.LogEvent
	if err := json.Unmarshal([]byte(r.Entry), &ev); err != nil || ev.Type != typ || ev.Org != "admin" {
		t.Fatalf("entry %s, want type %s by admin", r.Entry, typ)
	}
	if !strings.Contains(string(ev.Content), `"v":1`) || !strings.Contains(string(ev.Content), content) {
		t.Errorf("%s content %s, want \"v\":1 and %s", typ, ev.Content, content)
	}
}

func mustRequest(t *testing.T, method, url, token, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

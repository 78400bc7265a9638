package federation

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	acctlog "github.com/accord-gov/accord/tlog"
)

// TestMirrorFollowsPeer: a peer's filings become foreign records here,
// searchable with this node's own, classified by this node's packs, with a
// receipt from the peer's log that verifies with the peer's key alone.
func TestMirrorFollowsPeer(t *testing.T) {
	peer := newPeerNode(t, "kenya")
	provider := peer.org(t, "Nairobi Hiring Ltd")
	ids := peer.file(t, provider, 3, "Hiring assistant")
	n := newMirrorNode(t, MirrorConfig{})
	n.addPeer(t, peer)
	if err := n.mirror.Sync(mctx, "kenya"); err != nil {
		t.Fatal(err)
	}
	st := n.state(t, peer.origin)
	if st.Size != peer.size(t) || st.Pending != nil || st.Indexed != st.Size {
		t.Fatalf("mirror state = size %d pending %v indexed %d; the peer has %d entries", st.Size, st.Pending != nil, st.Indexed, peer.size(t))
	}
	// Searchable by text and by node, and named by their home.
	got := n.search(t, accord.SystemQuery{Q: "hiring assistant", Node: "kenya"})
	if len(got) != 3 {
		t.Fatalf("search at the mirror found %d systems, want 3: %+v", len(got), got)
	}
	for _, s := range got {
		if s.Home != "kenya" || !slices.Contains(ids, s.ID) || s.Level == "" {
			t.Errorf("foreign result %+v: want home kenya, one of %v, a level", s, ids)
		}
	}
	if local := n.search(t, accord.SystemQuery{Node: "mirror"}); len(local) != 0 {
		t.Errorf("node=mirror (this node) found %d systems, want 0", len(local))
	}
	// The system's view names its home and proves its entry in the home's log.
	v, err := n.reg.System(mctx, nil, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if v.Home != "kenya" || v.HomeNode == nil || v.HomeNode.LogKey != peer.vkey || v.HomeNode.URL != peer.srv.URL || v.Receipt == nil {
		t.Fatalf("foreign system view = home %q, home node %+v, receipt %v", v.Home, v.HomeNode, v.Receipt != nil)
	}
	cp, err := acctlog.VerifyReceipt(*v.Receipt, peer.vkey, nil)
	if err != nil {
		t.Fatalf("the receipt does not verify with the home's key: %v", err)
	}
	var ev accord.LogEvent
	json.Unmarshal([]byte(v.Receipt.Entry), &ev)
	if ev.Type != accord.LogSystemFiled || ev.Record != ids[0] || cp.Origin != peer.origin {
		t.Errorf("the receipt proves %s %s in %s", ev.Type, ev.Record, cp.Origin)
	}
	// The classification: this node's, of the public filing, with the
	// home's as it logged it.
	cl, err := n.reg.Classification(mctx, nil, ids[0], 0, v.Updated)
	if err != nil {
		t.Fatal(err)
	}
	if cl.Filed == nil || cl.LogIndex == nil || len(cl.Frameworks) == 0 {
		t.Errorf("foreign classification = filed %s, index %v, %d frameworks", cl.Filed, cl.LogIndex, len(cl.Frameworks))
	}
	// The peer goes on; the next pass takes only what is new.
	peer.file(t, provider, 2, "Second batch")
	before := peer.requests.Load()
	if err := n.mirror.Sync(mctx, "kenya"); err != nil {
		t.Fatal(err)
	}
	if got := n.search(t, accord.SystemQuery{Node: "kenya"}); len(got) != 5 {
		t.Errorf("after the second pass %d foreign systems, want 5", len(got))
	}
	if reqs := peer.requests.Load() - before; reqs > 3 {
		t.Errorf("the second pass made %d requests; want the checkpoint and the new bundle(s) only", reqs)
	}
}

// TestForeignRecordsReadOnly: a foreign record is never written here; the
// refusal names its home.
func TestForeignRecordsReadOnly(t *testing.T) {
	peer := newPeerNode(t, "kenya")
	provider := peer.org(t, "Nairobi Hiring Ltd")
	ids := peer.file(t, provider, 1, "Hiring assistant")
	n := newMirrorNode(t, MirrorConfig{})
	n.addPeer(t, peer)
	if err := n.mirror.Sync(mctx, "kenya"); err != nil {
		t.Fatal(err)
	}
	v, err := n.reg.System(mctx, nil, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]error{}
	_, checks["update"] = n.reg.UpdateSystem(mctx, mAdmin, ids[0], v.ETag(), testFiling("changed here"))
	_, checks["withdraw"] = n.reg.WithdrawSystem(mctx, mAdmin, ids[0], "", "not ours")
	_, checks["file for its provider"] = n.reg.FileSystem(mctx, mAdmin, registryFile(v.Provider))
	_, checks["issue a token for its provider"] = n.reg.IssueToken(mctx, mAdmin, v.Provider, "x")
	for what, err := range checks {
		if accord.ErrorCode(err) != accord.EForbidden || !strings.Contains(err.Error(), "member kenya") {
			t.Errorf("%s a foreign record: %v, want forbidden naming member kenya", what, err)
		}
	}
}

// TestMirrorKeepsTheBestCosignedCheckpoint: a peer serves its checkpoint
// at once and with its cosignatures a moment later; the mirror keeps the
// copy with more valid cosignatures by members' witnesses (and never one
// with forged ones), without re-fetching anything else.
func TestMirrorKeepsTheBestCosignedCheckpoint(t *testing.T) {
	peer := newPeerNode(t, "kenya")
	peer.appendRaw(t, rawEvent(1), rawEvent(2))
	n := newMirrorNode(t, MirrorConfig{})
	n.addPeer(t, peer)
	if err := n.mirror.Sync(mctx, "kenya"); err != nil {
		t.Fatal(err)
	}
	if st := n.status(t, "kenya"); st.Cosignatures != 0 {
		t.Fatalf("cosignatures = %d before any", st.Cosignatures)
	}
	// The mirror's own witness cosigns the peer's checkpoint (as it would
	// when the peer submits it), and the peer serves it with that line.
	cp := checkpointOf(t, peer)
	line, err := n.fed.AddCheckpoint(mctx, FormatAddCheckpoint(AddCheckpointRequest{Old: 0, Checkpoint: cp}))
	if err != nil {
		t.Fatal(err)
	}
	forged := append(append([]byte{}, cp...), []byte("— mirror.example/witness AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")...)
	for _, served := range [][]byte{forged, append(append([]byte{}, cp...), line...)} {
		peer.setMisbehave(onPath("/checkpoint", func(w http.ResponseWriter, r *http.Request, _ http.Handler) { w.Write(served) }))
		if err := n.mirror.Sync(mctx, "kenya"); err != nil {
			t.Fatal(err)
		}
	}
	st := n.status(t, "kenya")
	if st.Cosignatures != 1 || !strings.HasSuffix(st.Checkpoint, string(line)) || st.Size != 2 {
		t.Errorf("status = %d cosignatures, checkpoint %q", st.Cosignatures, st.Checkpoint)
	}
}

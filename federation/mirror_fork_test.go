package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	acctlog "github.com/accord-gov/accord/tlog"
)

// serveFrom makes p answer with another log's tiles: the same key, another
// history, as an equivocating node shows it.
func (p *peerNode) serveFrom(other *peerNode) {
	p.setMisbehave(func(w http.ResponseWriter, r *http.Request, _ http.Handler) { other.logH.ServeHTTP(w, r) })
}

// checkEvidence checks an alarm's evidence offline with the log's key.
func checkEvidence(t *testing.T, a accord.Alarm, key, kind string) *EvidenceReport {
	t.Helper()
	var ev accord.SplitViewEvidence
	if err := json.Unmarshal(a.Evidence, &ev); err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyEvidence(ev, key)
	if err != nil {
		t.Fatalf("the alarm's evidence does not verify: %v\n%s", err, a.Evidence)
	}
	if rep.Kind != kind || a.Kind != kind {
		t.Errorf("evidence of kind %s (alarm %s), want %s", rep.Kind, a.Kind, kind)
	}
	return rep
}

// TestMirrorDetectsSplitViews: a peer whose log key signs a second history
// is caught whichever way it shows it: the same size with another root, a
// larger tree that does not contain the one verified, a smaller one that
// is not its prefix. Each raises one alarm with evidence that verifies
// offline with the key alone, and the peer becomes read-only. A rollback
// to a prefix of what was verified raises none.
func TestMirrorDetectsSplitViews(t *testing.T) {
	entries := func(from, to int, tag string) [][]byte {
		var out [][]byte
		for i := from; i < to; i++ {
			e := rawEvent(i)
			if tag != "" {
				e = accord.LogEvent{Type: "test.note", Record: fmt.Sprintf("%s_%d", tag, i), Version: 1, Time: "2026-12-01T10:00:00.000Z", Org: "admin", Content: []byte(`{}`)}.Bytes()
			}
			out = append(out, e)
		}
		return out
	}
	tests := []struct {
		name     string
		verified int // entries the mirror verified first
		other    [][]byte
		kind     string // "" for no alarm
	}{
		{"same size, another root", 5, entries(0, 5, "fork"), accord.AlarmFork},
		{"larger tree without the verified one", 5, append(entries(0, 2, ""), entries(2, 9, "fork")...), accord.AlarmInconsistent},
		{"larger tree, a whole bundle on", 300, append(entries(0, 290, ""), entries(290, 700, "fork")...), accord.AlarmInconsistent},
		{"smaller tree, not a prefix", 8, append(entries(0, 3, ""), entries(3, 5, "fork")...), accord.AlarmInconsistent},
		{"rollback to a prefix", 8, entries(0, 5, ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer := newPeerNode(t, "kenya")
			peer.appendRaw(t, entries(0, tt.verified, "")...)
			twin := newPeerNodeWithKey(t, "kenya", peer.skey, peer.vkey)
			twin.appendRaw(t, tt.other...)
			n := newMirrorNode(t, MirrorConfig{})
			n.addPeer(t, peer)
			if err := n.mirror.Sync(mctx, "kenya"); err != nil {
				t.Fatal(err)
			}
			verified := n.state(t, peer.origin)
			peer.serveFrom(twin)
			err := n.mirror.Sync(mctx, "kenya")
			if err == nil {
				t.Fatal("Sync accepted a second history")
			}
			if after := n.state(t, peer.origin); after.Size != verified.Size || string(after.Checkpoint) != string(verified.Checkpoint) {
				t.Errorf("the mirror advanced onto the second history: %d → %d", verified.Size, after.Size)
			}
			alarms := n.alarms(t)
			if tt.kind == "" {
				if len(alarms) != 0 || n.peerState(t, "kenya") != accord.PeerActive || !strings.Contains(err.Error(), "rolled back") {
					t.Errorf("a rollback: %d alarms, peer %s, error %v; want none, active, a rollback", len(alarms), n.peerState(t, "kenya"), err)
				}
				return
			}
			if len(alarms) != 1 {
				t.Fatalf("%d alarms, want 1 (error: %v)", len(alarms), err)
			}
			checkEvidence(t, alarms[0], peer.vkey, tt.kind)
			if alarms[0].Origin != peer.origin {
				t.Errorf("alarm about %s, want %s", alarms[0].Origin, peer.origin)
			}
			if got := n.peerState(t, "kenya"); got != accord.PeerReadOnly {
				t.Errorf("the equivocating peer is %s, want read-only", got)
			}
			// Tampered evidence proves nothing.
			var ev accord.SplitViewEvidence
			json.Unmarshal(alarms[0].Evidence, &ev)
			if _, err := VerifyEvidence(ev, twinKey(t)); err == nil {
				t.Error("the evidence verified with another key")
			}
			ev.Checkpoints[1] = ev.Checkpoints[0]
			if _, err := VerifyEvidence(ev, peer.vkey); err == nil {
				t.Error("evidence of one checkpoint twice verified")
			}
		})
	}
}

func twinKey(t *testing.T) string {
	_, vkey, err := acctlog.GenerateKey("kenya.example/log")
	if err != nil {
		t.Fatal(err)
	}
	return vkey
}

// TestMirrorChunksAndResumes: a catch-up verifies and stores in bounded
// chunks, each proved against the signed target before it is stored; cut
// short, it leaves a verified prefix, and a mirror started again on the
// same store resumes from it (fetching only what it lacks), even after the
// peer grew meanwhile.
func TestMirrorChunksAndResumes(t *testing.T) {
	peer := newPeerNode(t, "kenya")
	var es [][]byte
	for i := range 1000 {
		es = append(es, rawEvent(i))
	}
	peer.appendRaw(t, es...)
	n := newMirrorNode(t, MirrorConfig{ChunkEntries: 200, Workers: 2})
	n.addPeer(t, peer)
	// The peer stops answering after three bundles.
	var bundles atomic.Int64
	peer.setMisbehave(func(w http.ResponseWriter, r *http.Request, log http.Handler) {
		if strings.Contains(r.URL.Path, "/tile/entries/") && bundles.Add(1) > 3 {
			http.Error(w, "gone", http.StatusServiceUnavailable)
			return
		}
		log.ServeHTTP(w, r)
	})
	if err := n.mirror.Sync(mctx, "kenya"); err == nil {
		t.Fatal("Sync succeeded against a peer that stopped answering")
	}
	part := n.state(t, peer.origin)
	if part.Size == 0 || part.Size%256 != 0 || part.Size >= 1000 || part.Pending == nil || part.Checkpoint != nil {
		t.Fatalf("after the cut: size %d, pending %v, checkpoint %v; want a verified prefix of whole bundles, pending", part.Size, part.Pending != nil, part.Checkpoint != nil)
	}
	// The peer grows; a new mirror on the same store resumes.
	peer.appendRaw(t, rawEvent(1000), rawEvent(1001))
	var fetched []string
	peer.setMisbehave(func(w http.ResponseWriter, r *http.Request, log http.Handler) {
		if strings.Contains(r.URL.Path, "/tile/entries/") {
			fetched = append(fetched, strings.TrimPrefix(r.URL.Path, "/log/tile/entries/"))
		}
		log.ServeHTTP(w, r)
	})
	n.mirror.Close()
	again := NewMirror(MirrorConfig{Federation: n.fed, Registry: n.reg, ChunkEntries: 200, Workers: 1})
	defer again.Close()
	if err := again.Sync(mctx, "kenya"); err != nil {
		t.Fatal(err)
	}
	st := n.state(t, peer.origin)
	if st.Size != 1002 || st.Pending != nil || st.Checkpoint == nil {
		t.Fatalf("after resuming: size %d, pending %v", st.Size, st.Pending != nil)
	}
	for _, f := range fetched {
		var k int64
		fmt.Sscanf(f, "%d", &k)
		if k < part.Size/256 {
			t.Errorf("resuming fetched bundle %s again; the first %d entries were stored", f, part.Size)
		}
	}
	// What was stored is the peer's log: every tile the mirror serves
	// matches the peer's.
	srv := httptest.NewServer(http.StripPrefix("/mirror", again.MirrorHandler()))
	defer srv.Close()
	h := OriginHash(peer.origin)
	for _, p := range []string{"checkpoint", "tile/entries/000", "tile/entries/003.p/234", "tile/0/002", "tile/1/000.p/3"} {
		want := get(t, peer.srv.URL+"/log/"+p)
		if got := get(t, srv.URL+"/mirror/"+h+"/"+p); got != want {
			t.Errorf("the mirror's %s differs from the peer's", p)
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// TestMirrorCatchesUpFromAnotherMirror: with a peer's node unreachable, a
// node catches up from another member's mirror of its log, and verifies
// it with the peer's key all the same: a mirror that serves another
// history is refused.
func TestMirrorCatchesUpFromAnotherMirror(t *testing.T) {
	peer := newPeerNode(t, "kenya")
	provider := peer.org(t, "Nairobi Hiring Ltd")
	peer.file(t, provider, 3, "Hiring assistant")
	first := newMirrorNode(t, MirrorConfig{})
	first.addPeer(t, peer)
	if err := first.mirror.Sync(mctx, "kenya"); err != nil {
		t.Fatal(err)
	}
	// The first mirror, served as a member's node would serve it.
	firstSrv := httptest.NewServer(http.StripPrefix("/mirror", first.mirror.MirrorHandler()))
	defer firstSrv.Close()
	second := newMirrorNode(t, MirrorConfig{})
	second.addPeer(t, peer)
	other := newPeerNode(t, "france") // a member whose node mirrors kenya
	other.srv.Config.Handler = firstSrv.Config.Handler
	second.addPeer(t, other)
	peer.setMisbehave(func(w http.ResponseWriter, r *http.Request, log http.Handler) {
		http.Error(w, "down", http.StatusBadGateway)
	})
	if err := second.mirror.Sync(mctx, "kenya"); err != nil {
		t.Fatal(err)
	}
	st := second.status(t, "kenya")
	if st.Size != peer.size(t) || !strings.Contains(st.Source, "/mirror/"+OriginHash(peer.origin)) {
		t.Errorf("status = size %d (want %d), source %q", st.Size, peer.size(t), st.Source)
	}
	if got := second.search(t, accord.SystemQuery{Node: "kenya"}); len(got) != 3 {
		t.Errorf("%d foreign systems caught up from the mirror, want 3", len(got))
	}
}

// TestMonitorComparesViews: views of a log that other nodes publish (their
// witness's cosigned checkpoint, their mirror's) are checked against this
// node's own: of a peer's log it mirrors, and of its own log.
func TestMonitorComparesViews(t *testing.T) {
	peer := newPeerNode(t, "kenya")
	for i := range 6 {
		peer.appendRaw(t, rawEvent(i))
	}
	n := newMirrorNode(t, MirrorConfig{})
	n.addPeer(t, peer)
	if err := n.mirror.Sync(mctx, "kenya"); err != nil {
		t.Fatal(err)
	}
	// This node's own log has entries too.
	if _, err := n.log.Append(mctx, func(context.Context, accord.WriteTx, int64) ([][]byte, error) {
		return [][]byte{rawEvent(100), rawEvent(101), rawEvent(102)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	// A twin of the peer's log, and a twin of this node's (its key copied).
	twin := newPeerNodeWithKey(t, "kenya", peer.skey, peer.vkey)
	for i := range 4 {
		twin.appendRaw(t, rawEvent(i+50))
	}
	ownVKey, err := acctlog.VerifierKey(n.skey)
	if err != nil {
		t.Fatal(err)
	}
	ownTwin := newPeerNodeWithKey(t, "self", n.skey, ownVKey)
	ownTwin.appendRaw(t, rawEvent(100), rawEvent(200))
	views := map[string][]byte{
		"/witness/" + OriginHash(peer.origin) + "/checkpoint":          checkpointOf(t, twin),
		"/mirror/" + OriginHash(n.fed.id.Origin) + "/checkpoint":       checkpointOf(t, ownTwin),
		"/mirror/" + OriginHash("unknown.example/log") + "/checkpoint": []byte("junk"),
	}
	watcher := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := views[r.URL.Path]; ok {
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	defer watcher.Close()
	wkey := newPeerNode(t, "watcher")
	if _, err := n.fed.AddPeer(mctx, mAdmin, accord.NewPeer{Name: "watcher", URL: watcher.URL, LogKey: wkey.vkey}); err != nil {
		t.Fatal(err)
	}
	n.mirror.CompareViews(mctx)
	alarms := n.alarms(t)
	byOrigin := map[string]accord.Alarm{}
	for _, a := range alarms {
		byOrigin[a.Origin] = a
	}
	if len(alarms) != 2 {
		t.Fatalf("%d alarms, want 2 (the peer's log, this node's): %+v", len(alarms), alarms)
	}
	checkEvidence(t, byOrigin[peer.origin], peer.vkey, accord.AlarmInconsistent)
	checkEvidence(t, byOrigin[n.fed.id.Origin], ownVKey, accord.AlarmInconsistent)
	if got := n.peerState(t, "kenya"); got != accord.PeerReadOnly {
		t.Errorf("peer kenya is %s, want read-only", got)
	}
	// The same views again raise nothing new.
	n.mirror.CompareViews(mctx)
	if got := len(n.alarms(t)); got != 2 {
		t.Errorf("a second round: %d alarms, want still 2", got)
	}
}

func checkpointOf(t *testing.T, p *peerNode) []byte {
	t.Helper()
	var cp []byte
	if err := p.store.View(mctx, func(tx accord.ReadTx) error {
		var err error
		cp, err = tx.Checkpoint(mctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(cp, note.VerifierList(mustVerifier(t, p.vkey))); err != nil {
		t.Fatal(err)
	}
	return cp
}

func mustVerifier(t *testing.T, vkey string) note.Verifier {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

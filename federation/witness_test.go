package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	sumtlog "golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/tlog"
)

var ctx = context.Background()

var admin = &registry.Caller{Token: accord.Token{ID: "tok_admin", Admin: true}}

// fakeLog is a peer's log built in memory: its key signs checkpoints of a
// tree of n synthetic entries.
type fakeLog struct {
	origin string
	skey   string
	vkey   string
	signer note.Signer
	hashes []sumtlog.Hash // stored hashes
	size   int64
}

func newFakeLog(t testing.TB, origin string) *fakeLog {
	t.Helper()
	skey, vkey, err := tlog.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeLog{origin: origin, skey: skey, vkey: vkey, signer: s}
}

func (l *fakeLog) reader() sumtlog.HashReader {
	return sumtlog.HashReaderFunc(func(idx []int64) ([]sumtlog.Hash, error) {
		out := make([]sumtlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = l.hashes[x]
		}
		return out, nil
	})
}

// grow appends entries until the tree has n.
func (l *fakeLog) grow(t testing.TB, n int64) {
	t.Helper()
	for ; l.size < n; l.size++ {
		hs, err := sumtlog.StoredHashes(l.size, fmt.Appendf(nil, "%s entry %d", l.origin, l.size), l.reader())
		if err != nil {
			t.Fatal(err)
		}
		l.hashes = append(l.hashes, hs...)
	}
}

func (l *fakeLog) root(t testing.TB, n int64) sumtlog.Hash {
	t.Helper()
	l.grow(t, n)
	h, err := sumtlog.TreeHash(n, l.reader())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// checkpoint signs a checkpoint of size n (root: the real one unless given).
func (l *fakeLog) checkpoint(t testing.TB, n int64, root *sumtlog.Hash, signers ...note.Signer) []byte {
	t.Helper()
	r := l.root(t, n)
	if root != nil {
		r = *root
	}
	if len(signers) == 0 {
		signers = []note.Signer{l.signer}
	}
	b, err := note.Sign(&note.Note{Text: tlog.Checkpoint{Origin: l.origin, Size: n, Hash: r}.String()}, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (l *fakeLog) proof(t testing.TB, n, m int64) []sumtlog.Hash {
	t.Helper()
	l.grow(t, n)
	p, err := sumtlog.ProveTree(n, m, l.reader())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// witnessNode is a federation service over a real SQLite store.
type witnessNode struct {
	store   *sqlite.DB
	log     *tlog.Log
	fed     *federation.Service
	wkey    string // the witness's verifier key
	logVKey string
}

func newWitnessNode(t testing.TB) *witnessNode {
	t.Helper()
	return newWitnessNodeInFlight(t, 0)
}

func newWitnessNodeInFlight(t testing.TB, inflight int) *witnessNode {
	t.Helper()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := tlog.GenerateKey("witness.test/log")
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.New(tlog.Config{Store: store, SignerKey: skey})
	if err != nil {
		t.Fatal(err)
	}
	wskey, wvkey, err := federation.GenerateWitnessKey("witness.test/witness")
	if err != nil {
		t.Fatal(err)
	}
	fed, err := federation.New(federation.Config{Store: store, Log: l, WitnessKey: wskey, MaxInFlight: inflight, Identity: accord.NodeIdentity{LogKey: vkey, URL: "http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		fed.Close()
		l.Close()
		store.Close()
	})
	return &witnessNode{store: store, log: l, fed: fed, wkey: wvkey, logVKey: vkey}
}

func (w *witnessNode) addPeer(t testing.TB, name string, l *fakeLog) {
	t.Helper()
	if _, err := w.fed.AddPeer(ctx, admin, accord.NewPeer{Name: name, URL: "http://127.0.0.1:9", LogKey: l.vkey}); err != nil {
		t.Fatalf("add peer %s: %v", name, err)
	}
}

func (w *witnessNode) state(t testing.TB, origin string) (size int64, rows int) {
	t.Helper()
	err := w.store.View(ctx, func(tx accord.ReadTx) error {
		st, err := tx.WitnessState(ctx, origin)
		switch {
		case accord.ErrorCode(err) == accord.ENotFound:
			size = -1
		case err != nil:
			return err
		default:
			size = st.Size
		}
		hist, err := tx.WitnessCosigned(ctx, origin, 0, 1<<62)
		rows = len(hist)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return size, rows
}

func body(old int64, proof []sumtlog.Hash, cp []byte) []byte {
	return federation.FormatAddCheckpoint(federation.AddCheckpointRequest{Old: old, Proof: proof, Checkpoint: cp})
}

// post sends an add-checkpoint body to the witness over HTTP.
func post(t testing.TB, url string, b []byte) (int, string, http.Header) {
	t.Helper()
	resp, err := postClient.Post(url+"/add-checkpoint", "text/plain", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), resp.Header
}

var postClient = &http.Client{Timeout: 10 * time.Second}

// TestAddCheckpoint drives the witness through the C2SP tlog-witness cases
// over HTTP: every refusal has the spec's status and stores nothing; every
// acceptance is a cosignature formats verifies.
func TestAddCheckpoint(t *testing.T) {
	w := newWitnessNode(t)
	peer := newFakeLog(t, "peer.test/log")
	w.addPeer(t, "peer", peer)
	srv := httptest.NewServer(w.fed.Handler())
	defer srv.Close()
	other := newFakeLog(t, "peer.test/log") // same origin, another key
	stranger := newFakeLog(t, "stranger.test/log")

	wrongRoot := sumtlog.Hash{1, 2, 3}
	badProof := peer.proof(t, 20, 10)
	badProof[0][0] ^= 1

	steps := []struct {
		name         string
		body         []byte
		status       int
		size         int64 // the witness's size afterwards
		conflictSize int64
	}{
		{"no old line", []byte("\n\n" + string(peer.checkpoint(t, 10, nil))), 400, -1, 0},
		{"empty body", nil, 400, -1, 0},
		{"old with a sign", []byte("old +1\n\n" + string(peer.checkpoint(t, 10, nil))), 400, -1, 0},
		{"leading zero", []byte("old 00\n\n" + string(peer.checkpoint(t, 10, nil))), 400, -1, 0},
		{"not a hash", []byte("old 0\nnot-base64\n\n" + string(peer.checkpoint(t, 10, nil))), 400, -1, 0},
		{"no blank line", []byte("old 0\n" + string(peer.checkpoint(t, 10, nil))), 400, -1, 0},
		{"not a note", body(0, nil, []byte("peer.test/log\n10\nxx\n")), 400, -1, 0},
		{"no trusted signature", body(0, nil, peer.checkpoint(t, 10, nil, stranger.signer)), 403, -1, 0},
		{"unknown origin", body(0, nil, stranger.checkpoint(t, 10, nil)), 404, -1, 0},
		{"another key", body(0, nil, other.checkpoint(t, 10, nil)), 403, -1, 0},
		{"old beyond size", body(11, nil, peer.checkpoint(t, 10, nil)), 400, -1, 0},
		{"stale old", body(5, nil, peer.checkpoint(t, 10, nil)), 409, -1, 0},
		{"size 0, wrong root", body(0, nil, peer.checkpoint(t, 0, &wrongRoot)), 422, -1, 0},
		{"proof from 0", body(0, peer.proof(t, 10, 5), peer.checkpoint(t, 10, nil)), 422, -1, 0},
		{"first", body(0, nil, peer.checkpoint(t, 10, nil)), 200, 10, 0},
		{"again from 0", body(0, nil, peer.checkpoint(t, 20, nil)), 409, 10, 10},
		{"bad proof", body(10, badProof, peer.checkpoint(t, 20, nil)), 422, 10, 0},
		{"proof missing", body(10, nil, peer.checkpoint(t, 20, nil)), 422, 10, 0},
		{"consistent", body(10, peer.proof(t, 20, 10), peer.checkpoint(t, 20, nil)), 200, 20, 0},
		{"same size again", body(20, nil, peer.checkpoint(t, 20, nil)), 200, 20, 0},
		{"same size, proof given", body(20, peer.proof(t, 20, 10), peer.checkpoint(t, 20, nil)), 422, 20, 0},
		{"smaller than cosigned", body(10, peer.proof(t, 15, 10), peer.checkpoint(t, 15, nil)), 409, 20, 20},
	}
	for _, st := range steps {
		_, rowsBefore := w.state(t, peer.origin)
		status, text, hdr := post(t, srv.URL, st.body)
		if status != st.status {
			t.Fatalf("%s: status %d (%q), want %d", st.name, status, text, st.status)
		}
		size, rows := w.state(t, peer.origin)
		if size != st.size {
			t.Fatalf("%s: witness size %d, want %d", st.name, size, st.size)
		}
		switch status {
		case 200:
			cp := st.body[bytes.Index(st.body, []byte("\n\n"))+2:]
			v, err := fnote.NewVerifierForCosignatureV1(w.wkey)
			if err != nil {
				t.Fatal(err)
			}
			n, err := note.Open(append(bytes.Clone(cp), text...), note.VerifierList(v))
			if err != nil || len(n.Sigs) != 1 {
				t.Fatalf("%s: the answer %q is not a cosignature formats verifies: %v", st.name, text, err)
			}
			if ts, err := fnote.CoSigV1Timestamp(n.Sigs[0]); err != nil || ts.Unix() == 0 {
				t.Errorf("%s: cosignature timestamp %v, %v", st.name, ts, err)
			}
		case 409:
			if hdr.Get("Content-Type") != "text/x.tlog.size" || text != fmt.Sprintf("%d\n", st.conflictSize) {
				t.Errorf("%s: 409 %q (%s), want body %d and text/x.tlog.size", st.name, text, hdr.Get("Content-Type"), st.conflictSize)
			}
			fallthrough
		default:
			if rows != rowsBefore {
				t.Errorf("%s: refused, yet the cosigned history went from %d to %d rows", st.name, rowsBefore, rows)
			}
		}
	}
	// The monitoring path serves the latest cosigned checkpoint.
	resp, err := http.Get(srv.URL + "/" + federation.OriginHash(peer.origin) + "/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lv, _ := note.NewVerifier(peer.vkey)
	wv, _ := fnote.NewVerifierForCosignatureV1(w.wkey)
	n, err := note.Open(data, note.VerifierList(lv, wv))
	if resp.StatusCode != 200 || err != nil || len(n.Sigs) != 2 || !strings.HasPrefix(n.Text, "peer.test/log\n20\n") {
		t.Errorf("monitoring path: %d %q %v", resp.StatusCode, data, err)
	}
	if resp, err := http.Get(srv.URL + "/" + federation.OriginHash(stranger.origin) + "/checkpoint"); err != nil || resp.StatusCode != 404 {
		t.Errorf("monitoring path of an unknown log: %v %v", resp.StatusCode, err)
	}
	// No refusal changed the peer itself.
	if p, err := w.fed.Peer(ctx, "peer"); err != nil || p.State != accord.PeerPending || p.Version != 1 {
		t.Errorf("after the requests the peer is %+v, %v; want it pending, as added", p, err)
	}
}

// TestAddCheckpointBusy: with its requests in progress at the bound, the
// witness answers 429 with Retry-After, and serves again once they finish.
func TestAddCheckpointBusy(t *testing.T) {
	w := newWitnessNodeInFlight(t, 1)
	peer := newFakeLog(t, "busy.test/log")
	w.addPeer(t, "busy", peer)
	srv := httptest.NewServer(w.fed.Handler())
	defer srv.Close()
	// Hold the log's sequencer, so that a request stays in progress.
	release := make(chan struct{})
	held := make(chan struct{})
	go w.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		close(held)
		<-release
		return nil, nil
	})
	<-held
	first := make(chan int, 1)
	cp := peer.checkpoint(t, 3, nil)
	go func() {
		status, _, _ := post(t, srv.URL, body(0, nil, cp))
		first <- status
	}()
	// A request that finds the bound free is held too (until its client
	// gives up); once one is held, the next must be refused.
	busy := false
	quick := &http.Client{Timeout: time.Second}
	for held := 0; held < 3; {
		resp, err := quick.Post(srv.URL+"/add-checkpoint", "text/plain", bytes.NewReader(body(0, nil, cp)))
		if err != nil {
			held++
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			busy = resp.Header.Get("Retry-After") != ""
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if !busy {
		t.Fatal("the witness never answered 429 with Retry-After while a request was in progress at its bound of 1")
	}
	if status := <-first; status != 200 && status != 409 && status != 429 {
		t.Fatalf("the request in progress got %d", status)
	}
	// Held requests whose clients gave up were not stored: the state is
	// 0 or 3.
	waitFor(t, "the witness to serve again", 10*time.Second, func() bool {
		s0, _, _ := post(t, srv.URL, body(0, nil, cp))
		s3, _, _ := post(t, srv.URL, body(3, nil, cp))
		return s0 == 200 || s3 == 200
	})
}

// TestAddCheckpointFork: a checkpoint of the size last cosigned with another
// root is refused (422), kept as an alarm with both signed checkpoints, and
// the peer becomes read-only (404 from then on).
func TestAddCheckpointFork(t *testing.T) {
	w := newWitnessNode(t)
	peer := newFakeLog(t, "fork.test/log")
	w.addPeer(t, "fork", peer)
	if _, err := w.fed.AddCheckpoint(ctx, body(0, nil, peer.checkpoint(t, 8, nil))); err != nil {
		t.Fatal(err)
	}
	evil := sumtlog.Hash{9, 9, 9}
	_, err := w.fed.AddCheckpoint(ctx, body(8, nil, peer.checkpoint(t, 8, &evil)))
	var we *federation.WitnessError
	if !errors.As(err, &we) || we.Status != 422 {
		t.Fatalf("fork: %v, want 422", err)
	}
	var alarms []accord.Alarm
	var p *accord.Peer
	w.store.View(ctx, func(tx accord.ReadTx) error {
		alarms, _ = tx.Alarms(ctx, peer.origin)
		p, _ = tx.Peer(ctx, "fork")
		return nil
	})
	if len(alarms) != 1 || alarms[0].Kind != accord.AlarmFork {
		t.Fatalf("alarms = %+v, want one fork", alarms)
	}
	var ev accord.SplitViewEvidence
	if err := jsonUnmarshal(alarms[0].Evidence, &ev); err != nil {
		t.Fatal(err)
	}
	lv, _ := note.NewVerifier(peer.vkey)
	var roots []string
	for _, cp := range ev.Checkpoints {
		n, err := note.Open([]byte(cp), note.VerifierList(lv))
		if err != nil {
			t.Fatalf("evidence checkpoint does not verify with the log's key: %v", err)
		}
		roots = append(roots, strings.Split(n.Text, "\n")[2])
		if !strings.HasPrefix(n.Text, "fork.test/log\n8\n") {
			t.Errorf("evidence checkpoint %q", n.Text)
		}
	}
	if roots[0] == roots[1] {
		t.Errorf("evidence roots are equal: %v", roots)
	}
	if p.State != accord.PeerReadOnly {
		t.Errorf("peer state %s, want read-only", p.State)
	}
	_, err = w.fed.AddCheckpoint(ctx, body(8, peer.proof(t, 9, 8), peer.checkpoint(t, 9, nil)))
	if !errors.As(err, &we) || we.Status != 404 {
		t.Errorf("after the fork: %v, want 404", err)
	}
	// The state change is in the node's log.
	var entries [][]byte
	w.store.View(ctx, func(tx accord.ReadTx) error {
		n, _ := tx.LogSize(ctx)
		entries, _ = tx.ReadEntries(ctx, 0, n)
		return nil
	})
	last := string(entries[len(entries)-1])
	if !strings.Contains(last, `"type":"peer.state_changed"`) || !strings.Contains(last, `"state":"read-only"`) || !strings.Contains(last, `"org":"node"`) {
		t.Errorf("last log entry %s, want the peer's move to read-only by the node", last)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// TestAddCheckpointStateMovedElsewhere: the witness checks the usual
// request against the size it last cosigned, as it remembers it; when the
// stored state moved on behind it (another node on the same PostgreSQL
// database), the compare-and-set still decides: 409 with the stored size,
// nothing stored, and the next request from that size is cosigned.
func TestAddCheckpointStateMovedElsewhere(t *testing.T) {
	w := newWitnessNode(t)
	peer := newFakeLog(t, "moved.test/log")
	w.addPeer(t, "moved", peer)
	if _, err := w.fed.AddCheckpoint(ctx, body(0, nil, peer.checkpoint(t, 10, nil))); err != nil {
		t.Fatal(err)
	}
	err := w.store.Update(ctx, func(tx accord.WriteTx) error {
		return tx.AdvanceWitness(ctx, 10, accord.WitnessState{Origin: peer.origin, Size: 20, Root: peer.root(t, 20), Checkpoint: peer.checkpoint(t, 20, nil), Cosigned: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, rows := w.state(t, peer.origin)
	_, err = w.fed.AddCheckpoint(ctx, body(10, peer.proof(t, 15, 10), peer.checkpoint(t, 15, nil)))
	var we *federation.WitnessError
	if !errors.As(err, &we) || we.Status != 409 || we.Size != 20 {
		t.Fatalf("from the size remembered, after the state moved to 20: %v, want 409 at 20", err)
	}
	if size, after := w.state(t, peer.origin); size != 20 || after != rows {
		t.Fatalf("after the 409: size %d and %d history rows, want 20 and %d", size, after, rows)
	}
	if _, err := w.fed.AddCheckpoint(ctx, body(20, peer.proof(t, 30, 20), peer.checkpoint(t, 30, nil))); err != nil {
		t.Fatalf("from the stored size: %v", err)
	}
	if size, _ := w.state(t, peer.origin); size != 30 {
		t.Errorf("size %d, want 30", size)
	}
}

package federation

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	acctlog "github.com/accord-gov/accord/tlog"
)

// recorded runs the log handler and gives its answer to edit.
func recorded(r *http.Request, log http.Handler) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	log.ServeHTTP(rec, r)
	return rec
}

// onPath misbehaves on requests whose path contains part, and lets the
// others through.
func onPath(part string, f func(w http.ResponseWriter, r *http.Request, log http.Handler)) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, log http.Handler) {
		if !strings.Contains(r.URL.Path, part) {
			log.ServeHTTP(w, r)
			return
		}
		f(w, r, log)
	}
}

// editBody serves the log's answer, edited.
func editBody(edit func([]byte) []byte) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, log http.Handler) {
		rec := recorded(r, log)
		w.WriteHeader(rec.Code)
		w.Write(edit(rec.Body.Bytes()))
	}
}

// TestMirrorRefusesBadPeerData: whatever a peer sends that is not its
// log, signed by its key, the mirror refuses with a clear error in the
// peer's status, stores nothing of it and keeps its verified state; once
// the peer serves its log again, the mirror catches up.
func TestMirrorRefusesBadPeerData(t *testing.T) {
	otherKey, _, err := acctlog.GenerateKey("kenya.example/log")
	if err != nil {
		t.Fatal(err)
	}
	otherSigner, err := note.NewSigner(otherKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		bad  func(w http.ResponseWriter, r *http.Request, log http.Handler)
		// chunked verifies in chunks of a few entries, so that the hash
		// tiles are read too
		chunked bool
		want    string // in the error
		// timeout is the mirror's HTTP timeout: short for the slow peer
		// only, so that a loaded machine streaming a large bad bundle
		// still reaches the size limit before the client gives up.
		timeout time.Duration
	}{
		{"tampered bundle", onPath("/tile/entries/", editBody(func(b []byte) []byte {
			return bytes.Replace(b, []byte("Second batch"), []byte("Secund batch"), 1)
		})), false, "do not hash to the tree the peer signed", 0},
		{"truncated bundle", onPath("/tile/entries/", editBody(func(b []byte) []byte { return b[:len(b)-7] })), false, "truncated entry", 0},
		{"bundle missing its last entry", onPath("/tile/entries/", editBody(func(b []byte) []byte {
			es, _ := acctlog.ParseBundle(b)
			var out []byte
			for _, e := range es[:len(es)-1] {
				out = append(out, byte(len(e)>>8), byte(len(e)))
				out = append(out, e...)
			}
			return out
		})), false, "holds", 0},
		{"oversized bundle, by its length", onPath("/tile/entries/", func(w http.ResponseWriter, r *http.Request, log http.Handler) {
			w.Header().Set("Content-Length", strconv.Itoa(MaxBundleBytes+1))
			w.WriteHeader(http.StatusOK)
			w.Write([]byte("xx"))
		}), false, "over the limit", 0},
		{"oversized bundle, streamed", onPath("/tile/entries/", func(w http.ResponseWriter, r *http.Request, log http.Handler) {
			chunk := bytes.Repeat([]byte{0xff}, 1<<20)
			for range MaxBundleBytes/len(chunk) + 2 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}), false, "over the limit", 0},
		{"oversized checkpoint", onPath("/checkpoint", func(w http.ResponseWriter, r *http.Request, log http.Handler) {
			w.Write(bytes.Repeat([]byte("a"), MaxCheckpointLen+1))
		}), false, "over the limit", 0},
		{"garbage checkpoint", onPath("/checkpoint", func(w http.ResponseWriter, r *http.Request, log http.Handler) {
			w.Write([]byte("hello\n"))
		}), false, "the peer's checkpoint", 0},
		{"checkpoint signed by another key", onPath("/checkpoint", editBody(func(b []byte) []byte {
			text, _, _ := bytes.Cut(b, []byte("\n\n"))
			out, err := note.Sign(&note.Note{Text: string(text) + "\n"}, otherSigner)
			if err != nil {
				t.Fatal(err)
			}
			return out
		})), false, "did it change its key", 0},
		{"server error", onPath("/tile/entries/", func(w http.ResponseWriter, r *http.Request, log http.Handler) {
			http.Error(w, "disk on fire", http.StatusInternalServerError)
		}), false, "HTTP 500: disk on fire", 0},
		{"tampered hash tile", onPath("/tile/0/", editBody(func(b []byte) []byte {
			b = bytes.Clone(b)
			b[0] ^= 1
			return b
		})), true, "hash tiles do not fit its signed checkpoint", 0},
		{"slow peer", onPath("/tile/entries/", func(w http.ResponseWriter, r *http.Request, log http.Handler) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}), false, "Timeout", 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer := newPeerNode(t, "kenya")
			provider := peer.org(t, "Nairobi Hiring Ltd")
			peer.file(t, provider, 2, "First batch")
			timeout := 30 * time.Second
			if tt.timeout > 0 {
				timeout = tt.timeout
			}
			cfg := MirrorConfig{HTTP: &http.Client{Timeout: timeout}}
			if tt.chunked {
				cfg.ChunkEntries = 3
			}
			n := newMirrorNode(t, cfg)
			n.addPeer(t, peer)
			if err := n.mirror.Sync(mctx, "kenya"); err != nil {
				t.Fatal(err)
			}
			before := n.state(t, peer.origin)
			peer.file(t, provider, 300, "Second batch") // past a bundle and a tile
			peer.setMisbehave(tt.bad)
			err := n.mirror.Sync(mctx, "kenya")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Sync = %v, want an error with %q", err, tt.want)
			}
			if after := n.state(t, peer.origin); after.Size != before.Size || !bytes.Equal(after.Checkpoint, before.Checkpoint) || after.Pending != nil {
				t.Errorf("the mirror advanced on bad data: size %d → %d, pending %v", before.Size, after.Size, after.Pending != nil)
			}
			if got := n.search(t, accord.SystemQuery{Q: "second batch"}); len(got) != 0 {
				t.Errorf("%d records decoded from bad data", len(got))
			}
			st := n.status(t, "kenya")
			if !strings.Contains(st.Error, tt.want) || st.Failures != 1 {
				t.Errorf("status = error %q, failures %d", st.Error, st.Failures)
			}
			if n := n.alarms(t); len(n) != 0 {
				t.Errorf("bad data raised %d alarms; it proves no split view", len(n))
			}
			// The peer mends its ways: the mirror catches up.
			peer.setMisbehave(nil)
			if err := n.mirror.Sync(mctx, "kenya"); err != nil {
				t.Fatal(err)
			}
			if got := n.search(t, accord.SystemQuery{Q: "second batch", Limit: 100}); len(got) != 100 {
				t.Errorf("after recovery the search found %d, want a full page of 100", len(got))
			}
			if st := n.status(t, "kenya"); st.Error != "" || st.Failures != 0 || st.Size != peer.size(t) {
				t.Errorf("status after recovery = %+v", st)
			}
		})
	}
}

// TestMirrorRefusesGarbageEntries: a peer's log that holds an entry that is
// not an Accord log event is not mirrored past it: the chunk that holds it
// is refused whole, and the verified state stays.
func TestMirrorRefusesGarbageEntries(t *testing.T) {
	peer := newPeerNode(t, "kenya")
	peer.appendRaw(t, rawEvent(1), rawEvent(2))
	n := newMirrorNode(t, MirrorConfig{})
	n.addPeer(t, peer)
	if err := n.mirror.Sync(mctx, "kenya"); err != nil {
		t.Fatal(err)
	}
	for _, garbage := range [][]byte{[]byte("not json"), []byte(`{"type":"x"}`), []byte(`{"type":"a","record":"b","time":"yesterday","content":{}}`), []byte(`{"type":"a","record":"b","time":"2026-12-01T10:00:00.000Z","content":{},"extra":1}`)} {
		peer.appendRaw(t, rawEvent(3), garbage)
		err := n.mirror.Sync(mctx, "kenya")
		var bd *BadDataError
		if !errors.As(err, &bd) || !strings.Contains(err.Error(), "nothing of its chunk stored") {
			t.Errorf("garbage %q: Sync = %v, want bad data", garbage, err)
		}
		if st := n.state(t, peer.origin); st.Size != 2 {
			t.Errorf("garbage %q: the mirror holds %d entries, want the 2 before it", garbage, st.Size)
		}
	}
}

func (n *mirrorNode) status(t testing.TB, peer string) accord.MirrorStatus {
	t.Helper()
	sts, err := n.mirror.Status(mctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sts {
		if s.Peer == peer {
			return s
		}
	}
	t.Fatalf("no status for peer %s", peer)
	return accord.MirrorStatus{}
}

// TestMirrorBoundsItsRequests: however far behind, a pass asks a peer for
// at most Workers bundles at once, and a slow peer's follower holds no one
// else up: another peer is mirrored meanwhile.
func TestMirrorBoundsItsRequests(t *testing.T) {
	slow := newPeerNode(t, "slow")
	var es [][]byte
	for i := range 3000 {
		es = append(es, rawEvent(i))
	}
	slow.appendRaw(t, es...)
	var now, most atomic.Int64
	slow.setMisbehave(onPath("/tile/entries/", func(w http.ResponseWriter, r *http.Request, log http.Handler) {
		n := now.Add(1)
		defer now.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(30 * time.Millisecond)
		log.ServeHTTP(w, r)
	}))
	quick := newPeerNode(t, "quick")
	quick.appendRaw(t, rawEvent(1))
	n := newMirrorNode(t, MirrorConfig{Workers: 2, ChunkEntries: 256, Interval: 50 * time.Millisecond, MonitorInterval: -1})
	n.addPeer(t, slow)
	n.addPeer(t, quick)
	n.mirror.Start(mctx)
	deadline := time.Now().Add(30 * time.Second)
	quickDone := time.Duration(0)
	start := time.Now()
	for n.state(t, slow.origin).Size < 3000 {
		if quickDone == 0 && n.state(t, quick.origin).Size == 1 {
			quickDone = time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the slow peer was not mirrored in 30 s (%d entries)", n.state(t, slow.origin).Size)
		}
		time.Sleep(10 * time.Millisecond)
	}
	slowDone := time.Since(start)
	if m := most.Load(); m > 2 {
		t.Errorf("%d bundle requests at once, want at most 2 (Workers)", m)
	}
	if quickDone == 0 || quickDone > slowDone/2 {
		t.Errorf("the quick peer was mirrored after %s, the slow one after %s: one held the other up", quickDone, slowDone)
	}
}

// TestBackoff: the wait after failures doubles from the interval, is
// capped, and is jittered between half and all of it, so that nodes
// retrying one peer spread out.
func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 5: 32 * time.Second, 9: 5 * time.Minute, 40: 5 * time.Minute} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := backoff(time.Second, n)
			if d < want/2 || d > want {
				t.Fatalf("backoff after %d failures = %s, want within [%s, %s]", n, d, want/2, want)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("backoff after %d failures took %d values in 50 tries: no jitter", n, len(seen))
		}
	}
}

package tlog_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	tclient "github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"
	_ "modernc.org/sqlite"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/tlog"
)

var ctx = context.Background()

type testLog struct {
	store  *sqlite.DB
	log    *tlog.Log
	vkey   string
	origin string
	srv    *httptest.Server
}

func newTestLog(t *testing.T) *testLog {
	t.Helper()
	skey, _, err := tlog.GenerateKey("tiles.test/log")
	if err != nil {
		t.Fatal(err)
	}
	return newTestLogKey(t, skey)
}

// newTestLogKey starts a log on a fresh store, signing with skey.
func newTestLogKey(t *testing.T, skey string) *testLog {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "log.db"))
	if err != nil {
		t.Fatal(err)
	}
	vkey, err := tlog.VerifierKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.New(tlog.Config{Store: db, SignerKey: skey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/log", tlog.Handler(db)))
	t.Cleanup(func() { srv.Close(); l.Close(); db.Close() })
	return &testLog{db, l, vkey, "tiles.test/log", srv}
}

// restartHandler serves the log from a new handler on the same store.
func (l *testLog) restartHandler(t *testing.T) {
	t.Helper()
	srv := httptest.NewServer(http.StripPrefix("/log", tlog.Handler(l.store)))
	t.Cleanup(srv.Close)
	l.srv = srv
}

func entry(i int) []byte {
	e, _ := accord.Canonical(accord.LogEvent{Type: "test.entry", Record: fmt.Sprintf("r%d", i), Version: 1, Time: "2026-11-23T00:00:00.000Z", Org: "org_t", Content: []byte(fmt.Sprintf(`{"i":%d,"pad":"%s"}`, i, strings.Repeat("p", i%300)))})
	return e
}

// fill appends n entries in batches of up to 64 and returns the receipts.
func (l *testLog) fill(t *testing.T, from, n int) []accord.Receipt {
	t.Helper()
	var out []accord.Receipt
	for i := from; i < from+n; {
		k := min(64, from+n-i)
		var es [][]byte
		for j := range k {
			es = append(es, entry(i+j))
		}
		rs, err := l.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) { return es, nil })
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rs...)
		i += k
	}
	return out
}

// TestStockClientVerifiesLog reads and verifies the log with code we did not
// write: Tessera's C2SP tlog-tiles client, transparency-dev/merkle proofs and
// transparency-dev/formats checkpoint parsing.
func TestStockClientVerifiesLog(t *testing.T) {
	l := newTestLog(t)
	receipts := l.fill(t, 0, 700)
	u, _ := url.Parse(l.srv.URL + "/log/")
	f, err := tclient.NewHTTPFetcher(u, l.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(l.vkey)
	if err != nil {
		t.Fatal(err)
	}
	cp, raw, _, err := tclient.FetchCheckpoint(ctx, f.ReadCheckpoint, verifier, l.origin)
	if err != nil {
		t.Fatalf("stock client rejects the checkpoint: %v", err)
	}
	if cp.Size != 700 {
		t.Fatalf("checkpoint size %d, want 700", cp.Size)
	}
	if _, _, _, err := log.ParseCheckpoint(raw, l.origin, verifier); err != nil {
		t.Fatalf("formats.ParseCheckpoint: %v", err)
	}
	pb, err := tclient.NewProofBuilder(ctx, cp.Size, f.ReadTile)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint64{0, 1, 255, 256, 511, 699} {
		// The entry, from the entry bundles.
		b, err := tclient.GetEntryBundle(ctx, f.ReadEntryBundle, i/256, cp.Size)
		if err != nil {
			t.Fatalf("entry bundle for %d: %v", i, err)
		}
		e := b.Entries[i%256]
		if string(e) != string(entry(int(i))) {
			t.Fatalf("entry %d from the bundle = %s", i, e)
		}
		p, err := pb.InclusionProof(ctx, i)
		if err != nil {
			t.Fatalf("inclusion proof %d: %v", i, err)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, i, cp.Size, rfc6962.DefaultHasher.HashLeaf(e), p, cp.Hash); err != nil {
			t.Errorf("merkle rejects inclusion of %d: %v", i, err)
		}
	}
	// Our receipts verify with the independent code too.
	for _, r := range []accord.Receipt{receipts[0], receipts[300], receipts[699]} {
		p, err := tlog.ParseProof(r.Proof)
		if err != nil {
			t.Fatal(err)
		}
		rcp, _, _, err := log.ParseCheckpoint(p.Checkpoint, l.origin, verifier)
		if err != nil {
			t.Fatalf("formats rejects a receipt's checkpoint: %v", err)
		}
		hashes := make([][]byte, len(p.Hashes))
		for i := range p.Hashes {
			hashes[i] = p.Hashes[i][:]
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(r.Index), rcp.Size, rfc6962.DefaultHasher.HashLeaf([]byte(r.Entry)), hashes, rcp.Hash); err != nil {
			t.Errorf("merkle rejects receipt %d: %v", r.Index, err)
		}
	}
	// Consistency between the checkpoint of an early receipt and the latest.
	early, _ := tlog.ParseProof(receipts[100].Proof)
	ecp, _, _, _ := log.ParseCheckpoint(early.Checkpoint, l.origin, verifier)
	l.fill(t, 700, 100)
	cp2, _, _, err := tclient.FetchCheckpoint(ctx, f.ReadCheckpoint, verifier, l.origin)
	if err != nil {
		t.Fatal(err)
	}
	pb2, _ := tclient.NewProofBuilder(ctx, cp2.Size, f.ReadTile)
	cproof, err := pb2.ConsistencyProof(ctx, ecp.Size, cp2.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, ecp.Size, cp2.Size, cproof, ecp.Hash, cp2.Hash); err != nil {
		t.Errorf("merkle rejects consistency %d → %d: %v", ecp.Size, cp2.Size, err)
	}
}

func get(t *testing.T, l *testLog, path string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(l.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestTilesHTTP(t *testing.T) {
	l := newTestLog(t)
	if status, _, _ := get(t, l, "/log/checkpoint"); status != 404 {
		t.Errorf("checkpoint of an empty log: %d, want 404", status)
	}
	l.fill(t, 0, 300)
	tests := []struct {
		path   string
		status int
		cache  string
	}{
		{"/log/checkpoint", 200, "no-cache"},
		{"/log/tile/0/000", 200, "immutable"},
		{"/log/tile/0/001.p/44", 200, "max-age=60"},
		{"/log/tile/0/001", 404, ""},      // not full yet
		{"/log/tile/0/001.p/45", 404, ""}, // beyond the tree
		{"/log/tile/0/002.p/1", 404, ""},  // beyond the tree
		{"/log/tile/1/000.p/1", 200, ""},  // one complete level-1 node
		{"/log/tile/1/000.p/2", 404, ""},  // 300 leaves make only one
		{"/log/tile/entries/000", 200, "immutable"},
		{"/log/tile/entries/001.p/44", 200, ""},
		{"/log/tile/entries/001.p/45", 404, ""},
		{"/log/tile/entries/x001/000", 404, ""},
		{"/log/tile/0/banana", 404, ""},
		// Indexes whose first node (N·256) overflows int64 once wrapped to
		// tile 0 or to a negative index and were served; beyond any tree now.
		{"/log/tile/0/x072/x057/x594/x037/x927/936", 404, ""},      // 2⁵⁶: N·256 wraps to 0
		{"/log/tile/0/x072/x057/x594/x037/x927/936.p/44", 404, ""}, // the same, partial
		{"/log/tile/0/x036/x028/x797/x018/x963/968", 404, ""},      // 2⁵⁵: N·256 wraps negative
		{"/log/tile/entries/x072/x057/x594/x037/x927/936", 404, ""},
		{"/log/tile/entries/x036/x028/x797/x018/x963/969.p/1", 404, ""},
		{"/log/tile/1/x072/x057/x594/x037/x927/936.p/1", 404, ""},
		{"/log/tile/7/x072/x057/x594/x037/x927/936.p/1", 404, ""},
		{"/log/tile/0/x036/x028/x797/x018/x963/967", 404, ""},      // 2⁵⁵-1: the largest level-0 index
		{"/log/tile/0/x009/x223/x372/x036/x854/x775/807", 404, ""}, // MaxInt64
		{"/log/tile/0/x018/x446/x744/x073/x709/x551/616", 404, ""}, // 2⁶⁴
		{"/log/tile/2/000.p/1", 404, ""},                           // a level the tree has not reached
		{"/log/tile/8/000.p/1", 404, ""},                           // a level no int64 tree reaches
		{"/log/tile/0/000.p/256", 404, ""},                         // a full tile is written without .p/
		{"/log/tile/0/-01", 404, ""},
		{"/log/tile/0/+01", 404, ""},
	}
	for _, tt := range tests {
		status, hdr, body := get(t, l, tt.path)
		if status != tt.status {
			t.Errorf("GET %s = %d (%.80q), want %d", tt.path, status, body, tt.status)
		}
		if status != 200 && hdr.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s = %d with Cache-Control %q: an error must not be cached", tt.path, status, hdr.Get("Cache-Control"))
		}
		if tt.cache != "" && !strings.Contains(hdr.Get("Cache-Control"), tt.cache) {
			t.Errorf("GET %s Cache-Control %q, want %q", tt.path, hdr.Get("Cache-Control"), tt.cache)
		}
	}
	_, _, full := get(t, l, "/log/tile/0/000")
	if len(full) != 256*32 {
		t.Errorf("full tile is %d bytes, want 8192", len(full))
	}
	_, _, b := get(t, l, "/log/tile/entries/001.p/44")
	es, err := tlog.ParseBundle(b)
	if err != nil || len(es) != 44 || string(es[0]) != string(entry(256)) {
		t.Errorf("partial bundle: %d entries, %v", len(es), err)
	}
}

// The handler keeps the tiles it served: a partial tile keeps its bytes as
// the log grows past it, a tile beyond the tree is not kept as missing, and
// what it serves is what the store holds.
func TestTilesHTTPServedAgain(t *testing.T) {
	l := newTestLog(t)
	l.fill(t, 0, 300)
	paths := []string{"/log/tile/entries/001.p/44", "/log/tile/0/001.p/44", "/log/tile/0/000", "/log/tile/entries/000"}
	first := map[string][]byte{}
	for _, p := range paths {
		status, hdr, b := get(t, l, p)
		if status != 200 || hdr.Get("Content-Length") != strconv.Itoa(len(b)) {
			t.Fatalf("GET %s = %d, Content-Length %q for %d bytes", p, status, hdr.Get("Content-Length"), len(b))
		}
		first[p] = b
	}
	if status, _, _ := get(t, l, "/log/tile/entries/001.p/100"); status != 404 {
		t.Fatalf("entries 256..356 of a 300-entry log: %d, want 404", status)
	}
	l.fill(t, 300, 100)
	for _, p := range paths {
		if _, _, b := get(t, l, p); !bytes.Equal(b, first[p]) {
			t.Errorf("GET %s changed as the log grew", p)
		}
	}
	_, _, b := get(t, l, "/log/tile/entries/001.p/100")
	es, err := tlog.ParseBundle(b)
	if err != nil || len(es) != 100 || string(es[99]) != string(entry(355)) {
		t.Fatalf("entries 256..356 once the log holds them: %d entries, %v", len(es), err)
	}
	// Narrower partial tiles come from the wider ones now cached.
	for _, p := range paths {
		if _, _, b := get(t, l, p); !bytes.Equal(b, first[p]) {
			t.Errorf("GET %s, once a wider tile was served, differs", p)
		}
	}
	if _, _, b := get(t, l, "/log/tile/0/001.p/100"); len(b) != 100*32 || !bytes.Equal(b[:44*32], first["/log/tile/0/001.p/44"]) {
		t.Errorf("hash tile 001.p/100: %d bytes, not an extension of 001.p/44", len(b))
	}
	// The hash tiles served agree with the log's proofs, from the cache too.
	for range 2 {
		if _, err := tlog.Audit(ctx, fetcher(l), l.vkey, nil, 4); err != nil {
			t.Fatal(err)
		}
	}
}

// fetcher reads the test log's tiles over HTTP.
func fetcher(l *testLog) tlog.Fetcher {
	return func(ctx context.Context, path string) ([]byte, error) {
		resp, err := http.Get(l.srv.URL + "/log/" + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("%s: %d", path, resp.StatusCode)
		}
		return b, nil
	}
}

func TestAudit(t *testing.T) {
	l := newTestLog(t)
	l.fill(t, 0, 520)
	rep, err := tlog.Audit(ctx, fetcher(l), l.vkey, nil, 4)
	if err != nil {
		t.Fatalf("first audit: %v", err)
	}
	if rep.Size != 520 || rep.Entries != 520 || rep.Types["test.entry"] != 520 || rep.Tiles == 0 {
		t.Errorf("report = %+v", rep)
	}
	state := rep.Checkpoint
	l.fill(t, 520, 30)
	rep, err = tlog.Audit(ctx, fetcher(l), l.vkey, state, 4)
	if err != nil || rep.PrevSize != 520 || rep.Size != 550 {
		t.Fatalf("second audit: %+v, %v", rep, err)
	}
	state = rep.Checkpoint

	// Rewrite one entry in the database behind the log's back: the audit
	// recomputes the hashes from the entries and sees it.
	raw, err := sql.Open("sqlite", l.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE log_entries SET data = ? WHERE idx = 7`, entry(8)); err != nil {
		t.Fatal(err)
	}
	// A handler keeps the tiles it served; one started on the rewritten
	// database (the node restarted) serves what it holds now.
	l.restartHandler(t)
	_, err = tlog.Audit(ctx, fetcher(l), l.vkey, state, 4)
	var ae *tlog.AuditError
	if !errors.As(err, &ae) || ae.Kind != "root" {
		t.Errorf("audit after an entry rewrite: %v, want a root failure", err)
	}
	// Rewrite a hash tile too, consistently with the changed entry: the
	// signed checkpoint still does not match.
	if _, err := raw.Exec(`UPDATE log_entries SET data = ? WHERE idx = 7`, entry(7)); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE log_hashes SET hash = zeroblob(32) WHERE idx = 3`); err != nil {
		t.Fatal(err)
	}
	l.restartHandler(t)
	_, err = tlog.Audit(ctx, fetcher(l), l.vkey, state, 4)
	if !errors.As(err, &ae) || ae.Kind != "tile" {
		t.Errorf("audit after a hash rewrite: %v, want a tile failure", err)
	}
}

func TestAuditDetectsFork(t *testing.T) {
	// Two logs with one key: the operator shows different histories.
	skey, _, _ := tlog.GenerateKey("tiles.test/log")
	a := newTestLogKey(t, skey)
	b := newTestLogKey(t, skey)
	bl := b.log
	a.fill(t, 0, 100)
	seen, err := tlog.Audit(ctx, fetcher(a), a.vkey, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 120 {
		e := entry(1000 + i)
		if _, err := bl.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) { return [][]byte{e}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	_, err = tlog.Audit(ctx, fetcher(b), a.vkey, seen.Checkpoint, 2)
	var ae *tlog.AuditError
	if !errors.As(err, &ae) || ae.Kind != "fork" {
		t.Errorf("audit of a forked log: %v, want a fork failure", err)
	}
	// A log that shrank is a rollback.
	c := newTestLogKey(t, skey)
	c.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		return [][]byte{entry(0)}, nil
	})
	_, err = tlog.Audit(ctx, fetcher(c), a.vkey, seen.Checkpoint, 2)
	if !errors.As(err, &ae) || ae.Kind != "rollback" {
		t.Errorf("audit of a shrunk log: %v, want a rollback failure", err)
	}
	// A checkpoint signed by another key fails at the signature.
	other := newTestLog(t)
	other.fill(t, 0, 1)
	_, err = tlog.Audit(ctx, fetcher(other), a.vkey, nil, 2)
	if !errors.As(err, &ae) || ae.Kind != "signature" {
		t.Errorf("audit with the wrong key: %v, want a signature failure", err)
	}
}

// TestUpdate: a write without entries or savepoint commits with its batch;
// one that fails fails its batch, so nothing it wrote is kept; one whose
// caller gave up before it ran does not run.
func TestUpdate(t *testing.T) {
	l := newTestLog(t)
	meta := func() []byte {
		var v []byte
		l.store.View(ctx, func(tx accord.ReadTx) error { v, _ = tx.Meta(ctx, "update.test"); return nil })
		return v
	}
	set := func(v string, fail error) func(ctx context.Context, tx accord.WriteTx) error {
		return func(ctx context.Context, tx accord.WriteTx) error {
			if err := tx.SetMeta(ctx, "update.test", []byte(v)); err != nil {
				return err
			}
			return fail
		}
	}
	if err := l.log.Update(ctx, set("one", nil)); err != nil || string(meta()) != "one" {
		t.Fatalf("Update = %v, stored %q; want it stored", err, meta())
	}
	err := l.log.Update(ctx, set("two", errors.New("the database failed")))
	if accord.ErrorCode(err) != accord.EUnavailable || string(meta()) != "one" {
		t.Fatalf("failing Update = %v, stored %q; want EUnavailable and nothing kept", err, meta())
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.log.Update(gone, set("three", nil)); err == nil || string(meta()) != "one" {
		t.Fatalf("Update after its caller gave up = %v, stored %q; want an error and nothing kept", err, meta())
	}
	// The log goes on: appends after a failed batch get receipts.
	if rs := l.fill(t, 0, 3); len(rs) != 3 {
		t.Fatalf("%d receipts after the failed batch, want 3", len(rs))
	}
}

// TestLater: a write that can wait runs at once when the sequencer is
// idle; while it is busy, it joins the next batch.
func TestLater(t *testing.T) {
	l := newTestLog(t)
	meta := func() string {
		var v []byte
		l.store.View(ctx, func(tx accord.ReadTx) error { v, _ = tx.Meta(ctx, "later.test"); return nil })
		return string(v)
	}
	set := func(v string) func(ctx context.Context, tx accord.WriteTx) error {
		return func(ctx context.Context, tx accord.WriteTx) error { return tx.SetMeta(ctx, "later.test", []byte(v)) }
	}
	start := time.Now()
	if err := l.log.Later(ctx, time.Minute, set("idle")); err != nil || meta() != "idle" {
		t.Fatalf("Later on an idle log = %v, stored %q", err, meta())
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Later on an idle log waited %v", d)
	}
	// Hold a batch in its transaction: the sequencer is busy.
	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		_, err := l.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
			close(started)
			<-release
			return [][]byte{entry(0)}, nil
		})
		held <- err
	}()
	<-started
	done := make(chan error, 1)
	start = time.Now()
	go func() { done <- l.log.Later(ctx, time.Minute, set("with a batch")) }()
	time.Sleep(20 * time.Millisecond) // Later queued behind the batch held
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	l.fill(t, 1, 1) // the next batch takes it
	if err := <-done; err != nil || meta() != "with a batch" {
		t.Fatalf("Later while the log was busy = %v, stored %q", err, meta())
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Later waited %v with a batch to join", d)
	}
}

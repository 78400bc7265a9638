package federation

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/sqlite"
	acctlog "github.com/accord-gov/accord/tlog"
)

// Benchmarks of the mirror's catch-up from a peer's tiles over loopback,
// fully verified. The peer's log holds real Accord entries (an
// organization, then filings each followed by its classification, as a
// registry logs them, ~1 KiB on average), written straight into its store
// so that a large log is quick to build. ACCORD_BENCH_MIRROR_ENTRIES sets
// its size (default 100,000):
//
//	ACCORD_BENCH_MIRROR_ENTRIES=1000000 go test -run '^$' -bench 'BenchmarkMirror' -benchtime 1x ./federation
//
// BenchmarkMirrorCatchUp stores the entries and hash tiles, every one
// verified, without decoding records; BenchmarkMirrorDecode decodes the
// stored entries into foreign records alone; BenchmarkMirrorPipelined does
// both at once, as a node does, until the last record is decoded.

func benchEntries(b *testing.B) int64 {
	n, err := strconv.ParseInt(os.Getenv("ACCORD_BENCH_MIRROR_ENTRIES"), 10, 64)
	if err != nil || n <= 0 {
		return 100_000
	}
	return n
}

// bigPeer is a peer whose log of n entries is built directly in its store.
func bigPeer(b *testing.B, n int64) *peerNode {
	b.Helper()
	// A real registry's entries, as templates.
	tpl := newPeerNode(b, "tpl")
	prov := tpl.org(b, "Nairobi Hiring Ltd")
	tpl.file(b, prov, 1, "Hiring assistant")
	var es [][]byte
	tpl.store.View(mctx, func(tx accord.ReadTx) error {
		size, _ := tx.LogSize(mctx)
		es, _ = tx.ReadEntries(mctx, 0, size)
		return nil
	})
	var org, filed, classified []byte
	var sysID string
	for _, e := range es {
		d, _ := accord.DecodeLogEntry(e, false)
		switch d.Type {
		case accord.LogOrganizationRegistered:
			org = e
		case accord.LogSystemFiled:
			filed, sysID = e, d.Record
		case accord.LogSystemClassified:
			classified = e
		}
	}
	p := newPeerNodeWithKey(b, "kenya", tpl.skey, tpl.vkey)
	hashes := make([]tlog.Hash, 0, tlog.StoredHashCount(n))
	mem := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	const chunk = 8192
	var batch [][]byte
	var start, hashStart int64
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := p.store.Update(mctx, func(tx accord.WriteTx) error {
			return tx.AppendLog(mctx, start, batch, hashStart, hashes[hashStart:])
		}); err != nil {
			b.Fatal(err)
		}
		start += int64(len(batch))
		hashStart = int64(len(hashes))
		batch = nil
	}
	for i := int64(0); i < n; i++ {
		var e []byte
		switch {
		case i == 0:
			e = org
		case i%2 == 1:
			e = bytes.ReplaceAll(filed, []byte(sysID), fmt.Appendf(nil, "sys_%0*d", len(sysID)-4, i))
		default:
			e = bytes.ReplaceAll(classified, []byte(sysID), fmt.Appendf(nil, "sys_%0*d", len(sysID)-4, i-1))
		}
		hs, err := tlog.StoredHashes(i, e, mem)
		if err != nil {
			b.Fatal(err)
		}
		hashes = append(hashes, hs...)
		batch = append(batch, e)
		if len(batch) == chunk {
			flush()
		}
	}
	flush()
	root, err := tlog.TreeHash(n, mem)
	if err != nil {
		b.Fatal(err)
	}
	signer, _ := note.NewSigner(tpl.skey)
	cp, _ := note.Sign(&note.Note{Text: acctlog.Checkpoint{Origin: p.origin, Size: n, Hash: root}.String()}, signer)
	if err := p.store.Update(mctx, func(tx accord.WriteTx) error { return tx.PutCheckpoint(mctx, n, cp) }); err != nil {
		b.Fatal(err)
	}
	return p
}

func benchMirror(b *testing.B, withRegistry bool) (*peerNode, *mirrorNode) {
	n := benchEntries(b)
	peer := bigPeer(b, n)
	node := newMirrorNode(b, MirrorConfig{})
	if !withRegistry {
		node.mirror.reg = nil
	}
	node.addPeer(b, peer)
	return peer, node
}

func BenchmarkMirrorCatchUp(b *testing.B) {
	n := benchEntries(b)
	for range b.N {
		b.StopTimer()
		peer, node := benchMirror(b, false)
		b.StartTimer()
		start := time.Now()
		if err := node.mirror.Sync(mctx, "kenya"); err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		b.ReportMetric(float64(n)/d.Seconds(), "entries/s")
		b.ReportMetric(d.Seconds(), "s/catch-up")
		if st := node.state(b, peer.origin); st.Size != n {
			b.Fatalf("mirrored %d of %d", st.Size, n)
		}
	}
}

func BenchmarkMirrorDecode(b *testing.B) {
	n := benchEntries(b)
	for range b.N {
		b.StopTimer()
		peer, node := benchMirror(b, false)
		if err := node.mirror.Sync(mctx, "kenya"); err != nil {
			b.Fatal(err)
		}
		node.mirror.reg = node.reg
		f := node.mirror.followers[peer.origin]
		b.StartTimer()
		start := time.Now()
		for {
			k, err := node.mirror.decodeBatch(mctx, f)
			if err != nil {
				b.Fatal(err)
			}
			if k == 0 {
				break
			}
		}
		d := time.Since(start)
		b.ReportMetric(float64(n)/d.Seconds(), "entries/s")
		b.ReportMetric(d.Seconds(), "s/decode")
		if got := len(node.search(b, accord.SystemQuery{Node: "kenya", Limit: 3})); got != 3 {
			b.Fatalf("decoded %d systems", got)
		}
	}
}

func BenchmarkMirrorPipelined(b *testing.B) {
	n := benchEntries(b)
	for range b.N {
		b.StopTimer()
		peer, node := benchMirror(b, true)
		b.StartTimer()
		start := time.Now()
		node.mirror.cfg.Interval = 50 * time.Millisecond
		node.mirror.cfg.MonitorInterval = -1
		node.mirror.Start(mctx)
		var stored time.Duration
		for {
			st := node.state(b, peer.origin)
			if st.Size == n && stored == 0 {
				stored = time.Since(start)
			}
			if st.Indexed == n {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		d := time.Since(start)
		node.mirror.Close()
		b.ReportMetric(float64(n)/stored.Seconds(), "stored-entries/s")
		b.ReportMetric(float64(n)/d.Seconds(), "decoded-entries/s")
		b.ReportMetric(d.Seconds(), "s/total")
	}
}

// BenchmarkMirrorServe is the other side: a mirror serving a peer's log
// to another node that catches up from it (its /mirror/ tiles).
func BenchmarkMirrorServe(b *testing.B) {
	n := benchEntries(b)
	for range b.N {
		b.StopTimer()
		peer, first := benchMirror(b, false)
		if err := first.mirror.Sync(mctx, "kenya"); err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(http.StripPrefix("/mirror", first.mirror.MirrorHandler()))
		store, err := sqlite.Open(mctx, filepath.Join(b.TempDir(), "second.db"))
		if err != nil {
			b.Fatal(err)
		}
		second := newMirrorNodeOn(b, store, MirrorConfig{})
		second.mirror.reg = nil
		second.addPeer(b, peer)
		f := &follower{peer: accord.Peer{Name: "kenya", Origin: peer.origin}}
		st := &accord.MirrorState{Origin: peer.origin}
		lv, _ := NewLogVerifier(peer.vkey)
		src := &tiles{hc: second.mirror.hc, prefix: srv.URL + "/mirror/" + OriginHash(peer.origin), mirror: true}
		p, _ := second.fed.Peer(mctx, "kenya")
		b.StartTimer()
		start := time.Now()
		if err := second.mirror.passFrom(mctx, f, p, lv, st, src); err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		b.ReportMetric(float64(n)/d.Seconds(), "entries/s")
		srv.Close()
	}
}

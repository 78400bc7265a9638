package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/storetest"
	acctlog "github.com/accord-gov/accord/tlog"
)

// TestMigrateStore moves a node SQLite → PostgreSQL → SQLite (and SQLite →
// SQLite): every row, log entry, stored hash and checkpoint is byte for byte
// the same, the moved node serves the same checkpoint and tiles, and its
// log goes on from where it stopped.
func TestMigrateStore(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	a, err := node.Open(ctx, node.Config{DataDir: data, Origin: "migrate.test/log"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	// What the node mirrors of a peer's log moves with it: a state half
	// way through a catch-up, its entry bundle and hash tile.
	peerLog := accord.MirrorState{Origin: "peer.example/log", Size: 3, Checkpoint: []byte("peer.example/log\n2\n…\n"),
		Pending: []byte("peer.example/log\n5\n…\n"), Indexed: 2, Updated: time.Date(2026, 12, 4, 1, 2, 3, 0, time.UTC)} // stores keep whole seconds
	peerTiles := []accord.MirrorTile{{Level: -1, N: 0, Width: 3, Data: []byte("three entries")}, {Level: 0, N: 0, Width: 3, Data: make([]byte, 3*tlog.HashSize)}}
	err = a.Store.Update(ctx, func(tx accord.WriteTx) error {
		if err := tx.AdvanceMirror(ctx, 0, peerLog, peerTiles); err != nil {
			return err
		}
		return tx.SetMirrorIndexed(ctx, peerLog.Origin, 0, peerLog.Indexed)
	})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	sqlitePath := filepath.Join(data, node.DBFile)
	pg := pgtest.DSN(t)

	migrate := func(from, to string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run([]string{"migrate-store", "--from", from, "--to", to}, &out, &errb); code != 0 {
			t.Fatalf("migrate-store %s → %s: exit %d: %s", from, to, code, errb.String())
		}
		if !strings.Contains(out.String(), "verified: both stores hold the same") {
			t.Errorf("migrate-store did not verify: %s", out.String())
		}
	}
	migrate("sqlite:"+sqlitePath, pg)
	back := filepath.Join(t.TempDir(), "back.db")
	migrate(pg, "sqlite:"+back)
	copied := filepath.Join(t.TempDir(), "copy.db")
	migrate("sqlite:"+sqlitePath, "sqlite:"+copied)

	// A store that is not empty is refused, and the message says why.
	var out, errb bytes.Buffer
	if code := run([]string{"migrate-store", "--from", "sqlite:" + sqlitePath, "--to", pg}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "not empty") {
		t.Errorf("migrating into a used store: exit %d, %q", code, errb.String())
	}
	if code := run([]string{"migrate-store", "--from", "sqlite:" + filepath.Join(data, "nope.db"), "--to", "sqlite:" + filepath.Join(t.TempDir(), "x.db")}, &out, &errb); code == 0 {
		t.Error("migrating from a missing SQLite file succeeded")
	}

	open := func(db string) *node.Node {
		t.Helper()
		n, err := node.Open(ctx, node.Config{DataDir: data, DB: db})
		if err != nil {
			t.Fatalf("open node on %s: %v", db, err)
		}
		t.Cleanup(func() { n.Close() })
		return n
	}
	orig := open("")
	want := storetest.DumpRows(t, orig.Store)
	for _, db := range []string{pg, "sqlite:" + back, "sqlite:" + copied} {
		n := open(db)
		if d := storetest.DiffRows(want, storetest.DumpRows(t, n.Store)); d != "" {
			t.Errorf("%s: %s", db, d)
		}
		sameLog(t, orig.Store, n.Store)
		sameTiles(t, orig, n)
		sameMirror(t, db, n.Store, peerLog, peerTiles)
		// Summaries read alike, levels and tiers included, whichever way
		// each store keeps them.
		if a, b := summaries(t, orig.Store), summaries(t, n.Store); !slices.Equal(a, b) {
			t.Errorf("%s: summaries\n%q\nwant\n%q", db, b, a)
		}
	}
	if sums := summaries(t, orig.Store); len(sums) == 0 || !strings.Contains(strings.Join(sums, "\n"), " high map[") {
		t.Errorf("the demo systems are not classified: %q", sums)
	}

	// The node on PostgreSQL appends after the move, extending the same tree.
	moved := open(pg)
	var size int64
	var oldCp []byte
	moved.Store.View(ctx, func(tx accord.ReadTx) error {
		size, _ = tx.LogSize(ctx)
		oldCp, err = tx.Checkpoint(ctx)
		return err
	})
	admin := registry.Operator()
	r, err := moved.Registry.RegisterOrganization(ctx, admin, accord.NewOrganization{Name: accord.Text{"en": "After the move"}, Kind: "provider", Country: "KE"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Receipt.Index != size {
		t.Fatalf("first write after the move: receipt %+v, want index %d", r.Receipt, size)
	}
	if _, err := acctlog.VerifyReceipt(r.Receipt, moved.VerifierKey, nil); err != nil {
		t.Fatal(err)
	}
	oldC, _ := acctlog.ParseCheckpoint(checkpointText(oldCp))
	p, _ := acctlog.ParseProof(r.Receipt.Proof)
	newC, _ := acctlog.ParseCheckpoint(checkpointText(p.Checkpoint))
	moved.Store.View(ctx, func(tx accord.ReadTx) error {
		hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return tx.ReadHashes(ctx, idx) })
		proof, err := tlog.ProveTree(newC.Size, oldC.Size, hr)
		if err != nil {
			return err
		}
		if err := tlog.CheckTree(proof, newC.Size, newC.Hash, oldC.Size, oldC.Hash); err != nil {
			t.Errorf("the log after the move does not extend the moved log: %v", err)
		}
		return nil
	})
}

// summaries lists a store's systems as search shows them, with their
// levels and tiers.
func summaries(t *testing.T, s accord.Store) []string {
	t.Helper()
	var out []string
	err := s.View(context.Background(), func(tx accord.ReadTx) error {
		p, err := tx.SearchSystems(context.Background(), accord.SystemQuery{Limit: 100})
		if err != nil {
			return err
		}
		for _, sum := range p.Systems {
			out = append(out, fmt.Sprint(sum.ID, " v", sum.Version, " ", sum.Level, " ", sum.Tiers))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkpointText(signed []byte) string {
	s, _, _ := strings.Cut(string(signed), "\n\n")
	return s + "\n"
}

// sameLog compares every entry, stored hash and checkpoint byte for byte.
func sameLog(t *testing.T, a, b accord.Store) {
	t.Helper()
	ctx := context.Background()
	read := func(s accord.Store) (es [][]byte, hs []tlog.Hash, cps [][]byte) {
		s.View(ctx, func(tx accord.ReadTx) error {
			n, err := tx.LogSize(ctx)
			if err != nil {
				return err
			}
			if es, err = tx.ReadEntries(ctx, 0, n); err != nil {
				return err
			}
			idx := make([]int64, tlog.StoredHashCount(n))
			for i := range idx {
				idx[i] = int64(i)
			}
			if hs, err = tx.ReadHashes(ctx, idx); err != nil {
				return err
			}
			cps, err = tx.Checkpoints(ctx, 0, n+1)
			return err
		})
		return
	}
	ea, ha, ca := read(a)
	eb, hb, cb := read(b)
	if len(ea) == 0 || len(ea) != len(eb) || len(ha) != len(hb) || len(ca) != len(cb) {
		t.Fatalf("log sizes differ: %d/%d entries, %d/%d hashes, %d/%d checkpoints", len(ea), len(eb), len(ha), len(hb), len(ca), len(cb))
	}
	for i := range ea {
		if !bytes.Equal(ea[i], eb[i]) {
			t.Errorf("entry %d differs", i)
		}
	}
	for i := range ha {
		if ha[i] != hb[i] {
			t.Errorf("stored hash %d differs", i)
		}
	}
	for i := range ca {
		if !bytes.Equal(ca[i], cb[i]) {
			t.Errorf("checkpoint %d differs", i)
		}
	}
}

// sameTiles fetches the checkpoint and every hash tile and entry bundle of
// the log from both nodes and compares the bytes.
func sameTiles(t *testing.T, a, b *node.Node) {
	t.Helper()
	// The node's /log/ surface, as node.Handler mounts it.
	serve := func(n *node.Node) *httptest.Server {
		return httptest.NewServer(http.StripPrefix("/log", acctlog.Handler(n.Store)))
	}
	sa, sb := serve(a), serve(b)
	defer sa.Close()
	defer sb.Close()
	get := func(base, path string) []byte {
		resp, err := http.Get(base + "/log/" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET /log/%s: %d %s", path, resp.StatusCode, body)
		}
		return body
	}
	cp := get(sa.URL, "checkpoint")
	if !bytes.Equal(cp, get(sb.URL, "checkpoint")) {
		t.Fatal("checkpoints differ")
	}
	c, err := acctlog.ParseCheckpoint(checkpointText(cp))
	if err != nil {
		t.Fatal(err)
	}
	paths := 0
	for level := -1; ; level++ {
		shift := 8 * max(level, 0)
		width := c.Size >> shift // entries (or hashes) at this level
		if width == 0 {
			break
		}
		for n := int64(0); n*256 < width; n++ {
			path := acctlog.TilePath(level, n, int(min(256, width-n*256)))
			if !bytes.Equal(get(sa.URL, path), get(sb.URL, path)) {
				t.Errorf("%s differs", path)
			}
			paths++
		}
	}
	if paths < 2 {
		t.Errorf("compared only %d tiles", paths)
	}
}

// sameMirror checks that a moved store mirrors the peer's log as the
// original did: the same state and the same stored tiles.
func sameMirror(t *testing.T, db string, s accord.Store, want accord.MirrorState, tiles []accord.MirrorTile) {
	t.Helper()
	ctx := context.Background()
	err := s.View(ctx, func(tx accord.ReadTx) error {
		got, err := tx.MirrorStates(ctx)
		if err != nil {
			return err
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Errorf("%s: mirror states %+v, want [%+v]", db, got, want)
		}
		for _, level := range []int{-1, 0} {
			ts, err := tx.MirrorTiles(ctx, want.Origin, level, 0, 1)
			if err != nil {
				return err
			}
			var w []accord.MirrorTile
			for _, m := range tiles {
				if m.Level == level {
					w = append(w, m)
				}
			}
			if !reflect.DeepEqual(ts, w) {
				t.Errorf("%s: mirror tiles at level %d: %+v, want %+v", db, level, ts, w)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

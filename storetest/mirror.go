package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

func mirrorState(origin string, size int64, cp string) accord.MirrorState {
	return accord.MirrorState{Origin: origin, Size: size, Checkpoint: []byte(cp), Indexed: 0, Updated: t0}
}

// testMirrorCAS: a mirror's state advances only from the size the caller
// read, and its tiles are stored with it or not at all.
func testMirrorCAS(t *testing.T, newStore NewStore) {
	s := newStore(t)
	view(t, s, func(tx accord.ReadTx) error {
		_, err := tx.MirrorState(ctx, "a.example/log")
		wantCode(t, err, accord.ENotFound)
		st, err := tx.MirrorStates(ctx)
		if err != nil || len(st) != 0 {
			t.Errorf("MirrorStates of an empty store = %v, %v", st, err)
		}
		return nil
	})
	bundle := accord.MirrorTile{Level: -1, N: 0, Width: 3, Data: []byte("three entries")}
	tile := accord.MirrorTile{Level: 0, N: 0, Width: 3, Data: bytes.Repeat([]byte{1}, 96)}
	update(t, s, func(tx accord.WriteTx) error {
		return tx.AdvanceMirror(ctx, 0, mirrorState("a.example/log", 3, "cp3"), []accord.MirrorTile{bundle, tile})
	})
	// A pass that read an older size, or a new log's first pass repeated, changes nothing.
	for _, old := range []int64{0, 2, 5} {
		err := s.Update(ctx, func(tx accord.WriteTx) error {
			return tx.AdvanceMirror(ctx, old, mirrorState("a.example/log", 9, "cp9"), []accord.MirrorTile{{Level: -1, N: 0, Width: 9, Data: []byte("nine")}})
		})
		wantCode(t, err, accord.EConflict)
	}
	// Growing replaces the right-edge tiles and adds new ones.
	pending := mirrorState("a.example/log", 300, "cp3")
	pending.Pending = []byte("cp600")
	grown := []accord.MirrorTile{{Level: -1, N: 0, Width: 256, Data: []byte("full")}, {Level: -1, N: 1, Width: 44, Data: []byte("partial")}}
	update(t, s, func(tx accord.WriteTx) error { return tx.AdvanceMirror(ctx, 3, pending, grown) })
	update(t, s, func(tx accord.WriteTx) error {
		return tx.AdvanceMirror(ctx, 0, mirrorState("b.example/log", 1, "b1"), []accord.MirrorTile{{Level: -1, N: 0, Width: 1, Data: []byte("b")}})
	})
	view(t, s, func(tx accord.ReadTx) error {
		got, err := tx.MirrorState(ctx, "a.example/log")
		if err != nil {
			return err
		}
		if got.Size != 300 || string(got.Checkpoint) != "cp3" || string(got.Pending) != "cp600" || !got.Updated.Equal(t0) {
			t.Errorf("state = %+v", got)
		}
		bundles, err := tx.MirrorTiles(ctx, "a.example/log", -1, 0, 10)
		if err != nil {
			return err
		}
		if len(bundles) != 2 || bundles[0].Width != 256 || string(bundles[1].Data) != "partial" || bundles[1].N != 1 || bundles[1].Level != -1 {
			t.Errorf("bundles = %+v", bundles)
		}
		if bs, _ := tx.MirrorTiles(ctx, "a.example/log", -1, 1, 2); len(bs) != 1 || bs[0].N != 1 {
			t.Errorf("bundles [1, 2) = %+v", bs)
		}
		tiles, err := tx.MirrorTiles(ctx, "a.example/log", 0, 0, 10)
		if err != nil || len(tiles) != 1 || !bytes.Equal(tiles[0].Data, tile.Data) {
			t.Errorf("tiles = %+v, %v", tiles, err)
		}
		if other, _ := tx.MirrorTiles(ctx, "b.example/log", -1, 0, 10); len(other) != 1 || string(other[0].Data) != "b" {
			t.Errorf("another log's bundles = %+v", other)
		}
		all, err := tx.MirrorStates(ctx)
		if err != nil || len(all) != 2 || all[0].Origin != "a.example/log" || all[1].Origin != "b.example/log" {
			t.Errorf("MirrorStates = %+v, %v", all, err)
		}
		return nil
	})
	// A failed advance leaves no tile behind.
	err := s.Update(ctx, func(tx accord.WriteTx) error {
		if err := tx.AdvanceMirror(ctx, 300, mirrorState("a.example/log", 600, "cp600"), []accord.MirrorTile{{Level: -1, N: 2, Width: 1, Data: []byte("x")}}); err != nil {
			return err
		}
		return fmt.Errorf("rolled back")
	})
	if err == nil {
		t.Fatal("the update should have failed")
	}
	view(t, s, func(tx accord.ReadTx) error {
		if bs, _ := tx.MirrorTiles(ctx, "a.example/log", -1, 2, 3); len(bs) != 0 {
			t.Errorf("a rolled-back advance stored %+v", bs)
		}
		return nil
	})
}

// testMirrorIndexed: the decoded-records cursor is a compare-and-set too.
func testMirrorIndexed(t *testing.T, newStore NewStore) {
	s := newStore(t)
	err := s.Update(ctx, func(tx accord.WriteTx) error { return tx.SetMirrorIndexed(ctx, "a.example/log", 0, 1) })
	wantCode(t, err, accord.ENotFound)
	update(t, s, func(tx accord.WriteTx) error {
		return tx.AdvanceMirror(ctx, 0, mirrorState("a.example/log", 10, "cp"), nil)
	})
	update(t, s, func(tx accord.WriteTx) error { return tx.SetMirrorIndexed(ctx, "a.example/log", 0, 4) })
	err = s.Update(ctx, func(tx accord.WriteTx) error { return tx.SetMirrorIndexed(ctx, "a.example/log", 0, 6) })
	wantCode(t, err, accord.EConflict)
	// Advancing the mirror keeps the stored indexed count, whatever the
	// caller read: the decoder moves it on its own.
	next := mirrorState("a.example/log", 20, "cp20")
	next.Indexed = 1
	update(t, s, func(tx accord.WriteTx) error { return tx.AdvanceMirror(ctx, 10, next, nil) })
	view(t, s, func(tx accord.ReadTx) error {
		got, err := tx.MirrorState(ctx, "a.example/log")
		if err != nil || got.Indexed != 4 || got.Size != 20 {
			t.Errorf("state = %+v, %v", got, err)
		}
		return nil
	})
}

// testMirrorCASRace: of concurrent passes from one size, one wins.
func testMirrorCASRace(t *testing.T, newStore NewStore) {
	s := newStore(t)
	update(t, s, func(tx accord.WriteTx) error {
		return tx.AdvanceMirror(ctx, 0, mirrorState("a.example/log", 5, "cp5"), nil)
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx accord.WriteTx) error {
				return tx.AdvanceMirror(ctx, 5, mirrorState("a.example/log", int64(6+i), "cp"), nil)
			})
			mu.Lock()
			defer mu.Unlock()
			switch accord.ErrorCode(err) {
			case "":
				won++
			case accord.EConflict:
			default:
				t.Errorf("AdvanceMirror: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d concurrent advances from one size won, want 1", won)
	}
}

// testNodeFacet: foreign systems are found by their home's facet, this
// node's by the empty one, and facet counts count both.
func testNodeFacet(t *testing.T, newStore NewStore) {
	s := newStore(t)
	update(t, s, func(tx accord.WriteTx) error {
		for i, home := range []string{"", "", "kenya", "france"} {
			id := fmt.Sprintf("sys_%d", i)
			sys := accord.System{ID: id, Provider: "org_1", Version: 1, Status: "active", Created: t0, Updated: t0.Add(time.Duration(i) * time.Second), Home: home}
			doc := accord.SearchDoc{Text: accord.SearchText("credit scoring " + id), Facets: []string{"country:FR", accord.NodeFacet(home), "status:active"}}
			if err := tx.PutSystem(ctx, sys, accord.SystemSummary{ID: id, Home: home}, doc); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tt := range []struct {
		q    accord.SystemQuery
		want []string
	}{
		{accord.SystemQuery{Local: true}, []string{"sys_0", "sys_1"}},
		{accord.SystemQuery{Node: "kenya"}, []string{"sys_2"}},
		{accord.SystemQuery{Node: "kenya", Q: "credit"}, []string{"sys_2"}},
		{accord.SystemQuery{Local: true, Q: "scoring", Country: "FR"}, []string{"sys_0", "sys_1"}},
		{accord.SystemQuery{Node: "nobody"}, nil},
		{accord.SystemQuery{}, []string{"sys_0", "sys_1", "sys_2", "sys_3"}},
	} {
		if got := search(t, s, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("search %+v = %v, want %v", tt.q, got, tt.want)
		}
	}
	view(t, s, func(tx accord.ReadTx) error {
		got, err := tx.FacetCounts(ctx, accord.SystemQuery{}, []string{"node"})
		if err != nil {
			return err
		}
		want := map[string]int{"node:": 2, "node:kenya": 1, "node:france": 1}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("node facet counts = %v, want %v", got, want)
		}
		got, err = tx.FacetCounts(ctx, accord.SystemQuery{Q: "credit"}, []string{"node"})
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("node facet counts with text = %v, %v", got, err)
		}
		p, err := tx.SearchSystems(ctx, accord.SystemQuery{Node: "france"})
		if err != nil || len(p.Systems) != 1 || p.Systems[0].Home != "france" {
			t.Errorf("a foreign summary keeps its home: %+v, %v", p, err)
		}
		sys, err := tx.System(ctx, "sys_3")
		if err != nil || sys.Home != "france" {
			t.Errorf("a foreign system keeps its home: %+v, %v", sys, err)
		}
		return nil
	})
}

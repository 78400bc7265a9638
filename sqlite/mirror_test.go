package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/accord-gov/accord"
)

// TestNodeFacetMigration: systems stored before migration 008 are this
// node's own: they answer the "node:" filter (with text and without) and
// are counted under it, and their other facets still work.
func TestNodeFacetMigration(t *testing.T) {
	ctx := context.Background()
	old, open := oldDatabase(t, 7)
	for rid, text := range map[int64]string{1: "credit scoring", 2: "recruitment screening"} {
		id := fmt.Sprintf("sys_%d", rid)
		if _, err := old.Exec(`INSERT INTO systems(rid, id, provider, data, summary, search_text) VALUES (?, ?, 'org_x', ?, ?, ?)`, rid, id,
			`{"id":"`+id+`","provider":"org_x","version":1,"status":"active"}`, `{"id":"`+id+`","version":1}`, text); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"country:FR", "status:active", "level:high"} {
			if _, err := old.Exec(`INSERT INTO system_facets(rid, facet) VALUES (?, ?)`, rid, f); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := old.Exec(`INSERT INTO systems_fts(rowid, text, facets) VALUES (?, ?, 'country:FR status:active')`, rid, text); err != nil {
			t.Fatal(err)
		}
	}
	db := open()
	search := func(q accord.SystemQuery) []string {
		var ids []string
		if err := db.View(ctx, func(tx accord.ReadTx) error {
			p, err := tx.SearchSystems(ctx, q)
			for _, s := range p.Systems {
				ids = append(ids, s.ID)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	for _, tt := range []struct {
		q    accord.SystemQuery
		want string
	}{
		{accord.SystemQuery{Local: true}, "[sys_2 sys_1]"},
		{accord.SystemQuery{Local: true, Q: "credit"}, "[sys_1]"},
		{accord.SystemQuery{Local: true, Country: "FR", Tier: "high"}, "[sys_2 sys_1]"},
		{accord.SystemQuery{Q: "screening", Status: "active"}, "[sys_2]"},
		{accord.SystemQuery{Node: "kenya"}, "[]"},
	} {
		if got := fmt.Sprint(search(tt.q)); got != tt.want {
			t.Errorf("search %+v = %s, want %s", tt.q, got, tt.want)
		}
	}
	var counts map[string]int
	if err := db.View(ctx, func(tx accord.ReadTx) error {
		var err error
		counts, err = tx.FacetCounts(ctx, accord.SystemQuery{}, []string{"node"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(counts), fmt.Sprint(map[string]int{"node:": 2}); got != want {
		t.Errorf("node counts = %s, want %s", got, want)
	}
}

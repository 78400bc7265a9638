package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/storetest"
)

// oldDatabase makes a database as a node at schema version n left it (the
// first n migrations applied), for a test to fill; open then closes it and
// opens it as a node does, migrating it.
func oldDatabase(t *testing.T, n int) (old *sql.DB, open func() *sqlite.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(names) < n {
		t.Fatalf("%d migrations, want at least %d: %v", len(names), n, err)
	}
	for _, m := range names[:n] {
		ddl, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(string(ddl)); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	if _, err := old.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, n)); err != nil {
		t.Fatal(err)
	}
	return old, func() *sqlite.DB {
		t.Helper()
		old.Close()
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}

// TestSearchTextBackfill: a database made before migration 003 gets each
// system's search text back from the full-text index, so it can be dumped
// and moved to another store with its search documents.
func TestSearchTextBackfill(t *testing.T) {
	ctx := context.Background()
	old, open := oldDatabase(t, 2)
	text := accord.SearchText("Évaluation du crédit", "个性化推荐", "نِظامُ التَّوْصِيَة")
	for rid, id := range map[int64]string{1: "sys_a", 2: "sys_b"} {
		if _, err := old.Exec(`INSERT INTO systems(rid, id, provider, data, summary) VALUES (?, ?, 'org_x', ?, ?)`, rid, id,
			`{"id":"`+id+`","provider":"org_x","version":1,"status":"active"}`, `{"id":"`+id+`"}`); err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(`INSERT INTO systems_fts(rowid, text, facets) VALUES (?, ?, 'country:FR')`, rid, text+" "+id); err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(`INSERT INTO system_facets(rid, facet) VALUES (?, 'country:FR')`, rid); err != nil {
			t.Fatal(err)
		}
	}
	db := open()
	w := &docs{got: map[string]accord.SearchDoc{}}
	if err := db.Dump(ctx, w); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"sys_a", "sys_b"} {
		d := w.got[id]
		// (Migration 008 gives every system stored before it the facet of
		// this node's own, "node:".)
		if d.Text != text+" "+id || fmt.Sprint(d.Facets) != "[country:FR node:]" {
			t.Errorf("%s: dumped document %+v, want text %q", id, d, text+" "+id)
		}
	}
	// Search still works, and a new write keeps its text.
	err := db.Update(ctx, func(tx accord.WriteTx) error {
		p, err := tx.SearchSystems(ctx, accord.SystemQuery{Q: "推荐 credit", Country: "FR"})
		if err != nil || len(p.Systems) != 2 {
			t.Errorf("search after the migration: %+v, %v", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// docs keeps the search documents of a dump.
type docs struct {
	storetest.Recorder
	got map[string]accord.SearchDoc
}

func (d *docs) System(_ context.Context, _ int64, s accord.System, _ accord.SystemSummary, doc accord.SearchDoc) error {
	d.got[s.ID] = doc
	return nil
}

// TestVersionsMoveToRowidTable: versions stored before migration 004 (in a
// WITHOUT ROWID table) are all readable after it, and (system_id, version)
// is still unique.
func TestVersionsMoveToRowidTable(t *testing.T) {
	ctx := context.Background()
	old, open := oldDatabase(t, 3)
	for _, v := range []struct {
		id      string
		version int
		salts   any
	}{{"sys_b", 1, nil}, {"sys_a", 2, `{"facts.profiling":"c2FsdA=="}`}, {"sys_a", 1, nil}} {
		data := fmt.Sprintf(`{"system_id":%q,"version":%d,"event":"filed","filing":{"trade_name":{"en":"%s v%d"}}}`, v.id, v.version, v.id, v.version)
		if _, err := old.Exec(`INSERT INTO system_versions(system_id, version, data, salts) VALUES (?, ?, ?, ?)`, v.id, v.version, data, v.salts); err != nil {
			t.Fatal(err)
		}
	}
	db := open()
	err := db.View(ctx, func(tx accord.ReadTx) error {
		vs, err := tx.SystemVersions(ctx, "sys_a")
		if err != nil {
			return err
		}
		if len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || vs[1].Filing.TradeName["en"] != "sys_a v2" || vs[1].Salts["facts.profiling"] == nil {
			t.Errorf("sys_a after the migration: %+v", vs)
		}
		v, err := tx.SystemVersion(ctx, "sys_b", 1)
		if err != nil || v.Filing.TradeName["en"] != "sys_b v1" {
			t.Errorf("sys_b after the migration: %+v, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx accord.WriteTx) error {
		return tx.AddSystemVersion(ctx, accord.SystemVersion{SystemID: "sys_a", Version: 2})
	})
	if accord.ErrorCode(err) != accord.EConflict {
		t.Errorf("a second version 2 of sys_a: %v, want a conflict", err)
	}
}

// TestFacetsMoveToSystemOrder: facets stored before migration 005 keep
// answering filters and counts after it, and later changes keep the counts.
func TestFacetsMoveToSystemOrder(t *testing.T) {
	ctx := context.Background()
	old, open := oldDatabase(t, 4)
	facets := map[int64][]string{
		1: {"country:FR", "level:high", "framework:eu-ai-act", "tier:eu-ai-act/high", "status:active"},
		2: {"country:FR", "country:DE", "level:minimal", "framework:eu-ai-act", "tier:eu-ai-act/minimal", "status:active"},
		3: {"country:CN", "level:not_applicable", "status:planned"},
	}
	for rid, fs := range facets {
		id := fmt.Sprintf("sys_%d", rid)
		level, _ := accord.ClassOutcome(fs) // as the summary held it then
		if _, err := old.Exec(`INSERT INTO systems(rid, id, provider, data, summary, search_text) VALUES (?, ?, 'org_x', ?, ?, 'text')`, rid, id,
			`{"id":"`+id+`","provider":"org_x","version":1,"status":"active"}`, `{"id":"`+id+`","version":1,"level":"`+level+`"}`); err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if _, err := old.Exec(`INSERT INTO system_facets(rid, facet) VALUES (?, ?)`, rid, f); err != nil {
				t.Fatal(err)
			}
		}
	}
	db := open()
	counts := func(q accord.SystemQuery, names ...string) string {
		var m map[string]int
		if err := db.View(ctx, func(tx accord.ReadTx) error {
			var err error
			m, err = tx.FacetCounts(ctx, q, names)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(m)
	}
	if got, want := counts(accord.SystemQuery{}, "country", "level"), fmt.Sprint(map[string]int{"country:FR": 2, "country:DE": 1, "country:CN": 1, "level:high": 1, "level:minimal": 1, "level:not_applicable": 1}); got != want {
		t.Errorf("counts after the migration = %s, want %s", got, want)
	}
	if got, want := counts(accord.SystemQuery{Framework: "eu-ai-act"}, "country"), fmt.Sprint(map[string]int{"country:FR": 2, "country:DE": 1}); got != want {
		t.Errorf("counts under eu-ai-act after the migration = %s, want %s", got, want)
	}
	// A re-classification after the migration keeps filters and counts right.
	err := db.Update(ctx, func(tx accord.WriteTx) error {
		_, err := tx.SetClassification(ctx, accord.Reclassification{ID: "sys_1", Version: 1,
			Remove: []string{"level:high", "tier:eu-ai-act/high"}, Add: []string{"level:minimal", "tier:eu-ai-act/minimal"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := counts(accord.SystemQuery{}, "level", "tier"), fmt.Sprint(map[string]int{"level:minimal": 2, "level:not_applicable": 1, "tier:eu-ai-act/minimal": 2}); got != want {
		t.Errorf("counts after re-classification = %s, want %s", got, want)
	}
	if got, want := counts(accord.SystemQuery{Tier: "minimal"}, "country"), fmt.Sprint(map[string]int{"country:FR": 2, "country:DE": 1}); got != want {
		t.Errorf("counts at level minimal = %s, want %s", got, want)
	}
	// The summary shows the new level, although the row, written before
	// levels were read from facets, still holds the old one.
	if err := db.View(ctx, func(tx accord.ReadTx) error {
		p, err := tx.SearchSystems(ctx, accord.SystemQuery{Tier: "minimal"})
		if err != nil {
			return err
		}
		var got []string
		for _, s := range p.Systems {
			got = append(got, fmt.Sprint(s.ID, " ", s.Level, " ", s.Tiers))
		}
		if want := []string{"sys_2 minimal map[eu-ai-act:minimal]", "sys_1 minimal map[eu-ai-act:minimal]"}; !slices.Equal(got, want) {
			t.Errorf("summaries at level minimal = %q, want %q", got, want)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

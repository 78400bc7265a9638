package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

// Tx is a SQLite transaction. It implements accord.WriteTx (and so ReadTx).
type Tx struct {
	tx     *sql.Tx
	shared *stmtCache // statements prepared on the database, reused across transactions
	stmts  map[string]*sql.Stmt
	sp     int // savepoint depth
	// fts holds search documents not yet in systems_fts. FTS5 flushes its
	// pending terms to disk at every savepoint, and the sequencer runs each
	// write in one, so documents wait here and go in together at commit.
	fts  []ftsDoc
	orgs map[string]accord.Organization // organizations read in this transaction
	toks map[string]accord.Token        // tokens read by id in this transaction (see Token)
	// durableOnly: a read transaction sees checkpoints of size at most
	// durable, those a Sync made durable (see DB.View).
	durableOnly bool
	durable     int64
}

// checkpointBound is the largest checkpoint size the transaction may see.
func (t *Tx) checkpointBound() int64 {
	if t.durableOnly {
		return t.durable
	}
	return math.MaxInt64
}

type ftsDoc struct {
	rid     int64
	text    string
	facets  []string
	replace bool   // the system was indexed before: update its document and facets
	oldText string // the text indexed before, when replace
}

// ftsFacets is the facets column of a system's full-text document. It leaves
// out classification facets: they live only in system_facets, so that
// re-classifying a system touches a few facet rows, not its document.
func ftsFacets(facets []string) string {
	var b strings.Builder
	for _, f := range facets {
		if accord.IsClassificationFacet(f) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return b.String()
}

var _ accord.WriteTx = (*Tx)(nil)

// stmt prepares a query once per transaction: the sequencer runs hundreds
// of writes in one transaction, so each statement is compiled once per batch.
// Better still, statements are prepared once on the database handle and
// reused by every transaction on a connection that has them (database/sql
// keeps them per connection): small transactions, such as the witness's
// batches, spent a tenth of their time compiling SQL.
func (t *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := t.stmts[query]; ok {
		return s, nil
	}
	var s *sql.Stmt
	var err error
	var shared *sql.Stmt
	if t.shared != nil {
		shared = t.shared.get(query)
	}
	if shared != nil {
		s = t.tx.StmtContext(ctx, shared)
	} else {
		s, err = t.tx.PrepareContext(ctx, query)
	}
	if err != nil {
		return nil, unavailable(fmt.Errorf("prepare %q: %w", firstLine(query), err))
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = s
	return s, nil
}

func firstLine(q string) string {
	q, _, _ = strings.Cut(strings.TrimSpace(q), "\n")
	return q
}

func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (t *Tx) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(ctx, args...), nil
}

func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// getJSON reads one JSON column into v; no row is ENotFound.
func (t *Tx) getJSON(ctx context.Context, v any, what, query string, args ...any) error {
	row, err := t.queryRow(ctx, query, args...)
	if err != nil {
		return err
	}
	var data []byte
	if err := row.Scan(&data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return accord.Errorf(accord.ENotFound, "%s not found", what)
		}
		return unavailable(fmt.Errorf("read %s: %w", what, err))
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode stored %s: %w", what, err)
	}
	return nil
}

func (t *Tx) Meta(ctx context.Context, key string) ([]byte, error) {
	row, err := t.queryRow(ctx, `SELECT value FROM meta WHERE key = ?`, key)
	if err != nil {
		return nil, err
	}
	var v []byte
	if err := row.Scan(&v); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, accord.Errorf(accord.ENotFound, "meta %s not set", key)
		}
		return nil, unavailable(err)
	}
	return v, nil
}

func (t *Tx) SetMeta(ctx context.Context, key string, value []byte) error {
	_, err := t.exec(ctx, `INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	return unavailable(err)
}

func (t *Tx) Savepoint(ctx context.Context, fn func() error) error {
	t.sp++
	defer func() { t.sp-- }()
	name := fmt.Sprintf("sp%d", t.sp) // by depth: few distinct statements to prepare
	if _, err := t.exec(ctx, "SAVEPOINT "+name); err != nil {
		return unavailable(err)
	}
	// fts only grows between flushes, so this prefix is what to go back to.
	fts := t.fts
	if err := fn(); err != nil {
		if _, rerr := t.exec(ctx, "ROLLBACK TO "+name); rerr != nil {
			return errors.Join(err, unavailable(rerr))
		}
		t.exec(ctx, "RELEASE "+name)
		t.fts, t.orgs, t.toks = fts, nil, nil
		return err
	}
	_, err := t.exec(ctx, "RELEASE "+name)
	return unavailable(err)
}

// flushFTS writes the waiting search documents to systems_fts and their
// facets to system_facets (in key order: appended at the table's end).
func (t *Tx) flushFTS(ctx context.Context) error {
	if len(t.fts) == 0 {
		return nil
	}
	type facetRow struct {
		facet string
		rid   int64
	}
	var facets []facetRow
	insertFacets := func() error {
		slices.SortFunc(facets, func(a, b facetRow) int {
			if c := cmp.Compare(a.rid, b.rid); c != 0 {
				return c
			}
			return strings.Compare(a.facet, b.facet)
		})
		// Many rows per statement: one statement per row cost more than the rows.
		for i := 0; i < len(facets); {
			k := min(facetChunk, len(facets)-i)
			if k != facetChunk {
				k = 1
			}
			args := make([]any, 0, 2*k)
			for _, f := range facets[i : i+k] {
				args = append(args, f.rid, f.facet)
			}
			query := `INSERT OR IGNORE INTO system_facets(rid, facet) VALUES ` + strings.TrimSuffix(strings.Repeat("(?,?),", k), ",")
			if _, err := t.exec(ctx, query, args...); err != nil {
				return unavailable(err)
			}
			i += k
		}
		facets = facets[:0]
		return nil
	}
	for _, d := range t.fts {
		if !d.replace {
			if _, err := t.exec(ctx, `INSERT INTO systems_fts(rowid, text, facets) VALUES (?, ?, ?)`, d.rid, d.text, ftsFacets(d.facets)); err != nil {
				return unavailable(err)
			}
			for _, f := range d.facets {
				facets = append(facets, facetRow{f, d.rid})
			}
			continue
		}
		// A replaced document: write what changed. Earlier rows of this
		// batch go first, in case they are this system's.
		if err := insertFacets(); err != nil {
			return err
		}
		old, err := t.facetsOf(ctx, d.rid)
		if err != nil {
			return err
		}
		if d.text != d.oldText || ftsFacets(old) != ftsFacets(d.facets) {
			if _, err := t.exec(ctx, `DELETE FROM systems_fts WHERE rowid = ?`, d.rid); err != nil {
				return unavailable(err)
			}
			if _, err := t.exec(ctx, `INSERT INTO systems_fts(rowid, text, facets) VALUES (?, ?, ?)`, d.rid, d.text, ftsFacets(d.facets)); err != nil {
				return unavailable(err)
			}
		}
		for _, f := range old {
			if !slices.Contains(d.facets, f) {
				if _, err := t.exec(ctx, `DELETE FROM system_facets WHERE facet = ? AND rid = ?`, f, d.rid); err != nil {
					return unavailable(err)
				}
			}
		}
		for _, f := range d.facets {
			if !slices.Contains(old, f) {
				facets = append(facets, facetRow{f, d.rid})
			}
		}
	}
	if err := insertFacets(); err != nil {
		return err
	}
	t.fts = nil
	return nil
}

// facetsOf returns a system's facets, sorted.
func (t *Tx) facetsOf(ctx context.Context, rid int64) ([]string, error) {
	rows, err := t.query(ctx, `SELECT facet FROM system_facets WHERE rid = ? ORDER BY facet`, rid)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, unavailable(err)
		}
		out = append(out, f)
	}
	return out, unavailable(rows.Err())
}

// facetChunk is how many facet rows one INSERT writes.
const facetChunk = 64

// LockLog is a no-op: BEGIN IMMEDIATE already made this the only writer.
func (t *Tx) LockLog(ctx context.Context) error { return nil }

// Organizations.

func (t *Tx) Organization(ctx context.Context, id string) (*accord.Organization, error) {
	if o, ok := t.orgs[id]; ok {
		return &o, nil
	}
	var o accord.Organization
	if err := t.getJSON(ctx, &o, "organization "+id, `SELECT data FROM organizations WHERE id = ?`, id); err != nil {
		return nil, err
	}
	// Organizations never change, and a batch files many systems for few
	// providers: remember them for the rest of the transaction.
	if t.orgs == nil {
		t.orgs = map[string]accord.Organization{}
	}
	t.orgs[id] = o
	return &o, nil
}

func (t *Tx) Organizations(ctx context.Context, q accord.OrganizationQuery) (*accord.OrganizationPage, error) {
	after, err := accord.DecodeCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	limit := accord.PageLimit(q.Limit)
	rows, err := t.query(ctx, `SELECT rid, data FROM organizations
		WHERE rid > ?1 AND (?2 = '' OR kind = ?2) AND (?3 = '' OR country = ?3)
		ORDER BY rid LIMIT ?4`, after, q.Kind, q.Country, limit+1)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	orgs, next, err := accord.ReadPage(rows, limit, accord.JSONRow[accord.Organization]("organization", unavailable))
	if err != nil {
		return nil, err
	}
	return &accord.OrganizationPage{Organizations: orgs, Next: next}, unavailable(rows.Err())
}

func (t *Tx) CreateOrganization(ctx context.Context, o accord.Organization) error {
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO organizations(id, kind, country, data) VALUES (?, ?, ?, ?)`, o.ID, o.Kind, o.Country, data)
	if isConstraint(err) {
		return accord.Errorf(accord.EConflict, "organization %s already exists", o.ID)
	}
	return unavailable(err)
}

// Tokens.

func (t *Tx) TokenByHash(ctx context.Context, hash []byte) (*accord.Token, error) {
	var tok accord.Token
	if err := t.getJSON(ctx, &tok, "token", `SELECT data FROM tokens WHERE hash = ?`, hash); err != nil {
		return nil, err
	}
	return &tok, nil
}

// Token is read once per transaction: every write of a batch re-reads its
// caller's token, most often the same one. The writer is alone, so only
// this transaction changes tokens while it runs (RevokeToken forgets it).
func (t *Tx) Token(ctx context.Context, id string) (*accord.Token, error) {
	if tok, ok := t.toks[id]; ok {
		return &tok, nil
	}
	var tok accord.Token
	if err := t.getJSON(ctx, &tok, "token "+id, `SELECT data FROM tokens WHERE id = ?`, id); err != nil {
		return nil, err
	}
	if t.toks == nil {
		t.toks = map[string]accord.Token{}
	}
	t.toks[id] = tok
	return &tok, nil
}

func (t *Tx) Tokens(ctx context.Context, org string) ([]accord.Token, error) {
	rows, err := t.query(ctx, `SELECT data FROM tokens WHERE org = ? ORDER BY id`, org)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	out := []accord.Token{}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, unavailable(err)
		}
		var tok accord.Token
		if err := json.Unmarshal(data, &tok); err != nil {
			return nil, fmt.Errorf("decode stored token: %w", err)
		}
		out = append(out, tok)
	}
	return out, unavailable(rows.Err())
}

func (t *Tx) CreateToken(ctx context.Context, tok accord.Token, hash []byte) error {
	data, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO tokens(id, org, hash, data) VALUES (?, ?, ?, ?)`, tok.ID, tok.Org, hash, data)
	if isConstraint(err) {
		return accord.Errorf(accord.EConflict, "token %s already exists", tok.ID)
	}
	return unavailable(err)
}

func (t *Tx) RevokeToken(ctx context.Context, id string, at time.Time) error {
	delete(t.toks, id)
	var tok accord.Token
	if err := t.getJSON(ctx, &tok, "token "+id, `SELECT data FROM tokens WHERE id = ?`, id); err != nil {
		return err
	}
	if tok.Revoked != nil {
		return nil
	}
	tok.Revoked = &at
	data, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	if _, err = t.exec(ctx, `UPDATE tokens SET data = ?, revoked = ? WHERE id = ?`, data, accord.LogTime(at), id); err != nil {
		return unavailable(err)
	}
	_, err = t.exec(ctx, `DELETE FROM sessions WHERE token = ?`, id)
	return unavailable(err)
}

// Systems.

func (t *Tx) System(ctx context.Context, id string) (*accord.System, error) {
	var s accord.System
	if err := t.getJSON(ctx, &s, "system "+id, `SELECT data FROM systems WHERE id = ?`, id); err != nil {
		return nil, err
	}
	return &s, nil
}

func (t *Tx) SystemVersion(ctx context.Context, id string, version int) (*accord.SystemVersion, error) {
	row, err := t.queryRow(ctx, `SELECT data, salts FROM system_versions WHERE system_id = ? AND version = ?`, id, version)
	if err != nil {
		return nil, err
	}
	var data, salts []byte
	if err := row.Scan(&data, &salts); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, accord.Errorf(accord.ENotFound, "system %s has no version %d", id, version)
		}
		return nil, unavailable(err)
	}
	return accord.DecodeStoredVersion(data, salts)
}

func (t *Tx) SystemVersions(ctx context.Context, id string) ([]accord.SystemVersion, error) {
	rows, err := t.query(ctx, `SELECT data, salts FROM system_versions WHERE system_id = ? ORDER BY version`, id)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	var out []accord.SystemVersion
	for rows.Next() {
		var data, salts []byte
		if err := rows.Scan(&data, &salts); err != nil {
			return nil, unavailable(err)
		}
		v, err := accord.DecodeStoredVersion(data, salts)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable(err)
	}
	if len(out) == 0 {
		return nil, accord.Errorf(accord.ENotFound, "system %s not found", id)
	}
	return out, nil
}

func (t *Tx) PutSystem(ctx context.Context, s accord.System, summary accord.SystemSummary, doc accord.SearchDoc) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	sum, err := storedSummary(summary)
	if err != nil {
		return err
	}
	// New systems are the common case: try the insert first.
	res, err := t.exec(ctx, `INSERT OR IGNORE INTO systems(id, provider, data, summary, search_text) VALUES (?, ?, ?, ?, ?)`, s.ID, s.Provider, data, sum, doc.Text)
	if err != nil {
		return unavailable(err)
	}
	var rid int64
	var oldText string
	replace := false
	if n, err := res.RowsAffected(); err != nil {
		return unavailable(err)
	} else if n == 1 {
		if rid, err = res.LastInsertId(); err != nil {
			return unavailable(err)
		}
	} else {
		row, err := t.queryRow(ctx, `SELECT rid, search_text FROM systems WHERE id = ?`, s.ID)
		if err != nil {
			return err
		}
		if err := row.Scan(&rid, &oldText); err != nil {
			return unavailable(err)
		}
		if _, err := t.exec(ctx, `UPDATE systems SET provider = ?, data = ?, summary = ?, search_text = ? WHERE rid = ?`, s.Provider, data, sum, doc.Text, rid); err != nil {
			return unavailable(err)
		}
		replace = true
	}
	facets := slices.Sorted(slices.Values(doc.Facets))
	t.fts = append(t.fts, ftsDoc{rid: rid, text: doc.Text, facets: slices.Compact(facets), replace: replace, oldText: oldText})
	return nil
}

// storedSummary is a summary as the head row stores it: without its level
// and tiers. Those are read from the system's classification facets
// (facetsOf), so that re-classifying a system rewrites a few facet rows, not
// its head row: that took about a quarter of a re-classification's writes.
func storedSummary(s accord.SystemSummary) ([]byte, error) {
	s.Level, s.Tiers = "", nil
	return json.Marshal(s)
}

// facetsOf selects the facets of the system row s, separated by spaces
// (facets have none: they are full-text tokens too); the classification
// facets are picked out in Go. Picking them in SQL (GLOB into a JSON array)
// made re-classifying a million unchanged systems take 22 s, not 10–13 s.
const facetsOf = `coalesce((SELECT group_concat(facet, ' ') FROM system_facets sf WHERE sf.rid = s.rid), '')`

func (t *Tx) Heads(ctx context.Context, cursor string, limit int) (*accord.HeadPage, error) {
	before, err := accord.DecodeCursor(cursor)
	if err != nil {
		return nil, err
	}
	if before == 0 {
		before = math.MaxInt64
	}
	limit = max(limit, 1)
	// A system's current version is its latest: withdrawals are versions too.
	rows, err := t.query(ctx, `SELECT s.rid, s.id, v.version, v.data, `+facetsOf+` FROM systems s JOIN system_versions v ON v.system_id = s.id
		WHERE s.rid < ? AND v.version = (SELECT max(version) FROM system_versions WHERE system_id = s.id)
		ORDER BY s.rid DESC LIMIT ?`, before, limit+1)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	heads, next, err := accord.ReadPage(rows, limit, func(r accord.PageRows) (int64, accord.StoredHead, error) {
		var rid int64
		var h accord.StoredHead
		var facets string
		if err := r.Scan(&rid, &h.ID, &h.Version, &h.Current, &facets); err != nil {
			return 0, h, unavailable(err)
		}
		h.Class = accord.ClassFacetsAmong(strings.Fields(facets))
		return rid, h, nil
	})
	if err != nil {
		return nil, err
	}
	return &accord.HeadPage{Heads: heads, Next: next}, unavailable(rows.Err())
}

func (t *Tx) SetClassification(ctx context.Context, r accord.Reclassification) (bool, error) {
	if err := r.Check(); err != nil {
		return false, err
	}
	// A document of this transaction still waiting for the index may be
	// this system's: it goes in first.
	if err := t.flushFTS(ctx); err != nil {
		return false, err
	}
	// Only the facets change: the summary's level and tiers are read from
	// them (see storedSummary), so the wide head row is not rewritten.
	row, err := t.queryRow(ctx, `SELECT rid FROM systems WHERE id = ? AND json_extract(CAST(data AS TEXT), '$.version') = ?`, r.ID, r.Version)
	if err != nil {
		return false, err
	}
	var rid int64
	if err := row.Scan(&rid); errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, unavailable(err)
	}
	if len(r.Remove) > 0 {
		args := make([]any, 0, 1+len(r.Remove))
		args = append(args, rid)
		for _, f := range r.Remove {
			args = append(args, f)
		}
		query := `DELETE FROM system_facets WHERE rid = ? AND facet IN (` + strings.TrimSuffix(strings.Repeat("?,", len(r.Remove)), ",") + `)`
		if _, err := t.exec(ctx, query, args...); err != nil {
			return false, unavailable(err)
		}
	}
	if len(r.Add) > 0 {
		args := make([]any, 0, 2*len(r.Add))
		for _, f := range r.Add {
			args = append(args, rid, f)
		}
		query := `INSERT OR IGNORE INTO system_facets(rid, facet) VALUES ` + strings.TrimSuffix(strings.Repeat("(?,?),", len(r.Add)), ",")
		if _, err := t.exec(ctx, query, args...); err != nil {
			return false, unavailable(err)
		}
	}
	return true, nil
}

func (t *Tx) FacetCounts(ctx context.Context, q accord.SystemQuery, names []string) (map[string]int, error) {
	out := map[string]int{}
	if len(names) == 0 || !searchable(q) {
		return out, nil
	}
	if err := t.flushFTS(ctx); err != nil {
		return nil, err
	}
	// One range per name: SQLite runs an OR of ranges through a temporary
	// row set (20 s and 850 MiB for four names over a million systems).
	// With text, the matching systems drive: their facets are found by rid.
	match, class := ftsQuery(q)
	for _, n := range names {
		var rows *sql.Rows
		var err error
		lo, hi := n+":", n+";" // ';' sorts right after ':'
		switch {
		case match != "":
			cond, args := classFilter("m.rowid", class)
			rows, err = t.query(ctx, `SELECT f.facet, COUNT(*) FROM systems_fts m JOIN system_facets f ON f.rid = m.rowid
				WHERE systems_fts MATCH ?`+cond+` AND f.facet >= ? AND f.facet < ? GROUP BY f.facet`,
				append(append([]any{match}, args...), lo, hi)...)
		case len(class) > 0:
			cond, args := classFilter("c.rid", class[1:])
			rows, err = t.query(ctx, `SELECT f.facet, COUNT(*) FROM class_facets c JOIN system_facets f ON f.rid = c.rid
				WHERE c.facet = ?`+cond+` AND f.facet >= ? AND f.facet < ? GROUP BY f.facet`,
				append(append([]any{class[0]}, args...), lo, hi)...)
		default:
			rows, err = t.query(ctx, `SELECT facet, n FROM facet_counts WHERE facet >= ? AND facet < ? AND n > 0`, lo, hi)
		}
		if err != nil {
			return nil, unavailable(err)
		}
		for rows.Next() {
			var f string
			var c int
			if err := rows.Scan(&f, &c); err != nil {
				rows.Close()
				return nil, unavailable(err)
			}
			out[f] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, unavailable(err)
		}
	}
	return out, nil
}

func (t *Tx) AddSystemVersion(ctx context.Context, v accord.SystemVersion) error {
	data, salts, err := accord.EncodeStoredVersion(v)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO system_versions(system_id, version, data, salts) VALUES (?, ?, ?, ?)`, v.SystemID, v.Version, data, salts)
	if isConstraint(err) {
		return accord.Errorf(accord.EConflict, "system %s already has version %d", v.SystemID, v.Version)
	}
	return unavailable(err)
}

func (t *Tx) SearchSystems(ctx context.Context, q accord.SystemQuery) (*accord.SystemPage, error) {
	before, err := accord.DecodeCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	limit := accord.PageLimit(q.Limit)
	if !searchable(q) {
		return &accord.SystemPage{Systems: []accord.SystemSummary{}}, nil
	}
	if before == 0 {
		// No cursor: start past the newest. A plain "rid < ?" lets SQLite
		// (and FTS5) start each page at the cursor instead of scanning from
		// the newest row: an "OR ? = 0" made deep pages read every row above.
		before = math.MaxInt64
	}
	match, class := ftsQuery(q)
	if err := t.flushFTS(ctx); err != nil {
		return nil, err
	}
	var rows *sql.Rows
	switch {
	case match != "":
		cond, args := classFilter("f.rowid", class)
		rows, err = t.query(ctx, `SELECT s.rid, s.summary, `+facetsOf+` FROM systems_fts f JOIN systems s ON s.rid = f.rowid
			WHERE systems_fts MATCH ? AND f.rowid < ?`+cond+` ORDER BY f.rowid DESC LIMIT ?`,
			append(append([]any{match, before}, args...), limit+1)...)
	case len(class) > 0:
		// The first classification facet drives, newest first, through
		// class_facets; the others are checked per system.
		cond, args := classFilter("c.rid", class[1:])
		rows, err = t.query(ctx, `SELECT s.rid, s.summary, `+facetsOf+` FROM class_facets c JOIN systems s ON s.rid = c.rid
			WHERE c.facet = ? AND c.rid < ?`+cond+` ORDER BY c.rid DESC LIMIT ?`,
			append(append([]any{class[0], before}, args...), limit+1)...)
	default:
		rows, err = t.query(ctx, `SELECT s.rid, s.summary, `+facetsOf+` FROM systems s WHERE s.rid < ? ORDER BY s.rid DESC LIMIT ?`, before, limit+1)
	}
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	systems, next, err := accord.ReadPage(rows, limit, func(r accord.PageRows) (int64, accord.SystemSummary, error) {
		var rid int64
		var data []byte
		var facets string
		var sum accord.SystemSummary
		if err := r.Scan(&rid, &data, &facets); err != nil {
			return 0, sum, unavailable(err)
		}
		if err := json.Unmarshal(data, &sum); err != nil {
			return 0, sum, fmt.Errorf("decode stored summary %d: %w", rid, err)
		}
		sum.Level, sum.Tiers = accord.ClassOutcome(strings.Fields(facets))
		return rid, sum, nil
	})
	if err != nil {
		return nil, err
	}
	return &accord.SystemPage{Systems: systems, Next: next}, unavailable(rows.Err())
}

// searchable reports whether FTS5 can take q's filters: it cannot hold a
// NUL in a string (the MATCH fails as a syntax error, which read as "the
// database is unavailable"). No stored facet holds one, so such a query
// matches nothing, as on PostgreSQL; the service refuses it before.
func searchable(q accord.SystemQuery) bool {
	for _, f := range q.Facets() {
		if strings.IndexByte(f, 0) >= 0 {
			return false
		}
	}
	return true
}

// ftsQuery compiles a query into an FTS5 MATCH expression ("" for none) and
// the classification facets (accord.IsClassificationFacet) systems must also have, which
// are matched in class_facets. Every term and every filter must match.
func ftsQuery(q accord.SystemQuery) (string, []string) {
	var parts []string
	for _, term := range accord.SearchTerms(q.Q) {
		phrase := `text:"` + strings.Join(term.Tokens, " ") + `"`
		if term.Prefix && utf8.RuneCountInString(term.Tokens[0]) > 1 {
			// A one-letter word (the d of d'emploi) is a word, not the
			// prefix of every word that starts with it: that would merge
			// most of the index for one query. PostgreSQL does the same.
			phrase += "*"
		}
		parts = append(parts, phrase)
	}
	var class []string
	for _, f := range q.Facets() {
		if accord.IsClassificationFacet(f) {
			class = append(class, f)
			continue
		}
		parts = append(parts, `facets:"`+strings.ReplaceAll(f, `"`, `""`)+`"`)
	}
	return strings.Join(parts, " AND "), class
}

// classFilter is the SQL condition that the system with id column col has
// every classification facet, and its arguments.
func classFilter(col string, class []string) (string, []any) {
	var b strings.Builder
	var args []any
	for _, f := range class {
		b.WriteString(" AND EXISTS (SELECT 1 FROM system_facets g WHERE g.facet = ? AND g.rid = " + col + ")")
		args = append(args, f)
	}
	return b.String(), args
}

func (t *Tx) Idempotency(ctx context.Context, org, key string) (*accord.Idempotency, error) {
	row, err := t.queryRow(ctx, `SELECT request_hash, resource, version, created FROM idempotency WHERE org = ? AND key = ?`, org, key)
	if err != nil {
		return nil, err
	}
	i := accord.Idempotency{Org: org, Key: key}
	var created string
	if err := row.Scan(&i.RequestHash, &i.Resource, &i.Version, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, accord.Errorf(accord.ENotFound, "no request with this Idempotency-Key")
		}
		return nil, unavailable(err)
	}
	i.Created, _ = time.Parse(time.RFC3339Nano, created)
	return &i, nil
}

func (t *Tx) PutIdempotency(ctx context.Context, i accord.Idempotency) error {
	_, err := t.exec(ctx, `INSERT INTO idempotency(org, key, request_hash, resource, version, created) VALUES (?, ?, ?, ?, ?, ?)`,
		i.Org, i.Key, i.RequestHash, i.Resource, i.Version, i.Created.UTC().Format(time.RFC3339Nano))
	if isConstraint(err) {
		return accord.Errorf(accord.EConflict, "Idempotency-Key already used")
	}
	return unavailable(err)
}

// The log.

func (t *Tx) LogSize(ctx context.Context) (int64, error) {
	row, err := t.queryRow(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries`)
	if err != nil {
		return 0, err
	}
	var n int64
	return n, unavailable(row.Scan(&n))
}

func (t *Tx) Checkpoint(ctx context.Context) ([]byte, error) {
	row, err := t.queryRow(ctx, `SELECT note FROM checkpoints WHERE size <= ? ORDER BY size DESC LIMIT 1`, t.checkpointBound())
	if err != nil {
		return nil, err
	}
	var note []byte
	if err := row.Scan(&note); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, unavailable(err)
	}
	return note, nil
}

func (t *Tx) Checkpoints(ctx context.Context, from, to int64) ([][]byte, error) {
	rows, err := t.query(ctx, `SELECT note FROM checkpoints WHERE size >= ? AND size <= ? AND size < ? ORDER BY size`, from, t.checkpointBound(), to)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var note []byte
		if err := rows.Scan(&note); err != nil {
			return nil, unavailable(err)
		}
		out = append(out, note)
	}
	return out, unavailable(rows.Err())
}

func (t *Tx) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	args := make([]any, len(indexes))
	for i, x := range indexes {
		args[i] = x
	}
	rows, err := t.query(ctx, `SELECT idx, hash FROM log_hashes WHERE idx IN (`+placeholders(len(indexes))+`)`, args...)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	found := make(map[int64]tlog.Hash, len(indexes))
	for rows.Next() {
		var idx int64
		var h []byte
		if err := rows.Scan(&idx, &h); err != nil {
			return nil, unavailable(err)
		}
		if len(h) != tlog.HashSize {
			return nil, fmt.Errorf("stored hash %d has %d bytes", idx, len(h))
		}
		found[idx] = tlog.Hash(h)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable(err)
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := found[x]
		if !ok {
			return nil, fmt.Errorf("stored hash %d missing", x)
		}
		out[i] = h
	}
	return out, nil
}

func (t *Tx) ReadEntries(ctx context.Context, start, end int64) ([][]byte, error) {
	rows, err := t.query(ctx, `SELECT idx, data FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx`, start, end)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var idx int64
		var data []byte
		if err := rows.Scan(&idx, &data); err != nil {
			return nil, unavailable(err)
		}
		if idx != start+int64(len(out)) {
			return nil, fmt.Errorf("log entry %d missing", start+int64(len(out)))
		}
		out = append(out, data)
	}
	return out, unavailable(rows.Err())
}

// appendChunk is how many rows one INSERT writes.
const appendChunk = 64

func (t *Tx) AppendLog(ctx context.Context, start int64, entries [][]byte, hashStart int64, hashes []tlog.Hash) error {
	if err := insertRows(ctx, t, "log_entries(idx, data)", start, len(entries), func(i int) any { return entries[i] }); err != nil {
		return fmt.Errorf("insert log entries: %w", err)
	}
	if err := insertRows(ctx, t, "log_hashes(idx, hash)", hashStart, len(hashes), func(i int) any { return hashes[i][:] }); err != nil {
		return fmt.Errorf("insert log hashes: %w", err)
	}
	return nil
}

// insertRows inserts (start+i, value(i)) for i in [0, n), many rows per statement.
func insertRows(ctx context.Context, t *Tx, table string, start int64, n int, value func(int) any) error {
	for i := 0; i < n; {
		k := min(appendChunk, n-i)
		if k != appendChunk {
			k = 1 // one prepared statement for the full chunks, one for single rows
		}
		query := `INSERT INTO ` + table + ` VALUES ` + strings.TrimSuffix(strings.Repeat("(?,?),", k), ",")
		args := make([]any, 0, 2*k)
		for j := range k {
			args = append(args, start+int64(i+j), value(i+j))
		}
		if _, err := t.exec(ctx, query, args...); err != nil {
			if isConstraint(err) {
				return accord.Errorf(accord.EConflict, "log index %d is already taken", start+int64(i))
			}
			return unavailable(err)
		}
		i += k
	}
	return nil
}

func (t *Tx) PutCheckpoint(ctx context.Context, size int64, note []byte) error {
	_, err := t.exec(ctx, `INSERT INTO checkpoints(size, note) VALUES (?, ?) ON CONFLICT(size) DO NOTHING`, size, note)
	return unavailable(err)
}

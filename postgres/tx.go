package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

// Tx is a PostgreSQL transaction. It implements accord.WriteTx (and so ReadTx).
//
// The sequencer runs every write of a batch in its own savepoint, often
// thousands per transaction. Savepoints are therefore lazy: SAVEPOINT is sent
// in the same round trip as the first statement that runs inside it, and
// RELEASE with the next statement after it, so a write costs no extra round
// trip and a write that runs no statement costs none at all.
type Tx struct {
	db       *DB
	tx       pgx.Tx
	stack    []savepoint // open savepoints, outermost first
	releases []int       // depths of finished savepoints whose RELEASE is not sent yet
	orgs     map[string]*accord.Organization
	toks     map[string]accord.Token // tokens read by id in this transaction (see Token)
}

type savepoint struct {
	depth int
	sent  bool
}

var _ accord.WriteTx = (*Tx)(nil)

func spName(depth int) string { return "accord_sp" + strconv.Itoa(depth) }

// prelude returns the savepoint commands owed before the next statement, and
// counts them as sent. Names are per depth, so statements are few and cached.
func (t *Tx) prelude() []string {
	if len(t.releases) == 0 && (len(t.stack) == 0 || t.stack[len(t.stack)-1].sent) {
		return nil
	}
	var cmds []string
	for _, d := range t.releases {
		cmds = append(cmds, "RELEASE SAVEPOINT "+spName(d))
	}
	t.releases = t.releases[:0]
	for i := range t.stack {
		if !t.stack[i].sent {
			cmds = append(cmds, "SAVEPOINT "+spName(t.stack[i].depth))
			t.stack[i].sent = true
		}
	}
	return cmds
}

// exec runs a statement, with any owed savepoint commands in the same round trip.
func (t *Tx) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	cmds := t.prelude()
	if len(cmds) == 0 {
		return t.tx.Exec(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	for _, c := range cmds {
		b.Queue(c)
	}
	b.Queue(sql, args...)
	br := t.tx.SendBatch(ctx, b)
	defer br.Close()
	for range cmds {
		if _, err := br.Exec(); err != nil {
			return pgconn.CommandTag{}, err
		}
	}
	return br.Exec()
}

// query runs a query, with any owed savepoint commands in the same round trip.
func (t *Tx) query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	cmds := t.prelude()
	if len(cmds) == 0 {
		return t.tx.Query(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	for _, c := range cmds {
		b.Queue(c)
	}
	b.Queue(sql, args...)
	br := t.tx.SendBatch(ctx, b)
	for range cmds {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, err
		}
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// batchRows closes its batch after its rows.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.err = r.br.Close()
		r.br = nil
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// flush sends owed savepoint commands on their own.
func (t *Tx) flush(ctx context.Context) error {
	cmds := t.prelude()
	if len(cmds) == 0 {
		return nil
	}
	_, err := t.tx.Exec(ctx, strings.Join(cmds, "; "))
	return unavailable(err)
}

// one reads at most one row into dest and reports whether there was one.
func (t *Tx) one(ctx context.Context, dest []any, sql string, args ...any) (bool, error) {
	rows, err := t.query(ctx, sql, args...)
	if err != nil {
		return false, unavailable(err)
	}
	defer rows.Close()
	if !rows.Next() {
		return false, unavailable(rows.Err())
	}
	if err := rows.Scan(dest...); err != nil {
		return false, unavailable(err)
	}
	rows.Close()
	return true, unavailable(rows.Err())
}

// getJSON reads one JSON column into v; no row is ENotFound.
func (t *Tx) getJSON(ctx context.Context, v any, what, sql string, args ...any) error {
	var data []byte
	found, err := t.one(ctx, []any{&data}, sql, args...)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	if !found {
		return accord.Errorf(accord.ENotFound, "%s not found", what)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode stored %s: %w", what, err)
	}
	return nil
}

// validText reports whether PostgreSQL can store s as text: SQLite takes
// any bytes, PostgreSQL refuses invalid UTF-8 and NUL, and a refused
// statement would abort the whole transaction.
func validText(s ...string) bool {
	for _, x := range s {
		if !utf8.ValidString(x) || strings.IndexByte(x, 0) >= 0 {
			return false
		}
	}
	return true
}

func invalidText(what string) error {
	return accord.Errorf(accord.EInvalid, "%s is not valid UTF-8 text", what)
}

func (t *Tx) Meta(ctx context.Context, key string) ([]byte, error) {
	if !validText(key) {
		return nil, accord.Errorf(accord.ENotFound, "meta key not set")
	}
	var v []byte
	found, err := t.one(ctx, []any{&v}, `SELECT value FROM meta WHERE key = $1`, key)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, accord.Errorf(accord.ENotFound, "meta %s not set", key)
	}
	return v, nil
}

func (t *Tx) SetMeta(ctx context.Context, key string, value []byte) error {
	if !validText(key) {
		return invalidText("meta key")
	}
	if value == nil {
		value = []byte{}
	}
	_, err := t.exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return unavailable(err)
}

func (t *Tx) Savepoint(ctx context.Context, fn func() error) error {
	depth := len(t.stack) + 1
	t.stack = append(t.stack, savepoint{depth: depth})
	err := fn()
	sp := t.stack[len(t.stack)-1]
	t.stack = t.stack[:len(t.stack)-1]
	if err == nil {
		if sp.sent {
			t.releases = append(t.releases, depth)
		}
		return nil
	}
	// Savepoints inside this one are undone with it.
	kept := t.releases[:0]
	for _, d := range t.releases {
		if d < depth {
			kept = append(kept, d)
		}
	}
	t.releases = kept
	t.orgs, t.toks = nil, nil // may hold rows the rollback removes
	if !sp.sent {
		return err // fn ran no statement: nothing to undo
	}
	name := spName(depth)
	if _, rerr := t.tx.Exec(ctx, "ROLLBACK TO SAVEPOINT "+name+"; RELEASE SAVEPOINT "+name); rerr != nil {
		return errors.Join(err, unavailable(rerr))
	}
	return err
}

// LockLog takes a transaction-scoped advisory lock: every node's sequencer
// on this database (and schema) waits here, so one appends at a time and
// reads the log size only after the previous writer committed.
func (t *Tx) LockLog(ctx context.Context) error {
	_, err := t.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, t.db.logLock)
	if err != nil {
		return unavailable(fmt.Errorf("lock the log: %w", err))
	}
	return nil
}

// Organizations.

func (t *Tx) Organization(ctx context.Context, id string) (*accord.Organization, error) {
	if o, ok := t.orgs[id]; ok {
		c := *o
		return &c, nil
	}
	if !validText(id) {
		return nil, accord.Errorf(accord.ENotFound, "organization not found")
	}
	var o accord.Organization
	if err := t.getJSON(ctx, &o, "organization "+id, `SELECT data FROM organizations WHERE id = $1`, id); err != nil {
		return nil, err
	}
	// Organizations never change, and a batch files many systems for few
	// providers: remember them for the rest of the transaction.
	if t.orgs == nil {
		t.orgs = map[string]*accord.Organization{}
	}
	c := o
	t.orgs[id] = &c
	return &o, nil
}

func (t *Tx) Organizations(ctx context.Context, q accord.OrganizationQuery) (*accord.OrganizationPage, error) {
	after, err := accord.DecodeCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	if !validText(q.Kind, q.Country) {
		return &accord.OrganizationPage{Organizations: []accord.Organization{}}, nil
	}
	limit := accord.PageLimit(q.Limit)
	rows, err := t.query(ctx, `SELECT rid, data FROM organizations
		WHERE rid > $1 AND ($2 = '' OR kind = $2) AND ($3 = '' OR country = $3)
		ORDER BY rid LIMIT $4`, after, q.Kind, q.Country, limit+1)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	orgs, next, err := accord.ReadPage(rows, limit, accord.JSONRow[accord.Organization]("organization", unavailable))
	if err != nil {
		return nil, err
	}
	rows.Close() // pgx reports some errors only once the rows are closed
	return &accord.OrganizationPage{Organizations: orgs, Next: next}, unavailable(rows.Err())
}

func (t *Tx) CreateOrganization(ctx context.Context, o accord.Organization) error {
	if !validText(o.ID, o.Kind, o.Country) {
		return invalidText("organization id, kind or country")
	}
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return t.insertOnce(ctx, fmt.Sprintf("organization %s already exists", o.ID),
		`INSERT INTO organizations (id, kind, country, data) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, o.ID, o.Kind, o.Country, data)
}

// insertOnce runs an INSERT … ON CONFLICT DO NOTHING and turns "nothing
// inserted" into EConflict. Unlike a unique violation, this leaves the
// transaction usable, as SQLite does.
func (t *Tx) insertOnce(ctx context.Context, conflict, sql string, args ...any) error {
	tag, err := t.exec(ctx, sql, args...)
	if err != nil {
		return unavailable(err)
	}
	if tag.RowsAffected() == 0 {
		return accord.Errorf(accord.EConflict, "%s", conflict)
	}
	return nil
}

// Tokens.

func (t *Tx) TokenByHash(ctx context.Context, hash []byte) (*accord.Token, error) {
	var tok accord.Token
	if err := t.getJSON(ctx, &tok, "token", `SELECT data FROM tokens WHERE hash = $1`, hash); err != nil {
		return nil, err
	}
	return &tok, nil
}

// Token is read once per transaction: every write of a batch re-reads its
// caller's token, most often the same one, and each read is a round trip.
// Tokens change only in the log's transactions, which take turns on
// LockLog, so while the sequencer's transaction holds the lock only it
// changes them (RevokeToken forgets it).
func (t *Tx) Token(ctx context.Context, id string) (*accord.Token, error) {
	if tok, ok := t.toks[id]; ok {
		return &tok, nil
	}
	if !validText(id) {
		return nil, accord.Errorf(accord.ENotFound, "token not found")
	}
	var tok accord.Token
	if err := t.getJSON(ctx, &tok, "token "+id, `SELECT data FROM tokens WHERE id = $1`, id); err != nil {
		return nil, err
	}
	if t.toks == nil {
		t.toks = map[string]accord.Token{}
	}
	t.toks[id] = tok
	return &tok, nil
}

func (t *Tx) Tokens(ctx context.Context, org string) ([]accord.Token, error) {
	out := []accord.Token{}
	if !validText(org) {
		return out, nil
	}
	rows, err := t.query(ctx, `SELECT data FROM tokens WHERE org = $1 ORDER BY id COLLATE "C"`, org)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
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
	rows.Close()
	return out, unavailable(rows.Err())
}

func (t *Tx) CreateToken(ctx context.Context, tok accord.Token, hash []byte) error {
	if !validText(tok.ID, tok.Org) {
		return invalidText("token id or organization")
	}
	data, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	var revoked *string
	if tok.Revoked != nil {
		s := accord.LogTime(*tok.Revoked)
		revoked = &s
	}
	return t.insertOnce(ctx, fmt.Sprintf("token %s already exists", tok.ID),
		`INSERT INTO tokens (id, org, hash, data, revoked) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, tok.ID, tok.Org, hash, data, revoked)
}

func (t *Tx) RevokeToken(ctx context.Context, id string, at time.Time) error {
	delete(t.toks, id)
	if !validText(id) {
		return accord.Errorf(accord.ENotFound, "token not found")
	}
	var tok accord.Token
	if err := t.getJSON(ctx, &tok, "token "+id, `SELECT data FROM tokens WHERE id = $1`, id); err != nil {
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
	if _, err = t.exec(ctx, `UPDATE tokens SET data = $1, revoked = $2 WHERE id = $3`, data, accord.LogTime(at), id); err != nil {
		return unavailable(err)
	}
	_, err = t.exec(ctx, `DELETE FROM sessions WHERE token = $1`, id)
	return unavailable(err)
}

// Systems.

func (t *Tx) System(ctx context.Context, id string) (*accord.System, error) {
	if !validText(id) {
		return nil, accord.Errorf(accord.ENotFound, "system not found")
	}
	var s accord.System
	if err := t.getJSON(ctx, &s, "system "+id, `SELECT data FROM systems WHERE id = $1`, id); err != nil {
		return nil, err
	}
	return &s, nil
}

func (t *Tx) SystemVersion(ctx context.Context, id string, version int) (*accord.SystemVersion, error) {
	if !validText(id) || version < math.MinInt32 || version > math.MaxInt32 {
		return nil, accord.Errorf(accord.ENotFound, "system has no such version")
	}
	var data, salts []byte
	found, err := t.one(ctx, []any{&data, &salts}, `SELECT data, salts FROM system_versions WHERE system_id = $1 AND version = $2`, id, version)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, accord.Errorf(accord.ENotFound, "system %s has no version %d", id, version)
	}
	return accord.DecodeStoredVersion(data, salts)
}

func (t *Tx) SystemVersions(ctx context.Context, id string) ([]accord.SystemVersion, error) {
	if !validText(id) {
		return nil, accord.Errorf(accord.ENotFound, "system not found")
	}
	rows, err := t.query(ctx, `SELECT data, salts FROM system_versions WHERE system_id = $1 ORDER BY version`, id)
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
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, unavailable(err)
	}
	if len(out) == 0 {
		return nil, accord.Errorf(accord.ENotFound, "system %s not found", id)
	}
	return out, nil
}

// putSystemSQL upserts the head row, its facets and its search document in
// one statement. Facets no longer listed are deleted and new ones inserted;
// no row is both, since the sub-statements share one snapshot.
const putSystemSQL = `WITH s AS (
	INSERT INTO systems (id, provider, data, summary, search_text) VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, data = excluded.data, summary = excluded.summary,
		search_text = excluded.search_text
	RETURNING rid),
d AS (DELETE FROM system_facets WHERE rid = (SELECT rid FROM s) AND facet <> ALL ($6::text[])),
f AS (INSERT INTO system_facets (facet, rid) SELECT DISTINCT unnest($6::text[]), rid FROM s ON CONFLICT DO NOTHING)
INSERT INTO system_search (rid, doc) SELECT rid, $7 FROM s
ON CONFLICT (rid) DO UPDATE SET doc = excluded.doc`

func (t *Tx) PutSystem(ctx context.Context, s accord.System, summary accord.SystemSummary, doc accord.SearchDoc) error {
	if !validText(append([]string{s.ID, s.Provider, doc.Text}, doc.Facets...)...) {
		return invalidText("system id, provider or search document")
	}
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	sum, err := json.Marshal(summary)
	if err != nil {
		return err
	}
	facets := doc.Facets
	if facets == nil {
		facets = []string{}
	}
	_, err = t.exec(ctx, putSystemSQL, s.ID, s.Provider, data, sum, doc.Text, facets, docVector(doc))
	return unavailable(err)
}

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
	// All of a system's facets, through the index by system, and the
	// classification facets picked out here: with LIKE prefixes the planner
	// scanned each prefix's range in the (facet, rid) key for every head
	// (2.7 ms each).
	rows, err := t.query(ctx, `SELECT s.rid, s.id, v.version, v.data, ARRAY(SELECT facet FROM system_facets f WHERE f.rid = s.rid)
		FROM systems s JOIN system_versions v ON v.system_id = s.id
		WHERE s.rid < $1 AND v.version = (SELECT max(version) FROM system_versions WHERE system_id = s.id)
		ORDER BY s.rid DESC LIMIT $2`, before, limit+1)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	heads, next, err := accord.ReadPage(rows, limit, func(r accord.PageRows) (int64, accord.StoredHead, error) {
		var rid int64
		var h accord.StoredHead
		var facets []string
		if err := r.Scan(&rid, &h.ID, &h.Version, &h.Current, &facets); err != nil {
			return 0, h, unavailable(err)
		}
		h.Class = accord.ClassFacetsAmong(facets)
		return rid, h, nil
	})
	if err != nil {
		return nil, err
	}
	rows.Close() // pgx reports some errors only once the rows are closed
	return &accord.HeadPage{Heads: heads, Next: next}, unavailable(rows.Err())
}

func (t *Tx) SetClassification(ctx context.Context, r accord.Reclassification) (bool, error) {
	if err := r.Check(); err != nil {
		return false, err
	}
	if !validText(append([]string{r.ID}, append(slices.Clip(r.Remove), r.Add...)...)...) {
		return false, invalidText("system id or facet")
	}
	var provider, text string
	var data, summary []byte
	var facets []string
	found, err := t.one(ctx, []any{&provider, &data, &summary, &text, &facets}, `SELECT provider, data, summary, search_text,
		ARRAY(SELECT facet FROM system_facets WHERE rid = systems.rid) FROM systems WHERE id = $1 FOR UPDATE`, r.ID)
	if err != nil || !found {
		return false, err
	}
	var sys accord.System
	var sum accord.SystemSummary
	if err := errors.Join(json.Unmarshal(data, &sys), json.Unmarshal(summary, &sum)); err != nil {
		return false, fmt.Errorf("decode stored system %s: %w", r.ID, err)
	}
	if sys.Version != r.Version {
		return false, nil
	}
	// The head is written again as PutSystem writes it: the search document
	// holds the facets too (as lexemes), so it is rebuilt with the new ones,
	// and the summary shows the level and tiers they give.
	all := slices.DeleteFunc(facets, func(f string) bool { return slices.Contains(r.Remove, f) })
	all = append(all, r.Add...)
	slices.Sort(all)
	all = slices.Compact(all)
	sum.Level, sum.Tiers = accord.ClassOutcome(all)
	if summary, err = json.Marshal(sum); err != nil {
		return false, err
	}
	_, err = t.exec(ctx, putSystemSQL, r.ID, provider, data, summary, text, all, docVector(accord.SearchDoc{Text: text, Facets: all}))
	return err == nil, unavailable(err)
}

func (t *Tx) AddSystemVersion(ctx context.Context, v accord.SystemVersion) error {
	if !validText(v.SystemID) {
		return invalidText("system id")
	}
	data, salts, err := accord.EncodeStoredVersion(v)
	if err != nil {
		return err
	}
	return t.insertOnce(ctx, fmt.Sprintf("system %s already has version %d", v.SystemID, v.Version),
		`INSERT INTO system_versions (system_id, version, data, salts) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, v.SystemID, v.Version, data, salts)
}

func (t *Tx) SearchSystems(ctx context.Context, q accord.SystemQuery) (*accord.SystemPage, error) {
	before, err := accord.DecodeCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	if before == 0 {
		before = math.MaxInt64
	}
	limit := accord.PageLimit(q.Limit)
	tsq := tsQuery(q)
	if !validText(tsq) {
		return &accord.SystemPage{Systems: []accord.SystemSummary{}}, nil
	}
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	var rows pgx.Rows
	if tsq == "" {
		rows, err = t.tx.Query(ctx, `SELECT rid, summary FROM systems WHERE rid < $1 ORDER BY rid DESC LIMIT $2`, before, limit+1)
	} else {
		var rids []int64
		if rids, err = t.searchRids(ctx, tsq, before, limit+1); err != nil {
			return nil, err
		}
		// Only the rows shown are read from the wide table.
		rows, err = t.tx.Query(ctx, `SELECT rid, summary FROM systems WHERE rid = ANY($1) ORDER BY rid DESC`, rids)
	}
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	systems, next, err := accord.ReadPage(rows, limit, accord.JSONRow[accord.SystemSummary]("summary", unavailable))
	if err != nil {
		return nil, err
	}
	rows.Close() // pgx reports some errors only once the rows are closed
	return &accord.SystemPage{Systems: systems, Next: next}, unavailable(rows.Err())
}

// Search windows (see searchRids): how many of the newest documents a search
// first tests one by one, and at most how many more.
var searchWindows = [2]int64{2000, 20000}

// searchRids returns the rids of the newest n documents below before that
// match tsq.
//
// The planner cannot choose between its two plans on its own: it multiplies
// the frequencies of the lexemes, and the words of one filing are anything
// but independent ("ranked engagement" + domain:media: estimated 448
// matches, found 51,774), so it picks a bitmap scan that visits every match
// (0.4–0.8 s over a million filings). So the store decides, from what it
// sees. It first tests the newest 2,000 documents one by one, newest first
// (the expression is wrapped so the index cannot be used): a common query
// fills its page there in a millisecond or two. If not, the matches found
// tell how dense the query is: reading on one by one costs about a
// microsecond per document, a bitmap scan about fifteen per match, so it
// reads on (up to 20,000 more) when that is cheaper, and asks the GIN index
// for the rest otherwise.
func (t *Tx) searchRids(ctx context.Context, tsq string, before int64, n int) ([]int64, error) {
	collect := func(rows pgx.Rows, err error, out []int64) ([]int64, error) {
		if err != nil {
			return nil, unavailable(err)
		}
		defer rows.Close()
		for rows.Next() {
			var rid int64
			if err := rows.Scan(&rid); err != nil {
				return nil, unavailable(err)
			}
			out = append(out, rid)
		}
		rows.Close()
		return out, unavailable(rows.Err())
	}
	// scan tests the documents in (lo, hi] one by one, newest first.
	// QueryExecModeExec plans every search with its own values: a cached
	// generic plan cannot tell a rare word from a common one.
	scan := func(hi, lo int64, out []int64) ([]int64, error) {
		rows, err := t.tx.Query(ctx, `SELECT rid FROM system_search
			WHERE rid <= $2 AND rid > $3 AND coalesce(doc @@ $1::tsquery, false)
			ORDER BY rid DESC LIMIT $4`, pgx.QueryExecModeExec, tsq, hi, lo, n-len(out))
		return collect(rows, err, out)
	}
	var top *int64
	if err := t.tx.QueryRow(ctx, `SELECT max(rid) FROM system_search WHERE rid < $1`, before).Scan(&top); err != nil {
		return nil, unavailable(err)
	}
	if top == nil {
		return nil, nil
	}
	hi := *top - searchWindows[0]
	rids, err := scan(*top, hi, nil)
	if err != nil || len(rids) == n || hi <= 0 {
		return rids, err
	}
	density := max(float64(len(rids)), 0.5) / float64(searchWindows[0])
	need := float64(n - len(rids))
	if need/density < 15*density*float64(hi) {
		lo := hi - searchWindows[1]
		if rids, err = scan(hi, lo, rids); err != nil || len(rids) == n || lo <= 0 {
			return rids, err
		}
		hi = lo
	}
	rows, err := t.tx.Query(ctx, `WITH m AS MATERIALIZED (SELECT rid FROM system_search WHERE doc @@ $1::tsquery AND rid <= $2)
		SELECT rid FROM m ORDER BY rid DESC LIMIT $3`, pgx.QueryExecModeExec, tsq, hi, n-len(rids))
	return collect(rows, err, rids)
}

func (t *Tx) Idempotency(ctx context.Context, org, key string) (*accord.Idempotency, error) {
	if !validText(org, key) {
		return nil, accord.Errorf(accord.ENotFound, "no request with this Idempotency-Key")
	}
	i := accord.Idempotency{Org: org, Key: key}
	var created string
	found, err := t.one(ctx, []any{&i.RequestHash, &i.Resource, &i.Version, &created},
		`SELECT request_hash, resource, version, created FROM idempotency WHERE org = $1 AND key = $2`, org, key)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, accord.Errorf(accord.ENotFound, "no request with this Idempotency-Key")
	}
	i.Created, _ = time.Parse(time.RFC3339Nano, created)
	return &i, nil
}

func (t *Tx) PutIdempotency(ctx context.Context, i accord.Idempotency) error {
	if !validText(i.Org, i.Key, i.Resource) {
		return invalidText("Idempotency-Key")
	}
	return t.insertOnce(ctx, "Idempotency-Key already used",
		`INSERT INTO idempotency (org, key, request_hash, resource, version, created) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		i.Org, i.Key, i.RequestHash, i.Resource, i.Version, i.Created.UTC().Format(time.RFC3339Nano))
}

// The log.

func (t *Tx) LogSize(ctx context.Context) (int64, error) {
	var n int64
	if _, err := t.one(ctx, []any{&n}, `SELECT COALESCE(max(idx) + 1, 0) FROM log_entries`); err != nil {
		return 0, err
	}
	return n, nil
}

func (t *Tx) Checkpoint(ctx context.Context) ([]byte, error) {
	var note []byte
	found, err := t.one(ctx, []any{&note}, `SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1`)
	if err != nil || !found {
		return nil, err
	}
	return note, nil
}

func (t *Tx) Checkpoints(ctx context.Context, from, to int64) ([][]byte, error) {
	rows, err := t.query(ctx, `SELECT note FROM checkpoints WHERE size >= $1 AND size < $2 ORDER BY size`, from, to)
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
	rows.Close()
	return out, unavailable(rows.Err())
}

func (t *Tx) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	rows, err := t.query(ctx, `SELECT idx, hash FROM log_hashes WHERE idx = ANY($1)`, indexes)
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
	rows.Close()
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
	rows, err := t.query(ctx, `SELECT idx, data FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx`, start, end)
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
	rows.Close()
	return out, unavailable(rows.Err())
}

// AppendLog writes a whole batch in two statements (arrays unnested on the
// server). A taken index is a unique violation that aborts the transaction:
// an append never half-succeeds.
func (t *Tx) AppendLog(ctx context.Context, start int64, entries [][]byte, hashStart int64, hashes []tlog.Hash) error {
	if len(entries) > 0 {
		if err := t.appendRows(ctx, "log_entries (idx, data)", start, entries); err != nil {
			return fmt.Errorf("insert log entries: %w", err)
		}
	}
	if len(hashes) > 0 {
		hs := make([][]byte, len(hashes))
		for i := range hashes {
			hs[i] = hashes[i][:]
		}
		if err := t.appendRows(ctx, "log_hashes (idx, hash)", hashStart, hs); err != nil {
			return fmt.Errorf("insert log hashes: %w", err)
		}
	}
	return nil
}

func (t *Tx) appendRows(ctx context.Context, table string, start int64, values [][]byte) error {
	_, err := t.exec(ctx, `INSERT INTO `+table+` SELECT $1::bigint + o - 1, v FROM unnest($2::bytea[]) WITH ORDINALITY AS u(v, o)`, start, values)
	if isUnique(err) {
		return accord.Errorf(accord.EConflict, "log index %d or later is already taken", start)
	}
	return unavailable(err)
}

func (t *Tx) PutCheckpoint(ctx context.Context, size int64, note []byte) error {
	_, err := t.exec(ctx, `INSERT INTO checkpoints (size, note) VALUES ($1, $2) ON CONFLICT (size) DO NOTHING`, size, note)
	return unavailable(err)
}

func (t *Tx) FacetCounts(ctx context.Context, q accord.SystemQuery, names []string) (map[string]int, error) {
	out := map[string]int{}
	if len(names) == 0 {
		return out, nil
	}
	tsq := tsQuery(q)
	if !validText(append(names, tsq)...) {
		return out, nil
	}
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	// One range scan per name (facet is COLLATE "C": ';' sorts right after
	// ':'); with text, only the matching systems' facets are counted.
	for _, n := range names {
		sql := `SELECT facet, count(*) FROM system_facets WHERE facet >= $1 AND facet < $2 GROUP BY facet`
		args := []any{pgx.QueryExecModeExec, n + ":", n + ";"}
		if tsq != "" {
			sql = `SELECT facet, count(*) FROM system_facets WHERE facet >= $1 AND facet < $2
				AND rid IN (SELECT rid FROM system_search WHERE doc @@ $3::tsquery) GROUP BY facet`
			args = append(args, tsq)
		}
		rows, err := t.tx.Query(ctx, sql, args...)
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

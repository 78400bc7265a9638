// Package resourcesql is the SQL of the shared-resources catalogue that
// both stores run: the tables are the same (sqlite/migrations/012 and
// postgres/migrations/008), the statements are written once here with ?
// placeholders, and each store passes its transaction as a Querier
// (PostgreSQL's rewrites the placeholders to $n).
package resourcesql

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/accord-gov/accord"
)

// Rows is what the catalogue reads of a query's result.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Querier runs statements in one store transaction. Errors it returns are
// already wrapped as the store reports database errors.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// Insert runs an INSERT … RETURNING rid and returns the rid.
	Insert(ctx context.Context, query string, args ...any) (int64, error)
}

// Tx implements the catalogue's store methods on a Querier.
type Tx struct{ Q Querier }

// lookupable refuses keys no row can have (PostgreSQL refuses NUL bytes
// and invalid UTF-8 in text parameters).
func lookupable(s string) bool {
	return s != "" && len(s) <= 256 && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func notFound(what, id string) error {
	return accord.Errorf(accord.ENotFound, "%s %s not found", what, id)
}

func getJSON[T any](ctx context.Context, q Querier, what, id, query string, args ...any) (*T, error) {
	if !lookupable(id) {
		return nil, notFound(what, "")
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, notFound(what, id)
	}
	var data []byte
	if err := rows.Scan(&data); err != nil {
		return nil, err
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("decode stored %s %s: %w", what, id, err)
	}
	return &v, nil
}

func listJSON[T any](ctx context.Context, q Querier, what, query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("decode stored %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (t Tx) Resource(ctx context.Context, id string) (*accord.Resource, error) {
	return getJSON[accord.Resource](ctx, t.Q, "resource", id, `SELECT data FROM resources WHERE id = ?`, id)
}

func (t Tx) ResourceVersion(ctx context.Context, id string, version int) (*accord.Resource, error) {
	return getJSON[accord.Resource](ctx, t.Q, "resource version", id, `SELECT data FROM resource_versions WHERE id = ? AND version = ?`, id, version)
}

// PutResource writes a resource's head row, its facets (word facets "w:…"
// of its search text among them) and its version.
func (t Tx) PutResource(ctx context.Context, r accord.Resource, facets []string, text string) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	n, err := t.Q.Exec(ctx, `INSERT INTO resource_versions(id, version, data) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, r.ID, r.Version, data)
	if err != nil {
		return err
	}
	if n == 0 {
		return accord.Errorf(accord.EConflict, "resource %s already has a version %d", r.ID, r.Version)
	}
	var rid int64
	rows, err := t.Q.Query(ctx, `SELECT rid FROM resources WHERE id = ?`, r.ID)
	if err != nil {
		return err
	}
	found := rows.Next()
	if found {
		err = rows.Scan(&rid)
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return err
	}
	if found {
		if _, err := t.Q.Exec(ctx, `UPDATE resources SET kind = ?, provider = ?, status = ?, home = ?, version = ?, data = ? WHERE rid = ?`,
			r.Kind, r.Provider, r.Status, r.Home, r.Version, data, rid); err != nil {
			return err
		}
		if _, err := t.Q.Exec(ctx, `DELETE FROM resource_facets WHERE rid = ?`, rid); err != nil {
			return err
		}
	} else {
		rid, err = t.Q.Insert(ctx, `INSERT INTO resources(id, kind, provider, status, home, version, data) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING rid`,
			r.ID, r.Kind, r.Provider, r.Status, r.Home, r.Version, data)
		if err != nil {
			return err
		}
	}
	return t.putFacets(ctx, rid, append(facets, WordFacets(text)...))
}

// MaxWords bounds the word facets of one resource.
const MaxWords = 64

// WordFacets are the distinct words of a search text as facets "w:word",
// at most MaxWords, in order of first appearance.
func WordFacets(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.Fields(text) {
		if len(out) == MaxWords {
			break
		}
		if len(w) > 64 || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, "w:"+w)
	}
	return out
}

func (t Tx) putFacets(ctx context.Context, rid int64, facets []string) error {
	seen := map[string]bool{}
	var vals []string
	var args []any
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		_, err := t.Q.Exec(ctx, `INSERT INTO resource_facets(facet, rid) VALUES `+strings.Join(vals, ", "), args...)
		vals, args = vals[:0], args[:0]
		return err
	}
	for _, f := range facets {
		if seen[f] {
			continue
		}
		seen[f] = true
		vals = append(vals, "(?, ?)")
		args = append(args, f, rid)
		if len(vals) == 32 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// SearchResources walks the resources newest first, driven by the first
// facet of All when there is one (its index rows are the candidates), and
// checks every other condition by index probes.
func (t Tx) SearchResources(ctx context.Context, q accord.ResourceQuery) (*accord.ResourcePage, error) {
	limit := accord.PageLimit(q.Limit)
	before := int64(1<<63 - 1)
	if q.Cursor != "" {
		c, err := accord.DecodeCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		before = c
	}
	var where []string
	var args []any
	exists := func(not bool, cond string, a ...any) {
		s := `EXISTS (SELECT 1 FROM resource_facets f WHERE f.rid = r.rid AND ` + cond + `)`
		if not {
			s = "NOT " + s
		}
		where = append(where, s)
		args = append(args, a...)
	}
	for _, f := range q.All {
		if !lookupable(f) {
			return &accord.ResourcePage{Resources: []accord.Resource{}}, nil
		}
	}
	all := q.All
	from := `FROM resources r WHERE r.rid < ?`
	fromArgs := []any{before}
	order := `r.rid`
	if len(all) > 0 {
		from = `FROM resource_facets d JOIN resources r ON r.rid = d.rid WHERE d.facet = ? AND d.rid < ?`
		fromArgs = []any{all[0], before}
		order = `d.rid`
		all = all[1:]
	}
	for _, f := range all {
		exists(false, `f.facet = ?`, f)
	}
	for _, g := range q.Any {
		if len(g) == 0 {
			continue
		}
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(g)), ", ")
		a := make([]any, len(g))
		for i, f := range g {
			a[i] = f
		}
		exists(false, `f.facet IN (`+ph+`)`, a...)
	}
	for _, f := range q.None {
		exists(true, `f.facet = ?`, f)
	}
	for _, term := range accord.SearchTerms(q.Text) {
		for _, tok := range term.Tokens {
			if term.Prefix {
				exists(false, `f.facet >= ? AND f.facet < ?`, "w:"+tok, "w:"+tok+"\U0010FFFF")
			} else {
				exists(false, `f.facet = ?`, "w:"+tok)
			}
		}
	}
	query := `SELECT ` + order + `, r.data ` + from
	for _, w := range where {
		query += ` AND ` + w
	}
	query += ` ORDER BY ` + order + ` DESC LIMIT ?`
	all2 := append(fromArgs, args...)
	all2 = append(all2, limit+1)
	rows, err := t.Q.Query(ctx, query, all2...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items, next, err := accord.ReadPage(rows, limit, accord.JSONRow[accord.Resource]("resource", func(e error) error { return e }))
	if err != nil {
		return nil, err
	}
	return &accord.ResourcePage{Resources: items, Next: next}, rows.Err()
}

// EachPage is how many resources EachResource reads per query.
const EachPage = 500

func (t Tx) EachResource(ctx context.Context, fn func(accord.Resource) error) error {
	after := int64(0)
	for {
		rows, err := t.Q.Query(ctx, `SELECT rid, data FROM resources WHERE rid > ? AND status = 'active' AND home = '' ORDER BY rid LIMIT ?`, after, EachPage)
		if err != nil {
			return err
		}
		var page []accord.Resource
		for rows.Next() {
			var data []byte
			if err := rows.Scan(&after, &data); err != nil {
				rows.Close()
				return err
			}
			var r accord.Resource
			if err := json.Unmarshal(data, &r); err != nil {
				rows.Close()
				return fmt.Errorf("decode stored resource: %w", err)
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < EachPage {
			return nil
		}
	}
}

func (t Tx) Need(ctx context.Context, id string) (*accord.Need, error) {
	return getJSON[accord.Need](ctx, t.Q, "need", id, `SELECT data FROM resource_needs WHERE id = ?`, id)
}

func (t Tx) PutNeed(ctx context.Context, n accord.Need) error {
	data, err := json.Marshal(n)
	if err != nil {
		return err
	}
	if n.Version > 1 {
		c, err := t.Q.Exec(ctx, `UPDATE resource_needs SET status = ?, data = ? WHERE id = ?`, n.Status, data, n.ID)
		if err != nil || c > 0 {
			return err
		}
		// No row: a store loading a dump receives each need at its latest version.
	}
	_, err = t.Q.Exec(ctx, `INSERT INTO resource_needs(id, org, status, data) VALUES (?, ?, ?, ?)`, n.ID, n.Org, n.Status, data)
	return err
}

func (t Tx) Needs(ctx context.Context, org, status, cursor string, limit int) ([]accord.Need, string, error) {
	limit = accord.PageLimit(limit)
	before := int64(1<<63 - 1)
	if cursor != "" {
		c, err := accord.DecodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		before = c
	}
	query := `SELECT rid, data FROM resource_needs WHERE rid < ?`
	args := []any{before}
	if org != "" {
		query += ` AND org = ?`
		args = append(args, org)
	}
	if status != "" {
		query += ` AND status = ?`
		args = append(args, status)
	}
	rows, err := t.Q.Query(ctx, query+` ORDER BY rid DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	items, next, err := accord.ReadPage(rows, limit, accord.JSONRow[accord.Need]("need", func(e error) error { return e }))
	if err != nil {
		return nil, "", err
	}
	return items, next, rows.Err()
}

func (t Tx) ResourceMatch(ctx context.Context, id string) (*accord.Match, error) {
	return getJSON[accord.Match](ctx, t.Q, "match", id, `SELECT data FROM resource_matches WHERE id = ?`, id)
}

func (t Tx) PutMatch(ctx context.Context, m accord.Match) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if m.Version > 1 {
		c, err := t.Q.Exec(ctx, `UPDATE resource_matches SET status = ?, data = ? WHERE id = ?`, m.Status, data, m.ID)
		if err != nil || c > 0 {
			return err
		}
		// No row: a store loading a dump receives each match at its latest version.
	}
	n, err := t.Q.Exec(ctx, `INSERT INTO resource_matches(id, need, resource, status, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, m.ID, m.Need, m.Resource, m.Status, data)
	if err == nil && n == 0 {
		return accord.Errorf(accord.EConflict, "resource %s is already matched to need %s", m.Resource, m.Need)
	}
	return err
}

func (t Tx) Matches(ctx context.Context, need, resource string) ([]accord.Match, error) {
	switch {
	case need != "" && resource != "":
		return listJSON[accord.Match](ctx, t.Q, "match", `SELECT data FROM resource_matches WHERE need = ? AND resource = ? ORDER BY rid DESC`, need, resource)
	case need != "":
		return listJSON[accord.Match](ctx, t.Q, "match", `SELECT data FROM resource_matches WHERE need = ? ORDER BY rid DESC`, need)
	case resource != "":
		return listJSON[accord.Match](ctx, t.Q, "match", `SELECT data FROM resource_matches WHERE resource = ? ORDER BY rid DESC`, resource)
	}
	return listJSON[accord.Match](ctx, t.Q, "match", `SELECT data FROM resource_matches ORDER BY rid DESC LIMIT 1000`)
}

func (t Tx) LinkSystem(ctx context.Context, l accord.SystemResourceLink) error {
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	n, err := t.Q.Exec(ctx, `INSERT INTO system_resources(system, resource, node, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, l.System, l.Resource, l.Node, data)
	if err == nil && n == 0 {
		return accord.Errorf(accord.EConflict, "system %s is already linked to resource %s", l.System, l.Resource)
	}
	return err
}

func (t Tx) SystemsOn(ctx context.Context, resource string) ([]accord.SystemResourceLink, error) {
	if !lookupable(resource) {
		return []accord.SystemResourceLink{}, nil
	}
	return listJSON[accord.SystemResourceLink](ctx, t.Q, "link", `SELECT data FROM system_resources WHERE resource = ? ORDER BY system`, resource)
}

func (t Tx) ResourcesOf(ctx context.Context, system string) ([]accord.SystemResourceLink, error) {
	if !lookupable(system) {
		return []accord.SystemResourceLink{}, nil
	}
	return listJSON[accord.SystemResourceLink](ctx, t.Q, "link", `SELECT data FROM system_resources WHERE system = ? ORDER BY resource, node`, system)
}

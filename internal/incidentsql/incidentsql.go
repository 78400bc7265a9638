// Package incidentsql is the SQL of the incident tables, shared by the two
// stores (migrations sqlite/011_incidents.sql and
// postgres/007_incidents.sql keep the same columns). Queries are written
// with ? placeholders; the PostgreSQL store's Conn rewrites them as $n.
package incidentsql

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/accord-gov/accord"
)

// Conn is a store's transaction as this package needs it.
type Conn interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// Unavailable maps a driver error to the store's error.
	Unavailable(err error) error
}

// Rows are a query's rows.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Close()
	Err() error
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Incident reads an incident by id.
func Incident(ctx context.Context, c Conn, id string) (*accord.Incident, error) {
	rows, err := c.Query(ctx, `SELECT data, merged_into FROM incidents WHERE id = ?`, id)
	if err != nil {
		return nil, c.Unavailable(err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, c.Unavailable(err)
		}
		return nil, accord.Errorf(accord.ENotFound, "no incident %s", id)
	}
	var data, merged string
	if err := rows.Scan(&data, &merged); err != nil {
		return nil, c.Unavailable(err)
	}
	var in accord.Incident
	if err := json.Unmarshal([]byte(data), &in); err != nil {
		return nil, fmt.Errorf("decode stored incident %s: %w", id, err)
	}
	in.MergedInto = merged
	return &in, nil
}

// PutIncident inserts or replaces an incident, its facets, links and dashboard rows.
func PutIncident(ctx context.Context, c Conn, in accord.Incident, doc accord.IncidentDoc, dues []accord.DeadlineRow) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	rows, err := c.Query(ctx, `INSERT INTO incidents(id, merged_into, system, occurred, data, search_text) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET merged_into = excluded.merged_into, system = excluded.system, occurred = excluded.occurred,
			data = excluded.data, search_text = excluded.search_text
		RETURNING rid`, in.ID, in.MergedInto, in.System.ID, ms(in.Occurred), string(data), doc.Text)
	if err != nil {
		return c.Unavailable(err)
	}
	var rid int64
	if rows.Next() {
		err = rows.Scan(&rid)
	}
	if err == nil {
		err = rows.Err()
	}
	rows.Close()
	if err != nil || rid == 0 {
		return c.Unavailable(fmt.Errorf("put incident %s: %v", in.ID, err))
	}
	for _, q := range []string{`DELETE FROM incident_facets WHERE rid = ?`, `DELETE FROM incident_links WHERE rid = ?`, `DELETE FROM incident_deadlines WHERE rid = ?`} {
		if _, err := c.Exec(ctx, q, rid); err != nil {
			return c.Unavailable(err)
		}
	}
	if in.MergedInto != "" {
		return nil // a merged incident is found by its id only
	}
	facets := slices.Clone(doc.Facets)
	slices.Sort(facets)
	for _, f := range slices.Compact(facets) {
		if _, err := c.Exec(ctx, `INSERT INTO incident_facets(facet, rid) VALUES (?, ?)`, f, rid); err != nil {
			return c.Unavailable(err)
		}
	}
	links := slices.Clone(in.Links)
	slices.Sort(links)
	for _, l := range slices.Compact(links) {
		if _, err := c.Exec(ctx, `INSERT INTO incident_links(link, rid) VALUES (?, ?)`, l, rid); err != nil {
			return c.Unavailable(err)
		}
	}
	for _, d := range dues {
		state := "pending"
		switch {
		case d.Filed.IsZero():
		case d.Met:
			state = "met"
		default:
			state = "missed"
		}
		if _, err := c.Exec(ctx, `INSERT INTO incident_deadlines(rid, country, state, due, filed, log_index, incident) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (rid, country) DO NOTHING`,
			rid, d.Country, state, ms(d.Due), ms(d.Filed), d.LogIndex, in.ID); err != nil {
			return c.Unavailable(err)
		}
	}
	return nil
}

// AddIncidentReport stores a report version.
func AddIncidentReport(ctx context.Context, c Conn, r accord.IncidentReport) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	n, err := c.Exec(ctx, `INSERT INTO incident_reports(id, version, incident, filed, data, salt) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id, version) DO NOTHING`, r.ID, r.Version, r.Incident, ms(r.Filed), string(data), r.Salt)
	if err != nil {
		return c.Unavailable(err)
	}
	if n == 0 {
		return accord.Errorf(accord.EConflict, "report %s already has a version %d", r.ID, r.Version)
	}
	return nil
}

// MergeIncident moves from's reports (and incidents merged into it) to into.
func MergeIncident(ctx context.Context, c Conn, from, into string) error {
	if _, err := c.Exec(ctx, `UPDATE incident_reports SET incident = ? WHERE incident = ?`, into, from); err != nil {
		return c.Unavailable(err)
	}
	if _, err := c.Exec(ctx, `UPDATE incidents SET merged_into = ? WHERE merged_into = ? OR id = ?`, into, from, from); err != nil {
		return c.Unavailable(err)
	}
	// A merged incident leaves search, duplicate candidates and the dashboard.
	for _, q := range []string{`DELETE FROM incident_facets WHERE rid IN (SELECT rid FROM incidents WHERE id = ?)`,
		`DELETE FROM incident_links WHERE rid IN (SELECT rid FROM incidents WHERE id = ?)`,
		`DELETE FROM incident_deadlines WHERE rid IN (SELECT rid FROM incidents WHERE id = ?)`} {
		if _, err := c.Exec(ctx, q, from); err != nil {
			return c.Unavailable(err)
		}
	}
	return nil
}

func reports(ctx context.Context, c Conn, query string, args ...any) ([]accord.IncidentReport, error) {
	rows, err := c.Query(ctx, query, args...)
	if err != nil {
		return nil, c.Unavailable(err)
	}
	defer rows.Close()
	out := []accord.IncidentReport{}
	for rows.Next() {
		var data string
		var salt []byte
		if err := rows.Scan(&data, &salt); err != nil {
			return nil, c.Unavailable(err)
		}
		var r accord.IncidentReport
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return nil, fmt.Errorf("decode stored incident report: %w", err)
		}
		r.Salt = salt
		out = append(out, r)
	}
	return out, c.Unavailable(rows.Err())
}

// IncidentReports lists the latest version of each report of an incident.
func IncidentReports(ctx context.Context, c Conn, incident string) ([]accord.IncidentReport, error) {
	return reports(ctx, c, `SELECT r.data, r.salt FROM incident_reports r
		WHERE r.incident = ? AND r.version = (SELECT max(version) FROM incident_reports x WHERE x.id = r.id)
		ORDER BY r.filed, r.id`, incident)
}

// IncidentReport reads one version (0: the latest).
func IncidentReport(ctx context.Context, c Conn, id string, version int) (*accord.IncidentReport, error) {
	var rs []accord.IncidentReport
	var err error
	if version == 0 {
		rs, err = reports(ctx, c, `SELECT data, salt FROM incident_reports WHERE id = ? ORDER BY version DESC LIMIT 1`, id)
	} else {
		rs, err = reports(ctx, c, `SELECT data, salt FROM incident_reports WHERE id = ? AND version = ?`, id, version)
	}
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		if version == 0 {
			return nil, accord.Errorf(accord.ENotFound, "no incident report %s", id)
		}
		return nil, accord.Errorf(accord.ENotFound, "incident report %s has no version %d", id, version)
	}
	return &rs[0], nil
}

// IncidentReportVersions lists a report's versions, oldest first.
func IncidentReportVersions(ctx context.Context, c Conn, id string) ([]accord.IncidentReport, error) {
	rs, err := reports(ctx, c, `SELECT data, salt FROM incident_reports WHERE id = ? ORDER BY version`, id)
	if err == nil && len(rs) == 0 {
		return nil, accord.Errorf(accord.ENotFound, "no incident report %s", id)
	}
	return rs, err
}

// where builds the filter of a search: facets, time window, text terms.
func where(q accord.IncidentQuery) (string, []any) {
	conds := []string{`i.merged_into = ''`}
	var args []any
	for _, f := range q.Facets() {
		conds = append(conds, `EXISTS (SELECT 1 FROM incident_facets f WHERE f.facet = ? AND f.rid = i.rid)`)
		args = append(args, f)
	}
	if !q.From.IsZero() {
		conds = append(conds, `i.occurred >= ?`)
		args = append(args, ms(q.From))
	}
	if !q.To.IsZero() {
		conds = append(conds, `i.occurred < ?`)
		args = append(args, ms(q.To))
	}
	for _, t := range accord.SearchTerms(q.Q) {
		pat := strings.Join(t.Tokens, " ")
		pat = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(pat)
		if t.Prefix {
			pat = "% " + pat + "%"
		} else {
			pat = "% " + pat + " %"
		}
		conds = append(conds, `(' ' || i.search_text || ' ') LIKE ? ESCAPE '\'`)
		args = append(args, pat)
	}
	return strings.Join(conds, " AND "), args
}

// SearchIncidents lists matching incidents, newest first.
func SearchIncidents(ctx context.Context, c Conn, q accord.IncidentQuery) (*accord.IncidentPage, error) {
	pos, err := accord.DecodeCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	limit := accord.PageLimit(q.Limit)
	w, args := where(q)
	if pos > 0 {
		w += ` AND i.rid < ?`
		args = append(args, pos)
	}
	args = append(args, limit+1)
	rows, err := c.Query(ctx, `SELECT i.rid, i.data FROM incidents i WHERE `+w+` ORDER BY i.rid DESC LIMIT ?`, args...)
	if err != nil {
		return nil, c.Unavailable(err)
	}
	defer rows.Close()
	items, next, err := accord.ReadPage(rows, limit, func(r accord.PageRows) (int64, accord.Incident, error) {
		var rid int64
		var data string
		var in accord.Incident
		if err := r.Scan(&rid, &data); err != nil {
			return 0, in, c.Unavailable(err)
		}
		return rid, in, json.Unmarshal([]byte(data), &in)
	})
	if err != nil {
		return nil, err
	}
	return &accord.IncidentPage{Incidents: items, Next: next}, c.Unavailable(rows.Err())
}

// IncidentFacetCounts counts the matching incidents per value of the named facets.
func IncidentFacetCounts(ctx context.Context, c Conn, q accord.IncidentQuery, names []string) (map[string]int, error) {
	w, args := where(q)
	out := map[string]int{}
	for _, n := range names {
		// LIKE, not a range: a PostgreSQL collation may order ':' and ';' as
		// it likes. Facet names hold no LIKE metacharacter.
		a := append(slices.Clone(args), n+":%")
		rows, err := c.Query(ctx, `SELECT g.facet, count(*) FROM incident_facets g JOIN incidents i ON i.rid = g.rid
			WHERE `+w+` AND g.facet LIKE ? GROUP BY g.facet`, a...)
		if err != nil {
			return nil, c.Unavailable(err)
		}
		for rows.Next() {
			var f string
			var k int
			if err := rows.Scan(&f, &k); err != nil {
				rows.Close()
				return nil, c.Unavailable(err)
			}
			out[f] = k
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, c.Unavailable(err)
		}
	}
	return out, nil
}

// IncidentCandidates lists unmerged incidents about system in the window, or sharing a link.
func IncidentCandidates(ctx context.Context, c Conn, system string, from, to time.Time, links []string, limit int) ([]accord.IncidentCandidate, error) {
	query := `SELECT data, search_text FROM incidents WHERE system = ? AND occurred >= ? AND occurred <= ? AND merged_into = ''`
	args := []any{system, ms(from), ms(to)}
	if len(links) > 0 {
		query = `SELECT data, search_text FROM incidents WHERE rid IN (
			SELECT rid FROM incidents WHERE system = ? AND occurred >= ? AND occurred <= ?
			UNION SELECT rid FROM incident_links WHERE link IN (` + strings.TrimSuffix(strings.Repeat("?,", len(links)), ",") + `))
			AND merged_into = ''`
		for _, l := range links {
			args = append(args, l)
		}
	}
	query += ` ORDER BY rid DESC LIMIT ?`
	args = append(args, limit)
	rows, err := c.Query(ctx, query, args...)
	if err != nil {
		return nil, c.Unavailable(err)
	}
	defer rows.Close()
	var out []accord.IncidentCandidate
	for rows.Next() {
		var data, text string
		if err := rows.Scan(&data, &text); err != nil {
			return nil, c.Unavailable(err)
		}
		var cand accord.IncidentCandidate
		if err := json.Unmarshal([]byte(data), &cand.Incident); err != nil {
			return nil, fmt.Errorf("decode stored incident: %w", err)
		}
		cand.Text = text
		out = append(out, cand)
	}
	return out, c.Unavailable(rows.Err())
}

// IncidentDeadlines lists a country's dashboard rows, earliest due first.
func IncidentDeadlines(ctx context.Context, c Conn, q accord.DeadlineQuery) (*accord.DeadlinePage, error) {
	pos, err := accord.DecodeCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	limit := accord.PageLimit(q.Limit)
	conds := []string{`country = ?`}
	args := []any{q.Country}
	now := ms(q.Now)
	switch q.Status {
	case "":
	case accord.DeadlineOverdue:
		conds = append(conds, `state = 'pending' AND due < ?`)
		args = append(args, now)
	case accord.DeadlineOpen:
		conds = append(conds, `state = 'pending' AND due >= ?`)
		args = append(args, now)
	case accord.DeadlineMet, accord.DeadlineMissed:
		conds = append(conds, `state = ?`)
		args = append(args, q.Status)
	default:
		return nil, accord.FieldErrorf("status", "%q is not a deadline status: use overdue, open, met or missed", q.Status)
	}
	// The cursor is the position (due, rid) packed: due in ms fits 43 bits.
	if pos > 0 {
		conds = append(conds, `(due > ? OR (due = ? AND rid > ?))`)
		due, rid := pos>>20, pos&(1<<20-1)
		args = append(args, due, due, rid)
	}
	args = append(args, limit+1)
	rows, err := c.Query(ctx, `SELECT due, rid, incident, state, filed, log_index FROM incident_deadlines WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY due, rid LIMIT ?`, args...)
	if err != nil {
		return nil, c.Unavailable(err)
	}
	defer rows.Close()
	page := &accord.DeadlinePage{Deadlines: []accord.DeadlineRow{}}
	var lastDue, lastRid int64
	for rows.Next() {
		if len(page.Deadlines) == limit {
			if lastRid < 1<<20 {
				page.Next = accord.EncodeCursor(lastDue<<20 | lastRid)
			}
			break
		}
		var d accord.DeadlineRow
		var due, rid, filed int64
		var state string
		if err := rows.Scan(&due, &rid, &d.Incident, &state, &filed, &d.LogIndex); err != nil {
			return nil, c.Unavailable(err)
		}
		d.Country, d.Due, d.Filed, d.Met = q.Country, fromMS(due), fromMS(filed), state == "met"
		page.Deadlines = append(page.Deadlines, d)
		lastDue, lastRid = due, rid
	}
	return page, c.Unavailable(rows.Err())
}

// Row is one row of the incident tables in a dump.
type Row = accord.IncidentRow

// Dump calls fn with every incident (with its document and dashboard rows)
// and every report version.
func Dump(ctx context.Context, c Conn, fn func(accord.IncidentRow) error) error {
	rows, err := c.Query(ctx, `SELECT rid, data, merged_into, search_text FROM incidents ORDER BY rid`)
	if err != nil {
		return c.Unavailable(err)
	}
	type inc struct {
		rid int64
		row accord.IncidentRow
	}
	var all []inc
	for rows.Next() {
		var rid int64
		var data, merged, text string
		if err := rows.Scan(&rid, &data, &merged, &text); err != nil {
			rows.Close()
			return c.Unavailable(err)
		}
		var in accord.Incident
		if err := json.Unmarshal([]byte(data), &in); err != nil {
			rows.Close()
			return err
		}
		in.MergedInto = merged
		all = append(all, inc{rid, accord.IncidentRow{Incident: &in, Doc: &accord.IncidentDoc{Text: text}}})
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return c.Unavailable(err)
	}
	for _, a := range all {
		r := a.row
		fr, err := c.Query(ctx, `SELECT facet FROM incident_facets WHERE rid = ? ORDER BY facet`, a.rid)
		if err != nil {
			return c.Unavailable(err)
		}
		for fr.Next() {
			var f string
			if err := fr.Scan(&f); err != nil {
				fr.Close()
				return c.Unavailable(err)
			}
			r.Doc.Facets = append(r.Doc.Facets, f)
		}
		fr.Close()
		slices.Sort(r.Doc.Facets)
		dr, err := c.Query(ctx, `SELECT country, state, due, filed, log_index FROM incident_deadlines WHERE rid = ? ORDER BY country`, a.rid)
		if err != nil {
			return c.Unavailable(err)
		}
		for dr.Next() {
			var d accord.DeadlineRow
			var state string
			var due, filed int64
			if err := dr.Scan(&d.Country, &state, &due, &filed, &d.LogIndex); err != nil {
				dr.Close()
				return c.Unavailable(err)
			}
			d.Incident, d.Due, d.Filed, d.Met = r.Incident.ID, fromMS(due), fromMS(filed), state == "met"
			r.Deadlines = append(r.Deadlines, d)
		}
		dr.Close()
		slices.SortFunc(r.Deadlines, func(a, b accord.DeadlineRow) int { return strings.Compare(a.Country, b.Country) })
		if err := fn(r); err != nil {
			return err
		}
	}
	rs, err := reports(ctx, c, `SELECT data, salt FROM incident_reports`)
	if err != nil {
		return err
	}
	slices.SortFunc(rs, func(a, b accord.IncidentReport) int {
		if c := a.Filed.Compare(b.Filed); c != 0 {
			return c
		}
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	// A report's incident is where it is listed now (after merges).
	for i := range rs {
		r := rs[i]
		cur, err := currentIncident(ctx, c, r.ID, r.Version)
		if err != nil {
			return err
		}
		if err := fn(accord.IncidentRow{Report: &r, Salt: r.Salt, ListedIn: cur}); err != nil {
			return err
		}
	}
	cr, err := c.Query(ctx, `SELECT origin, position FROM incident_cursors`)
	if err != nil {
		return c.Unavailable(err)
	}
	var cursors []accord.IncidentCursor
	for cr.Next() {
		var x accord.IncidentCursor
		if err := cr.Scan(&x.Origin, &x.Position); err != nil {
			cr.Close()
			return c.Unavailable(err)
		}
		cursors = append(cursors, x)
	}
	cr.Close()
	slices.SortFunc(cursors, func(a, b accord.IncidentCursor) int { return strings.Compare(a.Origin, b.Origin) })
	for i := range cursors {
		if err := fn(accord.IncidentRow{Cursor: &cursors[i]}); err != nil {
			return err
		}
	}
	return nil
}

func currentIncident(ctx context.Context, c Conn, id string, version int) (string, error) {
	rows, err := c.Query(ctx, `SELECT incident FROM incident_reports WHERE id = ? AND version = ?`, id, version)
	if err != nil {
		return "", c.Unavailable(err)
	}
	defer rows.Close()
	var s string
	if rows.Next() {
		err = rows.Scan(&s)
	}
	return s, c.Unavailable(err)
}

// Load writes one dumped row.
func Load(ctx context.Context, c Conn, r accord.IncidentRow) error {
	switch {
	case r.Incident != nil:
		doc := accord.IncidentDoc{}
		if r.Doc != nil {
			doc = *r.Doc
		}
		return PutIncident(ctx, c, *r.Incident, doc, r.Deadlines)
	case r.Report != nil:
		rep := *r.Report
		if len(rep.Salt) == 0 {
			rep.Salt = r.Salt
		}
		if err := AddIncidentReport(ctx, c, rep); err != nil {
			return err
		}
		if r.ListedIn != "" && r.ListedIn != r.Report.Incident {
			_, err := c.Exec(ctx, `UPDATE incident_reports SET incident = ? WHERE id = ? AND version = ?`, r.ListedIn, r.Report.ID, r.Report.Version)
			return c.Unavailable(err)
		}
		return nil
	case r.Cursor != nil:
		return SetIncidentCursor(ctx, c, r.Cursor.Origin, 0, r.Cursor.Position)
	}
	return fmt.Errorf("load incidents: an empty row")
}

// IncidentCursor reads a mirrored log's cursor (0 if none).
func IncidentCursor(ctx context.Context, c Conn, origin string) (int64, error) {
	rows, err := c.Query(ctx, `SELECT position FROM incident_cursors WHERE origin = ?`, origin)
	if err != nil {
		return 0, c.Unavailable(err)
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, c.Unavailable(err)
		}
	}
	return n, c.Unavailable(rows.Err())
}

// SetIncidentCursor moves a cursor from old to next (compare-and-set).
func SetIncidentCursor(ctx context.Context, c Conn, origin string, old, next int64) error {
	var n int64
	var err error
	if old == 0 {
		n, err = c.Exec(ctx, `INSERT INTO incident_cursors(origin, position) VALUES (?, ?) ON CONFLICT (origin) DO UPDATE SET position = excluded.position WHERE incident_cursors.position = 0`, origin, next)
	} else {
		n, err = c.Exec(ctx, `UPDATE incident_cursors SET position = ? WHERE origin = ? AND position = ?`, next, origin, old)
	}
	if err != nil {
		return c.Unavailable(err)
	}
	if n == 0 {
		return accord.Errorf(accord.EConflict, "the incident cursor of %s is not at %d", origin, old)
	}
	return nil
}

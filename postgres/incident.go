package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/incidentsql"
)

// The incident tables (migration 007): the SQL is shared with SQLite in
// internal/incidentsql, written with ? placeholders that conn rebinds.

type conn struct {
	exec  func(ctx context.Context, q string, args ...any) (int64, error)
	query func(ctx context.Context, q string, args ...any) (pgx.Rows, error)
}

type rows struct{ pgx.Rows }

func (r rows) Close() { r.Rows.Close() }

func (c conn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return c.exec(ctx, dollar(q), args...)
}

func (c conn) Query(ctx context.Context, q string, args ...any) (incidentsql.Rows, error) {
	r, err := c.query(ctx, dollar(q), args...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

func (conn) Unavailable(err error) error { return unavailable(err) }

func (t *Tx) ic() conn {
	return conn{
		exec: func(ctx context.Context, q string, args ...any) (int64, error) {
			tag, err := t.exec(ctx, q, args...)
			return tag.RowsAffected(), err
		},
		query: t.query,
	}
}

func (t *Tx) Incident(ctx context.Context, id string) (*accord.Incident, error) {
	return incidentsql.Incident(ctx, t.ic(), id)
}

func (t *Tx) IncidentReports(ctx context.Context, incident string) ([]accord.IncidentReport, error) {
	return incidentsql.IncidentReports(ctx, t.ic(), incident)
}

func (t *Tx) IncidentReport(ctx context.Context, id string, version int) (*accord.IncidentReport, error) {
	return incidentsql.IncidentReport(ctx, t.ic(), id, version)
}

func (t *Tx) IncidentReportVersions(ctx context.Context, id string) ([]accord.IncidentReport, error) {
	return incidentsql.IncidentReportVersions(ctx, t.ic(), id)
}

func (t *Tx) SearchIncidents(ctx context.Context, q accord.IncidentQuery) (*accord.IncidentPage, error) {
	return incidentsql.SearchIncidents(ctx, t.ic(), q)
}

func (t *Tx) IncidentFacetCounts(ctx context.Context, q accord.IncidentQuery, names []string) (map[string]int, error) {
	return incidentsql.IncidentFacetCounts(ctx, t.ic(), q, names)
}

func (t *Tx) IncidentCandidates(ctx context.Context, system string, from, to time.Time, links []string, limit int) ([]accord.IncidentCandidate, error) {
	return incidentsql.IncidentCandidates(ctx, t.ic(), system, from, to, links, limit)
}

func (t *Tx) IncidentDeadlines(ctx context.Context, q accord.DeadlineQuery) (*accord.DeadlinePage, error) {
	return incidentsql.IncidentDeadlines(ctx, t.ic(), q)
}

func (t *Tx) IncidentCursor(ctx context.Context, origin string) (int64, error) {
	return incidentsql.IncidentCursor(ctx, t.ic(), origin)
}

func (t *Tx) SetIncidentCursor(ctx context.Context, origin string, old, next int64) error {
	return incidentsql.SetIncidentCursor(ctx, t.ic(), origin, old, next)
}

func (t *Tx) PutIncident(ctx context.Context, in accord.Incident, doc accord.IncidentDoc, rows []accord.DeadlineRow) error {
	return incidentsql.PutIncident(ctx, t.ic(), in, doc, rows)
}

func (t *Tx) AddIncidentReport(ctx context.Context, r accord.IncidentReport) error {
	return incidentsql.AddIncidentReport(ctx, t.ic(), r)
}

func (t *Tx) MergeIncident(ctx context.Context, from, into string, _ time.Time) error {
	return incidentsql.MergeIncident(ctx, t.ic(), from, into)
}

// incidents dumps the incident tables.
func (d dumper) incidents(ctx context.Context, w accord.DumpWriter) error {
	c := conn{
		exec: func(ctx context.Context, q string, args ...any) (int64, error) {
			tag, err := d.tx.Exec(ctx, q, args...)
			return tag.RowsAffected(), err
		},
		query: d.tx.Query,
	}
	return incidentsql.Dump(ctx, c, func(r accord.IncidentRow) error { return w.Incident(ctx, r) })
}

func (l *loader) Incident(ctx context.Context, r accord.IncidentRow) error {
	return incidentsql.Load(ctx, l.t.ic(), r)
}

// SeedIncidents writes n synthetic incidents (benchmarks; see incidentsql.Seed).
func (t *Tx) SeedIncidents(ctx context.Context, n, systems int, startMS int64) error {
	return incidentsql.Seed(ctx, t.ic(), n, systems, startMS)
}

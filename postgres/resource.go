package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/resourcesql"
)

// The shared-resources catalogue (migration 008): its SQL is in
// internal/resourcesql, shared with SQLite.

func (t *Tx) res() resourcesql.Tx { return resourcesql.Tx{Q: pgQuerier{t}} }

type pgQuerier struct{ t *Tx }

func (q pgQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.t.exec(ctx, dollar(query), args...)
	if err != nil {
		return 0, unavailable(err)
	}
	return tag.RowsAffected(), nil
}

func (q pgQuerier) Query(ctx context.Context, query string, args ...any) (resourcesql.Rows, error) {
	rows, err := q.t.query(ctx, dollar(query), args...)
	if err != nil {
		return nil, unavailable(err)
	}
	return pgRows{rows}, nil
}

func (q pgQuerier) Insert(ctx context.Context, query string, args ...any) (int64, error) {
	var rid int64
	ok, err := q.t.one(ctx, []any{&rid}, dollar(query), args...)
	if err == nil && !ok {
		err = errors.New("insert returned no row")
	}
	return rid, unavailable(err)
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Err() error          { return unavailable(r.Rows.Err()) }
func (r pgRows) Scan(d ...any) error { return unavailable(r.Rows.Scan(d...)) }

func (t *Tx) Resource(ctx context.Context, id string) (*accord.Resource, error) {
	return t.res().Resource(ctx, id)
}

func (t *Tx) ResourceVersion(ctx context.Context, id string, version int) (*accord.Resource, error) {
	return t.res().ResourceVersion(ctx, id, version)
}

// SearchResources runs the catalogue's search with JIT compilation and
// parallel workers off for this transaction, and with a plan made for the
// facets at hand: the search is a walk of an index with LIMIT and probes
// by key, for which the planner's estimates on a large catalogue start a
// JIT compilation (190 ms measured at 1,000,000 resources) and workers
// that cost more than the walk itself, and the generic plan PostgreSQL
// switches a statement prepared five times to cannot tell a rare facet
// from a common one (p95 3.8 s at 1,000,000 resources).
func (t *Tx) SearchResources(ctx context.Context, q accord.ResourceQuery) (*accord.ResourcePage, error) {
	if _, err := t.exec(ctx, `SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true), set_config('plan_cache_mode', 'force_custom_plan', true)`); err != nil {
		return nil, unavailable(err)
	}
	return t.res().SearchResources(ctx, q)
}

func (t *Tx) EachResource(ctx context.Context, fn func(accord.Resource) error) error {
	return t.res().EachResource(ctx, fn)
}

func (t *Tx) Need(ctx context.Context, id string) (*accord.Need, error) { return t.res().Need(ctx, id) }

func (t *Tx) Needs(ctx context.Context, org, status, cursor string, limit int) ([]accord.Need, string, error) {
	return t.res().Needs(ctx, org, status, cursor, limit)
}

func (t *Tx) ResourceMatch(ctx context.Context, id string) (*accord.Match, error) {
	return t.res().ResourceMatch(ctx, id)
}

func (t *Tx) Matches(ctx context.Context, need, resource string) ([]accord.Match, error) {
	return t.res().Matches(ctx, need, resource)
}

func (t *Tx) SystemsOn(ctx context.Context, resource string) ([]accord.SystemResourceLink, error) {
	return t.res().SystemsOn(ctx, resource)
}

func (t *Tx) ResourcesOf(ctx context.Context, system string) ([]accord.SystemResourceLink, error) {
	return t.res().ResourcesOf(ctx, system)
}

func (t *Tx) PutResource(ctx context.Context, r accord.Resource, facets []string, text string) error {
	return t.res().PutResource(ctx, r, facets, text)
}

func (t *Tx) PutNeed(ctx context.Context, n accord.Need) error { return t.res().PutNeed(ctx, n) }

func (t *Tx) PutMatch(ctx context.Context, m accord.Match) error { return t.res().PutMatch(ctx, m) }

func (t *Tx) LinkSystem(ctx context.Context, l accord.SystemResourceLink) error {
	return t.res().LinkSystem(ctx, l)
}

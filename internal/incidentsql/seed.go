package incidentsql

import (
	"context"
	"fmt"
)

// Seed writes n synthetic incidents about `systems` systems (one every
// minute of occurrence from start), each with its search text, facets and
// one dashboard row in an EU country, in a few set-based statements: the
// benchmarks' fixture of a million incidents (SQLite and PostgreSQL both
// take this SQL). State cycles through pending, met and missed.
func Seed(ctx context.Context, c Conn, n, systems int, startMS int64) error {
	stmts := []string{
		fmt.Sprintf(`INSERT INTO incidents(id, merged_into, system, occurred, data, search_text)
			WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d)
			SELECT 'inc_seed_' || i, '', 'sys_seed_' || (i %% %d), %d + i * CAST(60000 AS BIGINT),
				'{"id":"inc_seed_' || i || '","kind":"incident","system":{"id":"sys_seed_' || (i %% %d) || '"},"provider":"org_seed","countries":["FR"],"severity":"serious","title":{"en":"Seeded incident ' || i || '"},"summary":{"en":"A synthetic incident."},"occurred":"2026-01-01T00:00:00Z","aware":"2026-01-01T00:00:00Z","created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z","reports":1}',
				'seeded incident ' || i || ' screener depot applicants word' || (i %% 1000)
			FROM s`, n, systems, startMS, systems),
		`INSERT INTO incident_facets(facet, rid) SELECT 'system:' || system, rid FROM incidents WHERE id LIKE 'inc_seed_%'`,
		`INSERT INTO incident_facets(facet, rid) SELECT 'country:FR', rid FROM incidents WHERE id LIKE 'inc_seed_%'`,
		fmt.Sprintf(`INSERT INTO incident_deadlines(rid, country, state, due, filed, log_index, incident)
			SELECT rid, CASE rid %% 3 WHEN 0 THEN 'FR' WHEN 1 THEN 'DE' ELSE 'IT' END,
				CASE rid %% 4 WHEN 0 THEN 'pending' WHEN 1 THEN 'met' WHEN 2 THEN 'missed' ELSE 'pending' END,
				occurred + 15 * 86400000, CASE rid %% 4 WHEN 0 THEN 0 WHEN 3 THEN 0 ELSE occurred + 86400000 END, rid, id
			FROM incidents WHERE id LIKE 'inc_seed_%%'`),
	}
	for _, q := range stmts {
		if _, err := c.Exec(ctx, q); err != nil {
			return c.Unavailable(fmt.Errorf("seed incidents: %w", err))
		}
	}
	return nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/accord-gov/accord"
)

// The mirror's tables (migration 008): each mirrored log's state, and the
// log itself as tiles and entry bundles.

func (t *Tx) MirrorState(ctx context.Context, origin string) (*accord.MirrorState, error) {
	row, err := t.queryRow(ctx, `SELECT origin, size, checkpoint, pending, indexed, updated FROM mirror_state WHERE origin = ?`, origin)
	if err != nil {
		return nil, err
	}
	s, err := scanMirror(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, accord.Errorf(accord.ENotFound, "log %s is not mirrored", origin)
	}
	return s, err
}

func scanMirror(scan func(...any) error) (*accord.MirrorState, error) {
	var s accord.MirrorState
	var at string
	if err := scan(&s.Origin, &s.Size, &s.Checkpoint, &s.Pending, &s.Indexed, &at); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, unavailable(err)
	}
	s.Updated, _ = time.Parse(time.RFC3339Nano, at)
	return &s, nil
}

func (t *Tx) MirrorStates(ctx context.Context) ([]accord.MirrorState, error) {
	rows, err := t.query(ctx, `SELECT origin, size, checkpoint, pending, indexed, updated FROM mirror_state ORDER BY origin`)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	out := []accord.MirrorState{}
	for rows.Next() {
		s, err := scanMirror(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, unavailable(rows.Err())
}

func (t *Tx) MirrorTiles(ctx context.Context, origin string, level int, from, to int64) ([]accord.MirrorTile, error) {
	rows, err := t.query(ctx, `SELECT n, width, data FROM mirror_tiles WHERE origin = ? AND level = ? AND n >= ? AND n < ? ORDER BY n`, origin, level, from, to)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	var out []accord.MirrorTile
	for rows.Next() {
		m := accord.MirrorTile{Level: level}
		if err := rows.Scan(&m.N, &m.Width, &m.Data); err != nil {
			return nil, unavailable(err)
		}
		out = append(out, m)
	}
	return out, unavailable(rows.Err())
}

func (t *Tx) AdvanceMirror(ctx context.Context, old int64, next accord.MirrorState, tiles []accord.MirrorTile) error {
	at := accord.LogTime(next.Updated)
	var res sql.Result
	var err error
	if old == 0 {
		res, err = t.exec(ctx, `INSERT INTO mirror_state(origin, size, checkpoint, pending, indexed, updated) VALUES (?1, ?2, ?3, ?4, 0, ?5)
			ON CONFLICT(origin) DO UPDATE SET size = ?2, checkpoint = ?3, pending = ?4, updated = ?5 WHERE mirror_state.size = 0`,
			next.Origin, next.Size, next.Checkpoint, next.Pending, at)
	} else {
		res, err = t.exec(ctx, `UPDATE mirror_state SET size = ?, checkpoint = ?, pending = ?, updated = ? WHERE origin = ? AND size = ?`,
			next.Size, next.Checkpoint, next.Pending, at, next.Origin, old)
	}
	if err != nil {
		return unavailable(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return unavailable(err)
	} else if n == 0 {
		return accord.Errorf(accord.EConflict, "log %s: the mirror no longer holds %d entries (another pass advanced it)", next.Origin, old)
	}
	for _, m := range tiles {
		if _, err := t.exec(ctx, `INSERT INTO mirror_tiles(origin, level, n, width, data) VALUES (?1, ?2, ?3, ?4, ?5)
			ON CONFLICT(origin, level, n) DO UPDATE SET width = ?4, data = ?5`, next.Origin, m.Level, m.N, m.Width, m.Data); err != nil {
			return unavailable(err)
		}
	}
	return nil
}

func (t *Tx) SetMirrorIndexed(ctx context.Context, origin string, old, indexed int64) error {
	res, err := t.exec(ctx, `UPDATE mirror_state SET indexed = ? WHERE origin = ? AND indexed = ?`, indexed, origin, old)
	if err != nil {
		return unavailable(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return unavailable(err)
	} else if n == 0 {
		if _, err := t.MirrorState(ctx, origin); err != nil {
			return err
		}
		return accord.Errorf(accord.EConflict, "log %s: the mirror's records were no longer decoded up to %d (another pass went on)", origin, old)
	}
	return nil
}

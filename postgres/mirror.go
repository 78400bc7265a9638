package postgres

import (
	"context"
	"time"

	"github.com/accord-gov/accord"
)

// The mirror's tables (migration 004): each mirrored log's state, and the
// log itself as tiles and entry bundles.

const mirrorColumns = `origin, size, checkpoint, pending, indexed, updated`

func (t *Tx) MirrorState(ctx context.Context, origin string) (*accord.MirrorState, error) {
	if !validText(origin) {
		return nil, accord.Errorf(accord.ENotFound, "log not mirrored")
	}
	var s accord.MirrorState
	var at string
	found, err := t.one(ctx, []any{&s.Origin, &s.Size, &s.Checkpoint, &s.Pending, &s.Indexed, &at}, `SELECT `+mirrorColumns+` FROM mirror_state WHERE origin = $1`, origin)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, accord.Errorf(accord.ENotFound, "log %s is not mirrored", origin)
	}
	s.Updated, _ = time.Parse(time.RFC3339Nano, at)
	return &s, nil
}

func (t *Tx) MirrorStates(ctx context.Context) ([]accord.MirrorState, error) {
	rows, err := t.query(ctx, `SELECT `+mirrorColumns+` FROM mirror_state ORDER BY origin COLLATE "C"`)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	out := []accord.MirrorState{}
	for rows.Next() {
		var s accord.MirrorState
		var at string
		if err := rows.Scan(&s.Origin, &s.Size, &s.Checkpoint, &s.Pending, &s.Indexed, &at); err != nil {
			return nil, unavailable(err)
		}
		s.Updated, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, s)
	}
	return out, unavailable(rows.Err())
}

func (t *Tx) MirrorTiles(ctx context.Context, origin string, level int, from, to int64) ([]accord.MirrorTile, error) {
	if !validText(origin) {
		return nil, nil
	}
	rows, err := t.query(ctx, `SELECT n, width, data FROM mirror_tiles WHERE origin = $1 AND level = $2 AND n >= $3 AND n < $4 ORDER BY n`, origin, level, from, to)
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

// AdvanceMirror is a compare-and-set on the row's size, like AdvanceWitness.
func (t *Tx) AdvanceMirror(ctx context.Context, old int64, next accord.MirrorState, tiles []accord.MirrorTile) error {
	if !validText(next.Origin) {
		return invalidText("log origin")
	}
	args := []any{next.Origin, next.Size, next.Checkpoint, next.Pending, accord.LogTime(next.Updated)}
	sql := `INSERT INTO mirror_state (` + mirrorColumns + `) VALUES ($1, $2, $3, $4, 0, $5)
		ON CONFLICT (origin) DO UPDATE SET size = $2, checkpoint = $3, pending = $4, updated = $5 WHERE mirror_state.size = 0`
	if old != 0 {
		sql = `UPDATE mirror_state SET size = $2, checkpoint = $3, pending = $4, updated = $5 WHERE origin = $1 AND size = $6`
		args = append(args, old)
	}
	tag, err := t.exec(ctx, sql, args...)
	if err != nil {
		return unavailable(err)
	}
	if tag.RowsAffected() == 0 {
		return accord.Errorf(accord.EConflict, "log %s: the mirror no longer holds %d entries (another pass advanced it)", next.Origin, old)
	}
	if len(tiles) == 0 {
		return nil
	}
	levels := make([]int32, len(tiles))
	ns := make([]int64, len(tiles))
	widths := make([]int32, len(tiles))
	data := make([][]byte, len(tiles))
	for i, m := range tiles {
		levels[i], ns[i], widths[i], data[i] = int32(m.Level), m.N, int32(m.Width), m.Data
	}
	_, err = t.exec(ctx, `INSERT INTO mirror_tiles (origin, level, n, width, data)
		SELECT $1, * FROM unnest($2::integer[], $3::bigint[], $4::integer[], $5::bytea[])
		ON CONFLICT (origin, level, n) DO UPDATE SET width = excluded.width, data = excluded.data`, next.Origin, levels, ns, widths, data)
	return unavailable(err)
}

func (t *Tx) SetMirrorIndexed(ctx context.Context, origin string, old, indexed int64) error {
	if !validText(origin) {
		return invalidText("log origin")
	}
	tag, err := t.exec(ctx, `UPDATE mirror_state SET indexed = $1 WHERE origin = $2 AND indexed = $3`, indexed, origin, old)
	if err != nil {
		return unavailable(err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := t.MirrorState(ctx, origin); err != nil {
			return err
		}
		return accord.Errorf(accord.EConflict, "log %s: the mirror's records were no longer decoded up to %d (another pass went on)", origin, old)
	}
	return nil
}

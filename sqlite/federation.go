package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

// The federation's tables (migration 007): peers, external witnesses, our
// witness's state and history, cosignatures of our checkpoints, alarms.

func (t *Tx) Peer(ctx context.Context, name string) (*accord.Peer, error) {
	var p accord.Peer
	if err := t.getJSON(ctx, &p, "peer "+name, `SELECT data FROM peers WHERE name = ?`, name); err != nil {
		return nil, err
	}
	return &p, nil
}

func (t *Tx) PeerByOrigin(ctx context.Context, origin string) (*accord.Peer, error) {
	var p accord.Peer
	if err := t.getJSON(ctx, &p, "peer with log "+origin, `SELECT data FROM peers WHERE origin = ?`, origin); err != nil {
		return nil, err
	}
	return &p, nil
}

func (t *Tx) Peers(ctx context.Context) ([]accord.Peer, error) {
	return jsonRows[accord.Peer](ctx, t, "peer", `SELECT data FROM peers ORDER BY name`)
}

func (t *Tx) ExternalWitnesses(ctx context.Context) ([]accord.ExternalWitness, error) {
	return jsonRows[accord.ExternalWitness](ctx, t, "external witness", `SELECT data FROM external_witnesses ORDER BY name`)
}

// jsonRows reads every row of a one-column JSON query.
func jsonRows[T any](ctx context.Context, t *Tx, what, query string, args ...any) ([]T, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, unavailable(err)
		}
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("decode stored %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, unavailable(rows.Err())
}

func (t *Tx) CreatePeer(ctx context.Context, p accord.Peer) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, `INSERT INTO peers(name, origin, data) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, p.Name, p.Origin, data)
	if err != nil {
		return unavailable(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return unavailable(err)
	} else if n == 0 {
		return accord.Errorf(accord.EConflict, "a peer named %s or with log %s exists (retired peers included: a log is never added twice)", p.Name, p.Origin)
	}
	return nil
}

func (t *Tx) UpdatePeer(ctx context.Context, p accord.Peer) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, `UPDATE peers SET data = ? WHERE name = ? AND origin = ?`, data, p.Name, p.Origin)
	if err != nil {
		return unavailable(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return unavailable(err)
	} else if n == 0 {
		return accord.Errorf(accord.ENotFound, "no peer %s with log %s", p.Name, p.Origin)
	}
	return nil
}

func (t *Tx) PutExternalWitness(ctx context.Context, w accord.ExternalWitness) error {
	data, err := json.Marshal(w)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO external_witnesses(name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data = excluded.data`, w.Name, data)
	return unavailable(err)
}

func (t *Tx) DeleteExternalWitness(ctx context.Context, name string) error {
	res, err := t.exec(ctx, `DELETE FROM external_witnesses WHERE name = ?`, name)
	if err != nil {
		return unavailable(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return unavailable(err)
	} else if n == 0 {
		return accord.Errorf(accord.ENotFound, "no external witness %s", name)
	}
	return nil
}

func (t *Tx) WitnessState(ctx context.Context, origin string) (*accord.WitnessState, error) {
	row, err := t.queryRow(ctx, `SELECT size, root, checkpoint, cosigned FROM witness_state WHERE origin = ?`, origin)
	if err != nil {
		return nil, err
	}
	s, err := scanWitness(origin, row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, accord.Errorf(accord.ENotFound, "the witness never cosigned log %s", origin)
	}
	return s, err
}

func scanWitness(origin string, scan func(...any) error) (*accord.WitnessState, error) {
	s := accord.WitnessState{Origin: origin}
	var root []byte
	var at string
	if err := scan(&s.Size, &root, &s.Checkpoint, &at); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, unavailable(err)
	}
	if len(root) != tlog.HashSize {
		return nil, fmt.Errorf("stored witness root of %s has %d bytes", origin, len(root))
	}
	s.Root = tlog.Hash(root)
	s.Cosigned, _ = time.Parse(time.RFC3339Nano, at)
	return &s, nil
}

func (t *Tx) WitnessCosigned(ctx context.Context, origin string, from, to int64) ([]accord.WitnessState, error) {
	rows, err := t.query(ctx, `SELECT size, root, checkpoint, cosigned FROM witness_cosigned WHERE origin = ? AND size >= ? AND size < ? ORDER BY size`, origin, from, to)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	out := []accord.WitnessState{}
	for rows.Next() {
		s, err := scanWitness(origin, rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, unavailable(rows.Err())
}

func (t *Tx) AdvanceWitness(ctx context.Context, old int64, next accord.WitnessState) error {
	at := accord.LogTime(next.Cosigned)
	var res sql.Result
	var err error
	if old == 0 {
		// No row yet counts as size 0; a row at size 0 is replaced like any.
		res, err = t.exec(ctx, `INSERT INTO witness_state(origin, size, root, checkpoint, cosigned) VALUES (?1, ?2, ?3, ?4, ?5)
			ON CONFLICT(origin) DO UPDATE SET size = ?2, root = ?3, checkpoint = ?4, cosigned = ?5 WHERE witness_state.size = 0`,
			next.Origin, next.Size, next.Root[:], next.Checkpoint, at)
	} else {
		res, err = t.exec(ctx, `UPDATE witness_state SET size = ?, root = ?, checkpoint = ?, cosigned = ? WHERE origin = ? AND size = ?`,
			next.Size, next.Root[:], next.Checkpoint, at, next.Origin, old)
	}
	if err != nil {
		return unavailable(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return unavailable(err)
	} else if n == 0 {
		cur, err := t.WitnessState(ctx, next.Origin)
		switch {
		case accord.ErrorCode(err) == accord.ENotFound:
			return &accord.WitnessConflict{Origin: next.Origin}
		case err != nil:
			return err
		}
		return &accord.WitnessConflict{Origin: next.Origin, Size: cur.Size}
	}
	_, err = t.exec(ctx, `INSERT INTO witness_cosigned(origin, size, root, checkpoint, cosigned) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		next.Origin, next.Size, next.Root[:], next.Checkpoint, at)
	return unavailable(err)
}

func (t *Tx) Cosignatures(ctx context.Context, size int64) ([]accord.Cosignature, error) {
	rows, err := t.query(ctx, `SELECT witness, line, time FROM checkpoint_cosignatures WHERE size = ? ORDER BY witness`, size)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	out := []accord.Cosignature{}
	for rows.Next() {
		c := accord.Cosignature{Size: size}
		var ts int64
		if err := rows.Scan(&c.Witness, &c.Line, &ts); err != nil {
			return nil, unavailable(err)
		}
		c.Time = time.Unix(ts, 0).UTC()
		out = append(out, c)
	}
	return out, unavailable(rows.Err())
}

func (t *Tx) QuorumSize(ctx context.Context, witnesses []string, k int) (int64, error) {
	if k <= 0 || len(witnesses) < k {
		return -1, nil
	}
	args := make([]any, 0, len(witnesses)+1)
	for _, w := range witnesses {
		args = append(args, w)
	}
	args = append(args, k)
	// The primary key's order (size, witness) groups by size as it scans
	// from the largest down, so the first group that counts stops it.
	row, err := t.queryRow(ctx, `SELECT size FROM checkpoint_cosignatures WHERE witness IN (`+placeholders(len(witnesses))+`)
		GROUP BY size HAVING count(*) >= ? ORDER BY size DESC LIMIT 1`, args...)
	if err != nil {
		return 0, err
	}
	var size int64
	if err := row.Scan(&size); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return -1, nil
		}
		return 0, unavailable(err)
	}
	return size, nil
}

func (t *Tx) PutCosignature(ctx context.Context, c accord.Cosignature) error {
	_, err := t.exec(ctx, `INSERT INTO checkpoint_cosignatures(size, witness, line, time) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT(size, witness) DO UPDATE SET line = ?3, time = ?4 WHERE ?4 >= checkpoint_cosignatures.time`,
		c.Size, c.Witness, c.Line, c.Time.Unix())
	return unavailable(err)
}

func (t *Tx) Alarms(ctx context.Context, origin string) ([]accord.Alarm, error) {
	rows, err := t.query(ctx, `SELECT id, origin, kind, evidence, detected FROM alarms WHERE ?1 = '' OR origin = ?1 ORDER BY detected DESC, id`, origin)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	out := []accord.Alarm{}
	for rows.Next() {
		var a accord.Alarm
		var ev []byte
		var at string
		if err := rows.Scan(&a.ID, &a.Origin, &a.Kind, &ev, &at); err != nil {
			return nil, unavailable(err)
		}
		a.Evidence = ev
		a.Detected, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, a)
	}
	return out, unavailable(rows.Err())
}

func (t *Tx) AddAlarm(ctx context.Context, a accord.Alarm) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO alarms(id, origin, kind, evidence, detected) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		a.ID, a.Origin, a.Kind, []byte(a.Evidence), accord.LogTime(a.Detected))
	if err != nil {
		return false, unavailable(err)
	}
	n, err := res.RowsAffected()
	return n == 1, unavailable(err)
}

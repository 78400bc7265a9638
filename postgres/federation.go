package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

// The federation's tables (migration 003): peers, external witnesses, our
// witness's state and history, cosignatures of our checkpoints, alarms.

func (t *Tx) Peer(ctx context.Context, name string) (*accord.Peer, error) {
	if !validText(name) {
		return nil, accord.Errorf(accord.ENotFound, "peer not found")
	}
	var p accord.Peer
	if err := t.getJSON(ctx, &p, "peer "+name, `SELECT data FROM peers WHERE name = $1`, name); err != nil {
		return nil, err
	}
	return &p, nil
}

func (t *Tx) PeerByOrigin(ctx context.Context, origin string) (*accord.Peer, error) {
	if !validText(origin) {
		return nil, accord.Errorf(accord.ENotFound, "peer not found")
	}
	var p accord.Peer
	if err := t.getJSON(ctx, &p, "peer with log "+origin, `SELECT data FROM peers WHERE origin = $1`, origin); err != nil {
		return nil, err
	}
	return &p, nil
}

func (t *Tx) Peers(ctx context.Context) ([]accord.Peer, error) {
	return jsonRows[accord.Peer](ctx, t, "peer", `SELECT data FROM peers ORDER BY name COLLATE "C"`)
}

func (t *Tx) ExternalWitnesses(ctx context.Context) ([]accord.ExternalWitness, error) {
	return jsonRows[accord.ExternalWitness](ctx, t, "external witness", `SELECT data FROM external_witnesses ORDER BY name COLLATE "C"`)
}

// jsonRows reads every row of a one-column JSON query.
func jsonRows[T any](ctx context.Context, t *Tx, what, sql string, args ...any) ([]T, error) {
	rows, err := t.query(ctx, sql, args...)
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
	rows.Close()
	return out, unavailable(rows.Err())
}

func (t *Tx) CreatePeer(ctx context.Context, p accord.Peer) error {
	if !validText(p.Name, p.Origin) {
		return invalidText("peer name or origin")
	}
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return t.insertOnce(ctx, fmt.Sprintf("a peer named %s or with log %s exists (retired peers included: a log is never added twice)", p.Name, p.Origin),
		`INSERT INTO peers (name, origin, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, p.Name, p.Origin, data)
}

func (t *Tx) UpdatePeer(ctx context.Context, p accord.Peer) error {
	if !validText(p.Name, p.Origin) {
		return accord.Errorf(accord.ENotFound, "peer not found")
	}
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	tag, err := t.exec(ctx, `UPDATE peers SET data = $1 WHERE name = $2 AND origin = $3`, data, p.Name, p.Origin)
	if err != nil {
		return unavailable(err)
	}
	if tag.RowsAffected() == 0 {
		return accord.Errorf(accord.ENotFound, "no peer %s with log %s", p.Name, p.Origin)
	}
	return nil
}

func (t *Tx) PutExternalWitness(ctx context.Context, w accord.ExternalWitness) error {
	if !validText(w.Name) {
		return invalidText("witness name")
	}
	data, err := json.Marshal(w)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO external_witnesses (name, data) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET data = excluded.data`, w.Name, data)
	return unavailable(err)
}

func (t *Tx) DeleteExternalWitness(ctx context.Context, name string) error {
	if !validText(name) {
		return accord.Errorf(accord.ENotFound, "no external witness %s", name)
	}
	tag, err := t.exec(ctx, `DELETE FROM external_witnesses WHERE name = $1`, name)
	if err != nil {
		return unavailable(err)
	}
	if tag.RowsAffected() == 0 {
		return accord.Errorf(accord.ENotFound, "no external witness %s", name)
	}
	return nil
}

func (t *Tx) WitnessState(ctx context.Context, origin string) (*accord.WitnessState, error) {
	if !validText(origin) {
		return nil, accord.Errorf(accord.ENotFound, "the witness never cosigned this log")
	}
	var root, cp []byte
	var size int64
	var at string
	found, err := t.one(ctx, []any{&size, &root, &cp, &at}, `SELECT size, root, checkpoint, cosigned FROM witness_state WHERE origin = $1`, origin)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, accord.Errorf(accord.ENotFound, "the witness never cosigned log %s", origin)
	}
	return witnessRow(origin, size, root, cp, at)
}

func witnessRow(origin string, size int64, root, cp []byte, at string) (*accord.WitnessState, error) {
	if len(root) != tlog.HashSize {
		return nil, fmt.Errorf("stored witness root of %s has %d bytes", origin, len(root))
	}
	s := &accord.WitnessState{Origin: origin, Size: size, Root: tlog.Hash(root), Checkpoint: cp}
	s.Cosigned, _ = time.Parse(time.RFC3339Nano, at)
	return s, nil
}

func (t *Tx) WitnessCosigned(ctx context.Context, origin string, from, to int64) ([]accord.WitnessState, error) {
	out := []accord.WitnessState{}
	if !validText(origin) {
		return out, nil
	}
	rows, err := t.query(ctx, `SELECT size, root, checkpoint, cosigned FROM witness_cosigned WHERE origin = $1 AND size >= $2 AND size < $3 ORDER BY size`, origin, from, to)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	for rows.Next() {
		var root, cp []byte
		var size int64
		var at string
		if err := rows.Scan(&size, &root, &cp, &at); err != nil {
			return nil, unavailable(err)
		}
		s, err := witnessRow(origin, size, root, cp, at)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	rows.Close()
	return out, unavailable(rows.Err())
}

// AdvanceWitness is a compare-and-set on the row's size: under READ
// COMMITTED a concurrent UPDATE waits for the row, then re-checks the
// condition against the committed size and matches nothing.
func (t *Tx) AdvanceWitness(ctx context.Context, old int64, next accord.WitnessState) error {
	if !validText(next.Origin) {
		return invalidText("log origin")
	}
	at := accord.LogTime(next.Cosigned)
	var sql string
	args := []any{next.Origin, next.Size, next.Root[:], next.Checkpoint, at}
	if old == 0 {
		// No row yet counts as size 0; a row at size 0 is replaced like any.
		sql = `INSERT INTO witness_state (origin, size, root, checkpoint, cosigned) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (origin) DO UPDATE SET size = $2, root = $3, checkpoint = $4, cosigned = $5 WHERE witness_state.size = 0`
	} else {
		sql = `UPDATE witness_state SET size = $2, root = $3, checkpoint = $4, cosigned = $5 WHERE origin = $1 AND size = $6`
		args = append(args, old)
	}
	tag, err := t.exec(ctx, sql, args...)
	if err != nil {
		return unavailable(err)
	}
	if tag.RowsAffected() == 0 {
		cur, err := t.WitnessState(ctx, next.Origin)
		switch {
		case accord.ErrorCode(err) == accord.ENotFound:
			return &accord.WitnessConflict{Origin: next.Origin}
		case err != nil:
			return err
		}
		return &accord.WitnessConflict{Origin: next.Origin, Size: cur.Size}
	}
	_, err = t.exec(ctx, `INSERT INTO witness_cosigned (origin, size, root, checkpoint, cosigned) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		next.Origin, next.Size, next.Root[:], next.Checkpoint, at)
	return unavailable(err)
}

func (t *Tx) Cosignatures(ctx context.Context, size int64) ([]accord.Cosignature, error) {
	rows, err := t.query(ctx, `SELECT witness, line, time FROM checkpoint_cosignatures WHERE size = $1 ORDER BY witness COLLATE "C"`, size)
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
	rows.Close()
	return out, unavailable(rows.Err())
}

func (t *Tx) QuorumSize(ctx context.Context, witnesses []string, k int) (int64, error) {
	if k <= 0 || len(witnesses) < k || !validText(witnesses...) {
		return -1, nil
	}
	var size int64
	found, err := t.one(ctx, []any{&size}, `SELECT size FROM checkpoint_cosignatures WHERE witness = ANY($1)
		GROUP BY size HAVING count(*) >= $2 ORDER BY size DESC LIMIT 1`, witnesses, k)
	if err != nil {
		return 0, err
	}
	if !found {
		return -1, nil
	}
	return size, nil
}

func (t *Tx) PutCosignature(ctx context.Context, c accord.Cosignature) error {
	if !validText(c.Witness, c.Line) {
		return invalidText("cosignature")
	}
	_, err := t.exec(ctx, `INSERT INTO checkpoint_cosignatures (size, witness, line, time) VALUES ($1, $2, $3, $4)
		ON CONFLICT (size, witness) DO UPDATE SET line = $3, time = $4 WHERE $4 >= checkpoint_cosignatures.time`,
		c.Size, c.Witness, c.Line, c.Time.Unix())
	return unavailable(err)
}

func (t *Tx) Alarms(ctx context.Context, origin string) ([]accord.Alarm, error) {
	out := []accord.Alarm{}
	if !validText(origin) {
		return out, nil
	}
	rows, err := t.query(ctx, `SELECT id, origin, kind, evidence, detected FROM alarms WHERE $1 = '' OR origin = $1 ORDER BY detected DESC, id COLLATE "C"`, origin)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
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
	rows.Close()
	return out, unavailable(rows.Err())
}

func (t *Tx) AddAlarm(ctx context.Context, a accord.Alarm) (bool, error) {
	if !validText(a.ID, a.Origin, a.Kind) {
		return false, invalidText("alarm id, origin or kind")
	}
	tag, err := t.exec(ctx, `INSERT INTO alarms (id, origin, kind, evidence, detected) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		a.ID, a.Origin, a.Kind, []byte(a.Evidence), accord.LogTime(a.Detected))
	if err != nil {
		return false, unavailable(err)
	}
	return tag.RowsAffected() == 1, nil
}

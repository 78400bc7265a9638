package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/accord-gov/accord"
)

// Sessions (see accord.Session). Times are Unix milliseconds.

func (t *Tx) Session(ctx context.Context, hash []byte) (*accord.Session, error) {
	row, err := t.queryRow(ctx, `SELECT org, token, created, expires FROM sessions WHERE hash = ?`, hash)
	if err != nil {
		return nil, err
	}
	var s accord.Session
	var created, expires int64
	if err := row.Scan(&s.Org, &s.Token, &created, &expires); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, accord.Errorf(accord.ENotFound, "no such session")
		}
		return nil, unavailable(err)
	}
	s.Created, s.Expires = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	return &s, nil
}

func (t *Tx) CreateSession(ctx context.Context, hash []byte, s accord.Session, keep int) (int, error) {
	now := s.Created.UnixMilli()
	if _, err := t.exec(ctx, `DELETE FROM sessions WHERE org = ? AND expires <= ?`, s.Org, now); err != nil {
		return 0, unavailable(err)
	}
	_, err := t.exec(ctx, `INSERT INTO sessions(hash, org, token, created, expires) VALUES (?, ?, ?, ?, ?)`,
		hash, s.Org, s.Token, now, s.Expires.UnixMilli())
	if isConstraint(err) {
		return 0, accord.Errorf(accord.EConflict, "session exists")
	}
	if err != nil {
		return 0, unavailable(err)
	}
	res, err := t.exec(ctx, `DELETE FROM sessions WHERE hash IN (
		SELECT hash FROM sessions WHERE org = ?1 ORDER BY seq DESC LIMIT -1 OFFSET ?2)`, s.Org, max(keep, 1))
	if err != nil {
		return 0, unavailable(err)
	}
	n, err := res.RowsAffected()
	return int(n), unavailable(err)
}

func (t *Tx) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE hash = ?`, hash)
	return unavailable(err)
}

func (t *Tx) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := t.exec(ctx, `DELETE FROM sessions WHERE expires <= ?`, now.UnixMilli())
	if err != nil {
		return 0, unavailable(err)
	}
	n, err := res.RowsAffected()
	return int(n), unavailable(err)
}

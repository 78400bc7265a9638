package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/accord-gov/accord"
)

// Sessions (see accord.Session). Times are Unix milliseconds.

func (t *Tx) Session(ctx context.Context, hash []byte) (*accord.Session, error) {
	var s accord.Session
	var created, expires int64
	found, err := t.one(ctx, []any{&s.Org, &s.Token, &created, &expires}, `SELECT org, token, created, expires FROM sessions WHERE hash = $1`, hash)
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	if !found {
		return nil, accord.Errorf(accord.ENotFound, "no such session")
	}
	s.Created, s.Expires = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	return &s, nil
}

func (t *Tx) CreateSession(ctx context.Context, hash []byte, s accord.Session, keep int) (int, error) {
	if !validText(s.Org, s.Token) {
		return 0, invalidText("session organization or token")
	}
	// Nodes on this database signing in one organization at once take
	// turns, so that none keeps more than keep sessions.
	if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey("accord sessions\x00"+s.Org, t.db.schema)); err != nil {
		return 0, unavailable(fmt.Errorf("lock the organization's sessions: %w", err))
	}
	now := s.Created.UnixMilli()
	if _, err := t.exec(ctx, `DELETE FROM sessions WHERE org = $1 AND expires <= $2`, s.Org, now); err != nil {
		return 0, unavailable(err)
	}
	if err := t.insertOnce(ctx, "session exists",
		`INSERT INTO sessions (hash, org, token, created, expires) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		hash, s.Org, s.Token, now, s.Expires.UnixMilli()); err != nil {
		return 0, err
	}
	tag, err := t.exec(ctx, `DELETE FROM sessions WHERE hash IN (
		SELECT hash FROM sessions WHERE org = $1 ORDER BY seq DESC OFFSET $2)`, s.Org, max(keep, 1))
	if err != nil {
		return 0, unavailable(err)
	}
	return int(tag.RowsAffected()), nil
}

func (t *Tx) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash)
	return unavailable(err)
}

func (t *Tx) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	tag, err := t.exec(ctx, `DELETE FROM sessions WHERE expires <= $1`, now.UnixMilli())
	if err != nil {
		return 0, unavailable(err)
	}
	return int(tag.RowsAffected()), nil
}

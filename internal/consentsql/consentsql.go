// Package consentsql is the SQL of consent's tables that the SQLite and
// PostgreSQL stores share (migrations sqlite/010_consent.sql and
// postgres/006_consent.sql define the same columns). Queries are written
// with ? placeholders; the PostgreSQL store rewrites them as $1, $2, … (postgres.dollar).
package consentsql

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/accord-gov/accord"
)

// DB is a store's transaction as this package needs it.
type DB interface {
	// Exec runs a statement and reports the rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Each runs a query and calls fn with every row's scanner.
	Each(ctx context.Context, query string, fn func(scan func(...any) error) error, args ...any) error
}

func one[T any](ctx context.Context, db DB, what, query string, args ...any) (*T, error) {
	var out *T
	err := db.Each(ctx, query, func(scan func(...any) error) error {
		var data []byte
		if err := scan(&data); err != nil {
			return err
		}
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("decode stored %s: %w", what, err)
		}
		out = &v
		return nil
	}, args...)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, accord.Errorf(accord.ENotFound, "%s not found", what)
	}
	return out, nil
}

func all[T any](ctx context.Context, db DB, what, query string, args ...any) ([]T, error) {
	out := []T{}
	err := db.Each(ctx, query, func(scan func(...any) error) error {
		var data []byte
		if err := scan(&data); err != nil {
			return err
		}
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("decode stored %s: %w", what, err)
		}
		out = append(out, v)
		return nil
	}, args...)
	return out, err
}

// Notice reads a notice version (0: the latest).
func Notice(ctx context.Context, db DB, system string, version int) (*accord.ConsentNotice, error) {
	what := fmt.Sprintf("consent notice of system %s", system)
	if version == 0 {
		return one[accord.ConsentNotice](ctx, db, what, `SELECT data FROM consent_notices WHERE system = ? ORDER BY version DESC LIMIT 1`, system)
	}
	return one[accord.ConsentNotice](ctx, db, what+fmt.Sprintf(" version %d", version), `SELECT data FROM consent_notices WHERE system = ? AND version = ?`, system, version)
}

// NoticeVersion reads a system's latest notice version (0 if none).
func NoticeVersion(ctx context.Context, db DB, system string) (int, error) {
	v := 0
	err := db.Each(ctx, `SELECT COALESCE(MAX(version), 0) FROM consent_notices WHERE system = ?`, func(scan func(...any) error) error {
		return scan(&v)
	}, system)
	return v, err
}

// Notices reads every system's latest notice.
func Notices(ctx context.Context, db DB) ([]accord.ConsentNotice, error) {
	return all[accord.ConsentNotice](ctx, db, "consent notice", `SELECT n.data FROM consent_notices n
		WHERE n.version = (SELECT MAX(m.version) FROM consent_notices m WHERE m.system = n.system) ORDER BY n.system`)
}

// Events reads events.
func Events(ctx context.Context, db DB, q accord.ConsentEventQuery) ([]accord.ConsentEvent, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	if q.Subject != "" {
		return all[accord.ConsentEvent](ctx, db, "consent event", `SELECT data FROM consent_events WHERE subject = ? AND seq > ? ORDER BY seq LIMIT ?`, q.Subject, q.After, limitArg(limit))
	}
	return all[accord.ConsentEvent](ctx, db, "consent event", `SELECT data FROM consent_events WHERE seq > ? ORDER BY seq LIMIT ?`, q.After, limitArg(limit))
}

// limitArg gives "no limit" as a large number (PostgreSQL refuses LIMIT -1).
func limitArg(n int) int64 {
	if n < 0 {
		return 1 << 62
	}
	return int64(n)
}

// Subject reads a subject.
func Subject(ctx context.Context, db DB, pseudonym string) (*accord.ConsentSubject, error) {
	return one[accord.ConsentSubject](ctx, db, "consent subject", `SELECT data FROM consent_subjects WHERE pseudonym = ?`, pseudonym)
}

// AddNotice inserts a notice version.
func AddNotice(ctx context.Context, db DB, n accord.ConsentNotice) error {
	data, err := json.Marshal(n)
	if err != nil {
		return err
	}
	c, err := db.Exec(ctx, `INSERT INTO consent_notices(system, version, data) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, n.System, n.Version, data)
	if err != nil {
		return err
	}
	if c == 0 {
		return accord.Errorf(accord.EConflict, "system %s already has notice version %d", n.System, n.Version)
	}
	return nil
}

// PutSubject inserts or replaces a subject.
func PutSubject(ctx context.Context, db DB, s accord.ConsentSubject) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `INSERT INTO consent_subjects(pseudonym, data) VALUES (?, ?) ON CONFLICT(pseudonym) DO UPDATE SET data = excluded.data`, s.Pseudonym, data)
	return err
}

// AddEvent inserts an event.
func AddEvent(ctx context.Context, db DB, e accord.ConsentEvent) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	c, err := db.Exec(ctx, `INSERT INTO consent_events(seq, id, subject, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, e.Seq, e.ID, e.Subject, data)
	if err != nil {
		return err
	}
	if c == 0 {
		return accord.Errorf(accord.EConflict, "consent event %s (or log index %d) is already recorded", e.ID, e.Seq)
	}
	return nil
}

// EraseEvents deletes a subject's events.
func EraseEvents(ctx context.Context, db DB, pseudonym string) (int, error) {
	n, err := db.Exec(ctx, `DELETE FROM consent_events WHERE subject = ?`, pseudonym)
	return int(n), err
}

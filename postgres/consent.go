package postgres

import (
	"context"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/consentsql"
)

// Consent's tables (migration 006), through the SQL both stores share.

type consentDB struct{ t *Tx }

func (d consentDB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := d.t.exec(ctx, dollar(query), args...)
	if err != nil {
		return 0, unavailable(err)
	}
	return tag.RowsAffected(), nil
}

func (d consentDB) Each(ctx context.Context, query string, fn func(scan func(...any) error) error, args ...any) error {
	rows, err := d.t.query(ctx, dollar(query), args...)
	if err != nil {
		return unavailable(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return unavailable(rows.Err())
}

func (t *Tx) ConsentNotice(ctx context.Context, system string, version int) (*accord.ConsentNotice, error) {
	return consentsql.Notice(ctx, consentDB{t}, system, version)
}

func (t *Tx) ConsentNoticeVersion(ctx context.Context, system string) (int, error) {
	return consentsql.NoticeVersion(ctx, consentDB{t}, system)
}

func (t *Tx) ConsentNotices(ctx context.Context) ([]accord.ConsentNotice, error) {
	return consentsql.Notices(ctx, consentDB{t})
}

func (t *Tx) ConsentEvents(ctx context.Context, q accord.ConsentEventQuery) ([]accord.ConsentEvent, error) {
	return consentsql.Events(ctx, consentDB{t}, q)
}

func (t *Tx) ConsentSubject(ctx context.Context, pseudonym string) (*accord.ConsentSubject, error) {
	return consentsql.Subject(ctx, consentDB{t}, pseudonym)
}

func (t *Tx) AddConsentNotice(ctx context.Context, n accord.ConsentNotice) error {
	return consentsql.AddNotice(ctx, consentDB{t}, n)
}

func (t *Tx) PutConsentSubject(ctx context.Context, s accord.ConsentSubject) error {
	return consentsql.PutSubject(ctx, consentDB{t}, s)
}

func (t *Tx) AddConsentEvent(ctx context.Context, e accord.ConsentEvent) error {
	return consentsql.AddEvent(ctx, consentDB{t}, e)
}

func (t *Tx) EraseConsentEvents(ctx context.Context, pseudonym string) (int, error) {
	return consentsql.EraseEvents(ctx, consentDB{t}, pseudonym)
}

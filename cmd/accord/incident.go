package main

import (
	"context"
	"errors"

	"github.com/accord-gov/accord"
)

// accord migrate-store carries the incident tables: the tee and the digest
// that compare the two stores see their rows.

func (t teeWriter) Incident(ctx context.Context, r accord.IncidentRow) error {
	return errors.Join(t.a.Incident(ctx, r), t.b.Incident(ctx, r))
}

func (d *digest) Incident(_ context.Context, r accord.IncidentRow) error {
	return d.row("incident", 0, r)
}

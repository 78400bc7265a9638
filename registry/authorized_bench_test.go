package registry

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/postgres"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/sqlite"
)

// BenchmarkAuthorized is what re-reading the caller's token costs each
// write inside the log's batch transaction, on both stores: the reads run
// in one write transaction, as a batch's writes do.
func BenchmarkAuthorized(b *testing.B) {
	ctx := context.Background()
	stores := map[string]func(b *testing.B) accord.Store{
		"sqlite": func(b *testing.B) accord.Store {
			db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "a.db"))
			if err != nil {
				b.Fatal(err)
			}
			return db
		},
		"postgres": func(b *testing.B) accord.Store {
			db, err := postgres.Open(ctx, pgtest.DSN(b), postgres.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return db
		},
	}
	for _, name := range []string{"sqlite", "postgres"} {
		s := stores[name](b)
		defer s.Close()
		// A table of 1000 tokens; each caller holds one.
		callers := make([]*Caller, 1000)
		err := s.Update(ctx, func(tx accord.WriteTx) error {
			for i := range callers {
				t := accord.Token{ID: newID("tok"), Org: newID("org"), Created: time.Now()}
				if err := tx.CreateToken(ctx, t, TokenHash(NewSecret())); err != nil {
					return err
				}
				callers[i] = &Caller{Token: t}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		// same_token: one caller writes the whole batch (bulk filing): the
		// store reads its token once per transaction. distinct_tokens: every
		// write of the batch comes from another token, each read from the
		// table (transactions of 1000 writes; their commits are timed too).
		for _, sub := range []string{"same_token", "distinct_tokens"} {
			b.Run(name+"/"+sub, func(b *testing.B) {
				for done := 0; done < b.N; {
					err := s.Update(ctx, func(tx accord.WriteTx) error {
						for k := 0; k < len(callers) && done < b.N; k, done = k+1, done+1 {
							c := callers[0]
							if sub == "distinct_tokens" {
								c = callers[k]
							}
							if err := authorized(ctx, tx, c); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

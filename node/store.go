package node

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/postgres"
	"github.com/accord-gov/accord/sqlite"
)

// OpenStore opens the store a --db value names: "" for SQLite in dataDir,
// "sqlite:PATH", or a PostgreSQL URL ("postgres://…" or "postgresql://…").
// A PostgreSQL server that does not answer is retried for ACCORD_DB_WAIT
// (a Go duration, default 10s), then reported once with its host and
// database, never its password, so a supervisor does not restart into a loop
// of crashes while the database starts.
func OpenStore(ctx context.Context, dsn, dataDir string, logger *slog.Logger) (accord.Store, error) {
	switch {
	case dsn == "":
		if dataDir == "" {
			return nil, fmt.Errorf("no database: give --db sqlite:PATH or postgres://…")
		}
		return sqlite.Open(ctx, filepath.Join(dataDir, DBFile))
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("--db sqlite: needs a path, e.g. sqlite:/var/lib/accord/accord.db")
		}
		return sqlite.Open(ctx, path)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		wait := 10 * time.Second
		if v := os.Getenv("ACCORD_DB_WAIT"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return nil, fmt.Errorf("ACCORD_DB_WAIT %q: use a duration such as 30s", v)
			}
			wait = d
		}
		db, err := postgres.Open(ctx, dsn, postgres.Options{ConnectWait: wait, Logger: logger})
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	return nil, fmt.Errorf("--db %q: unknown store; use sqlite:PATH, postgres://user@host/database, or leave it empty for SQLite in the data directory", redactDSN(dsn))
}

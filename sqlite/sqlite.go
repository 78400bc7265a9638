// Package sqlite is the node's embedded store: one SQLite file (WAL mode,
// synchronous=FULL so a commit is on disk before a write is acknowledged),
// through modernc.org/sqlite, which needs no cgo.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/accord-gov/accord"
)

//go:embed migrations/*.sql
var migrations embed.FS

// SchemaVersion is the newest schema this binary knows.
var SchemaVersion = func() int {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	return len(names)
}()

// DB is a SQLite store. It implements accord.Store.
type DB struct {
	path   string
	writer *sql.DB // one connection: SQLite has one writer at a time
	reader *sql.DB
}

var _ accord.Store = (*DB)(nil)

// Open opens (creating if needed) the database at path and migrates it.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32768)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	writer, err := sql.Open("sqlite", base+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	db := &DB{path: path, writer: writer}
	if err := db.migrate(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := sql.Open("sqlite", base+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	db.reader = reader
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	err := db.writer.Close()
	if db.reader != nil {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite %s: %w", db.path, err)
	}
	defer conn.Close()
	var current int
	if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&current); err != nil {
		return fmt.Errorf("sqlite %s: read schema version: %w", db.path, err)
	}
	if current > len(names) {
		return fmt.Errorf("sqlite %s: the database has schema version %d, newer than this binary's %d: run a newer accord", db.path, current, len(names))
	}
	for i := current; i < len(names); i++ {
		ddl, err := migrations.ReadFile(names[i])
		if err != nil {
			return err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(ddl)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite %s: migration %s: %w", db.path, names[i], err)
		}
		if _, err := tx.ExecContext(ctx, `PRAGMA user_version = `+strconv.Itoa(i+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlite %s: migration %s: %w", db.path, names[i], err)
		}
	}
	return nil
}

// View runs fn in a read transaction (a snapshot, in WAL mode).
func (db *DB) View(ctx context.Context, fn func(accord.ReadTx) error) error {
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return unavailable(err)
	}
	defer tx.Rollback()
	return fn(&Tx{tx: tx})
}

// Update runs fn in a write transaction (BEGIN IMMEDIATE) and commits.
func (db *DB) Update(ctx context.Context, fn func(accord.WriteTx) error) error {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return unavailable(err)
	}
	t := &Tx{tx: tx}
	if err := fn(t); err != nil {
		tx.Rollback()
		return err
	}
	if err := t.flushFTS(ctx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return unavailable(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// unavailable marks database failures so the API answers 503, not 500.
func unavailable(err error) error {
	if err == nil || accord.ErrorCode(err) != accord.EInternal {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", accord.Errorf(accord.EUnavailable, "the database is unavailable"), err)
}

// isConstraint reports a UNIQUE or PRIMARY KEY violation.
func isConstraint(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// placeholders returns "?,?,…" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

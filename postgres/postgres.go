// Package postgres is the node's shared store: PostgreSQL through
// github.com/jackc/pgx/v5 (pgxpool). Several nodes may point at one
// database: migrations run under an advisory lock, and the log sequencer's
// transactions serialise on a transaction-scoped advisory lock (LockLog), so
// log indexes stay gap-free and single-writer.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/accord-gov/accord"
)

//go:embed migrations/*.sql
var migrations embed.FS

// SchemaVersion is the newest schema this binary knows.
var SchemaVersion = func() int {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	return len(names)
}()

// Options configure Open.
type Options struct {
	// ConnectWait is how long Open keeps retrying a server it cannot reach
	// (e.g. while both start up) before it gives up; 0 tries once.
	ConnectWait time.Duration
	Logger      *slog.Logger
}

// DB is a PostgreSQL store. It implements accord.Store.
type DB struct {
	pool    *pgxpool.Pool
	where   string // host:port/database, for messages: never the password
	schema  string
	logLock int64 // advisory lock key of this schema's log
}

var _ accord.Store = (*DB)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string; search_path selects the schema) and migrates it.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgconn redacts the password from its parse errors.
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// Readers each hold a connection for a request; the default (4 on
		// this kind of machine) queues searches behind each other.
		cfg.MaxConns = 16
	}
	if !strings.Contains(dsn, "connect_timeout") {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	cfg.AfterConnect = durableCommits
	db := &DB{where: Where(cfg.ConnConfig.Config)}
	deadline := time.Now().Add(opt.ConnectWait)
	for wait := 250 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		db.pool, err = pgxpool.NewWithConfig(ctx, cfg.Copy())
		if err != nil {
			return nil, fmt.Errorf("postgres at %s: %w", db.where, err)
		}
		err = db.pool.Ping(ctx)
		if err == nil {
			break
		}
		db.pool.Close()
		left := time.Until(deadline)
		if ctx.Err() != nil || left <= 0 {
			return nil, fmt.Errorf("postgres at %s: cannot connect: %w", db.where, err)
		}
		opt.Logger.Warn("waiting for PostgreSQL", "at", db.where, "err", err)
		select {
		case <-time.After(min(wait, left)):
		case <-ctx.Done():
			return nil, fmt.Errorf("postgres at %s: cannot connect: %w", db.where, ctx.Err())
		}
	}
	var schema *string
	if err := db.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("postgres at %s: %w", db.where, err)
	}
	if schema == nil {
		db.pool.Close()
		return nil, fmt.Errorf("postgres at %s: no schema of the search_path exists: create it (CREATE SCHEMA …) or fix search_path", db.where)
	}
	db.schema = *schema
	db.logLock = lockKey("accord log", db.schema)
	if err := db.migrate(ctx); err != nil {
		db.pool.Close()
		return nil, err
	}
	var commits string
	if err := db.pool.QueryRow(ctx, `SELECT reset_val FROM pg_settings WHERE name = 'synchronous_commit'`).Scan(&commits); err == nil && commits == "off" {
		opt.Logger.Warn("synchronous_commit is off on this PostgreSQL server (or for this role or database): the node turns it on for its own connections, since it acknowledges a write only once it is on disk", "at", db.where)
	}
	var autovacuum string
	if err := db.pool.QueryRow(ctx, `SELECT current_setting('autovacuum')`).Scan(&autovacuum); err == nil && autovacuum != "on" {
		opt.Logger.Warn("autovacuum is off on this PostgreSQL server: run VACUUM ANALYZE regularly, or searches slow down as the registry grows", "at", db.where)
	}
	return db, nil
}

// durableCommits turns synchronous_commit back on for a new connection
// where the server, database or role turned it off: a commit would then be
// acknowledged before it reaches the server's disk, and a crash of the
// server would lose writes the node had acknowledged (TestPostgresServerCrash
// saw it). Settings that wait longer (remote_apply…) or that are as
// durable on this server (local) are kept.
func durableCommits(ctx context.Context, conn *pgx.Conn) error {
	var v string
	if err := conn.QueryRow(ctx, `SELECT current_setting('synchronous_commit')`).Scan(&v); err != nil {
		return err
	}
	if v != "off" {
		return nil
	}
	_, err := conn.Exec(ctx, `SET synchronous_commit = on`)
	return err
}

// Where formats a connection's host, port and database for messages.
func Where(c pgconn.Config) string {
	return net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))) + "/" + c.Database
}

// lockKey is a 64-bit advisory lock key for a purpose in one schema:
// advisory locks are database-wide, and each schema is its own node.
func lockKey(purpose, schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte(purpose + "\x00" + schema))
	return int64(h.Sum64())
}

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Pool is the connection pool, for tools and tests.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Schema is the schema the store lives in.
func (db *DB) Schema() string { return db.schema }

// migrate applies the embedded migrations the schema lacks. Nodes starting
// together take turns on a session advisory lock, so each migration runs once.
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres at %s: %w", db.where, err)
	}
	defer conn.Release()
	key := lockKey("accord migrate", db.schema)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return fmt.Errorf("postgres at %s: take the migration lock: %w", db.where, err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS accord_schema (version integer NOT NULL)`); err != nil {
		return fmt.Errorf("postgres at %s: %w", db.where, err)
	}
	var current int
	err = conn.QueryRow(ctx, `SELECT version FROM accord_schema`).Scan(&current)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres at %s: read schema version: %w", db.where, err)
	}
	if current > len(names) {
		return fmt.Errorf("postgres at %s (schema %s): the database has schema version %d, newer than this binary's %d: run a newer accord", db.where, db.schema, current, len(names))
	}
	for i := current; i < len(names); i++ {
		ddl, err := migrations.ReadFile(names[i])
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(ddl)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM accord_schema`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO accord_schema (version) VALUES ($1)`, i+1)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres at %s: migration %s: %w", db.where, names[i], err)
		}
	}
	return nil
}

// begin starts a transaction, retrying once on a pooled connection that
// died while idle (nothing was sent, so a retry is safe).
func (db *DB) begin(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	for attempt := 0; ; attempt++ {
		tx, err := db.pool.BeginTx(ctx, opts)
		if err == nil {
			return tx, nil
		}
		if attempt < 2 && pgconn.SafeToRetry(err) && ctx.Err() == nil {
			continue
		}
		return nil, unavailable(fmt.Errorf("postgres at %s: begin: %w", db.where, err))
	}
}

// View runs fn in a read-only REPEATABLE READ transaction: one snapshot.
func (db *DB) View(ctx context.Context, fn func(accord.ReadTx) error) error {
	tx, err := db.begin(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return fn(&Tx{db: db, tx: tx})
}

// Update runs fn in a READ COMMITTED transaction and commits. Writes that
// must not interleave (the log's) serialise on LockLog; READ COMMITTED then
// lets the statements after the lock see what the previous holder committed.
func (db *DB) Update(ctx context.Context, fn func(accord.WriteTx) error) error {
	tx, err := db.begin(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	if err := fn(&Tx{db: db, tx: tx}); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable(fmt.Errorf("postgres at %s: commit: %w", db.where, err))
	}
	return nil
}

// unavailable marks failures of the database (connection lost, server
// shutting down, out of resources) so the API answers 503, not 500.
// Errors that mean a bug in a statement stay internal.
func unavailable(err error) error {
	if err == nil || accord.ErrorCode(err) != accord.EInternal {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "08", "40", "53", "57", "58", "XX":
		default:
			return err
		}
	}
	return fmt.Errorf("%w: %w", accord.Errorf(accord.EUnavailable, "the database is unavailable"), err)
}

// isUnique reports a unique or primary key violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

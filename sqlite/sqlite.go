// Package sqlite is the node's embedded store: one SQLite file (WAL mode,
// synchronous=NORMAL plus an explicit fsync of the WAL before any write is
// acknowledged: see Sync),
// through modernc.org/sqlite, which needs no cgo.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	path      string
	writer    *sql.DB // one connection: SQLite has one writer at a time
	reader    *sql.DB
	ckpt      *sql.DB // the background checkpointer's connection
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	walMu     sync.Mutex
	wal       *os.File     // the WAL file, kept open to fsync it
	pageSize  int          // bytes per page, to size the WAL from its frame count
	truncated atomic.Int64 // WAL truncations that completed
	// Statements prepared once on the database handles, which transactions
	// reuse (see Tx.stmt).
	readStmts, writeStmts stmtCache
	// durable is the size of the largest checkpoint a Sync has made
	// durable: read transactions see no later one (see View).
	durable atomic.Int64
}

// stmtCache holds statements prepared on one *sql.DB, by query. A
// statement is prepared on the handle in the background, the first time a
// transaction asks for it: a transaction cannot prepare on the handle
// itself, since it holds a connection (the writer's only one) that the
// preparation may wait for. Queries are built from a fixed set, but some
// have a variable number of placeholders: past maxShared the cache takes no
// more, and transactions prepare the rest themselves.
type stmtCache struct {
	db *sql.DB
	m  sync.Map // query → *sql.Stmt, or nil while it is being prepared
	n  atomic.Int64
}

const maxShared = 512

// get returns the shared statement for query, or nil if there is none yet.
func (c *stmtCache) get(query string) *sql.Stmt {
	if s, ok := c.m.Load(query); ok {
		st, _ := s.(*sql.Stmt)
		return st
	}
	if c.n.Load() >= maxShared {
		return nil
	}
	if _, loaded := c.m.LoadOrStore(query, nil); loaded {
		return nil
	}
	c.n.Add(1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := c.db.PrepareContext(ctx, query)
		if err != nil {
			c.m.Delete(query) // e.g. the database closed; a later use tries again
			c.n.Add(-1)
			return
		}
		c.m.Store(query, s)
	}()
	return nil
}

var _ accord.SyncedStore = (*DB)(nil)

// Open opens (creating if needed) the database at path and migrates it.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	// foreign_keys stays off: the one reference (system_facets → systems) is
	// kept by PutSystem, and checking it on every facet row cost more than
	// the row. The writer never checkpoints: a background checkpointer does,
	// so that the log's sequencer only commits (see checkpointer).
	//
	// synchronous=NORMAL: a commit writes the WAL but does not fsync it;
	// Update (and the log sequencer, through Sync) fsyncs the WAL file before
	// it returns, so every acknowledged write is on disk, as with FULL, while
	// the sequencer can run the next batch during the fsync. Checkpoints still
	// sync the WAL before copying it (SQLite does so in NORMAL mode).
	pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(" + strconv.Itoa(busyTimeout) + ")&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32768)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	writer, err := sql.Open("sqlite", base+"?"+pragmas+"&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit("+strconv.Itoa(maxWAL)+")&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	db := &DB{path: path, writer: writer}
	db.writeStmts.db = writer
	if err := db.migrate(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	// Readers map the file (up to 2 GiB, SQLite's built-in bound) instead of
	// reading each page with a system call: whole-registry reads such as
	// re-classification took twice as long without.
	reader, err := sql.Open("sqlite", base+"?"+pragmas+"&_pragma=query_only(1)&_pragma=mmap_size(2147483648)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	db.reader = reader
	db.readStmts.db = reader
	ckpt, err := sql.Open("sqlite", base+"?"+pragmas)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	db.ckpt = ckpt
	if err := writer.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&db.pageSize); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// What a crashed process committed may still be only in the page
	// cache: make it durable before a reader sees its checkpoints.
	if err := db.Sync(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.stop, db.done = make(chan struct{}), make(chan struct{})
	go db.checkpointer()
	return db, nil
}

// maxWAL is the size past which the checkpointer briefly holds writers back
// to empty the WAL; checkpointInterval is how often it copies the WAL back
// into the database (a variable, for a test).
const (
	maxWAL      = 64 << 20
	busyTimeout = 10000 // ms a connection waits for a lock another holds
)

var checkpointInterval = 250 * time.Millisecond

// Test hooks (set by this package's tests only, through hooks_test.go):
// the crash test stops the process between a commit and its fsync, and
// learns how much of the WAL each fsync made durable.
var (
	testHookBeforeSync func(walSize int64) // the WAL holds walSize bytes; its fsync comes next
	testHookAfterSync  func(walSize int64) // the first walSize bytes of the WAL are durable
)

// checkpointer copies committed WAL frames into the database file in the
// background (PRAGMA wal_checkpoint(PASSIVE): it never blocks writers or
// readers). Durability does not depend on it: a commit is durable once its
// WAL frames are synced. It only keeps the WAL from growing.
func (db *DB) checkpointer() {
	defer close(db.done)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			// Leave a small WAL behind on a clean shutdown.
			db.ckpt.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			return
		case <-t.C:
			// The result says how many frames the WAL holds since it was
			// last reset. A passive checkpoint that copies all of them lets
			// the next writer start the WAL over, and journal_size_limit
			// then truncates the file: most of the time nothing more is
			// needed. Only when the frames keep piling up (readers always
			// on an old snapshot, or writes without a pause) does it
			// truncate: that holds writers back, so it must not run on every
			// tick just because the file once grew (it did, and halved
			// re-classification's speed).
			var busy, frames, copied int
			if err := db.ckpt.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err == nil && frames*db.pageSize > maxWAL {
				db.truncateWAL()
			}
		}
	}
}

// truncateWAL checkpoints the whole WAL and empties the file. Writes that
// follow each other without a pause (bulk filing, re-classification) never
// let the WAL start over: a writer starts it over only when it begins with
// every frame already copied, and the next transaction begins at once.
// TRUNCATE needs the write lock. Run from the checkpoint connection, it
// polled for a gap between two transactions for the whole busy timeout
// (10 s), gave up, and no checkpoint ran meanwhile: the WAL grew past a
// gigabyte during a re-classification. On the writer's own connection it
// takes its turn between transactions (database/sql queues it) and holds
// writers back only while it copies what is left and syncs, tens of
// milliseconds; it waits for readers at most a quarter of a second.
func (db *DB) truncateWAL() {
	ctx := context.Background()
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 250`); err != nil {
		return
	}
	var busy, frames, copied int
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied); err == nil && busy == 0 {
		db.truncated.Add(1)
	}
	// The connection goes back to the pool with the writers' timeout, or
	// is dropped.
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.Itoa(busyTimeout)); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// Close closes the database.
func (db *DB) Close() error {
	if db.stop != nil {
		db.closeOnce.Do(func() { close(db.stop) })
		<-db.done
		db.ckpt.Close()
	}
	db.walMu.Lock()
	if db.wal != nil {
		db.wal.Close()
		db.wal = nil
	}
	db.walMu.Unlock()
	err := db.writer.Close()
	if db.reader != nil {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// ReadConns is the size of the readers' connection pool.
func (db *DB) ReadConns() int { return db.reader.Stats().MaxOpenConnections }

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

// View runs fn in a read transaction (a snapshot, in WAL mode). The
// snapshot may hold commits not yet durable (the log's sequencer commits a
// batch, then Sync makes it durable while the next batch runs), but its
// Checkpoint and Checkpoints show only checkpoints a Sync made durable:
// the log never shows a checkpoint that a crash of the machine could take
// back, and so never forks from what a witness saw.
func (db *DB) View(ctx context.Context, fn func(accord.ReadTx) error) error {
	bound := db.durable.Load() // before the snapshot: the snapshot holds at least this
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return unavailable(err)
	}
	defer tx.Rollback()
	return fn(&Tx{tx: tx, shared: &db.readStmts, durableOnly: true, durable: bound})
}

// Update runs fn in a write transaction (BEGIN IMMEDIATE), commits, and
// returns once the commit is durable.
func (db *DB) Update(ctx context.Context, fn func(accord.WriteTx) error) error {
	if err := db.UpdateDeferred(ctx, fn); err != nil {
		return err
	}
	return db.Sync(ctx)
}

// Sync makes every commit so far durable: it fsyncs the WAL file, where
// SQLite appends commits in order. Then readers may see the checkpoints
// those commits hold.
func (db *DB) Sync(ctx context.Context) error {
	db.walMu.Lock()
	defer db.walMu.Unlock()
	// Every checkpoint committed before this read is in the WAL file
	// before the stat below, so the fsync covers it.
	var latest int64
	if err := db.writerOrReader().QueryRowContext(ctx, `SELECT COALESCE(MAX(size), 0) FROM checkpoints`).Scan(&latest); err != nil {
		return unavailable(fmt.Errorf("sync: %w", err))
	}
	walPath := db.path + "-wal"
	st, err := os.Stat(walPath)
	if errors.Is(err, os.ErrNotExist) {
		db.durable.Store(max(db.durable.Load(), latest))
		return nil // nothing in a WAL: what is committed is in the database file
	}
	if err != nil {
		return unavailable(fmt.Errorf("sync: %w", err))
	}
	if db.wal != nil {
		if cur, err := db.wal.Stat(); err != nil || !os.SameFile(cur, st) {
			db.wal.Close()
			db.wal = nil
		}
	}
	if db.wal == nil {
		if db.wal, err = os.Open(walPath); err != nil {
			return unavailable(fmt.Errorf("sync: %w", err))
		}
	}
	if testHookBeforeSync != nil {
		testHookBeforeSync(st.Size())
	}
	if err := db.wal.Sync(); err != nil {
		return unavailable(fmt.Errorf("sync %s: %w", walPath, err))
	}
	db.durable.Store(max(db.durable.Load(), latest)) // only Sync stores it, under walMu
	if testHookAfterSync != nil {
		testHookAfterSync(st.Size())
	}
	return nil
}

// UpdateDeferred runs fn in a write transaction and commits, without
// waiting for the commit to reach the disk (see Sync).
func (db *DB) UpdateDeferred(ctx context.Context, fn func(accord.WriteTx) error) error {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return unavailable(err)
	}
	t := &Tx{tx: tx, shared: &db.writeStmts}
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

// writerOrReader is the reader pool once Open made it, else the writer.
func (db *DB) writerOrReader() *sql.DB {
	if db.reader != nil {
		return db.reader
	}
	return db.writer
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

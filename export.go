package accord

import (
	"context"

	"golang.org/x/mod/sumdb/tlog"
)

// Moving a node to another store (`accord migrate-store`) copies every row of
// one store into an empty one. The log's entries, Merkle hashes and signed
// checkpoints travel as bytes, so the moved log is the same log: same tiles,
// same checkpoints, and the next entry continues it.

// Dumper is a store that can write out its whole state.
type Dumper interface {
	// Dump calls w for every row, read from one consistent snapshot, table by
	// table: meta, organizations, tokens, systems, system versions,
	// idempotency keys, log entries, log hashes, checkpoints.
	Dump(ctx context.Context, w DumpWriter) error
}

// Loader is a store that can take a whole state.
type Loader interface {
	// Load runs fn with a writer into the store inside one transaction, and
	// commits if fn returns nil. The store must be empty (EConflict if not).
	Load(ctx context.Context, fn func(DumpWriter) error) error
}

// DumpWriter receives a store's rows. Seq is a row's position in its store's
// listing order (organizations oldest first, systems newest last); a loader
// keeps it so that listing order and pagination cursors survive the move.
type DumpWriter interface {
	Meta(ctx context.Context, key string, value []byte) error
	Organization(ctx context.Context, seq int64, o Organization) error
	Token(ctx context.Context, t Token, hash []byte) error
	System(ctx context.Context, seq int64, s System, summary SystemSummary, doc SearchDoc) error
	SystemVersion(ctx context.Context, v SystemVersion) error
	Idempotency(ctx context.Context, i Idempotency) error
	// LogEntries and LogHashes come in index order, in chunks.
	LogEntries(ctx context.Context, start int64, entries [][]byte) error
	LogHashes(ctx context.Context, start int64, hashes []tlog.Hash) error
	Checkpoint(ctx context.Context, size int64, note []byte) error
}

// DumpChunk is how many log entries or hashes a Dumper passes in one call.
const DumpChunk = 1024

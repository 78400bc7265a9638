package sqlite

import "time"

// SetSyncHooks sets functions Sync calls just before and just after it
// fsyncs the WAL, with the WAL's size when Sync began (every byte of it
// is durable once the fsync returns). For crash tests, in the process
// under test; never restored.
func SetSyncHooks(before, after func(walSize int64)) {
	testHookBeforeSync, testHookAfterSync = before, after
}

// StopCheckpoints keeps the background checkpointer from copying the WAL
// into the database file: the WAL only grows, so that a test can model a
// power cut as the loss of everything past its last fsync.
func StopCheckpoints() { checkpointInterval = 24 * time.Hour }

package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/accord-gov/accord"
)

// TestCheckpointsShownOnceDurable: a checkpoint committed but not yet made
// durable by Sync is not shown to readers (the log's sequencer commits a
// batch and syncs it while the next one runs; a power cut in between would
// take the checkpoint back after a witness saw it). Writers see it at once;
// a reopened database shows what it holds.
func TestCheckpointsShownOnceDurable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	put := func(size int64) {
		t.Helper()
		err := db.UpdateDeferred(ctx, func(tx accord.WriteTx) error {
			if err := tx.PutCheckpoint(ctx, size, []byte{byte('a' + size)}); err != nil {
				return err
			}
			cp, err := tx.Checkpoint(ctx)
			if err == nil && string(cp) != string([]byte{byte('a' + size)}) {
				t.Errorf("the writer sees checkpoint %q after putting size %d", cp, size)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	shown := func(want string, wantAll int) {
		t.Helper()
		err := db.View(ctx, func(tx accord.ReadTx) error {
			cp, err := tx.Checkpoint(ctx)
			if err != nil {
				return err
			}
			all, err := tx.Checkpoints(ctx, 0, 100)
			if string(cp) != want || len(all) != wantAll {
				t.Errorf("readers see checkpoint %q and %d in all, want %q and %d", cp, len(all), want, wantAll)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put(1)
	shown("", 0)
	if err := db.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	shown("b", 1)
	put(2)
	shown("b", 1)
	if err := db.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	shown("c", 2)
	put(3)
	db.Close()
	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	shown("d", 3)
}

package sqlite

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

// TestWALTruncatesUnderContinuousWrites: while a writer commits one
// transaction after another with nothing between them (re-classification,
// bulk filing), the checkpointer's truncation still gets its turn. Run from
// the checkpoint connection it polled for a pause that never came, for the
// whole 10 s busy timeout, and the WAL grew past a gigabyte.
func TestWALTruncatesUnderContinuousWrites(t *testing.T) {
	// The background checkpointer stays out of the way: the test truncates.
	defer func(every time.Duration) { checkpointInterval = every }(checkpointInterval)
	checkpointInterval = time.Hour
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		value := make([]byte, 16<<10)
		rand.Read(value)
		for {
			select {
			case <-stop:
				close(done)
				return
			default:
			}
			if err := db.UpdateDeferred(ctx, func(tx accord.WriteTx) error {
				for k := range 64 { // 1 MiB; the same keys again: the database stays small
					if err := tx.SetMeta(ctx, fmt.Sprint("k", k), value); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				done <- err
				return
			}
		}
	}()
	for i := range 3 {
		time.Sleep(20 * time.Millisecond) // a few transactions
		start := time.Now()
		db.truncateWAL()
		if n := db.truncated.Load(); n != int64(i+1) {
			t.Errorf("truncation %d did not complete (%s)", i+1, time.Since(start).Round(time.Millisecond))
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

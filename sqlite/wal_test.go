package sqlite

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

// TestWALStaysBoundedUnderContinuousWrites writes without a pause between
// transactions while another goroutine reads, as re-classification does.
// Then the WAL seldom starts over by itself; the checkpointer must truncate
// it.
func TestWALStaysBoundedUnderContinuousWrites(t *testing.T) {
	defer func(limit int, every time.Duration) { maxWAL, checkpointInterval = limit, every }(maxWAL, checkpointInterval)
	maxWAL, checkpointInterval = 1<<20, 10*time.Millisecond
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "accord.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A reader all the while, like re-classification's: some snapshot is
	// always in use, so a passive checkpoint seldom copies every frame.
	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		for {
			select {
			case <-stop:
				close(done)
				return
			default:
			}
			if err := db.View(ctx, func(tx accord.ReadTx) error {
				_, err := tx.Meta(ctx, "k0")
				if accord.ErrorCode(err) == accord.ENotFound {
					err = nil
				}
				return err
			}); err != nil {
				done <- err
				return
			}
		}
	}()
	defer func() {
		close(stop)
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	const total, bound = 64 << 20, 10 << 20
	value := make([]byte, 16<<10)
	largest := int64(0)
	deadline := time.Now().Add(20 * time.Second)
	for written := 0; written < total && time.Now().Before(deadline); written += len(value) {
		rand.Read(value)
		key := fmt.Sprint("k", written/len(value)%64) // the same keys again: the database stays small
		if err := db.UpdateDeferred(ctx, func(tx accord.WriteTx) error {
			return tx.SetMeta(ctx, key, value)
		}); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(path + "-wal"); err == nil {
			largest = max(largest, st.Size())
		}
	}
	if largest > bound {
		t.Errorf("the WAL grew to %d MiB under continuous writes (limit %d MiB)", largest>>20, maxWAL>>20)
	}
	if largest < int64(maxWAL) {
		t.Errorf("the WAL never passed its limit (largest %d bytes): the test wrote too little", largest)
	}
}

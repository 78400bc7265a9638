package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/storetest"
)

func newStore(t *testing.T) accord.Store {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) { storetest.Run(t, newStore) }

package sqlite_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrationNumbersAreUnique: migrations apply in the order of their
// names and a database records how many it applied, so two files with one
// number (branches that each added one) would skip a migration on a
// database that had the other: the numbers must run 001, 002, … without a
// repeat or a gap.
func TestMigrationNumbersAreUnique(t *testing.T) {
	names, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("migrations: %v, %v", names, err)
	}
	for i, n := range names {
		num, _, _ := strings.Cut(filepath.Base(n), "_")
		if want := fmt.Sprintf("%03d", i+1); num != want {
			t.Errorf("migration %s is number %s in order: renumber it (two branches may have added the same number)", n, want)
		}
	}
}

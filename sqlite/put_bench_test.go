package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/sqlite"
)

// BenchmarkPutSystem measures re-indexing existing systems (what a
// re-classification writes), 1000 per transaction.
func BenchmarkPutSystem(b *testing.B) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "accord.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := db
	ctx := context.Background()
	const n = 5000
	doc := func(i int) accord.SearchDoc {
		return accord.SearchDoc{Text: accord.SearchText(fmt.Sprintf("system %d 推荐 crédit scoring of applicants", i)),
			Facets: []string{"country:FR", "domain:employment", "domain:employment.recruitment", "level:high", "framework:eu-ai-act", "tier:eu-ai-act/high", "status:active", "provider:org_x"}}
	}
	put := func(round int) {
		for i := 0; i < n; i += 1000 {
			s.Update(ctx, func(tx accord.WriteTx) error {
				for j := i; j < i+1000; j++ {
					sys := accord.System{ID: fmt.Sprintf("sys_%d", j), Provider: "org_x", Version: 1, Status: "active", Created: time.Now(), Updated: time.Now()}
					if err := tx.PutSystem(ctx, sys, accord.SystemSummary{ID: sys.ID, Level: fmt.Sprint(round)}, doc(j)); err != nil {
						b.Fatal(err)
					}
				}
				return nil
			})
		}
	}
	put(0)
	round := 1
	for b.Loop() {
		put(round)
		round++
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "systems/s")
}

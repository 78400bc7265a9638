package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
)

// Reclassification is one timed re-classification of the whole store.
type Reclassification struct {
	Packs string // which packs: "all", "without X", "all again"
	Stats registry.ReclassifyStats
}

// packsWithout is packs without those listed (comma-separated), each of
// which must be one of them.
func packsWithout(packs []*rules.Pack, list string) ([]*rules.Pack, error) {
	var ids []string
	for _, p := range packs {
		ids = append(ids, p.ID)
	}
	drop := strings.Split(list, ",")
	for _, id := range drop {
		if !slices.Contains(ids, id) {
			return nil, fmt.Errorf("reclassify-without: no pack %q (the packs: %s)", id, strings.Join(ids, ", "))
		}
	}
	return slices.DeleteFunc(slices.Clone(packs), func(p *rules.Pack) bool { return slices.Contains(drop, p.ID) }), nil
}

// reclassify times three re-classifications of every stored system: under
// the node's packs (after filing under them, nothing changes), without some
// packs (every system one of them applies to changes: the work of a rule
// change that moves them all) and with all packs again (the same systems
// change back).
func reclassify(ctx context.Context, cfg Config, packs, without []*rules.Pack, res *Result) error {
	asOf := time.Now().UTC()
	for _, run := range []struct {
		name  string
		packs []*rules.Pack
	}{
		{"all", packs},
		{"without " + cfg.ReclassifyWithout, without},
		{"all again", packs},
	} {
		svc := registry.New(registry.Config{Store: cfg.Store, Packs: run.packs})
		st, err := svc.Reclassify(ctx, asOf)
		if err != nil {
			return fmt.Errorf("reclassify under %s packs: %w", run.name, err)
		}
		fmt.Fprintf(cfg.Progress, "re-classified %d systems under %s packs in %s: %d changed\n", st.Systems, run.name, st.Elapsed.Round(time.Millisecond), st.Changed)
		res.Reclassify = append(res.Reclassify, Reclassification{Packs: run.name, Stats: st})
	}
	return nil
}

package registry

import (
	"strings"
	"testing"
	"time"
)

func TestNewIDSortsByTime(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	prev := ""
	seen := map[string]bool{}
	for i, d := range []time.Duration{0, time.Millisecond, time.Second, time.Hour, 24 * time.Hour, 30 * 365 * 24 * time.Hour} {
		id := newIDAt("sys", t0.Add(d))
		if !strings.HasPrefix(id, "sys_") || len(id) != len("sys_")+20 {
			t.Fatalf("id %q: want sys_ and 20 characters", id)
		}
		if strings.ContainsAny(id[4:], "01lo_") {
			t.Errorf("id %q has a look-alike character", id)
		}
		if i > 0 && id <= prev {
			t.Errorf("id %q made after %q sorts before it", id, prev)
		}
		prev = id
		seen[id] = true
	}
	// Within one millisecond the random part keeps ids apart.
	for range 1000 {
		id := newIDAt("sys", t0)
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
	}
}

package accord

import (
	"maps"
	"slices"
	"testing"
)

func TestClassFacetsRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		level  string
		tiers  map[string]string
		facets []string
	}{
		{"", nil, nil},
		{"not_applicable", nil, []string{"level:not_applicable"}},
		{"high", map[string]string{"eu-ai-act": "high", "cn": "filing_required"},
			[]string{"framework:cn", "framework:eu-ai-act", "level:high", "tier:cn/filing_required", "tier:eu-ai-act/high"}},
	} {
		got := ClassFacets(tt.level, tt.tiers)
		if !slices.Equal(got, tt.facets) {
			t.Errorf("ClassFacets(%q, %v) = %q, want %q", tt.level, tt.tiers, got, tt.facets)
		}
		// Back from the facets, among a filing's, in any order.
		all := append([]string{"status:active", "country:FR"}, got...)
		slices.Reverse(all)
		if among := ClassFacetsAmong(all); !slices.Equal(among, tt.facets) {
			t.Errorf("ClassFacetsAmong(%q) = %q, want %q", all, among, tt.facets)
		}
		level, tiers := ClassOutcome(all)
		if level != tt.level || !maps.Equal(tiers, tt.tiers) {
			t.Errorf("ClassOutcome(%q) = %q, %v; want %q, %v", all, level, tiers, tt.level, tt.tiers)
		}
	}
}

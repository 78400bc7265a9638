package accord

import (
	"slices"
	"testing"
)

func TestDeploymentRegions(t *testing.T) {
	base := Filing{TradeName: Text{"en": "X"}, SystemVersion: "1", Status: "active", IntendedPurpose: Text{"en": "Y"},
		Domains: []string{"general.translation"}, DeploymentCountries: []string{"US", "DE"}}
	tests := []struct {
		regions []string
		ok      bool
	}{
		{[]string{"US-NY-NYC", "US-CO", "DE-BY", "US-CO"}, true},
		{[]string{"FR-IDF"}, false}, // France not listed
		{[]string{"US-"}, false},
		{[]string{"us-co"}, false},
		{[]string{"US-COLO"}, false},
		{[]string{"US-NY-BKLYN"}, false}, // not a known locality
		{[]string{"XX-1"}, false},
	}
	for _, tt := range tests {
		f := base
		f.DeploymentRegions = tt.regions
		n, err := f.Normalize()
		if (err == nil) != tt.ok {
			t.Errorf("regions %v: err %v, want ok=%v", tt.regions, err, tt.ok)
		}
		if tt.ok && !slices.Equal(n.DeploymentRegions, []string{"DE-BY", "US-CO", "US-NY-NYC"}) {
			t.Errorf("regions not sorted and de-duplicated: %v", n.DeploymentRegions)
		}
	}
}

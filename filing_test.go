package accord

import (
	"slices"
	"strings"
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

// TestFactsNormalizeRevenue: a developer's revenue (Cal. Bus. & Prof. Code
// § 22757.11(j)) is an amount of money, so a negative one is refused with
// the field named, and zero or a large one is kept as filed.
func TestFactsNormalizeRevenue(t *testing.T) {
	base := Filing{
		TradeName: Text{"en": "Model"}, SystemVersion: "1", Status: "active",
		IntendedPurpose: Text{"en": "A foundation model."}, Domains: []string{"general.purpose_model"},
		DeploymentCountries: []string{"US"},
	}
	for _, tt := range []struct {
		revenue float64
		bad     bool
	}{{-1, true}, {0, false}, {7.5e8, false}} {
		f := base
		f.Facts.DeveloperAnnualRevenue = &tt.revenue
		got, err := f.Normalize()
		if tt.bad {
			if err == nil || !strings.Contains(err.Error(), "facts.developer_annual_revenue_usd") {
				t.Errorf("revenue %g: error %v, want one naming facts.developer_annual_revenue_usd", tt.revenue, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("revenue %g: %v", tt.revenue, err)
		} else if *got.Facts.DeveloperAnnualRevenue != tt.revenue {
			t.Errorf("revenue %g: kept %g", tt.revenue, *got.Facts.DeveloperAnnualRevenue)
		}
	}
}

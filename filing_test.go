package accord

import (
	"errors"
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

// TestScopeFieldsAndOtherDomain: the filer's roles and the countries where
// it is established and where the output is used are checked like the
// other codes; an "other" domain needs its description, and a description
// needs "other"; an unknown domain is refused with the valid codes listed.
func TestScopeFieldsAndOtherDomain(t *testing.T) {
	base := Filing{TradeName: Text{"en": "X"}, SystemVersion: "1", Status: "active", IntendedPurpose: Text{"en": "Y"},
		Domains: []string{"essential_services.credit_scoring"}, DeploymentCountries: []string{"US"}}
	tests := []struct {
		name   string
		edit   func(*Filing)
		field  string // the field the problem names; "" for a valid filing
		inMsg  string
		sorted func(Filing) bool
	}{
		{"scope lists", func(f *Filing) {
			f.Roles, f.EstablishedIn, f.OutputUsedIn = []string{"provider", "deployer", "provider"}, []string{"US"}, []string{"FR", "DE"}
		}, "", "", func(f Filing) bool {
			return slices.Equal(f.Roles, []string{"deployer", "provider"}) && slices.Equal(f.OutputUsedIn, []string{"DE", "FR"})
		}},
		{"unknown role", func(f *Filing) { f.Roles = []string{"vendor"} }, "roles[0]", "use one of: provider, deployer, importer", nil},
		{"lower-case country of establishment", func(f *Filing) { f.EstablishedIn = []string{"us"} }, "established_in[0]", "upper case", nil},
		{"EU as a country where output is used", func(f *Filing) { f.OutputUsedIn = []string{"EU"} }, "output_used_in[0]", "member states", nil},
		{"other with a description", func(f *Filing) { f.Domains, f.OtherDomain = []string{"other"}, " Beekeeping advice " }, "", "", func(f Filing) bool { return f.OtherDomain == "Beekeeping advice" }},
		{"other without a description", func(f *Filing) { f.Domains = []string{"other", "agriculture"} }, "other_domain", `is required when domains lists "other"`, nil},
		{"description without other", func(f *Filing) { f.OtherDomain = "Beekeeping" }, "other_domain", `add "other" to domains`, nil},
		{"unknown domain", func(f *Filing) { f.Domains = []string{"gaming"} }, "domains[0]", "use one of: biometrics.remote_identification, ", nil},
	}
	for _, tt := range tests {
		f := base
		tt.edit(&f)
		n, err := f.Normalize()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else if tt.sorted != nil && !tt.sorted(n) {
				t.Errorf("%s: not normalised: %+v", tt.name, n)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v, want problems", tt.name, err)
			continue
		}
		found := false
		for _, fe := range e.Fields {
			if fe.Field == tt.field && strings.Contains(fe.Message, tt.inMsg) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: %v; want %s: …%s…", tt.name, err, tt.field, tt.inMsg)
		}
	}
	// Every valid domain code is in the list the message gives.
	f := base
	f.Domains = []string{"gaming"}
	_, err := f.Normalize()
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) != 1 {
		t.Fatalf("unknown domain: %v", err)
	}
	for _, c := range []string{"entertainment.video_games", "defence.military", "biometrics.verification", "other"} {
		if !strings.Contains(e.Fields[0].Message, c) {
			t.Errorf("unknown domain: %q does not list %s", e.Fields[0].Message, c)
		}
	}
}

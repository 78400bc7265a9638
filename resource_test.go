package accord

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseLicence(t *testing.T) {
	tests := []struct {
		name, in, want, err string
		refs                []string
	}{
		{name: "single id", in: "MIT", want: "MIT"},
		{name: "case folded to the list's spelling", in: "apache-2.0 or mit", want: "Apache-2.0 OR MIT"},
		{name: "plus becomes or-later", in: "GPL-2.0+", want: "GPL-2.0-or-later"},
		{name: "with exception", in: "GPL-2.0-only WITH classpath-exception-2.0", want: "GPL-2.0-only WITH Classpath-exception-2.0"},
		{name: "parentheses", in: "( MIT AND CC-BY-4.0 ) OR Apache-2.0", want: "(MIT AND CC-BY-4.0) OR Apache-2.0"},
		{name: "data licences of the list", in: "CDLA-Permissive-2.0 OR ODbL-1.0 OR OpenMDW-1.0", want: "CDLA-Permissive-2.0 OR ODbL-1.0 OR OpenMDW-1.0"},
		{name: "LicenseRef for a model licence", in: "licenseref-hf-llama3", want: "LicenseRef-hf-llama3", refs: []string{"LicenseRef-hf-llama3"}},
		{name: "DocumentRef", in: "DocumentRef-card:LicenseRef-openrail-m AND MIT", want: "DocumentRef-card:LicenseRef-openrail-m AND MIT", refs: []string{"DocumentRef-card:LicenseRef-openrail-m"}},
		{name: "unknown id", in: "FOO-1.0", err: "not a licence of the SPDX License List 3.29.0"},
		{name: "dangling operator", in: "MIT AND", err: "not a valid SPDX expression"},
		{name: "exception that is no exception", in: "MIT WITH MIT", err: "not an exception"},
		{name: "deprecated id", in: "GPL-2.0", err: "deprecated SPDX id: use GPL-2.0-only or GPL-2.0-or-later"},
		{name: "bad character", in: "MIT; rm", err: "only letters"},
		{name: "empty", in: "  ", err: "is empty"},
		{name: "LicenseRef with bad idstring", in: "LicenseRef-a_b", err: "only letters"},
		{name: "unbalanced", in: "(MIT OR Apache-2.0", err: "not a valid SPDX expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, refs, err := ParseLicence(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseLicence(%q) = %q, %v; want error with %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want || !slices.Equal(refs, tt.refs) {
				t.Fatalf("ParseLicence(%q) = %q, %v, %v; want %q, %v", tt.in, got, refs, err, tt.want, tt.refs)
			}
			again, _, err := ParseLicence(got)
			if err != nil || again != got {
				t.Fatalf("canonical form %q does not parse to itself: %q, %v", got, again, err)
			}
		})
	}
	if v := SPDXListVersion(); v != "3.29.0" {
		t.Errorf("SPDX list version %s; the docs and messages say 3.29.0", v)
	}
}

// eligibilityCases are named after the rule they exercise.
var eligibilityTerms = map[string]AccessTerms{
	"free-for-all":       {Mode: "open", Fee: FeeTerms{Standard: "free"}},
	"paid-ldc-waiver":    {Mode: "on_request", Fee: FeeTerms{Standard: "paid", Waivers: []Waiver{{Group: GroupLDC, Percent: 100}}}},
	"paid-low-income-50": {Mode: "on_request", Fee: FeeTerms{Standard: "paid", Waivers: []Waiver{{Group: GroupLowOrLowerMiddle, Percent: 50}, {Countries: []string{"KE"}, Percent: 100}}}},
	"eu-disallowed":      {Mode: "gated", Excluded: []string{"DE", "FR"}, Fee: FeeTerms{Standard: "free"}},
	"only-east-africa":   {Mode: "on_request", Only: []string{"KE", "TZ", "UG"}, Fee: FeeTerms{Standard: "free"}},
	"academia-only-paid": {Mode: "on_request", Sectors: []string{"academia"}, Fee: FeeTerms{Standard: "paid"}},
}

// TestEligibilityGolden answers every term set for requesters in and out
// of the LDC list and the World Bank groups; the answers are in
// testdata/resource_eligibility.golden (go test -run TestEligibilityGolden -update).
func TestEligibilityGolden(t *testing.T) {
	requesters := []struct{ country, sector string }{
		{"MW", "academia"},  // Malawi: LDC, low income
		{"KE", "academia"},  // Kenya: not an LDC, lower-middle income
		{"BD", "nonprofit"}, // Bangladesh: LDC (2024 list)
		{"IN", "company"},   // India: lower-middle income, not an LDC
		{"FR", "academia"},  // France: high income
		{"BR", "government"},
	}
	var b strings.Builder
	names := make([]string, 0, len(eligibilityTerms))
	for n := range eligibilityTerms {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		terms, err := normalizeTerms(eligibilityTerms[n])
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		for _, r := range requesters {
			e := EligibilityOf(terms, r.country, r.sector)
			j, _ := json.Marshal(e)
			fmt.Fprintf(&b, "%s %s/%s %s\n", n, r.country, r.sector, j)
		}
	}
	golden(t, "resource_eligibility.golden", b.String())
	// The case of the issue: a university in Malawi, free.
	e := EligibilityOf(eligibilityTerms["paid-ldc-waiver"], "MW", "academia")
	if !e.Usable || e.Fee != "free" || !slices.Contains(e.Reasons, "waiver:un-ldc") {
		t.Errorf("Malawi under an LDC waiver: %+v", e)
	}
	if e := EligibilityOf(eligibilityTerms["paid-ldc-waiver"], "KE", "academia"); e.Fee != "paid" {
		t.Errorf("Kenya is not an LDC: %+v", e)
	}
}

func normalizeTerms(t AccessTerms) (AccessTerms, error) {
	var p Problems
	t = t.normalize("terms", &p)
	return t, p.Err()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (UPDATE_GOLDEN=1 writes it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (UPDATE_GOLDEN=1 rewrites it):\n%s", name, got)
	}
}

func TestCountryGroups(t *testing.T) {
	ldc, _ := CountryGroupByCode(GroupLDC)
	if len(ldc.Members) != 44 {
		t.Errorf("UN LDC list of December 2024 has 44 countries, got %d", len(ldc.Members))
	}
	for _, g := range CountryGroups {
		for _, c := range g.Members {
			if !ValidCountry(c) {
				t.Errorf("%s: %q is not a country code", g.Code, c)
			}
		}
		if !slices.IsSorted(g.Members) {
			t.Errorf("%s not sorted", g.Code)
		}
	}
	for _, c := range []string{"MW", "HT", "TV", "YE"} {
		if !ldc.Has(c) {
			t.Errorf("%s is an LDC", c)
		}
	}
	for _, c := range []string{"KE", "IN", "ST", "BT", "FR"} {
		if ldc.Has(c) {
			t.Errorf("%s is not an LDC (December 2024)", c)
		}
	}
}

// sampleModel is a valid model filing used across the tests.
func sampleModel() ResourceFiling {
	return ResourceFiling{
		Kind: "model", Title: Text{"en": "Swahili speech recognition", "fr": "Reconnaissance vocale swahilie"},
		Licence: "Apache-2.0", Languages: []string{"sw", "en"}, Keywords: []string{"speech", "asr"},
		Model: &ModelDetails{Parameters: 300_000_000, Modalities: []string{"audio"},
			OSAID: &OSAID{Status: "claimed", DataInformation: true, Code: true, Parameters: true}},
		Terms: AccessTerms{Mode: "open", Fee: FeeTerms{Standard: "free"}},
	}
}

func TestResourceFilingBadInput(t *testing.T) {
	tests := []struct {
		name, field string
		edit        func(*ResourceFiling)
	}{
		{"invalid SPDX expression", "licence", func(f *ResourceFiling) { f.Licence = "MIT OR" }},
		{"LicenseRef without its text hash", "licence_refs", func(f *ResourceFiling) { f.Licence = "LicenseRef-hf-llama3" }},
		{"LicenseRef hash malformed", "licence_refs[0].sha256", func(f *ResourceFiling) {
			f.Licence = "LicenseRef-hf-llama3"
			f.LicenceRefs = []LicenceRef{{ID: "LicenseRef-hf-llama3", Name: "Llama 3", SHA256: "xyz"}}
		}},
		{"unknown language", "languages[0]", func(f *ResourceFiling) { f.Languages = []string{"not a tag"} }},
		{"unknown country", "countries[0]", func(f *ResourceFiling) { f.Countries = []string{"XX"} }},
		{"lower-case country", "terms.excluded[0]", func(f *ResourceFiling) { f.Terms.Excluded = []string{"fr"} }},
		{"free with a waiver contradicts", "terms.fee.waivers", func(f *ResourceFiling) {
			f.Terms.Fee.Waivers = []Waiver{{Group: GroupLDC, Percent: 100}}
		}},
		{"only and excluded contradict", "terms.excluded", func(f *ResourceFiling) {
			f.Terms.Only, f.Terms.Excluded = []string{"KE"}, []string{"KE"}
		}},
		{"waiver for an excluded country", "terms.fee.waivers[0].countries", func(f *ResourceFiling) {
			f.Terms.Fee = FeeTerms{Standard: "paid", Waivers: []Waiver{{Countries: []string{"KE"}, Percent: 50}}}
			f.Terms.Excluded = []string{"KE"}
		}},
		{"waiver over 100 percent", "terms.fee.waivers[0].percent", func(f *ResourceFiling) {
			f.Terms.Fee = FeeTerms{Standard: "paid", Waivers: []Waiver{{Group: GroupLDC, Percent: 120}}}
		}},
		{"unknown group", "terms.fee.waivers[0].group", func(f *ResourceFiling) {
			f.Terms.Fee = FeeTerms{Standard: "paid", Waivers: []Waiver{{Group: "g77", Percent: 100}}}
		}},
		{"user cap without the restriction", "terms.user_cap", func(f *ResourceFiling) { f.Terms.UserCap = 700_000_000 }},
		{"details of another kind", "compute", func(f *ResourceFiling) { f.Compute = &ComputeDetails{Accelerator: "H100", GPUHours: 1, Region: "KE"} }},
		{"MOF class without its components", "model.mof.class", func(f *ResourceFiling) {
			f.Model.MOF = &MOF{Class: 3, Components: []MOFComponent{{Name: "Model card"}}}
		}},
		{"OSAID status", "model.osaid.status", func(f *ResourceFiling) { f.Model.OSAID.Status = "yes" }},
		{"kind", "kind", func(f *ResourceFiling) { f.Kind = "gpu"; f.Model = nil }},
		{"title missing", "title", func(f *ResourceFiling) { f.Title = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleModel()
			tt.edit(&f)
			_, err := f.Normalize()
			var e *Error
			if err == nil || !asError(err, &e) {
				t.Fatalf("accepted: %v", err)
			}
			found := false
			for _, fe := range e.Fields {
				found = found || fe.Field == tt.field
			}
			if !found {
				t.Fatalf("error does not name %s: %v", tt.field, e.Fields)
			}
		})
	}
	if _, err := sampleModel().Normalize(); err != nil {
		t.Fatalf("sample: %v", err)
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

func TestMatchNeed(t *testing.T) {
	res := func(id string, f ResourceFiling) Resource {
		n, err := f.Normalize()
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		return Resource{ID: id, Provider: "org_p", Version: 1, Status: ResourceActive, ResourceFiling: n}
	}
	compute := func(hours int64, fee FeeTerms, excluded ...string) ResourceFiling {
		return ResourceFiling{Kind: "compute", Title: Text{"en": "GPU time"}, Licence: "LicenseRef-offer",
			LicenceRefs: []LicenceRef{{ID: "LicenseRef-offer", Name: "Offer terms", SHA256: strings.Repeat("ab", 32)}},
			Compute:     &ComputeDetails{Accelerator: "NVIDIA H100", GPUHours: hours, Region: "ZA"},
			Terms:       AccessTerms{Mode: "on_request", Excluded: excluded, Fee: fee}}
	}
	ldcFree := FeeTerms{Standard: "paid", Amount: "USD 2 per GPU-hour", Waivers: []Waiver{{Group: GroupLDC, Percent: 100}}}
	half := FeeTerms{Standard: "paid", Waivers: []Waiver{{Group: GroupLowOrLowerMiddle, Percent: 50}}}
	french := sampleModel()
	french.Languages = []string{"fr"}
	all := []Resource{
		res("res_ldc_waiver", compute(5000, ldcFree)),
		res("res_half", compute(5000, half)),
		res("res_small", compute(10, ldcFree)),
		res("res_excl_mw", compute(5000, FeeTerms{Standard: "free"}, "MW")),
		res("res_sw_model", sampleModel()),
		res("res_fr_model", french),
	}
	tests := []struct {
		name string
		need NeedFiling
		want []string
	}{
		{"LDC waiver makes a paid compute offer free for Malawi",
			NeedFiling{Kind: "compute", Title: Text{"en": "GPU-hours"}, Country: "MW", Sector: "academia", FreeOnly: true, GPUHours: 1000},
			[]string{"res_ldc_waiver"}},
		{"discounts count when free is not required, free ranks first",
			NeedFiling{Kind: "compute", Title: Text{"en": "GPU-hours"}, Country: "MW", Sector: "academia", GPUHours: 1000},
			[]string{"res_ldc_waiver", "res_half"}},
		{"a country outside the LDC list gets no waiver",
			NeedFiling{Kind: "compute", Title: Text{"en": "GPU-hours"}, Country: "BR", Sector: "academia", FreeOnly: true},
			[]string{"res_excl_mw"}},
		{"language must meet the need's (sw meets sw, not fr)",
			NeedFiling{Kind: "model", Title: Text{"en": "Swahili ASR"}, Country: "TZ", Sector: "nonprofit", Languages: []string{"sw-TZ"}},
			[]string{"res_sw_model"}},
		{"modality must meet the need's",
			NeedFiling{Kind: "model", Title: Text{"en": "image model"}, Country: "TZ", Sector: "nonprofit", Modalities: []string{"image"}},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := tt.need.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range MatchNeed(n, all, 10) {
				got = append(got, s.Resource.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("matched %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResourceFacetsFreeFor(t *testing.T) {
	f := sampleModel()
	f.Terms = AccessTerms{Mode: "on_request", Fee: FeeTerms{Standard: "paid", Waivers: []Waiver{{Group: GroupLDC, Percent: 100}}}}
	n, err := f.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	facets := ResourceFacets(Resource{ID: "r", Status: ResourceActive, Provider: "p", ResourceFiling: n})
	anyOf, none := FreeForFacets("MW", "academia")
	holds := func(group []string) bool {
		return slices.ContainsFunc(group, func(x string) bool { return slices.Contains(facets, x) })
	}
	for _, g := range anyOf {
		if !holds(g) {
			t.Errorf("free-for-Malawi group %v does not hold for %v", g, facets)
		}
	}
	if holds(none) {
		t.Errorf("excluded")
	}
	anyOf, _ = FreeForFacets("KE", "academia")
	if holds(anyOf[0]) {
		t.Errorf("Kenya is not an LDC but the LDC waiver matched: %v", facets)
	}
}

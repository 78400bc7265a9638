package accord

import (
	"errors"
	"slices"
	"testing"
)

func TestKindFields(t *testing.T) {
	yes, no := true, false
	flop, params := 3.8e25, int64(7e10)
	system := Filing{TradeName: Text{"en": "X"}, SystemVersion: "1", Status: "active", IntendedPurpose: Text{"en": "Y"},
		Domains: []string{"general.conversational_assistant"}, DeploymentCountries: []string{"DE"}}
	model := Filing{Kind: "model", TradeName: Text{"en": "M"}, SystemVersion: "1", Status: "active", IntendedPurpose: Text{"en": "A model."},
		DeploymentCountries: []string{"DE"}, Modalities: []string{"text", "image", "text"}, ReleaseDate: "2025-09-01",
		Facts: Facts{TrainingComputeFLOP: &flop, ParameterCount: &params, OpenWeights: &yes}}
	tests := []struct {
		name   string
		edit   func(*Filing)
		base   Filing
		fields []string // the fields named, in order; nil: accepted
	}{
		{"a system as old clients file it", func(f *Filing) {}, system, nil},
		{"a model", func(f *Filing) {}, model, nil},
		{"a system built on a foreign model", func(f *Filing) { f.BuiltOn = &ModelRef{System: "sys_abc", Node: "Korea"} }, system, nil},
		{"a system stating a model's compute and release", func(f *Filing) { f.Facts.TrainingComputeFLOP = &flop; f.ReleaseDate = "2025-01-01" }, system,
			[]string{"release_date", "facts.training_compute_flop"}},
		{"a model with Art. 50 and Annex III facts", func(f *Filing) {
			f.Facts.InteractsWithNaturalPersons = &yes
			f.Facts.Profiling = &no
			f.DeployerKinds = []string{"employer"}
			f.BuiltOn = &ModelRef{System: "sys_x"}
		}, model, []string{"built_on", "deployer_kinds", "facts.interacts_with_natural_persons", "facts.profiling"}},
		{"a model with a use-case domain", func(f *Filing) { f.Domains = []string{"employment.recruitment", "general.purpose_model"} }, model, []string{"domains[0]"}},
		{"a model that is not general-purpose", func(f *Filing) { f.Facts.GeneralPurposeModel = &no }, model, []string{"facts.general_purpose_model"}},
		{"an unknown kind", func(f *Filing) { f.Kind = "agent" }, system, []string{"kind"}},
		{"a bad release date", func(f *Filing) { f.ReleaseDate = "2025-13-01" }, model, []string{"release_date"}},
		{"a bad model reference", func(f *Filing) { f.BuiltOn = &ModelRef{System: "../etc", Node: "a b"} }, system, []string{"built_on.system", "built_on.node"}},
		{"an unknown modality", func(f *Filing) { f.Modalities = []string{"smell"} }, model, []string{"modalities[0]"}},
	}
	for _, tt := range tests {
		f := tt.base
		f.Facts = tt.base.Facts
		f.Modalities = slices.Clone(tt.base.Modalities)
		tt.edit(&f)
		got, err := f.Normalize()
		fields := fieldsAtFault(err)
		if !slices.Equal(fields, tt.fields) {
			t.Errorf("%s: fields at fault %v, want %v (%v)", tt.name, fields, tt.fields, err)
		}
		if err != nil {
			continue
		}
		switch got.Kind {
		case KindSystem:
			if tt.base.Kind == KindModel {
				t.Errorf("%s: kind %q", tt.name, got.Kind)
			}
		case KindModel:
			if !slices.Equal(got.Domains, []string{"general.purpose_model"}) || !slices.Equal(got.Modalities, []string{"image", "text"}) {
				t.Errorf("%s: domains %v, modalities %v", tt.name, got.Domains, got.Modalities)
			}
		default:
			t.Errorf("%s: kind %q", tt.name, got.Kind)
		}
	}
}

// TestKindFactListsAreFacts: the lists of model-only, system-only and
// any-kind facts name facts that exist, and every fact is in exactly one
// of them (a fact added without a kind fails here).
func TestKindFactListsAreFacts(t *testing.T) {
	in := map[string]int{}
	for _, list := range [][]string{ModelOnlyFacts, SystemOnlyFacts, AnyKindFacts} {
		for _, n := range list {
			if _, ok := factFieldIndex[n]; !ok {
				t.Errorf("%q is not a fact", n)
			}
			in[n]++
		}
	}
	for n := range factFieldIndex {
		if in[n] != 1 {
			t.Errorf("fact %q is in %d of ModelOnlyFacts, SystemOnlyFacts and AnyKindFacts, want exactly 1", n, in[n])
		}
	}
}

// fieldsAtFault lists the fields an error names, in order.
func fieldsAtFault(err error) []string {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

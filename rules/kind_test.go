package rules

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
)

// modelPack has a system rule that reads a system-only fact, a model rule
// and a rule for both kinds; its twin "sys" has no model tiers.
const modelPack = `id: test
jurisdiction: FR
version: "1"
name: {en: Test pack}
effective_from: 2024-01-01
applies_when: "'FR' in countries"
not_applicable: {en: Not used in France.}
default_tier: minimal
tiers:
  - {id: high, baseline: high, title: {en: High}}
  - {id: minimal, baseline: minimal, title: {en: Minimal}}
model_tiers:
  - {id: big, baseline: gpai_systemic_risk, title: {en: Big model}}
  - {id: model, baseline: gpai, title: {en: Model}}
  - {id: none, baseline: model_minimal, title: {en: No model duties}}
default_model_tier: none
rules:
  - id: chatbot
    citation: Art. 1
    title: {en: Chatbot}
    when: facts.interacts_with_natural_persons
    tier: high
  - id: every-model
    citation: Art. 2
    kind: model
    title: {en: Every model}
    when: "true"
    model_tier: model
  - id: big-model
    citation: Art. 3
    kind: model
    title: {en: Big model}
    when: facts.training_compute_flop > 1.0e25
    model_tier: big
    effective_from: 2025-01-01
  - id: generator
    citation: Art. 4
    kind: any
    title: {en: Generator}
    when: facts.generates_synthetic_content
    tier: high
    model_tier: model
    obligations:
      - {id: label, citation: Art. 4(2), bearer: provider, theme: content_labelling, text: {en: Label.}}
`

// TestModelScale: a model is classified on the model tiers by the rules for
// models and for any kind, never asked a system rule's facts; a system
// never reaches a model rule; a pack without model tiers does not apply to
// a model; the summary is on the filing's own scale.
func TestModelScale(t *testing.T) {
	base, err := os.ReadFile("../frameworks/baseline/pack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sys := strings.NewReplacer("id: test", "id: sys").Replace(okPack)
	packs, err := LoadAll([]File{{"b", base}, {"m", []byte(modelPack)}, {"s", []byte(sys)}})
	if err != nil {
		t.Fatal(err)
	}
	model := accord.Filing{Kind: accord.KindModel, DeploymentCountries: []string{"FR"}, Domains: []string{"general.purpose_model"}, Status: "active"}
	tests := []struct {
		name            string
		f               func() accord.Filing
		date            string
		tier, baseline  string
		fired, upcoming []string
		missing         []string
		summary         string
	}{
		{"a model below the threshold", func() accord.Filing {
			f := model
			f.Facts.TrainingComputeFLOP = ptr(1e24)
			f.Facts.GeneratesSyntheticContent = ptr(false)
			return f
		}, "2026-01-01", "model", "gpai", []string{"every-model"}, nil, nil, "gpai"},
		{"a model above it", func() accord.Filing {
			f := model
			f.Facts.TrainingComputeFLOP = ptr(3e25)
			f.Facts.GeneratesSyntheticContent = ptr(true)
			return f
		}, "2026-01-01", "big", "gpai_systemic_risk", []string{"every-model", "big-model", "generator"}, nil, nil, "gpai_systemic_risk"},
		{"a model before the big-model rule applies", func() accord.Filing {
			f := model
			f.Facts.TrainingComputeFLOP = ptr(3e25)
			f.Facts.GeneratesSyntheticContent = ptr(false)
			return f
		}, "2024-06-01", "model", "gpai", []string{"every-model"}, []string{"big-model"}, nil, "gpai"},
		{"a model that does not state its compute", func() accord.Filing {
			f := model
			f.Facts.GeneratesSyntheticContent = ptr(false)
			return f
		}, "2026-01-01", TierUndetermined, "gpai", []string{"every-model"}, nil, []string{"training_compute_flop"}, TierUndetermined},
		{"a system is not read by model rules", func() accord.Filing {
			f := filing("FR", "general.conversational_assistant")
			f.Facts.InteractsWithNaturalPersons = ptr(false)
			f.Facts.GeneratesSyntheticContent = ptr(true)
			return f
		}, "2026-01-01", "high", "high", []string{"generator"}, nil, nil, TierUndetermined}, // the other pack lacks facts
	}
	for _, tt := range tests {
		r := Classify(tt.f(), packs, day(t, tt.date))
		fw, other := r.Frameworks[1], r.Frameworks[0] // by pack id: sys, test
		if fw.Pack != "test" || other.Pack != "sys" {
			t.Fatalf("frameworks in order %v", r.Frameworks)
		}
		wantScale := accord.KindSystem
		if tt.f().Kind == accord.KindModel {
			wantScale = accord.KindModel
		}
		up := ids(fw.Upcoming, func(u Upcoming) string { return u.Rule })
		if fw.Tier != tt.tier || fw.Baseline != tt.baseline || fw.Scale != wantScale || !slices.Equal(firedIDs(fw), tt.fired) ||
			!slices.Equal(up, append([]string{}, tt.upcoming...)) || !slices.Equal(fw.Missing, tt.missing) {
			t.Errorf("%s: tier %s (%s, scale %s), fired %v, upcoming %v, missing %v; want %s (%s, %s), %v, %v, %v",
				tt.name, fw.Tier, fw.Baseline, fw.Scale, firedIDs(fw), up, fw.Missing, tt.tier, tt.baseline, wantScale, tt.fired, tt.upcoming, tt.missing)
		}
		if r.Summary.Level != tt.summary || r.Summary.Scale != wantScale {
			t.Errorf("%s: summary %+v, want %s on the %s scale", tt.name, r.Summary, tt.summary, wantScale)
		}
		switch {
		case wantScale == accord.KindModel && (other.Applicable != NotApplicable || other.Reason == nil || other.Reason.Text["fr"] == ""):
			t.Errorf("%s: a pack without model tiers gives a model %s (%+v)", tt.name, other.Applicable, other.Reason)
		case wantScale == accord.KindSystem && other.Applicable == NotApplicable:
			t.Errorf("%s: the system pack does not apply to a system", tt.name)
		}
	}
	cw := Crosswalk(packs)
	if len(cw.ModelLevels) != 4 || cw.ModelLevels[0].Level != "gpai_systemic_risk" || len(cw.ModelLevels[0].Tiers) != 1 || cw.ModelLevels[0].Tiers[0].Tier != "big" {
		t.Errorf("crosswalk model levels %+v", cw.ModelLevels)
	}
	for _, l := range cw.Levels {
		for _, pt := range l.Tiers {
			if pt.Tier == "big" || pt.Tier == "model" {
				t.Errorf("model tier %s on the system level %s", pt.Tier, l.Level)
			}
		}
	}
}

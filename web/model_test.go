package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
)

// TestModelAndSystemPages: a model's page shows it on the model scale and
// lists the systems built on it; a system built on it links the model.
func TestModelAndSystemPages(t *testing.T) {
	tn := demoNode(t)
	ctx := context.Background()
	find := func(name string) accord.SystemSummary {
		page, err := tn.Registry.Search(ctx, accord.SystemQuery{Q: name})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Systems {
			if strings.HasPrefix(s.TradeName["en"], name) {
				return s
			}
		}
		t.Fatalf("no demo system named %q", name)
		return accord.SystemSummary{}
	}
	model, chat := find("Aurorant Frontier"), find("Aurorant Chat")
	if model.Kind != accord.KindModel || chat.Kind != accord.KindSystem {
		t.Fatalf("kinds: model %q, chat %q", model.Kind, chat.Kind)
	}
	resp, body := tn.get(t, nil, "/systems/"+model.ID, "fr")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("model page: %d", resp.StatusCode)
	}
	for _, want := range []string{
		"Modèle d’IA à usage général",                           // kicker and kind
		"Systèmes construits sur ce modèle",                     // the systems built on it
		`href="/systems/` + chat.ID + `"`,                       // … linked
		"à côté des niveaux de risque des systèmes d’IA",        // the model-scale note
		"Niveau de modèle le plus élevé, tous cadres confondus", // its summary
	} {
		if !strings.Contains(body, want) {
			t.Errorf("model page lacks %q", want)
		}
	}
	if strings.Contains(body, "Art. 50") || strings.Contains(body, "art. 50") {
		t.Error("the model page cites Art. 50, a system's duty")
	}
	// An open-weights model below the threshold, under the open-source
	// exemption on the model scale (Aurorant's compute is confidential, so
	// its public outcome rests on it).
	_, body = tn.get(t, nil, "/systems/"+find("Ndaje-LM").ID, "en")
	if !strings.Contains(body, `class="level lv-gpai_open_source"`) {
		t.Error("the open-weights model is not shown under the open-source exemption")
	}
	_, body = tn.get(t, nil, "/systems/"+chat.ID, "en")
	for _, want := range []string{"Built on the model", `href="/systems/` + model.ID + `"`, "are its provider’s, not this system’s"} {
		if !strings.Contains(body, want) {
			t.Errorf("system page lacks %q", want)
		}
	}
	_, body = tn.get(t, nil, "/search?kind=model", "en")
	if !strings.Contains(body, model.ID) || strings.Contains(body, chat.ID) {
		t.Error("search?kind=model does not list the model alone")
	}
}

// TestModelForm: the form asks a model's questions when the kind is model
// (modalities, release date, no Art. 50 or use questions), previews its
// model-scale classification, and drops what was asked for the other kind.
func TestModelForm(t *testing.T) {
	tn := demoNode(t)
	c := tn.client(t)
	tn.signIn(t, c, tn.Token)
	f := validForm() // a system's answers, then the kind changed to model
	f.Set("kind", "model")
	f.Set("modalities", "text")
	f.Set("release_date", "2026-02-01")
	f.Set("facts.training_compute_flop", "2e25")
	f.Set("facts.military_only", "no")
	f.Set("facts.research_only", "no")
	f.Set("facts.open_weights", "no")
	f.Set("facts.systemic_risk_designated", "no")
	f.Set("action", "preview")
	resp, body := tn.post(t, c, "/portal/new", "en", f)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("preview: status %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{`name="modalities"`, `name="release_date"`, `value="2026-02-01"`, `class="level lv-gpai_systemic_risk"`} {
		if !strings.Contains(body, want) {
			t.Errorf("model form lacks %s", want)
		}
	}
	for _, unwanted := range []string{`name="facts.interacts_with_natural_persons"`, `name="deployer_kinds"`, `name="domains"`, `name="built_on.system"`} {
		if strings.Contains(body, unwanted) {
			t.Errorf("the model form asks a system's question: %s", unwanted)
		}
	}
	f.Set("kind", "system")
	_, body = tn.post(t, c, "/portal/new", "en", f)
	if strings.Contains(body, `name="facts.training_compute_flop"`) || !strings.Contains(body, `name="built_on.system"`) {
		t.Error("the system form asks a model's questions, or not the system's")
	}
}

// TestFrameworkModelTiers: a pack's page shows its model tiers beside its
// system tiers, and the frameworks page the baseline's model levels.
func TestFrameworkModelTiers(t *testing.T) {
	tn := demoNode(t)
	_, body := tn.get(t, nil, "/frameworks/eu-ai-act", "es")
	for _, want := range []string{"Categorías de modelos", `class="level lv-gpai_open_source"`, "tier=gpai_systemic_risk"} {
		if !strings.Contains(body, want) {
			t.Errorf("EU pack page lacks %q", want)
		}
	}
	_, body = tn.get(t, nil, "/frameworks", "ru")
	if !strings.Contains(body, "Уровни моделей") || !strings.Contains(body, `lv-model_minimal`) {
		t.Error("the frameworks page does not show the baseline's model levels")
	}
	if resp, _ := tn.get(t, nil, "/search?framework=eu-ai-act&tier=gpai_systemic_risk", "en"); resp.StatusCode != http.StatusOK {
		t.Errorf("search by a model tier: %d", resp.StatusCode)
	}
}

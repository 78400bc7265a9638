package api

import (
	"net/http"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
)

// asOf reads the as_of query parameter; today when absent, if def is set.
func asOf(r *http.Request, def bool) (time.Time, error) {
	t, err := registry.ParseAsOf(r.URL.Query().Get("as_of"))
	if err == nil && t.IsZero() && def {
		t = time.Now().UTC()
	}
	return t, err
}

func (a *API) classify(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r, "as_of"); err != nil {
		return err
	}
	at, err := asOf(r, true)
	if err != nil {
		return err
	}
	var f accord.Filing
	if err := decode(w, r, &f); err != nil {
		return err
	}
	res, err := a.svc.Preview(f, at)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, res)
	return nil
}

func (a *API) getClassification(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r, "as_of"); err != nil {
		return err
	}
	at, err := asOf(r, false)
	if err != nil {
		return err
	}
	version := 0
	if r.PathValue("version") != "" {
		if version, err = pathVersion(r); err != nil {
			return err
		}
	}
	v, err := a.svc.Classification(r.Context(), c, r.PathValue("id"), version, at)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

// frameworkInfo lists a pack without its rules.
type frameworkInfo struct {
	ID             string       `json:"id"`
	Jurisdiction   string       `json:"jurisdiction"`
	Version        string       `json:"version"`
	Hash           string       `json:"hash"`
	Name           accord.Text  `json:"name"`
	Instrument     accord.Text  `json:"instrument,omitempty"`
	SourceURL      string       `json:"source_url,omitempty"`
	EffectiveFrom  rules.Date   `json:"effective_from"`
	EffectiveUntil rules.Date   `json:"effective_until,omitempty"`
	Baseline       bool         `json:"baseline"`
	Tiers          []rules.Tier `json:"tiers"`
	ModelTiers     []rules.Tier `json:"model_tiers,omitempty"`
	Rules          int          `json:"rules"`
}

func (a *API) listFrameworks(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	out := []frameworkInfo{}
	for _, p := range a.svc.Packs() {
		out = append(out, frameworkInfo{
			ID: p.ID, Jurisdiction: p.Jurisdiction, Version: p.Version, Hash: p.Hash, Name: p.Name,
			Instrument: p.Instrument, SourceURL: p.SourceURL, EffectiveFrom: p.EffectiveFrom, EffectiveUntil: p.EffectiveUntil,
			Baseline: p.IsBaseline(), Tiers: p.Tiers, ModelTiers: p.ModelTiers, Rules: len(p.Rules),
		})
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"frameworks": out})
	return nil
}

func (a *API) getFramework(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	p, err := a.svc.Pack(r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", `"`+p.Hash+`"`)
	writeJSON(w, r, http.StatusOK, struct {
		*rules.Pack
		Hash string `json:"hash"`
	}{p, p.Hash})
	return nil
}

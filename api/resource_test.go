package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
)

// orgClient registers an organization and returns a client with its token.
func (e *env) orgClient(name, country string) (*client.Client, string) {
	e.t.Helper()
	r, err := e.admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": name}, Kind: "deployer", Country: country})
	if err != nil {
		e.t.Fatal(err)
	}
	return &client.Client{Server: e.node.URL, Token: r.Token.Secret, HTTP: e.http}, r.Organization.ID
}

func sampleModelFiling() accord.ResourceFiling {
	return accord.ResourceFiling{
		Kind: "model", Title: accord.Text{"en": "Swahili speech recognition", "sw": "Utambuzi wa sauti ya Kiswahili"},
		Description: accord.Text{"en": "An open speech-recognition model for Swahili."},
		Licence:     "apache-2.0", Languages: []string{"sw", "en"}, Countries: []string{"KE", "TZ"}, Keywords: []string{"asr", "speech"},
		Links: []accord.ResourceLink{{Rel: "card", URL: "https://example.org/models/sw-asr"}},
		Model: &accord.ModelDetails{Parameters: 300_000_000, Modalities: []string{"audio"},
			OSAID: &accord.OSAID{Status: "claimed", DataInformation: true, Code: true, Parameters: true}},
		Terms: accord.AccessTerms{Mode: "open", Fee: accord.FeeTerms{Standard: "free"}},
	}
}

func ldcComputeFiling() accord.ResourceFiling {
	return accord.ResourceFiling{
		Kind: "compute", Title: accord.Text{"en": "GPU-hours for fine-tuning", "fr": "Heures GPU pour l'affinage"},
		Licence:     "LicenseRef-compute-offer-2026",
		LicenceRefs: []accord.LicenceRef{{ID: "LicenseRef-compute-offer-2026", Name: "Compute offer terms 2026", URL: "https://example.org/terms", SHA256: strings.Repeat("0f", 32)}},
		Compute:     &accord.ComputeDetails{Accelerator: "NVIDIA H100 80GB", GPUHours: 20000, Region: "ZA", From: "2027-01-01", Until: "2027-12-31"},
		Terms: accord.AccessTerms{Mode: "on_request", Fee: accord.FeeTerms{Standard: "paid", Amount: "USD 2 per GPU-hour",
			Waivers: []accord.Waiver{{Group: accord.GroupLDC, Percent: 100}, {Group: accord.GroupLowOrLowerMiddle, Percent: 50}}}},
	}
}

// TestResourcesDoneWhen: a provider publishes a model and a compute offer
// with an LDC waiver; a university in Malawi (an LDC) posts a need that
// the node matches to the offer; the provider accepts, the university
// completes, and the need is met. Every response is checked against the
// OpenAPI document.
func TestResourcesDoneWhen(t *testing.T) {
	e := newEnv(t)
	model, err := e.provider.PublishResource(ctx, sampleModelFiling())
	if err != nil {
		t.Fatal(err)
	}
	if model.Licence != "Apache-2.0" || model.Receipt == nil || model.Provider != e.orgID {
		t.Fatalf("published model: %+v", model)
	}
	offer, err := e.provider.PublishResource(ctx, ldcComputeFiling())
	if err != nil {
		t.Fatal(err)
	}
	uni, uniID := e.orgClient("University of Malawi", "MW")
	need, err := uni.PostNeed(ctx, accord.NeedFiling{Kind: "compute", Title: accord.Text{"en": "GPU-hours to fine-tune a Chichewa speech model"},
		Country: "MW", Sector: "academia", FreeOnly: true, GPUHours: 5000, Languages: []string{"ny"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(need.Suggestions) != 1 || need.Suggestions[0].Resource.ID != offer.ID || need.Suggestions[0].Eligibility.Fee != "free" {
		t.Fatalf("suggestions for the Malawi need: %+v", need.Suggestions)
	}
	// A company in Kenya (not an LDC) asking for free compute gets nothing.
	ke, _ := e.orgClient("Nairobi start-up", "KE")
	keNeed, err := ke.PostNeed(ctx, accord.NeedFiling{Kind: "compute", Title: accord.Text{"en": "Free GPU time"}, Country: "KE", Sector: "startup", FreeOnly: true})
	if err != nil || len(keNeed.Suggestions) != 0 {
		t.Fatalf("Kenya need: %+v, %v", keNeed, err)
	}
	m, err := uni.ProposeMatch(ctx, accord.MatchProposal{Need: need.ID, Resource: offer.ID, Note: "We would use 5,000 hours in Q1."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uni.SetMatch(ctx, m.ID, accord.MatchChange{Status: accord.MatchAccepted}); apiCode(err) != "forbidden" {
		t.Fatalf("the requester accepted its own match: %v", err)
	}
	if _, err := e.provider.SetMatch(ctx, m.ID, accord.MatchChange{Status: accord.MatchAccepted}); err != nil {
		t.Fatal(err)
	}
	done, err := uni.SetMatch(ctx, m.ID, accord.MatchChange{Status: accord.MatchCompleted, Note: "5,000 GPU-hours used."})
	if err != nil || done.Status != accord.MatchCompleted {
		t.Fatalf("complete: %+v, %v", done, err)
	}
	got, err := uni.Need(ctx, need.ID)
	if err != nil || got.Status != accord.NeedMet || len(got.Matches) != 1 || got.Org != uniID {
		t.Fatalf("need after completion: %+v, %v", got, err)
	}
	// Search: what a university in Malawi can use for free.
	p, err := uni.SearchResources(ctx, accord.ResourceSearch{FreeFor: "MW", Sector: "academia"})
	if err != nil || len(p.Resources) != 2 {
		t.Fatalf("free for Malawi: %+v, %v", p, err)
	}
	p, err = uni.SearchResources(ctx, accord.ResourceSearch{FreeFor: "BR"})
	if err != nil || len(p.Resources) != 1 || p.Resources[0].ID != model.ID {
		t.Fatalf("free for Brazil: %+v, %v", p, err)
	}
	p, err = uni.SearchResources(ctx, accord.ResourceSearch{Text: "kiswahili", Kind: "model", Language: "sw", OSAID: true})
	if err != nil || len(p.Resources) != 1 {
		t.Fatalf("search for the model: %+v, %v", p, err)
	}
	// Update with If-Match, then withdraw.
	f := sampleModelFiling()
	f.Keywords = append(f.Keywords, "kiswahili")
	up, err := e.provider.UpdateResource(ctx, model.ID, model.ETag, f)
	if err != nil || up.Version != 2 {
		t.Fatalf("update: %+v, %v", up, err)
	}
	if _, err := e.provider.UpdateResource(ctx, model.ID, model.ETag, f); apiCode(err) != "precondition_failed" {
		t.Fatalf("stale update: %v", err)
	}
	if _, err := ke.UpdateResource(ctx, model.ID, up.ETag, f); apiCode(err) != "forbidden" {
		t.Fatalf("update by another organization: %v", err)
	}
	if _, err := e.provider.WithdrawResource(ctx, model.ID, "superseded"); err != nil {
		t.Fatal(err)
	}
	p, _ = uni.SearchResources(ctx, accord.ResourceSearch{Kind: "model"})
	if len(p.Resources) != 0 {
		t.Fatalf("a withdrawn model is still found: %+v", p)
	}
	// Every write above is in the log, one entry each (two for the completion).
	entries := e.logEntries(t)
	var types []string
	for _, ev := range entries {
		if strings.HasPrefix(ev.Type, "resource.") || strings.HasPrefix(ev.Type, "need.") || strings.HasPrefix(ev.Type, "match.") {
			types = append(types, ev.Type)
		}
	}
	want := []string{"resource.published", "resource.published", "need.posted", "need.posted", "match.proposed", "match.changed", "match.changed", "need.closed", "resource.updated", "resource.withdrawn"}
	if !slices.Equal(types, want) {
		t.Fatalf("log entries %v, want %v", types, want)
	}
}

// logEntries decodes every entry of the node's log.
func (e *env) logEntries(t *testing.T) []*accord.DecodedEvent {
	t.Helper()
	var out []*accord.DecodedEvent
	err := e.node.Store.View(ctx, func(tx accord.ReadTx) error {
		n, err := tx.LogSize(ctx)
		if err != nil {
			return err
		}
		raw, err := tx.ReadEntries(ctx, 0, n)
		if err != nil {
			return err
		}
		for _, b := range raw {
			d, err := accord.DecodeLogEntry(b, true)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func apiCode(err error) string {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestResourcesBadInput: bad filings are refused with the field named and
// nothing stored.
func TestResourcesBadInput(t *testing.T) {
	e := newEnv(t)
	body := func(edit func(m map[string]any)) []byte {
		b, _ := json.Marshal(ldcComputeFiling())
		var m map[string]any
		json.Unmarshal(b, &m)
		if edit != nil {
			edit(m)
		}
		b, _ = json.Marshal(m)
		return b
	}
	before := len(e.logEntries(t))
	tests := []struct {
		name, path string
		body       []byte
		status     int
		field      string
	}{
		{"invalid SPDX expression", "/v1/resources", body(func(m map[string]any) { m["licence"] = "MIT OR OR" }), 422, "licence"},
		{"unknown licence", "/v1/resources", body(func(m map[string]any) { m["licence"] = "Llama-3" }), 422, "licence"},
		{"LicenseRef without its text", "/v1/resources", body(func(m map[string]any) { delete(m, "licence_refs") }), 422, "licence_refs"},
		{"unknown language", "/v1/resources", body(func(m map[string]any) { m["languages"] = []string{"swahili"} }), 422, "languages[0]"},
		{"unknown country", "/v1/resources", body(func(m map[string]any) { m["countries"] = []string{"ZZ"} }), 422, "countries[0]"},
		{"contradictory terms", "/v1/resources", body(func(m map[string]any) {
			m["terms"].(map[string]any)["fee"] = map[string]any{"standard": "free", "waivers": []any{map[string]any{"group": "un-ldc", "percent": 100}}}
		}), 422, "terms.fee.waivers"},
		{"unknown field", "/v1/resources", body(func(m map[string]any) { m["price"] = 3 }), 422, "price"},
		{"duplicate key", "/v1/resources", []byte(`{"kind":"model","kind":"tool"}`), 422, "kind"},
		{"need with a bad country", "/v1/needs", []byte(`{"kind":"compute","title":{"en":"x"},"country":"Malawi","sector":"academia"}`), 422, "country"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", e.node.URL+tt.path, bytes.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+e.secret)
			req.Header.Set("Content-Type", "application/json")
			resp, err := e.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p struct {
				Errors []accord.FieldError `json:"errors"`
			}
			json.NewDecoder(resp.Body).Decode(&p)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%+v)", resp.StatusCode, tt.status, p)
			}
			if tt.field != "" && !slices.ContainsFunc(p.Errors, func(f accord.FieldError) bool { return f.Field == tt.field }) {
				t.Fatalf("errors %+v do not name %s", p.Errors, tt.field)
			}
		})
	}
	if after := len(e.logEntries(t)); after != before {
		t.Fatalf("refused requests wrote %d log entries", after-before)
	}
	resp, err := e.http.Get(e.node.URL + "/v1/resources?free_for=Malawi")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 422 {
		t.Fatalf("free_for=Malawi: %d", resp.StatusCode)
	}
}

// TestResourcesStandardFormats: a provider publishes a model from its
// card (import, review, publish); its CycloneDX and SPDX exports and the
// DCAT catalogue are served; a compute offer has no ML-BOM.
func TestResourcesStandardFormats(t *testing.T) {
	e := newEnv(t)
	card := "---\nlicense: apache-2.0\nmodel_name: Swahili ASR\nlanguage: [sw]\npipeline_tag: automatic-speech-recognition\n---\n# Card\n"
	f, err := e.provider.ImportResource(ctx, accord.ResourceImport{Format: "hf-model-card", Document: card})
	if err != nil || f.Licence != "Apache-2.0" || f.Kind != "model" {
		t.Fatalf("import: %+v, %v", f, err)
	}
	if _, err := e.provider.ImportResource(ctx, accord.ResourceImport{Format: "hf-model-card", Document: "license: llama3\nmodel_name: X\n"}); apiCode(err) != "invalid" {
		t.Fatalf("a LicenseRef without its hash: %v", err)
	}
	model, err := e.provider.PublishResource(ctx, *f)
	if err != nil {
		t.Fatal(err)
	}
	offer, err := e.provider.PublishResource(ctx, ldcComputeFiling())
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string, []byte) {
		resp, err := e.http.Get(e.node.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), b.Bytes()
	}
	for _, tt := range []struct{ path, ctype, contains string }{
		{"/v1/resources/" + model.ID + "/cyclonedx", "application/vnd.cyclonedx+json; version=1.6", `"machine-learning-model"`},
		{"/v1/resources/" + model.ID + "/spdx", "application/spdx+json", `"ai_AIPackage"`},
		{"/v1/catalogue/dcat", "application/ld+json", `"dcat:Catalog"`},
	} {
		status, ctype, body := get(tt.path)
		if status != 200 || ctype != tt.ctype || !bytes.Contains(body, []byte(tt.contains)) {
			t.Errorf("GET %s: %d %s %.300s", tt.path, status, ctype, body)
		}
		if !json.Valid(body) {
			t.Errorf("GET %s: not JSON", tt.path)
		}
	}
	if status, _, _ := get("/v1/resources/" + offer.ID + "/cyclonedx"); status != 409 {
		t.Errorf("a compute offer's ML-BOM: %d", status)
	}
}

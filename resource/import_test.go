package resource_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/resource"
)

func readImport(t testing.TB, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", "import", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestImport(t *testing.T) {
	hash := strings.Repeat("cd", 32)
	tests := []struct {
		name string
		req  accord.ResourceImport
		want func(t *testing.T, f accord.ResourceFiling)
	}{
		{"model card with an SPDX licence", accord.ResourceImport{Format: resource.FormatHFModelCard, Document: readImport(t, "sw-asr-model-card.md")},
			func(t *testing.T, f accord.ResourceFiling) {
				if f.Kind != "model" || f.Licence != "Apache-2.0" || f.Title["en"] != "Swahili speech recognition" || !slices.Equal(f.Languages, []string{"en", "sw"}) ||
					f.Model.BaseModel != "example/wav2vec2-base" || !slices.Equal(f.Model.Modalities, []string{"audio"}) || f.Terms.Mode != "open" {
					t.Errorf("%+v %+v", f, f.Model)
				}
			}},
		{"gated card, model licence as LicenseRef, EU disallowed", accord.ResourceImport{Format: resource.FormatHFModelCard, Document: readImport(t, "gated-model-card.md"), LicenceSHA256: hash},
			func(t *testing.T, f accord.ResourceFiling) {
				if f.Licence != "LicenseRef-hf-llama3" || len(f.LicenceRefs) != 1 || f.LicenceRefs[0].SHA256 != hash || f.LicenceRefs[0].URL != "https://example.org/llama3/LICENSE" {
					t.Errorf("licence %q %+v", f.Licence, f.LicenceRefs)
				}
				if f.Terms.Mode != "gated" || len(f.Terms.Excluded) != 27 || !slices.Contains(f.Terms.Excluded, "FR") {
					t.Errorf("terms %+v", f.Terms)
				}
			}},
		{"dataset card with BCP 47 language details", accord.ResourceImport{Format: resource.FormatHFDatasetCard, Document: readImport(t, "ar-legal-dataset-card.md")},
			func(t *testing.T, f accord.ResourceFiling) {
				if f.Kind != "dataset" || f.Licence != "CC-BY-4.0" || !slices.Equal(f.Languages, []string{"ar-EG", "ar-MA"}) || !slices.Equal(f.Dataset.Modalities, []string{"text"}) {
					t.Errorf("%+v", f)
				}
			}},
		{"Croissant 1.1 with RAI fields", accord.ResourceImport{Format: resource.FormatCroissant, Document: readImport(t, "sw-news-croissant.json")},
			func(t *testing.T, f accord.ResourceFiling) {
				c := f.Dataset.Croissant
				if f.Licence != "CC-BY-SA-4.0" || c.ConformsTo != "http://mlcommons.org/croissant/1.1" || c.FileObjects != 2 || c.RecordSets != 1 ||
					!strings.Contains(c.RAI["dataBiases"], "urban") || f.Dataset.PersonalData != "none" || !slices.Equal(f.Keywords, []string{"kiswahili", "news", "text classification"}) {
					t.Errorf("%+v %+v", f, c)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := resource.Import(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			tt.want(t, f)
		})
	}
}

func TestImportBadInput(t *testing.T) {
	croissant := func(edit func(m map[string]any)) string {
		var m map[string]any
		json.Unmarshal([]byte(readImport(t, "sw-news-croissant.json")), &m)
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct {
		name  string
		req   accord.ResourceImport
		field string
	}{
		{"unknown format", accord.ResourceImport{Format: "model-index", Document: "x"}, "format"},
		{"empty", accord.ResourceImport{Format: resource.FormatHFModelCard}, "document"},
		{"unclosed front matter", accord.ResourceImport{Format: resource.FormatHFModelCard, Document: "---\nlicense: mit\n"}, "document"},
		{"duplicate key in a card", accord.ResourceImport{Format: resource.FormatHFModelCard, Document: "license: mit\nlicense: apache-2.0\n"}, "document"},
		{"licence not in the list without a hash", accord.ResourceImport{Format: resource.FormatHFModelCard, Document: readImport(t, "gated-model-card.md")}, "licence_sha256"},
		{"other without license_name", accord.ResourceImport{Format: resource.FormatHFModelCard, Document: "license: other\nmodel_name: X\n"}, "document.license_name"},
		{"bad language in a card", accord.ResourceImport{Format: resource.FormatHFModelCard, Document: "license: mit\nmodel_name: X\nlanguage: [12x]\n"}, "document.language[0]"},
		{"bad gated", accord.ResourceImport{Format: resource.FormatHFModelCard, Document: "license: mit\nmodel_name: X\ngated: sometimes\n"}, "document.gated"},
		{"no name", accord.ResourceImport{Format: resource.FormatHFModelCard, Document: "license: mit\n"}, "title"},
		{"Croissant not JSON", accord.ResourceImport{Format: resource.FormatCroissant, Document: "{"}, "document"},
		{"Croissant without conformsTo", accord.ResourceImport{Format: resource.FormatCroissant, Document: croissant(func(m map[string]any) { delete(m, "conformsTo") })}, "document.conformsTo"},
		{"Croissant of another type", accord.ResourceImport{Format: resource.FormatCroissant, Document: croissant(func(m map[string]any) { m["@type"] = "sc:Movie" })}, "document.@type"},
		{"Croissant with an unknown licence", accord.ResourceImport{Format: resource.FormatCroissant, Document: croissant(func(m map[string]any) { m["license"] = "https://example.org/my-licence" })}, "document.license[0]"},
		{"Croissant with a bad distribution", accord.ResourceImport{Format: resource.FormatCroissant, Document: croissant(func(m map[string]any) { m["distribution"] = []any{map[string]any{"@type": "sc:Thing"}} })}, "document.distribution[0].@type"},
		{"Croissant without context", accord.ResourceImport{Format: resource.FormatCroissant, Document: croissant(func(m map[string]any) { delete(m, "@context") })}, "document.@context"},
		{"Croissant duplicate key", accord.ResourceImport{Format: resource.FormatCroissant, Document: `{"name":"a","name":"b"}`}, "document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resource.Import(tt.req)
			e, ok := err.(*accord.Error)
			if !ok {
				t.Fatalf("accepted or not a field error: %v", err)
			}
			if !slices.ContainsFunc(e.Fields, func(f accord.FieldError) bool { return f.Field == tt.field }) {
				t.Fatalf("error does not name %s: %v", tt.field, e.Fields)
			}
		})
	}
}

// TestImportExportRoundTrip: a card and a Croissant document imported,
// published, and exported again: the exports validate and carry what the
// documents said (licence, languages, RAI fields).
func TestImportExportRoundTrip(t *testing.T) {
	n, c := provider(t)
	schema := cycloneDXSchema(t)
	model, err := resource.Import(accord.ResourceImport{Format: resource.FormatHFModelCard, Document: readImport(t, "sw-asr-model-card.md")})
	if err != nil {
		t.Fatal(err)
	}
	data, err := resource.Import(accord.ResourceImport{Format: resource.FormatCroissant, Document: readImport(t, "sw-news-croissant.json")})
	if err != nil {
		t.Fatal(err)
	}
	mv, err := n.Resources.Publish(ctx, c, model)
	if err != nil {
		t.Fatal(err)
	}
	dv, err := n.Resources.Publish(ctx, c, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []*accord.ResourceView{mv, dv} {
		b, err := resource.CycloneDX(&v.Resource, "https://accord.example.org", "test")
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err := schema.Validate(doc); err != nil {
			t.Fatalf("%s: %v", v.Kind, err)
		}
		if !strings.Contains(string(b), `"expression": "`+v.Licence+`"`) {
			t.Errorf("%s: licence lost in CycloneDX", v.Kind)
		}
	}
	sp, err := resource.SPDX(&dv.Resource, "https://accord.example.org", "test")
	if err != nil || !strings.Contains(string(sp), "Articles collected from public news sites") || !strings.Contains(string(sp), `"dataset_hasSensitivePersonalInformation": "no"`) {
		t.Errorf("SPDX of the Croissant data set lost its RAI fields: %v\n%s", err, sp)
	}
	var buf bytes.Buffer
	if _, err := n.Resources.DCAT(ctx, &buf, "https://accord.example.org", accord.Text{"en": "Round trip"}, "test"); err != nil {
		t.Fatal(err)
	}
	if ok, report := shacl(t, buf.Bytes()); !ok {
		t.Fatalf("DCAT-AP of imported records: %s", report)
	}
	if !strings.Contains(buf.String(), `"@language":"sw"`) && !strings.Contains(buf.String(), "urn:ietf:bcp47:sw") {
		t.Errorf("languages lost in DCAT: %s", buf.String())
	}
}

// FuzzImport feeds documents to every import format: no panic, and an
// accepted filing is canonical (normalising it again changes nothing).
func FuzzImport(f *testing.F) {
	for _, name := range []string{"sw-asr-model-card.md", "gated-model-card.md", "ar-legal-dataset-card.md", "sw-news-croissant.json"} {
		f.Add(0, readImport(f, name))
		f.Add(2, readImport(f, name))
	}
	f.Add(1, "pretty_name: x\nlicense: mit\n")
	f.Fuzz(func(t *testing.T, format int, doc string) {
		formats := []string{resource.FormatHFModelCard, resource.FormatHFDatasetCard, resource.FormatCroissant}
		if format < 0 {
			format = -format
		}
		got, err := resource.Import(accord.ResourceImport{Format: formats[format%3], Document: doc, LicenceSHA256: strings.Repeat("ab", 32)})
		if err != nil {
			if _, ok := err.(*accord.Error); !ok {
				t.Fatalf("not an accord error: %v", err)
			}
			return
		}
		again, err := got.Normalize()
		if err != nil {
			t.Fatalf("an imported filing does not normalise again: %v", err)
		}
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(again)
		if !bytes.Equal(a, b) {
			t.Fatalf("not canonical:\n%s\n%s", a, b)
		}
	})
}

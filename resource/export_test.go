package resource_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/resource"
)

var ctx = context.Background()

// provider starts a node and registers an organization; it returns the
// node's catalogue and a caller of the organization.
func provider(t *testing.T) (*testnode.Node, *registry.Caller) {
	t.Helper()
	n := testnode.Start(t, testnode.Options{})
	r, err := n.Registry.RegisterOrganization(ctx, registry.Operator(), accord.NewOrganization{Name: accord.Text{"en": "Open Models Lab"}, Kind: "provider", Country: "KE"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.Registry.Authenticate(ctx, r.Token.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return n, c
}

func modelFiling() accord.ResourceFiling {
	return accord.ResourceFiling{
		Kind: "model", Title: accord.Text{"en": "Swahili speech recognition", "sw": "Utambuzi wa sauti ya Kiswahili"},
		Description: accord.Text{"en": "An open speech-recognition model for Swahili."},
		Licence:     "Apache-2.0 OR LicenseRef-hf-openrail-m", Languages: []string{"sw", "en"}, Countries: []string{"KE"}, Keywords: []string{"asr"},
		LicenceRefs: []accord.LicenceRef{{ID: "LicenseRef-hf-openrail-m", Name: "OpenRAIL-M", SHA256: strings.Repeat("ab", 32)}},
		Links:       []accord.ResourceLink{{Rel: "download", URL: "https://example.org/sw-asr.safetensors"}},
		Model: &accord.ModelDetails{Parameters: 300_000_000, Modalities: []string{"audio"}, BaseModel: "example/wav2vec2-base",
			OSAID: &accord.OSAID{Status: "claimed", DataInformation: true, Code: true, Parameters: true}},
		Terms: accord.AccessTerms{Mode: "open", Fee: accord.FeeTerms{Standard: "free"}},
	}
}

func datasetFiling() accord.ResourceFiling {
	return accord.ResourceFiling{
		Kind: "dataset", Title: accord.Text{"en": "Arabic legal texts", "ar": "نصوص قانونية عربية"},
		Licence: "CC-BY-4.0", Languages: []string{"ar"},
		Dataset: &accord.DatasetDetails{Bytes: 1 << 30, Records: 120000, Modalities: []string{"text"}, PersonalData: "none",
			Croissant: &accord.CroissantInfo{ConformsTo: "http://mlcommons.org/croissant/1.1", RAI: map[string]string{"dataCollection": "Court rulings published by the courts."}}},
		Terms: accord.AccessTerms{Mode: "gated", Excluded: []string{"FR"}, Fee: accord.FeeTerms{Standard: "free"}},
	}
}

func cycloneDXSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, f := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "cyclonedx", f))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+f, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCycloneDXValid: the ML-BOM of a model and of a data set validate
// against the CycloneDX 1.6 JSON schema (testdata/cyclonedx, from
// CycloneDX/specification).
func TestCycloneDXValid(t *testing.T) {
	n, c := provider(t)
	schema := cycloneDXSchema(t)
	for _, f := range []accord.ResourceFiling{modelFiling(), datasetFiling()} {
		v, err := n.Resources.Publish(ctx, c, f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := resource.CycloneDX(&v.Resource, "https://accord.example.org", "test")
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(doc); err != nil {
			t.Fatalf("%s: CycloneDX 1.6 schema: %v\n%s", f.Kind, err, b)
		}
		var bom struct {
			Components []struct {
				Type     string `json:"type"`
				Licenses []struct {
					Expression string `json:"expression"`
				} `json:"licenses"`
			} `json:"components"`
		}
		json.Unmarshal(b, &bom)
		want := map[string]string{"model": "machine-learning-model", "dataset": "data"}[f.Kind]
		if bom.Components[0].Type != want || bom.Components[0].Licenses[0].Expression != v.Licence {
			t.Errorf("%s: component %+v", f.Kind, bom.Components[0])
		}
	}
	// A drifted BOM fails: the schema is really applied.
	bad := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"neural-net","name":"x"}]}`)
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if schema.Validate(doc) == nil {
		t.Fatal("the CycloneDX schema accepted an unknown component type")
	}
}

// TestSPDXExport checks the SPDX 3.0.1 documents structurally: the SPDX
// 3.0.1 JSON schema is not available to the tests (see docs/RESOURCES.md),
// so this checks what it would: every element's type, spdxId and
// creationInfo, the profile's package type and its required properties,
// and the licence relationship.
func TestSPDXExport(t *testing.T) {
	n, c := provider(t)
	for _, tt := range []struct {
		f        accord.ResourceFiling
		pkg      string
		required []string
	}{
		{modelFiling(), "ai_AIPackage", []string{"name", "software_downloadLocation", "software_packageVersion", "software_primaryPurpose", "suppliedBy", "releaseTime"}},
		{datasetFiling(), "dataset_DatasetPackage", []string{"name", "dataset_datasetType", "software_downloadLocation", "software_primaryPurpose", "releaseTime"}},
	} {
		v, err := n.Resources.Publish(ctx, c, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := resource.SPDX(&v.Resource, "https://accord.example.org", "test")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Context string           `json:"@context"`
			Graph   []map[string]any `json:"@graph"`
		}
		if err := json.Unmarshal(b, &doc); err != nil || doc.Context != resource.SPDXContext {
			t.Fatalf("not an SPDX 3.0.1 JSON-LD document: %v %s", err, b)
		}
		ids := map[string]map[string]any{}
		for _, e := range doc.Graph {
			typ, _ := e["type"].(string)
			if typ == "" {
				t.Errorf("element without type: %v", e)
			}
			if typ == "CreationInfo" {
				if e["specVersion"] != "3.0.1" || e["createdBy"] == nil || e["created"] == nil {
					t.Errorf("creation info: %v", e)
				}
				continue
			}
			id, _ := e["spdxId"].(string)
			if id == "" || e["creationInfo"] != "_:creationinfo" {
				t.Errorf("%s without spdxId or creationInfo", typ)
			}
			ids[id] = e
		}
		var pkg, rel map[string]any
		for _, e := range ids {
			switch e["type"] {
			case tt.pkg:
				pkg = e
			case "Relationship":
				rel = e
			}
		}
		if pkg == nil || rel == nil {
			t.Fatalf("no %s or relationship: %s", tt.pkg, b)
		}
		for _, p := range tt.required {
			if pkg[p] == nil {
				t.Errorf("%s lacks %s", tt.pkg, p)
			}
		}
		to := rel["to"].([]any)
		lic := ids[to[0].(string)]
		if rel["relationshipType"] != "hasDeclaredLicense" || rel["from"] != pkg["spdxId"] || lic["simplelicensing_licenseExpression"] != v.Licence {
			t.Errorf("licence relationship %v → %v", rel, lic)
		}
	}
}

// shaclValidator returns the command that runs the SHACL validator
// (testdata/shacl: rdf-validate-shacl, installed by npm ci as scripts/test
// does). Without it the test skips, except in CI.
func shaclValidator(t *testing.T) []string {
	t.Helper()
	msg := ""
	if _, err := exec.LookPath("node"); err != nil {
		msg = "node is not installed"
	} else if _, err := os.Stat("testdata/shacl/node_modules/rdf-validate-shacl"); err != nil {
		msg = "rdf-validate-shacl is not installed: run `npm ci` in resource/testdata/shacl"
	}
	if msg != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return []string{"node", "testdata/shacl/validate.mjs"}
}

// shacl validates a JSON-LD file against the DCAT-AP 3.0.1 shapes (SEMIC's
// SHACL and its range shapes); it returns the report.
func shacl(t *testing.T, data []byte) (bool, string) {
	t.Helper()
	cmd := shaclValidator(t)
	path := filepath.Join(t.TempDir(), "catalogue.jsonld")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(cmd[1:], path, "testdata/shacl/dcat-ap-3.0.1-SHACL.ttl", "testdata/shacl/dcat-ap-3.0.1-ranges.ttl")
	out, err := exec.Command(cmd[0], args...).Output()
	var exit *exec.ExitError
	if err != nil && (!asExit(err, &exit) || exit.ExitCode() != 1) {
		t.Fatalf("SHACL validator: %v\n%s", err, out)
	}
	return err == nil, string(out)
}

func asExit(err error, e **exec.ExitError) bool {
	x, ok := err.(*exec.ExitError)
	*e = x
	return ok
}

// TestDCATValid: the catalogue exported as DCAT-AP 3.0.1 JSON-LD conforms
// to SEMIC's DCAT-AP 3.0.1 SHACL shapes; a catalogue with a dataset
// stripped of its title does not.
func TestDCATValid(t *testing.T) {
	n, c := provider(t)
	for _, f := range []accord.ResourceFiling{modelFiling(), datasetFiling()} {
		if _, err := n.Resources.Publish(ctx, c, f); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	count, err := n.Resources.DCAT(ctx, &buf, "https://accord.example.org", accord.Text{"en": "Accord test catalogue", "fr": "Catalogue d'essai"}, "test.accord.local")
	if err != nil || count != 2 {
		t.Fatalf("DCAT: %d datasets, %v", count, err)
	}
	ok, report := shacl(t, buf.Bytes())
	if !ok {
		t.Fatalf("the DCAT-AP export does not conform:\n%s\n%s", report, buf.String())
	}
	var doc map[string]any
	json.Unmarshal(buf.Bytes(), &doc)
	doc["dcat:dataset"].([]any)[0].(map[string]any)["dct:title"] = nil
	delete(doc["dcat:dataset"].([]any)[0].(map[string]any), "dct:title")
	broken, _ := json.Marshal(doc)
	if ok, _ := shacl(t, broken); ok {
		t.Fatal("a dataset without a title conformed: the shapes are not applied")
	}
}

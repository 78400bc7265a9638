package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/accord-gov/accord/internal/testnode"
)

// TestCLIResources: publish the examples, post the Malawi need, see the
// offer suggested, propose, accept and complete the match; a bad licence
// is refused naming the field.
func TestCLIResources(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	srv := []string{"--server", n.URL}
	register := func(name, country string) []string {
		code, out, errs := cli(t, append([]string{"org", "register", "-q", "--name", name, "--country", country, "--token", n.AdminToken}, srv...)...)
		if code != 0 {
			t.Fatalf("org register: %s", errs)
		}
		return append([]string{"--token", strings.TrimSpace(out)}, srv...)
	}
	provider, uni := register("Compute Co", "ZA"), register("University of Malawi", "MW")
	code, out, errs := cli(t, append([]string{"resource", "publish", "-q", "../../examples/resources/gpu-hours-ldc-waiver.yaml"}, provider...)...)
	if code != 0 {
		t.Fatalf("publish: %s", errs)
	}
	offer := strings.TrimSpace(out)
	if code, _, errs = cli(t, append([]string{"resource", "publish", "../../examples/resources/swahili-asr-model.yaml"}, provider...)...); code != 0 {
		t.Fatalf("publish model: %s", errs)
	}
	code, out, _ = cli(t, append([]string{"resource", "get", offer}, srv...)...)
	if code != 0 || !strings.Contains(out, "100% off for un-ldc") {
		t.Errorf("get: %s", out)
	}
	code, out, _ = cli(t, append([]string{"resource", "search", "--free-for", "MW", "--kind", "compute"}, srv...)...)
	if code != 0 || !strings.Contains(out, offer) {
		t.Errorf("search free for Malawi: %s", out)
	}
	code, out, errs = cli(t, append([]string{"need", "post", "../../examples/resources/need-gpu-malawi.yaml"}, uni...)...)
	if code != 0 || !regexp.MustCompile(`(?m)^`+offer+` +\d+ +free `).MatchString(out) {
		t.Fatalf("need post: the offer is not suggested free (exit %d):\n%s%s", code, out, errs)
	}
	need := strings.Fields(out)[0]
	code, out, errs = cli(t, append([]string{"match", "propose", need, offer}, uni...)...)
	if code != 0 {
		t.Fatalf("match propose: %s", errs)
	}
	match := strings.TrimSuffix(strings.Fields(out)[0], ":")
	if code, _, errs = cli(t, append([]string{"match", "set", match, "accepted"}, provider...)...); code != 0 {
		t.Fatalf("accept: %s", errs)
	}
	if code, _, errs = cli(t, append([]string{"match", "set", match, "completed"}, uni...)...); code != 0 {
		t.Fatalf("complete: %s", errs)
	}
	code, out, _ = cli(t, append([]string{"need", "get", need}, srv...)...)
	if code != 0 || !strings.Contains(out, "(compute, met)") || !strings.Contains(out, "completed") {
		t.Errorf("need get: %s", out)
	}
	// A model published from its card, exported as CycloneDX and SPDX.
	code, out, errs = cli(t, append([]string{"resource", "import", "--publish", "../../resource/testdata/import/sw-asr-model-card.md"}, provider...)...)
	if code != 0 || !strings.Contains(out, "licence Apache-2.0") {
		t.Fatalf("import --publish: %s%s", out, errs)
	}
	model := strings.Fields(out)[1]
	for format, want := range map[string]string{"cyclonedx": `"machine-learning-model"`, "spdx": `"ai_AIPackage"`} {
		code, out, errs = cli(t, append([]string{"resource", "export", "--format", format, model}, srv...)...)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("export %s: %s%s", format, out, errs)
		}
	}
	code, out, _ = cli(t, append([]string{"resource", "export", "--format", "dcat"}, srv...)...)
	if code != 0 || !strings.Contains(out, model) {
		t.Errorf("export dcat: %.300s", out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("kind: model\ntitle: {en: X}\nlicence: Llama-3\nterms: {mode: open, fee: {standard: free}}\n"), 0o644)
	code, _, errs = cli(t, append([]string{"resource", "publish", bad}, provider...)...)
	if code == 0 || !strings.Contains(errs, "field licence:") {
		t.Errorf("bad licence: exit %d: %s", code, errs)
	}
}

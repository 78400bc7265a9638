package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/testnode"
)

// TestConsentCLI: a provider publishes a notice, a person grants and
// withdraws, the provider's check answers with the token (exit 3 on deny),
// the export verifies offline and a changed receipt does not.
func TestConsentCLI(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	srv := []string{"--server", n.URL}
	code, out, errs := cli(t, append([]string{"org", "register", "-q", "--name", "Consent Co", "--country", "FR", "--token", n.AdminToken}, srv...)...)
	if code != 0 {
		t.Fatalf("org register: %s", errs)
	}
	token := strings.TrimSpace(out)
	auth := append([]string{"--token", token}, srv...)
	code, out, errs = cli(t, append([]string{"file", "-q", "../../examples/hiring-assistant.yaml"}, auth...)...)
	if code != 0 {
		t.Fatalf("file: %s", errs)
	}
	sys := strings.TrimSpace(out)
	code, out, errs = cli(t, append([]string{"consent", "notice", sys, "--publish", "../../examples/consent-notice.yaml"}, auth...)...)
	if code != 0 || !strings.Contains(out, "Published notice version 1") {
		t.Fatalf("publish: %d %s%s", code, out, errs)
	}
	code, out, _ = cli(t, append([]string{"consent", "notice", sys}, srv...)...)
	if code != 0 || !strings.Contains(out, "accord:TrainingOfAISystem") {
		t.Errorf("notice: %s", out)
	}
	me := []string{"--subject", "key:cli-person-0123456789abcdefghij"}
	grant := append(append([]string{"consent", "grant", "--system", sys, "--purpose", "training", "--notice-version", "1", "--language", "fr"}, me...), srv...)
	code, out, errs = cli(t, grant...)
	if code != 0 || !strings.Contains(out, "Consistency token: ct1.") {
		t.Fatalf("grant: %d %s%s", code, out, errs)
	}
	code, _, errs = cli(t, append(append([]string{"consent", "grant", "--system", sys, "--purpose", "hosting", "--notice-version", "1", "--language", "fr"}, me...), srv...)...)
	if code == 0 || !strings.Contains(errs, "field consent_type") {
		t.Errorf("a transfer without explicit consent: %d %s", code, errs)
	}
	check := append(append([]string{"consent", "check", "--system", sys, "--purpose", "training"}, me...), auth...)
	if code, out, errs = cli(t, check...); code != 0 || !strings.HasPrefix(out, "allow (granted)") {
		t.Errorf("check after the grant: %d %s%s", code, out, errs)
	}
	code, out, errs = cli(t, append(append([]string{"consent", "withdraw", "--system", sys, "--purpose", "training"}, me...), srv...)...)
	if code != 0 {
		t.Fatalf("withdraw: %s", errs)
	}
	tok := strings.TrimSpace(out[strings.Index(out, "ct1."):])
	if code, out, _ = cli(t, append(check, "--consistency-token", tok)...); code != 3 || !strings.HasPrefix(out, "deny (withdrawn)") {
		t.Errorf("check with the withdrawal's token: exit %d %s", code, out)
	}
	code, out, errs = cli(t, append(append([]string{"consent", "export"}, me...), srv...)...)
	if code != 0 {
		t.Fatalf("export: %s", errs)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "receipts.json")
	os.WriteFile(file, []byte(out), 0o600)
	var keys accord.ConsentKeys
	code, kout, _ := cli(t, append([]string{"consent", "notices", "--json"}, srv...)...)
	if code != 0 || !strings.Contains(kout, sys) {
		t.Errorf("notices: %s", kout)
	}
	code, kout, _ = cli(t, append([]string{"consent", "keys", "--json"}, srv...)...)
	if code != 0 || json.Unmarshal([]byte(kout), &keys) != nil || keys.ConsentKey == "" {
		t.Fatalf("consent keys: %d %s", code, kout)
	}
	code, vout, verrs := cli(t, "consent", "verify-receipt", file, "--key", keys.ConsentKey, "--log-key", keys.LogKey)
	if code != 0 || strings.Count(vout, "ok ") != 2 {
		t.Errorf("verify-receipt: %d %s%s", code, vout, verrs)
	}
	var rs []accord.ConsentReceipt
	json.Unmarshal([]byte(out), &rs)
	rs[0].Accord.Event.Purpose = "screening"
	b, _ := json.Marshal(rs)
	os.WriteFile(file, b, 0o600)
	if code, vout, _ = cli(t, "consent", "verify-receipt", file, "--key", keys.ConsentKey); code != 1 || !strings.Contains(vout, "FAIL") {
		t.Errorf("a changed receipt: %d %s", code, vout)
	}
	if code, _, errs = cli(t, "consent", "frob"); code != 2 || !strings.Contains(errs, "unknown subcommand") {
		t.Errorf("unknown subcommand: %d %s", code, errs)
	}
}

package accord_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/tlog"
)

// realEntries are the entries a real registry logs: an organization and
// its token, a filing and its classification, an update, a withdrawal.
func realEntries(t testing.TB) [][]byte {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	skey, _, _ := tlog.GenerateKey("entries.example/log")
	l, err := tlog.New(tlog.Config{Store: store, SignerKey: skey})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	packs, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New(registry.Config{Store: store, Log: l, Packs: packs})
	admin := registry.Operator()
	org, err := reg.RegisterOrganization(ctx, admin, accord.NewOrganization{Name: accord.Text{"en": "Acme", "fr": "Acmé"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	c := &registry.Caller{Token: org.Token.Token, OrgKind: "provider"}
	yes := true
	f := accord.Filing{TradeName: accord.Text{"en": "Screener"}, SystemVersion: "1", Status: "active", IntendedPurpose: accord.Text{"en": "Ranks applicants"},
		Domains: []string{"employment.recruitment"}, DeploymentCountries: []string{"FR"}, Facts: accord.Facts{Profiling: &yes}, Confidential: []string{"facts.profiling"}}
	v, err := reg.FileSystem(ctx, c, registry.FileRequest{Filing: f})
	if err != nil {
		t.Fatal(err)
	}
	f.SystemVersion = "2"
	if v, err = reg.UpdateSystem(ctx, c, v.ID, v.ETag(), f); err != nil {
		t.Fatal(err)
	}
	if _, err = reg.WithdrawSystem(ctx, c, v.ID, v.ETag(), "no longer sold"); err != nil {
		t.Fatal(err)
	}
	var es [][]byte
	store.View(ctx, func(tx accord.ReadTx) error {
		n, _ := tx.LogSize(ctx)
		es, err = tx.ReadEntries(ctx, 0, n)
		return err
	})
	return es
}

// TestDecodeLogEntry: every entry a registry logs decodes with its type's
// decoder, into its type's value.
func TestDecodeLogEntry(t *testing.T) {
	want := map[string]string{
		accord.LogTokenIssued: "*accord.Token", accord.LogOrganizationRegistered: "*accord.Organization",
		accord.LogSystemFiled: "*accord.SystemContent", accord.LogSystemUpdated: "*accord.SystemContent", accord.LogSystemWithdrawn: "*accord.SystemContent",
		accord.LogSystemClassified: "*accord.ClassifiedContent",
	}
	seen := map[string]bool{}
	for i, e := range realEntries(t) {
		d, err := accord.DecodeLogEntry(e, true)
		if err != nil {
			t.Fatalf("entry %d (%s): %v", i, e, err)
		}
		if got := typeName(d.Value); got != want[d.Type] {
			t.Errorf("entry %d %s decodes to %s, want %s", i, d.Type, got, want[d.Type])
		}
		seen[d.Type] = true
		if sc, ok := d.Value.(*accord.SystemContent); ok && (sc.Provider == "" || sc.Filing.Facts.Profiling != nil) {
			t.Errorf("entry %d: provider %q, confidential profiling %v in the public content", i, sc.Provider, sc.Filing.Facts.Profiling)
		}
	}
	for typ := range want {
		if !seen[typ] {
			t.Errorf("no %s entry decoded", typ)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *accord.Token:
		return "*accord.Token"
	case *accord.Organization:
		return "*accord.Organization"
	case *accord.SystemContent:
		return "*accord.SystemContent"
	case *accord.ClassifiedContent:
		return "*accord.ClassifiedContent"
	case nil:
		return "nil"
	}
	return "?"
}

// TestDecodeLogEntryRefuses: what an Accord node would never log is
// refused, and says why.
func TestDecodeLogEntryRefuses(t *testing.T) {
	ev := func(typ, record string, version int, content string) []byte {
		return accord.LogEvent{Type: typ, Record: record, Version: version, Time: "2026-12-01T10:00:00.000Z", Org: "org_a", Content: []byte(content)}.Bytes()
	}
	filing := `{"trade_name":{"en":"X"},"system_version":"1","status":"active","intended_purpose":{"en":"p"},"domains":["employment.recruitment"],"deployment_countries":["FR"],"facts":{}}`
	tests := []struct {
		name, entry, want string
	}{
		{"not json", "hello", "not a JSON object"},
		{"an array", "[1]", "not a JSON object"},
		{"unknown envelope field", `{"content":{},"extra":1,"org":"o","record":"r","time":"2026-12-01T10:00:00.000Z","type":"t","version":1}`, `unknown object member name "extra"`},
		{"two objects", `{"content":{},"org":"o","record":"r","time":"2026-12-01T10:00:00.000Z","type":"t","version":1} {}`, "after top-level value"},
		{"a name twice", `{"content":{},"org":"o","record":"r","time":"2026-12-01T10:00:00.000Z","type":"t","type":"u","version":1}`, "duplicate"},
		{"a name in another case", `{"Content":{},"org":"o","record":"r","time":"2026-12-01T10:00:00.000Z","type":"t","version":1}`, "unknown object member"},
		{"no type", `{"content":{},"org":"o","record":"r","time":"2026-12-01T10:00:00.000Z","type":"","version":1}`, "lacks type"},
		{"no content", `{"org":"o","record":"r","time":"2026-12-01T10:00:00.000Z","type":"t","version":1}`, "lacks content"},
		{"a time in another form", `{"content":{},"org":"o","record":"r","time":"2026-12-01T10:00:00Z","type":"t","version":1}`, "not UTC with milliseconds"},
		{"a record with a space", `{"content":{},"org":"o","record":"r r","time":"2026-12-01T10:00:00.000Z","type":"t","version":1}`, "not a short name"},
		{"a filing without a provider", string(ev("system.filed", "sys_a", 1, `{"filing":`+filing+`}`)), "provider"},
		{"a filing at version 2", string(ev("system.filed", "sys_a", 2, `{"provider":"org_a","filing":`+filing+`}`)), "version"},
		{"an update at version 1", string(ev("system.updated", "sys_a", 1, `{"provider":"org_a","filing":`+filing+`}`)), "version"},
		{"a withdrawal without a reason", string(ev("system.withdrawn", "sys_a", 2, `{"provider":"org_a","filing":`+strings.Replace(filing, `"active"`, `"withdrawn"`, 1)+`}`)), "reason"},
		{"a filing that does not validate", string(ev("system.filed", "sys_a", 1, `{"provider":"org_a","filing":`+strings.Replace(filing, `"FR"`, `"XX"`, 1)+`}`)), "deployment_countries"},
		{"a filing with a field of the wrong type", string(ev("system.filed", "sys_a", 1, `{"provider":"org_a","filing":{"trade_name":"X"}}`)), "content"},
		{"an organization of another id", string(ev("organization.registered", "org_a", 1, `{"id":"org_b","name":{"en":"A"},"kind":"provider","country":"FR","contact":{}}`)), "not the entry's record"},
		{"an organization with a home", string(ev("organization.registered", "org_a", 1, `{"id":"org_a","name":{"en":"A"},"kind":"provider","country":"FR","contact":{},"home":"x"}`)), "home"},
		{"an organization of no kind", string(ev("organization.registered", "org_a", 1, `{"id":"org_a","name":{"en":"A"},"kind":"king","country":"FR","contact":{}}`)), "kind"},
		{"a classification without packs", string(ev("system.classified", "sys_a", 1, `{"level":"high","packs":[{"id":"x","hash":"h"}],"frameworks":[]}`)), "framework per pack"},
		{"a peer event of version 2", string(ev("peer.added", "kenya", 1, `{"v":2,"name":"kenya","origin":"o","state":"pending"}`)), "version 1"},
		{"an entry over 64 KiB", `{"content":"` + strings.Repeat("a", 1<<16) + `"}`, "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := accord.DecodeLogEntry([]byte(tt.entry), false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeLogEntry = %v, want an error with %q", err, tt.want)
			}
		})
	}
	// Canonical form is checked on request only.
	loose := []byte(`{"type":"t","record":"r","version":1,"time":"2026-12-01T10:00:00.000Z","org":"o","content":{}}`)
	if _, err := accord.DecodeLogEntry(loose, false); err != nil {
		t.Errorf("a well-formed entry in another key order: %v", err)
	}
	if _, err := accord.DecodeLogEntry(loose, true); err == nil || !strings.Contains(err.Error(), "canonical") {
		t.Errorf("canonical check of an entry in another key order = %v", err)
	}
}

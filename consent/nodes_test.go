package consent_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/consent"
	"github.com/accord-gov/accord/internal/nodeproc"
	"github.com/accord-gov/accord/postgres/pgtest"
)

// TestTwoNodesOneDatabase: two node processes behind one PostgreSQL. A
// person withdraws at one; the provider's check at the other denies at once
// with the withdrawal's token, and within consent.MaxStaleness without it.
func TestTwoNodesOneDatabase(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := nodeproc.StartWith(t, nodeproc.Options{Name: "alpha", DB: dsn})
	// The twin shares the log key, the consent key and the pseudonym secret.
	dir := t.TempDir()
	for _, f := range []string{"log.key", "witness.key", consent.KeyFile, consent.SecretFile, "admin.token"} {
		b, err := os.ReadFile(filepath.Join(a.Data, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b := nodeproc.StartWith(t, nodeproc.Options{Name: "alpha-twin", Member: "alpha", DB: dsn, Data: dir})
	ctx := context.Background()
	provA, _ := a.Provider(t)
	yes := true
	v, err := provA.FileSystem(ctx, "", accord.Filing{TradeName: accord.Text{"en": "Twin system"}, SystemVersion: "1", Status: "active",
		IntendedPurpose: accord.Text{"en": "Tests"}, Domains: []string{"general.conversational_assistant"}, DeploymentCountries: []string{"FR"},
		Facts: accord.Facts{InteractsWithNaturalPersons: &yes}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provA.PublishConsentNotice(ctx, v.ID, accord.NewConsentNotice{Jurisdictions: []string{"EU"}, Text: accord.Text{"en": "Notice"},
		Purposes: []accord.ConsentPurpose{{ID: "training", DPV: "accord:TrainingOfAISystem", LegalBasis: accord.BasisConsent,
			DataCategories: []string{"pd:Preference"}, Title: accord.Text{"en": "Training"}}}}); err != nil {
		t.Fatal(err)
	}
	provB := client.New(b.URL(), provA.Token)
	me := "key:twin-person-0123456789abcdefgh"
	chk := accord.ConsentCheck{System: v.ID, Purpose: "training", Subject: me}
	g, err := a.Public.RecordConsent(ctx, accord.ConsentRequest{Subject: me, Action: accord.ActionGrant, ConsentScope: accord.ConsentScope{System: v.ID},
		Purpose: "training", NoticeVersion: 1, Language: "en"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := provB.CheckConsent(ctx, chk, g.Token); err != nil || !d.Allow {
		t.Fatalf("the twin with the grant's token: %+v, %v", d, err)
	}
	w, err := a.Public.RecordConsent(ctx, accord.ConsentRequest{Subject: me, Action: accord.ActionWithdraw, ConsentScope: accord.ConsentScope{System: v.ID}, Purpose: "training"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := provB.CheckConsent(ctx, chk, w.Token); err != nil || d.Allow || d.Reason != accord.ReasonWithdrawn {
		t.Fatalf("the twin with the withdrawal's token: %+v, %v", d, err)
	}
	// Without the token, another withdrawal-and-grant pair is seen within the bound.
	g2, err := a.Public.RecordConsent(ctx, accord.ConsentRequest{Subject: me, Action: accord.ActionGrant, ConsentScope: accord.ConsentScope{System: v.ID},
		Purpose: "training", NoticeVersion: 1, Language: "en"}, false)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	nodeproc.WaitFor(t, "the twin sees the grant without a token", consent.MaxStaleness, func() bool {
		d, err := provB.CheckConsent(ctx, chk, "")
		return err == nil && d.Allow && len(d.Events) == 1 && d.Events[0].ID == g2.Event.ID
	})
	t.Logf("a token-less check at the twin saw the write after %v", time.Since(start).Round(time.Millisecond))
}

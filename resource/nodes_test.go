package resource_test

import (
	"context"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/nodeproc"
)

// TestCatalogueMirrored: two real node processes; beta mirrors alpha. A
// model and an offer alpha's provider publishes are found in beta's
// catalogue, marked as alpha's, with their terms, and an update follows;
// beta cannot change them.
func TestCatalogueMirrored(t *testing.T) {
	alpha := nodeproc.Start(t, "alpha", "")
	beta := nodeproc.Start(t, "beta", "")
	beta.PeerWith(t, alpha)
	ctx := context.Background()
	prov, _ := alpha.Provider(t)
	offer := accord.ResourceFiling{
		Kind: "compute", Title: accord.Text{"en": "GPU-hours mirrored"}, Licence: "LicenseRef-terms",
		LicenceRefs: []accord.LicenceRef{{ID: "LicenseRef-terms", Name: "Terms", SHA256: "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"}},
		Compute:     &accord.ComputeDetails{Accelerator: "H100", GPUHours: 1000, Region: "ZA"},
		Terms:       accord.AccessTerms{Mode: "on_request", Fee: accord.FeeTerms{Standard: "paid", Waivers: []accord.Waiver{{Group: accord.GroupLDC, Percent: 100}}}},
	}
	v, err := prov.PublishResource(ctx, offer)
	if err != nil {
		t.Fatal(err)
	}
	nodeproc.WaitFor(t, "beta to find alpha's offer", 60*time.Second, func() bool {
		p, err := beta.Public.SearchResources(ctx, accord.ResourceSearch{FreeFor: "MW", Node: "alpha"})
		return err == nil && len(p.Resources) == 1 && p.Resources[0].ID == v.ID
	})
	got, err := beta.Public.Resource(ctx, v.ID)
	if err != nil || got.Home != "alpha" || got.Provider != v.Provider || got.Licence != v.Licence || len(got.Terms.Fee.Waivers) != 1 {
		t.Fatalf("at beta: %+v, %v", got, err)
	}
	offer.Title = accord.Text{"en": "GPU-hours mirrored, updated"}
	if _, err := prov.UpdateResource(ctx, v.ID, v.ETag, offer); err != nil {
		t.Fatal(err)
	}
	nodeproc.WaitFor(t, "beta to follow the update", 60*time.Second, func() bool {
		r, err := beta.Public.Resource(ctx, v.ID)
		return err == nil && r.Version == 2 && r.Title["en"] == "GPU-hours mirrored, updated"
	})
	// The search word index follows too.
	p, err := beta.Public.SearchResources(ctx, accord.ResourceSearch{Text: "updated"})
	if err != nil || len(p.Resources) != 1 {
		t.Fatalf("search at beta: %+v, %v", p, err)
	}
}

package registry_test

import (
	"os"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/demo"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
)

// TestReclassifyDemoAfterEUAmendment files the demo registry under the EU
// pack as it was before Regulation (EU) 2026/1744 was encoded
// (testdata/eu-ai-act-2026.11.1.yaml), then upgrades the node to the
// embedded packs and re-classifies: every EU high-risk system keeps its
// tier, and its Annex III duties move from 2 August 2026 to 2 December 2027,
// citing the amending regulation.
func TestReclassifyDemoAfterEUAmendment(t *testing.T) {
	oldEU, err := os.ReadFile("testdata/eu-ai-act-2026.11.1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files, err := frameworks.Files(frameworks.FS)
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if files[i].Name == "frameworks/eu-ai-act/pack.yaml" {
			files[i].Data = oldEU
		}
	}
	before, err := rules.LoadAll(files)
	if err != nil {
		t.Fatal(err)
	}
	after, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, before)
	admin := registry.Operator()
	orgs, err := demo.Organizations()
	if err != nil {
		t.Fatal(err)
	}
	systems, err := demo.Systems()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, o := range orgs {
		r, err := e.svc.RegisterOrganization(ctx, admin, o.NewOrganization)
		if err != nil {
			t.Fatal(err)
		}
		ids[o.Key] = r.Organization.ID
	}
	var filed []string
	for _, s := range systems {
		v, err := e.svc.FileSystem(ctx, admin, registry.FileRequest{Provider: ids[s.Provider], Filing: s.Filing})
		if err != nil {
			t.Fatalf("%s: %v", s.Key, err)
		}
		for _, u := range s.Updates {
			if v, err = e.svc.UpdateSystem(ctx, admin, v.ID, v.ETag(), u); err != nil {
				t.Fatalf("%s: %v", s.Key, err)
			}
		}
		filed = append(filed, v.ID)
	}
	today := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

	// Under the old pack a high-risk system's duties started on 2 August 2026.
	euOf := func(svc *registry.Service, id string) (rules.Framework, bool) {
		cv, err := svc.Classification(ctx, nil, id, 0, today)
		if err != nil {
			t.Fatal(err)
		}
		for _, fw := range cv.Frameworks {
			if fw.Pack == "eu-ai-act" {
				return fw, true
			}
		}
		return rules.Framework{}, false
	}
	var high []string
	for _, id := range filed {
		fw, ok := euOf(e.svc, id)
		if !ok || fw.Tier != "high" {
			continue
		}
		high = append(high, id)
		if d := duty(fw, "risk-management"); d == nil || d.AppliesFrom != "2026-08-02" || !d.Applies {
			t.Errorf("%s before the upgrade: risk management %+v, want applying since 2026-08-02", id, d)
		}
		if fw.Law != nil && len(fw.Law.Amendments) > 0 {
			t.Errorf("%s before the upgrade: the old pack knows amendment %+v", id, fw.Law.Amendments)
		}
	}
	if len(high) < 2 {
		t.Fatalf("%d demo systems are EU high-risk; the test needs at least two", len(high))
	}

	// Upgrade: the node now has the amended pack.
	upgraded := registry.New(registry.Config{Store: e.store, Log: e.log, Packs: after})
	st, err := upgraded.Reclassify(ctx, today)
	if err != nil || st.Systems != len(filed) {
		t.Fatalf("reclassify = %+v, %v", st, err)
	}
	t.Logf("%d of %d demo systems EU high-risk; reclassify: %d changed level or tier", len(high), len(filed), st.Changed)
	for _, id := range high {
		fw, _ := euOf(upgraded, id)
		if fw.Tier != "high" {
			t.Errorf("%s after the upgrade: tier %s, want high", id, fw.Tier)
			continue
		}
		d := duty(fw, "risk-management")
		if d == nil || d.AppliesFrom != "2027-12-02" || d.Applies {
			t.Errorf("%s after the upgrade: risk management %+v, want from 2027-12-02, not yet applying", id, d)
		}
		if fw.Law == nil || len(fw.Law.Amendments) != 1 || !fw.Law.Amendments[0].Applied || fw.Law.Amendments[0].Citation != "Regulation (EU) 2026/1744" {
			t.Fatalf("%s after the upgrade: law view %+v", id, fw.Law)
		}
		moved := false
		for _, c := range fw.Law.Changes {
			for _, o := range c.Obligations {
				if o.ID == "risk-management" && o.Was == "2026-08-02" && o.Now == "2027-12-02" && c.AmendedBy == "Art. 1(40)(b) of Regulation (EU) 2026/1744" {
					moved = true
				}
			}
		}
		if !moved {
			t.Errorf("%s after the upgrade: no change moves Art. 9 from 2026-08-02 to 2027-12-02: %+v", id, fw.Law.Changes)
		}
		if len(fw.Law.Next) == 0 || fw.Law.Next[0].Date != "2027-12-02" {
			t.Errorf("%s after the upgrade: next dates %+v, want 2027-12-02 first", id, fw.Law.Next)
		}
	}
	// The summaries searched still find them high-risk under the EU pack.
	p, err := upgraded.Search(ctx, accord.SystemQuery{Framework: "eu-ai-act", Tier: "high", Limit: 100})
	if err != nil || len(p.Systems) != len(high) {
		t.Errorf("search for EU high-risk systems after the upgrade: %d, want %d (%v)", len(p.Systems), len(high), err)
	}
}

func duty(fw rules.Framework, id string) *rules.Duty {
	for i := range fw.Obligations {
		if fw.Obligations[i].ID == id {
			return &fw.Obligations[i]
		}
	}
	return nil
}

package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

// The shared-resources catalogue (resource.go): head rows and versions,
// facet search, needs, matches, links of systems to resources.

func resourceOf(id, kind string, version int, langs []string, terms accord.AccessTerms, title string) accord.Resource {
	f := accord.ResourceFiling{Kind: kind, Title: accord.Text{"en": title}, Licence: "Apache-2.0", Languages: langs, Terms: terms}
	switch kind {
	case "compute":
		f.Licence = "LicenseRef-offer"
		f.LicenceRefs = []accord.LicenceRef{{ID: "LicenseRef-offer", Name: "Offer", SHA256: fmt.Sprintf("%064x", 1)}}
		f.Compute = &accord.ComputeDetails{Accelerator: "NVIDIA H100", GPUHours: 1000, Region: "ZA"}
	case "model":
		f.Model = &accord.ModelDetails{Modalities: []string{"audio"}}
	}
	t := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	return accord.Resource{ID: id, Provider: "org_p", Version: version, Status: accord.ResourceActive, Created: t, Updated: t, ResourceFiling: f}
}

func putResource(t *testing.T, s accord.Store, r accord.Resource) {
	t.Helper()
	update(t, s, func(tx accord.WriteTx) error {
		return tx.PutResource(context.Background(), r, accord.ResourceFacets(r), accord.ResourceText(r))
	})
}

func testResources(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	free := accord.AccessTerms{Mode: "open", Fee: accord.FeeTerms{Standard: "free"}}
	r := resourceOf("res_a", "model", 1, []string{"sw"}, free, "Swahili speech")
	putResource(t, s, r)
	r2 := r
	r2.Version, r2.Title = 2, accord.Text{"en": "Swahili speech recognition"}
	putResource(t, s, r2)
	err := s.Update(ctx, func(tx accord.WriteTx) error {
		return tx.PutResource(ctx, r2, accord.ResourceFacets(r2), accord.ResourceText(r2))
	})
	wantCode(t, err, accord.EConflict)
	view(t, s, func(tx accord.ReadTx) error {
		got, err := tx.Resource(ctx, "res_a")
		if err != nil || got.Version != 2 || got.Title["en"] != "Swahili speech recognition" {
			t.Fatalf("Resource = %+v, %v", got, err)
		}
		v1, err := tx.ResourceVersion(ctx, "res_a", 1)
		if err != nil || v1.Title["en"] != "Swahili speech" {
			t.Fatalf("ResourceVersion 1 = %+v, %v", v1, err)
		}
		_, err = tx.Resource(ctx, "res_none")
		wantCode(t, err, accord.ENotFound)
		_, err = tx.Resource(ctx, "bad\x00id")
		wantCode(t, err, accord.ENotFound)
		_, err = tx.ResourceVersion(ctx, "res_a", 3)
		wantCode(t, err, accord.ENotFound)
		// The old title's facets went with the old version: "recognition"
		// finds it now, and word prefixes match.
		for _, q := range []string{"recognition", "recog", "SWAHILI"} {
			p, err := tx.SearchResources(ctx, accord.ResourceQuery{Text: q})
			if err != nil || len(p.Resources) != 1 {
				t.Fatalf("search %q = %+v, %v", q, p, err)
			}
		}
		return nil
	})
}

func ids(p *accord.ResourcePage) []string {
	var out []string
	for _, r := range p.Resources {
		out = append(out, r.ID)
	}
	return out
}

func testResourceSearch(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	free := accord.AccessTerms{Mode: "open", Fee: accord.FeeTerms{Standard: "free"}}
	ldc := accord.AccessTerms{Mode: "on_request", Fee: accord.FeeTerms{Standard: "paid", Waivers: []accord.Waiver{{Group: accord.GroupLDC, Percent: 100}}}}
	paid := accord.AccessTerms{Mode: "on_request", Fee: accord.FeeTerms{Standard: "paid"}}
	noEU := accord.AccessTerms{Mode: "gated", Excluded: []string{"FR", "MW"}, Fee: accord.FeeTerms{Standard: "free"}}
	for _, r := range []accord.Resource{
		resourceOf("res_1", "model", 1, []string{"sw"}, free, "Swahili ASR"),
		resourceOf("res_2", "compute", 1, nil, ldc, "GPU time for Africa"),
		resourceOf("res_3", "compute", 1, nil, paid, "Paid GPU time"),
		resourceOf("res_4", "model", 1, []string{"ar", "fr"}, noEU, "Arabic legal model"),
		resourceOf("res_5", "dataset", 1, []string{"sw-KE"}, free, "Kenyan Swahili corpus"),
	} {
		putResource(t, s, r)
	}
	freeMW, noneMW := accord.FreeForFacets("MW", "academia")
	freeKE, noneKE := accord.FreeForFacets("KE", "academia")
	tests := []struct {
		name string
		q    accord.ResourceQuery
		want []string
	}{
		{"all, newest first", accord.ResourceQuery{}, []string{"res_5", "res_4", "res_3", "res_2", "res_1"}},
		{"kind", accord.ResourceQuery{All: []string{"kind:compute"}}, []string{"res_3", "res_2"}},
		{"language base matches region", accord.ResourceQuery{All: []string{"lang:sw"}}, []string{"res_5", "res_1"}},
		{"two facets", accord.ResourceQuery{All: []string{"kind:model", "lang:sw"}}, []string{"res_1"}},
		{"free for a university in Malawi", accord.ResourceQuery{Any: freeMW, None: noneMW}, []string{"res_5", "res_2", "res_1"}},
		{"free for a university in Kenya (not an LDC)", accord.ResourceQuery{Any: freeKE, None: noneKE}, []string{"res_5", "res_4", "res_1"}},
		{"text and facet", accord.ResourceQuery{Text: "gpu", All: []string{"fee:paid"}}, []string{"res_3", "res_2"}},
		{"text of two words", accord.ResourceQuery{Text: "swahili corp"}, []string{"res_5"}},
		{"licence", accord.ResourceQuery{All: []string{"licence:Apache-2.0"}}, []string{"res_5", "res_4", "res_1"}},
		{"facet with NUL byte", accord.ResourceQuery{All: []string{"kind:\x00"}}, nil},
		{"nothing", accord.ResourceQuery{All: []string{"kind:expert"}}, nil},
	}
	view(t, s, func(tx accord.ReadTx) error {
		for _, tt := range tests {
			p, err := tx.SearchResources(ctx, tt.q)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := ids(p); !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
		// Pages of two, then the rest.
		var got []string
		cursor := ""
		for range 5 {
			p, err := tx.SearchResources(ctx, accord.ResourceQuery{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(p)...)
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		if !slices.Equal(got, []string{"res_5", "res_4", "res_3", "res_2", "res_1"}) {
			t.Errorf("paged: %v", got)
		}
		_, err := tx.SearchResources(ctx, accord.ResourceQuery{Cursor: "nonsense"})
		wantCode(t, err, accord.EInvalid)
		var each []string
		if err := tx.EachResource(ctx, func(r accord.Resource) error { each = append(each, r.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(each, []string{"res_1", "res_2", "res_3", "res_4", "res_5"}) {
			t.Errorf("EachResource: %v", each)
		}
		return nil
	})
}

func testNeedsAndMatches(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	need := accord.Need{ID: "need_1", Org: "org_mw", Version: 1, Status: accord.NeedOpen, Created: at, Updated: at,
		NeedFiling: accord.NeedFiling{Kind: "compute", Title: accord.Text{"en": "GPU-hours"}, Country: "MW", Sector: "academia"}}
	update(t, s, func(tx accord.WriteTx) error {
		if err := tx.PutNeed(ctx, need); err != nil {
			return err
		}
		other := need
		other.ID, other.Org = "need_2", "org_ke"
		return tx.PutNeed(ctx, other)
	})
	m := accord.Match{ID: "mat_1", Need: "need_1", Resource: "res_2", Provider: "org_p", Org: "org_mw", Status: accord.MatchProposed, Version: 1, Created: at, Updated: at}
	update(t, s, func(tx accord.WriteTx) error { return tx.PutMatch(ctx, m) })
	dup := m
	dup.ID = "mat_2"
	wantCode(t, s.Update(ctx, func(tx accord.WriteTx) error { return tx.PutMatch(ctx, dup) }), accord.EConflict)
	m.Version, m.Status = 2, accord.MatchAccepted
	need.Version, need.Status = 2, accord.NeedMet
	update(t, s, func(tx accord.WriteTx) error {
		if err := tx.PutMatch(ctx, m); err != nil {
			return err
		}
		return tx.PutNeed(ctx, need)
	})
	link := accord.SystemResourceLink{System: "sys_1", Resource: "res_2", Role: "model", Org: "org_p", Created: at}
	update(t, s, func(tx accord.WriteTx) error { return tx.LinkSystem(ctx, link) })
	wantCode(t, s.Update(ctx, func(tx accord.WriteTx) error { return tx.LinkSystem(ctx, link) }), accord.EConflict)
	view(t, s, func(tx accord.ReadTx) error {
		n, err := tx.Need(ctx, "need_1")
		if err != nil || n.Status != accord.NeedMet || n.Version != 2 {
			t.Fatalf("Need = %+v, %v", n, err)
		}
		ns, _, err := tx.Needs(ctx, "org_mw", "", "", 10)
		if err != nil || len(ns) != 1 {
			t.Fatalf("Needs of org_mw = %v, %v", ns, err)
		}
		ns, _, err = tx.Needs(ctx, "", accord.NeedOpen, "", 10)
		if err != nil || len(ns) != 1 || ns[0].ID != "need_2" {
			t.Fatalf("open needs = %v, %v", ns, err)
		}
		got, err := tx.ResourceMatch(ctx, "mat_1")
		if err != nil || got.Status != accord.MatchAccepted {
			t.Fatalf("match = %+v, %v", got, err)
		}
		for _, q := range [][2]string{{"need_1", ""}, {"", "res_2"}, {"", ""}, {"need_1", "res_2"}} {
			ms, err := tx.Matches(ctx, q[0], q[1])
			if err != nil || len(ms) != 1 {
				t.Fatalf("Matches%v = %v, %v", q, ms, err)
			}
		}
		on, err := tx.SystemsOn(ctx, "res_2")
		if err != nil || len(on) != 1 || on[0].System != "sys_1" {
			t.Fatalf("SystemsOn = %v, %v", on, err)
		}
		of, err := tx.ResourcesOf(ctx, "sys_1")
		if err != nil || len(of) != 1 {
			t.Fatalf("ResourcesOf = %v, %v", of, err)
		}
		_, err = tx.Need(ctx, "need_x")
		wantCode(t, err, accord.ENotFound)
		return nil
	})
}

// testResourcesDumpLoad: the catalogue's rows move with `accord
// migrate-store`: every version of a resource, needs and matches at
// their latest versions, links; the loaded store dumps the same rows and
// serves the same searches.
func testResourcesDumpLoad(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	src := newStore(t)
	free := accord.AccessTerms{Mode: "open", Fee: accord.FeeTerms{Standard: "free"}}
	r := resourceOf("res_a", "model", 1, []string{"sw"}, free, "Swahili speech")
	putResource(t, src, r)
	r.Version, r.Title = 2, accord.Text{"en": "Swahili speech recognition"}
	putResource(t, src, r)
	putResource(t, src, resourceOf("res_b", "compute", 1, nil, free, "GPU time"))
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	need := accord.Need{ID: "need_1", Org: "org_mw", Version: 1, Status: accord.NeedOpen, Created: at, Updated: at,
		NeedFiling: accord.NeedFiling{Kind: "compute", Title: accord.Text{"en": "GPU-hours"}, Country: "MW", Sector: "academia"}}
	m := accord.Match{ID: "mat_1", Need: "need_1", Resource: "res_b", Provider: "org_p", Org: "org_mw", Status: accord.MatchProposed, Version: 1, Created: at, Updated: at}
	update(t, src, func(tx accord.WriteTx) error {
		if err := tx.PutNeed(ctx, need); err != nil {
			return err
		}
		if err := tx.PutMatch(ctx, m); err != nil {
			return err
		}
		need.Version, need.Status, m.Version, m.Status = 2, accord.NeedMet, 2, accord.MatchCompleted
		if err := tx.PutNeed(ctx, need); err != nil {
			return err
		}
		if err := tx.PutMatch(ctx, m); err != nil {
			return err
		}
		return tx.LinkSystem(ctx, accord.SystemResourceLink{System: "sys_1", Resource: "res_a", Role: "model", Org: "org_p", Created: at})
	})
	rows := DumpRows(t, src)
	n := 0
	for _, row := range rows {
		if f, ok := row.Value.(accord.FederationRow); ok && f.Resource != nil {
			n++
		}
	}
	if n != 6 { // 3 resource versions, a need, a match, a link
		t.Fatalf("dump has %d catalogue rows, want 6", n)
	}
	dst := newStore(t)
	loader, ok := dst.(accord.Loader)
	if !ok {
		t.Fatalf("%T is not a Loader", dst)
	}
	rec := Recorder{Rows: rows}
	if err := loader.Load(ctx, func(w accord.DumpWriter) error { return rec.Replay(ctx, w) }); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if d := DiffRows(rows, DumpRows(t, dst)); d != "" {
		t.Fatalf("the loaded store dumps other rows: %s", d)
	}
	view(t, dst, func(tx accord.ReadTx) error {
		p, err := tx.SearchResources(ctx, accord.ResourceQuery{Text: "recognition", All: []string{"lang:sw"}})
		if err != nil || len(p.Resources) != 1 || p.Resources[0].Version != 2 {
			t.Fatalf("search in the loaded store: %+v, %v", p, err)
		}
		v1, err := tx.ResourceVersion(ctx, "res_a", 1)
		if err != nil || v1.Title["en"] != "Swahili speech" {
			t.Fatalf("version 1 in the loaded store: %+v, %v", v1, err)
		}
		got, err := tx.ResourceMatch(ctx, "mat_1")
		if err != nil || got.Status != accord.MatchCompleted {
			t.Fatalf("match: %+v, %v", got, err)
		}
		on, err := tx.SystemsOn(ctx, "res_a")
		if err != nil || len(on) != 1 {
			t.Fatalf("links: %v, %v", on, err)
		}
		return nil
	})
}

package api_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/tlog"
)

// stated returns facts with every yes/no fact answered "no", so a filing
// states everything the rule packs ask; tests then set what is true.
func stated() accord.Facts {
	var f accord.Facts
	v := reflect.ValueOf(&f).Elem()
	for i := range v.NumField() {
		if v.Field(i).Type() == reflect.TypeFor[*bool]() {
			v.Field(i).Set(reflect.ValueOf(ptr(false)))
		}
	}
	return f.Keep(accord.KindSystem)
}

func hiringFiling() accord.Filing {
	f := sampleFiling()
	f.Facts = stated()
	f.Facts.Profiling = ptr(true)
	f.Facts.MaterialInfluenceOnDecision = ptr(true)
	return f
}

func frameworkOf(t *testing.T, fws any, pack string) map[string]any {
	t.Helper()
	b, _ := json.Marshal(fws)
	var list []map[string]any
	json.Unmarshal(b, &list)
	for _, fw := range list {
		if fw["pack"] == pack {
			return fw
		}
	}
	t.Fatalf("no framework %s in %s", pack, b)
	return nil
}

func TestClassificationOverHTTP(t *testing.T) {
	e := newEnv(t)
	v, err := e.provider.FileSystem(ctx, "", hiringFiling(), "")
	if err != nil {
		t.Fatal(err)
	}
	// The write carries a second receipt: the classification's log entry.
	if len(v.MoreReceipts) != 1 {
		t.Fatalf("more_receipts = %d, want 1", len(v.MoreReceipts))
	}
	if _, err := tlog.VerifyReceipt(v.MoreReceipts[0], e.node.VerifierKey, nil); err != nil {
		t.Errorf("classification receipt: %v", err)
	}
	var ev accord.LogEvent
	json.Unmarshal([]byte(v.MoreReceipts[0].Entry), &ev)
	if ev.Type != accord.LogSystemClassified || ev.Record != v.ID || ev.Version != 1 || !strings.Contains(string(ev.Content), `"eu-ai-act"`) {
		t.Errorf("classification entry = %s", v.MoreReceipts[0].Entry)
	}

	c, err := e.provider.Classification(ctx, v.ID, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.LogIndex == nil || *c.LogIndex != v.MoreReceipts[0].Index {
		t.Errorf("log_index = %v, want %d", c.LogIndex, v.MoreReceipts[0].Index)
	}
	eu := frameworkOf(t, c.Frameworks, "eu-ai-act")
	if eu["applicable"] != "yes" || eu["tier"] != "high" {
		t.Fatalf("EU outcome = %v / %v, want applicable high", eu["applicable"], eu["tier"])
	}
	var citations []string
	for _, h := range eu["fired"].([]any) {
		citations = append(citations, h.(map[string]any)["citation"].(string))
	}
	if !slices.ContainsFunc(citations, func(c string) bool { return strings.Contains(c, "Annex III") && strings.Contains(c, "4") }) {
		t.Errorf("no Annex III point 4 rule fired: %v", citations)
	}
	if len(c.Checklist) == 0 || c.Summary.Level != "high" {
		t.Errorf("summary %+v, checklist of %d themes", c.Summary, len(c.Checklist))
	}
	if cn := frameworkOf(t, c.Frameworks, "cn"); cn["applicable"] != "no" || cn["reason"] == nil {
		t.Errorf("China should not apply, with a reason: %v", cn)
	}

	// By default the classification is as of the filing day, with what the
	// log holds of it; another date is recomputed.
	if string(c.AsOf) != v.Created.Format("2006-01-02") || c.PacksChanged || !strings.Contains(string(c.Filed), `"eu-ai-act"`) {
		t.Errorf("classification as filed: as_of %s, packs_changed %v, filed %s", c.AsOf, c.PacksChanged, c.Filed)
	}
	later, err := e.provider.Classification(ctx, v.ID, 1, "2027-09-01")
	if err != nil || later.AsOf != "2027-09-01" {
		t.Errorf("as_of classification = %+v, %v", later.AsOf, err)
	}

	// Search by framework, tier and baseline level.
	for _, q := range []accord.SystemQuery{{Framework: "eu-ai-act"}, {Framework: "eu-ai-act", Tier: "high"}, {Tier: "high"}} {
		p, err := e.provider.Search(ctx, q)
		if err != nil || len(p.Systems) != 1 || p.Systems[0].Level != "high" || p.Systems[0].Tiers["eu-ai-act"] != "high" {
			t.Errorf("search %+v = %+v, %v", q, p, err)
		}
	}
	if p, _ := e.provider.Search(ctx, accord.SystemQuery{Framework: "cn"}); len(p.Systems) != 0 {
		t.Errorf("framework cn matched a system deployed in FR/DE")
	}

	// Classify without storing: government social scoring is prohibited.
	f := hiringFiling()
	f.Domains = []string{"essential_services.public_benefits"}
	f.DeployerKinds = []string{"public_authority"}
	f.Facts.SocialScoring = ptr(true)
	before, _ := e.admin.Log(ctx)
	res, err := e.provider.Classify(ctx, f, "2026-06-01")
	if err != nil {
		t.Fatal(err)
	}
	if eu := frameworkOf(t, res.Frameworks, "eu-ai-act"); eu["tier"] != "prohibited" || res.Summary.Level != "unacceptable" {
		t.Errorf("social scoring = %v / %s, want prohibited / unacceptable", eu["tier"], res.Summary.Level)
	}
	if after, _ := e.admin.Log(ctx); after.Size != before.Size {
		t.Errorf("POST /v1/classify logged something")
	}
	bad := hiringFiling()
	bad.DeploymentCountries = []string{"Europe"}
	_, err = e.provider.Classify(ctx, bad, "")
	wantProblem(t, err, 422, "invalid", "deployment_countries[0]")
	_, err = e.provider.Classify(ctx, hiringFiling(), "yesterday")
	wantProblem(t, err, 422, "invalid", "as_of")

	// Frameworks.
	var list struct {
		Frameworks []struct {
			ID, Hash string
			Rules    int
		}
	}
	raw, _ := e.provider.Get(ctx, "/v1/frameworks")
	json.Unmarshal(raw, &list)
	ids := []string{}
	for _, f := range list.Frameworks {
		ids = append(ids, f.ID)
		if len(f.Hash) != 64 {
			t.Errorf("framework %s hash %q", f.ID, f.Hash)
		}
	}
	for _, want := range []string{"baseline", "eu-ai-act", "cn", "kr", "us-nyc", "us-co"} {
		if !slices.Contains(ids, want) {
			t.Errorf("framework %s missing from %v", want, ids)
		}
	}
	raw, err = e.provider.Get(ctx, "/v1/frameworks/eu-ai-act")
	if err != nil || !strings.Contains(string(raw), `"citation":"Art. 5(1)(c)"`) {
		t.Errorf("eu-ai-act pack lacks Art. 5(1)(c): %v", err)
	}
	_, err = e.provider.Get(ctx, "/v1/frameworks/atlantis")
	var ce *client.Error
	if !errorsAs(err, &ce) || ce.Status != 404 {
		t.Errorf("unknown framework: %v", err)
	}
}

// TestClassificationHidesConfidentialFacts: the facts behind a rule are
// shown, except the values of fields the provider marked confidential.
func TestClassificationHidesConfidentialFacts(t *testing.T) {
	e := newEnv(t)
	f := hiringFiling()
	f.Kind, f.Domains, f.DeployerKinds, f.AffectedPersons = accord.KindModel, nil, nil, nil
	f.Facts = f.Facts.Keep(accord.KindModel)
	f.Facts.GeneralPurposeModel = ptr(true)
	f.Facts.TrainingComputeFLOP = ptr(3.1e25)
	f.Confidential = []string{"facts.training_compute_flop"}
	v, err := e.provider.FileSystem(ctx, "", f, "")
	if err != nil {
		t.Fatal(err)
	}
	public := &client.Client{Server: e.node.URL, HTTP: e.http}
	for name, c := range map[string]*client.Client{"public": public, "provider": e.provider} {
		cl, err := c.Classification(ctx, v.ID, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(cl)
		leaks := strings.Contains(string(b), "3.1e+25") || strings.Contains(string(b), "31000000000000000000000000")
		if name == "public" && leaks {
			t.Errorf("the public classification shows the confidential compute")
		}
		if name == "provider" && !leaks {
			t.Errorf("the provider's classification hides its own compute: %.400s", b)
		}
	}
	if strings.Contains(v.MoreReceipts[0].Entry, "3.1e") {
		t.Errorf("the classification's log entry holds a fact value")
	}
}

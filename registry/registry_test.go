package registry_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
	"github.com/accord-gov/accord/sqlite"
	"github.com/accord-gov/accord/tlog"
)

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

// stated answers every yes/no fact "no".
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

type env struct {
	store    accord.Store
	log      *tlog.Log
	svc      *registry.Service
	provider *registry.Caller
}

func newEnv(t testing.TB, packs []*rules.Pack) *env {
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	skey, _, _ := tlog.GenerateKey("registry.test/log")
	l, err := tlog.New(tlog.Config{Store: db, SignerKey: skey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(); db.Close() })
	svc := registry.New(registry.Config{Store: db, Log: l, Packs: packs})
	admin := registry.Operator()
	r, err := svc.RegisterOrganization(ctx, admin, accord.NewOrganization{Name: accord.Text{"en": "P"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := svc.Authenticate(ctx, r.Token.Secret)
	return &env{db, l, svc, c}
}

func filing(i int) accord.Filing {
	domains := []string{"employment.recruitment", "general.translation", "essential_services.credit_scoring", "media.recommendation"}
	f := accord.Filing{
		TradeName: accord.Text{"en": fmt.Sprintf("System %d", i)}, SystemVersion: "1", Status: "active",
		IntendedPurpose: accord.Text{"en": "Test"}, Domains: []string{domains[i%len(domains)]},
		DeploymentCountries: []string{"FR"}, Facts: stated(),
	}
	f.Facts.Profiling = ptr(i%2 == 0)
	return f
}

func TestReclassifyAfterRuleChange(t *testing.T) {
	all, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, all)
	for i := range 40 {
		if _, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: filing(i)}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(svc *registry.Service, q accord.SystemQuery) int {
		m, err := svc.FacetCounts(ctx, q, "level")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range m {
			n += c
		}
		return n
	}
	if n := count(e.svc, accord.SystemQuery{Framework: "eu-ai-act"}); n != 40 {
		t.Fatalf("%d systems under eu-ai-act before the change, want 40", n)
	}
	// The same classification again changes nothing.
	st, err := e.svc.Reclassify(ctx, time.Now())
	if err != nil || st.Systems != 40 || st.Changed != 0 {
		t.Fatalf("reclassify with the same packs = %+v, %v", st, err)
	}
	// A rule change: the node drops the EU pack. Every system's facets follow.
	var withoutEU []*rules.Pack
	for _, p := range all {
		if p.ID != "eu-ai-act" {
			withoutEU = append(withoutEU, p)
		}
	}
	changed := registry.New(registry.Config{Store: e.store, Log: e.log, Packs: withoutEU})
	st, err = changed.Reclassify(ctx, time.Now())
	if err != nil || st.Systems != 40 || st.Changed != 40 {
		t.Fatalf("reclassify without the EU pack = %+v, %v", st, err)
	}
	if n := count(changed, accord.SystemQuery{Framework: "eu-ai-act"}); n != 0 {
		t.Errorf("%d systems still under eu-ai-act", n)
	}
	if n := count(changed, accord.SystemQuery{Tier: "not_applicable"}); n != 40 {
		t.Errorf("%d systems at not_applicable, want 40", n)
	}
	// The classification logged at filing stays as filed; a recomputation
	// under the new packs says that they changed.
	p, _ := changed.Search(ctx, accord.SystemQuery{Limit: 1})
	// The summary keeps everything but its level and tiers.
	if sum := p.Systems[0]; sum.Level != "not_applicable" || len(sum.Tiers) != 0 || len(sum.TradeName) == 0 || sum.Updated.IsZero() || sum.Version != 1 {
		t.Errorf("summary after the change: %+v", sum)
	}
	cv, err := changed.Classification(ctx, nil, p.Systems[0].ID, 0, time.Time{})
	if err != nil || cv.LogIndex == nil || !cv.PacksChanged || !strings.Contains(string(cv.Filed), `"eu-ai-act"`) || len(cv.Frameworks) != len(all)-2 {
		t.Errorf("classification after the change: log %v, packs_changed %v, %d frameworks, %v", cv.LogIndex, cv.PacksChanged, len(cv.Frameworks), err)
	}
	same, _ := e.svc.Classification(ctx, nil, p.Systems[0].ID, 0, time.Time{})
	if same.PacksChanged {
		t.Error("packs_changed under the packs the filing was classified with")
	}
}

// TestBuiltOn: a system names the model it is built on; the model must be
// a model filed here, or at another member's node; search finds the
// systems built on a model, and models and systems apart.
func TestBuiltOn(t *testing.T) {
	all, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, all)
	model := accord.Filing{Kind: accord.KindModel, TradeName: accord.Text{"en": "Model"}, SystemVersion: "1", Status: "active",
		IntendedPurpose: accord.Text{"en": "A model."}, DeploymentCountries: []string{"FR"},
		Facts: accord.Facts{TrainingComputeFLOP: ptr(2e25), OpenWeights: ptr(false), MilitaryOnly: ptr(false), ResearchOnly: ptr(false), SystemicRiskDesignated: ptr(false)}}
	m, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: model})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: filing(1)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		ref   accord.ModelRef
		field string // the field the refusal names; "" if accepted
	}{
		{"a model filed here", accord.ModelRef{System: m.ID}, ""},
		{"a model at another member's node, not mirrored yet", accord.ModelRef{System: "sys_0000000000000000000009", Node: "Korea"}, ""},
		{"an id nobody filed here", accord.ModelRef{System: "sys_0000000000000000000009"}, "built_on.system"},
		{"a system, not a model", accord.ModelRef{System: other.ID}, "built_on.system"},
		{"a local model named as another member's", accord.ModelRef{System: m.ID, Node: "Korea"}, "built_on.node"},
	} {
		f := filing(2)
		f.BuiltOn = &tt.ref
		_, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: f})
		var ae *accord.Error
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.field != "" && (!errors.As(err, &ae) || ae.Code != accord.EInvalid || len(ae.Fields) != 1 || ae.Fields[0].Field != tt.field):
			t.Errorf("%s: error %v, want one naming %s", tt.name, err, tt.field)
		}
	}
	built, err := e.svc.Search(ctx, accord.SystemQuery{BuiltOn: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(built.Systems) != 1 || built.Systems[0].Kind != accord.KindSystem {
		t.Errorf("systems built on the model: %+v", built.Systems)
	}
	models, err := e.svc.Search(ctx, accord.SystemQuery{Kind: accord.KindModel})
	if err != nil {
		t.Fatal(err)
	}
	if len(models.Systems) != 1 || models.Systems[0].ID != m.ID || models.Systems[0].Level != "gpai_systemic_risk" {
		t.Errorf("models: %+v", models.Systems)
	}
	if _, err := e.svc.Search(ctx, accord.SystemQuery{Kind: "agent"}); accord.ErrorCode(err) != accord.EInvalid {
		t.Errorf("kind=agent: %v", err)
	}
}

package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
	acctlog "github.com/accord-gov/accord/tlog"
)

type env struct {
	svc      *registry.Service
	store    accord.Store
	vkey     string
	admin    *registry.Caller
	provider *registry.Caller
	other    *registry.Caller
	orgID    string
}

// newEnv runs the registry service over the store, with two provider organizations.
func newEnv(t *testing.T, newStore NewStore) *env {
	t.Helper()
	s := newStore(t)
	l, vkey := newLog(t, s)
	e := &env{svc: registry.New(registry.Config{Store: s, Log: l}), store: s, vkey: vkey}
	e.admin = registry.Operator()
	reg := func(name, country string) *registry.Caller {
		r, err := e.svc.RegisterOrganization(ctx, e.admin, accord.NewOrganization{Name: accord.Text{"en": name}, Kind: "provider", Country: country})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.Authenticate(ctx, r.Token.Secret)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	e.provider = reg("Provider One", "FR")
	e.orgID = e.provider.Org()
	e.other = reg("Provider Two", "CN")
	return e
}

func testRegistryIfMatch(t *testing.T, newStore NewStore) {
	e := newEnv(t, newStore)
	v1, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: filing("Alpha")})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := e.svc.UpdateSystem(ctx, e.provider, v1.ID, v1.ETag(), filing("Alpha 2"))
	if err != nil {
		t.Fatal(err)
	}
	// A second update based on version 1 loses nothing: it is refused.
	_, err = e.svc.UpdateSystem(ctx, e.provider, v1.ID, v1.ETag(), filing("Alpha stale"))
	wantCode(t, err, accord.EPreconditionFailed)
	_, err = e.svc.UpdateSystem(ctx, e.provider, v1.ID, "", filing("Alpha no etag"))
	wantCode(t, err, accord.EPreconditionRequired)
	_, err = e.svc.UpdateSystem(ctx, e.other, v1.ID, v2.ETag(), filing("Alpha foreign"))
	wantCode(t, err, accord.EForbidden)
	cur, err := e.svc.System(ctx, nil, v1.ID)
	if err != nil || cur.Version != 2 || cur.Filing.TradeName["en"] != "Alpha 2" {
		t.Errorf("current = v%d %q, %v; want v2 \"Alpha 2\"", cur.Version, cur.Filing.TradeName["en"], err)
	}
}

func testRegistryIdempotency(t *testing.T, newStore NewStore) {
	e := newEnv(t, newStore)
	req := registry.FileRequest{Filing: filing("Beta"), IdempotencyKey: "key-1"}
	a, err := e.svc.FileSystem(ctx, e.provider, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.svc.FileSystem(ctx, e.provider, req)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Replayed || b.ID != a.ID || b.Version != 1 || b.Receipt == nil || b.Receipt.Index != a.Receipt.Index {
		t.Errorf("replay = %+v, want the first result (%s)", b, a.ID)
	}
	req.Filing = filing("Beta changed")
	_, err = e.svc.FileSystem(ctx, e.provider, req)
	wantCode(t, err, accord.EInvalid)
	// The same key from another organization is a different request.
	c, err := e.svc.FileSystem(ctx, e.other, registry.FileRequest{Filing: filing("Beta"), IdempotencyKey: "key-1"})
	if err != nil || c.ID == a.ID {
		t.Errorf("other org with the same key: %v, id %s", err, c.ID)
	}
	// A key is one line of text on every store: SQLite would keep a NUL,
	// PostgreSQL cannot.
	for _, key := range []string{"key\x00", "key\x01", "key\xff", "key\u202e"} {
		_, err = e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: filing("Gamma"), IdempotencyKey: key})
		var ae *accord.Error
		if !errors.As(err, &ae) || ae.Code != accord.EInvalid || len(ae.Fields) != 1 || ae.Fields[0].Field != "Idempotency-Key" {
			t.Errorf("Idempotency-Key %q: %v, want invalid naming it", key, err)
		}
	}
	p, err := e.svc.Search(ctx, accord.SystemQuery{Provider: e.orgID})
	if err != nil || len(p.Systems) != 1 {
		t.Errorf("provider has %d systems, want 1 (filed once)", len(p.Systems))
	}
}

func testRegistryConfidential(t *testing.T, newStore NewStore) {
	e := newEnv(t, newStore)
	// A model: training compute is a model's fact.
	f := filing("Gamma foundation model")
	f.Kind, f.Domains, f.Facts = accord.KindModel, nil, accord.Facts{}
	f.DataSources = accord.Text{"en": "Secret watch-list XYZZY"}
	flop := 3.5e24
	f.Facts.TrainingComputeFLOP = &flop
	f.Confidential = []string{"data_sources", "facts.training_compute_flop"}
	v, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: f})
	if err != nil {
		t.Fatal(err)
	}
	// The log entry holds commitments, never the values.
	if strings.Contains(v.Receipt.Entry, "XYZZY") || strings.Contains(v.Receipt.Entry, "3.5e") {
		t.Fatalf("confidential value in the log entry: %s", v.Receipt.Entry)
	}
	var ev accord.LogEvent
	if err := json.Unmarshal([]byte(v.Receipt.Entry), &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Commitments) != 2 || len(ev.Commitments["data_sources"]) != 64 {
		t.Errorf("commitments = %v", ev.Commitments)
	}
	// The stored salt reproduces the commitment.
	view(t, e.store, func(tx accord.ReadTx) error {
		sv, err := tx.SystemVersion(ctx, v.ID, 1)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(f.DataSources)
		c, err := registry.Commitment(sv.Salts["data_sources"], raw)
		if err != nil || c != ev.Commitments["data_sources"] {
			t.Errorf("commitment from the stored salt = %s, log has %s (%v)", c, ev.Commitments["data_sources"], err)
		}
		return nil
	})
	// The public, the other provider and search see no confidential field.
	for name, c := range map[string]*registry.Caller{"public": nil, "other provider": e.other} {
		got, err := e.svc.System(ctx, c, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Filing.DataSources != nil || got.Filing.Facts.TrainingComputeFLOP != nil {
			t.Errorf("%s sees confidential fields: %+v", name, got.Filing)
		}
		if !slices.Equal(got.Filing.Confidential, []string{"data_sources", "facts.training_compute_flop"}) {
			t.Errorf("%s does not see which fields are withheld: %v", name, got.Filing.Confidential)
		}
		vs, err := e.svc.Versions(ctx, c, v.ID)
		if err != nil || vs[0].Filing.DataSources != nil {
			t.Errorf("%s sees confidential fields in versions", name)
		}
	}
	if p, _ := e.svc.Search(ctx, accord.SystemQuery{Q: "XYZZY"}); len(p.Systems) != 0 {
		t.Errorf("search finds a system by a confidential field")
	}
	// The provider itself and the admin do.
	for name, c := range map[string]*registry.Caller{"provider": e.provider, "admin": e.admin} {
		got, err := e.svc.System(ctx, c, v.ID)
		if err != nil || got.Filing.DataSources["en"] != "Secret watch-list XYZZY" || got.Filing.Facts.TrainingComputeFLOP == nil {
			t.Errorf("%s cannot read its confidential fields: %+v, %v", name, got.Filing, err)
		}
	}
}

func testRegistryVersions(t *testing.T, newStore NewStore) {
	e := newEnv(t, newStore)
	v, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: filing("Delta")})
	if err != nil {
		t.Fatal(err)
	}
	f := filing("Delta")
	f.DeploymentCountries = []string{"FR", "DE"}
	v, err = e.svc.UpdateSystem(ctx, e.provider, v.ID, v.ETag(), f)
	if err != nil {
		t.Fatal(err)
	}
	v, err = e.svc.WithdrawSystem(ctx, e.provider, v.ID, "", "No longer offered")
	if err != nil {
		t.Fatal(err)
	}
	vs, err := e.svc.Versions(ctx, nil, v.ID)
	if err != nil || len(vs) != 3 {
		t.Fatalf("versions = %d, %v", len(vs), err)
	}
	events := []string{vs[0].Event, vs[1].Event, vs[2].Event}
	if !slices.Equal(events, []string{"filed", "updated", "withdrawn"}) || vs[2].Reason != "No longer offered" {
		t.Errorf("events = %v, reason %q", events, vs[2].Reason)
	}
	if !slices.Equal(vs[0].Filing.DeploymentCountries, []string{"FR"}) || !slices.Equal(vs[1].Filing.DeploymentCountries, []string{"DE", "FR"}) {
		t.Errorf("old versions changed: %v / %v", vs[0].Filing.DeploymentCountries, vs[1].Filing.DeploymentCountries)
	}
	for _, ver := range vs {
		r, err := e.svc.Receipt(ctx, v.ID, ver.Version)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := acctlog.VerifyReceipt(*r, e.vkey, nil); err != nil || r.Index != ver.LogIndex {
			t.Errorf("version %d receipt: %v (index %d, want %d)", ver.Version, err, r.Index, ver.LogIndex)
		}
		var ev accord.LogEvent
		json.Unmarshal([]byte(r.Entry), &ev)
		if ev.Record != v.ID || ev.Version != ver.Version {
			t.Errorf("version %d's entry is %s v%d", ver.Version, ev.Record, ev.Version)
		}
	}
	_, err = e.svc.UpdateSystem(ctx, e.provider, v.ID, v.ETag(), f)
	wantCode(t, err, accord.EConflict)
	old, err := e.svc.SystemAt(ctx, nil, v.ID, 1, false)
	if err != nil || old.Version != 1 || old.Status != "active" {
		t.Errorf("version 1 = %+v, %v", old, err)
	}
	if p, _ := e.svc.Search(ctx, accord.SystemQuery{Status: "withdrawn"}); len(p.Systems) != 1 {
		t.Errorf("withdrawn filter found %d", len(p.Systems))
	}
}

func testRegistrySearchLanguages(t *testing.T, newStore NewStore) {
	e := newEnv(t, newStore)
	file := func(name accord.Text, purpose accord.Text, countries ...string) string {
		f := filing("x")
		f.TradeName, f.IntendedPurpose, f.DeploymentCountries = name, purpose, countries
		v, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: f})
		if err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	zh := file(accord.Text{"zh-Hans": "新闻推荐", "en": "News feed"}, accord.Text{"zh-Hans": "为用户提供个性化推荐"}, "CN")
	ar := file(accord.Text{"ar": "مُساعِد التَّوظيف"}, accord.Text{"ar": "فرز طلبات الوظائف"}, "EG", "MA")
	fr := file(accord.Text{"fr": "Évaluation du crédit"}, accord.Text{"fr": "Notation des emprunteurs"}, "FR")
	for q, want := range map[string][]string{
		"推荐": {zh}, "news": {zh}, "مساعد": {ar}, "التوظيف": {ar}, "توظيف": {ar}, "credit": {fr}, "EVALUATION": {fr}, "emprunt": {fr},
	} {
		p, err := e.svc.Search(ctx, accord.SystemQuery{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range p.Systems {
			got = append(got, s.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("search %q = %v, want %v", q, got, want)
		}
	}
	if p, _ := e.svc.Search(ctx, accord.SystemQuery{Q: "التوظيف", Country: "MA"}); len(p.Systems) != 1 {
		t.Errorf("arabic + country filter: %d results", len(p.Systems))
	}
	if p, _ := e.svc.Search(ctx, accord.SystemQuery{Q: "التوظيف", Country: "FR"}); len(p.Systems) != 0 {
		t.Errorf("arabic + wrong country: %d results", len(p.Systems))
	}
}

// testRejectedWriteLeavesNothing: a write the store refuses leaves neither
// a record nor a log entry, and the log goes on without a gap.
func testRejectedWriteLeavesNothing(t *testing.T, newStore NewStore) {
	e := newEnv(t, newStore)
	var before int64
	view(t, e.store, func(tx accord.ReadTx) error { before, _ = tx.LogSize(ctx); return nil })
	_, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Provider: "org_missing", Filing: filing("Epsilon")})
	wantCode(t, err, accord.EForbidden)
	_, err = e.svc.FileSystem(ctx, e.admin, registry.FileRequest{Provider: "org_missing", Filing: filing("Epsilon")})
	wantCode(t, err, accord.EInvalid)
	bad := filing("Epsilon")
	bad.DeploymentCountries = []string{"XX"}
	_, err = e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: bad})
	wantCode(t, err, accord.EInvalid)
	view(t, e.store, func(tx accord.ReadTx) error {
		after, _ := tx.LogSize(ctx)
		if after != before {
			t.Errorf("log grew from %d to %d after refused writes", before, after)
		}
		p, _ := tx.SearchSystems(ctx, accord.SystemQuery{Q: "Epsilon"})
		if len(p.Systems) != 0 {
			t.Errorf("a refused filing was stored")
		}
		return nil
	})
	v, err := e.svc.FileSystem(ctx, e.provider, registry.FileRequest{Filing: filing("Epsilon")})
	if err != nil || v.Receipt.Index != before {
		t.Errorf("next write got index %d, want %d (no gap): %v", v.Receipt.Index, before, err)
	}
}

package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

var ctx = context.Background()

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func testMeta(t *testing.T, newStore NewStore) {
	s := newStore(t)
	view(t, s, func(tx accord.ReadTx) error {
		_, err := tx.Meta(ctx, "k")
		wantCode(t, err, accord.ENotFound)
		return nil
	})
	update(t, s, func(tx accord.WriteTx) error { return tx.SetMeta(ctx, "k", []byte("v1")) })
	update(t, s, func(tx accord.WriteTx) error { return tx.SetMeta(ctx, "k", []byte("v2")) })
	view(t, s, func(tx accord.ReadTx) error {
		v, err := tx.Meta(ctx, "k")
		if err != nil || string(v) != "v2" {
			t.Errorf("Meta = %q, %v; want v2", v, err)
		}
		return nil
	})
}

func org(i int, kind, country string) accord.Organization {
	return accord.Organization{
		ID: fmt.Sprintf("org_%03d", i), Name: accord.Text{"en": fmt.Sprintf("Org %d", i), "zh-Hans": "组织"},
		Kind: kind, Country: country, Contact: accord.Contact{Email: "x@example.org"}, Created: t0,
	}
}

func testOrganizations(t *testing.T, newStore NewStore) {
	s := newStore(t)
	var want []accord.Organization
	update(t, s, func(tx accord.WriteTx) error {
		for i := range 25 {
			kind, country := "provider", "FR"
			if i%3 == 0 {
				kind, country = "authority", "KE"
			}
			o := org(i, kind, country)
			want = append(want, o)
			if err := tx.CreateOrganization(ctx, o); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, s, func(tx accord.WriteTx) error {
		wantCode(t, tx.CreateOrganization(ctx, want[0]), accord.EConflict)
		return nil
	})
	view(t, s, func(tx accord.ReadTx) error {
		got, err := tx.Organization(ctx, "org_004")
		if err != nil || !reflect.DeepEqual(*got, want[4]) {
			t.Errorf("Organization = %+v, %v; want %+v", got, err, want[4])
		}
		_, err = tx.Organization(ctx, "org_nope")
		wantCode(t, err, accord.ENotFound)

		// Pagination visits every organization once, in order.
		var seen []string
		cursor := ""
		for {
			p, err := tx.Organizations(ctx, accord.OrganizationQuery{Cursor: cursor, Limit: 10})
			if err != nil {
				return err
			}
			for _, o := range p.Organizations {
				seen = append(seen, o.ID)
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		if len(seen) != 25 || seen[0] != "org_000" || seen[24] != "org_024" {
			t.Errorf("paged organizations = %v", seen)
		}
		p, err := tx.Organizations(ctx, accord.OrganizationQuery{Kind: "authority", Country: "KE", Limit: 100})
		if err != nil {
			return err
		}
		if len(p.Organizations) != 9 || p.Next != "" {
			t.Errorf("authority filter gave %d (next %q), want 9", len(p.Organizations), p.Next)
		}
		_, err = tx.Organizations(ctx, accord.OrganizationQuery{Cursor: "garbage!"})
		wantCode(t, err, accord.EInvalid)
		return nil
	})
}

func testTokens(t *testing.T, newStore NewStore) {
	s := newStore(t)
	tok := accord.Token{ID: "tok_1", Org: "org_1", Label: "ci", Created: t0}
	update(t, s, func(tx accord.WriteTx) error {
		if err := tx.CreateToken(ctx, tok, []byte("hash-1")); err != nil {
			return err
		}
		wantCode(t, tx.CreateToken(ctx, accord.Token{ID: "tok_2", Org: "org_1"}, []byte("hash-1")), accord.EConflict)
		return tx.CreateToken(ctx, accord.Token{ID: "tok_3", Org: "org_1", Created: t0}, []byte("hash-3"))
	})
	view(t, s, func(tx accord.ReadTx) error {
		got, err := tx.TokenByHash(ctx, []byte("hash-1"))
		if err != nil || !reflect.DeepEqual(*got, tok) {
			t.Errorf("TokenByHash = %+v, %v", got, err)
		}
		_, err = tx.TokenByHash(ctx, []byte("nope"))
		wantCode(t, err, accord.ENotFound)
		ts, err := tx.Tokens(ctx, "org_1")
		if err != nil || len(ts) != 2 {
			t.Errorf("Tokens = %v, %v; want 2", ts, err)
		}
		return nil
	})
	update(t, s, func(tx accord.WriteTx) error { return tx.RevokeToken(ctx, "tok_1", t0.Add(time.Hour)) })
	view(t, s, func(tx accord.ReadTx) error {
		got, err := tx.TokenByHash(ctx, []byte("hash-1"))
		if err != nil || got.Revoked == nil || !got.Revoked.Equal(t0.Add(time.Hour)) {
			t.Errorf("revoked token = %+v, %v", got, err)
		}
		return nil
	})
}

func filing(name string) accord.Filing {
	yes := true
	return accord.Filing{
		TradeName: accord.Text{"en": name}, SystemVersion: "1.0", Status: "active",
		IntendedPurpose: accord.Text{"en": "Purpose of " + name}, Domains: []string{"general.conversational_assistant"},
		DeploymentCountries: []string{"FR"}, Facts: accord.Facts{InteractsWithNaturalPersons: &yes},
	}
}

func testSystemVersions(t *testing.T, newStore NewStore) {
	s := newStore(t)
	sys := accord.System{ID: "sys_1", Provider: "org_1", Version: 1, Status: "active", Created: t0, Updated: t0}
	v1 := accord.SystemVersion{SystemID: "sys_1", Version: 1, Event: accord.EventFiled, Filing: filing("A"), Time: t0, By: "org_1", LogIndex: 3,
		Salts: map[string][]byte{"data_sources": []byte("0123456789abcdef0123456789abcdef")}}
	update(t, s, func(tx accord.WriteTx) error {
		if err := tx.AddSystemVersion(ctx, v1); err != nil {
			return err
		}
		return tx.PutSystem(ctx, sys, accord.SystemSummary{ID: "sys_1"}, accord.SearchDoc{Text: "a"})
	})
	v2 := v1
	v2.Version, v2.Event, v2.Filing, v2.Salts, v2.LogIndex = 2, accord.EventUpdated, filing("B"), nil, 9
	sys.Version = 2
	update(t, s, func(tx accord.WriteTx) error {
		wantCode(t, tx.AddSystemVersion(ctx, v1), accord.EConflict)
		if err := tx.AddSystemVersion(ctx, v2); err != nil {
			return err
		}
		return tx.PutSystem(ctx, sys, accord.SystemSummary{ID: "sys_1"}, accord.SearchDoc{Text: "b"})
	})
	view(t, s, func(tx accord.ReadTx) error {
		got, err := tx.System(ctx, "sys_1")
		if err != nil || got.Version != 2 {
			t.Errorf("System = %+v, %v", got, err)
		}
		vs, err := tx.SystemVersions(ctx, "sys_1")
		if err != nil || len(vs) != 2 {
			t.Fatalf("SystemVersions = %d, %v", len(vs), err)
		}
		if !reflect.DeepEqual(vs[0], v1) || !reflect.DeepEqual(vs[1], v2) {
			t.Errorf("versions differ:\n got %+v\nwant %+v", vs, []accord.SystemVersion{v1, v2})
		}
		one, err := tx.SystemVersion(ctx, "sys_1", 1)
		if err != nil || !reflect.DeepEqual(*one, v1) {
			t.Errorf("SystemVersion(1) = %+v, %v", one, err)
		}
		_, err = tx.SystemVersion(ctx, "sys_1", 3)
		wantCode(t, err, accord.ENotFound)
		_, err = tx.SystemVersions(ctx, "sys_nope")
		wantCode(t, err, accord.ENotFound)
		_, err = tx.System(ctx, "sys_nope")
		wantCode(t, err, accord.ENotFound)
		return nil
	})
}

func testSavepoint(t *testing.T, newStore NewStore) {
	s := newStore(t)
	update(t, s, func(tx accord.WriteTx) error {
		if err := tx.Savepoint(ctx, func() error { return tx.CreateOrganization(ctx, org(1, "provider", "FR")) }); err != nil {
			return err
		}
		err := tx.Savepoint(ctx, func() error {
			if err := tx.CreateOrganization(ctx, org(2, "provider", "FR")); err != nil {
				return err
			}
			return errors.New("the write fails after writing")
		})
		if err == nil {
			t.Error("Savepoint swallowed the error")
		}
		// A constraint error inside a savepoint leaves the transaction usable.
		err = tx.Savepoint(ctx, func() error { return tx.CreateOrganization(ctx, org(1, "provider", "FR")) })
		wantCode(t, err, accord.EConflict)
		return tx.CreateOrganization(ctx, org(3, "provider", "FR"))
	})
	view(t, s, func(tx accord.ReadTx) error {
		for id, want := range map[string]bool{"org_001": true, "org_002": false, "org_003": true} {
			_, err := tx.Organization(ctx, id)
			if got := err == nil; got != want {
				t.Errorf("%s present = %v, want %v (%v)", id, got, want, err)
			}
		}
		return nil
	})
}

func testRollbackOnError(t *testing.T, newStore NewStore) {
	s := newStore(t)
	err := s.Update(ctx, func(tx accord.WriteTx) error {
		if err := tx.CreateOrganization(ctx, org(1, "provider", "FR")); err != nil {
			return err
		}
		if err := tx.AppendLog(ctx, 0, [][]byte{[]byte("e0")}, 0, []accordHash{{1}}); err != nil {
			return err
		}
		return errors.New("abort")
	})
	if err == nil {
		t.Fatal("Update returned nil for a failing function")
	}
	view(t, s, func(tx accord.ReadTx) error {
		_, err := tx.Organization(ctx, "org_001")
		wantCode(t, err, accord.ENotFound)
		n, err := tx.LogSize(ctx)
		if err != nil || n != 0 {
			t.Errorf("LogSize after rollback = %d, %v", n, err)
		}
		return nil
	})
}

func testIdempotency(t *testing.T, newStore NewStore) {
	s := newStore(t)
	i := accord.Idempotency{Org: "org_1", Key: "k1", RequestHash: []byte("h"), Resource: "sys_1", Version: 1, Created: t0}
	update(t, s, func(tx accord.WriteTx) error { return tx.PutIdempotency(ctx, i) })
	update(t, s, func(tx accord.WriteTx) error {
		wantCode(t, tx.PutIdempotency(ctx, i), accord.EConflict)
		// Keys are per organization.
		j := i
		j.Org = "org_2"
		return tx.PutIdempotency(ctx, j)
	})
	view(t, s, func(tx accord.ReadTx) error {
		got, err := tx.Idempotency(ctx, "org_1", "k1")
		if err != nil || !reflect.DeepEqual(*got, i) {
			t.Errorf("Idempotency = %+v, %v; want %+v", got, err, i)
		}
		_, err = tx.Idempotency(ctx, "org_1", "k2")
		wantCode(t, err, accord.ENotFound)
		return nil
	})
}

func testHeads(t *testing.T, newStore NewStore) {
	s := newStore(t)
	// Five systems filed in order; sys_2 has a second version.
	for i := range 5 {
		id := fmt.Sprintf("sys_%d", i)
		update(t, s, func(tx accord.WriteTx) error {
			v := accord.SystemVersion{SystemID: id, Version: 1, Event: accord.EventFiled, Filing: filing("v1 of " + id), Time: t0, By: "org_1"}
			if err := tx.AddSystemVersion(ctx, v); err != nil {
				return err
			}
			sys := accord.System{ID: id, Provider: "org_1", Version: 1, Status: "active", Created: t0, Updated: t0}
			return tx.PutSystem(ctx, sys, accord.SystemSummary{ID: id, Version: 1, Level: "minimal"}, accord.SearchDoc{Text: id, Facets: accord.ClassFacets("minimal", nil)})
		})
	}
	update(t, s, func(tx accord.WriteTx) error {
		v := accord.SystemVersion{SystemID: "sys_2", Version: 2, Event: accord.EventUpdated, Filing: filing("v2 of sys_2"), Time: t0, By: "org_1"}
		if err := tx.AddSystemVersion(ctx, v); err != nil {
			return err
		}
		sys := accord.System{ID: "sys_2", Provider: "org_1", Version: 2, Status: "active", Created: t0, Updated: t0}
		tiers := map[string]string{"eu-ai-act": "high"}
		return tx.PutSystem(ctx, sys, accord.SystemSummary{ID: "sys_2", Version: 2, Level: "high", Tiers: tiers},
			accord.SearchDoc{Text: "sys_2", Facets: append(accord.ClassFacets("high", tiers), "country:FR")})
	})
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		var p *accord.HeadPage
		view(t, s, func(tx accord.ReadTx) error {
			var err error
			p, err = tx.Heads(ctx, cursor, 2)
			return err
		})
		if len(p.Heads) > 2 {
			t.Fatalf("page of %d heads, limit 2", len(p.Heads))
		}
		for _, h := range p.Heads {
			var v accord.SystemVersion
			if err := json.Unmarshal(h.Current, &v); err != nil {
				t.Fatal(err)
			}
			if v.SystemID != h.ID || v.Version != h.Version {
				t.Errorf("head %s version %d came with version %d of %s", h.ID, h.Version, v.Version, v.SystemID)
			}
			got = append(got, fmt.Sprintf("%s/%s/%s", h.ID, strings.Join(h.Class, ","), v.Filing.TradeName["en"]))
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	// Class holds the classification facets only, sorted.
	want := []string{"sys_4/level:minimal/v1 of sys_4", "sys_3/level:minimal/v1 of sys_3",
		"sys_2/framework:eu-ai-act,level:high,tier:eu-ai-act/high/v2 of sys_2", "sys_1/level:minimal/v1 of sys_1", "sys_0/level:minimal/v1 of sys_0"}
	if !slices.Equal(got, want) {
		t.Errorf("heads:\n got %v\nwant %v", got, want)
	}
	view(t, s, func(tx accord.ReadTx) error {
		_, err := tx.Heads(ctx, "not a cursor", 2)
		wantCode(t, err, accord.EInvalid)
		return nil
	})
}

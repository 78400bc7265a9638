package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

func consentNotice(system string, version int) accord.ConsentNotice {
	return accord.ConsentNotice{
		System: system, Provider: "org_p", Version: version, Domains: []string{"recommender_system"},
		Jurisdictions: []string{"EU"}, Text: accord.Text{"en": "We use your data", "fr": "Nous utilisons vos données"},
		Purposes: []accord.ConsentPurpose{{ID: "training", DPV: "accord:TrainingOfAISystem", LegalBasis: accord.BasisConsent,
			DataCategories: []string{"pd:Preference"}, Title: accord.Text{"en": "Training"}}},
		Published: t0, LogIndex: int64(version),
	}
}

func consentEvent(id, subject string, seq int64, action string) accord.ConsentEvent {
	return accord.ConsentEvent{ID: id, Subject: subject, Action: action, ConsentScope: accord.ConsentScope{System: "sys_a"},
		Purpose: "training", Method: accord.MethodAPI, Role: accord.RoleSubject, Time: t0.Add(time.Duration(seq) * time.Second), Seq: seq}
}

// testConsentRecords: notices by version and latest, subjects, events by
// subject and after a log index, conflicts, erasure.
func testConsentRecords(t *testing.T, newStore NewStore) {
	s := newStore(t)
	view(t, s, func(tx accord.ReadTx) error {
		_, err := tx.ConsentNotice(ctx, "sys_a", 0)
		wantCode(t, err, accord.ENotFound)
		_, err = tx.ConsentSubject(ctx, "ps1_x")
		wantCode(t, err, accord.ENotFound)
		ns, err := tx.ConsentNotices(ctx)
		if err != nil || len(ns) != 0 {
			t.Errorf("ConsentNotices of an empty store = %v, %v", ns, err)
		}
		return nil
	})
	update(t, s, func(tx accord.WriteTx) error {
		for _, n := range []accord.ConsentNotice{consentNotice("sys_a", 1), consentNotice("sys_a", 2), consentNotice("sys_b", 1)} {
			if err := tx.AddConsentNotice(ctx, n); err != nil {
				return err
			}
		}
		for _, sub := range []string{"ps1_x", "ps1_y"} {
			if err := tx.PutConsentSubject(ctx, accord.ConsentSubject{Pseudonym: sub, Salt: []byte("salt-" + sub), Created: t0}); err != nil {
				return err
			}
		}
		for i, e := range []accord.ConsentEvent{
			consentEvent("ce_1", "ps1_x", 10, accord.ActionGrant),
			consentEvent("ce_2", "ps1_y", 11, accord.ActionGrant),
			consentEvent("ce_3", "ps1_x", 14, accord.ActionWithdraw),
		} {
			if err := tx.AddConsentEvent(ctx, e); err != nil {
				return fmt.Errorf("event %d: %w", i, err)
			}
		}
		return nil
	})
	// A taken notice version, event id or log index is a conflict, and the
	// transaction goes on (nothing of the refused row is stored).
	update(t, s, func(tx accord.WriteTx) error {
		wantCode(t, tx.AddConsentNotice(ctx, consentNotice("sys_a", 2)), accord.EConflict)
		wantCode(t, tx.AddConsentEvent(ctx, consentEvent("ce_1", "ps1_x", 20, accord.ActionGrant)), accord.EConflict)
		wantCode(t, tx.AddConsentEvent(ctx, consentEvent("ce_9", "ps1_x", 10, accord.ActionGrant)), accord.EConflict)
		return nil
	})
	view(t, s, func(tx accord.ReadTx) error {
		if v, err := tx.ConsentNoticeVersion(ctx, "sys_a"); err != nil || v != 2 {
			t.Errorf("ConsentNoticeVersion = %d, %v; want 2", v, err)
		}
		if v, err := tx.ConsentNoticeVersion(ctx, "sys_none"); err != nil || v != 0 {
			t.Errorf("ConsentNoticeVersion of a system without notice = %d, %v; want 0", v, err)
		}
		n, err := tx.ConsentNotice(ctx, "sys_a", 0)
		if err != nil || n.Version != 2 {
			t.Errorf("latest notice = %+v, %v; want version 2", n, err)
		}
		n, err = tx.ConsentNotice(ctx, "sys_a", 1)
		if err != nil || n.Version != 1 || !reflect.DeepEqual(n.Text, consentNotice("sys_a", 1).Text) {
			t.Errorf("notice version 1 = %+v, %v", n, err)
		}
		_, err = tx.ConsentNotice(ctx, "sys_a", 3)
		wantCode(t, err, accord.ENotFound)
		ns, err := tx.ConsentNotices(ctx)
		if err != nil || len(ns) != 2 || ns[0].System != "sys_a" || ns[0].Version != 2 || ns[1].System != "sys_b" {
			t.Errorf("ConsentNotices = %+v, %v; want sys_a v2, sys_b v1", ns, err)
		}
		es, err := tx.ConsentEvents(ctx, accord.ConsentEventQuery{Subject: "ps1_x"})
		if err != nil || len(es) != 2 || es[0].ID != "ce_1" || es[1].ID != "ce_3" {
			t.Errorf("events of ps1_x = %+v, %v", es, err)
		}
		if want := consentEvent("ce_1", "ps1_x", 10, accord.ActionGrant); err == nil && !es[0].Time.Equal(want.Time) {
			t.Errorf("event time = %v, want %v", es[0].Time, want.Time)
		}
		es, err = tx.ConsentEvents(ctx, accord.ConsentEventQuery{After: 10, Limit: 1})
		if err != nil || len(es) != 1 || es[0].Seq != 11 {
			t.Errorf("events after 10, limit 1 = %+v, %v", es, err)
		}
		es, err = tx.ConsentEvents(ctx, accord.ConsentEventQuery{After: 11})
		if err != nil || len(es) != 1 || es[0].Seq != 14 {
			t.Errorf("events after 11 = %+v, %v", es, err)
		}
		sub, err := tx.ConsentSubject(ctx, "ps1_x")
		if err != nil || string(sub.Salt) != "salt-ps1_x" {
			t.Errorf("subject = %+v, %v", sub, err)
		}
		return nil
	})
	// Erasure: the events go, the salt goes, the subject stays as erased.
	update(t, s, func(tx accord.WriteTx) error {
		n, err := tx.EraseConsentEvents(ctx, "ps1_x")
		if err != nil || n != 2 {
			t.Errorf("EraseConsentEvents = %d, %v; want 2", n, err)
		}
		at := t0.Add(time.Hour)
		return tx.PutConsentSubject(ctx, accord.ConsentSubject{Pseudonym: "ps1_x", Created: t0, Erased: &at})
	})
	view(t, s, func(tx accord.ReadTx) error {
		es, err := tx.ConsentEvents(ctx, accord.ConsentEventQuery{Subject: "ps1_x"})
		if err != nil || len(es) != 0 {
			t.Errorf("events after erasure = %+v, %v", es, err)
		}
		sub, err := tx.ConsentSubject(ctx, "ps1_x")
		if err != nil || sub.Salt != nil || sub.Erased == nil {
			t.Errorf("erased subject = %+v, %v; want no salt, erased set", sub, err)
		}
		es, err = tx.ConsentEvents(ctx, accord.ConsentEventQuery{})
		if err != nil || len(es) != 1 || es[0].Subject != "ps1_y" {
			t.Errorf("all events after erasure = %+v, %v", es, err)
		}
		return nil
	})
}

// testConsentDumpLoad: accord migrate-store moves consent's tables (a
// store without them would lose every person's withdrawals).
func testConsentDumpLoad(t *testing.T, newStore NewStore) {
	src := newStore(t)
	update(t, src, func(tx accord.WriteTx) error {
		for _, n := range []accord.ConsentNotice{consentNotice("sys_a", 1), consentNotice("sys_a", 2)} {
			if err := tx.AddConsentNotice(ctx, n); err != nil {
				return err
			}
		}
		at := t0.Add(time.Minute)
		if err := tx.PutConsentSubject(ctx, accord.ConsentSubject{Pseudonym: "ps1_gone", Created: t0, Erased: &at}); err != nil {
			return err
		}
		if err := tx.PutConsentSubject(ctx, accord.ConsentSubject{Pseudonym: "ps1_x", Salt: []byte{1, 2, 3}, Created: t0}); err != nil {
			return err
		}
		for _, e := range []accord.ConsentEvent{consentEvent("ce_1", "ps1_x", 3, accord.ActionGrant), consentEvent("ce_2", "ps1_x", 5, accord.ActionWithdraw)} {
			if err := tx.AddConsentEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	rows := DumpRows(t, src)
	n := 0
	for _, r := range rows {
		if r.Table == "consent" {
			n++
		}
	}
	if n != 6 {
		t.Fatalf("the dump has %d consent rows, want 6 (2 notices, 2 subjects, 2 events)", n)
	}
	dst := newStore(t)
	rec := &Recorder{Rows: rows}
	if err := dst.(accord.Loader).Load(ctx, func(w accord.DumpWriter) error { return rec.Replay(ctx, w) }); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if d := DiffRows(rows, DumpRows(t, dst)); d != "" {
		t.Fatalf("the loaded store dumps differently: %s", d)
	}
	view(t, dst, func(tx accord.ReadTx) error {
		es, err := tx.ConsentEvents(ctx, accord.ConsentEventQuery{Subject: "ps1_x"})
		if err != nil || len(es) != 2 || es[1].Seq != 5 || es[1].Action != accord.ActionWithdraw {
			t.Errorf("loaded events = %+v, %v", es, err)
		}
		sub, err := tx.ConsentSubject(ctx, "ps1_gone")
		if err != nil || sub.Erased == nil {
			t.Errorf("loaded erased subject = %+v, %v", sub, err)
		}
		return nil
	})
}

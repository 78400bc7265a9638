package storetest

import (
	"reflect"
	"testing"

	"github.com/accord-gov/accord"
)

func testGovernance(t *testing.T, newStore NewStore) {
	s := newStore(t)
	view(t, s, func(tx accord.ReadTx) error {
		cs, err := tx.Charters(ctx)
		if err != nil || len(cs) != 0 {
			t.Errorf("Charters of an empty store = %v, %v", cs, err)
		}
		_, err = tx.Proposal(ctx, "p-1")
		wantCode(t, err, accord.ENotFound)
		_, err = tx.Proposal(ctx, "p-\x00")
		wantCode(t, err, accord.ENotFound)
		_, err = tx.ProposalPack(ctx, "abc")
		wantCode(t, err, accord.ENotFound)
		ps, err := tx.Proposals(ctx)
		if err != nil || len(ps) != 0 {
			t.Errorf("Proposals of an empty store = %v, %v", ps, err)
		}
		return nil
	})
	charter := accord.SignedCharter{Charter: accord.Charter{Version: 1, Title: "Founding charter"}, Hash: "h1", Signatures: []string{"sig"}, Signers: []string{"a"}, Installed: t0, LogIndex: 3}
	older := accord.Proposal{ID: "p-1", ContentHash: "c1", Origin: "a.example/log", LogIndex: 5,
		Content: accord.ProposalContent{Kind: accord.KindAmendPack, Proposer: "a", Pack: "us-nyc", Title: accord.Text{"en": "One"}, Filed: "2026-01-01T00:00:00.000Z"}}
	newer := older
	newer.ID, newer.Content.Filed, newer.LogIndex = "p-2", "2026-02-01T00:00:00.000Z", 9
	b := func(member, tm, origin string, idx int64) accord.Ballot {
		return accord.Ballot{Proposal: "p-1", ContentHash: "c1", Member: member, Choice: accord.Approve, Note: "n", Time: tm, Origin: origin, LogIndex: idx}
	}
	ballots := []accord.Ballot{b("b", "2026-01-02T00:00:00.000Z", "b.example/log", 4), b("a", "2026-01-02T00:00:00.000Z", "a.example/log", 7), b("a", "2026-01-01T12:00:00.000Z", "a.example/log", 6)}
	update(t, s, func(tx accord.WriteTx) error {
		for _, f := range []func() error{
			func() error { return tx.PutCharter(ctx, charter) },
			func() error { return tx.CreateProposal(ctx, older) },
			func() error { return tx.CreateProposal(ctx, newer) },
			func() error { return tx.PutProposalPack(ctx, "ph", []byte("id: x\n")) },
			func() error { return tx.PutProposalPack(ctx, "ph", []byte("id: x\n")) }, // again: no-op
			func() error { return tx.AddBallot(ctx, ballots[0]) },
			func() error { return tx.AddBallot(ctx, ballots[1]) },
			func() error { return tx.AddBallot(ctx, ballots[2]) },
			func() error {
				return tx.AddComment(ctx, accord.Comment{ID: "c-2", Proposal: "p-1", Author: "b", Text: accord.Text{"en": "later"}, Time: "2026-01-03T00:00:00.000Z", Origin: "b.example/log"})
			},
			func() error {
				return tx.AddComment(ctx, accord.Comment{ID: "c-1", Proposal: "p-1", Author: "a", Text: accord.Text{"fr": "d'abord"}, Time: "2026-01-02T00:00:00.000Z", Origin: "a.example/log"})
			},
			func() error {
				return tx.AddSeal(ctx, accord.Seal{Proposal: "p-1", Origin: "b.example/log", Member: "b", LogIndex: 8})
			},
			func() error {
				return tx.AddSeal(ctx, accord.Seal{Proposal: "p-1", Origin: "a.example/log", Member: "a", LogIndex: 12})
			},
			func() error {
				return tx.AddDecision(ctx, accord.Decision{Proposal: "p-1", Outcome: accord.OutcomeAdopted, Origin: "b.example/log", Member: "b"})
			},
			func() error {
				return tx.AddDecision(ctx, accord.Decision{Proposal: "p-1", Outcome: accord.OutcomeAdopted, Origin: "a.example/log", Member: "a"})
			},
		} {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	})
	// Duplicates are conflicts, and store nothing.
	for name, f := range map[string]func(tx accord.WriteTx) error{
		"charter":  func(tx accord.WriteTx) error { return tx.PutCharter(ctx, charter) },
		"proposal": func(tx accord.WriteTx) error { return tx.CreateProposal(ctx, older) },
		"ballot":   func(tx accord.WriteTx) error { return tx.AddBallot(ctx, ballots[0]) },
		"comment": func(tx accord.WriteTx) error {
			return tx.AddComment(ctx, accord.Comment{ID: "c-1", Proposal: "p-1", Text: accord.Text{"en": "x"}})
		},
		"seal": func(tx accord.WriteTx) error {
			return tx.AddSeal(ctx, accord.Seal{Proposal: "p-1", Origin: "a.example/log", LogIndex: 99})
		},
		"decision": func(tx accord.WriteTx) error {
			return tx.AddDecision(ctx, accord.Decision{Proposal: "p-1", Origin: "a.example/log", Outcome: accord.OutcomeRejected})
		},
	} {
		t.Run("duplicate "+name, func(t *testing.T) { wantCode(t, s.Update(ctx, f), accord.EConflict) })
	}
	view(t, s, func(tx accord.ReadTx) error {
		cs, err := tx.Charters(ctx)
		if err != nil || len(cs) != 1 || !reflect.DeepEqual(cs[0].Signers, charter.Signers) || !cs[0].Installed.Equal(t0) || cs[0].Hash != "h1" {
			t.Errorf("Charters = %+v, %v", cs, err)
		}
		p, err := tx.Proposal(ctx, "p-1")
		if err != nil || !reflect.DeepEqual(*p, older) {
			t.Errorf("Proposal = %+v, %v; want %+v", p, err, older)
		}
		ps, err := tx.Proposals(ctx)
		if err != nil || len(ps) != 2 || ps[0].ID != "p-2" || ps[1].ID != "p-1" {
			t.Errorf("Proposals = %+v, %v; want p-2, p-1", ps, err)
		}
		data, err := tx.ProposalPack(ctx, "ph")
		if err != nil || string(data) != "id: x\n" {
			t.Errorf("ProposalPack = %q, %v", data, err)
		}
		bs, err := tx.Ballots(ctx, "p-1")
		want := []accord.Ballot{ballots[2], ballots[1], ballots[0]} // by time, then origin
		if err != nil || !reflect.DeepEqual(bs, want) {
			t.Errorf("Ballots = %+v, %v; want %+v", bs, err, want)
		}
		if bs, err := tx.Ballots(ctx, "p-2"); err != nil || len(bs) != 0 {
			t.Errorf("Ballots of p-2 = %+v, %v", bs, err)
		}
		cm, err := tx.Comments(ctx, "p-1")
		if err != nil || len(cm) != 2 || cm[0].ID != "c-1" || cm[1].ID != "c-2" || cm[0].Text["fr"] != "d'abord" {
			t.Errorf("Comments = %+v, %v", cm, err)
		}
		ss, err := tx.Seals(ctx, "p-1")
		if err != nil || len(ss) != 2 || ss[0].Member != "a" || ss[0].LogIndex != 12 || ss[1].Member != "b" {
			t.Errorf("Seals = %+v, %v", ss, err)
		}
		ds, err := tx.Decisions(ctx, "p-1")
		if err != nil || len(ds) != 2 || ds[0].Member != "a" || ds[1].Member != "b" || ds[0].Outcome != accord.OutcomeAdopted {
			t.Errorf("Decisions = %+v, %v", ds, err)
		}
		return nil
	})
}

func testGovernanceCursor(t *testing.T, newStore NewStore) {
	s := newStore(t)
	get := func(origin string) int64 {
		var n int64
		view(t, s, func(tx accord.ReadTx) error {
			var err error
			n, err = tx.GovernanceCursor(ctx, origin)
			return err
		})
		return n
	}
	if n := get("a"); n != 0 {
		t.Fatalf("cursor of an unread log = %d", n)
	}
	update(t, s, func(tx accord.WriteTx) error { return tx.SetGovernanceCursor(ctx, "a", 0, 10) })
	wantCode(t, s.Update(ctx, func(tx accord.WriteTx) error { return tx.SetGovernanceCursor(ctx, "a", 0, 20) }), accord.EConflict)
	wantCode(t, s.Update(ctx, func(tx accord.WriteTx) error { return tx.SetGovernanceCursor(ctx, "a", 5, 20) }), accord.EConflict)
	update(t, s, func(tx accord.WriteTx) error { return tx.SetGovernanceCursor(ctx, "a", 10, 300) })
	if n := get("a"); n != 300 {
		t.Errorf("cursor = %d, want 300", n)
	}
	if n := get("b"); n != 0 {
		t.Errorf("cursor of another log = %d", n)
	}
}

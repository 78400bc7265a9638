package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

func peer(name string, state accord.PeerState) accord.Peer {
	return accord.Peer{
		Name: name, URL: "http://" + name + ".example", Origin: name + ".example/log",
		LogKey: name + ".example/log+00000000+AAAA", WitnessKey: name + ".example/witness+00000000+BAAA",
		State: state, Version: 1, Added: t0, Updated: t0,
	}
}

func testPeers(t *testing.T, newStore NewStore) {
	s := newStore(t)
	view(t, s, func(tx accord.ReadTx) error {
		_, err := tx.Peer(ctx, "a")
		wantCode(t, err, accord.ENotFound)
		_, err = tx.PeerByOrigin(ctx, "a.example/log")
		wantCode(t, err, accord.ENotFound)
		ps, err := tx.Peers(ctx)
		if err != nil || len(ps) != 0 {
			t.Errorf("Peers of an empty store = %v, %v", ps, err)
		}
		return nil
	})
	update(t, s, func(tx accord.WriteTx) error {
		for _, n := range []string{"b", "a"} {
			if err := tx.CreatePeer(ctx, peer(n, accord.PeerPending)); err != nil {
				return err
			}
		}
		return nil
	})
	// A taken name, or a taken origin under another name, is a conflict.
	taken := peer("a", accord.PeerPending)
	taken.Origin = "other.example/log"
	sameOrigin := peer("c", accord.PeerPending)
	sameOrigin.Origin = "a.example/log"
	for _, p := range []accord.Peer{taken, sameOrigin} {
		err := s.Update(ctx, func(tx accord.WriteTx) error { return tx.CreatePeer(ctx, p) })
		wantCode(t, err, accord.EConflict)
	}
	p := peer("a", accord.PeerActive)
	p.Version, p.Updated = 2, t0.Add(time.Hour)
	update(t, s, func(tx accord.WriteTx) error { return tx.UpdatePeer(ctx, p) })
	missing := peer("zz", accord.PeerActive)
	wantCode(t, s.Update(ctx, func(tx accord.WriteTx) error { return tx.UpdatePeer(ctx, missing) }), accord.ENotFound)
	view(t, s, func(tx accord.ReadTx) error {
		got, err := tx.PeerByOrigin(ctx, "a.example/log")
		if err != nil || *got != p {
			t.Errorf("PeerByOrigin = %+v, %v; want %+v", got, err, p)
		}
		ps, err := tx.Peers(ctx)
		if err != nil || len(ps) != 2 || ps[0].Name != "a" || ps[1].Name != "b" || ps[0].State != accord.PeerActive {
			t.Errorf("Peers = %+v, %v; want a (active), b", ps, err)
		}
		return nil
	})
}

func testExternalWitnesses(t *testing.T, newStore NewStore) {
	s := newStore(t)
	w := accord.ExternalWitness{Name: "w.example/witness", URL: "http://w.example", Key: "w.example/witness+00000000+BAAA", Added: t0}
	update(t, s, func(tx accord.WriteTx) error { return tx.PutExternalWitness(ctx, w) })
	w.URL = "http://w2.example"
	update(t, s, func(tx accord.WriteTx) error { return tx.PutExternalWitness(ctx, w) })
	view(t, s, func(tx accord.ReadTx) error {
		ws, err := tx.ExternalWitnesses(ctx)
		if err != nil || len(ws) != 1 || ws[0] != w {
			t.Errorf("ExternalWitnesses = %+v, %v; want [%+v]", ws, err, w)
		}
		return nil
	})
	update(t, s, func(tx accord.WriteTx) error { return tx.DeleteExternalWitness(ctx, w.Name) })
	wantCode(t, s.Update(ctx, func(tx accord.WriteTx) error { return tx.DeleteExternalWitness(ctx, w.Name) }), accord.ENotFound)
}

func witnessAt(origin string, size int64) accord.WitnessState {
	return accord.WitnessState{
		Origin: origin, Size: size, Root: tlog.Hash{byte(size), 1},
		Checkpoint: fmt.Appendf(nil, "%s\n%d\nroot\n\n— w sig\n", origin, size), Cosigned: t0.Add(time.Duration(size) * time.Second),
	}
}

func wantConflict(t *testing.T, err error, size int64) {
	t.Helper()
	var c *accord.WitnessConflict
	if !errors.As(err, &c) || c.Size != size {
		t.Fatalf("AdvanceWitness error = %v, want a conflict at size %d", err, size)
	}
}

func testWitnessCAS(t *testing.T, newStore NewStore) {
	s := newStore(t)
	const o = "log.example/a"
	view(t, s, func(tx accord.ReadTx) error {
		_, err := tx.WitnessState(ctx, o)
		wantCode(t, err, accord.ENotFound)
		return nil
	})
	// Never cosigned counts as size 0: old must be 0.
	wantConflict(t, s.Update(ctx, func(tx accord.WriteTx) error { return tx.AdvanceWitness(ctx, 5, witnessAt(o, 7)) }), 0)
	update(t, s, func(tx accord.WriteTx) error { return tx.AdvanceWitness(ctx, 0, witnessAt(o, 0)) })
	update(t, s, func(tx accord.WriteTx) error { return tx.AdvanceWitness(ctx, 0, witnessAt(o, 10)) })
	// A stale old size changes nothing and names the current one.
	wantConflict(t, s.Update(ctx, func(tx accord.WriteTx) error { return tx.AdvanceWitness(ctx, 0, witnessAt(o, 12)) }), 10)
	wantConflict(t, s.Update(ctx, func(tx accord.WriteTx) error { return tx.AdvanceWitness(ctx, 9, witnessAt(o, 12)) }), 10)
	update(t, s, func(tx accord.WriteTx) error { return tx.AdvanceWitness(ctx, 10, witnessAt(o, 20)) })
	// The same size again (a fresh cosignature) is an advance from it.
	again := witnessAt(o, 20)
	again.Cosigned = again.Cosigned.Add(time.Minute)
	update(t, s, func(tx accord.WriteTx) error { return tx.AdvanceWitness(ctx, 20, again) })
	// Another log is independent.
	update(t, s, func(tx accord.WriteTx) error { return tx.AdvanceWitness(ctx, 0, witnessAt("log.example/b", 3)) })
	view(t, s, func(tx accord.ReadTx) error {
		st, err := tx.WitnessState(ctx, o)
		if err != nil || st.Size != 20 || st.Root != again.Root || string(st.Checkpoint) != string(again.Checkpoint) || !st.Cosigned.Equal(again.Cosigned) {
			t.Errorf("WitnessState = %+v, %v; want %+v", st, err, again)
		}
		hist, err := tx.WitnessCosigned(ctx, o, 0, 100)
		if err != nil || len(hist) != 3 || hist[0].Size != 0 || hist[1].Size != 10 || hist[2].Size != 20 {
			t.Errorf("WitnessCosigned = %+v, %v; want sizes 0, 10, 20", hist, err)
		}
		if hist, _ := tx.WitnessCosigned(ctx, o, 5, 20); len(hist) != 1 || hist[0].Size != 10 {
			t.Errorf("WitnessCosigned [5, 20) = %+v; want size 10", hist)
		}
		return nil
	})
	// A failed CAS inside a savepoint leaves the rest of the transaction.
	update(t, s, func(tx accord.WriteTx) error {
		err := tx.Savepoint(ctx, func() error { return tx.AdvanceWitness(ctx, 3, witnessAt(o, 30)) })
		wantConflict(t, err, 20)
		return tx.AdvanceWitness(ctx, 20, witnessAt(o, 25))
	})
	view(t, s, func(tx accord.ReadTx) error {
		if st, err := tx.WitnessState(ctx, o); err != nil || st.Size != 25 {
			t.Errorf("after a failed CAS and a good one: %+v, %v; want size 25", st, err)
		}
		return nil
	})
}

// testWitnessCASRace: concurrent advances from the same old size: exactly
// one wins, the others see its size.
func testWitnessCASRace(t *testing.T, newStore NewStore) {
	s := newStore(t)
	const o = "log.example/race"
	update(t, s, func(tx accord.WriteTx) error { return tx.AdvanceWitness(ctx, 0, witnessAt(o, 1)) })
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(ctx, func(tx accord.WriteTx) error { return tx.AdvanceWitness(ctx, 1, witnessAt(o, int64(2+i))) })
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		if err == nil {
			if won >= 0 {
				t.Fatalf("writers %d and %d both advanced from size 1", won, i)
			}
			won = i
		}
	}
	if won < 0 {
		t.Fatalf("no writer advanced: %v", errs)
	}
	for i, err := range errs {
		if i != won {
			wantConflict(t, err, int64(2+won))
		}
	}
}

func testCosignatures(t *testing.T, newStore NewStore) {
	s := newStore(t)
	view(t, s, func(tx accord.ReadTx) error {
		if n, err := tx.QuorumSize(ctx, []string{"w1"}, 1); err != nil || n != -1 {
			t.Errorf("QuorumSize with no cosignatures = %d, %v; want -1", n, err)
		}
		return nil
	})
	put := func(size int64, w string, at int64) {
		update(t, s, func(tx accord.WriteTx) error {
			return tx.PutCosignature(ctx, accord.Cosignature{Size: size, Witness: w, Line: fmt.Sprintf("— %s sig%d\n", w, at), Time: time.Unix(at, 0)})
		})
	}
	put(5, "w1", 100)
	put(5, "w2", 100)
	put(9, "w1", 200)
	put(9, "w3", 200)
	put(9, "w3", 150) // older than the one held: ignored
	view(t, s, func(tx accord.ReadTx) error {
		cs, err := tx.Cosignatures(ctx, 9)
		if err != nil || len(cs) != 2 || cs[0].Witness != "w1" || cs[1].Witness != "w3" || cs[1].Line != "— w3 sig200\n" || cs[1].Time.Unix() != 200 {
			t.Errorf("Cosignatures(9) = %+v, %v", cs, err)
		}
		for _, c := range []struct {
			ws   []string
			k    int
			want int64
		}{
			{[]string{"w1", "w2", "w3"}, 2, 9},
			{[]string{"w1", "w2"}, 2, 5},
			{[]string{"w2", "w3"}, 1, 9},
			{[]string{"w2"}, 1, 5},
			{[]string{"w1", "w2", "w3"}, 3, -1},
			{[]string{"w4"}, 1, -1},
			{nil, 0, -1},
		} {
			if n, err := tx.QuorumSize(ctx, c.ws, c.k); err != nil || n != c.want {
				t.Errorf("QuorumSize(%v, %d) = %d, %v; want %d", c.ws, c.k, n, err, c.want)
			}
		}
		return nil
	})
}

func testAlarms(t *testing.T, newStore NewStore) {
	s := newStore(t)
	a := accord.Alarm{ID: "alm_1", Origin: "x.example/log", Kind: accord.AlarmFork, Evidence: []byte(`{"origin":"x.example/log"}`), Detected: t0}
	b := accord.Alarm{ID: "alm_2", Origin: "y.example/log", Kind: accord.AlarmInconsistent, Evidence: []byte(`{"origin":"y.example/log"}`), Detected: t0.Add(time.Minute)}
	update(t, s, func(tx accord.WriteTx) error {
		for _, x := range []accord.Alarm{a, b} {
			if added, err := tx.AddAlarm(ctx, x); err != nil || !added {
				t.Errorf("AddAlarm(%s) = %v, %v; want true", x.ID, added, err)
			}
		}
		return nil
	})
	update(t, s, func(tx accord.WriteTx) error {
		if added, err := tx.AddAlarm(ctx, a); err != nil || added {
			t.Errorf("AddAlarm of a stored alarm = %v, %v; want false", added, err)
		}
		return nil
	})
	view(t, s, func(tx accord.ReadTx) error {
		all, err := tx.Alarms(ctx, "")
		if err != nil || len(all) != 2 || all[0].ID != b.ID || all[1].ID != a.ID || string(all[1].Evidence) != string(a.Evidence) || !all[1].Detected.Equal(t0) {
			t.Errorf("Alarms = %+v, %v; want b then a", all, err)
		}
		one, err := tx.Alarms(ctx, a.Origin)
		if err != nil || len(one) != 1 || one[0].Kind != accord.AlarmFork {
			t.Errorf("Alarms(%s) = %+v, %v", a.Origin, one, err)
		}
		return nil
	})
}

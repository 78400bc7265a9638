package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	acctlog "github.com/accord-gov/accord/tlog"
)

type accordHash = tlog.Hash

func testLogAppendAndRead(t *testing.T, newStore NewStore) {
	s := newStore(t)
	// Append 300 entries in three transactions, computing hashes as the
	// sequencer does, and check everything reads back.
	var entries [][]byte
	var hashes []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for batch := range 3 {
		start := int64(len(entries))
		hashStart := int64(len(hashes))
		var es [][]byte
		var hs []tlog.Hash
		for i := range 100 {
			e := []byte(fmt.Sprintf(`{"n":%d,"batch":%d}`, int(start)+i, batch))
			h, err := tlog.StoredHashes(start+int64(i), e, reader)
			if err != nil {
				t.Fatal(err)
			}
			hashes = append(hashes, h...)
			entries = append(entries, e)
			es, hs = append(es, e), append(hs, h...)
		}
		update(t, s, func(tx accord.WriteTx) error {
			n, err := tx.LogSize(ctx)
			if err != nil || n != start {
				t.Fatalf("LogSize = %d, %v; want %d", n, err, start)
			}
			if err := tx.AppendLog(ctx, start, es, hashStart, hs); err != nil {
				return err
			}
			return tx.PutCheckpoint(ctx, start+100, []byte(fmt.Sprintf("checkpoint %d\n", start+100)))
		})
	}
	view(t, s, func(tx accord.ReadTx) error {
		n, err := tx.LogSize(ctx)
		if err != nil || n != 300 {
			t.Errorf("LogSize = %d, %v", n, err)
		}
		got, err := tx.ReadEntries(ctx, 95, 205)
		if err != nil || len(got) != 110 || string(got[0]) != string(entries[95]) || string(got[109]) != string(entries[204]) {
			t.Errorf("ReadEntries(95, 205) = %d entries, %v", len(got), err)
		}
		idx := []int64{0, 7, int64(len(hashes) - 1), 3}
		hs, err := tx.ReadHashes(ctx, idx)
		if err != nil {
			return err
		}
		for i, x := range idx {
			if hs[i] != hashes[x] {
				t.Errorf("ReadHashes[%d] differs", x)
			}
		}
		if _, err := tx.ReadHashes(ctx, []int64{int64(len(hashes)) + 5}); err == nil {
			t.Error("ReadHashes of a missing index succeeded")
		}
		cp, err := tx.Checkpoint(ctx)
		if err != nil || string(cp) != "checkpoint 300\n" {
			t.Errorf("Checkpoint = %q, %v", cp, err)
		}
		cps, err := tx.Checkpoints(ctx, 0, 1000)
		if err != nil || len(cps) != 3 || string(cps[0]) != "checkpoint 100\n" {
			t.Errorf("Checkpoints = %q, %v", cps, err)
		}
		return nil
	})
	// An index is never reused.
	err := s.Update(ctx, func(tx accord.WriteTx) error {
		return tx.AppendLog(ctx, 299, [][]byte{[]byte("again")}, 0, nil)
	})
	if err == nil {
		t.Error("appending at an existing index succeeded")
	}
}

// newLog starts a sequencer on the store with a fresh key.
func newLog(t *testing.T, s accord.Store) (*acctlog.Log, string) {
	t.Helper()
	skey, vkey, err := acctlog.GenerateKey("storetest.example/log")
	if err != nil {
		t.Fatal(err)
	}
	l, err := acctlog.New(acctlog.Config{Store: s, SignerKey: skey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l, vkey
}

func appendEntry(l *acctlog.Log, e ...[]byte) ([]accord.Receipt, error) {
	return l.Append(context.Background(), func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		return e, nil
	})
}

func testLogThroughSequencer(t *testing.T, newStore NewStore) {
	s := newStore(t)
	l, vkey := newLog(t, s)
	var cps []acctlog.Checkpoint
	var rawCps [][]byte
	for i := range 40 {
		rs, err := appendEntry(l, []byte(fmt.Sprintf(`{"i":%d}`, i)), []byte(fmt.Sprintf(`{"i":%d,"second":true}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || rs[1].Index != rs[0].Index+1 {
			t.Fatalf("receipts = %+v", rs)
		}
		for _, r := range rs {
			cp, err := acctlog.VerifyReceipt(r, vkey, nil)
			if err != nil {
				t.Fatalf("receipt %d: %v", r.Index, err)
			}
			if cp.Size != int64(2*i+2) {
				t.Fatalf("receipt checkpoint size %d, want %d", cp.Size, 2*i+2)
			}
		}
		p, _ := acctlog.ParseProof(rs[0].Proof)
		cp, _ := acctlog.ParseCheckpoint(noteText(t, p.Checkpoint, vkey))
		cps, rawCps = append(cps, cp), append(rawCps, p.Checkpoint)
	}
	// Every checkpoint is consistent with every later one.
	view(t, s, func(tx accord.ReadTx) error {
		hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return tx.ReadHashes(ctx, idx) })
		last := cps[len(cps)-1]
		for _, c := range cps {
			p, err := tlog.ProveTree(last.Size, c.Size, hr)
			if err != nil {
				return err
			}
			if err := tlog.CheckTree(p, last.Size, last.Hash, c.Size, c.Hash); err != nil {
				t.Errorf("checkpoint %d not consistent with %d: %v", c.Size, last.Size, err)
			}
		}
		stored, err := tx.Checkpoints(ctx, 0, 1<<62)
		if err != nil {
			return err
		}
		if len(stored) != len(rawCps) || !slices.EqualFunc(stored, rawCps, func(a, b []byte) bool { return string(a) == string(b) }) {
			t.Errorf("stored checkpoints differ from the ones handed out")
		}
		// A fresh receipt for an old entry proves against the latest checkpoint.
		r, err := acctlog.ProveIn(ctx, tx, 5)
		if err != nil {
			return err
		}
		cp, err := acctlog.VerifyReceipt(r, vkey, []byte(`{"i":2,"second":true}`))
		if err != nil || cp.Size != last.Size {
			t.Errorf("fresh receipt: %v (size %d)", err, cp.Size)
		}
		return nil
	})
}

func noteText(t *testing.T, signed []byte, vkey string) string {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		t.Fatal(err)
	}
	return n.Text
}

func testLogConcurrentWriters(t *testing.T, newStore NewStore) {
	s := newStore(t)
	l, vkey := newLog(t, s)
	const writers, each = 32, 25
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e := fmt.Sprintf(`{"w":%d,"i":%d}`, w, i)
				rs, err := appendEntry(l, []byte(e))
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := acctlog.VerifyReceipt(rs[0], vkey, []byte(e)); err != nil {
					t.Errorf("receipt for %s: %v", e, err)
				}
				mu.Lock()
				if prev, dup := seen[rs[0].Index]; dup {
					t.Errorf("index %d given to %s and %s", rs[0].Index, prev, e)
				}
				seen[rs[0].Index] = e
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != writers*each {
		t.Fatalf("%d receipts, want %d", len(seen), writers*each)
	}
	view(t, s, func(tx accord.ReadTx) error {
		es, err := tx.ReadEntries(ctx, 0, writers*each)
		if err != nil {
			return err
		}
		for i, e := range es {
			if seen[int64(i)] != string(e) {
				t.Errorf("entry %d = %s, receipt said %s", i, e, seen[int64(i)])
			}
		}
		return nil
	})
}

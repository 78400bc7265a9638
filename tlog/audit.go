package tlog

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

// Fetcher reads a C2SP tlog-tiles log: "checkpoint", "tile/…" paths.
type Fetcher func(ctx context.Context, path string) ([]byte, error)

// AuditReport is what an audit found.
type AuditReport struct {
	Origin     string
	Size       int64
	Root       tlog.Hash
	Checkpoint []byte         // the signed checkpoint audited
	Entries    int64          // entries downloaded and decoded
	Tiles      int            // hash tiles compared
	Types      map[string]int // entries by event type
	PrevSize   int64          // size of the previous checkpoint proved consistent (-1: none)
	// Hashes reads every hash of the audited tree, as recomputed from its
	// entries (to check other views of the log against it).
	Hashes tlog.HashReader
}

// AuditError is a failed audit: the log is not what its checkpoints claim.
type AuditError struct {
	Kind   string // "signature", "rollback", "fork", "tile", "entry", "root", "fetch"
	Detail string
}

func (e *AuditError) Error() string { return e.Kind + ": " + e.Detail }

// Audit downloads the whole log, recomputes every hash from the entries,
// checks every hash tile and the signed root, decodes every entry, and —
// given the checkpoint seen last time — proves the new tree extends it.
func Audit(ctx context.Context, fetch Fetcher, vkey string, prev []byte, workers int) (*AuditReport, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	signed, err := fetch(ctx, "checkpoint")
	if err != nil {
		return nil, &AuditError{"fetch", fmt.Sprintf("checkpoint: %v", err)}
	}
	cp, err := OpenCheckpoint(signed, v, v.Name())
	if err != nil {
		return nil, &AuditError{"signature", err.Error()}
	}
	rep := &AuditReport{Origin: cp.Origin, Size: cp.Size, Root: cp.Hash, Checkpoint: signed, Types: map[string]int{}, PrevSize: -1}
	var old Checkpoint
	if prev != nil {
		if old, err = OpenCheckpoint(prev, v, v.Name()); err != nil {
			return nil, fmt.Errorf("the state file's checkpoint does not verify with this key: %w", err)
		}
		if old.Size > cp.Size {
			return rep, &AuditError{"rollback", fmt.Sprintf("the log now has %d entries, but a checkpoint for %d entries was seen before: entries were removed or the log was replaced", cp.Size, old.Size)}
		}
	}
	if workers <= 0 {
		workers = 8
	}

	// Entry bundles → leaf hashes, decoded and checked entry by entry.
	nBundles := (cp.Size + 255) / 256
	leaves := make([]tlog.Hash, cp.Size)
	types := make([]string, cp.Size)
	var mu sync.Mutex
	var firstErr error
	setErr := func(e error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = e
		}
		mu.Unlock()
	}
	jobs := make(chan int64)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range jobs {
				w := min(256, cp.Size-n*256)
				t := tilePath{Level: -1, N: n, W: int(w)}
				data, err := fetch(ctx, t.String())
				if err != nil {
					setErr(&AuditError{"fetch", fmt.Sprintf("%s: %v", t, err)})
					continue
				}
				es, err := ParseBundle(data)
				if err != nil || int64(len(es)) != w {
					setErr(&AuditError{"tile", fmt.Sprintf("%s: want %d entries, got %d (%v)", t, w, len(es), err)})
					continue
				}
				for i, e := range es {
					idx := n*256 + int64(i)
					leaves[idx] = tlog.RecordHash(e)
					typ, err := checkEntry(e)
					if err != nil {
						setErr(&AuditError{"entry", fmt.Sprintf("entry %d: %v", idx, err)})
					}
					types[idx] = typ
				}
			}
		}()
	}
	for n := int64(0); n < nBundles; n++ {
		jobs <- n
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return rep, firstErr
	}
	for _, t := range types {
		rep.Types[t]++
	}
	rep.Entries = cp.Size

	// Recompute every stored hash in memory.
	hashes := make([]tlog.Hash, 0, tlog.StoredHashCount(cp.Size))
	mem := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(hashes)) {
				return nil, fmt.Errorf("hash %d not computed", x)
			}
			out[i] = hashes[x]
		}
		return out, nil
	})
	for n, leaf := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(int64(n), leaf, mem)
		if err != nil {
			return rep, err
		}
		hashes = append(hashes, hs...)
	}
	rep.Hashes = mem
	root, err := tlog.TreeHash(cp.Size, mem)
	if err != nil {
		return rep, err
	}
	if root != cp.Hash {
		return rep, &AuditError{"root", fmt.Sprintf("the entries hash to root %s, but the signed checkpoint for size %d says %s: the log's entries were rewritten", root, cp.Size, cp.Hash)}
	}
	// Every hash tile the log serves must match what the entries give.
	for _, t := range tlog.NewTiles(TileHeight, 0, cp.Size) {
		want, err := tlog.ReadTileData(t, mem)
		if err != nil {
			return rep, err
		}
		p := tilePath{Level: t.L, N: t.N, W: t.W}
		got, err := fetch(ctx, p.String())
		if err != nil {
			return rep, &AuditError{"fetch", fmt.Sprintf("%s: %v", p, err)}
		}
		if !bytes.Equal(got, want) {
			return rep, &AuditError{"tile", fmt.Sprintf("%s differs from the hashes of the entries", p)}
		}
		rep.Tiles++
	}
	// Consistency with the checkpoint seen last time.
	if prev != nil {
		if old.Size > 0 {
			oldRoot, err := tlog.TreeHash(old.Size, mem)
			if err != nil {
				return rep, err
			}
			if oldRoot != old.Hash {
				return rep, &AuditError{"fork", fmt.Sprintf("a checkpoint seen before signed root %s for the first %d entries, but the log now has root %s for them: the log was rewritten or forked", old.Hash, old.Size, oldRoot)}
			}
			// Also check it the way a light client would, with a consistency proof.
			p, err := tlog.ProveTree(cp.Size, old.Size, mem)
			if err != nil {
				return rep, err
			}
			if err := tlog.CheckTree(p, cp.Size, cp.Hash, old.Size, old.Hash); err != nil {
				return rep, &AuditError{"fork", fmt.Sprintf("no consistency proof from size %d to %d: %v", old.Size, cp.Size, err)}
			}
		}
		rep.PrevSize = old.Size
	}
	return rep, nil
}

// checkEntry decodes an entry as an Accord log event, with the decoder of
// its type (the one the mirror uses), and checks that it is in canonical
// form. It returns the event type.
func checkEntry(e []byte) (string, error) {
	ev, err := accord.DecodeLogEntry(e, true)
	if err != nil {
		return "", err
	}
	return ev.Type, nil
}

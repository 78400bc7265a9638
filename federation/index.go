package federation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/resource"
	acctlog "github.com/accord-gov/accord/tlog"
)

// The decoder turns a peer's stored (so verified) entries into foreign
// records, in log order, in small transactions of their own: the mirror's
// catch-up and the decoding run side by side, and a local write never
// waits long behind either. An entry whose record cannot be stored (an id
// taken by another record, a version out of order, content this node
// cannot validate) is skipped and reported in the peer's status; it stays
// in the mirror.

func (m *Mirror) decode(ctx context.Context, f *follower) {
	defer m.wg.Done()
	if m.reg == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.indexWake:
		}
		for ctx.Err() == nil {
			n, err := m.decodeBatch(ctx, f)
			if err != nil {
				if ctx.Err() == nil {
					m.logger.Warn("mirror: decode records", "peer", f.peer.Name, "err", err)
					time.AfterFunc(m.cfg.Interval, func() { poke(f.indexWake) })
				}
				break
			}
			if n == 0 {
				break
			}
			if m.metrics.Indexed != nil {
				m.metrics.Indexed(f.peer.Name, n)
			}
		}
	}
}

// decodeBatch decodes the next entries not decoded yet (at most
// IndexBatch) and reports how many it went past.
func (m *Mirror) decodeBatch(ctx context.Context, f *follower) (int, error) {
	origin, home := f.peer.Origin, f.peer.Name
	var st *accord.MirrorState
	var entries [][]byte
	err := m.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		if st, err = tx.MirrorState(ctx, origin); err != nil {
			return err
		}
		if st.Indexed >= st.Size {
			return nil
		}
		// One entry more than the batch, to pair a filing with the
		// classification logged right after it.
		entries, err = ReadMirrorEntries(ctx, tx, origin, st.Indexed, min(st.Indexed+int64(m.cfg.IndexBatch)+1, st.Size))
		return err
	})
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	end := min(st.Indexed+int64(m.cfg.IndexBatch), st.Size)
	// The last entries stored may be the first of a write whose others
	// are still on the way (a chunk ended there); stored up to a signed
	// checkpoint, a write is whole.
	whole := st.Pending == nil
	type write func(context.Context, accord.WriteTx) error
	var writes []write
	var skipped []string
	i := st.Indexed
	at := func(k int64) []byte { return entries[k-st.Indexed] }
loop:
	for i < end {
		d, err := accord.DecodeLogEntry(at(i), false)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("entry %d: %v", i, err))
			i++
			continue
		}
		switch v := d.Value.(type) {
		case *accord.Organization:
			o := *v
			writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error {
				return m.reg.PutForeignOrganization(ctx, tx, home, o)
			})
			i++
		case *accord.SystemContent:
			fv := registry.ForeignVersion{Home: home, Type: d.Type, ID: d.Record, Version: d.Version, Content: *v, By: d.Org, LogIndex: i}
			fv.Time, _ = accord.ParseLogTime(d.Time)
			used := int64(1)
			switch {
			case i+1 < st.Size:
				if c, err := accord.DecodeLogEntry(at(i+1), false); err == nil && c.Type == accord.LogSystemClassified && c.Record == d.Record && c.Version == d.Version {
					fv.Classification, fv.ClassificationIndex, used = c.Content, i+1, 2
				}
			case !whole:
				break loop // wait for the rest of the write
			}
			w, err := m.reg.PrepareForeignVersion(fv)
			if err != nil {
				skipped = append(skipped, fmt.Sprintf("entry %d (%s %s v%d): %v", i, d.Type, d.Record, d.Version, err))
			} else {
				writes = append(writes, w.Write)
			}
			i += used
		case *accord.ResourceEvent: // resources: a peer's catalogue records
			writes = append(writes, resource.ForeignWrite(home, d, *v))
			i++
		default:
			i++ // tokens, peers, witnesses: nothing to index; a classification belongs to the filing before it
		}
	}
	if i == st.Indexed {
		return 0, nil
	}
	err = m.update(ctx, func(tx accord.WriteTx) error {
		for _, w := range writes {
			err := tx.Savepoint(ctx, func() error { return w(ctx, tx) })
			var se *registry.SkipError
			if errors.As(err, &se) {
				skipped = append(skipped, se.Msg)
			} else if err != nil {
				return err
			}
		}
		return tx.SetMirrorIndexed(ctx, origin, st.Indexed, i)
	})
	if err != nil {
		return 0, err
	}
	for _, s := range skipped {
		f.skipped(s)
		m.logger.Warn("mirror: record not decoded", "peer", home, "problem", s)
	}
	return int(i - st.Indexed), nil
}

// ReadMirrorEntries reads a mirrored log's entries [from, to) from its
// stored bundles. The capabilities that derive records from peers' logs
// (governance, incidents) read them with it too.
func ReadMirrorEntries(ctx context.Context, tx accord.ReadTx, origin string, from, to int64) ([][]byte, error) {
	bundles, err := tx.MirrorTiles(ctx, origin, -1, from/256, (to+255)/256)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, to-from)
	next := from
	for _, b := range bundles {
		if b.N != next/256 {
			return nil, fmt.Errorf("mirror of %s: entry bundle %d missing", origin, next/256)
		}
		es, err := acctlog.ParseBundle(b.Data)
		if err != nil || len(es) != b.Width {
			return nil, fmt.Errorf("mirror of %s: stored entry bundle %d is damaged", origin, b.N)
		}
		for k := next - b.N*256; k < int64(len(es)) && next < to; k++ {
			out = append(out, es[k])
			next++
		}
	}
	if next != to {
		return nil, fmt.Errorf("mirror of %s: entries [%d, %d) missing", origin, next, to)
	}
	return out, nil
}

package governance

import (
	"context"
	"fmt"
	"strings"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/federation"
)

// Reading the peers' governance entries. The federation's mirror stores
// every peer's log as verified tiles; governance reads the entries it has
// not read yet (its cursor per origin), decodes those of its types with
// the decoders the audit uses, and stores their records with the origin
// and index that logged them. A record is kept as logged: whether a
// ballot counts is the tally's to say, so every node judges the same
// entries the same way.

// ingestBatch is how many mirrored entries one pass reads per log.
const ingestBatch = 1024

func (s *Service) ingest(ctx context.Context) error {
	var states []accord.MirrorState
	if err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		states, err = tx.MirrorStates(ctx)
		return err
	}); err != nil {
		return err
	}
	for _, st := range states {
		for ctx.Err() == nil {
			n, err := s.ingestLog(ctx, st.Origin, ingestBatch)
			if err != nil {
				return fmt.Errorf("read governance entries of %s: %w", st.Origin, err)
			}
			if n == 0 {
				break
			}
		}
	}
	return ctx.Err()
}

// ingestLog reads up to batch entries of one mirrored log and reports how
// many it went past.
func (s *Service) ingestLog(ctx context.Context, origin string, batch int) (int, error) {
	var from, size int64
	var entries [][]byte
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		st, err := tx.MirrorState(ctx, origin)
		if err != nil {
			return err
		}
		if from, err = tx.GovernanceCursor(ctx, origin); err != nil {
			return err
		}
		size = st.Size
		if from >= size {
			return nil
		}
		entries, err = federation.ReadMirrorEntries(ctx, tx, origin, from, min(size, from+int64(batch)))
		return err
	})
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	var writes []func(context.Context, accord.WriteTx) error
	i := 0
loop:
	for i < len(entries) {
		d, err := accord.DecodeLogEntry(entries[i], false)
		if err != nil {
			i++ // not ours to judge: the mirror reports it
			continue
		}
		g, ok := d.Value.(*accord.GovernanceEvent)
		if !ok {
			i++
			continue
		}
		index := from + int64(i)
		switch d.Type {
		case accord.LogProposalPack:
			// The parts and the proposal.filed entry after them are one write.
			n := g.Parts
			if n > 200 || g.Part != 0 {
				i++
				continue
			}
			if i+n >= len(entries) {
				if from+int64(i+n) >= size {
					break loop // the rest is not mirrored yet
				}
				if i == 0 {
					return s.ingestLog(ctx, origin, n+1) // one write larger than a batch
				}
				break loop
			}
			var b strings.Builder
			good := true
			for k := range n {
				pd, err := accord.DecodeLogEntry(entries[i+k], false)
				pg, ok := valueOf(pd, err)
				good = good && ok && pd.Type == accord.LogProposalPack && pg.Part == k && pg.Parts == n && pg.Hash == g.Hash
				if good {
					b.WriteString(pg.Data)
				}
			}
			fd, err := accord.DecodeLogEntry(entries[i+n], false)
			fg, ok := valueOf(fd, err)
			if !good || !ok || fd.Type != accord.LogProposalFiled {
				s.logger.Warn("governance: a proposal's pack entries are broken; skipped", "origin", origin, "index", index)
				i += n
				continue
			}
			w := s.foreignProposal(origin, from+int64(i+n), fd.Record, fg.Proposal, []byte(b.String()))
			if w != nil {
				writes = append(writes, w)
			}
			i += n + 1
		case accord.LogProposalFiled:
			if w := s.foreignProposal(origin, index, d.Record, g.Proposal, nil); w != nil {
				writes = append(writes, w)
			}
			i++
		case accord.LogProposalComment:
			c := *g.Comment
			c.ID, c.Origin, c.LogIndex, c.Time = commentID(origin, index), origin, index, d.Time
			writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error { return tx.AddComment(ctx, c) })
			i++
		case accord.LogVoteCast:
			b := *g.Ballot
			b.Origin, b.LogIndex, b.Time = origin, index, d.Time
			writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error { return tx.AddBallot(ctx, b) })
			i++
		case accord.LogProposalSealed:
			sl := *g.Seal
			sl.Origin, sl.LogIndex, sl.Time = origin, index, d.Time
			writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error { return tx.AddSeal(ctx, sl) })
			i++
		case accord.LogProposalDecided:
			dc := *g.Decision
			dc.Origin, dc.LogIndex, dc.Time = origin, index, d.Time
			writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error { return tx.AddDecision(ctx, dc) })
			i++
		default:
			i++ // charters are installed at each node by its admin
		}
	}
	if i == 0 {
		return 0, nil
	}
	next := from + int64(i)
	err = s.store.Update(ctx, func(tx accord.WriteTx) error {
		for _, w := range writes {
			err := tx.Savepoint(ctx, func() error { return w(ctx, tx) })
			if accord.ErrorCode(err) == accord.EConflict {
				continue // held already (a record with the same key): kept as first stored
			} else if err != nil {
				return err
			}
		}
		return tx.SetGovernanceCursor(ctx, origin, from, next)
	})
	if err != nil {
		return 0, err
	}
	if len(writes) > 0 {
		s.poke()
	}
	return i, nil
}

func valueOf(d *accord.DecodedEvent, err error) (*accord.GovernanceEvent, bool) {
	if err != nil || d == nil {
		return nil, false
	}
	g, ok := d.Value.(*accord.GovernanceEvent)
	return g, ok
}

// foreignProposal prepares the write of a proposal logged at index of
// origin's log: its id is derived from where it was logged, and its
// proposed pack must be the one its content names.
func (s *Service) foreignProposal(origin string, index int64, record string, c *accord.ProposalContent, pack []byte) func(context.Context, accord.WriteTx) error {
	id := accord.ProposalID(origin, index)
	if record != id || c == nil {
		s.logger.Warn("governance: a proposal's entry names another id; skipped", "origin", origin, "index", index, "record", record)
		return nil
	}
	hash, err := c.Hash()
	if err != nil {
		return nil
	}
	if (c.ProposedHash == "") != (pack == nil) {
		s.logger.Warn("governance: a proposal's pack is missing or unexpected; skipped", "origin", origin, "id", id)
		return nil
	}
	if pack != nil {
		p, err := s.loadPack(c.Pack+" (proposed by "+origin+")", pack)
		if err != nil || p.Hash != c.ProposedHash {
			s.logger.Warn("governance: a proposal's pack does not load as its hash; skipped", "origin", origin, "id", id, "err", err)
			return nil
		}
	}
	prop := accord.Proposal{ID: id, ContentHash: hash, Content: *c, Origin: origin, LogIndex: index}
	return func(ctx context.Context, tx accord.WriteTx) error {
		if pack != nil {
			if err := tx.PutProposalPack(ctx, c.ProposedHash, pack); err != nil {
				return err
			}
		}
		return tx.CreateProposal(ctx, prop)
	}
}

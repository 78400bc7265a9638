package incident

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/federation"
)

// Reading the peers' incident entries. The federation's mirror keeps every
// active peer's log as verified tiles; the incident service reads the
// entries it has not read yet (its cursor per origin), decodes its own
// types with the decoders the audit uses, and stores them as foreign
// incidents and reports, with the member that holds them: searchable here,
// read-only, their deadlines computed under this node's rules (so the
// authority of every country concerned sees them at its own member's
// node). A report a member filed about this node's system reaches the
// system's home this way: its log is the delivery. The confidential part
// stays at the member that holds it: the entries carry its commitment
// only.

// ingestBatch bounds the mirrored entries one pass reads per log.
const ingestBatch = 1024

type loop struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	interval time.Duration
	logger   *slog.Logger
}

// Start starts reading the peers' mirrored logs every interval (default 1 s).
func (s *Service) Start(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	if interval <= 0 {
		interval = time.Second
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	s.bg = &loop{cancel: cancel, interval: interval, logger: logger}
	s.bg.wg.Add(1)
	go func() {
		defer s.bg.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if err := s.Ingest(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("incidents: read peers' entries", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Close stops the background reading.
func (s *Service) Close() {
	if s.bg != nil {
		s.bg.cancel()
		s.bg.wg.Wait()
	}
}

// Ingest reads every mirrored log's new incident entries once.
func (s *Service) Ingest(ctx context.Context) error {
	var states []accord.MirrorState
	if err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		states, err = tx.MirrorStates(ctx)
		return err
	}); err != nil {
		return err
	}
	var errs []error
	for _, st := range states {
		for ctx.Err() == nil {
			n, err := s.ingestLog(ctx, st.Origin)
			if err != nil {
				errs = append(errs, fmt.Errorf("incident entries of %s: %w", st.Origin, err))
				break
			}
			if n == 0 {
				break
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Service) ingestLog(ctx context.Context, origin string) (int, error) {
	var from int64
	var home string
	var entries [][]byte
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		st, err := tx.MirrorState(ctx, origin)
		if err != nil {
			return err
		}
		p, err := tx.PeerByOrigin(ctx, origin)
		if err != nil {
			return err
		}
		home = p.Name
		if from, err = tx.IncidentCursor(ctx, origin); err != nil {
			return err
		}
		if from >= st.Size {
			return nil
		}
		entries, err = federation.ReadMirrorEntries(ctx, tx, origin, from, min(st.Size, from+ingestBatch))
		return err
	})
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	type write func(context.Context, accord.WriteTx) error
	var writes []write
	for i, e := range entries {
		d, err := accord.DecodeLogEntry(e, false)
		if err != nil {
			continue // not ours to judge: the mirror reports it
		}
		index := from + int64(i)
		switch v := d.Value.(type) {
		case *accord.IncidentReportContent:
			c, ev := *v, d.LogEvent
			writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error {
				return s.foreignReport(ctx, tx, home, ev, c, index)
			})
		case *accord.IncidentMergeContent:
			c := *v
			writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error { return s.foreignMerge(ctx, tx, home, c) })
		}
	}
	next := from + int64(len(entries))
	err = s.store.Update(ctx, func(tx accord.WriteTx) error {
		for _, w := range writes {
			err := tx.Savepoint(ctx, func() error { return w(ctx, tx) })
			var sk *skipError
			if errors.As(err, &sk) {
				if s.bg != nil {
					s.bg.logger.Warn("incidents: a peer's entry not stored", "peer", home, "problem", sk.msg)
				}
			} else if err != nil {
				return err
			}
		}
		return tx.SetIncidentCursor(ctx, origin, from, next)
	})
	if accord.ErrorCode(err) == accord.EConflict {
		return 0, nil // another node on this database read them first
	}
	if err != nil {
		return 0, err
	}
	return len(entries), nil
}

type skipError struct{ msg string }

func (e *skipError) Error() string { return e.msg }

func skip(format string, args ...any) error { return &skipError{fmt.Sprintf(format, args...)} }

// relative turns a system's member, as the reporting member named it ("":
// its own), into this node's view of it ("": this node).
func (s *Service) relative(home, node string) string {
	switch node {
	case "":
		return home
	case s.member:
		return ""
	}
	return node
}

// foreignReport stores a peer's report version and recomputes its incident.
func (s *Service) foreignReport(ctx context.Context, tx accord.WriteTx, home string, ev accord.LogEvent, c accord.IncidentReportContent, index int64) error {
	filed, err := accord.ParseLogTime(ev.Time)
	if err != nil {
		return skip("report %s: %v", c.ReportID, err)
	}
	inc, err := tx.Incident(ctx, c.Incident)
	switch {
	case accord.ErrorCode(err) == accord.ENotFound:
		inc = nil
	case err != nil:
		return err
	case inc.Home != home:
		return skip("report %s: incident %s is a record of %s", c.ReportID, c.Incident, holder(inc.Home))
	}
	rep := accord.IncidentReport{ID: c.ReportID, Version: ev.Version, Incident: c.Incident, Role: c.Role, Provider: c.Provider,
		Filed: filed, LogIndex: index, Home: home, NewIncidentReport: c.Report, Commitment: ev.Commitments["confidential"]}
	rep.System.Node = s.relative(home, c.Report.System.Node)
	if prev, err := tx.IncidentReport(ctx, rep.ID, 0); err == nil {
		if prev.Home != home {
			return skip("report %s: the id is taken by a record of %s", rep.ID, holder(prev.Home))
		}
		if prev.Version >= rep.Version {
			return nil // stored already
		}
	}
	sub := Subject{Scale: accord.KindSystem}
	if _, sv, err := s.systemAny(ctx, tx, rep.System); err == nil {
		sub = s.subject(sv, rep.Aware)
		rep.Deadlines = Mark(s.duties, Deadlines(s.duties, rep.NewIncidentReport, sub), []Filing{{rep.Role, rep.Stage, rep.Filed, rep.LogIndex}}, rep.Filed)
	}
	others, err := tx.IncidentReports(ctx, c.Incident)
	if err != nil {
		return err
	}
	var created time.Time
	if inc != nil {
		created = inc.Created
	}
	var kept []accord.IncidentReport
	for _, o := range others {
		if o.ID != rep.ID {
			kept = append(kept, o)
		}
	}
	if err := s.putIncident(ctx, tx, c.Incident, home, created, append(kept, rep), sub, filed, rep); err != nil {
		return err
	}
	return tx.AddIncidentReport(ctx, rep)
}

// foreignMerge applies a peer's merge of two of its incidents.
func (s *Service) foreignMerge(ctx context.Context, tx accord.WriteTx, home string, c accord.IncidentMergeContent) error {
	a, err := tx.Incident(ctx, c.From)
	if err != nil {
		return skip("merge of %s: %v", c.From, err)
	}
	b, err := tx.Incident(ctx, c.Into)
	if err != nil {
		return skip("merge into %s: %v", c.Into, err)
	}
	if a.Home != home || b.Home != home {
		return skip("merge of %s into %s: not both records of %s", c.From, c.Into, home)
	}
	if a.MergedInto != "" {
		return nil
	}
	if err := tx.MergeIncident(ctx, a.ID, b.ID, time.Now()); err != nil {
		return err
	}
	a.MergedInto = b.ID
	if err := tx.PutIncident(ctx, *a, accord.IncidentDoc{}, nil); err != nil {
		return err
	}
	reports, err := tx.IncidentReports(ctx, b.ID)
	if err != nil || len(reports) == 0 {
		return err
	}
	sub := Subject{Scale: accord.KindSystem}
	if _, sv, err := s.systemAny(ctx, tx, b.System); err == nil {
		sub = s.subject(sv, Aggregate(reports).Aware)
	}
	return s.putIncident(ctx, tx, b.ID, home, b.Created, reports, sub, b.Updated)
}

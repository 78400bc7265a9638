package consent

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// MaxBatch bounds the checks of one batch.
const MaxBatch = 1000

// MaxStaleness is how stale a check without a token may be: the index
// reads this node's writes before it answers them, and other nodes'
// (sharing the database) every PollInterval.
const MaxStaleness = time.Second

// await makes the index hold at least the write of a consistency token.
func (s *Service) await(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	t, err := accord.ParseConsentToken(token)
	if err != nil {
		return accord.FieldErrorf("token", "%v", err)
	}
	if s.ix.applied.Load() > t {
		return nil
	}
	if err := s.ix.sync(ctx, true); err != nil {
		return err
	}
	if s.ix.applied.Load() <= t {
		return accord.FieldErrorf("token", "%s names a write this node's log does not hold", token)
	}
	return nil
}

// Check answers whether a system may use a subject's data for a purpose.
// Only the system's provider (or the admin) may ask. With a consistency
// token the answer sees that write or a later one.
func (s *Service) Check(ctx context.Context, c *registry.Caller, chk accord.ConsentCheck, token string) (*accord.ConsentDecision, error) {
	if c == nil {
		return nil, accord.Errorf(accord.EUnauthorized, "a check needs the provider's token: send Authorization: Bearer <token>")
	}
	if err := s.await(ctx, token); err != nil {
		return nil, err
	}
	return s.check(ctx, c, chk, "")
}

// CheckBatch answers many checks at one token.
func (s *Service) CheckBatch(ctx context.Context, c *registry.Caller, b accord.ConsentBatch) ([]accord.ConsentDecision, error) {
	if c == nil {
		return nil, accord.Errorf(accord.EUnauthorized, "a check needs the provider's token: send Authorization: Bearer <token>")
	}
	if len(b.Checks) == 0 || len(b.Checks) > MaxBatch {
		return nil, accord.FieldErrorf("checks", "has %d checks; give 1 to %d", len(b.Checks), MaxBatch)
	}
	if err := s.await(ctx, b.Token); err != nil {
		return nil, err
	}
	out := make([]accord.ConsentDecision, len(b.Checks))
	for i, chk := range b.Checks {
		d, err := s.check(ctx, c, chk, fmt.Sprintf("checks[%d].", i))
		if err != nil {
			return nil, err
		}
		out[i] = *d
	}
	return out, nil
}

func (s *Service) check(ctx context.Context, c *registry.Caller, chk accord.ConsentCheck, field string) (*accord.ConsentDecision, error) {
	if chk.System == "" {
		return nil, accord.FieldErrorf(field+"system", "is required")
	}
	if chk.Purpose == "" {
		return nil, accord.FieldErrorf(field+"purpose", "is required")
	}
	pseudonym, err := s.Pseudonym(field+"subject", chk.Subject)
	if err != nil {
		return nil, err
	}
	ns := s.ix.notice(chk.System)
	if ns == nil {
		// Published at another node since the last poll, or no such
		// notice: one read of that system's notice, not a reload.
		n, err := s.Notice(ctx, chk.System, 0)
		if accord.ErrorCode(err) == accord.ENotFound {
			return nil, accord.Errorf(accord.ENotFound, "system %s declares no purposes (no consent notice)", chk.System)
		} else if err != nil {
			return nil, err
		}
		s.ix.putNotice(n)
		ns = s.ix.notice(chk.System)
	}
	if !c.Admin() && ns.notice.Provider != c.Org() {
		return nil, accord.Errorf(accord.EForbidden, "system %s is not this provider's: a provider checks its own systems", chk.System)
	}
	p, ok := ns.notice.Purpose(chk.Purpose)
	if !ok {
		return nil, accord.FieldErrorf(field+"purpose", "%q is not a purpose system %s declares (%s)", chk.Purpose, chk.System, purposeIDs(ns.notice))
	}
	if err := s.refreshStatus(ctx, ns); err != nil {
		return nil, err
	}
	at := s.now()
	if chk.At != nil {
		at = *chk.At
	}
	applied := s.ix.applied.Load()
	events, erased := s.ix.subject(pseudonym)
	allow, reason, by := accord.Decide(accord.DecideInput{Notice: ns.notice, Purpose: p, PurposeHash: ns.hashes[p.ID],
		SystemWithdrawn: ns.withdrawn.Load(), Events: events, Erased: erased, At: at, Data: chk.Data})
	d := &accord.ConsentDecision{Allow: allow, Reason: reason, System: chk.System, Purpose: chk.Purpose, Subject: pseudonym,
		Basis: p.LegalBasis, Events: []accord.ConsentEventRef{}, NoticeVersion: ns.notice.Version}
	if applied > 0 {
		d.Token = accord.ConsentToken(applied - 1)
	}
	if by != nil {
		d.Events = append(d.Events, accord.ConsentEventRef{ID: by.ID, Action: by.Action.String(), Seq: by.Seq, Time: time.Unix(0, by.Time).UTC()})
	}
	return d, nil
}

// refreshStatus re-reads a system's registry status when the one held is
// older than statusTTL (a withdrawn system is denied within it).
func (s *Service) refreshStatus(ctx context.Context, ns *noticeState) error {
	now := time.Now().UnixNano()
	if now-ns.checked.Load() < int64(statusTTL) {
		return nil
	}
	var status string
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		sys, err := tx.System(ctx, ns.notice.System)
		if err != nil {
			return err
		}
		status = sys.Status
		return nil
	})
	if err != nil {
		return err
	}
	ns.withdrawn.Store(status == "withdrawn")
	ns.checked.Store(now)
	return nil
}

// Allowed is the check at its fastest, for callers in the node's process
// (and the benchmark): a pseudonym, no decision record, no allocation.
func (s *Service) Allowed(system, purpose, pseudonym string, at time.Time) (bool, string) {
	ns := s.ix.notice(system)
	if ns == nil {
		return false, accord.ReasonNoNotice
	}
	p, ok := ns.notice.Purpose(purpose)
	if !ok {
		return false, accord.ReasonUnknownPurpose
	}
	events, erased := s.ix.subject(pseudonym)
	allow, reason, _ := accord.Decide(accord.DecideInput{Notice: ns.notice, Purpose: p, PurposeHash: ns.hashes[p.ID],
		SystemWithdrawn: ns.withdrawn.Load(), Events: events, Erased: erased, At: at})
	return allow, reason
}

// Token is the consistency token the index is at (what a token-less check sees).
func (s *Service) Token() string {
	a := s.ix.applied.Load()
	if a == 0 {
		return ""
	}
	return accord.ConsentToken(a - 1)
}

// Changes returns up to limit withdrawals, objections and erasures after
// the log index after that concern the provider's systems (the admin: all),
// and a channel closed when more may have committed.
func (s *Service) Changes(ctx context.Context, c *registry.Caller, after int64, limit int) ([]accord.ConsentChange, <-chan struct{}, error) {
	if c == nil {
		return nil, nil, accord.Errorf(accord.EUnauthorized, "the change stream needs the provider's token")
	}
	wait := s.ix.wait()
	var es []accord.ConsentEvent
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		es, err = tx.ConsentEvents(ctx, accord.ConsentEventQuery{After: after, Limit: 10 * limit})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	out := []accord.ConsentChange{}
	for i := range es {
		e := &es[i]
		if !e.Refusal() || (!c.Admin() && !s.concerns(c.Org(), e)) {
			continue
		}
		out = append(out, accord.ConsentChange{Seq: e.Seq, Action: e.Action, Subject: e.Subject, System: e.System,
			Provider: e.Provider, Domain: e.Domain, Purpose: e.Purpose, Time: e.Time})
		if len(out) == limit {
			break
		}
	}
	if len(out) < limit && len(es) == 10*limit {
		// The read page was full of others' events: the caller asks again at once.
		out = append(out, accord.ConsentChange{Seq: es[len(es)-1].Seq, Action: "checkpoint"})
	}
	return out, wait, nil
}

// Stats counts a system's subjects, events by action and current
// decisions per purpose: counts only.
func (s *Service) Stats(ctx context.Context, c *registry.Caller, system string) (*accord.ConsentStats, error) {
	ns := s.ix.notice(system)
	if ns == nil {
		return nil, accord.Errorf(accord.ENotFound, "system %s has no consent notice", system)
	}
	if c == nil || (!c.Admin() && c.Org() != ns.notice.Provider) {
		return nil, accord.Errorf(accord.EForbidden, "a system's consent statistics are its provider's")
	}
	st := &accord.ConsentStats{System: system, Events: map[string]int{}, Purposes: map[string]map[string]int{}}
	for _, p := range ns.notice.Purposes {
		st.Purposes[p.ID] = map[string]int{"allow": 0, "deny": 0}
	}
	now := s.now()
	s.ix.each(func(pseudonym string, events []accord.DecisionEvent, erased *time.Time) {
		n := 0
		for i := range events {
			e := &events[i]
			if (e.Kind == accord.ScopeSystem && e.Scope == system) || (e.Kind == accord.ScopeProvider && e.Scope == ns.notice.Provider) ||
				(e.Kind == accord.ScopeDomain && slices.Contains(ns.notice.Domains, e.Scope)) {
				st.Events[e.Action.String()]++
				n++
			}
		}
		if n == 0 {
			return
		}
		st.Subjects++
		for i := range ns.notice.Purposes {
			p := &ns.notice.Purposes[i]
			ok, _, _ := accord.Decide(accord.DecideInput{Notice: ns.notice, Purpose: p, PurposeHash: ns.hashes[p.ID], Events: events, Erased: erased, At: now})
			if ok {
				st.Purposes[p.ID]["allow"]++
			} else {
				st.Purposes[p.ID]["deny"]++
			}
		}
	})
	return st, nil
}

// Records generates a provider's GDPR Art. 30(1) record of processing
// entries from its systems' current notices.
func (s *Service) Records(ctx context.Context, c *registry.Caller, provider string) ([]accord.ProcessingRecord, error) {
	if c == nil || (!c.Admin() && c.Org() != provider) {
		return nil, accord.Errorf(accord.EForbidden, "a provider's records of processing are its own (or the admin's)")
	}
	var org *accord.Organization
	var ns []accord.ConsentNotice
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		if org, err = tx.Organization(ctx, provider); err != nil {
			return err
		}
		ns, err = tx.ConsentNotices(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []accord.ProcessingRecord{}
	for _, n := range ns {
		if n.Provider != provider {
			continue
		}
		for _, p := range n.Purposes {
			r := accord.ProcessingRecord{
				Controller: provider, ControllerName: org.Name, Contact: org.Contact, System: n.System, NoticeVersion: n.Version,
				Purpose: p.ID, PurposeTerm: p.DPV, PurposeTitle: p.Title, LegalBasis: p.LegalBasis,
				SubjectCategories: []string{"dpv:DataSubject"}, DataCategories: p.DataCategories,
				Recipients: append([]string{}, p.Recipients...), Transfers: append([]accord.Transfer{}, p.Transfers...),
				Retention: p.Retention, Jurisdictions: n.Jurisdictions,
			}
			out = append(out, r)
		}
	}
	return out, nil
}

package consent

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// Channel is how an event reached the node: its collection method and any
// machine-readable signal (Sec-GPC).
type Channel struct {
	Method string
	Signal string
}

var actions = []string{accord.ActionGrant, accord.ActionNarrow, accord.ActionWithdraw, accord.ActionObject}

// checkRequest checks the fields of a request that need no stored state.
func checkRequest(req *accord.ConsentRequest, now time.Time) error {
	var p accord.Problems
	if !slices.Contains(actions, req.Action) {
		p.Add("action", "%q is not an action: use grant, narrow, withdraw or object (erasure is POST /v1/consent/me/erase)", req.Action)
	}
	scopes := 0
	for _, v := range []string{req.System, req.Provider, req.Domain} {
		if v != "" {
			scopes++
		}
	}
	if scopes != 1 {
		p.Add("system", "name exactly one of system, provider or domain")
	}
	if req.Domain != "" && !accord.Domains.Has(req.Domain) {
		p.Add("domain", "%q is not an application domain code (GET /v1/vocabularies lists them)", req.Domain)
	}
	for f, v := range map[string]string{"system": req.System, "provider": req.Provider, "domain": req.Domain, "id": req.ID} {
		if v != "" && !validID(v) {
			p.Add(f, "%q is not an id (letters, digits, _ - . : up to 128)", v)
		}
	}
	switch {
	case req.Purpose == "":
		p.Add("purpose", "is required: a purpose id of the system's notice, a DPV purpose term at provider or domain scope, or *")
	case req.Purpose == "*":
		if req.Action == accord.ActionGrant || req.Action == accord.ActionNarrow {
			p.Add("purpose", "a grant names one purpose: consent is given per purpose (GDPR Art. 7(2))")
		}
	case req.System == "" && !slices.Contains(accord.DPVPurposes, req.Purpose):
		p.Add("purpose", "%q: at provider or domain scope use a DPV purpose term (%s) or *", req.Purpose, strings.Join(accord.DPVPurposes, ", "))
	case req.System != "" && !validID(req.Purpose):
		p.Add("purpose", "%q is not a purpose id", req.Purpose)
	}
	if req.Role == "" {
		req.Role = accord.RoleSubject
	}
	if req.Role != accord.RoleSubject && req.Role != accord.RoleGuardian {
		p.Add("role", "%q: the party who decides is the subject or a guardian", req.Role)
	}
	refusal := req.Action == accord.ActionWithdraw || req.Action == accord.ActionObject
	if !refusal {
		if req.ConsentType == "" {
			req.ConsentType = accord.ConsentExpressed
		}
		if req.ConsentType != accord.ConsentExpressed && req.ConsentType != accord.ConsentExplicit {
			p.Add("consent_type", "%q: use expressed or explicit", req.ConsentType)
		}
		if req.NoticeVersion < 1 {
			p.Add("notice_version", "is required for a grant: the version of the notice the person read")
		}
		if req.Language == "" {
			p.Add("language", "is required for a grant: the language of the notice the person read")
		} else if l, err := accord.CanonicalLanguage(req.Language); err != nil {
			p.Add("language", "%q is not a BCP 47 language tag", req.Language)
		} else {
			req.Language = l
		}
		if req.Expires != nil {
			t := req.Expires.UTC().Truncate(time.Millisecond)
			req.Expires = &t
			if !t.After(now) {
				p.Add("expires", "is in the past")
			}
		}
	} else if req.ConsentType != "" || req.Expires != nil || req.Separate || len(req.DataCategories) > 0 {
		p.Add("action", "a withdrawal or objection carries no consent_type, expires, separate or data_categories")
	}
	if req.Age < 0 || req.Age > 130 {
		p.Add("age", "must be between 1 and 130 (0: not declared)")
	}
	if req.Country != "" && !accord.ValidCountry(req.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", req.Country)
	}
	if req.Role == accord.RoleGuardian && (req.Age == 0 || req.Country == "") {
		p.Add("age", "a guardian declares the subject's age and country")
	}
	for i, c := range req.DataCategories {
		if !validID(c) || !strings.Contains(c, ":") {
			p.Add(fmt.Sprintf("data_categories[%d]", i), "%q is not a term such as pd:EmailAddress", c)
		}
	}
	if req.After != "" {
		if _, err := accord.ParseConsentToken(req.After); err != nil {
			p.Add("after", "%v", err)
		}
	}
	return p.Err()
}

func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.:", r)) {
			return false
		}
	}
	return true
}

// Record records one event: a grant, narrowing, withdrawal or objection.
// The public (c nil) acts as the subject and must prove it holds the
// identifier (a key: identifier is its own proof); a provider acts on a
// person's instruction for its own systems; the admin for any. One
// consent.event entry; the answer carries the receipt.
func (s *Service) Record(ctx context.Context, c *registry.Caller, req accord.ConsentRequest, ch Channel) (*accord.ConsentWrite, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := checkRequest(&req, now); err != nil {
		return nil, err
	}
	pseudonym, err := s.subjectFor(c, req.Subject)
	if err != nil {
		return nil, err
	}
	if c != nil && !c.Admin() && req.Domain != "" {
		return nil, accord.Errorf(accord.EForbidden, "a provider records events for its own systems only, not for a whole domain")
	}
	if c != nil && !c.Admin() && req.Provider != "" && req.Provider != c.Org() {
		return nil, accord.Errorf(accord.EForbidden, "a provider records events for its own systems only")
	}
	method := ch.Method
	if c != nil && !c.Admin() {
		method = accord.MethodProvider
	}
	var after int64 = -1
	if req.After != "" {
		after, _ = accord.ParseConsentToken(req.After)
	}
	id := req.ID
	if id == "" {
		id = newID("ce_")
	}
	var ev accord.ConsentEvent
	var salt []byte
	var notice *accord.ConsentNotice
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := registry.RecheckToken(ctx, tx, c); err != nil {
			return nil, err
		}
		var p *accord.ConsentPurpose
		if req.System != "" {
			sys, err := tx.System(ctx, req.System)
			if err != nil {
				return nil, err
			}
			if c != nil && !c.Admin() && sys.Provider != c.Org() {
				return nil, accord.Errorf(accord.EForbidden, "system %s is not this provider's", req.System)
			}
			n, err := s.currentNotice(ctx, tx, req.System)
			switch {
			case accord.ErrorCode(err) == accord.ENotFound:
				if req.Action == accord.ActionGrant || req.Action == accord.ActionNarrow {
					return nil, accord.FieldErrorf("system", "system %s declares no purposes (it has no consent notice)", req.System)
				}
			case err != nil:
				return nil, err
			default:
				notice = n
				if req.Purpose != "*" {
					var ok bool
					if p, ok = n.Purpose(req.Purpose); !ok {
						return nil, accord.FieldErrorf("purpose", "%q is not a purpose system %s declares (its notice version %d declares %s)", req.Purpose, req.System, n.Version, purposeIDs(n))
					}
				}
				if req.Action == accord.ActionGrant || req.Action == accord.ActionNarrow {
					if req.NoticeVersion != n.Version {
						return nil, accord.Errorf(accord.EConflict, "notice_version %d is not the current notice of system %s (version %d): read it and grant again (a changed purpose needs a new consent, PIPL Art. 14)", req.NoticeVersion, req.System, n.Version)
					}
					if _, ok := n.Text[req.Language]; !ok {
						return nil, accord.FieldErrorf("language", "%q: the notice is written in %s", req.Language, strings.Join(n.Text.Tags(), ", "))
					}
				}
			}
			if sys.Status == "withdrawn" && (req.Action == accord.ActionGrant || req.Action == accord.ActionNarrow) {
				return nil, accord.Errorf(accord.EConflict, "system %s was withdrawn from the registry: nothing can be granted to it", req.System)
			}
		}
		if req.Provider != "" {
			if _, err := tx.Organization(ctx, req.Provider); accord.ErrorCode(err) == accord.ENotFound {
				return nil, accord.FieldErrorf("provider", "%q is not an organization of this registry", req.Provider)
			} else if err != nil {
				return nil, err
			}
		}
		sub, err := tx.ConsentSubject(ctx, pseudonym)
		switch {
		case accord.ErrorCode(err) == accord.ENotFound:
			sub = &accord.ConsentSubject{Pseudonym: pseudonym, Created: now}
		case err != nil:
			return nil, err
		}
		newSalt := sub.Salt == nil
		if newSalt {
			sub.Salt = make([]byte, 32)
			rand.Read(sub.Salt)
		}
		var prev []accord.ConsentEvent
		if req.Action == accord.ActionGrant || req.Action == accord.ActionNarrow {
			// A grant's checks read the subject's events (a narrowing keeps
			// within the standing grant; after refuses an out-of-order grant).
			if prev, err = tx.ConsentEvents(ctx, accord.ConsentEventQuery{Subject: pseudonym}); err != nil {
				return nil, err
			}
		}
		ev = accord.ConsentEvent{
			ID: id, Subject: pseudonym, Action: req.Action,
			ConsentScope: accord.ConsentScope{System: req.System, Provider: req.Provider, Domain: req.Domain},
			Purpose:      req.Purpose, DataCategories: req.DataCategories, Language: req.Language,
			Method: method, Role: req.Role, ConsentType: req.ConsentType, Separate: req.Separate, Expires: req.Expires,
			Age: req.Age, Country: req.Country, Signal: ch.Signal, Time: now, Seq: next,
		}
		if c != nil && !c.Admin() {
			ev.ActorOrg = c.Org()
		}
		if !ev.Refusal() {
			if after >= 0 && len(prev) > 0 && prev[len(prev)-1].Seq > after {
				return nil, accord.Errorf(accord.EConflict, "out of order: the subject has an event (%s) later than the token in after; read the current state and decide again", accord.ConsentToken(prev[len(prev)-1].Seq))
			}
			if notice != nil && p != nil {
				ev.NoticeVersion = notice.Version
				ev.PurposeHash = s.purposeHash(notice, p)
			}
		}
		if reason, field, msg := accord.ValidateEvent(&ev, notice, p, prev); reason != "" {
			return nil, &accord.Error{Code: accord.EInvalid, Message: field + ": " + msg + " [" + reason + "]", Fields: []accord.FieldError{{Field: field, Message: msg}}}
		}
		if newSalt {
			if err := tx.PutConsentSubject(ctx, *sub); err != nil {
				return nil, err
			}
		}
		if err := tx.AddConsentEvent(ctx, ev); err != nil {
			if accord.ErrorCode(err) == accord.EConflict {
				return nil, accord.Errorf(accord.EConflict, "event %s is already recorded: a replayed event is not recorded twice", id)
			}
			return nil, err
		}
		salt = eventSalt(sub.Salt, id)
		details, err := ev.Details()
		if err != nil {
			return nil, err
		}
		content, err := accord.Canonical(accord.ConsentEventContent{V: 1, Commitment: accord.ConsentCommitment(salt, details)})
		if err != nil {
			return nil, err
		}
		return [][]byte{accord.LogEvent{Type: accord.LogConsentEvent, Record: id, Version: 1, Time: accord.LogTime(now),
			Org: actor(c), Content: content, Token: tokenOf(c)}.Bytes()}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.ix.syncTo(ctx, ev.Seq); err != nil {
		return nil, err
	}
	rc, err := s.receipt(ev, notice, salt, &rs[0])
	if err != nil {
		return nil, err
	}
	return &accord.ConsentWrite{Event: ev, Token: accord.ConsentToken(ev.Seq), Receipt: rs[0], ConsentReceipt: *rc}, nil
}

func purposeIDs(n *accord.ConsentNotice) string {
	ids := make([]string, len(n.Purposes))
	for i, p := range n.Purposes {
		ids[i] = p.ID
	}
	return strings.Join(ids, ", ")
}

// subjectFor resolves the subject a caller may act for: the public only
// with a key: identifier (holding the secret is the proof); a provider or
// the admin with any identifier or a pseudonym.
func (s *Service) subjectFor(c *registry.Caller, id string) (string, error) {
	if id == "" {
		return "", accord.FieldErrorf("subject", "is required: the identifier the person controls (key:… or email:…)")
	}
	if c == nil {
		canon, err := NormalIdentifier("subject", id)
		if err != nil {
			return "", err
		}
		if !strings.HasPrefix(canon, "key:") {
			return "", accord.Errorf(accord.EUnauthorized, "acting for yourself needs a key: identifier (a secret only you hold); an e-mail identifier is accepted from a provider's token (e-mail verification is not built)")
		}
	}
	return s.Pseudonym("subject", id)
}

// Erase erases a subject's record (GDPR Art. 17), at the person's request
// (or the admin's): the events' details and
// the salt of their commitments are deleted, so the log's commitments can
// no longer be opened, and one consent.erased entry says so. Checks then
// deny every purpose until the person grants again.
func (s *Service) Erase(ctx context.Context, c *registry.Caller, id string) (*accord.ConsentErasure, error) {
	if c != nil && !c.Admin() {
		// Erasure deletes every event of the subject, those about other
		// providers' systems too: only the person (or the node's admin) may.
		return nil, accord.Errorf(accord.EForbidden, "a person erases their own record (with their key: identifier); a provider cannot")
	}
	pseudonym, err := s.subjectFor(c, id)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	var n int
	eid := newID("ce_")
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := registry.RecheckToken(ctx, tx, c); err != nil {
			return nil, err
		}
		sub, err := tx.ConsentSubject(ctx, pseudonym)
		if err != nil {
			if accord.ErrorCode(err) == accord.ENotFound {
				return nil, accord.Errorf(accord.ENotFound, "nothing is recorded for this subject")
			}
			return nil, err
		}
		if sub.Salt == nil {
			return nil, accord.Errorf(accord.EConflict, "this subject's record is already erased")
		}
		commitment := subjectCommitment(sub.Salt, pseudonym)
		if n, err = tx.EraseConsentEvents(ctx, pseudonym); err != nil {
			return nil, err
		}
		at := now
		if err := tx.PutConsentSubject(ctx, accord.ConsentSubject{Pseudonym: pseudonym, Created: sub.Created, Erased: &at}); err != nil {
			return nil, err
		}
		// The erasure is an event of its own (no details): the index and
		// the change stream learn of it, and checks deny from it on.
		if err := tx.AddConsentEvent(ctx, accord.ConsentEvent{ID: eid, Subject: pseudonym, Action: accord.ActionErase,
			Method: accord.MethodAPI, Role: accord.RoleSubject, Time: now, Seq: next}); err != nil {
			return nil, err
		}
		content, err := accord.Canonical(accord.ConsentErasedContent{V: 1, Events: n, Commitment: commitment})
		if err != nil {
			return nil, err
		}
		return [][]byte{accord.LogEvent{Type: accord.LogConsentErased, Record: eid, Version: 1, Time: accord.LogTime(now),
			Org: actor(c), Content: content, Token: tokenOf(c)}.Bytes()}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.ix.syncTo(ctx, rs[0].Index); err != nil {
		return nil, err
	}
	return &accord.ConsentErasure{Subject: pseudonym, Events: n, Token: accord.ConsentToken(rs[0].Index), Receipt: rs[0]}, nil
}

// History returns a subject's events, oldest first.
func (s *Service) History(ctx context.Context, c *registry.Caller, id string) (string, []accord.ConsentEvent, error) {
	pseudonym, err := s.subjectFor(c, id)
	if err != nil {
		return "", nil, err
	}
	var es []accord.ConsentEvent
	err = s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		es, err = tx.ConsentEvents(ctx, accord.ConsentEventQuery{Subject: pseudonym})
		return err
	})
	if err != nil {
		return "", nil, err
	}
	if c != nil && !c.Admin() {
		es = slices.DeleteFunc(es, func(e accord.ConsentEvent) bool { return !s.concerns(c.Org(), &e) })
	}
	return pseudonym, es, nil
}

// concerns reports whether an event concerns a provider's systems.
func (s *Service) concerns(org string, e *accord.ConsentEvent) bool {
	switch {
	case e.Action == accord.ActionErase:
		return true
	case e.Provider != "":
		return e.Provider == org
	case e.System != "":
		n := s.ix.notice(e.System)
		return n != nil && n.notice.Provider == org
	case e.Domain != "":
		for _, n := range s.ix.noticeList() {
			if n.notice.Provider == org && slices.Contains(n.notice.Domains, e.Domain) {
				return true
			}
		}
	}
	return false
}

// Export returns a subject's whole history as signed receipts, each with
// the proof of its commitment's log entry.
func (s *Service) Export(ctx context.Context, c *registry.Caller, id string) ([]accord.ConsentReceipt, error) {
	if c != nil && !c.Admin() {
		return nil, accord.Errorf(accord.EForbidden, "a person exports their own history (with their key: identifier)")
	}
	pseudonym, es, err := s.History(ctx, c, id)
	if err != nil {
		return nil, err
	}
	var sub *accord.ConsentSubject
	notices := map[string]*accord.ConsentNotice{}
	err = s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		if sub, err = tx.ConsentSubject(ctx, pseudonym); err != nil {
			return err
		}
		for _, e := range es {
			if e.System == "" || e.NoticeVersion == 0 {
				continue
			}
			k := fmt.Sprintf("%s/%d", e.System, e.NoticeVersion)
			if notices[k] == nil {
				if notices[k], err = tx.ConsentNotice(ctx, e.System, e.NoticeVersion); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if accord.ErrorCode(err) == accord.ENotFound {
		return []accord.ConsentReceipt{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []accord.ConsentReceipt{}
	for _, e := range es {
		if e.Action == accord.ActionErase || sub.Salt == nil {
			continue
		}
		lr, err := s.log.Prove(ctx, e.Seq)
		if err != nil {
			return nil, err
		}
		rc, err := s.receipt(e, notices[fmt.Sprintf("%s/%d", e.System, e.NoticeVersion)], eventSalt(sub.Salt, e.ID), &lr)
		if err != nil {
			return nil, err
		}
		out = append(out, *rc)
	}
	return out, nil
}

// currentNotice reads a system's current notice inside a write: the
// version from the store (one indexed read), the notice itself from a cache
// of the decoded versions (a version never changes once published).
func (s *Service) currentNotice(ctx context.Context, tx accord.ReadTx, system string) (*accord.ConsentNotice, error) {
	v, err := tx.ConsentNoticeVersion(ctx, system)
	if err != nil {
		return nil, err
	}
	if v == 0 {
		return nil, accord.Errorf(accord.ENotFound, "system %s has no consent notice", system)
	}
	key := noticeKey{system, v}
	if n, ok := s.notices.Load(key); ok {
		return n.(*accord.ConsentNotice), nil
	}
	n, err := tx.ConsentNotice(ctx, system, v)
	if err != nil {
		return nil, err
	}
	s.notices.Store(key, n)
	return n, nil
}

type noticeKey struct {
	system  string
	version int
}

// purposeHash is a declared purpose's hash, computed once per notice version.
func (s *Service) purposeHash(n *accord.ConsentNotice, p *accord.ConsentPurpose) string {
	key := purposeKey{n.System, n.Version, p.ID}
	if h, ok := s.hashes.Load(key); ok {
		return h.(string)
	}
	h := p.Hash()
	s.hashes.Store(key, h)
	return h
}

type purposeKey struct {
	system  string
	version int
	purpose string
}

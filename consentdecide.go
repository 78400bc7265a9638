package accord

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The consent decision: a pure function of the purpose as declared now,
// the subject's events and the time, like the classifier. It never reads
// the database or the clock.

// EUMemberStates are the 27 member states (ISO 3166-1; Greece is GR).
var EUMemberStates = []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}

// EUMember reports a member state of the European Union.
func EUMember(country string) bool { return slices.Contains(EUMemberStates, country) }

// ConsentAge is one jurisdiction's age of digital consent, as data.
type ConsentAge struct {
	Country  string `json:"country"`
	Age      int    `json:"age"`
	Law      string `json:"law"`
	Source   string `json:"source"`
	Verified bool   `json:"verified"`
}

//go:embed consent_ages.json
var consentAgesJSON []byte

// ConsentAges are the ages of digital consent by country (consent_ages.json).
var ConsentAges = func() map[string]ConsentAge {
	var f struct {
		Comment   string       `json:"_comment"`
		DefaultEU int          `json:"default_eu"`
		Ages      []ConsentAge `json:"ages"`
	}
	if err := json.Unmarshal(consentAgesJSON, &f); err != nil {
		panic("consent_ages.json: " + err.Error())
	}
	m := map[string]ConsentAge{}
	for _, a := range f.Ages {
		if _, dup := m[a.Country]; dup || !ValidCountry(a.Country) || a.Age < 13 || a.Age > 18 {
			panic("consent_ages.json: bad or repeated entry " + a.Country)
		}
		m[a.Country] = a
	}
	for _, c := range EUMemberStates {
		if _, ok := m[c]; !ok {
			m[c] = ConsentAge{Country: c, Age: f.DefaultEU, Law: "GDPR Art. 8(1)", Source: "default", Verified: false}
		}
	}
	return m
}()

// AgeOfConsent returns the age of digital consent of a country, and
// whether one is known.
func AgeOfConsent(country string) (int, bool) {
	a, ok := ConsentAges[country]
	return a.Age, ok
}

// Minor reports whether a subject of this age in this country is under the
// age of digital consent. An undeclared age (0) or a country without an
// age is not a minor here.
func Minor(age int, country string) bool {
	if age <= 0 {
		return false
	}
	limit, ok := AgeOfConsent(country)
	return ok && age < limit
}

// Reasons of a decision, and of a refused event.
const (
	ReasonGranted            = "granted"              // a valid grant, no later refusal
	ReasonNoGrant            = "no-grant"             // consent basis, never granted: deny (GDPR Art. 6(1)(a))
	ReasonWithdrawn          = "withdrawn"            // GDPR Art. 7(3), PIPL Art. 15
	ReasonObjected           = "objected"             // GDPR Art. 21
	ReasonExpired            = "expired"              // the grant lapsed
	ReasonNoticeChanged      = "notice-changed"       // the purpose changed since the grant (PIPL Art. 14)
	ReasonOutsideGrant       = "outside-grant"        // a data category the narrowed grant leaves out
	ReasonNotObjected        = "legitimate-interest"  // objectable basis, no objection standing
	ReasonOtherBasis         = "basis-not-consent"    // contract, legal obligation, vital interest
	ReasonErased             = "erased"               // the subject's record was erased (GDPR Art. 17)
	ReasonSystemWithdrawn    = "system-withdrawn"     // the system was withdrawn from the registry
	ReasonMinorNoGuardian    = "minor-needs-guardian" // GDPR Art. 8(1), PIPL Art. 31, COPPA
	ReasonGuardianForAdult   = "guardian-for-adult"
	ReasonNotExplicit        = "explicit-required" // GDPR Art. 9(2)(a), 49(1)(a)
	ReasonSeparateMissing    = "separate-required" // PIPL Art. 23, 25, 29, 39
	ReasonUnknownPurpose     = "unknown-purpose"
	ReasonNoticeExpired      = "notice-expired"
	ReasonNoNotice           = "no-notice"
	ReasonBroadGrant         = "broad-grant" // grants are per system: consent must be informed by its notice
	ReasonNarrowWiderThan    = "narrow-not-narrower"
	ReasonGrantOutOfSequence = "out-of-order"
)

// DecisionEvent is an event as a decision reads it: compact (the index
// keeps one per event of every subject in memory), with the strings every
// event repeats shared.
type DecisionEvent struct {
	Seq     int64
	Time    int64 // Unix nanoseconds
	Expires int64 // Unix nanoseconds; 0: never
	ID      string
	Scope   string // the system, provider or domain
	Purpose string
	Hash    string // a grant's purpose hash
	Data    []string
	Action  EventAction
	Kind    ScopeKind
}

// EventAction is an action, compactly.
type EventAction uint8

// The actions of DecisionEvent.
const (
	ActGrant EventAction = iota + 1
	ActNarrow
	ActWithdraw
	ActObject
	ActErase
)

var actionNames = [...]string{"", ActionGrant, ActionNarrow, ActionWithdraw, ActionObject, ActionErase}

// String is the action's name (grant, withdraw, …).
func (a EventAction) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return ""
}

// ScopeKind says what an event's scope names.
type ScopeKind uint8

// The scope kinds.
const (
	ScopeNone ScopeKind = iota // an erasure
	ScopeSystem
	ScopeProvider
	ScopeDomain
)

// Decision returns the event as a decision reads it.
func (e *ConsentEvent) Decision() DecisionEvent {
	d := DecisionEvent{Seq: e.Seq, Time: e.Time.UnixNano(), ID: e.ID, Purpose: e.Purpose, Hash: e.PurposeHash, Data: e.DataCategories}
	for i, n := range actionNames {
		if n == e.Action && i > 0 {
			d.Action = EventAction(i)
		}
	}
	switch {
	case e.System != "":
		d.Kind, d.Scope = ScopeSystem, e.System
	case e.Provider != "":
		d.Kind, d.Scope = ScopeProvider, e.Provider
	case e.Domain != "":
		d.Kind, d.Scope = ScopeDomain, e.Domain
	}
	if e.Expires != nil {
		d.Expires = e.Expires.UnixNano()
	}
	return d
}

// DecideInput is everything a decision depends on.
type DecideInput struct {
	Notice  *ConsentNotice  // the system's current notice
	Purpose *ConsentPurpose // the purpose checked, as declared in it
	// PurposeHash is Purpose.Hash(), if the caller holds it (else computed).
	PurposeHash string
	// SystemWithdrawn: the system was withdrawn from the registry.
	SystemWithdrawn bool
	// Events are the subject's events (any scope), oldest first (by seq).
	Events []DecisionEvent
	// Erased is when the subject's record was erased, if it was.
	Erased *time.Time
	At     time.Time
	Data   string // a data category the use needs ("" for any)
}

// Applies reports whether an event concerns this system's purpose.
func (e *ConsentEvent) Applies(n *ConsentNotice, p *ConsentPurpose) bool {
	d := e.Decision()
	return d.applies(n, p)
}

func (e *DecisionEvent) applies(n *ConsentNotice, p *ConsentPurpose) bool {
	switch e.Kind {
	case ScopeNone:
		return e.Action == ActErase
	case ScopeSystem:
		return e.Scope == n.System && (e.Purpose == p.ID || e.Purpose == "*")
	case ScopeProvider:
		if e.Scope != n.Provider {
			return false
		}
	case ScopeDomain:
		if !slices.Contains(n.Domains, e.Scope) {
			return false
		}
	}
	return e.Purpose == "*" || e.Purpose == p.DPV || (e.Purpose != "" && SubPurposeBroader[p.DPV] == e.Purpose)
}

// Decide answers whether the system may use the subject's data for the
// purpose at in.At. Rules, in order:
//
//   - a withdrawn system is denied;
//   - contract, legal obligation and vital interest do not rest on consent:
//     allowed (objections do not apply to them, GDPR Art. 21(1));
//   - the latest applicable event by log order decides: a withdrawal, an
//     objection or an erasure denies (so a refusal wins over any older
//     grant, and a broad refusal over an older narrow grant, GDPR Art.
//     7(3), 21(2), 17(1)(b)); a grant allows while it has not expired, was
//     given for the purpose as it is declared now (PIPL Art. 14) and covers
//     the data category; events after in.At are ignored;
//   - with no applicable event: a consent basis denies, an objectable
//     basis allows; an erased subject is denied either way.
//
// Only events the node accepted reach it (ValidateEvent refused the rest),
// so a minor's grant here was the guardian's.
func Decide(in DecideInput) (ok bool, reason string, decisive *DecisionEvent) {
	p := in.Purpose
	if in.SystemWithdrawn {
		return false, ReasonSystemWithdrawn, nil
	}
	if !ConsentBased(p.LegalBasis) && !Objectable(p.LegalBasis) {
		return true, ReasonOtherBasis, nil
	}
	at := in.At.UnixNano()
	for i := len(in.Events) - 1; i >= 0; i-- {
		e := &in.Events[i]
		if e.Time > at || !e.applies(in.Notice, p) {
			continue
		}
		switch e.Action {
		case ActErase:
			return false, ReasonErased, e
		case ActWithdraw:
			return false, ReasonWithdrawn, e
		case ActObject:
			return false, ReasonObjected, e
		}
		// A grant (or narrowing) of this system's purpose. Under an
		// objectable basis it lifts an earlier objection.
		if Objectable(p.LegalBasis) {
			return true, ReasonGranted, e
		}
		hash := in.PurposeHash
		if hash == "" {
			hash = p.Hash()
		}
		switch {
		case e.Expires != 0 && at >= e.Expires:
			return false, ReasonExpired, e
		case e.Hash != hash:
			return false, ReasonNoticeChanged, e
		case in.Data != "" && len(e.Data) > 0 && !slices.Contains(e.Data, in.Data):
			return false, ReasonOutsideGrant, e
		}
		return true, ReasonGranted, e
	}
	if in.Erased != nil && !in.Erased.After(in.At) {
		return false, ReasonErased, nil
	}
	if Objectable(p.LegalBasis) {
		return true, ReasonNotObjected, nil
	}
	return false, ReasonNoGrant, nil
}

// ValidateEvent checks an event against the notice it names, before it is
// stored: what the law asks of a grant (age and guardian, explicit and
// separate consent), that a narrowing narrows, and that grants are per
// system (informed by the system's notice). prev is the subject's events,
// oldest first. It returns the reason code and a message naming the field.
func ValidateEvent(e *ConsentEvent, n *ConsentNotice, p *ConsentPurpose, prev []ConsentEvent) (reason, field, msg string) {
	if e.Refusal() {
		if e.Role == RoleGuardian && e.Age > 0 && !Minor(e.Age, e.Country) {
			return ReasonGuardianForAdult, "role", fmt.Sprintf("a guardian acts only for a minor: %d is at or over the age of digital consent in %s", e.Age, e.Country)
		}
		return "", "", ""
	}
	if e.System == "" {
		return ReasonBroadGrant, "system", "a grant names one system: consent must be informed by that system's notice (GDPR Art. 4(11), 7(2)); withdrawals and objections may name a provider or a domain"
	}
	if n == nil {
		return ReasonNoNotice, "system", "the system has published no consent notice"
	}
	if p == nil {
		return ReasonUnknownPurpose, "purpose", fmt.Sprintf("%q is not a purpose the system declares", e.Purpose)
	}
	if n.Expires != nil && !e.Time.Before(*n.Expires) {
		return ReasonNoticeExpired, "notice_version", fmt.Sprintf("notice version %d expired on %s", n.Version, n.Expires.Format(time.DateOnly))
	}
	minor := Minor(e.Age, e.Country)
	switch {
	case minor && e.Role != RoleGuardian:
		age, _ := AgeOfConsent(e.Country)
		return ReasonMinorNoGuardian, "role", fmt.Sprintf("under %d in %s a grant needs the holder of parental responsibility (role guardian): GDPR Art. 8(1), PIPL Art. 31, COPPA", age, e.Country)
	case e.Role == RoleGuardian && !minor:
		return ReasonGuardianForAdult, "role", "a guardian grants only for a minor: declare the subject's age and country (under the age of digital consent there)"
	}
	if p.NeedsExplicit() && e.ConsentType != ConsentExplicit {
		return ReasonNotExplicit, "consent_type", "this purpose needs explicit consent (sensitive data: GDPR Art. 9(2)(a); a transfer on consent: Art. 49(1)(a)): set consent_type explicit"
	}
	if p.NeedsSeparate() && (Covers(n.Jurisdictions, "CN") || e.Country == "CN") && !e.Separate {
		return ReasonSeparateMissing, "separate", "PIPL requires a separate consent for this purpose (provision to others Art. 23, publication Art. 25, sensitive data Art. 29, cross-border Art. 39): set separate true"
	}
	for _, c := range e.DataCategories {
		if !slices.Contains(p.DataCategories, c) {
			return ReasonOutsideGrant, "data_categories", fmt.Sprintf("%q is not a data category of purpose %s", c, p.ID)
		}
	}
	if e.Action == ActionNarrow {
		var last *ConsentEvent
		for i := len(prev) - 1; i >= 0; i-- {
			if prev[i].Applies(n, p) {
				last = &prev[i]
				break
			}
		}
		if last == nil || last.Refusal() {
			return ReasonNarrowWiderThan, "action", "there is no standing grant of this purpose to narrow"
		}
		wider := len(e.DataCategories) == 0 && len(last.DataCategories) > 0
		for _, c := range e.DataCategories {
			if len(last.DataCategories) > 0 && !slices.Contains(last.DataCategories, c) {
				wider = true
			}
		}
		if last.Expires != nil && (e.Expires == nil || e.Expires.After(*last.Expires)) {
			wider = true
		}
		if wider {
			return ReasonNarrowWiderThan, "data_categories", "a narrowing keeps within the standing grant (its data categories and expiry); give a new grant to widen it"
		}
	}
	return "", "", ""
}

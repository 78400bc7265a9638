package accord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Consent: data-subject control. A registered system's provider declares,
// in a versioned notice, the purposes for which the system uses personal
// data (W3C DPV purpose terms, legal bases, data categories, recipients,
// cross-border transfers); people grant, narrow, withdraw and object per
// system and purpose (withdrawals and objections also for all systems of a
// provider or of a domain); providers check before they use the data.
//
// Nobody's identity is stored: a subject is a pseudonym, a keyed hash
// (HMAC-SHA-256 under the node's consent secret) of an identifier the
// person controls. The public log holds one salted commitment per event;
// erasure deletes the salt and the event details (crypto-shredding) and is
// itself logged. This file holds the types every layer shares and the
// store methods of the capability (ConsentReadTx, ConsentWriteTx).

// Legal bases (W3C DPV terms).
const (
	BasisConsent            = "dpv:Consent"
	BasisExplicitConsent    = "dpv:ExplicitlyExpressedConsent"
	BasisLegitimateInterest = "dpv:LegitimateInterest"
	BasisContract           = "dpv:Contract"
	BasisLegalObligation    = "dpv:LegalObligation"
	BasisVitalInterest      = "dpv:VitalInterest"
	BasisPublicInterest     = "dpv:PublicInterest"
)

// LegalBases lists the legal bases a purpose may declare.
var LegalBases = []string{BasisConsent, BasisExplicitConsent, BasisLegitimateInterest, BasisContract, BasisLegalObligation, BasisVitalInterest, BasisPublicInterest}

// ConsentBased reports a basis under which use is denied unless granted.
func ConsentBased(basis string) bool { return basis == BasisConsent || basis == BasisExplicitConsent }

// Objectable reports a basis under which use is allowed unless the person
// objects (GDPR Art. 21(1): processing on Art. 6(1)(e) or (f)).
func Objectable(basis string) bool {
	return basis == BasisLegitimateInterest || basis == BasisPublicInterest
}

// DPVPurposes are the W3C DPV purpose terms a declaration may use (a
// subset of https://w3id.org/dpv#Purpose), and the registry's own
// sub-purposes of AI systems (accord:…, each narrower than a DPV term).
var DPVPurposes = []string{
	"dpv:ServiceProvision", "dpv:ServicePersonalisation", "dpv:ServiceOptimisation",
	"dpv:ResearchAndDevelopment", "dpv:AcademicResearch", "dpv:CommercialResearch",
	"dpv:Marketing", "dpv:DirectMarketing", "dpv:Advertising", "dpv:PersonalisedAdvertising",
	"dpv:FraudPreventionAndDetection", "dpv:IdentityVerification", "dpv:EnforceSecurity",
	"dpv:LegalCompliance", "dpv:HumanResourceManagement", "dpv:CustomerManagement",
	"dpv:CommunicationManagement", "dpv:PersonnelManagement", "dpv:RecordManagement",
	"accord:TrainingOfAISystem", "accord:EvaluationOfAISystem", "accord:InferenceByAISystem",
}

// SubPurposeBroader maps the registry's AI sub-purposes to the DPV term they
// are narrower than (skos:broader).
var SubPurposeBroader = map[string]string{
	"accord:TrainingOfAISystem":   "dpv:ResearchAndDevelopment",
	"accord:EvaluationOfAISystem": "dpv:ServiceOptimisation",
	"accord:InferenceByAISystem":  "dpv:ServiceProvision",
}

// Consent actions.
const (
	ActionGrant    = "grant"    // gives consent (or, for an objectable purpose, lifts an objection)
	ActionNarrow   = "narrow"   // a grant for fewer data categories or a shorter time than the last
	ActionWithdraw = "withdraw" // withdraws consent (GDPR Art. 7(3), PIPL Art. 15)
	ActionObject   = "object"   // objects (GDPR Art. 21)
	ActionErase    = "erase"    // the subject's record was erased (GDPR Art. 17)
)

// Consent types (ISO/IEC TS 27560 event type; DPV consent subtypes).
const (
	ConsentExpressed = "expressed"
	ConsentExplicit  = "explicit"
)

// Roles of the party who acts (ISO/IEC TS 27560 party role).
const (
	RoleSubject  = "subject"
	RoleGuardian = "guardian" // the holder of parental responsibility (GDPR Art. 8(1), PIPL Art. 31)
	// RoleProvider ("provider"), the provider acting on the person's
	// instruction, is the one incident.go declares for reporters.
)

// Methods by which an event was collected (27560 collection method).
const (
	MethodWeb      = "web"
	MethodAPI      = "api"
	MethodSignal   = "signal" // a machine-readable signal, e.g. Sec-GPC (GDPR Art. 21(5))
	MethodProvider = "provider"
)

// Transfer is a cross-border destination of a purpose's data.
type Transfer struct {
	Country   string `json:"country"`   // ISO 3166-1 alpha-2 of the recipient
	Recipient string `json:"recipient"` // the recipient's name (PIPL Art. 39)
	Contact   string `json:"contact"`   // how to reach it (PIPL Art. 39)
}

// ConsentPurpose is one declared use of personal data by a system.
type ConsentPurpose struct {
	// ID names the purpose within the system's notices, e.g. "training".
	ID string `json:"id"`
	// DPV is a term of DPVPurposes.
	DPV string `json:"dpv"`
	// LegalBasis is one of LegalBases.
	LegalBasis string `json:"legal_basis"`
	// DataCategories are DPV personal-data terms, e.g. "pd:EmailAddress".
	DataCategories []string `json:"data_categories"`
	// Sensitive marks special-category (GDPR Art. 9) or sensitive (PIPL
	// Art. 28) data: a grant must be explicit, and separate under PIPL.
	Sensitive bool `json:"sensitive,omitempty"`
	// Recipients are third parties that receive the data (PIPL Art. 23:
	// separate consent).
	Recipients []string `json:"recipients,omitempty"`
	// Publication: the data is made public (PIPL Art. 25: separate consent).
	Publication bool `json:"publication,omitempty"`
	// Transfers are the cross-border destinations (GDPR Art. 49(1)(a):
	// explicit consent when it is the basis; PIPL Art. 39: separate consent
	// with the recipient's identity).
	Transfers []Transfer `json:"transfers,omitempty"`
	// Retention is how long the data is kept, as an ISO 8601 duration (P2Y).
	Retention string `json:"retention,omitempty"`
	// Title and Description, in several languages.
	Title       Text `json:"title"`
	Description Text `json:"description,omitempty"`
}

// Hash is the SHA-256 of the purpose's canonical JSON: a grant records the
// hash of what it was given for, and a changed purpose (a new hash) needs
// a new grant (PIPL Art. 14).
func (p ConsentPurpose) Hash() string {
	b, err := Canonical(p)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// NeedsExplicit reports whether a grant must be explicit consent: an
// explicit-consent basis, sensitive data (GDPR Art. 9(2)(a)), or a transfer
// based on consent (GDPR Art. 49(1)(a)).
func (p ConsentPurpose) NeedsExplicit() bool {
	return p.LegalBasis == BasisExplicitConsent || p.Sensitive || (ConsentBased(p.LegalBasis) && len(p.Transfers) > 0)
}

// NeedsSeparate reports whether, where PIPL applies, a grant must be a
// separate consent (单独同意): provision to another handler (Art. 23),
// publication (Art. 25), sensitive data (Art. 29), cross-border transfer
// (Art. 39).
func (p ConsentPurpose) NeedsSeparate() bool {
	return len(p.Recipients) > 0 || p.Publication || p.Sensitive || len(p.Transfers) > 0
}

// ConsentNotice is one version of a system's notice: the purposes it
// declares and the text a person reads, in several languages. A changed
// purpose is a new version.
type ConsentNotice struct {
	System   string `json:"system"`
	Provider string `json:"provider"`
	Version  int    `json:"version"`
	// Domains are the system's application domains when the notice was
	// filed (from its filing), for domain-wide objections.
	Domains []string `json:"domains"`
	// Jurisdictions are where the people whose data is used are (ISO 3166-1
	// countries, or "EU" for the Union): they set the ages of digital consent
	// and whether PIPL's separate consent applies (CN).
	Jurisdictions []string         `json:"jurisdictions"`
	Purposes      []ConsentPurpose `json:"purposes"`
	Text          Text             `json:"text"`
	// Expires ends the notice: grants under it cannot be given after.
	Expires   *time.Time `json:"expires,omitempty"`
	Published time.Time  `json:"published"`
	LogIndex  int64      `json:"log_index"`
}

// Purpose returns the declared purpose with this id.
func (n *ConsentNotice) Purpose(id string) (*ConsentPurpose, bool) {
	for i := range n.Purposes {
		if n.Purposes[i].ID == id {
			return &n.Purposes[i], true
		}
	}
	return nil, false
}

// Covers reports whether a jurisdiction list includes a country (directly,
// or as a member state of the EU).
func Covers(jurisdictions []string, country string) bool {
	for _, j := range jurisdictions {
		if j == country || (j == "EU" && EUMember(country)) {
			return true
		}
	}
	return false
}

// NewConsentNotice is the request to publish a system's notice (PUT
// /v1/systems/{id}/consent-notice).
type NewConsentNotice struct {
	Jurisdictions []string         `json:"jurisdictions"`
	Purposes      []ConsentPurpose `json:"purposes"`
	Text          Text             `json:"text"`
	Expires       *time.Time       `json:"expires,omitempty"`
}

// MaxPurposes bounds the purposes of one notice.
const MaxPurposes = 32

// Normalize checks a notice request and returns it cleaned.
func (n NewConsentNotice) Normalize() (NewConsentNotice, error) {
	var p Problems
	if len(n.Jurisdictions) == 0 {
		p.Add("jurisdictions", "is required: the countries (or EU) where the people whose data is used are")
	}
	for i, j := range n.Jurisdictions {
		if j != "EU" && !ValidCountry(j) {
			p.Add(fmt.Sprintf("jurisdictions[%d]", i), "%q is not an ISO 3166-1 alpha-2 country code or EU", j)
		}
	}
	n.Text = n.Text.normalize("text", LongText, true, MaxTextLen, &p)
	switch {
	case len(n.Purposes) == 0:
		p.Add("purposes", "is required: declare at least one purpose")
	case len(n.Purposes) > MaxPurposes:
		p.Add("purposes", "declares %d purposes; at most %d", len(n.Purposes), MaxPurposes)
	}
	seen := map[string]bool{}
	for i := range n.Purposes {
		f := fmt.Sprintf("purposes[%d]", i)
		u := &n.Purposes[i]
		u.ID = strings.TrimSpace(u.ID)
		switch {
		case !validPurposeID(u.ID):
			p.Add(f+".id", "%q: use 1–64 lower-case letters, digits and - (e.g. training)", u.ID)
		case seen[u.ID]:
			p.Add(f+".id", "%q is declared twice", u.ID)
		}
		seen[u.ID] = true
		if !slices.Contains(DPVPurposes, u.DPV) {
			p.Add(f+".dpv", "%q is not a known purpose: use one of %s", u.DPV, strings.Join(DPVPurposes, ", "))
		}
		if !slices.Contains(LegalBases, u.LegalBasis) {
			p.Add(f+".legal_basis", "%q is not a legal basis: use one of %s", u.LegalBasis, strings.Join(LegalBases, ", "))
		}
		if len(u.DataCategories) == 0 {
			p.Add(f+".data_categories", "is required: the personal data used (DPV terms such as pd:EmailAddress)")
		}
		for k, c := range u.DataCategories {
			if !validTerm(c) {
				p.Add(fmt.Sprintf("%s.data_categories[%d]", f, k), "%q is not a term such as pd:EmailAddress", c)
			}
		}
		for k, r := range u.Recipients {
			if strings.TrimSpace(r) == "" || len(r) > 300 || CheckText(r, Line) != "" {
				p.Add(fmt.Sprintf("%s.recipients[%d]", f, k), "must be a recipient's name of at most 300 characters")
			}
		}
		for k, t := range u.Transfers {
			tf := fmt.Sprintf("%s.transfers[%d]", f, k)
			if !ValidCountry(t.Country) {
				p.Add(tf+".country", "%q is not an ISO 3166-1 alpha-2 country code", t.Country)
			}
			if strings.TrimSpace(t.Recipient) == "" || CheckText(t.Recipient, Line) != "" || len(t.Recipient) > 300 {
				p.Add(tf+".recipient", "is required: the overseas recipient's name (PIPL Art. 39)")
			}
			if strings.TrimSpace(t.Contact) == "" || CheckText(t.Contact, Line) != "" || len(t.Contact) > 300 {
				p.Add(tf+".contact", "is required: how to reach the overseas recipient (PIPL Art. 39)")
			}
		}
		if u.Retention != "" && !validDuration(u.Retention) {
			p.Add(f+".retention", "%q is not an ISO 8601 duration such as P2Y or P6M", u.Retention)
		}
		u.Title = u.Title.normalize(f+".title", Line, true, 300, &p)
		u.Description = u.Description.normalize(f+".description", LongText, false, MaxTextLen, &p)
	}
	if n.Expires != nil {
		t := n.Expires.UTC().Truncate(time.Millisecond)
		n.Expires = &t
	}
	return n, p.Err()
}

func validPurposeID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// validTerm checks a prefixed vocabulary term: prefix:Name.
func validTerm(s string) bool {
	pre, name, ok := strings.Cut(s, ":")
	if !ok || pre == "" || name == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ':' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func validDuration(s string) bool {
	if len(s) < 3 || len(s) > 20 || s[0] != 'P' {
		return false
	}
	digits := false
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case strings.ContainsRune("YMWD", r) && digits:
			digits = false
		default:
			return false
		}
	}
	return !digits
}

// ConsentScope is what an event applies to: exactly one of a system, all
// systems of a provider, or all systems in a domain.
type ConsentScope struct {
	System   string `json:"system,omitempty"`
	Provider string `json:"provider,omitempty"`
	Domain   string `json:"domain,omitempty"`
}

// ConsentEvent is one event of a subject's consent record (ISO/IEC TS
// 27560 event): who acted, under which notice and language, how, when, for
// how long. It is stored privately; the log holds a salted commitment.
type ConsentEvent struct {
	ID      string `json:"id"`
	Subject string `json:"subject"` // the pseudonym (ps1_…)
	Action  string `json:"action"`
	ConsentScope
	// Purpose is the purpose id at system scope; at provider or domain
	// scope a DPV or accord: purpose term, or "*" for every purpose.
	Purpose string `json:"purpose"`
	// DataCategories narrows a grant to some of the purpose's categories
	// (empty: all of them).
	DataCategories []string `json:"data_categories,omitempty"`
	NoticeVersion  int      `json:"notice_version,omitempty"`
	// PurposeHash is the hash of the purpose as declared in that notice.
	PurposeHash string     `json:"purpose_hash,omitempty"`
	Language    string     `json:"language,omitempty"`
	Method      string     `json:"method"`
	Role        string     `json:"role"`
	ActorOrg    string     `json:"actor_org,omitempty"` // the provider that recorded it, for role provider
	ConsentType string     `json:"consent_type,omitempty"`
	Separate    bool       `json:"separate,omitempty"`
	Expires     *time.Time `json:"expires,omitempty"`
	// Age and Country are what was declared of the subject (for the age of
	// digital consent); Age 0 is not declared.
	Age     int       `json:"age,omitempty"`
	Country string    `json:"country,omitempty"`
	Signal  string    `json:"signal,omitempty"` // e.g. Sec-GPC
	Time    time.Time `json:"time"`
	// Seq is the index of the event's entry in the log: the consistency
	// token of the write.
	Seq int64 `json:"seq"`
}

// Refusal reports a withdrawal, an objection or an erasure.
func (e *ConsentEvent) Refusal() bool {
	return e.Action == ActionWithdraw || e.Action == ActionObject || e.Action == ActionErase
}

// Details is the canonical JSON the event's log commitment covers: the
// event without its log index (which the commitment's entry has).
func (e ConsentEvent) Details() ([]byte, error) {
	e.Seq = 0
	if !e.canonicalReady() {
		return Canonical(e)
	}
	w := &jcsWriter{b: make([]byte, 0, 512)}
	w.appendEvent(&e)
	return w.b, nil
}

// ConsentCommitment is hex(SHA-256(salt ‖ details)).
func ConsentCommitment(salt, details []byte) string {
	h := sha256.New()
	h.Write(salt)
	h.Write(details)
	return hex.EncodeToString(h.Sum(nil))
}

// ConsentRequest is a request to record an event (POST /v1/consent/events).
type ConsentRequest struct {
	// Subject is the identifier the person controls: "key:<secret>" (a
	// secret of at least 22 characters the person holds), or
	// "email:<address>" (recorded by a provider on the person's
	// instruction), or a pseudonym ps1_… a provider already holds.
	Subject string `json:"subject"`
	Action  string `json:"action"`
	ConsentScope
	Purpose        string     `json:"purpose"`
	DataCategories []string   `json:"data_categories,omitempty"`
	NoticeVersion  int        `json:"notice_version,omitempty"`
	Language       string     `json:"language,omitempty"`
	Role           string     `json:"role,omitempty"`
	ConsentType    string     `json:"consent_type,omitempty"`
	Separate       bool       `json:"separate,omitempty"`
	Expires        *time.Time `json:"expires,omitempty"`
	Age            int        `json:"age,omitempty"`
	Country        string     `json:"country,omitempty"`
	// ID is a client-chosen event id: a replay of the same id is refused.
	ID string `json:"id,omitempty"`
	// After is the consistency token of the last event the client saw for
	// this subject: a grant is refused if a later event exists (out of
	// order); a refusal is never refused.
	After string `json:"after,omitempty"`
}

// ConsentWrite is the answer to a recorded event: the event, its
// consistency token, the log receipt and the signed consent receipt.
type ConsentWrite struct {
	Event          ConsentEvent   `json:"event"`
	Token          string         `json:"token"`
	Receipt        Receipt        `json:"receipt"`
	ConsentReceipt ConsentReceipt `json:"consent_receipt"`
}

// ConsentToken formats a consistency token.
func ConsentToken(seq int64) string { return fmt.Sprintf("ct1.%d", seq) }

// ParseConsentToken reads a consistency token.
func ParseConsentToken(s string) (int64, error) {
	v, ok := strings.CutPrefix(s, "ct1.")
	var n int64
	if ok {
		_, err := fmt.Sscanf(v, "%d", &n)
		ok = err == nil && n >= 0 && fmt.Sprint(n) == v
	}
	if !ok {
		return 0, errors.New("is not a consistency token (ct1.<n>, as a write returned it)")
	}
	return n, nil
}

// ConsentDecision is the answer to a check.
type ConsentDecision struct {
	Allow   bool   `json:"allow"`
	Reason  string `json:"reason"`
	System  string `json:"system"`
	Purpose string `json:"purpose"`
	Subject string `json:"subject"` // the pseudonym
	Basis   string `json:"basis,omitempty"`
	// Events are the events that decided (newest first), by id, action and seq.
	Events []ConsentEventRef `json:"events"`
	// Token is the consistency token the answer is at least as fresh as.
	Token string `json:"token"`
	// NoticeVersion is the current notice's version.
	NoticeVersion int `json:"notice_version,omitempty"`
}

// ConsentEventRef names an event in a decision.
type ConsentEventRef struct {
	ID     string    `json:"id"`
	Action string    `json:"action"`
	Seq    int64     `json:"seq"`
	Time   time.Time `json:"time"`
}

// ConsentCheck is one check of a batch (POST /v1/consent/check).
type ConsentCheck struct {
	System  string     `json:"system"`
	Purpose string     `json:"purpose"`
	Subject string     `json:"subject"`
	Data    string     `json:"data,omitempty"` // a data category the use needs
	At      *time.Time `json:"at,omitempty"`
}

// ConsentBatch is the batch check request.
type ConsentBatch struct {
	Token  string         `json:"token,omitempty"`
	Checks []ConsentCheck `json:"checks"`
}

// ConsentSubject is what the node keeps of a subject: the pseudonym, the
// salt of its commitments (deleted on erasure) and when it was erased.
type ConsentSubject struct {
	Pseudonym string     `json:"pseudonym"`
	Salt      []byte     `json:"salt,omitempty"`
	Created   time.Time  `json:"created"`
	Erased    *time.Time `json:"erased,omitempty"`
}

// ConsentStats counts a system's events and current states (never identities).
type ConsentStats struct {
	System   string                    `json:"system"`
	Subjects int                       `json:"subjects"`
	Events   map[string]int            `json:"events"`             // by action
	Purposes map[string]map[string]int `json:"purposes,omitempty"` // purpose → allow/deny → subjects
}

// ProcessingRecord is a GDPR Art. 30(1) record of processing entry,
// generated from a system's declared purposes.
type ProcessingRecord struct {
	Controller        string     `json:"controller"`
	ControllerName    Text       `json:"controller_name,omitempty"`
	Contact           Contact    `json:"contact"`
	System            string     `json:"system"`
	NoticeVersion     int        `json:"notice_version"`
	Purpose           string     `json:"purpose"`
	PurposeTerm       string     `json:"purpose_term"`
	PurposeTitle      Text       `json:"purpose_title"`
	LegalBasis        string     `json:"legal_basis"`
	SubjectCategories []string   `json:"subject_categories"`
	DataCategories    []string   `json:"data_categories"`
	Recipients        []string   `json:"recipients"`
	Transfers         []Transfer `json:"transfers"`
	Retention         string     `json:"retention,omitempty"`
	Jurisdictions     []string   `json:"jurisdictions"`
}

// ConsentEventQuery selects events: a subject's (oldest first), or every
// event after a log index (for the index and the stream).
type ConsentEventQuery struct {
	Subject string
	After   int64 // seq > After
	Limit   int
}

// Log entry types of consent; their content carries "v": 1.
const (
	LogConsentNotice = "consent.notice"
	LogConsentEvent  = "consent.event"
	LogConsentErased = "consent.erased"
)

// ConsentNoticeContent is the content of a consent.notice entry: the notice
// as published (public).
type ConsentNoticeContent struct {
	V      int           `json:"v"`
	Notice ConsentNotice `json:"notice"`
}

// ConsentEventContent is the content of a consent.event entry: only the
// salted commitment to the event's details.
type ConsentEventContent struct {
	V          int    `json:"v"`
	Commitment string `json:"commitment"`
}

// ConsentErasedContent is the content of a consent.erased entry: how many
// events were erased, and a commitment to the subject under the salt that
// was deleted.
type ConsentErasedContent struct {
	V          int    `json:"v"`
	Events     int    `json:"events"`
	Commitment string `json:"commitment"`
}

func init() {
	registerLogDecoder(LogConsentNotice, func(ev *LogEvent) (any, error) {
		c, err := content[ConsentNoticeContent](ev)
		if err != nil {
			return nil, err
		}
		if c.V != 1 || c.Notice.System != ev.Record || c.Notice.Version != ev.Version || c.Notice.Version < 1 {
			return nil, fmt.Errorf("content is not a version 1 notice of system %q version %d", ev.Record, ev.Version)
		}
		if _, err := (NewConsentNotice{Jurisdictions: c.Notice.Jurisdictions, Purposes: c.Notice.Purposes, Text: c.Notice.Text}).Normalize(); err != nil {
			return nil, fmt.Errorf("notice: %w", err)
		}
		return c, nil
	})
	commitment := func(s string) bool {
		b, err := hex.DecodeString(s)
		return err == nil && len(b) == sha256.Size
	}
	registerLogDecoder(LogConsentEvent, func(ev *LogEvent) (any, error) {
		c, err := content[ConsentEventContent](ev)
		if err != nil {
			return nil, err
		}
		if c.V != 1 || !commitment(c.Commitment) {
			return nil, errors.New("content is not a version 1 consent event with a SHA-256 commitment")
		}
		return c, nil
	})
	registerLogDecoder(LogConsentErased, func(ev *LogEvent) (any, error) {
		c, err := content[ConsentErasedContent](ev)
		if err != nil {
			return nil, err
		}
		if c.V != 1 || !commitment(c.Commitment) || c.Events < 0 {
			return nil, errors.New("content is not a version 1 erasure with a SHA-256 commitment")
		}
		return c, nil
	})
}

// ConsentReadTx reads consent records.
type ConsentReadTx interface {
	// ConsentNotice returns a system's notice of this version, or its
	// latest for version 0; ENotFound if none.
	ConsentNotice(ctx context.Context, system string, version int) (*ConsentNotice, error)
	// ConsentNoticeVersion returns a system's latest notice version (0 if none).
	ConsentNoticeVersion(ctx context.Context, system string) (int, error)
	// ConsentNotices returns every system's latest notice, by system id.
	ConsentNotices(ctx context.Context) ([]ConsentNotice, error)
	// ConsentEvents returns events, oldest first: a subject's (q.Subject),
	// or all with seq > q.After, at most q.Limit (0: no limit).
	ConsentEvents(ctx context.Context, q ConsentEventQuery) ([]ConsentEvent, error)
	// ConsentSubject returns what is kept of a subject; ENotFound if never seen.
	ConsentSubject(ctx context.Context, pseudonym string) (*ConsentSubject, error)
}

// ConsentWriteTx writes consent records.
type ConsentWriteTx interface {
	// AddConsentNotice stores a notice version; an existing (system,
	// version) is EConflict.
	AddConsentNotice(ctx context.Context, n ConsentNotice) error
	// PutConsentSubject stores a subject (replacing it).
	PutConsentSubject(ctx context.Context, s ConsentSubject) error
	// AddConsentEvent stores an event; a taken id or seq is EConflict.
	AddConsentEvent(ctx context.Context, e ConsentEvent) error
	// EraseConsentEvents deletes a subject's events and reports how many.
	EraseConsentEvents(ctx context.Context, pseudonym string) (int, error)
}

// ConsentRow is one row of consent's tables in a dump: exactly one is set.
type ConsentRow struct {
	Notice  *ConsentNotice  `json:"notice,omitempty"`
	Subject *ConsentSubject `json:"subject,omitempty"`
	Event   *ConsentEvent   `json:"event,omitempty"`
}

// DumpConsent writes consent's tables (migrations sqlite/010_consent.sql,
// postgres/006_consent.sql: the same columns) to w through a store's EachRow.
func DumpConsent(ctx context.Context, each EachRow, w DumpWriter) error {
	steps := []struct {
		query string
		row   func([]byte) (ConsentRow, error)
	}{
		{`SELECT data FROM consent_notices ORDER BY system, version`, func(b []byte) (ConsentRow, error) {
			var n ConsentNotice
			return ConsentRow{Notice: &n}, json.Unmarshal(b, &n)
		}},
		{`SELECT data FROM consent_subjects ORDER BY pseudonym`, func(b []byte) (ConsentRow, error) {
			var s ConsentSubject
			return ConsentRow{Subject: &s}, json.Unmarshal(b, &s)
		}},
		{`SELECT data FROM consent_events ORDER BY seq`, func(b []byte) (ConsentRow, error) {
			var e ConsentEvent
			return ConsentRow{Event: &e}, json.Unmarshal(b, &e)
		}},
	}
	for _, s := range steps {
		err := each(ctx, s.query, func(scan func(...any) error) error {
			var data []byte
			if err := scan(&data); err != nil {
				return err
			}
			r, err := s.row(data)
			if err != nil {
				return err
			}
			return w.Consent(ctx, r)
		})
		if err != nil {
			return fmt.Errorf("dump consent: %w", err)
		}
	}
	return nil
}

// LoadConsent writes one consent row into a loading store's transaction.
func LoadConsent(ctx context.Context, tx WriteTx, r ConsentRow) error {
	switch {
	case r.Notice != nil:
		return tx.AddConsentNotice(ctx, *r.Notice)
	case r.Subject != nil:
		return tx.PutConsentSubject(ctx, *r.Subject)
	case r.Event != nil:
		return tx.AddConsentEvent(ctx, *r.Event)
	}
	return errors.New("load consent: an empty row")
}

// ConsentReceiptVersion is the Kantara Consent Receipt version the receipts follow.
const ConsentReceiptVersion = "KI-CR-v1.1.0"

// ConsentReceipt is a signed receipt of one event, in the shape of the
// Kantara Initiative Consent Receipt v1.1.0 (the ancestor of ISO/IEC TS
// 27560 receipts), with Accord's proof beside it: the event, the salt of
// its log commitment and the log index. Signature is a signed-note
// signature line by the node's consent key over the RFC 8785 canonical
// JSON of the receipt without it and without log_receipt; anyone with that key (and the log's key
// for LogReceipt) checks it offline (accord consent verify-receipt).
type ConsentReceipt struct {
	Version          string              `json:"version"`
	Jurisdiction     string              `json:"jurisdiction"`
	ConsentTimestamp int64               `json:"consentTimestamp"`
	CollectionMethod string              `json:"collectionMethod"`
	ConsentReceiptID string              `json:"consentReceiptID"`
	PublicKey        string              `json:"publicKey"`
	Language         string              `json:"language"`
	PiiPrincipalID   string              `json:"piiPrincipalId"`
	PiiControllers   []ReceiptController `json:"piiControllers"`
	PolicyURL        string              `json:"policyUrl"`
	Services         []ReceiptService    `json:"services"`
	Sensitive        bool                `json:"sensitive"`
	SpiCat           []string            `json:"spiCat"`
	Accord           ReceiptProof        `json:"accord"`
	Signature        string              `json:"signature,omitempty"`
}

// ReceiptController is a Kantara piiControllers entry.
type ReceiptController struct {
	PiiController string `json:"piiController"`
	Contact       string `json:"contact"`
	OnBehalf      bool   `json:"onBehalf"`
}

// ReceiptService is a Kantara services entry.
type ReceiptService struct {
	Service  string           `json:"service"`
	Purposes []ReceiptPurpose `json:"purposes"`
}

// ReceiptPurpose is a Kantara purposes entry.
type ReceiptPurpose struct {
	Purpose              string   `json:"purpose"`
	PurposeCategory      []string `json:"purposeCategory"`
	ConsentType          string   `json:"consentType"`
	PiiCategory          []string `json:"piiCategory"`
	PrimaryPurpose       bool     `json:"primaryPurpose"`
	Termination          string   `json:"termination"`
	ThirdPartyDisclosure bool     `json:"thirdPartyDisclosure"`
	ThirdPartyName       string   `json:"thirdPartyName,omitempty"`
}

// ReceiptProof is Accord's part of a receipt.
type ReceiptProof struct {
	Action     string       `json:"action"`
	Event      ConsentEvent `json:"event"`
	Salt       []byte       `json:"salt"` // the salt of the log commitment
	Commitment string       `json:"commitment"`
	LogIndex   int64        `json:"log_index"`
	Token      string       `json:"token"`
	// LogReceipt proves the commitment's entry in the log (index, entry,
	// C2SP tlog-proof with the signed checkpoint).
	LogReceipt *Receipt `json:"log_receipt,omitempty"`
}

// ConsentChange is one event of the change stream a provider follows
// (GET /v1/consent/stream): a withdrawal, an objection or an erasure that
// concerns its systems, to invalidate its caches. Subject is the pseudonym.
type ConsentChange struct {
	Seq      int64     `json:"seq"`
	Action   string    `json:"action"`
	Subject  string    `json:"subject"`
	System   string    `json:"system,omitempty"`
	Provider string    `json:"provider,omitempty"`
	Domain   string    `json:"domain,omitempty"`
	Purpose  string    `json:"purpose,omitempty"`
	Time     time.Time `json:"time"`
}

// ConsentNoticeChange answers a published notice.
type ConsentNoticeChange struct {
	Notice  ConsentNotice `json:"notice"`
	Token   string        `json:"token"`
	Receipt Receipt       `json:"receipt"`
}

// ConsentErasure answers an erasure.
type ConsentErasure struct {
	Subject string  `json:"subject"` // the pseudonym
	Events  int     `json:"events"`  // how many events were erased
	Token   string  `json:"token"`
	Receipt Receipt `json:"receipt"` // of the consent.erased entry
}

// ConsentHistory is a subject's history (GET /v1/consent/me).
type ConsentHistory struct {
	Subject string         `json:"subject"`
	Events  []ConsentEvent `json:"events"`
}

// ConsentKeys are the keys receipts verify against (GET /v1/consent/key).
type ConsentKeys struct {
	ConsentKey     string `json:"consent_key"`
	LogKey         string `json:"log_key"`
	MaxStalenessMS int64  `json:"max_staleness_ms"`
}

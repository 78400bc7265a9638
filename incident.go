package accord

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Incidents: reports of what went wrong with a registered AI system (EU AI
// Act Art. 3(49) and Art. 73, the GPAI Code of Practice Measure 9.3, China's
// CAC incident measures, the OECD AI Incidents Monitor and the AI Incident
// Database's incident/report model). An Incident gathers the Reports about
// one event; a report's staged versions (initial, follow-up, final) are
// versions of one report (Art. 73(5)). Every report version is one log
// entry (incident.reported); a merge of two incidents is another
// (incident.merged). The confidential part of a report is never logged in
// clear: the entry holds a salted commitment to it.

// Incident kinds (the AIID/OECD distinction of harm that occurred, harm
// that nearly occurred and a hazard, with the EU's serious incident).
const (
	IncidentSerious         = "serious-incident" // EU AI Act Art. 3(49)
	IncidentIncident        = "incident"         // OECD: harm occurred
	IncidentHazard          = "hazard"           // OECD: could plausibly lead to an incident
	IncidentNearMiss        = "near-miss"        // CSETv1: imminent risk of tangible harm did occur
	IncidentMalfunction     = "malfunction"      // Art. 3(49): "incident or malfunctioning"
	IncidentLogMisbehaviour = "log-misbehaviour" // a node's log misbehaved (split view, missing entry)
)

// IncidentKinds lists the kinds in display order.
var IncidentKinds = []string{IncidentSerious, IncidentIncident, IncidentHazard, IncidentNearMiss, IncidentMalfunction, IncidentLogMisbehaviour}

// Report stages: staged reports are versions of one report (Art. 73(5):
// an initial report that is incomplete, followed by a complete report;
// GPAI Code Measure 9.3: intermediate reports and a final report).
const (
	StageInitial  = "initial"
	StageFollowUp = "follow-up"
	StageFinal    = "final"
)

// ReportStages lists the stages in order.
var ReportStages = []string{StageInitial, StageFollowUp, StageFinal}

// Reporter roles: who filed a report. The provider of the system bears the
// duty of Art. 73(1); a deployer informs the provider and, where the
// provider cannot be reached, the authorities (Art. 26(5)); an authority
// may record what it learnt; anyone may complain (Art. 85).
const (
	RoleProvider  = "provider"
	RoleDeployer  = "deployer"
	RoleAuthority = "authority"
	RolePublic    = "public"
)

// Severities, most severe first.
var Severities = []string{"critical", "serious", "moderate", "minor"}

// Regimes a report may say it was also notified under (the overlaps the
// Commission's draft guidance names, and others a provider may be under).
var OtherRegimes = []string{"nis2", "dora", "gdpr", "cer", "mdr", "ivdr", "cn-cac", "other"}

// CNGrades are the four grades of China's cybersecurity-incident grading
// guide (特别重大, 重大, 较大, 一般); CNOperators the kinds of operator its
// reporting clocks depend on.
var (
	CNGrades    = []string{"especially-major", "major", "relatively-major", "general"}
	CNOperators = []string{"cii", "state-organ", "other"}
)

// SystemRef names a registered system (and version) by its registry id, at
// this node (Node empty) or at a peer member's node.
type SystemRef struct {
	ID      string `json:"id"`
	Version int    `json:"version,omitempty"` // 0: the version current at filing
	Node    string `json:"node,omitempty"`    // the member holding it; "" for this node
}

// IncidentFacts are the facts the reporting clocks depend on, beyond the
// harm categories (an EU Art. 3(49)(b) harm is the critical-infrastructure
// limb of Art. 73(3)).
type IncidentFacts struct {
	Death                  bool `json:"death,omitempty"`                   // Art. 73(4); GPAI Measure 9.3
	WidespreadInfringement bool `json:"widespread_infringement,omitempty"` // Art. 3(61), Art. 73(3)
	CybersecurityBreach    bool `json:"cybersecurity_breach,omitempty"`    // GPAI Measure 9.3 (incl. exfiltration of weights)
	// CausalLinkAt is when the reporter established a causal link between
	// the system and the incident, or its reasonable likelihood: from then
	// the report is due "immediately" (Art. 73(2), (4)).
	CausalLinkAt *time.Time `json:"causal_link_at,omitempty"`
	CNGrade      string     `json:"cn_grade,omitempty"`    // CNGrades
	CNOperator   string     `json:"cn_operator,omitempty"` // CNOperators
}

// IncidentConfidential is the part of a report visible only to the
// reporter, the system's provider and authorities; the log holds a salted
// commitment to it, never its content.
type IncidentConfidential struct {
	Description        Text   `json:"description,omitempty"`
	ChainOfEvents      Text   `json:"chain_of_events,omitempty"`
	Containment        Text   `json:"containment,omitempty"`
	RootCause          Text   `json:"root_cause,omitempty"`
	CorrectiveMeasures Text   `json:"corrective_measures,omitempty"`
	PersonalData       Text   `json:"personal_data,omitempty"`
	SecurityDetails    Text   `json:"security_details,omitempty"`
	Contact            string `json:"contact,omitempty"`
}

// IsZero reports an empty confidential part.
func (c IncidentConfidential) IsZero() bool {
	return len(c.Description) == 0 && len(c.ChainOfEvents) == 0 && len(c.Containment) == 0 && len(c.RootCause) == 0 &&
		len(c.CorrectiveMeasures) == 0 && len(c.PersonalData) == 0 && len(c.SecurityDetails) == 0 && c.Contact == ""
}

// NewIncidentReport is a report as filed: a new incident's first report, a
// further report on an existing incident (Incident set), or a new version
// of one's own report (POST /v1/incident-reports/{id}/versions).
type NewIncidentReport struct {
	Incident string    `json:"incident,omitempty"` // add the report to this incident; "" opens a new one
	Kind     string    `json:"kind"`
	Stage    string    `json:"stage,omitempty"` // default initial
	System   SystemRef `json:"system"`
	// Occurred and Aware are RFC 3339 times with the reporter's offset: the
	// days of a period are counted in it.
	Occurred     time.Time            `json:"occurred"`
	Aware        time.Time            `json:"aware"`
	Countries    []string             `json:"countries"`          // where it occurred (ISO 3166-1)
	Affected     int                  `json:"affected,omitempty"` // persons affected
	Harms        []string             `json:"harms,omitempty"`    // taxonomy terms, e.g. eu-3-49:a, oecd:physical
	Severity     string               `json:"severity"`
	Facts        IncidentFacts        `json:"facts,omitzero"`
	Title        Text                 `json:"title"`
	Summary      Text                 `json:"summary"` // the public summary
	Links        []string             `json:"links,omitempty"`
	OtherRegimes []string             `json:"other_regimes,omitempty"`
	Resolved     *time.Time           `json:"resolved,omitempty"` // GPAI Measure 9.3: final report within 60 days of it
	Confidential IncidentConfidential `json:"confidential,omitzero"`
}

// Limits on a report.
const (
	MaxIncidentCountries = 60
	MaxIncidentHarms     = 32
	MaxIncidentLinks     = 16
	maxIncidentLink      = 2048
)

// NormalizeReport checks a report and canonicalises it (language tags,
// sorted sets, times in their own offset truncated to the second). now
// bounds the times: none may be in the future. isHarm says whether a harm
// term is known (the taxonomies are data, package incident).
func (r NewIncidentReport) Normalize(now time.Time, isHarm func(string) bool) (NewIncidentReport, error) {
	var p Problems
	if !slices.Contains(IncidentKinds, r.Kind) {
		p.Add("kind", "%q is not an incident kind: use one of %s", r.Kind, strings.Join(IncidentKinds, ", "))
	}
	if r.Stage == "" {
		r.Stage = StageInitial
	}
	if !slices.Contains(ReportStages, r.Stage) {
		p.Add("stage", "%q is not a report stage: use initial, follow-up or final", r.Stage)
	}
	if r.Incident != "" && !validToken(r.Incident, 64) {
		p.Add("incident", "%q is not an incident id", r.Incident)
	}
	switch {
	case r.System.ID == "":
		p.Add("system.id", "is required: the registry id of the system (e.g. sys_…)")
	case !validToken(r.System.ID, 128):
		p.Add("system.id", "%q is not a system id", r.System.ID)
	}
	if r.System.Version < 0 {
		p.Add("system.version", "must be 1 or more (or absent for the current version)")
	}
	if r.System.Node != "" && !ValidMemberName(r.System.Node) {
		p.Add("system.node", "%q is not a member name", r.System.Node)
	}
	check := func(field string, t time.Time) time.Time {
		switch {
		case t.IsZero():
			p.Add(field, "is required: an RFC 3339 time with its offset, e.g. 2026-11-30T14:00:00+01:00")
		case t.After(now.Add(time.Minute)):
			p.Add(field, "%s is in the future", t.Format(time.RFC3339))
		case t.Year() < 2000:
			p.Add(field, "%s is before 2000", t.Format(time.RFC3339))
		}
		return t.Truncate(time.Second)
	}
	r.Occurred = check("occurred", r.Occurred)
	r.Aware = check("aware", r.Aware)
	if !r.Occurred.IsZero() && !r.Aware.IsZero() && r.Aware.Before(r.Occurred) {
		p.Add("aware", "%s is before the incident occurred (%s): one becomes aware of an incident once it happened", r.Aware.Format(time.RFC3339), r.Occurred.Format(time.RFC3339))
	}
	if r.Facts.CausalLinkAt != nil {
		t := check("facts.causal_link_at", *r.Facts.CausalLinkAt)
		r.Facts.CausalLinkAt = &t
	}
	if r.Resolved != nil {
		t := check("resolved", *r.Resolved)
		r.Resolved = &t
		if t.Before(r.Occurred) {
			p.Add("resolved", "is before the incident occurred")
		}
	}
	r.Countries = normSet("countries", r.Countries, MaxIncidentCountries, &p, func(c string) string {
		if !ValidCountry(c) {
			return "is not an ISO 3166-1 alpha-2 country code (upper case, e.g. FR)"
		}
		return ""
	})
	if len(r.Countries) == 0 {
		p.Add("countries", "is required: the countries where the incident occurred")
	}
	if r.Affected < 0 {
		p.Add("affected", "must be 0 or more")
	}
	r.Harms = normSet("harms", r.Harms, MaxIncidentHarms, &p, func(h string) string {
		if isHarm != nil && !isHarm(h) {
			return "is not a harm term: see GET /v1/incident-taxonomies"
		}
		return ""
	})
	if !slices.Contains(Severities, r.Severity) {
		p.Add("severity", "%q is not a severity: use critical, serious, moderate or minor", r.Severity)
	}
	if g := r.Facts.CNGrade; g != "" && !slices.Contains(CNGrades, g) {
		p.Add("facts.cn_grade", "%q is not a grade: use %s", g, strings.Join(CNGrades, ", "))
	}
	if o := r.Facts.CNOperator; o != "" && !slices.Contains(CNOperators, o) {
		p.Add("facts.cn_operator", "%q is not an operator kind: use %s", o, strings.Join(CNOperators, ", "))
	}
	r.Title = normText("title", r.Title, Line, 300, true, &p)
	r.Summary = normText("summary", r.Summary, LongText, MaxTextLen, true, &p)
	r.Links = normSet("links", r.Links, MaxIncidentLinks, &p, func(s string) string {
		u, err := url.Parse(s)
		if len(s) > maxIncidentLink || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || CheckText(s, Line) != "" {
			return "must be an absolute http(s) URL without credentials"
		}
		return ""
	})
	r.OtherRegimes = normSet("other_regimes", r.OtherRegimes, len(OtherRegimes), &p, func(s string) string {
		if !slices.Contains(OtherRegimes, s) {
			return "is not a regime: use " + strings.Join(OtherRegimes, ", ")
		}
		return ""
	})
	c := &r.Confidential
	c.Description = normText("confidential.description", c.Description, LongText, MaxTextLen, false, &p)
	c.ChainOfEvents = normText("confidential.chain_of_events", c.ChainOfEvents, LongText, MaxTextLen, false, &p)
	c.Containment = normText("confidential.containment", c.Containment, LongText, MaxTextLen, false, &p)
	c.RootCause = normText("confidential.root_cause", c.RootCause, LongText, MaxTextLen, false, &p)
	c.CorrectiveMeasures = normText("confidential.corrective_measures", c.CorrectiveMeasures, LongText, MaxTextLen, false, &p)
	c.PersonalData = normText("confidential.personal_data", c.PersonalData, LongText, MaxTextLen, false, &p)
	c.SecurityDetails = normText("confidential.security_details", c.SecurityDetails, LongText, MaxTextLen, false, &p)
	if c.Contact != "" {
		c.Contact = textField("confidential.contact", c.Contact, Line, 300, false, &p)
	}
	return r, p.Err()
}

func normText(field string, t Text, kind TextKind, max int, required bool, p *Problems) Text {
	out := t.normalize(field, kind, required, max, p)
	if len(out) == 0 {
		return nil
	}
	return out
}

func normSet(field string, in []string, max int, p *Problems, bad func(string) string) []string {
	if len(in) > max {
		p.Add(field, "has %d values; at most %d", len(in), max)
		return nil
	}
	var out []string
	for i, v := range in {
		v = strings.TrimSpace(v)
		if msg := bad(v); msg != "" {
			p.Add(fmt.Sprintf("%s[%d]", field, i), "%q %s", v, msg)
			continue
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// Deadline is one reporting duty that applies to a report, computed from
// the awareness time by the duty's rule (package incident) and marked
// against the log receipt of the first report filed for the incident by
// someone who bears the duty.
type Deadline struct {
	Framework string `json:"framework"` // the rule pack's id
	Duty      string `json:"duty"`      // the duty's id within it
	Citation  string `json:"citation"`  // e.g. "Art. 73(3)"
	Title     Text   `json:"title"`
	// Period is the duty's period as an ISO 8601 duration (P2D, PT4H); ""
	// for a duty without a fixed clock.
	Period      string     `json:"period,omitempty"`
	Due         *time.Time `json:"due,omitempty"`         // nil: no fixed clock
	Immediately bool       `json:"immediately,omitempty"` // due at once (causal link established)
	To          string     `json:"to,omitempty"`          // whom to report to
	Status      string     `json:"status"`                // met, missed, open, overdue, no-clock
	FiledAt     *time.Time `json:"filed_at,omitempty"`    // when the meeting report was logged
	LogIndex    *int64     `json:"log_index,omitempty"`   // its entry: the receipt proves FiledAt
	Verified    bool       `json:"verified"`              // the duty was checked in the primary text
	// Conditional says the duty applies only if the system has the tier
	// it names: its classification is undetermined (facts missing), and
	// may reach that tier.
	Conditional bool   `json:"conditional,omitempty"`
	Note        string `json:"note,omitempty"`
}

// Deadline statuses.
const (
	DeadlineMet     = "met"
	DeadlineMissed  = "missed"
	DeadlineOpen    = "open"
	DeadlineOverdue = "overdue"
	DeadlineNoClock = "no-clock"
)

// IncidentReport is one version of a report as stored. Confidential is
// left out of public views.
type IncidentReport struct {
	ID       string `json:"id"`
	Version  int    `json:"version"`
	Incident string `json:"incident"` // the incident it was filed to (a merge keeps it)
	Role     string `json:"role"`
	Reporter string `json:"reporter"` // organization id; "" for the public
	// Provider is the system's provider (an organization id, at the
	// system's home node for a foreign system).
	Provider string    `json:"provider"`
	Filed    time.Time `json:"filed"`
	LogIndex int64     `json:"log_index"` // its entry's index in the log of Home
	// Home is the member whose log holds the report; "" for this node. A
	// foreign report holds only the public part (the log's).
	Home string `json:"home,omitempty"`
	NewIncidentReport
	// Commitment is the salted SHA-256 commitment to the confidential part
	// that the log holds ("" when there is none).
	Commitment string     `json:"commitment,omitempty"`
	Deadlines  []Deadline `json:"deadlines,omitempty"` // computed at filing, for the system's classification
	Salt       []byte     `json:"-"`
}

// Incident gathers the reports about one event.
type Incident struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	MergedInto string    `json:"merged_into,omitempty"` // a merged incident redirects here
	System     SystemRef `json:"system"`
	Provider   string    `json:"provider"`
	Countries  []string  `json:"countries"`
	Harms      []string  `json:"harms,omitempty"`
	Severity   string    `json:"severity"`
	Title      Text      `json:"title"`
	Summary    Text      `json:"summary"`
	Links      []string  `json:"links,omitempty"`
	Occurred   time.Time `json:"occurred"`
	Aware      time.Time `json:"aware"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	Reports    int       `json:"reports"` // report versions filed to it (and to incidents merged into it)
	// Due is the earliest deadline of its duties and DueStatus its status
	// (the authority's dashboard sorts on them).
	Due       *time.Time `json:"due,omitempty"`
	DueStatus string     `json:"due_status,omitempty"`
	Home      string     `json:"home,omitempty"` // the member holding it; "" for this node
}

// IncidentDoc is what a store indexes for an incident: normalised text and
// facets (system:, provider:, country:, harm:, severity:, kind:).
type IncidentDoc struct {
	Text   string
	Facets []string
}

// IncidentQuery selects incidents (merged ones are left out).
type IncidentQuery struct {
	Q        string
	System   string
	Provider string
	Country  string
	Harm     string
	Severity string
	Kind     string
	From, To time.Time // occurred in [From, To)
	Cursor   string
	Limit    int
}

// Facets are the exact facets the query filters on.
func (q IncidentQuery) Facets() []string {
	var out []string
	for _, f := range [][2]string{{"system", q.System}, {"provider", q.Provider}, {"country", q.Country}, {"harm", q.Harm}, {"severity", q.Severity}, {"kind", q.Kind}} {
		if f[1] != "" {
			out = append(out, Facet(f[0], f[1]))
		}
	}
	return out
}

// IncidentPage is one page of incidents, newest first.
type IncidentPage struct {
	Incidents []Incident `json:"incidents"`
	Next      string     `json:"next,omitempty"`
}

// DeadlineRow is one incident's earliest deadline in one country, as the
// authority's dashboard lists them.
type DeadlineRow struct {
	Incident string    `json:"incident"`
	Country  string    `json:"country"`
	Due      time.Time `json:"due"`
	Met      bool      `json:"met"`                // a duty-bearer's report was logged by Due
	Filed    time.Time `json:"filed,omitzero"`     // when the first duty-bearer's report was logged
	LogIndex int64     `json:"log_index,omitzero"` // its entry
}

// DeadlineQuery selects the dashboard's rows of one country: overdue (due
// before Now, no duty-bearer's report by then), missed (filed after due),
// met, or open (due after Now, not filed yet).
type DeadlineQuery struct {
	Country string
	Status  string // overdue, missed, met, open; "" all
	Now     time.Time
	Cursor  string
	Limit   int
}

// DeadlinePage is a page of the dashboard, earliest due first.
type DeadlinePage struct {
	Deadlines []DeadlineRow `json:"deadlines"`
	Next      string        `json:"next,omitempty"`
}

// IncidentCandidate is an incident that may be the same event as a report
// (the store's part: same system within a window, or a shared link).
type IncidentCandidate struct {
	Incident
	Text string // its normalised search text, for the service's similarity
}

// IncidentReadTx are the incident reads of a transaction.
type IncidentReadTx interface {
	// Incident reads an incident (merged ones too: MergedInto redirects).
	Incident(ctx context.Context, id string) (*Incident, error)
	// IncidentReports lists the latest version of every report filed to
	// the incident or to incidents merged into it, oldest first.
	IncidentReports(ctx context.Context, incident string) ([]IncidentReport, error)
	// IncidentReport reads a report's version (0: the latest).
	IncidentReport(ctx context.Context, id string, version int) (*IncidentReport, error)
	IncidentReportVersions(ctx context.Context, id string) ([]IncidentReport, error)
	SearchIncidents(ctx context.Context, q IncidentQuery) (*IncidentPage, error)
	IncidentFacetCounts(ctx context.Context, q IncidentQuery, names []string) (map[string]int, error)
	// IncidentCandidates lists unmerged incidents about the system with
	// Occurred in [from, to], or sharing one of the links, up to limit.
	IncidentCandidates(ctx context.Context, system string, from, to time.Time, links []string, limit int) ([]IncidentCandidate, error)
	IncidentDeadlines(ctx context.Context, q DeadlineQuery) (*DeadlinePage, error)
	// IncidentCursor is how many entries of a mirrored log the incident
	// service has read (0 at first).
	IncidentCursor(ctx context.Context, origin string) (int64, error)
}

// IncidentWriteTx are the incident writes of a transaction.
type IncidentWriteTx interface {
	// PutIncident inserts or replaces an incident with its search document
	// and its dashboard rows (one per country; none when it has no due).
	PutIncident(ctx context.Context, in Incident, doc IncidentDoc, rows []DeadlineRow) error
	// AddIncidentReport stores a report's version; an existing (id, version) is EConflict.
	AddIncidentReport(ctx context.Context, r IncidentReport) error
	// MergeIncident marks from merged into into: its reports are listed
	// with into's from then on; nothing is deleted.
	MergeIncident(ctx context.Context, from, into string, at time.Time) error
	// SetIncidentCursor moves a mirrored log's cursor from old to next;
	// EConflict if it is not at old (another node on the same database read
	// the entries first).
	SetIncidentCursor(ctx context.Context, origin string, old, next int64) error
}

// Log entry types of incidents.
const (
	LogIncidentReported = "incident.reported"
	LogIncidentMerged   = "incident.merged"
)

// IncidentReportContent is the content of an incident.reported entry: the
// report's public part (Confidential empty) and the incident it went to;
// the commitment to the confidential part is the entry's commitment
// "confidential".
type IncidentReportContent struct {
	V        int               `json:"v"`
	Report   NewIncidentReport `json:"report"`
	ReportID string            `json:"report_id"`
	Role     string            `json:"role"`
	Provider string            `json:"provider"`
	Incident string            `json:"incident"`
}

// IncidentMergeContent is the content of an incident.merged entry.
type IncidentMergeContent struct {
	V    int    `json:"v"`
	From string `json:"from"`
	Into string `json:"into"`
	Note string `json:"note,omitempty"`
}

func init() {
	registerLogDecoder(LogIncidentReported, decodeIncidentReported)
	registerLogDecoder(LogIncidentMerged, decodeIncidentMerged)
}

func decodeIncidentReported(ev *LogEvent) (any, error) {
	c, err := content[IncidentReportContent](ev)
	if err != nil {
		return nil, err
	}
	var p Problems
	switch {
	case c.V != 1:
		p.Add("v", "version %d of %s is not known", c.V, ev.Type)
	case !validToken(c.ReportID, 64) || c.ReportID != ev.Record:
		p.Add("report_id", "%q is not the entry's record", c.ReportID)
	case !validToken(c.Incident, 64):
		p.Add("incident", "%q is not an incident id", c.Incident)
	case !slices.Contains([]string{RoleProvider, RoleDeployer, RoleAuthority, RolePublic}, c.Role):
		p.Add("role", "%q is not a reporter role", c.Role)
	case !c.Report.Confidential.IsZero():
		p.Add("report.confidential", "a logged report holds no confidential part")
	case ev.Version < 1:
		p.Add("version", "%d is not a report version", ev.Version)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	// Times are checked against the entry's own time: nothing reported
	// happened after it was logged.
	at, err := ParseLogTime(ev.Time)
	if err != nil {
		return nil, err
	}
	r, err := c.Report.Normalize(at, nil)
	if err != nil {
		return nil, err
	}
	c.Report = r
	return c, nil
}

func decodeIncidentMerged(ev *LogEvent) (any, error) {
	c, err := content[IncidentMergeContent](ev)
	if err != nil {
		return nil, err
	}
	if c.V != 1 || !validToken(c.From, 64) || !validToken(c.Into, 64) || c.From == c.Into || c.From != ev.Record {
		return nil, FieldErrorf("from", "an incident.merged entry needs v 1, its record as from, and another incident as into")
	}
	return c, nil
}

// IncidentRow is one row of the incident tables in a dump (accord
// migrate-store): an incident with its search document and dashboard
// rows, or a report version with its salt and the incident it is listed
// in now (after merges).
type IncidentRow struct {
	Incident  *Incident       `json:"incident,omitempty"`
	Doc       *IncidentDoc    `json:"doc,omitempty"`
	Deadlines []DeadlineRow   `json:"deadlines,omitempty"`
	Report    *IncidentReport `json:"report,omitempty"`
	Salt      []byte          `json:"salt,omitempty"`
	ListedIn  string          `json:"listed_in,omitempty"`
	Cursor    *IncidentCursor `json:"cursor,omitempty"`
}

// IncidentCursor is how far the incident service has read a mirrored log.
type IncidentCursor struct {
	Origin   string `json:"origin"`
	Position int64  `json:"position"`
}

// IncidentReportView is a report version as its caller may see it (the
// confidential part only for the reporter, the provider and authorities),
// with the incident it is listed in, the incidents that may be the same
// event, and after a write the receipt that proves when it was filed.
type IncidentReportView struct {
	Report     IncidentReport        `json:"report"`
	Incident   *Incident             `json:"incident,omitempty"`
	Duplicates []DuplicateSuggestion `json:"duplicates,omitempty"`
	Receipt    *Receipt              `json:"receipt,omitempty"`
	// Replayed says an Idempotency-Key matched an earlier request: nothing new was filed.
	Replayed bool `json:"replayed,omitempty"`
}

// IncidentView is an incident with its reports (the latest version of
// each) and its deadlines, marked as of now.
type IncidentView struct {
	Incident  Incident         `json:"incident"`
	Reports   []IncidentReport `json:"reports"`
	Deadlines []Deadline       `json:"deadlines"`
	// Earliest is the index in Deadlines of the earliest deadline with a clock, or -1.
	Earliest int `json:"earliest"`
}

// DuplicateSuggestion is an incident that may be the same event.
type DuplicateSuggestion struct {
	Incident string   `json:"incident"`
	Title    Text     `json:"title"`
	Occurred string   `json:"occurred"`
	Score    float64  `json:"score"`   // 0 to 1
	Reasons  []string `json:"reasons"` // same-system-window, same-link, similar-text
}

// IncidentMerge asks to merge incident From into Into (an authority's act).
type IncidentMerge struct {
	Into string `json:"into"`
	Note string `json:"note,omitempty"`
}

// IncidentMergeView is the result of a merge.
type IncidentMergeView struct {
	From    string   `json:"from"`
	Into    Incident `json:"into"`
	Receipt *Receipt `json:"receipt"`
}

// DeadlineItem is one row of the authority's dashboard with its incident.
type DeadlineItem struct {
	DeadlineRow
	Status   string `json:"status"` // overdue, open, met, missed
	Title    Text   `json:"title"`
	System   string `json:"system"`
	Provider string `json:"provider"`
}

// DashboardView is a page of the authority's dashboard for one country.
type DashboardView struct {
	Country   string         `json:"country"`
	Now       time.Time      `json:"now"`
	Deadlines []DeadlineItem `json:"deadlines"`
	Next      string         `json:"next,omitempty"`
}

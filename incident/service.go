// Package incident is the node's incident service: serious-incident and
// other incident reports about registered AI systems (at this node or at a
// peer's), their staged versions, the reporting deadlines of every
// framework that applies (duties as data beside the rule packs, computed
// by the pure Deadlines and Mark), duplicate suggestions and merges, and
// the authority's dashboard. Every write is one log operation through the
// sequencer: the report (or merge), its log entry and the Merkle hashes
// commit together, and the receipt proves when the report was filed.
package incident

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
	"github.com/accord-gov/accord/tlog"
)

// Service is the incident service. Its methods are safe for concurrent use.
type Service struct {
	store  accord.Store
	log    *tlog.Log
	packs  []*rules.Pack
	duties []*Duty
	tax    *Taxonomies
	now    func() time.Time
	member string
	bg     *loop // reading peers' entries (Start)
}

// Config configures a Service.
type Config struct {
	Store accord.Store
	Log   *tlog.Log
	// Packs classify the system a report is about, as of the awareness
	// date, so that its deadlines follow its tier here.
	Packs  []*rules.Pack
	Now    func() time.Time
	Member string // this node's member name
}

// New returns the service, with the embedded duties and taxonomies.
func New(cfg Config) (*Service, error) {
	tax, err := LoadTaxonomies()
	if err != nil {
		return nil, err
	}
	duties, err := LoadDuties(frameworks.IncidentFS, cfg.Packs, tax)
	if err != nil {
		return nil, err
	}
	s := &Service{store: cfg.Store, log: cfg.Log, packs: cfg.Packs, duties: duties, tax: tax, now: cfg.Now, member: cfg.Member}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Duties returns the loaded duties.
func (s *Service) Duties() []*Duty { return s.duties }

// Taxonomies returns the harm vocabularies.
func (s *Service) Taxonomies() *Taxonomies { return s.tax }

var idEncoding = base32.NewEncoding("23456789abcdefghijkmnpqrstuvwxyz").WithPadding(base32.NoPadding)

// newID makes a time-ordered id like the registry's (48 bits of
// milliseconds, 48 random bits).
func newID(prefix string, t time.Time) string {
	var b [12]byte
	ms := uint64(t.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	rand.Read(b[6:])
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// role is the caller's role for a report about a system of provider.
func role(c *registry.Caller, provider string) string {
	switch {
	case c == nil:
		return accord.RolePublic
	case c.Admin() || c.OrgKind == "authority":
		return accord.RoleAuthority
	case c.Org() == provider:
		return accord.RoleProvider
	}
	return accord.RoleDeployer
}

func actor(c *registry.Caller) string {
	switch {
	case c == nil:
		return "public"
	case c.Admin():
		return "admin"
	}
	return c.Org()
}

// sees reports whether the caller may read a report's confidential part:
// its reporter, the system's provider, authorities and the admin.
func sees(c *registry.Caller, r *accord.IncidentReport) bool {
	return c != nil && (c.SeesConfidential(r.Provider) || (r.Reporter != "" && c.Org() == r.Reporter))
}

// publicReport is a report as the public sees it.
func publicReport(r accord.IncidentReport) accord.IncidentReport {
	r.Confidential = accord.IncidentConfidential{}
	r.Salt = nil
	return r
}

// commitment is hex(SHA-256(salt || canonical JSON of the confidential part)).
func commitment(salt []byte, c accord.IncidentConfidential) (string, error) {
	b, err := accord.Canonical(c)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(salt)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Commitment recomputes a report's commitment (for a check by whoever holds
// the salt and the confidential part).
func Commitment(salt []byte, c accord.IncidentConfidential) (string, error) {
	return commitment(salt, c)
}

// subject classifies the system version under this node's packs as of the
// awareness date: its scale and its tier under each applicable framework.
func (s *Service) subject(sv *accord.SystemVersion, aware time.Time) Subject {
	sub := Subject{Scale: accord.KindSystem, Tiers: map[string]string{}}
	if sv.Filing.Kind == accord.KindModel {
		sub.Scale = accord.KindModel
	}
	if len(s.packs) == 0 {
		return sub
	}
	f, err := sv.Filing.Normalize()
	if err != nil {
		f = sv.Filing
	}
	r := rules.Classify(f, s.packs, aware)
	for _, fw := range r.Frameworks {
		switch {
		case fw.Applicable == rules.Applicable && fw.Tier != rules.Undetermined:
			sub.Tiers[fw.Pack] = fw.Tier
		case fw.Applicable == rules.Applicable || fw.Applicable == rules.Undetermined:
			// Missing facts: the duties of every tier it may have apply, conditionally.
			if sub.Possible == nil {
				sub.Possible = map[string][]string{}
			}
			var tiers []string
			for _, t := range append([]string{fw.Tier, fw.AtLeast}, fw.Possible...) {
				if t != "" && t != rules.Undetermined && t != "not_applicable" {
					tiers = append(tiers, t)
				}
			}
			sub.Possible[fw.Pack] = tiers
		}
	}
	return sub
}

// system reads the system a report names: at this node, or a peer's
// mirrored record.
func (s *Service) system(ctx context.Context, tx accord.ReadTx, ref accord.SystemRef) (*accord.System, *accord.SystemVersion, error) {
	sys, err := tx.System(ctx, ref.ID)
	if accord.ErrorCode(err) == accord.ENotFound {
		where := "this node"
		if ref.Node != "" && ref.Node != s.member {
			where = "the records mirrored from member " + ref.Node
		}
		return nil, nil, accord.FieldErrorf("system.id", "%s is not a system in %s's registry or %s", ref.ID, s.member, where)
	}
	if err != nil {
		return nil, nil, err
	}
	home := sys.Home
	switch {
	case ref.Node != "" && ref.Node != s.member && home != ref.Node:
		return nil, nil, accord.FieldErrorf("system.node", "system %s is held by %s, not by member %s", ref.ID, holder(home), ref.Node)
	case (ref.Node == "" || ref.Node == s.member) && home != "":
		return nil, nil, accord.FieldErrorf("system.node", "system %s is a record of member %s: name it (system.node)", ref.ID, home)
	case sys.Status == "withdrawn":
		return nil, nil, accord.FieldErrorf("system.id", "system %s was withdrawn: report about a system on the market or in service", ref.ID)
	}
	v := ref.Version
	if v == 0 {
		v = sys.Version
	}
	sv, err := tx.SystemVersion(ctx, ref.ID, v)
	if accord.ErrorCode(err) == accord.ENotFound {
		return nil, nil, accord.FieldErrorf("system.version", "system %s has no version %d", ref.ID, v)
	}
	if err != nil {
		return nil, nil, err
	}
	return sys, sv, nil
}

func holder(home string) string {
	if home == "" {
		return "this node"
	}
	return "member " + home
}

// ReportView is a report version as its caller may see it, with the
// incident it is listed in and, after a write, the log receipt that proves
// when it was filed.
type ReportView = accord.IncidentReportView

// File files a new report: the first report of a new incident, or a
// further report on an existing one (req.Incident). One log entry.
//
// With an idempotency key (the Idempotency-Key header), a retry of the same
// request by the same organization returns the report it filed, with a
// fresh receipt, instead of filing it twice; the same key with another
// request is refused. The public files without one.
func (s *Service) File(ctx context.Context, c *registry.Caller, req accord.NewIncidentReport, idempotencyKey string) (*ReportView, error) {
	now := s.now()
	req, err := req.Normalize(now, s.tax.Has)
	if err != nil {
		return nil, err
	}
	if c == nil && req.Confidential.Contact == "" {
		return nil, accord.FieldErrorf("confidential.contact", "is required in a complaint from the public, so that the authority can reach you (it is never published)")
	}
	key := idempotencyKey
	switch {
	case key != "" && c == nil:
		return nil, accord.FieldErrorf("Idempotency-Key", "needs an organization's token (a complaint from the public files without one)")
	case utf8.RuneCountInString(key) > registry.MaxIdempotencyKeyLen || !utf8.ValidString(key):
		return nil, accord.FieldErrorf("Idempotency-Key", "must be at most %d characters", registry.MaxIdempotencyKeyLen)
	case accord.CheckText(key, accord.Line) != "":
		return nil, accord.FieldErrorf("Idempotency-Key", "%s", accord.CheckText(key, accord.Line))
	}
	var reqHash [sha256.Size]byte
	idemOrg := ""
	if key != "" {
		canon, err := accord.Canonical(req)
		if err != nil {
			return nil, err
		}
		reqHash = sha256.Sum256(canon)
		// Its own namespace: a key used for a system filing is not a report's.
		idemOrg = "incident:" + actor(c)
	}
	var view *ReportView
	var replay *accord.Idempotency
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := registry.RecheckToken(ctx, tx, c); err != nil {
			return nil, err
		}
		if key != "" {
			prev, err := tx.Idempotency(ctx, idemOrg, key)
			switch {
			case err == nil && string(prev.RequestHash) == string(reqHash[:]):
				replay = prev
				return nil, nil
			case err == nil:
				return nil, accord.FieldErrorf("Idempotency-Key", "was already used for a different report: use a new key for a new report")
			case accord.ErrorCode(err) != accord.ENotFound:
				return nil, err
			}
		}
		sys, sv, err := s.system(ctx, tx, req.System)
		if err != nil {
			return nil, err
		}
		req.System.Version = sv.Version
		req.System.Node = sys.Home
		var inc *accord.Incident
		if req.Incident != "" {
			if inc, err = s.openIncident(ctx, tx, req.Incident); err != nil {
				return nil, err
			}
			if inc.Home != "" {
				return nil, accord.FieldErrorf("incident", "incident %s is held by member %s: file your report at its node, or open a new incident here", inc.ID, inc.Home)
			}
			if inc.System.ID != sys.ID {
				return nil, accord.FieldErrorf("incident", "incident %s is about system %s, not %s", inc.ID, inc.System.ID, sys.ID)
			}
			req.Incident = inc.ID
		} else {
			req.Incident = newID("inc", now)
		}
		rep := accord.IncidentReport{ID: newID("rep", now), Version: 1, Incident: req.Incident, Role: role(c, sys.Provider),
			Reporter: c.Org(), Provider: sys.Provider, Filed: now.UTC().Truncate(time.Millisecond), LogIndex: next, NewIncidentReport: req}
		entry, err := s.write(ctx, tx, c, &rep, inc, sv)
		if err != nil {
			return nil, err
		}
		if key != "" {
			if err := tx.PutIdempotency(ctx, accord.Idempotency{Org: idemOrg, Key: key, RequestHash: reqHash[:], Resource: rep.ID, Version: 1, Created: now.UTC()}); err != nil {
				return nil, err
			}
		}
		view = &ReportView{Report: rep}
		return [][]byte{entry}, nil
	})
	if err != nil {
		return nil, err
	}
	if replay != nil {
		v, err := s.Report(ctx, c, replay.Resource, replay.Version)
		if err != nil {
			return nil, err
		}
		if v.Receipt, err = s.Receipt(ctx, replay.Resource, replay.Version); err != nil {
			return nil, err
		}
		v.Replayed = true
		return v, nil
	}
	view.Receipt = &rs[0]
	return s.finish(ctx, view)
}

// Receipt proves a report version's entry in this node's log against its
// latest checkpoint: the proof of when it was filed, at any later time.
// A foreign report's entry is in its home member's log.
func (s *Service) Receipt(ctx context.Context, id string, version int) (*accord.Receipt, error) {
	var r accord.Receipt
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		rep, err := tx.IncidentReport(ctx, id, version)
		if err != nil {
			return err
		}
		if rep.Home != "" {
			return accord.Errorf(accord.ENotFound, "report %s is held by member %s: its receipt comes from that member's log", id, rep.Home)
		}
		r, err = tlog.ProveIn(ctx, tx, rep.LogIndex)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// AddVersion files the next version of one's own report (a follow-up or
// the final report). One log entry.
func (s *Service) AddVersion(ctx context.Context, c *registry.Caller, id string, req accord.NewIncidentReport) (*ReportView, error) {
	if c == nil {
		return nil, accord.Errorf(accord.EUnauthorized, "a further version of a report needs the reporter's API token: send Authorization: Bearer <token>")
	}
	now := s.now()
	if req.Stage == "" {
		req.Stage = accord.StageFollowUp
	}
	req, err := req.Normalize(now, s.tax.Has)
	if err != nil {
		return nil, err
	}
	var view *ReportView
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := registry.RecheckToken(ctx, tx, c); err != nil {
			return nil, err
		}
		prev, err := tx.IncidentReport(ctx, id, 0)
		if err != nil {
			return nil, err
		}
		if prev.Reporter == "" || prev.Reporter != c.Org() {
			return nil, accord.Errorf(accord.EForbidden, "report %s was filed by %s: only its reporter files its next versions (file your own report on incident %s instead)", id, reporterName(prev), prev.Incident)
		}
		switch {
		case prev.Stage == accord.StageFinal:
			return nil, accord.FieldErrorf("stage", "report %s is final: file a new report on incident %s", id, prev.Incident)
		case req.Stage == accord.StageInitial:
			return nil, accord.FieldErrorf("stage", "a further version is a follow-up or the final report")
		case req.System.ID != prev.System.ID:
			return nil, accord.FieldErrorf("system.id", "a version of report %s is about its system %s", id, prev.System.ID)
		case req.Incident != "" && req.Incident != prev.Incident:
			return nil, accord.FieldErrorf("incident", "a version of report %s stays on incident %s", id, prev.Incident)
		}
		sys, sv, err := s.system(ctx, tx, accord.SystemRef{ID: prev.System.ID, Version: req.System.Version, Node: prev.System.Node})
		if err != nil {
			return nil, err
		}
		req.System = accord.SystemRef{ID: sys.ID, Version: sv.Version, Node: sys.Home}
		// Listed where the report is now (a merge may have moved it).
		listed, err := s.listedIn(ctx, tx, prev)
		if err != nil {
			return nil, err
		}
		req.Incident = prev.Incident
		rep := accord.IncidentReport{ID: id, Version: prev.Version + 1, Incident: prev.Incident, Role: prev.Role, Reporter: prev.Reporter,
			Provider: prev.Provider, Filed: now.UTC().Truncate(time.Millisecond), LogIndex: next, NewIncidentReport: req}
		entry, err := s.write(ctx, tx, c, &rep, listed, sv)
		if err != nil {
			return nil, err
		}
		view = &ReportView{Report: rep}
		return [][]byte{entry}, nil
	})
	if err != nil {
		return nil, err
	}
	view.Receipt = &rs[0]
	return s.finish(ctx, view)
}

func reporterName(r *accord.IncidentReport) string {
	if r.Reporter == "" {
		return "a member of the public"
	}
	return r.Reporter
}

// listedIn is the incident a report is listed in now.
func (s *Service) listedIn(ctx context.Context, tx accord.ReadTx, r *accord.IncidentReport) (*accord.Incident, error) {
	return s.openIncident(ctx, tx, r.Incident)
}

// openIncident reads an incident, following merges.
func (s *Service) openIncident(ctx context.Context, tx accord.ReadTx, id string) (*accord.Incident, error) {
	for range 16 {
		inc, err := tx.Incident(ctx, id)
		if accord.ErrorCode(err) == accord.ENotFound {
			return nil, accord.FieldErrorf("incident", "there is no incident %s", id)
		}
		if err != nil {
			return nil, err
		}
		if inc.MergedInto == "" {
			return inc, nil
		}
		id = inc.MergedInto
	}
	return nil, accord.Errorf(accord.EInternal, "incident %s: merges too deep", id)
}

// write stores a report version and its incident as they become, and
// returns its log entry.
func (s *Service) write(ctx context.Context, tx accord.WriteTx, c *registry.Caller, rep *accord.IncidentReport, inc *accord.Incident, sv *accord.SystemVersion) ([]byte, error) {
	commitments := map[string]string(nil)
	if !rep.Confidential.IsZero() {
		rep.Salt = make([]byte, 32)
		rand.Read(rep.Salt)
		cm, err := commitment(rep.Salt, rep.Confidential)
		if err != nil {
			return nil, err
		}
		rep.Commitment = cm
		commitments = map[string]string{"confidential": cm}
	}
	sub := s.subject(sv, rep.Aware)
	rep.Deadlines = Mark(s.duties, Deadlines(s.duties, rep.NewIncidentReport, sub), []Filing{{rep.Role, rep.Stage, rep.Filed, rep.LogIndex}}, rep.Filed)
	incID := rep.Incident
	if inc != nil {
		incID = inc.ID
	}
	others, err := tx.IncidentReports(ctx, incID)
	if err != nil {
		return nil, err
	}
	others = slices.DeleteFunc(others, func(r accord.IncidentReport) bool { return r.ID == rep.ID })
	var created time.Time
	if inc != nil {
		created = inc.Created
	}
	// The new version is not stored yet: it is a filing of its own.
	if err := s.putIncident(ctx, tx, incID, rep.Home, created, append(others, *rep), sub, rep.Filed, *rep); err != nil {
		return nil, err
	}
	if err := tx.AddIncidentReport(ctx, *rep); err != nil {
		return nil, err
	}
	pub := rep.NewIncidentReport
	pub.Confidential = accord.IncidentConfidential{}
	content, err := accord.Canonical(accord.IncidentReportContent{V: 1, Report: pub, ReportID: rep.ID, Role: rep.Role, Provider: rep.Provider, Incident: rep.Incident})
	if err != nil {
		return nil, err
	}
	tokenID := ""
	if c != nil {
		tokenID = c.Token.ID
	}
	return accord.LogEvent{Type: accord.LogIncidentReported, Record: rep.ID, Version: rep.Version, Time: accord.LogTime(rep.Filed),
		Org: actor(c), Token: tokenID, Content: content, Commitments: commitments}.Bytes(), nil
}

// putIncident recomputes an incident from its reports (the latest version
// of each, oldest first) and stores it with its search document and
// dashboard rows.
func (s *Service) putIncident(ctx context.Context, tx accord.WriteTx, id, home string, created time.Time, reports []accord.IncidentReport, sub Subject, now time.Time, extra ...accord.IncidentReport) error {
	agg := Aggregate(reports)
	fs, err := filings(ctx, tx, reports, extra...)
	if err != nil {
		return err
	}
	ds := s.incidentDeadlines(agg, fs, sub, now)
	if created.IsZero() {
		created = now
	}
	first := reports[0]
	for _, r := range reports {
		if r.Role == accord.RoleProvider {
			first = r
			break
		}
	}
	inc := accord.Incident{ID: id, Kind: agg.Kind, System: first.System, Provider: first.Provider, Countries: agg.Countries, Harms: agg.Harms,
		Severity: agg.Severity, Title: first.Title, Summary: first.Summary, Links: agg.Links, Occurred: agg.Occurred, Aware: agg.Aware,
		Created: created, Updated: now, Reports: len(reports), Home: home}
	if e := Earliest(ds); e != nil {
		inc.Due, inc.DueStatus = e.Due, e.Status
	}
	return tx.PutIncident(ctx, inc, s.doc(inc, reports), dueRows(s.duties, id, agg, ds))
}

// incidentDeadlines computes an incident's deadlines from its aggregate and
// marks them against its reports' filings.
func (s *Service) incidentDeadlines(agg accord.NewIncidentReport, fs []Filing, sub Subject, now time.Time) []accord.Deadline {
	return Mark(s.duties, Deadlines(s.duties, agg, sub), fs, now)
}

// filings are every version of the reports as filings, oldest first: a
// deadline is met by the first version a bearer filed, whatever came after.
func filings(ctx context.Context, tx accord.ReadTx, reports []accord.IncidentReport, extra ...accord.IncidentReport) ([]Filing, error) {
	var fs []Filing
	for _, r := range reports {
		vs, err := tx.IncidentReportVersions(ctx, r.ID)
		if accord.ErrorCode(err) == accord.ENotFound {
			vs, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			fs = append(fs, Filing{Role: v.Role, Stage: v.Stage, Logged: v.Filed, LogIndex: v.LogIndex})
		}
	}
	for _, v := range extra {
		fs = append(fs, Filing{Role: v.Role, Stage: v.Stage, Logged: v.Filed, LogIndex: v.LogIndex})
	}
	slices.SortStableFunc(fs, func(a, b Filing) int {
		if c := a.Logged.Compare(b.Logged); c != 0 {
			return c
		}
		return int(a.LogIndex - b.LogIndex)
	})
	return fs, nil
}

// dueRows are an incident's dashboard rows: per country, the earliest
// deadline of the duties that cover it.
func dueRows(duties []*Duty, id string, agg accord.NewIncidentReport, ds []accord.Deadline) []accord.DeadlineRow {
	var rows []accord.DeadlineRow
	for _, d := range ds {
		if d.Due == nil {
			continue
		}
		duty := findDuty(duties, d.Framework, d.Duty)
		if duty == nil {
			continue
		}
		for _, c := range duty.Countries(agg) {
			i := slices.IndexFunc(rows, func(r accord.DeadlineRow) bool { return r.Country == c })
			row := accord.DeadlineRow{Incident: id, Country: c, Due: *d.Due, Met: d.Status == accord.DeadlineMet}
			if d.FiledAt != nil {
				row.Filed, row.LogIndex = *d.FiledAt, *d.LogIndex
			}
			switch {
			case i < 0:
				rows = append(rows, row)
			case d.Due.Before(rows[i].Due):
				rows[i] = row
			}
		}
	}
	slices.SortFunc(rows, func(a, b accord.DeadlineRow) int { return compareStrings(a.Country, b.Country) })
	return rows
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// doc is an incident's search document: its public text in every language
// and its facets.
func (s *Service) doc(inc accord.Incident, reports []accord.IncidentReport) accord.IncidentDoc {
	var parts []string
	facets := []string{accord.Facet("system", inc.System.ID), accord.Facet("provider", inc.Provider), accord.Facet("severity", inc.Severity), accord.Facet("kind", inc.Kind)}
	for _, r := range reports {
		parts = append(parts, r.Title.Values()...)
		parts = append(parts, r.Summary.Values()...)
	}
	for _, c := range inc.Countries {
		facets = append(facets, accord.Facet("country", c))
	}
	for _, h := range append(slices.Clone(inc.Harms), s.tax.Crosswalk(inc.Harms)...) {
		facets = append(facets, accord.Facet("harm", h))
	}
	if inc.System.Node != "" {
		facets = append(facets, accord.Facet("node", inc.System.Node))
	}
	if inc.Home != "" {
		facets = append(facets, accord.Facet("home", inc.Home))
	}
	return accord.IncidentDoc{Text: accord.SearchText(parts...), Facets: facets}
}

// Aggregate is what an incident's reports say together (the latest version
// of each, oldest first): the most serious kind and severity, every
// country, harm and link, the facts any report states, the earliest
// occurrence and awareness (of a duty bearer, if any reported).
func Aggregate(reports []accord.IncidentReport) accord.NewIncidentReport {
	var a accord.NewIncidentReport
	bearerAware := time.Time{}
	for i, r := range reports {
		if i == 0 {
			a = r.NewIncidentReport
			a.Countries, a.Harms, a.Links = slices.Clone(r.Countries), slices.Clone(r.Harms), slices.Clone(r.Links)
			a.Confidential = accord.IncidentConfidential{}
		} else {
			a.Countries = union(a.Countries, r.Countries)
			a.Harms = union(a.Harms, r.Harms)
			a.Links = union(a.Links, r.Links)
			if r.Kind == accord.IncidentSerious {
				a.Kind = r.Kind
			}
			if slices.Index(accord.Severities, r.Severity) < slices.Index(accord.Severities, a.Severity) {
				a.Severity = r.Severity
			}
			if r.Occurred.Before(a.Occurred) {
				a.Occurred = r.Occurred
			}
			if r.Aware.Before(a.Aware) {
				a.Aware = r.Aware
			}
			f := &a.Facts
			f.Death = f.Death || r.Facts.Death
			f.WidespreadInfringement = f.WidespreadInfringement || r.Facts.WidespreadInfringement
			f.CybersecurityBreach = f.CybersecurityBreach || r.Facts.CybersecurityBreach
			if r.Facts.CausalLinkAt != nil && (f.CausalLinkAt == nil || r.Facts.CausalLinkAt.Before(*f.CausalLinkAt)) {
				f.CausalLinkAt = r.Facts.CausalLinkAt
			}
			if g := r.Facts.CNGrade; g != "" && (f.CNGrade == "" || slices.Index(accord.CNGrades, g) < slices.Index(accord.CNGrades, f.CNGrade)) {
				f.CNGrade = g
			}
			if f.CNOperator == "" {
				f.CNOperator = r.Facts.CNOperator
			}
			if r.Resolved != nil {
				a.Resolved = r.Resolved
			}
		}
		if r.Role == accord.RoleProvider || r.Role == accord.RoleDeployer {
			if bearerAware.IsZero() || r.Aware.Before(bearerAware) {
				bearerAware = r.Aware
			}
		}
	}
	if !bearerAware.IsZero() {
		a.Aware = bearerAware
	}
	return a
}

func union(a, b []string) []string {
	for _, v := range b {
		if !slices.Contains(a, v) {
			a = append(a, v)
		}
	}
	slices.Sort(a)
	return a
}

// finish adds the incident (as its caller may see it) and the duplicate
// suggestions to a written report's view.
func (s *Service) finish(ctx context.Context, view *ReportView) (*ReportView, error) {
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		inc, err := s.openIncident(ctx, tx, view.Report.Incident)
		if err != nil {
			return err
		}
		view.Incident = inc
		view.Duplicates, err = s.suggest(ctx, tx, view.Report.NewIncidentReport, inc.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read the filed report back: %w", err)
	}
	return view, nil
}

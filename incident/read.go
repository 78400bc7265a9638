package incident

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// Redirect is the error of a read of a merged incident: it names the
// incident it was merged into.
type Redirect struct{ To string }

func (r *Redirect) Error() string { return "incident merged into " + r.To }

// Incident reads an incident with its reports and deadlines (marked as of
// now). A merged incident is a *Redirect to the one it was merged into.
func (s *Service) Incident(ctx context.Context, c *registry.Caller, id string) (*accord.IncidentView, error) {
	var view *accord.IncidentView
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		inc, err := tx.Incident(ctx, id)
		if err != nil {
			return err
		}
		if inc.MergedInto != "" {
			to, err := s.openIncident(ctx, tx, inc.MergedInto)
			if err != nil {
				return err
			}
			return &Redirect{To: to.ID}
		}
		reports, err := tx.IncidentReports(ctx, id)
		if err != nil {
			return err
		}
		view = &accord.IncidentView{Incident: *inc, Earliest: -1}
		if len(reports) > 0 {
			sub := Subject{Scale: accord.KindSystem}
			if _, sv, err := s.systemAny(ctx, tx, inc.System); err == nil {
				sub = s.subject(sv, Aggregate(reports).Aware)
			}
			fs, err := filings(ctx, tx, reports)
			if err != nil {
				return err
			}
			view.Deadlines = s.incidentDeadlines(Aggregate(reports), fs, sub, s.now())
			for i := range view.Deadlines {
				if view.Deadlines[i].Due != nil && (view.Earliest < 0 || view.Deadlines[i].Due.Before(*view.Deadlines[view.Earliest].Due)) {
					view.Earliest = i
				}
			}
		}
		for _, r := range reports {
			if !sees(c, &r) {
				r = publicReport(r)
			}
			r.Salt = nil
			view.Reports = append(view.Reports, r)
		}
		return nil
	})
	return view, err
}

// systemAny reads a system version named by a report, withdrawn or not.
func (s *Service) systemAny(ctx context.Context, tx accord.ReadTx, ref accord.SystemRef) (*accord.System, *accord.SystemVersion, error) {
	sys, err := tx.System(ctx, ref.ID)
	if err != nil {
		return nil, nil, err
	}
	v := ref.Version
	if v == 0 {
		v = sys.Version
	}
	sv, err := tx.SystemVersion(ctx, ref.ID, v)
	return sys, sv, err
}

// Report reads a report's version (0: the latest) as the caller may see it.
func (s *Service) Report(ctx context.Context, c *registry.Caller, id string, version int) (*accord.IncidentReportView, error) {
	var view *accord.IncidentReportView
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		r, err := tx.IncidentReport(ctx, id, version)
		if err != nil {
			return err
		}
		if !sees(c, r) {
			*r = publicReport(*r)
		}
		r.Salt = nil
		view = &accord.IncidentReportView{Report: *r}
		inc, err := s.openIncident(ctx, tx, r.Incident)
		if err == nil {
			view.Incident = inc
		}
		return nil
	})
	return view, err
}

// Opening is what checks a report's commitment: its salt and confidential
// part, for a caller who sees it.
type Opening struct {
	Salt         []byte                      `json:"salt"`
	Confidential accord.IncidentConfidential `json:"confidential"`
	Commitment   string                      `json:"commitment"`
}

// ReportVersions lists a report's versions as the caller may see them.
func (s *Service) ReportVersions(ctx context.Context, c *registry.Caller, id string) ([]accord.IncidentReport, error) {
	var out []accord.IncidentReport
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		rs, err := tx.IncidentReportVersions(ctx, id)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if !sees(c, &r) {
				r = publicReport(r)
			}
			r.Salt = nil
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// Search lists public incidents (facets: system, provider, country, harm,
// severity, kind; a date window on occurrence; text in any language).
func (s *Service) Search(ctx context.Context, q accord.IncidentQuery) (*accord.IncidentPage, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	var p *accord.IncidentPage
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		p, err = tx.SearchIncidents(ctx, q)
		return err
	})
	return p, err
}

// FacetCounts counts the incidents matching q per facet value.
func (s *Service) FacetCounts(ctx context.Context, q accord.IncidentQuery, names ...string) (map[string]int, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	var out map[string]int
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		out, err = tx.IncidentFacetCounts(ctx, q, names)
		return err
	})
	return out, err
}

func checkQuery(q accord.IncidentQuery) error {
	var p accord.Problems
	if len(q.Q) > 500 || accord.CheckText(q.Q, accord.Line) != "" {
		p.Add("q", "must be one line of text of at most 500 bytes")
	}
	for _, f := range [][2]string{{"system", q.System}, {"provider", q.Provider}, {"harm", q.Harm}} {
		if len(f[1]) > 128 || accord.CheckText(f[1], accord.Line) != "" || strings.ContainsAny(f[1], " \t") {
			p.Add(f[0], "is not an id")
		}
	}
	if q.Country != "" && !accord.ValidCountry(q.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 code", q.Country)
	}
	if q.Severity != "" && !slices.Contains(accord.Severities, q.Severity) {
		p.Add("severity", "%q is not a severity", q.Severity)
	}
	if q.Kind != "" && !slices.Contains(accord.IncidentKinds, q.Kind) {
		p.Add("kind", "%q is not an incident kind", q.Kind)
	}
	return p.Err()
}

// Suggest lists the incidents that may be the same event as a report not
// filed yet (the report form asks before filing).
func (s *Service) Suggest(ctx context.Context, r accord.NewIncidentReport) ([]accord.DuplicateSuggestion, error) {
	var out []accord.DuplicateSuggestion
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		out, err = s.suggest(ctx, tx, r, "")
		return err
	})
	return out, err
}

// DuplicateWindow is how far apart two incidents about one system may
// have occurred to be suggested as one event.
const DuplicateWindow = 30 * 24 * time.Hour

// suggest finds incidents that may be the same event as r: about the same
// system within ±30 days, or sharing a link; scored with the similarity of
// their normalised text (across languages, the words they share: names,
// places, figures, terms of art).
func (s *Service) suggest(ctx context.Context, tx accord.ReadTx, r accord.NewIncidentReport, self string) ([]accord.DuplicateSuggestion, error) {
	if r.System.ID == "" || r.Occurred.IsZero() {
		return nil, nil
	}
	cands, err := tx.IncidentCandidates(ctx, r.System.ID, r.Occurred.Add(-DuplicateWindow), r.Occurred.Add(DuplicateWindow), r.Links, 50)
	if err != nil {
		return nil, err
	}
	mine := words(accord.SearchText(append(r.Title.Values(), r.Summary.Values()...)...))
	var out []accord.DuplicateSuggestion
	for _, c := range cands {
		if c.ID == self || c.ID == r.Incident {
			continue
		}
		var reasons []string
		score := 0.0
		if c.System.ID == r.System.ID && math.Abs(float64(c.Occurred.Sub(r.Occurred))) <= float64(DuplicateWindow) {
			reasons = append(reasons, "same-system-window")
			// Closer in time, more likely the same event.
			score += 0.4 * (1 - math.Abs(float64(c.Occurred.Sub(r.Occurred)))/float64(DuplicateWindow)/2)
		}
		if slices.ContainsFunc(r.Links, func(l string) bool { return slices.Contains(c.Links, l) }) {
			reasons = append(reasons, "same-link")
			score += 0.3
		}
		if j := overlap(mine, words(c.Text)); j > 0 {
			if j >= 0.15 {
				reasons = append(reasons, "similar-text")
			}
			score += 0.3 * math.Min(1, j*2)
		}
		if len(reasons) == 0 {
			continue
		}
		out = append(out, accord.DuplicateSuggestion{Incident: c.ID, Title: c.Title, Occurred: c.Occurred.Format(time.RFC3339),
			Score: math.Round(score*100) / 100, Reasons: reasons})
	}
	slices.SortStableFunc(out, func(a, b accord.DuplicateSuggestion) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	if len(out) > 10 {
		out = out[:10]
	}
	return out, nil
}

// words are the distinct tokens of normalised text that carry meaning
// across languages: runs of three or more characters, or a CJK character.
func words(text string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(text) {
		if len([]rune(w)) >= 3 || (len(w) >= 3 && w[0] >= 0xe3) || (len(w) >= 2 && w[0] >= '0' && w[0] <= '9') {
			out[w] = true
		}
	}
	return out
}

// overlap is the overlap coefficient |a ∩ b| / min(|a|, |b|): two reports
// of one event in two languages share few words (names, places, figures),
// so the smaller set is the measure.
func overlap(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	n := 0
	for w := range a {
		if b[w] {
			n++
		}
	}
	return float64(n) / float64(min(len(a), len(b)))
}

// Merge merges incident from into another: an authority's act, one log
// entry. from's reports are listed with into's; from redirects; nothing
// is deleted.
func (s *Service) Merge(ctx context.Context, c *registry.Caller, from string, req accord.IncidentMerge) (*accord.IncidentMergeView, error) {
	switch {
	case c == nil:
		return nil, accord.Errorf(accord.EUnauthorized, "merging incidents needs an authority's API token: send Authorization: Bearer <token>")
	case !c.Admin() && c.OrgKind != "authority":
		return nil, accord.Errorf(accord.EForbidden, "only an authority (or the node's admin) merges incidents")
	case req.Into == "":
		return nil, accord.FieldErrorf("into", "is required: the incident to merge into")
	case req.Into == from:
		return nil, accord.FieldErrorf("into", "is the incident itself")
	}
	note, err := accord.TextField("note", req.Note, accord.LongText, 2000, false)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	var into accord.Incident
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := registry.RecheckToken(ctx, tx, c); err != nil {
			return nil, err
		}
		a, err := tx.Incident(ctx, from)
		if accord.ErrorCode(err) == accord.ENotFound {
			return nil, accord.Errorf(accord.ENotFound, "there is no incident %s", from)
		}
		if err != nil {
			return nil, err
		}
		if a.MergedInto != "" {
			return nil, accord.Errorf(accord.EConflict, "incident %s was merged into %s already", from, a.MergedInto)
		}
		b, err := tx.Incident(ctx, req.Into)
		if accord.ErrorCode(err) == accord.ENotFound {
			return nil, accord.FieldErrorf("into", "there is no incident %s", req.Into)
		}
		if err != nil {
			return nil, err
		}
		if b.MergedInto != "" {
			return nil, accord.FieldErrorf("into", "incident %s was merged into %s: merge into that one", b.ID, b.MergedInto)
		}
		if a.Home != "" || b.Home != "" {
			return nil, accord.Errorf(accord.EForbidden, "a member's incidents are merged at their home node (incident %s)", map[bool]string{true: a.ID, false: b.ID}[a.Home != ""])
		}
		if err := tx.MergeIncident(ctx, from, b.ID, now); err != nil {
			return nil, err
		}
		a.MergedInto, a.Updated = b.ID, now
		if err := tx.PutIncident(ctx, *a, accord.IncidentDoc{}, nil); err != nil {
			return nil, err
		}
		reports, err := tx.IncidentReports(ctx, b.ID)
		if err != nil {
			return nil, err
		}
		sub := Subject{Scale: accord.KindSystem}
		if _, sv, err := s.systemAny(ctx, tx, b.System); err == nil {
			sub = s.subject(sv, Aggregate(reports).Aware)
		}
		if err := s.putIncident(ctx, tx, b.ID, "", b.Created, reports, sub, now); err != nil {
			return nil, err
		}
		got, err := tx.Incident(ctx, b.ID)
		if err != nil {
			return nil, err
		}
		into = *got
		content, err := accord.Canonical(accord.IncidentMergeContent{V: 1, From: from, Into: b.ID, Note: note})
		if err != nil {
			return nil, err
		}
		return [][]byte{accord.LogEvent{Type: accord.LogIncidentMerged, Record: from, Version: 1, Time: accord.LogTime(now), Org: actor(c),
			Token: c.Token.ID, Content: content}.Bytes()}, nil
	})
	if err != nil {
		return nil, err
	}
	return &accord.IncidentMergeView{From: from, Into: into, Receipt: &rs[0]}, nil
}

// Dashboard lists one country's deadlines, earliest due first, for an
// authority of that country (its organization's) or the admin.
func (s *Service) Dashboard(ctx context.Context, c *registry.Caller, orgCountry, country, status, cursor string, limit int) (*accord.DashboardView, error) {
	switch {
	case c == nil:
		return nil, accord.Errorf(accord.EUnauthorized, "the deadline dashboard needs an authority's API token: send Authorization: Bearer <token>")
	case !c.Admin() && c.OrgKind != "authority":
		return nil, accord.Errorf(accord.EForbidden, "the deadline dashboard is for authorities")
	}
	if country == "" {
		country = orgCountry
	}
	if !accord.ValidCountry(country) {
		return nil, accord.FieldErrorf("country", "%q is not an ISO 3166-1 alpha-2 code", country)
	}
	// An authority sees the incidents in its own country; an EU-level
	// authority (country code EU is not a country) is not modelled yet.
	if !c.Admin() && country != orgCountry {
		return nil, accord.Errorf(accord.EForbidden, "an authority of %s sees the deadlines of %s only", orgCountry, orgCountry)
	}
	now := s.now()
	view := &accord.DashboardView{Country: country, Now: now.UTC(), Deadlines: []accord.DeadlineItem{}}
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		p, err := tx.IncidentDeadlines(ctx, accord.DeadlineQuery{Country: country, Status: status, Now: now, Cursor: cursor, Limit: limit})
		if err != nil {
			return err
		}
		view.Next = p.Next
		for _, d := range p.Deadlines {
			item := accord.DeadlineItem{DeadlineRow: d}
			switch {
			case d.Filed.IsZero() && now.After(d.Due):
				item.Status = accord.DeadlineOverdue
			case d.Filed.IsZero():
				item.Status = accord.DeadlineOpen
			case d.Met:
				item.Status = accord.DeadlineMet
			default:
				item.Status = accord.DeadlineMissed
			}
			if inc, err := tx.Incident(ctx, d.Incident); err == nil {
				item.Title, item.System, item.Provider = inc.Title, inc.System.ID, inc.Provider
			}
			view.Deadlines = append(view.Deadlines, item)
		}
		return nil
	})
	return view, err
}

// Preview computes the deadlines a draft report would have, without filing
// it: the report form shows them as the reporter types the awareness time.
// Only the fields the deadlines read need be set (system, kind, aware,
// countries, harms, facts); problems with the others are not reported.
func (s *Service) Preview(ctx context.Context, r accord.NewIncidentReport) ([]accord.Deadline, error) {
	var p accord.Problems
	if r.Aware.IsZero() {
		p.Add("aware", "is required: an RFC 3339 time with its offset")
	}
	if r.System.ID == "" {
		p.Add("system.id", "is required")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var out []accord.Deadline
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		_, sv, err := s.system(ctx, tx, r.System)
		if err != nil {
			return err
		}
		out = Deadlines(s.duties, r, s.subject(sv, r.Aware))
		return nil
	})
	if out == nil && err == nil {
		out = []accord.Deadline{}
	}
	return out, err
}

// SuggestFor lists the incidents that may be the same event as an
// existing one (the authority's incident page offers to merge them).
func (s *Service) SuggestFor(ctx context.Context, id string) ([]accord.DuplicateSuggestion, error) {
	var out []accord.DuplicateSuggestion
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		inc, err := s.openIncident(ctx, tx, id)
		if err != nil {
			return err
		}
		reports, err := tx.IncidentReports(ctx, inc.ID)
		if err != nil || len(reports) == 0 {
			return err
		}
		agg := Aggregate(reports)
		agg.System = inc.System
		for _, r := range reports {
			agg.Title = mergeText(agg.Title, r.Title)
			agg.Summary = mergeText(agg.Summary, r.Summary)
		}
		out, err = s.suggest(ctx, tx, agg, inc.ID)
		return err
	})
	return out, err
}

func mergeText(a, b accord.Text) accord.Text {
	out := accord.Text{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if _, ok := out[k]; ok {
			out[k] += " " + v
		} else {
			out[k] = v
		}
	}
	return out
}

// Feed lists the newest public incidents matching q (at most 50), for the
// Atom and JSON feeds and the exports.
func (s *Service) Feed(ctx context.Context, q accord.IncidentQuery) ([]accord.IncidentView, error) {
	q.Cursor, q.Limit = "", 50
	p, err := s.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []accord.IncidentView
	for _, in := range p.Incidents {
		v, err := s.Incident(ctx, nil, in.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

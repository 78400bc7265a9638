// Package resource is the service of the shared-resources catalogue:
// providers publish models, data sets, tools, compute, training and expert
// exchanges with their licences and access terms; members post needs; the
// node suggests resources for a need (accord.MatchNeed over candidates the
// store's facets narrowed), and records each match, its acceptance and its
// completion. Every write is one operation through the log's sequencer:
// the record, its log entries and their hashes commit together.
package resource

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/tlog"
)

// Service is the catalogue of one node. Its methods are safe for
// concurrent use.
type Service struct {
	store accord.Store
	log   *tlog.Log
	now   func() time.Time
}

// Config configures a Service.
type Config struct {
	Store accord.Store
	Log   *tlog.Log
	Now   func() time.Time
}

// New makes a Service.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{store: c.Store, log: c.Log, now: c.Now}
}

// Candidates is how many resources the store's facets select for a need
// before MatchNeed scores them: the newest that meet every hard term the
// facets express (kind, eligibility, free when asked, language,
// modality); MatchNeed then checks GPU-hours and ranks them.
const Candidates = 50

// requireOrg refuses the public and callers without an organization.
func requireOrg(c *registry.Caller, what string) error {
	switch {
	case c == nil:
		return accord.Errorf(accord.EUnauthorized, "%s needs an API token: send Authorization: Bearer <token>", what)
	case c.Org() == "":
		return accord.Errorf(accord.EForbidden, "%s needs an organization's token: the admin token acts for no organization", what)
	}
	return nil
}

// authorized re-reads the caller's token inside the write's transaction,
// so that no entry a token authorised follows its revocation (as the
// registry does).
func authorized(ctx context.Context, tx accord.ReadTx, c *registry.Caller) error {
	if c == nil {
		return accord.Errorf(accord.EUnauthorized, "this action needs an API token")
	}
	return registry.RecheckToken(ctx, tx, c)
}

func actor(c *registry.Caller) string {
	if c.Admin() {
		return "admin"
	}
	return c.Org()
}

// event builds the canonical bytes of a log entry.
func event(typ, record string, version int, at time.Time, c *registry.Caller, content any) ([]byte, error) {
	b, err := accord.Canonical(content)
	if err != nil {
		return nil, err
	}
	return accord.LogEvent{Type: typ, Record: record, Version: version, Time: accord.LogTime(at), Org: actor(c), Token: c.Token.ID, Content: b}.Bytes(), nil
}

var idEncoding = base32.NewEncoding("23456789abcdefghijkmnpqrstuvwxyz").WithPadding(base32.NoPadding)

// newID makes an id like the registry's: 48 bits of milliseconds, then 48
// random bits, so ids sort by time.
func newID(prefix string, t time.Time) string {
	var b [12]byte
	ms := uint64(t.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	rand.Read(b[6:])
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// Publish adds a resource to the catalogue: one resource.published entry.
func (s *Service) Publish(ctx context.Context, c *registry.Caller, f accord.ResourceFiling) (*accord.ResourceView, error) {
	if err := requireOrg(c, "publishing a resource"); err != nil {
		return nil, err
	}
	f, err := f.Normalize()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	r := accord.Resource{ID: newID("res", now), Provider: c.Org(), Version: 1, Status: accord.ResourceActive, Created: now, Updated: now, ResourceFiling: f}
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		return s.write(ctx, tx, c, r, accord.LogResourcePublished, "", now)
	})
	if err != nil {
		return nil, err
	}
	return &accord.ResourceView{Resource: r, ETag: accord.ResourceETag(r.ID, r.Version), Receipt: &rs[0]}, nil
}

func (s *Service) write(ctx context.Context, tx accord.WriteTx, c *registry.Caller, r accord.Resource, typ, reason string, now time.Time) ([][]byte, error) {
	if err := tx.PutResource(ctx, r, accord.ResourceFacets(r), accord.ResourceText(r)); err != nil {
		return nil, err
	}
	e, err := event(typ, r.ID, r.Version, now, c, accord.ResourceEvent{V: 1, Provider: r.Provider, Status: r.Status, Reason: reason, Filing: r.ResourceFiling})
	if err != nil {
		return nil, err
	}
	return [][]byte{e}, nil
}

// Update files a new version of a resource; ifMatch must be the ETag of
// the current version: one resource.updated entry.
func (s *Service) Update(ctx context.Context, c *registry.Caller, id, ifMatch string, f accord.ResourceFiling) (*accord.ResourceView, error) {
	if err := requireOrg(c, "updating a resource"); err != nil {
		return nil, err
	}
	if ifMatch == "" {
		return nil, accord.Errorf(accord.EPreconditionRequired, "updates need an If-Match header with the ETag of the version you read (e.g. %s)", accord.ResourceETag(id, 1))
	}
	f, err := f.Normalize()
	if err != nil {
		return nil, err
	}
	return s.change(ctx, c, id, ifMatch, func(r *accord.Resource) (string, error) {
		if f.Kind != r.Kind {
			return "", accord.FieldErrorf("kind", "is %s: a resource keeps its kind (publish a new one)", r.Kind)
		}
		r.ResourceFiling = f
		return accord.LogResourceUpdated, nil
	}, "")
}

// Withdraw withdraws a resource; its versions stay readable: one
// resource.withdrawn entry.
func (s *Service) Withdraw(ctx context.Context, c *registry.Caller, id, reason string) (*accord.ResourceView, error) {
	if c == nil {
		return nil, accord.Errorf(accord.EUnauthorized, "withdrawing a resource needs an API token")
	}
	reason, err := accord.TextField("reason", reason, accord.LongText, 1000, true)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, c, id, "", func(r *accord.Resource) (string, error) {
		if r.Status == accord.ResourceWithdrawn {
			return "", accord.Errorf(accord.EConflict, "resource %s is already withdrawn", id)
		}
		r.Status = accord.ResourceWithdrawn
		return accord.LogResourceWithdrawn, nil
	}, reason)
}

func (s *Service) change(ctx context.Context, c *registry.Caller, id, ifMatch string, edit func(*accord.Resource) (string, error), reason string) (*accord.ResourceView, error) {
	var out accord.Resource
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		r, err := tx.Resource(ctx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case r.Home != "":
			return nil, accord.Errorf(accord.EForbidden, "resource %s is held by member %s: change it there", id, r.Home)
		case r.Provider != c.Org() && !c.Admin():
			return nil, accord.Errorf(accord.EForbidden, "resource %s is provided by %s: only its provider changes it", id, r.Provider)
		case ifMatch != "" && ifMatch != "*" && ifMatch != accord.ResourceETag(r.ID, r.Version):
			return nil, accord.Errorf(accord.EPreconditionFailed, "resource %s changed since you read it: its current ETag is %s", id, accord.ResourceETag(r.ID, r.Version))
		case r.Status == accord.ResourceWithdrawn && reason == "":
			return nil, accord.Errorf(accord.EConflict, "resource %s is withdrawn", id)
		}
		typ, err := edit(r)
		if err != nil {
			return nil, err
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		r.Version++
		r.Updated = now
		out = *r
		return s.write(ctx, tx, c, *r, typ, reason, now)
	})
	if err != nil {
		return nil, err
	}
	return &accord.ResourceView{Resource: out, ETag: accord.ResourceETag(out.ID, out.Version), Receipt: &rs[0]}, nil
}

// Get reads a resource and the systems built on it.
func (s *Service) Get(ctx context.Context, id string) (*accord.ResourceView, error) {
	var v accord.ResourceView
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		r, err := tx.Resource(ctx, id)
		if err != nil {
			return err
		}
		v.Resource, v.ETag = *r, accord.ResourceETag(r.ID, r.Version)
		v.BuiltInto, err = tx.SystemsOn(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Version reads one version of a resource.
func (s *Service) Version(ctx context.Context, id string, version int) (*accord.Resource, error) {
	var r *accord.Resource
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		r, err = tx.ResourceVersion(ctx, id, version)
		return err
	})
	return r, err
}

// Query turns a reader's search into the store's facet query. Active
// resources only.
func Query(q accord.ResourceSearch) (accord.ResourceQuery, error) {
	var p accord.Problems
	out := accord.ResourceQuery{Text: q.Text, Cursor: q.Cursor, Limit: q.Limit}
	if len(q.Text) > 500 {
		p.Add("q", "is longer than 500 bytes")
	}
	// The most selective facets go first: the first drives the search.
	add := func(field, name, v string, ok bool) {
		switch {
		case v == "":
		case !ok:
			p.Add(field, "%q is not a valid value", v)
		default:
			out.All = append(out.All, accord.Facet(name, v))
		}
	}
	if q.Language != "" {
		l, err := accord.CanonicalLanguage(q.Language)
		add("language", "lang", q.Language, err == nil)
		if err == nil {
			out.All[len(out.All)-1] = accord.Facet("lang", l)
		}
	}
	if q.Licence != "" {
		if id, _, err := accord.ParseLicence(q.Licence); err != nil {
			p.Add("licence", "%v", err)
		} else {
			add("licence", "licence", id, !strings.ContainsAny(id, " ()"))
		}
	}
	add("country", "country", q.Country, accord.ValidCountry(q.Country))
	add("provider", "provider", q.Provider, len(q.Provider) < 129)
	add("node", "node", q.Node, accord.ValidMemberName(q.Node))
	add("kind", "kind", q.Kind, accord.ResourceKinds.Has(q.Kind))
	add("mode", "mode", q.Mode, accord.AccessModes.Has(q.Mode))
	if q.Sector != "" && !accord.Sectors.Has(q.Sector) {
		p.Add("sector", "%q: use one of %s", q.Sector, strings.Join(accord.Sectors.Codes(), ", "))
	}
	if q.OSAID {
		out.Any = append(out.Any, []string{"osaid:claimed", "osaid:assessed"})
	}
	switch {
	case q.MOF == 0:
	case q.MOF < 1 || q.MOF > 3:
		p.Add("mof", "%d: the classes are 1, 2 and 3", q.MOF)
	default:
		var g []string
		for c := 1; c <= q.MOF; c++ {
			g = append(g, fmt.Sprintf("mof:%d", c))
		}
		out.Any = append(out.Any, g)
	}
	for _, e := range []struct {
		field, country string
		facets         func(string, string) ([][]string, []string)
	}{{"free_for", q.FreeFor, accord.FreeForFacets}, {"usable_by", q.UsableBy, accord.UsableByFacets}} {
		if e.country == "" {
			continue
		}
		if !accord.ValidCountry(e.country) {
			p.Add(e.field, "%q is not an ISO 3166-1 alpha-2 country code (upper case, e.g. MW)", e.country)
			continue
		}
		anyOf, none := e.facets(e.country, q.Sector)
		out.Any = append(out.Any, anyOf...)
		out.None = append(out.None, none...)
	}
	if q.Limit < 0 || q.Limit > 100 {
		p.Add("limit", "%d: give 1 to 100", q.Limit)
	}
	out.All = append(out.All, "status:active")
	return out, p.Err()
}

// Search searches the catalogue.
func (s *Service) Search(ctx context.Context, q accord.ResourceSearch) (*accord.ResourcePage, error) {
	sq, err := Query(q)
	if err != nil {
		return nil, err
	}
	var page *accord.ResourcePage
	err = s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		page, err = tx.SearchResources(ctx, sq)
		return err
	})
	return page, err
}

// PostNeed records a need: one need.posted entry. The view carries the
// resources the node suggests for it.
func (s *Service) PostNeed(ctx context.Context, c *registry.Caller, f accord.NeedFiling) (*accord.NeedView, error) {
	if err := requireOrg(c, "posting a need"); err != nil {
		return nil, err
	}
	f, err := f.Normalize()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	n := accord.Need{ID: newID("need", now), Org: c.Org(), Version: 1, Status: accord.NeedOpen, Created: now, Updated: now, NeedFiling: f}
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		if err := tx.PutNeed(ctx, n); err != nil {
			return nil, err
		}
		e, err := event(accord.LogNeedPosted, n.ID, 1, now, c, accord.NeedEvent{V: 1, Org: n.Org, Status: n.Status, Filing: f})
		return [][]byte{e}, err
	})
	if err != nil {
		return nil, err
	}
	v := &accord.NeedView{Need: n, Receipt: &rs[0], Matches: []accord.Match{}}
	err = s.store.View(ctx, func(tx accord.ReadTx) error {
		v.Suggestions, err = suggest(ctx, tx, f, 20)
		return err
	})
	return v, err
}

// suggest selects candidates by the need's hard terms (kind, usable by its
// country and sector, free if asked, a language) and ranks them.
func suggest(ctx context.Context, tx accord.ReadTx, n accord.NeedFiling, limit int) ([]accord.Suggestion, error) {
	q := accord.ResourceQuery{All: []string{accord.Facet("kind", n.Kind), "status:active"}, Limit: Candidates}
	var anyOf [][]string
	if n.FreeOnly {
		anyOf, q.None = accord.FreeForFacets(n.Country, n.Sector)
	} else {
		anyOf, q.None = accord.UsableByFacets(n.Country, n.Sector)
	}
	// The language and modality terms of MatchNeed, as facets: a resource
	// in one of the need's languages (a base language meets its regional
	// tags) or in none; of one of its modalities or of none.
	if accord.LanguageKind(n.Kind) && len(n.Languages) > 0 {
		g := []string{"lang:none"}
		for _, l := range n.Languages {
			base, _, _ := strings.Cut(l, "-")
			g = append(g, accord.Facet("lang", l), accord.Facet("lang", base))
		}
		anyOf = append(anyOf, g)
	}
	if (n.Kind == "model" || n.Kind == "dataset") && len(n.Modalities) > 0 {
		g := []string{"modality:none"}
		for _, m := range n.Modalities {
			g = append(g, accord.Facet("modality", m))
		}
		anyOf = append(anyOf, g)
	}
	q.Any = anyOf
	var cands []accord.Resource
	for len(cands) < Candidates {
		p, err := tx.SearchResources(ctx, q)
		if err != nil {
			return nil, err
		}
		cands = append(cands, p.Resources...)
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	out := accord.MatchNeed(n, cands, limit)
	if out == nil {
		out = []accord.Suggestion{}
	}
	return out, nil
}

// Suggest ranks the resources that meet a need (without posting it).
func (s *Service) Suggest(ctx context.Context, n accord.NeedFiling, limit int) ([]accord.Suggestion, error) {
	n, err := n.Normalize()
	if err != nil {
		return nil, err
	}
	var out []accord.Suggestion
	err = s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		out, err = suggest(ctx, tx, n, limit)
		return err
	})
	return out, err
}

// Need reads a need with its suggestions and matches.
func (s *Service) Need(ctx context.Context, id string) (*accord.NeedView, error) {
	var v accord.NeedView
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		n, err := tx.Need(ctx, id)
		if err != nil {
			return err
		}
		v.Need = *n
		if v.Matches, err = tx.Matches(ctx, id, ""); err != nil {
			return err
		}
		v.Suggestions = []accord.Suggestion{}
		if n.Status == accord.NeedOpen {
			v.Suggestions, err = suggest(ctx, tx, n.NeedFiling, 20)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Needs lists needs, newest first.
func (s *Service) Needs(ctx context.Context, org, status, cursor string, limit int) (*accord.NeedPage, error) {
	if status != "" && status != accord.NeedOpen && status != accord.NeedMet && status != accord.NeedClosed {
		return nil, accord.FieldErrorf("status", "%q: use open, met or closed", status)
	}
	var p accord.NeedPage
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		p.Needs, p.Next, err = tx.Needs(ctx, org, status, cursor, limit)
		return err
	})
	return &p, err
}

// CloseNeed closes a need (by the organization that posted it, or the
// admin): one need.closed entry.
func (s *Service) CloseNeed(ctx context.Context, c *registry.Caller, id, reason string) (*accord.NeedView, error) {
	if c == nil {
		return nil, accord.Errorf(accord.EUnauthorized, "closing a need needs an API token")
	}
	var out accord.Need
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		n, err := tx.Need(ctx, id)
		if err != nil {
			return nil, err
		}
		if n.Org != c.Org() && !c.Admin() {
			return nil, accord.Errorf(accord.EForbidden, "need %s was posted by %s: only it closes it", id, n.Org)
		}
		if n.Status == accord.NeedClosed {
			return nil, accord.Errorf(accord.EConflict, "need %s is already closed", id)
		}
		e, err := s.moveNeed(ctx, tx, c, n, accord.NeedClosed)
		out = *n
		return [][]byte{e}, err
	})
	if err != nil {
		return nil, err
	}
	return &accord.NeedView{Need: out, Receipt: &rs[0], Suggestions: []accord.Suggestion{}, Matches: []accord.Match{}}, nil
}

func (s *Service) moveNeed(ctx context.Context, tx accord.WriteTx, c *registry.Caller, n *accord.Need, to string) ([]byte, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	n.Status, n.Version, n.Updated = to, n.Version+1, now
	if err := tx.PutNeed(ctx, *n); err != nil {
		return nil, err
	}
	return event(accord.LogNeedClosed, n.ID, n.Version, now, c, accord.NeedEvent{V: 1, Org: n.Org, Status: to, Filing: n.NeedFiling})
}

// Propose records a match of a resource to a need, by the organization
// that posted the need, the resource's provider, or the admin: one
// match.proposed entry. The resource must meet the need's hard terms.
func (s *Service) Propose(ctx context.Context, c *registry.Caller, req accord.MatchProposal) (*accord.MatchView, error) {
	if c == nil {
		return nil, accord.Errorf(accord.EUnauthorized, "proposing a match needs an API token")
	}
	note, err := accord.TextField("note", req.Note, accord.LongText, 1000, false)
	if err != nil {
		return nil, err
	}
	var p accord.Problems
	if req.Need == "" {
		p.Add("need", "is required")
	}
	if req.Resource == "" {
		p.Add("resource", "is required")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var m accord.Match
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		n, err := tx.Need(ctx, req.Need)
		if err != nil {
			return nil, accord.FieldErrorf("need", "%v", accord.ErrorMessage(err))
		}
		r, err := tx.Resource(ctx, req.Resource)
		if err != nil {
			return nil, accord.FieldErrorf("resource", "%v", accord.ErrorMessage(err))
		}
		if c.Org() != n.Org && c.Org() != r.Provider && !c.Admin() {
			return nil, accord.Errorf(accord.EForbidden, "a match is proposed by the organization that posted the need or by the resource's provider")
		}
		if n.Status != accord.NeedOpen {
			return nil, accord.Errorf(accord.EConflict, "need %s is %s", n.ID, n.Status)
		}
		sug := accord.MatchNeed(n.NeedFiling, []accord.Resource{*r}, 1)
		if len(sug) == 0 {
			e := accord.EligibilityOf(r.Terms, n.Country, n.Sector)
			return nil, accord.FieldErrorf("resource", "%s does not meet need %s (kind %s, languages, terms: %s)", r.ID, n.ID, r.Kind, strings.Join(e.Reasons, ", "))
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		m = accord.Match{ID: newID("mat", now), Need: n.ID, Resource: r.ID, Provider: r.Provider, Org: n.Org, Status: accord.MatchProposed,
			Version: 1, Score: sug[0].Score, Reasons: sug[0].Reasons, Note: note, Created: now, Updated: now}
		if err := tx.PutMatch(ctx, m); err != nil {
			return nil, err
		}
		e, err := event(accord.LogMatchProposed, m.ID, 1, now, c, accord.MatchEvent{V: 1, Match: m})
		return [][]byte{e}, err
	})
	if err != nil {
		return nil, err
	}
	return &accord.MatchView{Match: m, Receipt: &rs[0]}, nil
}

// SetMatch moves a match: the provider accepts or declines it; the
// organization that posted the need (or the provider) completes it when
// the resource was shared, which marks the need met. One operation: a
// match.changed entry, and a need.closed entry when the need is met.
func (s *Service) SetMatch(ctx context.Context, c *registry.Caller, id string, req accord.MatchChange) (*accord.MatchView, error) {
	if c == nil {
		return nil, accord.Errorf(accord.EUnauthorized, "changing a match needs an API token")
	}
	if !slices.Contains([]string{accord.MatchAccepted, accord.MatchDeclined, accord.MatchCompleted}, req.Status) {
		return nil, accord.FieldErrorf("status", "%q: use accepted, declined or completed", req.Status)
	}
	note, err := accord.TextField("note", req.Note, accord.LongText, 1000, false)
	if err != nil {
		return nil, err
	}
	var m accord.Match
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		cur, err := tx.ResourceMatch(ctx, id)
		if err != nil {
			return nil, err
		}
		m = *cur
		provider, requester := c.Org() == m.Provider, c.Org() == m.Org
		switch {
		case c.Admin():
		case req.Status == accord.MatchAccepted && !provider:
			return nil, accord.Errorf(accord.EForbidden, "only the provider %s accepts a match", m.Provider)
		case req.Status == accord.MatchDeclined && !provider && !requester:
			return nil, accord.Errorf(accord.EForbidden, "only the provider or the requester declines a match")
		case req.Status == accord.MatchCompleted && !provider && !requester:
			return nil, accord.Errorf(accord.EForbidden, "only the provider or the requester completes a match")
		}
		if !accord.MatchCanMove(m.Status, req.Status) {
			return nil, accord.Errorf(accord.EConflict, "match %s is %s and cannot become %s", id, m.Status, req.Status)
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		m.Status, m.Version, m.Updated = req.Status, m.Version+1, now
		if note != "" {
			m.Note = note
		}
		if err := tx.PutMatch(ctx, m); err != nil {
			return nil, err
		}
		e, err := event(accord.LogMatchChanged, m.ID, m.Version, now, c, accord.MatchEvent{V: 1, Match: m})
		if err != nil {
			return nil, err
		}
		entries := [][]byte{e}
		if m.Status == accord.MatchCompleted {
			n, err := tx.Need(ctx, m.Need)
			if err != nil {
				return nil, err
			}
			if n.Status == accord.NeedOpen {
				e, err := s.moveNeed(ctx, tx, c, n, accord.NeedMet)
				if err != nil {
					return nil, err
				}
				entries = append(entries, e)
			}
		}
		return entries, nil
	})
	if err != nil {
		return nil, err
	}
	return &accord.MatchView{Match: m, Receipt: &rs[0]}, nil
}

// Matches lists matches of a need or of a resource.
func (s *Service) Matches(ctx context.Context, need, resource string) ([]accord.Match, error) {
	var out []accord.Match
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		out, err = tx.Matches(ctx, need, resource)
		return err
	})
	return out, err
}

// LinkSystem records that a registry system is built on a resource, by the
// system's provider: one resource.linked entry. A resource of this node
// must exist and be a model or a data set; one at a peer (Node) is taken
// as named.
func (s *Service) LinkSystem(ctx context.Context, c *registry.Caller, system string, req accord.SystemLinkRequest) (*accord.LinkView, error) {
	if err := requireOrg(c, "linking a system to a resource"); err != nil {
		return nil, err
	}
	var p accord.Problems
	if req.Role != "model" && req.Role != "dataset" {
		p.Add("role", "%q: use model or dataset", req.Role)
	}
	if req.Resource == "" || len(req.Resource) > 128 || accord.CheckText(req.Resource, accord.Line) != "" || strings.ContainsAny(req.Resource, " /") {
		p.Add("resource", "is required: a catalogue id (e.g. res_…)")
	}
	if req.Node != "" && !accord.ValidMemberName(req.Node) {
		p.Add("node", "%q is not a member name", req.Node)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var l accord.SystemResourceLink
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		sys, err := tx.System(ctx, system)
		if err != nil {
			return nil, err
		}
		if sys.Provider != c.Org() {
			return nil, accord.Errorf(accord.EForbidden, "system %s is provided by %s: only its provider says what it is built on", system, sys.Provider)
		}
		if req.Node == "" {
			r, err := tx.Resource(ctx, req.Resource)
			if err != nil {
				return nil, accord.FieldErrorf("resource", "%s", accord.ErrorMessage(err))
			}
			if r.Kind != req.Role {
				return nil, accord.FieldErrorf("role", "%s is a %s, not a %s", r.ID, r.Kind, req.Role)
			}
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		l = accord.SystemResourceLink{System: system, Resource: req.Resource, Node: req.Node, Role: req.Role, Org: c.Org(), Created: now}
		if err := tx.LinkSystem(ctx, l); err != nil {
			return nil, err
		}
		e, err := event(accord.LogResourceLinked, system, 1, now, c, accord.LinkEvent{V: 1, Link: l})
		return [][]byte{e}, err
	})
	if err != nil {
		return nil, err
	}
	return &accord.LinkView{SystemResourceLink: l, Receipt: &rs[0]}, nil
}

// BuiltOn lists the resources a system is built on.
func (s *Service) BuiltOn(ctx context.Context, system string) ([]accord.SystemResourceLink, error) {
	var out []accord.SystemResourceLink
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		out, err = tx.ResourcesOf(ctx, system)
		return err
	})
	return out, err
}

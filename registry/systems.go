package registry

import (
	"context"
	"crypto/sha256"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/tlog"
)

// SystemView is a system as a caller may see it: the current version's
// filing, without confidential fields unless the caller may read them.
type SystemView struct {
	accord.System
	Filing accord.Filing `json:"filing"`
	// Receipt proves the version's log entry; set on writes.
	Receipt *accord.Receipt `json:"receipt,omitempty"`
	// Receipts of further entries the write produced (e.g. its classification).
	MoreReceipts []accord.Receipt `json:"more_receipts,omitempty"`
	// HomeNode is, for a foreign system, the member node that holds it;
	// Receipt then proves the version's entry in that node's log, against
	// the latest checkpoint of it this node mirrored (verifiable with its
	// log key).
	HomeNode *accord.HomeNode `json:"home_node,omitempty"`
	// Replayed is true when an Idempotency-Key matched an earlier request.
	Replayed bool `json:"-"`
}

// VersionView is one version of a system, as a caller may see it.
type VersionView struct {
	Version  int           `json:"version"`
	Event    string        `json:"event"`
	Time     string        `json:"time"`
	By       string        `json:"by"`
	Reason   string        `json:"reason,omitempty"`
	LogIndex int64         `json:"log_index"`
	Filing   accord.Filing `json:"filing"`
}

// FileRequest files a new system.
type FileRequest struct {
	Provider       string // organization id; defaults to the caller's organization
	Filing         accord.Filing
	IdempotencyKey string
}

// MaxIdempotencyKeyLen bounds Idempotency-Key values.
const MaxIdempotencyKeyLen = 255

// FileSystem registers a new AI system (version 1).
func (s *Service) FileSystem(ctx context.Context, c *Caller, req FileRequest) (*SystemView, error) {
	if err := requireAuth(c); err != nil {
		return nil, err
	}
	provider := req.Provider
	switch {
	case provider == "" && c.Admin():
		return nil, accord.FieldErrorf("provider", "is required when the admin files: give the provider organization's id")
	case provider == "":
		provider = c.Org()
	case !c.Admin() && provider != c.Org():
		return nil, accord.Errorf(accord.EForbidden, "a token of organization %s cannot file for organization %s", c.Org(), provider)
	}
	if c.OrgKind != "" && c.OrgKind != "provider" {
		return nil, accord.Errorf(accord.EForbidden, "only providers file AI systems; organization %s is a %s", c.Org(), c.OrgKind)
	}
	key := req.IdempotencyKey
	if utf8.RuneCountInString(key) > MaxIdempotencyKeyLen || !utf8.ValidString(key) {
		return nil, accord.FieldErrorf("Idempotency-Key", "must be at most %d characters", MaxIdempotencyKeyLen)
	}
	if msg := accord.CheckText(key, accord.Line); msg != "" {
		return nil, accord.FieldErrorf("Idempotency-Key", "%s", msg)
	}
	f, err := req.Filing.Normalize()
	if err != nil {
		return nil, err
	}
	// The request's hash tells a replay from a different request under the
	// same Idempotency-Key; without a key it is not needed (and canonical
	// JSON of a whole filing is not free).
	var reqHash [sha256.Size]byte
	if key != "" {
		canon, err := accord.Canonical(struct {
			Provider string        `json:"provider"`
			Filing   accord.Filing `json:"filing"`
		}{provider, f})
		if err != nil {
			return nil, err
		}
		reqHash = sha256.Sum256(canon)
	}
	idemOrg := c.Org()
	if c.Admin() {
		idemOrg = "admin"
	}

	now := s.now().UTC()
	sys := accord.System{ID: newID("sys"), Provider: provider, Version: 1, Status: f.Status, Created: now, Updated: now}
	// Organizations are never changed or removed, so the provider is read
	// before the write, outside the log's sequencer.
	org, err := s.Organization(ctx, provider)
	if err != nil {
		if accord.ErrorCode(err) == accord.ENotFound {
			return nil, accord.FieldErrorf("provider", "organization %q is not registered on this node", provider)
		}
		return nil, err
	}
	if org.Kind != "provider" {
		return nil, accord.FieldErrorf("provider", "organization %s is a %s, not a provider", provider, org.Kind)
	}
	if accord.Foreign(org.Home) {
		return nil, foreignError("organization", provider, org.Home)
	}
	p, err := s.prepare(f, provider, "", now)
	if err != nil {
		return nil, err
	}
	// The head is known before the write: the log's sequencer need not
	// complete the search document.
	doc := completeDoc(p.doc, sys, org)
	var replay *accord.Idempotency
	receipts, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		if key != "" {
			prev, err := tx.Idempotency(ctx, idemOrg, key)
			switch {
			case err == nil && string(prev.RequestHash) == string(reqHash[:]):
				replay = prev
				return nil, nil
			case err == nil:
				return nil, accord.FieldErrorf("Idempotency-Key", "was already used for a different request: use a new key for a new filing")
			case accord.ErrorCode(err) != accord.ENotFound:
				return nil, err
			}
		}
		if err := s.checkBuiltOn(ctx, tx, f.BuiltOn); err != nil {
			return nil, err
		}
		entries, err := s.writeVersion(ctx, tx, c, org, sys, accord.EventFiled, p, doc, "", now, next)
		if err != nil {
			return nil, err
		}
		if key != "" {
			if err := tx.PutIdempotency(ctx, accord.Idempotency{Org: idemOrg, Key: key, RequestHash: reqHash[:], Resource: sys.ID, Version: 1, Created: now}); err != nil {
				return nil, err
			}
		}
		return entries, nil
	})
	if err != nil {
		return nil, err
	}
	if replay != nil {
		v, err := s.SystemAt(ctx, c, replay.Resource, replay.Version, true)
		if err != nil {
			return nil, err
		}
		v.Replayed = true
		return v, nil
	}
	return viewAfterWrite(c, sys, p, receipts), nil
}

// UpdateSystem files a new version. ifMatch must be the current version's ETag.
func (s *Service) UpdateSystem(ctx context.Context, c *Caller, id, ifMatch string, f accord.Filing) (*SystemView, error) {
	if err := requireAuth(c); err != nil {
		return nil, err
	}
	if ifMatch == "" {
		return nil, accord.Errorf(accord.EPreconditionRequired, "updates need an If-Match header with the ETag of the version you read (e.g. %s), so that no update is lost", accord.SystemETag(id, 1))
	}
	f, err := f.Normalize()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	// A system's provider never changes, so the new version can be prepared
	// before the write, outside the sequencer.
	var provider string
	err = s.store.View(ctx, func(tx accord.ReadTx) error {
		cur, err := tx.System(ctx, id)
		if err == nil {
			provider = cur.Provider
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	p, err := s.prepare(f, provider, "", now)
	if err != nil {
		return nil, err
	}
	var sys accord.System
	receipts, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		cur, org, err := s.writable(ctx, tx, c, id, ifMatch)
		if err != nil {
			return nil, err
		}
		if err := s.checkBuiltOn(ctx, tx, f.BuiltOn); err != nil {
			return nil, err
		}
		if f.BuiltOn != nil && f.BuiltOn.System == id {
			return nil, accord.FieldErrorf("built_on.system", "names this filing itself: a system is built on another filing, a model")
		}
		sys = *cur
		sys.Version++
		sys.Status = f.Status
		sys.Updated = now
		return s.writeVersion(ctx, tx, c, org, sys, accord.EventUpdated, p, completeDoc(p.doc, sys, org), "", now, next)
	})
	if err != nil {
		return nil, err
	}
	return viewAfterWrite(c, sys, p, receipts), nil
}

// maxReasonLen bounds a withdrawal's reason, in characters.
const maxReasonLen = 1000

// WithdrawSystem withdraws a filing. Its versions stay readable. ifMatch is optional.
func (s *Service) WithdrawSystem(ctx context.Context, c *Caller, id, ifMatch, reason string) (*SystemView, error) {
	if err := requireAuth(c); err != nil {
		return nil, err
	}
	reason, err := accord.TextField("reason", reason, accord.LongText, maxReasonLen, false)
	switch {
	case err != nil:
		return nil, err
	case reason == "":
		return nil, accord.FieldErrorf("reason", "is required: say why the filing is withdrawn")
	}
	now := s.now().UTC()
	var sys accord.System
	var p *prepared
	receipts, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		cur, org, err := s.writable(ctx, tx, c, id, ifMatch)
		if err != nil {
			return nil, err
		}
		last, err := tx.SystemVersion(ctx, id, cur.Version)
		if err != nil {
			return nil, err
		}
		sys = *cur
		sys.Version++
		sys.Status = "withdrawn"
		sys.Updated = now
		f := last.Filing
		f.Status = "withdrawn"
		if p, err = s.prepare(f, sys.Provider, reason, now); err != nil {
			return nil, err
		}
		return s.writeVersion(ctx, tx, c, org, sys, accord.EventWithdrawn, p, completeDoc(p.doc, sys, org), reason, now, next)
	})
	if err != nil {
		return nil, err
	}
	return viewAfterWrite(c, sys, p, receipts), nil
}

// writable loads a system the caller may change, checking If-Match.
func (s *Service) writable(ctx context.Context, tx accord.WriteTx, c *Caller, id, ifMatch string) (*accord.System, *accord.Organization, error) {
	cur, err := tx.System(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if accord.Foreign(cur.Home) {
		return nil, nil, foreignError("system", id, cur.Home)
	}
	if !c.Admin() && c.Org() != cur.Provider {
		return nil, nil, accord.Errorf(accord.EForbidden, "system %s belongs to organization %s; a token of %s cannot change it", id, cur.Provider, c.Org())
	}
	if ifMatch != "" && ifMatch != "*" && ifMatch != cur.ETag() {
		return nil, nil, accord.Errorf(accord.EPreconditionFailed, "system %s changed since you read it: its current ETag is %s (version %d); read it again and re-apply your change", id, cur.ETag(), cur.Version)
	}
	if cur.Status == "withdrawn" {
		return nil, nil, accord.Errorf(accord.EConflict, "system %s was withdrawn; its filing can no longer change", id)
	}
	org, err := tx.Organization(ctx, cur.Provider)
	if err != nil {
		return nil, nil, err
	}
	return cur, org, nil
}

// prepared is everything about a new version that needs no database:
// computed in the caller's goroutine, so that the log's single sequencer
// only writes (and concurrent writers use every core).
type prepared struct {
	filing      accord.Filing
	public      accord.Filing // without confidential fields
	content     []byte        // canonical content of the filing's log event
	commitments map[string]string
	salts       map[string][]byte
	cl          *classified
	doc         accord.SearchDoc
}

// prepare splits off confidential fields, commits to them, classifies the
// filing and builds the canonical log content and the search document.
func (s *Service) prepare(f accord.Filing, provider, reason string, now time.Time) (*prepared, error) {
	public, hidden, err := splitConfidential(f)
	if err != nil {
		return nil, err
	}
	p := &prepared{filing: f}
	if p.salts, p.commitments, err = commit(hidden); err != nil {
		return nil, err
	}
	if p.public, err = PublicFiling(f); err != nil {
		return nil, err
	}
	content := map[string]any{"provider": provider, "filing": public}
	if reason != "" {
		content["reason"] = reason
	}
	if p.content, err = accord.CanonicalValue(content); err != nil {
		return nil, err
	}
	if p.cl, err = s.classify(f, p.public, now); err != nil {
		return nil, err
	}
	p.doc = searchDoc(provider, p.public, p.cl.publicOrNil())
	return p, nil
}

// writeVersion stores one version of a system with its head row, its
// complete search document (completeDoc) and log entries: the filing's,
// then the classification's.
func (s *Service) writeVersion(ctx context.Context, tx accord.WriteTx, c *Caller, org *accord.Organization, sys accord.System, ev string, p *prepared, doc accord.SearchDoc, reason string, now time.Time, next int64) ([][]byte, error) {
	v := accord.SystemVersion{SystemID: sys.ID, Version: sys.Version, Event: ev, Filing: p.filing, Reason: reason, Time: now, By: c.actor(), LogIndex: next, Salts: p.salts}
	var clCommitments map[string]string
	if p.cl != nil {
		v.Classification, v.ClassificationIndex = p.cl.content, next+1
		if p.cl.full != nil {
			// The full classification stays private, with its salt; the
			// log entry commits to it.
			v.ClassificationFull = p.cl.full
			v.Salts = maps.Clone(v.Salts)
			if v.Salts == nil {
				v.Salts = map[string][]byte{}
			}
			v.Salts[ClassificationCommitment] = p.cl.salt
			clCommitments = map[string]string{ClassificationCommitment: p.cl.commitment}
		}
	}
	if err := tx.AddSystemVersion(ctx, v); err != nil {
		return nil, err
	}
	if err := tx.PutSystem(ctx, sys, summary(sys, org, p.public, p.cl.publicOrNil()), doc); err != nil {
		return nil, err
	}
	typ := map[string]string{accord.EventFiled: accord.LogSystemFiled, accord.EventUpdated: accord.LogSystemUpdated, accord.EventWithdrawn: accord.LogSystemWithdrawn}[ev]
	at := accord.LogTime(now)
	entries := [][]byte{accord.LogEvent{Type: typ, Record: sys.ID, Version: sys.Version, Time: at, Org: c.actor(), Token: c.tokenID(), Content: p.content, Commitments: p.commitments}.Bytes()}
	if p.cl != nil {
		entries = append(entries, accord.LogEvent{Type: accord.LogSystemClassified, Record: sys.ID, Version: sys.Version, Time: at, Org: c.actor(), Token: c.tokenID(), Content: p.cl.content, Commitments: clCommitments}.Bytes())
	}
	return entries, nil
}

func summary(sys accord.System, org *accord.Organization, f accord.Filing, cl *classification) accord.SystemSummary {
	level, tiers := cl.levels()
	return accord.SystemSummary{
		ID: sys.ID, Provider: sys.Provider, ProviderName: org.Name, Version: sys.Version, Status: sys.Status,
		TradeName: f.TradeName, IntendedPurpose: f.IntendedPurpose, Domains: f.Domains,
		DeploymentCountries: f.DeploymentCountries, Kind: f.Kind, Level: level, Tiers: tiers, Updated: sys.Updated,
	}
}

// searchDoc indexes the public text of every language, and the facets
// filters use. writeVersion adds the provider's names, the system id and
// the status, which only the write knows for sure.
func searchDoc(provider string, f accord.Filing, cl *classification) accord.SearchDoc {
	var parts []string
	for _, t := range []accord.Text{f.TradeName, f.IntendedPurpose, f.OperatingLogic, f.DataSources} {
		parts = append(parts, t.Values()...)
	}
	parts = append(parts, f.Reference)
	facets := []string{accord.Facet("provider", provider)}
	for _, c := range f.DeploymentCountries {
		facets = append(facets, accord.Facet("country", c))
	}
	for _, d := range f.Domains {
		facets = append(facets, accord.Facet("domain", d))
		if area, _, ok := strings.Cut(d, "."); ok {
			facets = append(facets, accord.Facet("domain", area))
		}
	}
	for _, a := range f.AlgorithmTypes {
		facets = append(facets, accord.Facet("algorithm", a))
	}
	kind := f.Kind
	if kind == "" {
		kind = accord.KindSystem
	}
	facets = append(facets, accord.Facet("kind", kind))
	if f.BuiltOn != nil {
		// By id alone: ids are unique across members, and a foreign
		// record keeps its home's id.
		facets = append(facets, accord.Facet("built_on", f.BuiltOn.System))
	}
	facets = append(facets, cl.facets()...)
	slices.Sort(facets)
	return accord.SearchDoc{Text: accord.SearchText(parts...), Facets: slices.Compact(facets)}
}

// completeDoc adds to a prepared search document what only the write knows:
// the provider's names, the system id and its status.
func completeDoc(doc accord.SearchDoc, sys accord.System, org *accord.Organization) accord.SearchDoc {
	doc.Text += " " + accord.SearchText(append(org.Name.Values(), sys.ID)...)
	doc.Facets = append(slices.Clip(doc.Facets), accord.Facet("status", sys.Status), accord.NodeFacet(sys.Home))
	return doc
}

// viewAfterWrite is the answer to a write: the new version, as the caller may see it.
func viewAfterWrite(c *Caller, sys accord.System, p *prepared, receipts []accord.Receipt) *SystemView {
	v := &SystemView{System: sys, Filing: p.filing}
	if !c.SeesConfidential(sys.Provider) {
		v.Filing = p.public
	}
	if len(receipts) > 0 {
		v.Receipt = &receipts[0]
		v.MoreReceipts = receipts[1:]
	}
	return v
}

// readVersion reads a system and one of its versions (0: the current one).
func readVersion(ctx context.Context, tx accord.ReadTx, id string, version int) (*accord.System, *accord.SystemVersion, error) {
	sys, err := tx.System(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if version == 0 {
		version = sys.Version
	}
	v, err := tx.SystemVersion(ctx, id, version)
	if err != nil {
		return nil, nil, err
	}
	return sys, v, nil
}

// System returns a system's current version.
func (s *Service) System(ctx context.Context, c *Caller, id string) (*SystemView, error) {
	return s.SystemAt(ctx, c, id, 0, false)
}

// SystemAt returns a system at a version (0 = current), optionally with a
// fresh receipt for that version's log entry.
func (s *Service) SystemAt(ctx context.Context, c *Caller, id string, version int, withReceipt bool) (*SystemView, error) {
	var view *SystemView
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		sys, v, err := readVersion(ctx, tx, id, version)
		if err != nil {
			return err
		}
		version = v.Version
		view = &SystemView{System: *sys, Filing: v.Filing}
		if version != sys.Version {
			view.Version, view.Status, view.Updated = v.Version, v.Filing.Status, v.Time
		}
		if !c.SeesConfidential(sys.Provider) {
			if view.Filing, err = PublicFiling(v.Filing); err != nil {
				return err
			}
		}
		if accord.Foreign(sys.Home) {
			return s.foreignProof(ctx, tx, view, v)
		}
		if withReceipt {
			r, err := tlog.ProveIn(ctx, tx, v.LogIndex)
			if err != nil {
				return err
			}
			view.Receipt = &r
		}
		return nil
	})
	return view, err
}

// foreignProof gives a foreign system's view its home node and the proof
// of the version's entry in that node's log, when the mirror has one.
func (s *Service) foreignProof(ctx context.Context, tx accord.ReadTx, view *SystemView, v *accord.SystemVersion) error {
	if s.proveForeign == nil {
		return nil
	}
	home, r, err := s.proveForeign(ctx, tx, view.Home, v.LogIndex)
	if err != nil {
		return err
	}
	view.HomeNode, view.Receipt = home, r
	return nil
}

// Versions returns every version of a system, oldest first.
func (s *Service) Versions(ctx context.Context, c *Caller, id string) ([]VersionView, error) {
	var out []VersionView
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		vs, err := tx.SystemVersions(ctx, id)
		if err != nil {
			return err
		}
		sys, err := tx.System(ctx, id)
		if err != nil {
			return err
		}
		sees := c.SeesConfidential(sys.Provider)
		for _, v := range vs {
			f := v.Filing
			if !sees {
				if f, err = PublicFiling(f); err != nil {
					return err
				}
			}
			out = append(out, VersionView{Version: v.Version, Event: v.Event, Time: accord.LogTime(v.Time), By: v.By, Reason: v.Reason, LogIndex: v.LogIndex, Filing: f})
		}
		return nil
	})
	return out, err
}

// Receipt returns a fresh receipt for a version's log entry against the latest checkpoint.
func (s *Service) Receipt(ctx context.Context, id string, version int) (*accord.Receipt, error) {
	var r accord.Receipt
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		v, err := tx.SystemVersion(ctx, id, version)
		if err != nil {
			return err
		}
		if sys, err := tx.System(ctx, id); err != nil {
			return err
		} else if accord.Foreign(sys.Home) {
			if s.proveForeign == nil {
				return accord.Errorf(accord.ENotFound, "system %s is held by member %s; this node proves no entry of its log", id, sys.Home)
			}
			_, rc, err := s.proveForeign(ctx, tx, sys.Home, v.LogIndex)
			if err == nil && rc == nil {
				err = accord.Errorf(accord.ENotFound, "system %s is held by member %s; the entry of version %d is not yet in a checkpoint this node mirrored", id, sys.Home, version)
			}
			if err == nil {
				r = *rc
			}
			return err
		}
		if s.receiptCheckpoint != nil {
			cp, err := s.receiptCheckpoint(ctx, tx, v.LogIndex)
			if err != nil {
				return err
			}
			if cp != nil {
				r, err = tlog.ProveAt(ctx, tx, v.LogIndex, cp)
				return err
			}
		}
		r, err = tlog.ProveIn(ctx, tx, v.LogIndex)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Search finds systems by text and filters.
func (s *Service) Search(ctx context.Context, q accord.SystemQuery) (*accord.SystemPage, error) {
	q = s.localNode(q) // this node's own name is valid, whatever it is
	if err := validQuery(q); err != nil {
		return nil, err
	}
	var page *accord.SystemPage
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		page, err = tx.SearchSystems(ctx, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range page.Systems {
		if page.Systems[i].Home == "" {
			page.Systems[i].Home = s.member
		}
	}
	return page, nil
}

// localNode turns a node= filter naming this node's member into the filter
// of its own systems.
func (s *Service) localNode(q accord.SystemQuery) accord.SystemQuery {
	if q.Node != "" && q.Node == s.member {
		q.Node, q.Local = "", true
	}
	return q
}

// Member is this node's member name.
func (s *Service) Member() string { return s.member }

// validQuery checks a search's parameters, naming each one at fault. A
// value that is not one line of clean text (a NUL, a control character,
// invalid UTF-8: accord.CheckText) is refused before its meaning is
// checked, so that no store ever sees it: SQLite's full-text search once
// answered a NUL in provider with "database unavailable".
func validQuery(q accord.SystemQuery) error {
	var p accord.Problems
	bad := map[string]bool{}
	for _, f := range [][2]string{{"q", q.Q}, {"country", q.Country}, {"domain", q.Domain}, {"provider", q.Provider},
		{"status", q.Status}, {"framework", q.Framework}, {"tier", q.Tier}, {"kind", q.Kind}, {"built_on", q.BuiltOn}, {"cursor", q.Cursor}} {
		if msg := accord.CheckText(f[1], accord.Line); msg != "" {
			p.Add(f[0], "%s", msg)
			bad[f[0]] = true
		}
	}
	if n := utf8.RuneCountInString(q.Q); !bad["q"] && n > maxQueryLen {
		p.Add("q", "is %d characters long; the limit is %d", n, maxQueryLen)
	}
	if q.Country != "" && !bad["country"] && !accord.ValidCountry(q.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code (e.g. FR)", q.Country)
	}
	if q.Domain != "" && !bad["domain"] && !accord.Domains.Has(q.Domain) && !isDomainArea(q.Domain) {
		p.Add("domain", "%q is not a domain code or area (see GET /v1/vocabularies)", q.Domain)
	}
	if q.Status != "" && !bad["status"] && !accord.Statuses.Has(q.Status) {
		p.Add("status", "%q is not a status: use planned, active, discontinued, recalled or withdrawn", q.Status)
	}
	if q.Kind != "" && !bad["kind"] && !accord.Kinds.Has(q.Kind) {
		p.Add("kind", "%q is not a kind: use system or model", q.Kind)
	}
	if q.BuiltOn != "" && !bad["built_on"] && !isID(q.BuiltOn) {
		p.Add("built_on", "%q is not a registry id (e.g. sys_2a9fk3m8tq4zx7bc5d6e)", q.BuiltOn)
	}
	if q.Provider != "" && !bad["provider"] && !isID(q.Provider) {
		p.Add("provider", "%q is not an organization id (e.g. org_2a9fk3m8tq4zx7bc5d6e)", q.Provider)
	}
	if q.Node != "" && !validNodeName(q.Node) {
		p.Add("node", "%q is not a member name (letters, digits and . - _ : / only)", q.Node)
	}
	if q.Limit < 0 || q.Limit > 100 {
		p.Add("limit", "must be between 1 and 100")
	}
	for _, f := range [][2]string{{"framework", q.Framework}, {"tier", q.Tier}} {
		if !bad[f[0]] && (len(f[1]) > 64 || strings.ContainsAny(f[1], " \":")) {
			p.Add(f[0], "%q is not a framework or tier id", f[1])
		}
	}
	return p.Err()
}

// maxQueryLen bounds a search's text, in characters.
const maxQueryLen = 500

// isID reports whether s has the shape of a registry id (newID): a lower-case
// prefix, "_", lower-case letters and digits. Ids made elsewhere (tests,
// imports) also use "-".
func isID(s string) bool {
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isDomainArea(a string) bool {
	for _, d := range accord.Domains {
		if area, _, ok := strings.Cut(d.Code, "."); ok && area == a {
			return true
		}
	}
	return false
}

// FacetCounts counts facet values among the systems a query matches (for
// search facets and the home page's figures).
func (s *Service) FacetCounts(ctx context.Context, q accord.SystemQuery, names ...string) (map[string]int, error) {
	q.Cursor, q.Limit = "", 0
	q = s.localNode(q)
	if err := validQuery(q); err != nil {
		return nil, err
	}
	var m map[string]int
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		m, err = tx.FacetCounts(ctx, q, names)
		return err
	})
	return m, err
}

// validNodeName checks a member name as a filter: the characters peer
// names may have, and '/' (a node's own name defaults to its log's
// origin), at most 255 of them.
func validNodeName(s string) bool {
	if len(s) > 255 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_:/", r)) {
			return false
		}
	}
	return true
}

// checkBuiltOn checks the model a system names: a record of this node's
// must exist and be a model; a record of another member's must be a model
// if it is mirrored here, and may not be mirrored yet (the member may be
// new, or its log behind), so it is taken as named.
func (s *Service) checkBuiltOn(ctx context.Context, tx accord.ReadTx, ref *accord.ModelRef) error {
	if ref == nil {
		return nil
	}
	local := ref.Node == "" || ref.Node == s.member
	sys, v, err := readVersion(ctx, tx, ref.System, 0)
	switch {
	case accord.ErrorCode(err) == accord.ENotFound && local:
		return accord.FieldErrorf("built_on.system", "no record %s on this node: give the id of a model filed here, or the member (built_on.node) whose node holds it", ref.System)
	case accord.ErrorCode(err) == accord.ENotFound:
		return nil
	case err != nil:
		return err
	}
	if !local && sys.Home != ref.Node {
		return accord.FieldErrorf("built_on.node", "record %s is held by %s, not %s", ref.System, memberName(sys.Home, s.member), ref.Node)
	}
	if v.Filing.Kind != accord.KindModel {
		return accord.FieldErrorf("built_on.system", "%s is an AI system, not a general-purpose model (kind: model): a system is built on a model", ref.System)
	}
	return nil
}

func memberName(home, self string) string {
	if home == "" {
		return self
	}
	return home
}

package governance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
	"github.com/accord-gov/accord/tlog"
)

// Service runs governance at one node. Its methods are safe for
// concurrent use.
type Service struct {
	store    accord.Store
	log      *tlog.Log
	reg      *registry.Service
	origin   string
	now      func() time.Time
	logger   *slog.Logger
	interval time.Duration
	settle   time.Duration

	mu         sync.Mutex
	applied    map[string]bool // proposals whose adopted pack this node loaded (or kept out, opting out)
	optOut     map[string]bool
	impacts    map[string]*impactRun // impact previews, by proposal: the last computed (or the first, running)
	refreshing map[string]*impactRun // a newer one being computed

	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{}
}

// Config configures a Service.
type Config struct {
	Store    accord.Store
	Log      *tlog.Log
	Registry *registry.Service // its packs are the versions in force; adoption replaces them
	Now      func() time.Time
	Logger   *slog.Logger
	// Interval is how often the node reads its peers' mirrored logs for
	// governance entries, seals closed proposals and decides them
	// (default 500 ms).
	Interval time.Duration
	// Settle is how long after a proposal's close a node waits for every
	// member's seal before it decides with the seals it holds (default 1 h).
	Settle time.Duration
}

// New returns a governance service; Start runs its background work.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, log: cfg.Log, reg: cfg.Registry, origin: cfg.Log.Origin(), now: cfg.Now, logger: cfg.Logger,
		interval: cfg.Interval, settle: cfg.Settle, applied: map[string]bool{}, optOut: map[string]bool{}, wake: make(chan struct{}, 1)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.interval <= 0 {
		s.interval = 500 * time.Millisecond
	}
	if s.settle <= 0 {
		s.settle = time.Hour
	}
	return s
}

// Start loads the packs adopted before a restart and starts the loop that
// reads peers' governance entries, seals and decides closed proposals and
// loads adopted packs.
func (s *Service) Start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	if err := s.rebuild(ctx); err != nil {
		s.logger.Warn("governance: rebuild from the log", "err", err)
	}
	if err := s.apply(ctx); err != nil {
		s.logger.Warn("governance: load adopted packs", "err", err)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(s.interval)
		defer t.Stop()
		for {
			if err := s.Step(ctx); err != nil && ctx.Err() == nil {
				s.logger.Warn("governance", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-s.wake:
			}
		}
	}()
}

// Close stops the background work.
func (s *Service) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Step does one round of the background work: read the peers' new
// governance entries, seal and decide what closed, load what was adopted.
func (s *Service) Step(ctx context.Context) error {
	return errors.Join(s.ingest(ctx), s.closeDue(ctx), s.apply(ctx))
}

func requireAdmin(c *registry.Caller, what string) error {
	if c == nil {
		return accord.Errorf(accord.EUnauthorized, "%s needs the node's admin token: send Authorization: Bearer <token>", what)
	}
	if !c.Admin() {
		return accord.Errorf(accord.EForbidden, "only the node's admin %s, for its member", what)
	}
	return nil
}

// charters reads the installed charters, newest last.
func charters(ctx context.Context, tx accord.ReadTx) ([]accord.SignedCharter, error) {
	return tx.Charters(ctx)
}

// current returns the charter in force (the newest installed); ENotFound
// when none is.
func current(ctx context.Context, tx accord.ReadTx) (*accord.SignedCharter, error) {
	cs, err := charters(ctx, tx)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, accord.Errorf(accord.ENotFound, "no charter is installed at this node (accord governance charter install)")
	}
	return &cs[len(cs)-1], nil
}

// charterOf returns the installed charter of a version.
func charterOf(ctx context.Context, tx accord.ReadTx, version int, hash string) (*accord.Charter, error) {
	cs, err := charters(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Charter.Version == version && (hash == "" || c.Hash == hash) {
			return &c.Charter, nil
		}
	}
	return nil, accord.Errorf(accord.ENotFound, "charter version %d (sha256 %s) is not installed at this node", version, hash)
}

// Charter returns the charter in force.
func (s *Service) Charter(ctx context.Context) (*accord.SignedCharter, error) {
	var c *accord.SignedCharter
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		c, err = current(ctx, tx)
		return err
	})
	return c, err
}

// Charters lists every charter installed, oldest first.
func (s *Service) Charters(ctx context.Context) ([]accord.SignedCharter, error) {
	var cs []accord.SignedCharter
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		cs, err = charters(ctx, tx)
		return err
	})
	return cs, err
}

func event(typ, record string, version int, at time.Time, g accord.GovernanceEvent) ([]byte, error) {
	g.V = 1
	c, err := accord.Canonical(g)
	if err != nil {
		return nil, err
	}
	e := accord.LogEvent{Type: typ, Record: record, Version: version, Time: accord.LogTime(at), Org: "admin", Content: c}.Bytes()
	if len(e) > accord.MaxLogEntry {
		return nil, accord.Errorf(accord.ETooLarge, "the %s entry would be %d bytes; the log's limit is %d", typ, len(e), accord.MaxLogEntry)
	}
	return e, nil
}

// InstallCharter installs the next charter: the first must be signed by
// all its members, the next by enough members under both the charter in
// force and itself. One charter.installed entry.
func (s *Service) InstallCharter(ctx context.Context, c *registry.Caller, req accord.CharterInstall) (*accord.GovernanceReceipt, error) {
	if err := requireAdmin(c, "installs a charter"); err != nil {
		return nil, err
	}
	next, err := ParseCharter([]byte(req.Charter))
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var sc *accord.SignedCharter
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, index int64) ([][]byte, error) {
		var prev *accord.Charter
		if cur, err := current(ctx, tx); err == nil {
			prev = &cur.Charter
		} else if accord.ErrorCode(err) != accord.ENotFound {
			return nil, err
		}
		var err error
		if sc, err = VerifyCharter(prev, next, req.Signatures); err != nil {
			return nil, err
		}
		sc.Installed, sc.LogIndex = now, index
		if err := tx.PutCharter(ctx, *sc); err != nil {
			return nil, err
		}
		if err := tx.SetMeta(ctx, metaGoverned, []byte("1")); err != nil {
			return nil, err
		}
		e, err := event(accord.LogCharterInstalled, fmt.Sprintf("charter-%d", sc.Charter.Version), sc.Charter.Version, now, accord.GovernanceEvent{Charter: sc})
		if err != nil {
			return nil, err
		}
		return [][]byte{e}, nil
	})
	if err != nil {
		return nil, err
	}
	return &accord.GovernanceReceipt{ID: fmt.Sprintf("charter-%d", sc.Charter.Version), Receipts: rs}, nil
}

// partSize is how much of a proposed pack's YAML one proposal.pack entry
// carries: JSON escaping at most doubles it, well under the entry limit.
const partSize = 30000

// splitParts cuts data into parts of at most partSize bytes, on UTF-8
// boundaries.
func splitParts(data string) []string {
	var out []string
	for len(data) > 0 {
		n := min(partSize, len(data))
		for n < len(data) && n > 0 && !utf8.RuneStart(data[n]) {
			n--
		}
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// loadPack validates a pack's YAML as the node validates its own packs,
// linked to the node's baseline.
func (s *Service) loadPack(name string, data []byte) (*rules.Pack, error) {
	p, err := rules.Load(name, data)
	if err != nil {
		return nil, err
	}
	packs := s.reg.Packs()
	if len(packs) == 0 || !packs[0].IsBaseline() {
		return nil, errors.New("this node has no baseline pack to check the proposed pack against")
	}
	if err := rules.Link(p, packs[0]); err != nil {
		return nil, err
	}
	return p, nil
}

// Propose files a proposal of this node's member: the proposed pack's YAML
// in proposal.pack entries and the proposal in a proposal.filed entry, in
// one write.
func (s *Service) Propose(ctx context.Context, c *registry.Caller, req accord.NewProposal) (*accord.GovernanceReceipt, error) {
	if err := requireAdmin(c, "files a proposal"); err != nil {
		return nil, err
	}
	var p accord.Problems
	title := req.Title.Check("title", accord.Line, true, 300, &p)
	rationale := req.Rationale.Check("rationale", accord.LongText, true, accord.MaxTextLen, &p)
	var proposed *rules.Pack
	switch req.Kind {
	case accord.KindAmendPack, accord.KindAddPack:
		if req.PackYAML == "" {
			p.Add("pack_yaml", "is required: the whole proposed version of the pack")
		} else if len(req.PackYAML) > 4<<20 {
			p.Add("pack_yaml", "is %d bytes; the limit is %d", len(req.PackYAML), 4<<20)
		} else if pk, err := s.loadPack("proposed.yaml", []byte(req.PackYAML)); err != nil {
			p.Add("pack_yaml", "is not a valid pack: %v", err)
		} else {
			proposed = pk
			if req.Pack == "" {
				req.Pack = pk.ID
			} else if req.Pack != pk.ID {
				p.Add("pack", "%q, but the proposed pack's id is %q", req.Pack, pk.ID)
			}
		}
	case accord.KindRetirePack:
		if req.PackYAML != "" {
			p.Add("pack_yaml", "a proposal to retire a pack proposes no new version")
		}
	case "":
		p.Add("kind", "is required (%s)", strings.Join([]string{accord.KindAmendPack, accord.KindAddPack, accord.KindRetirePack}, ", "))
	default:
		if accord.ValidDecisionKind(req.Kind) {
			p.Add("kind", "%q proposals are not built yet: this node files amend-pack, add-pack and retire-pack (a charter changes by accord governance charter install, under both charters' thresholds)", req.Kind)
		} else {
			p.Add("kind", "%q is not a kind of decision (%s)", req.Kind, strings.Join(accord.DecisionKinds, ", "))
		}
	}
	var base *rules.Pack
	if req.Pack != "" {
		for _, pk := range s.reg.Packs() {
			if pk.ID == req.Pack {
				base = pk
			}
		}
		switch {
		case base != nil && base.IsBaseline():
			p.Add("pack", "the baseline pack is the common scale; it is not amended by proposals yet")
		case req.Kind == accord.KindAddPack && base != nil:
			p.Add("pack", "%q is in force already: propose amend-pack against its hash %s", req.Pack, base.Hash)
		case req.Kind != accord.KindAddPack && base == nil:
			p.Add("pack", "%q is not a pack in force at this node", req.Pack)
		case req.Kind != accord.KindAddPack && req.BaseHash == "":
			p.Add("base_hash", "is required: the hash of the version in force, %s", base.Hash)
		case proposed != nil && base != nil && proposed.Hash == base.Hash:
			p.Add("pack_yaml", "is the version in force itself: a proposal must change something")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if base != nil && req.BaseHash != base.Hash {
		return nil, &accord.Error{Code: accord.EConflict, Message: "base_hash: the proposal is against a stale version: the version in force is " + base.Version + ", sha256 " + base.Hash,
			Fields: []accord.FieldError{{Field: "base_hash", Message: "is not the version in force (" + base.Hash + ")"}}}
	}
	now := s.now().UTC()
	parts := splitParts(req.PackYAML)
	var id string
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		sc, err := current(ctx, tx)
		if err != nil {
			return nil, err
		}
		member, ok := sc.Charter.MemberByOrigin(s.origin)
		if !ok {
			return nil, accord.Errorf(accord.EForbidden, "this node (%s) is no member's node under charter %d", s.origin, sc.Charter.Version)
		}
		rule := sc.Charter.Rules[req.Kind]
		cp, _ := rule.CommentPeriod.Duration()
		vp, _ := rule.VotingPeriod.Duration()
		content := accord.ProposalContent{Kind: req.Kind, Proposer: member.ID, Pack: req.Pack, Title: title, Rationale: rationale,
			CharterVersion: sc.Charter.Version, CharterHash: sc.Hash, Rule: rule,
			Filed: accord.LogTime(now), CommentsClose: accord.LogTime(now.Add(cp)), Closes: accord.LogTime(now.Add(cp + vp))}
		if base != nil {
			content.BaseHash, content.BaseVersion = base.Hash, base.Version
		}
		if proposed != nil {
			content.ProposedHash, content.ProposedVersion, content.ProposedSize = proposed.Hash, proposed.Version, len(req.PackYAML)
		}
		index := next + int64(len(parts))
		id = accord.ProposalID(s.origin, index)
		hash, err := content.Hash()
		if err != nil {
			return nil, err
		}
		prop := accord.Proposal{ID: id, ContentHash: hash, Content: content, Origin: s.origin, LogIndex: index}
		var entries [][]byte
		for i, part := range parts {
			e, err := event(accord.LogProposalPack, id, i+1, now, accord.GovernanceEvent{Part: i, Parts: len(parts), Hash: proposed.Hash, Data: part})
			if err != nil {
				return nil, err
			}
			entries = append(entries, e)
		}
		e, err := event(accord.LogProposalFiled, id, 1, now, accord.GovernanceEvent{Proposal: &content})
		if err != nil {
			return nil, err
		}
		if proposed != nil {
			if err := tx.PutProposalPack(ctx, proposed.Hash, []byte(req.PackYAML)); err != nil {
				return nil, err
			}
		}
		if err := tx.CreateProposal(ctx, prop); err != nil {
			return nil, err
		}
		return append(entries, e), nil
	})
	if err != nil {
		return nil, err
	}
	return &accord.GovernanceReceipt{ID: id, Receipts: rs}, nil
}

// proposal reads a proposal; ENotFound.
func proposal(ctx context.Context, tx accord.ReadTx, id string) (*accord.Proposal, error) {
	if !strings.HasPrefix(id, "p-") || len(id) > 64 {
		return nil, accord.Errorf(accord.ENotFound, "proposal %q not found", id)
	}
	return tx.Proposal(ctx, id)
}

// Comment adds a comment during the comment period: by the node's admin
// for its member, or by an organization registered at this node.
func (s *Service) Comment(ctx context.Context, c *registry.Caller, id string, req accord.NewComment) (*accord.GovernanceReceipt, error) {
	if c == nil {
		return nil, accord.Errorf(accord.EUnauthorized, "commenting needs a token: the node's admin (for its member) or an organization's")
	}
	var p accord.Problems
	text := req.Text.Check("text", accord.LongText, true, accord.MaxTextLen, &p)
	if req.Parent != "" && (!strings.HasPrefix(req.Parent, "c-") || len(req.Parent) > 64) {
		p.Add("parent", "%q is not a comment id", req.Parent)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var cid string
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, index int64) ([][]byte, error) {
		prop, err := proposal(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if accord.LogTime(now) >= prop.Content.CommentsClose {
			return nil, accord.Errorf(accord.EConflict, "the comment period of %s closed at %s", id, prop.Content.CommentsClose)
		}
		author := c.Org()
		if c.Admin() {
			sc, err := current(ctx, tx)
			if err != nil {
				return nil, err
			}
			m, ok := sc.Charter.MemberByOrigin(s.origin)
			if !ok {
				return nil, accord.Errorf(accord.EForbidden, "this node is no member's node: its admin comments for no member")
			}
			author = m.ID
		}
		if req.Parent != "" {
			cs, err := tx.Comments(ctx, id)
			if err != nil {
				return nil, err
			}
			if !slices.ContainsFunc(cs, func(x accord.Comment) bool { return x.ID == req.Parent }) {
				return nil, accord.FieldErrorf("parent", "%q is no comment on %s", req.Parent, id)
			}
		}
		cid = commentID(s.origin, index)
		cm := accord.Comment{ID: cid, Proposal: id, Parent: req.Parent, Author: author, Text: text, Time: accord.LogTime(now), Origin: s.origin, LogIndex: index}
		if err := tx.AddComment(ctx, cm); err != nil {
			return nil, err
		}
		e, err := event(accord.LogProposalComment, id, 1, now, accord.GovernanceEvent{Comment: &cm})
		if err != nil {
			return nil, err
		}
		return [][]byte{e}, nil
	})
	if err != nil {
		return nil, err
	}
	return &accord.GovernanceReceipt{ID: cid, Receipts: rs}, nil
}

func commentID(origin string, index int64) string {
	return "c-" + strings.TrimPrefix(accord.ProposalID(origin, index), "p-")
}

// Vote records this node's member's signed ballot: one vote.cast entry.
// A member may vote again until the close; its last ballot counts.
func (s *Service) Vote(ctx context.Context, c *registry.Caller, id string, req accord.NewBallot) (*accord.GovernanceReceipt, error) {
	if err := requireAdmin(c, "casts its member's ballot"); err != nil {
		return nil, err
	}
	var p accord.Problems
	switch req.Choice {
	case accord.Approve, accord.Disapprove, accord.Abstain:
	case "":
		p.Add("choice", "is required: approve, disapprove or abstain")
	default:
		p.Add("choice", "%q is not approve, disapprove or abstain", req.Choice)
	}
	reasons := req.Reasons.Check("reasons", accord.LongText, req.Choice == accord.Disapprove, accord.MaxTextLen, &p)
	if req.OptOut && req.Choice != accord.Disapprove {
		p.Add("opt_out", "only a member that disapproves may opt out")
	}
	if req.Note == "" {
		p.Add("note", "is required: the ballot signed with the member's vote key (accord governance vote signs it)")
	} else if len(req.Note) > 4096 {
		p.Add("note", "is longer than 4096 bytes")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, index int64) ([][]byte, error) {
		prop, err := proposal(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		ch, err := charterOf(ctx, tx, prop.Content.CharterVersion, prop.Content.CharterHash)
		if err != nil {
			return nil, err
		}
		m, ok := ch.MemberByOrigin(s.origin)
		if !ok {
			return nil, accord.Errorf(accord.EForbidden, "this node (%s) is no member's node under charter %d: it logs no ballots", s.origin, ch.Version)
		}
		t := accord.LogTime(now)
		switch {
		case t < prop.Content.CommentsClose:
			return nil, accord.Errorf(accord.EConflict, "voting on %s opens at %s, when the comment period closes", id, prop.Content.CommentsClose)
		case t > prop.Content.Closes:
			return nil, accord.Errorf(accord.EConflict, "voting on %s closed at %s", id, prop.Content.Closes)
		}
		if req.OptOut && !prop.Content.Rule.OptOut {
			return nil, accord.FieldErrorf("opt_out", "the rule of %s proposals allows no opt-out", prop.Content.Kind)
		}
		seals, err := tx.Seals(ctx, id)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(seals, func(x accord.Seal) bool { return x.Origin == s.origin }) {
			return nil, accord.Errorf(accord.EConflict, "voting on %s closed: this node sealed it", id)
		}
		text := accord.BallotNoteText(id, prop.ContentHash, m.ID, req.Choice, accord.TextHash(reasons), req.OptOut)
		if !verifyNote(req.Note, text, m.VoteKey) {
			return nil, accord.FieldErrorf("note", "is not %s's vote key's signature over this ballot (proposal %s, content sha256 %s, choice %s, these reasons): was it signed for another proposal, content or choice, or with another key?", m.ID, id, prop.ContentHash, req.Choice)
		}
		b := accord.Ballot{Proposal: id, ContentHash: prop.ContentHash, Member: m.ID, Choice: req.Choice, Reasons: reasons, OptOut: req.OptOut,
			Note: req.Note, Time: t, Origin: s.origin, LogIndex: index}
		if err := tx.AddBallot(ctx, b); err != nil {
			return nil, err
		}
		e, err := event(accord.LogVoteCast, id, 1, now, accord.GovernanceEvent{Ballot: &b})
		if err != nil {
			return nil, err
		}
		return [][]byte{e}, nil
	})
	if err != nil {
		return nil, err
	}
	return &accord.GovernanceReceipt{ID: id, Receipts: rs}, nil
}

// records is what a node holds of one proposal.
type records struct {
	prop      *accord.Proposal
	charter   *accord.Charter
	ballots   []accord.Ballot
	comments  []accord.Comment
	seals     []accord.Seal
	decisions []accord.Decision
}

func readRecords(ctx context.Context, tx accord.ReadTx, id string) (*records, error) {
	r := &records{}
	var err error
	if r.prop, err = proposal(ctx, tx, id); err != nil {
		return nil, err
	}
	if r.charter, err = charterOf(ctx, tx, r.prop.Content.CharterVersion, r.prop.Content.CharterHash); err != nil {
		return nil, err
	}
	if err := validUnder(r.charter, r.prop); err != nil {
		return nil, err
	}
	if r.ballots, err = tx.Ballots(ctx, id); err != nil {
		return nil, err
	}
	if r.comments, err = tx.Comments(ctx, id); err != nil {
		return nil, err
	}
	if r.seals, err = tx.Seals(ctx, id); err != nil {
		return nil, err
	}
	if r.decisions, err = tx.Decisions(ctx, id); err != nil {
		return nil, err
	}
	return r, nil
}

// validUnder checks a proposal against the charter it names: its
// proposer is a member whose node logged it, and the rule it carries is
// the charter's for its kind (a node cannot file under a laxer rule).
func validUnder(c *accord.Charter, p *accord.Proposal) error {
	m, ok := c.Member(p.Content.Proposer)
	switch {
	case !ok:
		return accord.Errorf(accord.EConflict, "proposal %s: its proposer %s is no member under charter %d", p.ID, p.Content.Proposer, c.Version)
	case m.Origin != p.Origin:
		return accord.Errorf(accord.EConflict, "proposal %s was logged at %s, not at its proposer %s's node", p.ID, p.Origin, m.ID)
	case p.Content.Rule != c.Rules[p.Content.Kind]:
		return accord.Errorf(accord.EConflict, "proposal %s carries another rule than charter %d's for %s", p.ID, c.Version, p.Content.Kind)
	}
	return nil
}

// status computes a proposal's status from its records at time now.
func (s *Service) status(r *records, now time.Time) string {
	t := accord.LogTime(now)
	switch {
	case t < r.prop.Content.CommentsClose:
		return accord.StatusComment
	case t <= r.prop.Content.Closes:
		return accord.StatusVoting
	}
	// A member's node decides first; a node of no member (an observer)
	// only reads the members' decisions.
	_, member := r.charter.MemberByOrigin(s.origin)
	own := slices.IndexFunc(r.decisions, func(d accord.Decision) bool { return d.Origin == s.origin })
	if member && own < 0 {
		return accord.StatusClosed
	}
	if st := agreed(r.charter, r.decisions); st != accord.StatusDecided || member {
		return st
	}
	if len(r.decisions) == 0 {
		return accord.StatusClosed
	}
	return accord.StatusDecided
}

// agreed says what the members' nodes' decisions come to: adopted or
// rejected when every member's node logged the same result, disputed
// when two differ, decided while some are missing.
func agreed(c *accord.Charter, ds []accord.Decision) string {
	var first *accord.Decision
	have := 0
	for i, d := range ds {
		m, ok := c.Member(d.Member)
		if !ok || m.Origin != d.Origin {
			continue
		}
		have++
		if first == nil {
			first = &ds[i]
		} else if !sameResult(*first, d) {
			return accord.StatusDisputed
		}
	}
	switch {
	case first == nil || have < len(c.Members):
		return accord.StatusDecided
	case first.Outcome == accord.OutcomeAdopted:
		return accord.StatusAdopted
	default:
		return accord.StatusRejected
	}
}

// sameResult compares two nodes' decisions: outcome, content and every
// ballot counted.
func sameResult(a, b accord.Decision) bool {
	if a.Outcome != b.Outcome || a.ContentHash != b.ContentHash || len(a.Tally.Counted) != len(b.Tally.Counted) {
		return false
	}
	for i, v := range a.Tally.Counted {
		w := b.Tally.Counted[i]
		if v.Member != w.Member || v.Choice != w.Choice || v.Origin != w.Origin || v.LogIndex != w.LogIndex {
			return false
		}
	}
	return true
}

// Proposal returns a proposal with its live tally and everything logged
// about it that this node holds.
func (s *Service) Proposal(ctx context.Context, id string) (*accord.ProposalView, error) {
	var v *accord.ProposalView
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		r, err := readRecords(ctx, tx, id)
		if err != nil {
			return err
		}
		v = &accord.ProposalView{Proposal: *r.prop, Status: s.status(r, s.now()), Tally: Count(r.charter, r.prop, r.ballots, r.seals),
			Comments: r.comments, Ballots: r.ballots, Seals: r.seals, Decisions: r.decisions}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	v.InForce, v.OptedOut = s.applied[id] && !s.optOut[id], s.optOut[id]
	s.mu.Unlock()
	if v.Ballots == nil {
		v.Ballots = []accord.Ballot{}
	}
	for _, l := range []*[]accord.Comment{&v.Comments} {
		if *l == nil {
			*l = []accord.Comment{}
		}
	}
	if v.Seals == nil {
		v.Seals = []accord.Seal{}
	}
	if v.Decisions == nil {
		v.Decisions = []accord.Decision{}
	}
	return v, nil
}

// Proposals lists the proposals this node holds, newest first.
func (s *Service) Proposals(ctx context.Context) (*accord.ProposalList, error) {
	out := &accord.ProposalList{Proposals: []accord.ProposalSummary{}}
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		ps, err := tx.Proposals(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			r, err := readRecords(ctx, tx, p.ID)
			st := "unknown-charter"
			switch accord.ErrorCode(err) {
			case "":
				st = s.status(r, s.now())
			case accord.ENotFound:
			case accord.EConflict:
				st = "invalid"
			default:
				return err
			}
			out.Proposals = append(out.Proposals, accord.ProposalSummary{ID: p.ID, Kind: p.Content.Kind, Pack: p.Content.Pack, Title: p.Content.Title,
				Proposer: p.Content.Proposer, Status: st, Closes: p.Content.Closes})
		}
		return nil
	})
	return out, err
}

// ProposedPack returns the YAML of a proposal's proposed pack.
func (s *Service) ProposedPack(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		p, err := proposal(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Content.ProposedHash == "" {
			return accord.Errorf(accord.ENotFound, "proposal %s proposes no pack version", id)
		}
		data, err = tx.ProposalPack(ctx, p.Content.ProposedHash)
		return err
	})
	return data, err
}

// Diff compares a proposal's proposed pack with its base, rule by rule.
// The base is the version in force at this node when it still is the
// proposal's base; otherwise ENotFound (the node holds no older versions).
func (s *Service) Diff(ctx context.Context, id string) (*accord.PackDiff, error) {
	data, err := s.ProposedPack(ctx, id)
	if err != nil {
		return nil, err
	}
	var prop *accord.Proposal
	if err := s.store.View(ctx, func(tx accord.ReadTx) error {
		prop, err = proposal(ctx, tx, id)
		return err
	}); err != nil {
		return nil, err
	}
	proposed, err := s.loadPack(prop.Content.Pack+" (proposed)", data)
	if err != nil {
		return nil, fmt.Errorf("proposal %s: stored pack: %w", id, err)
	}
	base := &rules.Pack{ID: proposed.ID}
	if prop.Content.BaseHash != "" {
		base = s.packByHash(ctx, prop.Content.Pack, prop.Content.BaseHash)
		if base == nil {
			return nil, accord.Errorf(accord.ENotFound, "the base version %s of %s is no longer held at this node", prop.Content.BaseVersion, prop.Content.Pack)
		}
	}
	d := Diff(base, proposed)
	return &d, nil
}

// packByHash finds a version of a pack: the one in force, or one a
// proposal proposed.
func (s *Service) packByHash(ctx context.Context, id, hash string) *rules.Pack {
	for _, p := range s.reg.Packs() {
		if p.ID == id && p.Hash == hash {
			return p
		}
	}
	var data []byte
	if err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		data, err = tx.ProposalPack(ctx, hash)
		return err
	}); err != nil {
		return nil
	}
	p, err := s.loadPack(id, data)
	if err != nil || p.Hash != hash {
		return nil
	}
	return p
}

// closeDue seals the proposals that closed and this node has not sealed,
// and decides the sealed ones once every member's seal is here (or the
// settle time passed).
func (s *Service) closeDue(ctx context.Context) error {
	now := s.now().UTC()
	var seal, decide []string
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		ps, err := tx.Proposals(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if accord.LogTime(now) <= p.Content.Closes {
				continue
			}
			r, err := readRecords(ctx, tx, p.ID)
			if code := accord.ErrorCode(err); code == accord.ENotFound || code == accord.EConflict {
				continue // its charter is not installed here, or it is not valid under it
			} else if err != nil {
				return err
			}
			if _, member := r.charter.MemberByOrigin(s.origin); !member {
				continue
			}
			if slices.ContainsFunc(r.decisions, func(d accord.Decision) bool { return d.Origin == s.origin }) {
				continue
			}
			closes, _ := accord.ParseLogTime(p.Content.Closes)
			if !slices.ContainsFunc(r.seals, func(x accord.Seal) bool { return x.Origin == s.origin }) {
				// A moment after the close, so that the cosignatures of the
				// checkpoints before it are in.
				if now.After(closes.Add(sealDelay)) {
					seal = append(seal, p.ID)
				}
				continue
			}
			if allSealed(r.charter, r.seals) || now.After(closes.Add(s.settle)) {
				decide = append(decide, p.ID)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range seal {
		errs = append(errs, s.seal(ctx, id))
	}
	for _, id := range decide {
		errs = append(errs, s.decide(ctx, id))
	}
	if len(seal) > 0 {
		s.poke() // decide at once if every other seal is here
	}
	return errors.Join(errs...)
}

// sealDelay is how long after the close a node seals a proposal.
const sealDelay = time.Second

func allSealed(c *accord.Charter, seals []accord.Seal) bool {
	for _, m := range c.Members {
		if !slices.ContainsFunc(seals, func(x accord.Seal) bool { return x.Origin == m.Origin && x.Member == m.ID }) {
			return false
		}
	}
	return true
}

// seal logs this node's seal of a closed proposal.
func (s *Service) seal(ctx context.Context, id string) error {
	now := s.now().UTC()
	_, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, index int64) ([][]byte, error) {
		r, err := readRecords(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		m, _ := r.charter.MemberByOrigin(s.origin)
		sl := accord.Seal{Proposal: id, ContentHash: r.prop.ContentHash, Member: m.ID, Time: accord.LogTime(now), Origin: s.origin, LogIndex: index}
		if r.charter.Witnessed() {
			first := int64(-1)
			for _, b := range r.ballots {
				if b.Origin == s.origin && (first < 0 || b.LogIndex < first) {
					first = b.LogIndex
				}
			}
			if first >= 0 {
				if sl.Witnessed, err = evidence(ctx, tx, r.charter, m, first, index, r.prop.Content.Closes); err != nil {
					return nil, err
				}
			}
		}
		if err := tx.AddSeal(ctx, sl); err != nil {
			return nil, err
		}
		e, err := event(accord.LogProposalSealed, id, 1, now, accord.GovernanceEvent{Seal: &sl})
		if err != nil {
			return nil, err
		}
		return [][]byte{e}, nil
	})
	if accord.ErrorCode(err) == accord.EConflict {
		return nil
	}
	return err
}

// decide logs this node's decision of a sealed proposal: its tally, and
// for an adopted one the approving ballots' signatures.
func (s *Service) decide(ctx context.Context, id string) error {
	now := s.now().UTC()
	_, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, index int64) ([][]byte, error) {
		r, err := readRecords(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		m, _ := r.charter.MemberByOrigin(s.origin)
		t := Count(r.charter, r.prop, r.ballots, r.seals)
		d := accord.Decision{Proposal: id, ContentHash: r.prop.ContentHash, Outcome: accord.OutcomeRejected, Tally: t, Member: m.ID,
			Time: accord.LogTime(now), Origin: s.origin, LogIndex: index}
		if t.Passed {
			d.Outcome = accord.OutcomeAdopted
			for _, b := range r.ballots {
				for _, c := range t.Counted {
					if c.Choice == accord.Approve && c.Origin == b.Origin && c.LogIndex == b.LogIndex {
						d.Signatures = append(d.Signatures, b.Note)
					}
				}
			}
		}
		if err := tx.AddDecision(ctx, d); err != nil {
			return nil, err
		}
		e, err := event(accord.LogProposalDecided, id, 1, now, accord.GovernanceEvent{Decision: &d})
		if err != nil {
			return nil, err
		}
		return [][]byte{e}, nil
	})
	if accord.ErrorCode(err) == accord.EConflict {
		return nil
	}
	return err
}

// VerifyAdoption checks an adopted decision against the charter: every
// signature is an approving member's vote key over the proposal's ballot,
// and the approvers meet the rule on their own (no single member adopts
// anything alone).
func VerifyAdoption(c *accord.Charter, p *accord.Proposal, d accord.Decision) error {
	if d.Outcome != accord.OutcomeAdopted {
		return fmt.Errorf("proposal %s was not adopted", p.ID)
	}
	if d.ContentHash != p.ContentHash {
		return fmt.Errorf("the adoption is of content %s, not the proposal's %s", d.ContentHash, p.ContentHash)
	}
	signed := map[string]bool{}
	for _, sig := range d.Signatures {
		for _, m := range c.Members {
			if verifyNote(sig, accord.BallotNoteText(p.ID, p.ContentHash, m.ID, accord.Approve, noteReasons(sig), false), m.VoteKey) {
				signed[m.ID] = true
			}
		}
	}
	if len(signed) != d.Tally.Approve {
		return fmt.Errorf("the adoption carries %d approving members' signatures; its tally counts %d approvals", len(signed), d.Tally.Approve)
	}
	if !p.Content.Rule.Approve.AtLeast(len(signed), d.Tally.ForAgainst) || !p.Content.Rule.Quorum.AtLeast(d.Tally.Cast, len(c.Members)) || d.Tally.ForAgainst == 0 {
		return fmt.Errorf("%d approving signatures do not meet the rule (%s of votes for or against, quorum %s)", len(signed), p.Content.Rule.Approve, p.Content.Rule.Quorum)
	}
	return nil
}

// noteReasons reads the reasons hash a ballot note carries.
func noteReasons(sig string) string {
	for _, l := range strings.Split(sig, "\n") {
		if h, ok := strings.CutPrefix(l, "reasons "); ok {
			return h
		}
	}
	return ""
}

// apply loads the packs of adopted proposals this node has not loaded: a
// proposal adopted by every member's node, verified against the charter,
// whose base is still the version in force. The node's member keeps the
// previous version when it opted out. The registry then re-classifies.
func (s *Service) apply(ctx context.Context) error {
	if s.reg == nil {
		return nil
	}
	type todo struct {
		r    *records
		pack []byte
	}
	var list []todo
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		ps, err := tx.Proposals(ctx)
		if err != nil {
			return err
		}
		slices.Reverse(ps) // oldest first: adoptions apply in order
		for _, p := range ps {
			s.mu.Lock()
			done := s.applied[p.ID]
			s.mu.Unlock()
			if done {
				continue
			}
			r, err := readRecords(ctx, tx, p.ID)
			if code := accord.ErrorCode(err); code == accord.ENotFound || code == accord.EConflict {
				continue
			} else if err != nil {
				return err
			}
			if s.status(r, s.now()) != accord.StatusAdopted {
				continue
			}
			var data []byte
			if p.Content.ProposedHash != "" {
				if data, err = tx.ProposalPack(ctx, p.Content.ProposedHash); err != nil {
					return err
				}
			}
			list = append(list, todo{r, data})
		}
		return nil
	})
	if err != nil {
		return err
	}
	changed := false
	for _, t := range list {
		p := t.r.prop
		own := slices.IndexFunc(t.r.decisions, func(d accord.Decision) bool { return d.Origin == s.origin })
		if own < 0 {
			own = 0 // a node of no member: the members' decisions agree, any will do
		}
		if err := VerifyAdoption(t.r.charter, p, t.r.decisions[own]); err != nil {
			s.logger.Warn("governance: adoption does not verify; the pack is not loaded", "proposal", p.ID, "err", err)
			s.markApplied(p.ID, false)
			continue
		}
		m, _ := t.r.charter.MemberByOrigin(s.origin)
		if slices.Contains(t.r.decisions[own].Tally.OptedOut, m.ID) {
			s.logger.Info("governance: this member opted out; it keeps the previous version", "proposal", p.ID, "pack", p.Content.Pack)
			s.markApplied(p.ID, true)
			continue
		}
		packs := slices.Clone(s.reg.Packs())
		i := slices.IndexFunc(packs, func(x *rules.Pack) bool { return x.ID == p.Content.Pack })
		if p.Content.Kind != accord.KindAddPack && (i < 0 || packs[i].Hash != p.Content.BaseHash) {
			s.logger.Warn("governance: adopted proposal's base is no longer in force; not loaded", "proposal", p.ID)
			s.markApplied(p.ID, false)
			continue
		}
		switch p.Content.Kind {
		case accord.KindRetirePack:
			packs = slices.Delete(packs, i, i+1)
		default:
			pk, err := s.loadPack(p.Content.Pack+" (adopted by "+p.ID+")", t.pack)
			if err != nil || pk.Hash != p.Content.ProposedHash {
				s.logger.Warn("governance: adopted pack does not load", "proposal", p.ID, "err", err)
				s.markApplied(p.ID, false)
				continue
			}
			if i >= 0 {
				packs[i] = pk
			} else {
				packs = append(packs, pk)
				slices.SortStableFunc(packs[1:], func(a, b *rules.Pack) int { return strings.Compare(a.ID, b.ID) })
			}
		}
		s.reg.SetPacks(packs)
		s.markApplied(p.ID, false)
		changed = true
		s.logger.Info("governance: adopted pack in force", "proposal", p.ID, "pack", p.Content.Pack, "version", p.Content.ProposedVersion)
	}
	if changed {
		st, err := s.reg.Reclassify(ctx, s.now())
		if err != nil {
			return fmt.Errorf("re-classify after adoption: %w", err)
		}
		s.logger.Info("governance: re-classified", "systems", st.Systems, "changed", st.Changed)
	}
	return nil
}

func (s *Service) markApplied(id string, optOut bool) {
	s.mu.Lock()
	s.applied[id] = true
	if optOut {
		s.optOut[id] = true
	}
	s.mu.Unlock()
}

// PackVersions lists the versions of the rule packs at this node: those in
// force (shipped or adopted) and every one a proposal adopted, oldest
// adoption first, with the adoption record.
func (s *Service) PackVersions(ctx context.Context) ([]accord.PackVersion, error) {
	inForce := map[string]bool{}
	for _, p := range s.reg.Packs() {
		inForce[p.Hash] = true
	}
	adopted := map[string]bool{}
	var out []accord.PackVersion
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		ps, err := tx.Proposals(ctx)
		if err != nil {
			return err
		}
		slices.Reverse(ps)
		for _, p := range ps {
			r, err := readRecords(ctx, tx, p.ID)
			if code := accord.ErrorCode(err); code == accord.ENotFound || code == accord.EConflict {
				continue
			} else if err != nil {
				return err
			}
			if s.status(r, s.now()) != accord.StatusAdopted || p.Content.ProposedHash == "" {
				continue
			}
			own := slices.IndexFunc(r.decisions, func(d accord.Decision) bool { return d.Origin == s.origin })
			v := accord.PackVersion{Pack: p.Content.Pack, Version: p.Content.ProposedVersion, Hash: p.Content.ProposedHash,
				InForce: inForce[p.Content.ProposedHash], Proposal: p.ID}
			if own >= 0 {
				v.Adopted, v.Approvers = r.decisions[own].Time, r.decisions[own].Tally.Approvers
			}
			s.mu.Lock()
			v.OptedOut = s.optOut[p.ID]
			s.mu.Unlock()
			adopted[v.Hash] = true
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range s.reg.Packs() {
		if !adopted[p.Hash] {
			out = append([]accord.PackVersion{{Pack: p.ID, Version: p.Version, Hash: p.Hash, InForce: true}}, out...)
		}
	}
	return out, nil
}

// metaGoverned marks a node whose log holds governance entries (set with
// the first charter). A store moved by accord migrate-store carries its
// log and meta but not governance's tables: at start, a node so marked
// that holds no charter rebuilds its own records from its own log (the
// peers' come back from the mirrored tiles, whose cursors start again).
const metaGoverned = "governance.logged"

// rebuild replays this node's own governance entries into the store when
// it is marked governed and holds no charter.
func (s *Service) rebuild(ctx context.Context) error {
	var size int64
	need := false
	if err := s.store.View(ctx, func(tx accord.ReadTx) error {
		m, err := tx.Meta(ctx, metaGoverned)
		if accord.ErrorCode(err) == accord.ENotFound || (err == nil && len(m) == 0) {
			return nil
		} else if err != nil {
			return err
		}
		cs, err := tx.Charters(ctx)
		if err != nil {
			return err
		}
		need = len(cs) == 0
		size, err = tx.LogSize(ctx)
		return err
	}); err != nil || !need {
		return err
	}
	s.logger.Info("governance: rebuilding this node's records from its log", "entries", size)
	var pending [][]byte // a proposal's pack parts, until its proposal.filed
	for from := int64(0); from < size; from += 1024 {
		var entries [][]byte
		if err := s.store.View(ctx, func(tx accord.ReadTx) error {
			var err error
			entries, err = tx.ReadEntries(ctx, from, min(size, from+1024))
			return err
		}); err != nil {
			return err
		}
		var writes []func(context.Context, accord.WriteTx) error
		for i, e := range entries {
			index := from + int64(i)
			d, err := accord.DecodeLogEntry(e, false)
			if err != nil {
				continue
			}
			g, ok := d.Value.(*accord.GovernanceEvent)
			if !ok {
				continue
			}
			switch d.Type {
			case accord.LogCharterInstalled:
				c := *g.Charter
				c.LogIndex = index
				writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error { return tx.PutCharter(ctx, c) })
			case accord.LogProposalPack:
				pending = append(pending, []byte(g.Data))
			case accord.LogProposalFiled:
				var pack []byte
				for _, p := range pending {
					pack = append(pack, p...)
				}
				pending = nil
				if len(pack) == 0 {
					pack = nil
				}
				if w := s.foreignProposal(s.origin, index, d.Record, g.Proposal, pack); w != nil {
					writes = append(writes, w)
				}
			case accord.LogProposalComment:
				c := *g.Comment
				writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error { return tx.AddComment(ctx, c) })
			case accord.LogVoteCast:
				b := *g.Ballot
				writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error { return tx.AddBallot(ctx, b) })
			case accord.LogProposalSealed:
				sl := *g.Seal
				writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error { return tx.AddSeal(ctx, sl) })
			case accord.LogProposalDecided:
				dc := *g.Decision
				writes = append(writes, func(ctx context.Context, tx accord.WriteTx) error { return tx.AddDecision(ctx, dc) })
			}
		}
		if len(writes) == 0 {
			continue
		}
		if err := s.store.Update(ctx, func(tx accord.WriteTx) error {
			for _, w := range writes {
				err := tx.Savepoint(ctx, func() error { return w(ctx, tx) })
				if err != nil && accord.ErrorCode(err) != accord.EConflict {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

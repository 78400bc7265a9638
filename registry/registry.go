// Package registry is the node's service layer: it validates requests,
// authorises callers, and turns every accepted write into one log operation,
// so the record and its log entry commit in one transaction (see tlog.Log).
package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/rules"
	"github.com/accord-gov/accord/tlog"
)

// Service is the registry. Its methods are safe for concurrent use.
type Service struct {
	store  accord.Store
	log    *tlog.Log
	now    func() time.Time
	logger *slog.Logger
	packs  atomic.Pointer[[]*rules.Pack]
	// receiptCheckpoint: see Config.ReceiptCheckpoint
	receiptCheckpoint func(ctx context.Context, tx accord.ReadTx, index int64) ([]byte, error)
	member            string
	proveForeign      func(ctx context.Context, tx accord.ReadTx, home string, index int64) (*accord.HomeNode, *accord.Receipt, error)
	orgs              sync.Map // organization id → *accord.Organization (immutable)
}

// Config configures a Service.
type Config struct {
	Store  accord.Store
	Log    *tlog.Log
	Now    func() time.Time // default time.Now
	Logger *slog.Logger
	// Packs are the rule packs every new version is classified under
	// (baseline first, as frameworks.Packs returns them); none: no classification.
	Packs []*rules.Pack
	// ReceiptCheckpoint, if set, picks the signed checkpoint a fresh receipt
	// for the entry at index proves against (the federation's: the newest
	// one witnesses cosigned, with their cosignatures); nil means the latest.
	ReceiptCheckpoint func(ctx context.Context, tx accord.ReadTx, index int64) ([]byte, error)
	// Member is this node's member name in the federation: the home that
	// search results give its own systems, and the node= filter selecting them.
	Member string
	// ProveForeign, if set, says where a foreign record's home is and
	// proves the entry at index of its log against the latest checkpoint
	// of it the node mirrored (the federation's mirror); without it foreign
	// records have no receipt.
	ProveForeign func(ctx context.Context, tx accord.ReadTx, home string, index int64) (*accord.HomeNode, *accord.Receipt, error)
}

// New returns a registry service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, log: cfg.Log, now: cfg.Now, logger: cfg.Logger, receiptCheckpoint: cfg.ReceiptCheckpoint,
		member: cfg.Member, proveForeign: cfg.ProveForeign}
	s.packs.Store(&cfg.Packs)
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	return s
}

// Store returns the service's store, for read-only helpers.
func (s *Service) Store() accord.Store { return s.store }

// Log returns the service's log.
func (s *Service) Log() *tlog.Log { return s.log }

// Caller is who makes a request: nil for the public.
type Caller struct {
	Token   accord.Token
	OrgKind string // kind of the token's organization; "" for the admin
	// operator marks the node acting in its own process (see Operator): no
	// token row stands behind it.
	operator bool
}

// Operator is the node itself acting with admin rights from its own
// process: the demo loader, benchmarks, tests. It holds no API token, so
// its writes re-read none (see authorized) and name none in the log. Every
// caller that comes over the network has a token (Authenticate).
func Operator() *Caller {
	return &Caller{Token: accord.Token{Label: "operator", Admin: true}, operator: true}
}

// Admin reports whether the caller holds the node's admin credential.
func (c *Caller) Admin() bool { return c != nil && c.Token.Admin }

// Org is the caller's organization id ("" for the public and the admin).
func (c *Caller) Org() string {
	if c == nil {
		return ""
	}
	return c.Token.Org
}

// actor names the caller in log events.
func (c *Caller) actor() string {
	if c.Admin() {
		return "admin"
	}
	return c.Org()
}

// tokenID names the token that authorised a write in its log events.
func (c *Caller) tokenID() string {
	if c == nil || c.operator {
		return ""
	}
	return c.Token.ID
}

// SeesConfidential reports whether the caller may read the confidential
// fields of a provider's filings: the provider itself, authorities, the admin.
func (c *Caller) SeesConfidential(provider string) bool {
	if c == nil {
		return false
	}
	return c.Admin() || c.OrgKind == "authority" || (c.Org() != "" && c.Org() == provider)
}

// TokenPrefix starts every API token, so that leaked tokens are easy to scan for.
const TokenPrefix = "accord_"

// Authenticate resolves an API token to its caller. A missing token is the
// public (nil, nil); an unknown or revoked one is EUnauthorized.
func (s *Service) Authenticate(ctx context.Context, secret string) (*Caller, error) {
	if secret == "" {
		return nil, nil
	}
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, accord.Errorf(accord.EUnauthorized, "the token is not an Accord API token")
	}
	hash := TokenHash(secret)
	var c *Caller
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		tok, err := tx.TokenByHash(ctx, hash)
		if err != nil {
			if accord.ErrorCode(err) == accord.ENotFound {
				return accord.Errorf(accord.EUnauthorized, "the token is unknown to this node")
			}
			return err
		}
		if tok.Revoked != nil {
			return accord.Errorf(accord.EUnauthorized, "the token was revoked")
		}
		c = &Caller{Token: *tok}
		return nil
	})
	if err != nil || c.Token.Org == "" {
		return c, err
	}
	o, err := s.Organization(ctx, c.Token.Org) // cached: organizations never change
	if err != nil {
		return nil, err
	}
	c.OrgKind = o.Kind
	return c, nil
}

// authorized requires a caller and re-reads its token inside the write's
// transaction (RecheckToken).
func authorized(ctx context.Context, tx accord.ReadTx, c *Caller) error {
	if err := requireAuth(c); err != nil {
		return err
	}
	return RecheckToken(ctx, tx, c)
}

// RecheckToken re-reads the caller's token inside a write's transaction,
// the log's batch: Authenticate read it before the request queued, and a
// revocation may have committed since. Revoking is itself a write in a
// batch, so no entry a token authorised follows its token.revoked entry in
// the log. It is one read by primary key per write. Every capability's
// writes call it. A nil caller (the public, where an action allows it) and
// the node's own operator hold no token row and pass.
func RecheckToken(ctx context.Context, tx accord.ReadTx, c *Caller) error {
	if c == nil || c.operator {
		return nil
	}
	tok, err := tx.Token(ctx, c.Token.ID)
	switch {
	case accord.ErrorCode(err) == accord.ENotFound:
		return accord.Errorf(accord.EUnauthorized, "the token is unknown to this node")
	case err != nil:
		return err
	case tok.Revoked != nil:
		return accord.Errorf(accord.EUnauthorized, "the token was revoked")
	case tok.Org != c.Token.Org || tok.Admin != c.Token.Admin:
		return accord.Errorf(accord.EUnauthorized, "the token does not match the caller")
	}
	return nil
}

// TokenHash is how tokens are stored: SHA-256 of the secret. Tokens carry
// 256 random bits, so a fast hash is enough (no password stretching needed).
func TokenHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// NewSecret makes a new API token secret.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// idEncoding is base32 without look-alike characters (0, 1, l, o), its
// alphabet in byte order so that encoded ids sort as their bytes do.
var idEncoding = base32.NewEncoding("23456789abcdefghijkmnpqrstuvwxyz").WithPadding(base32.NoPadding)

// newID makes an id with a type prefix, e.g. sys_8xq2m9x4t3abh7k2cd5e: 48
// bits of the time in milliseconds, then 48 random bits. Ids made later sort
// later, so the databases' id indexes grow at their right edge instead of
// taking every insert at a random page (at a million systems that doubled
// the pages each filing wrote). Filing times are public anyway; 48 random
// bits keep ids unguessable, and a collision (two ids in one millisecond
// with the same random part) is refused by the store, never overwritten.
func newID(prefix string) string {
	return newIDAt(prefix, time.Now())
}

func newIDAt(prefix string, t time.Time) string {
	var b [12]byte
	ms := uint64(t.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	rand.Read(b[6:])
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// requireAuth turns a public caller into EUnauthorized.
func requireAuth(c *Caller) error {
	if c == nil {
		return accord.Errorf(accord.EUnauthorized, "this action needs an API token: send Authorization: Bearer <token>")
	}
	return nil
}

// event builds the canonical bytes of a log entry the caller authorised.
func event(typ, record string, version int, at time.Time, by *Caller, content any, commitments map[string]string) ([]byte, error) {
	c, err := accord.Canonical(content)
	if err != nil {
		return nil, err
	}
	return accord.LogEvent{Type: typ, Record: record, Version: version, Time: accord.LogTime(at), Org: by.actor(), Token: by.tokenID(), Content: c, Commitments: commitments}.Bytes(), nil
}

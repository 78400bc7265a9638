// Package consent is data-subject control: systems' notices of the
// purposes for which they use personal data, people's grants, narrowings,
// withdrawals, objections and erasure, and providers' checks, with the
// change stream, signed receipts, records of processing and statistics.
//
// Every write is one log operation through the sequencer: the record, its
// log entry (a salted commitment for a person's event; the notice itself,
// which is public) and the Merkle hashes commit together. Decisions are the
// pure accord.Decide over an in-memory index of every subject's events
// (index.go).
package consent

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/tlog"
)

// Service is consent on one node. Its methods are safe for concurrent use.
type Service struct {
	store     accord.Store
	log       *tlog.Log
	registry  *registry.Service
	secret    []byte
	signer    note.Signer
	verifier  string
	publicURL string
	logger    *slog.Logger
	now       func() time.Time
	ix        *index
	notices   sync.Map // noticeKey → *accord.ConsentNotice, decoded once
	hashes    sync.Map // purposeKey → the purpose's hash

	stop chan struct{}
	done chan struct{}
}

// Config configures a Service.
type Config struct {
	Store    accord.Store
	Log      *tlog.Log
	Registry *registry.Service
	// Key is the consent key (a note signer key, LoadOrCreateKeys) that
	// signs receipts; Secret the pseudonym secret.
	Key       string
	Secret    []byte
	PublicURL string
	Logger    *slog.Logger
	Now       func() time.Time
	// Poll is how often the index reads other nodes' writes; default
	// PollInterval, negative: never (tests of one node).
	Poll time.Duration
}

// New opens the service: it loads the index from the store and starts the poller.
func New(ctx context.Context, cfg Config) (*Service, error) {
	signer, err := note.NewSigner(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("consent key: %w", err)
	}
	vkey, err := verifierOf(cfg.Key)
	if err != nil {
		return nil, err
	}
	if len(cfg.Secret) < 32 {
		return nil, fmt.Errorf("consent: the pseudonym secret has %d bytes; at least 32", len(cfg.Secret))
	}
	s := &Service{
		store: cfg.Store, log: cfg.Log, registry: cfg.Registry, secret: cfg.Secret, signer: signer, verifier: vkey,
		publicURL: strings.TrimSuffix(cfg.PublicURL, "/"), logger: cfg.Logger, now: cfg.Now, ix: newIndex(cfg.Store),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.ix.sync(ctx, true); err != nil {
		return nil, fmt.Errorf("consent: load the index: %w", err)
	}
	poll := cfg.Poll
	if poll == 0 {
		poll = PollInterval
	}
	go s.poll(poll)
	return s, nil
}

// verifierOf derives the note verifier key of a signer key
// (PRIVATE+KEY+name+hash+key → name+hash+pubkey).
func verifierOf(skey string) (string, error) {
	v, err := tlog.VerifierKey(skey)
	if err != nil {
		return "", fmt.Errorf("consent key: %w", err)
	}
	return v, nil
}

// VerifierKey is the consent key's verifier key: receipts check against it.
func (s *Service) VerifierKey() string { return s.verifier }

// Close stops the poller.
func (s *Service) Close() {
	select {
	case <-s.stop:
		return
	default:
	}
	close(s.stop)
	<-s.done
}

func (s *Service) poll(every time.Duration) {
	defer close(s.done)
	if every < 0 {
		<-s.stop
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			n++
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := s.ix.sync(ctx, n%2 == 0); err != nil { // notices every 500 ms
				s.logger.Warn("consent: index poll", "err", err)
			}
			cancel()
		}
	}
}

// Pseudonyms.

// PseudonymPrefix starts every pseudonym.
const PseudonymPrefix = "ps1_"

// NormalIdentifier checks an identifier and returns its canonical form:
// "key:<secret>" (at least 22 characters of secret), "email:<address>"
// (lower-cased).
func NormalIdentifier(field, id string) (string, error) {
	id = strings.TrimSpace(id)
	scheme, v, ok := strings.Cut(id, ":")
	scheme = strings.ToLower(scheme)
	switch {
	case !ok || v == "" || len(id) > 320 || !utf8.ValidString(id) || strings.ContainsAny(id, " \t\r\n\x00"):
	case scheme == "key" && len(v) >= 22:
		return "key:" + v, nil
	case scheme == "email" && strings.Count(v, "@") == 1 && !strings.HasPrefix(v, "@") && !strings.HasSuffix(v, "@"):
		return "email:" + strings.ToLower(v), nil
	}
	return "", accord.FieldErrorf(field, "is not a subject identifier: use key:<a secret of at least 22 characters> or email:<address>, or a pseudonym ps1_…")
}

// Pseudonym is HMAC-SHA-256 of the canonical identifier under the node's
// secret, base64url: ps1_…. A pseudonym given as the identifier is
// returned as it is (when well formed).
func (s *Service) Pseudonym(field, id string) (string, error) {
	if strings.HasPrefix(id, PseudonymPrefix) {
		if len(id) != len(PseudonymPrefix)+43 {
			return "", accord.FieldErrorf(field, "is not a pseudonym (ps1_ and 43 base64url characters)")
		}
		if _, err := base64.RawURLEncoding.DecodeString(id[len(PseudonymPrefix):]); err != nil {
			return "", accord.FieldErrorf(field, "is not a pseudonym (ps1_ and 43 base64url characters)")
		}
		return id, nil
	}
	canon, err := NormalIdentifier(field, id)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(canon))
	return PseudonymPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// newID makes a random id with a prefix.
func newID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// eventSalt is the salt of one event's commitment, derived from the
// subject's salt: erasing the subject's salt shreds every event's.
func eventSalt(subjectSalt []byte, id string) []byte {
	m := hmac.New(sha256.New, subjectSalt)
	m.Write([]byte("accord consent event salt\x00" + id))
	return m.Sum(nil)
}

func actor(c *registry.Caller) string {
	switch {
	case c == nil:
		return "subject"
	case c.Admin():
		return "admin"
	}
	return c.Org()
}

func tokenOf(c *registry.Caller) string {
	if c == nil {
		return ""
	}
	return c.Token.ID
}

// Notices.

// PublishNotice publishes a new version of a system's notice: one
// consent.notice entry. Only the system's provider (or the admin) may.
func (s *Service) PublishNotice(ctx context.Context, c *registry.Caller, system string, req accord.NewConsentNotice) (*accord.ConsentNoticeChange, error) {
	if c == nil {
		return nil, accord.Errorf(accord.EUnauthorized, "publishing a notice needs the provider's token: send Authorization: Bearer <token>")
	}
	req, err := req.Normalize()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if req.Expires != nil && !req.Expires.After(now) {
		return nil, accord.FieldErrorf("expires", "is in the past")
	}
	var n accord.ConsentNotice
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := registry.RecheckToken(ctx, tx, c); err != nil {
			return nil, err
		}
		sys, err := tx.System(ctx, system)
		if err != nil {
			return nil, err
		}
		if !c.Admin() && c.Org() != sys.Provider {
			return nil, accord.Errorf(accord.EForbidden, "only the system's provider publishes its notice")
		}
		if sys.Home != "" {
			return nil, accord.Errorf(accord.EForbidden, "system %s is another member's (%s): its notice is published there", system, sys.Home)
		}
		if sys.Status == "withdrawn" {
			return nil, accord.Errorf(accord.EConflict, "system %s was withdrawn from the registry", system)
		}
		v, err := tx.SystemVersion(ctx, system, sys.Version)
		if err != nil {
			return nil, err
		}
		version := 1
		if old, err := tx.ConsentNotice(ctx, system, 0); err == nil {
			version = old.Version + 1
		} else if accord.ErrorCode(err) != accord.ENotFound {
			return nil, err
		}
		n = accord.ConsentNotice{
			System: system, Provider: sys.Provider, Version: version, Domains: v.Filing.Domains,
			Jurisdictions: req.Jurisdictions, Purposes: req.Purposes, Text: req.Text, Expires: req.Expires,
			Published: now, LogIndex: next,
		}
		if n.Domains == nil {
			n.Domains = []string{}
		}
		if err := tx.AddConsentNotice(ctx, n); err != nil {
			return nil, err
		}
		content, err := accord.Canonical(accord.ConsentNoticeContent{V: 1, Notice: n})
		if err != nil {
			return nil, err
		}
		return [][]byte{accord.LogEvent{Type: accord.LogConsentNotice, Record: system, Version: version, Time: accord.LogTime(now),
			Org: actor(c), Content: content, Token: tokenOf(c)}.Bytes()}, nil
	})
	if err != nil {
		return nil, err
	}
	s.ix.putNotice(&n)
	if err := s.ix.sync(ctx, false); err != nil {
		return nil, err
	}
	return &accord.ConsentNoticeChange{Notice: n, Token: accord.ConsentToken(rs[0].Index), Receipt: rs[0]}, nil
}

// Notice returns a system's notice (version 0: the current one).
func (s *Service) Notice(ctx context.Context, system string, version int) (*accord.ConsentNotice, error) {
	var n *accord.ConsentNotice
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		n, err = tx.ConsentNotice(ctx, system, version)
		return err
	})
	return n, err
}

// Notices returns every system's current notice.
func (s *Service) Notices(ctx context.Context) ([]accord.ConsentNotice, error) {
	var ns []accord.ConsentNotice
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		ns, err = tx.ConsentNotices(ctx)
		return err
	})
	return ns, err
}

// commitmentOf is the subject's erasure commitment.
func subjectCommitment(salt []byte, pseudonym string) string {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte("accord consent subject\x00" + pseudonym))
	return hex.EncodeToString(h.Sum(nil))
}

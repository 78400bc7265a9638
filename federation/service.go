// Package federation is the node's federation service: its identity, its
// peers (other members' nodes) and their lifecycle, the C2SP tlog-witness
// that cosigns peers' checkpoints, the cosigner that collects cosignatures
// of the node's own checkpoints, and C2SP tlog-policy checks.
//
// Every peer change is one log entry through the log's sequencer, like
// every write. Witness writes are not log entries (cosigning would grow our
// log, which peers cosign, which grows theirs…): they go through the
// sequencer as operations without entries, so that they share its group
// commit, and are durable before the witness answers.
package federation

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/tlog"
)

// Service is the federation of one node. Its methods are safe for
// concurrent use.
type Service struct {
	store    accord.Store
	log      *tlog.Log
	id       accord.NodeIdentity
	witness  note.Signer
	logger   *slog.Logger
	now      func() time.Time
	inflight chan struct{} // bounds concurrent add-checkpoint requests
	metrics  Metrics

	verifiers sync.Map // verifier key → note.Verifier (parsing costs more than verifying)
	peers     sync.Map // origin → cachedPeer, for the witness
	cosigned  cosignedSizes
	cosigner  *cosigner
	// witnessedHook, if set, hears of every checkpoint our witness cosigned
	// (the mirror: a new checkpoint of a peer is the signal to follow it).
	witnessedHook atomic.Pointer[func(origin string, size int64, checkpoint []byte)]
}

// Config configures a Service.
type Config struct {
	Store accord.Store
	Log   *tlog.Log
	// Identity names the node; LogKey, WitnessName and WitnessKey are filled
	// in from Log and WitnessKey.
	Identity accord.NodeIdentity
	// WitnessKey is the witness's cosignature/v1 signer key (GenerateWitnessKey).
	WitnessKey string
	Logger     *slog.Logger
	Now        func() time.Time
	// HTTP is the client the cosigner submits checkpoints with; default:
	// one with a 10 s timeout.
	HTTP *http.Client
	// MaxInFlight bounds the add-checkpoint requests the witness works on
	// at once; more are answered 429. Default 512.
	MaxInFlight int
	Metrics     Metrics
}

// Metrics receives the federation's observations; any field may be nil.
type Metrics struct {
	// Witnessed counts add-checkpoint answers by HTTP status.
	Witnessed func(status int)
	// Cosigned observes, per witness, the time from signing one of our
	// checkpoints to holding its cosignature.
	Cosigned func(witness string, d time.Duration)
	// Quorum observes the time from signing one of our checkpoints to
	// holding a quorum of cosignatures under the default policy.
	Quorum func(d time.Duration)
	// SubmitFailed counts failed submissions to a witness.
	SubmitFailed func(witness string)
}

// New returns a federation service. Start runs its cosigner.
func New(cfg Config) (*Service, error) {
	signer, err := NewWitnessSigner(cfg.WitnessKey)
	if err != nil {
		return nil, err
	}
	wvkey, err := WitnessVerifierKey(cfg.WitnessKey)
	if err != nil {
		return nil, err
	}
	s := &Service{store: cfg.Store, log: cfg.Log, id: cfg.Identity, witness: signer, logger: cfg.Logger, now: cfg.Now, metrics: cfg.Metrics}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 512
	}
	s.inflight = make(chan struct{}, cfg.MaxInFlight)
	if s.id.LogKey == "" {
		return nil, errors.New("federation: the identity needs the log's verifier key")
	}
	s.id.Origin = cfg.Log.Origin()
	s.id.WitnessName = signer.Name()
	s.id.WitnessKey = wvkey
	if s.id.Member == "" {
		s.id.Member = s.id.Origin
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	s.cosigner = newCosigner(s, hc)
	return s, nil
}

// Identity is who the node is.
func (s *Service) Identity() accord.NodeIdentity { return s.id }

// Start runs the cosigner until ctx ends or Close.
func (s *Service) Start(ctx context.Context) { s.cosigner.start(ctx) }

// Close stops the cosigner and waits for it.
func (s *Service) Close() { s.cosigner.stop() }

// Signed tells the cosigner about a checkpoint the log signed (the log's
// Signed hook). It never blocks.
func (s *Service) Signed(size int64, checkpoint []byte) { s.cosigner.signed(size, checkpoint, s.now()) }

// verifier returns (and caches) the verifier of a key, made by mk.
func (s *Service) verifier(vkey string, mk func(string) (note.Verifier, error)) (note.Verifier, error) {
	if v, ok := s.verifiers.Load(vkey); ok {
		return v.(note.Verifier), nil
	}
	v, err := mk(vkey)
	if err != nil {
		return nil, err
	}
	s.verifiers.Store(vkey, v)
	return v, nil
}

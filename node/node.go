// Package node assembles a running Accord node from its configuration: the
// data directory, the store, the log and its key, the registry service and
// the HTTP handler. `accord serve` and the end-to-end tests both use it.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/consent"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/governance"
	"github.com/accord-gov/accord/incident"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/resource"
	"github.com/accord-gov/accord/rules"
	"github.com/accord-gov/accord/tlog"
)

// Config configures a node.
type Config struct {
	DataDir string // where the database (SQLite), keys and admin token live
	DB      string // store: "" (SQLite in DataDir), "sqlite:PATH" or "postgres://…"
	Origin  string // the log's name on first start; default "accord.local/<random>"
	Logger  *slog.Logger
	// AdminTokenOut receives the admin token the first time a node starts.
	AdminTokenOut func(secret, path string)
	// Packs are the rule packs new versions are classified under; nil means
	// the embedded frameworks (frameworks.Packs).
	Packs []*rules.Pack

	// Federation: the member's name (default: the log's origin), the
	// node's public base URL (default http://127.0.0.1), and the witness
	// key's name on first start (default: the origin without a trailing
	// "/log", plus "/witness").
	Member      string
	PublicURL   string
	WitnessName string
	Software    string // e.g. "accord v1.2.3", shown by GET /v1/node
	// Mirroring peers' logs: how often each active peer is polled (default
	// 1 s; a peer is also followed at once when our witness cosigns its new
	// checkpoint) and how often peers' views of every log are compared
	// (default 10 s; negative: never).
	MirrorInterval  time.Duration
	MonitorInterval time.Duration
}

// Files in the data directory.
const (
	DBFile         = "accord.db"
	KeyFile        = "log.key"
	WitnessKeyFile = "witness.key"
	AdminTokenFile = "admin.token"
)

// Node is a running node.
type Node struct {
	Config     Config
	Store      accord.Store
	Log        *tlog.Log
	Registry   *registry.Service
	Federation *federation.Service
	Mirror     *federation.Mirror

	// governance
	Governance *governance.Service

	// consent
	Consent *consent.Service

	// incidents
	Incidents *incident.Service

	// resources
	Resources *resource.Service

	Metrics     *prometheus.Registry
	VerifierKey string
	logger      *slog.Logger
}

// Open opens (creating on first start) a node's data directory, store and log.
func Open(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DataDir == "" {
		return nil, errors.New("no data directory: set --data or ACCORD_DATA")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", cfg.DataDir, err)
	}
	skey, err := loadOrCreateKey(cfg)
	if err != nil {
		return nil, err
	}
	vkey, err := tlog.VerifierKey(skey)
	if err != nil {
		return nil, err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	n := &Node{Config: cfg, Store: store, VerifierKey: vkey, logger: cfg.Logger, Metrics: prometheus.NewRegistry()}
	if err := n.checkOrigin(ctx, skey); err != nil {
		store.Close()
		return nil, err
	}
	wkey, err := loadOrCreateWitnessKey(cfg, strings.TrimSuffix(n.VerifierKey[:strings.IndexByte(n.VerifierKey, '+')], "/log")+"/witness")
	if err != nil {
		store.Close()
		return nil, err
	}
	m := newLogMetrics(n.Metrics)
	var fed atomic.Pointer[federation.Service] // set below; the log signs before (the admin token)
	signed := func(size int64, cp []byte) {
		if f := fed.Load(); f != nil {
			f.Signed(size, cp)
		}
	}
	n.Log, err = tlog.New(tlog.Config{Store: store, SignerKey: skey, Logger: cfg.Logger, Metrics: m, Signed: signed})
	if err != nil {
		store.Close()
		return nil, err
	}
	publicURL := strings.TrimSuffix(cfg.PublicURL, "/")
	if publicURL == "" {
		publicURL = "http://127.0.0.1"
	}
	n.Federation, err = federation.New(federation.Config{
		Store: store, Log: n.Log, WitnessKey: wkey, Logger: cfg.Logger, Metrics: newFederationMetrics(n.Metrics),
		Identity: accord.NodeIdentity{Member: cfg.Member, LogKey: vkey, URL: publicURL, Software: cfg.Software},
	})
	if err != nil {
		n.Log.Close()
		store.Close()
		return nil, err
	}
	fed.Store(n.Federation)
	packs := cfg.Packs
	if packs == nil {
		if packs, err = frameworks.Packs(); err != nil {
			n.Close()
			return nil, fmt.Errorf("load rule packs: %w", err)
		}
	}
	n.Registry = registry.New(registry.Config{Store: store, Log: n.Log, Logger: cfg.Logger, Packs: packs, ReceiptCheckpoint: n.Federation.WitnessedCheckpoint,
		Member: n.Federation.Identity().Member, ProveForeign: n.Federation.ProveForeign})
	if err := n.bootstrapAdmin(ctx); err != nil {
		n.Close()
		return nil, err
	}
	n.Mirror = federation.NewMirror(federation.MirrorConfig{
		Federation: n.Federation, Registry: n.Registry, Interval: cfg.MirrorInterval, MonitorInterval: cfg.MonitorInterval,
		Logger: cfg.Logger, Metrics: newMirrorMetrics(n.Metrics, store),
	})
	// governance
	n.Governance = governance.New(governance.Config{Store: store, Log: n.Log, Registry: n.Registry, Logger: cfg.Logger,
		Interval: envDuration("ACCORD_GOVERNANCE_INTERVAL"), Settle: envDuration("ACCORD_GOVERNANCE_SETTLE")})
	n.Governance.Start(context.Background())

	// consent
	ckey, csecret, err := consent.LoadOrCreateKeys(cfg.DataDir, n.Log.Origin()+"/consent")
	if err != nil {
		n.Close()
		return nil, err
	}
	if n.Consent, err = consent.New(ctx, consent.Config{Store: store, Log: n.Log, Registry: n.Registry, Key: ckey, Secret: csecret,
		PublicURL: publicURL, Logger: cfg.Logger}); err != nil {
		n.Close()
		return nil, err
	}

	// incidents
	if n.Incidents, err = incident.New(incident.Config{Store: store, Log: n.Log, Packs: packs, Member: n.Federation.Identity().Member}); err != nil {
		n.Close()
		return nil, fmt.Errorf("incidents: %w", err)
	}
	n.Incidents.Start(context.Background(), cfg.MirrorInterval, cfg.Logger)

	// resources
	n.Resources = resource.New(resource.Config{Store: store, Log: n.Log})

	n.Federation.Start(context.Background())
	n.Mirror.Start(context.Background())
	return n, nil
}

// Close stops the cosigner and the log's sequencer and closes the store.
func (n *Node) Close() error {
	// governance
	if n.Governance != nil {
		n.Governance.Close()
	}

	// consent
	if n.Consent != nil {
		n.Consent.Close()
	}

	// incidents
	if n.Incidents != nil {
		n.Incidents.Close()
	}

	// resources

	if n.Mirror != nil {
		n.Mirror.Close()
	}
	if n.Federation != nil {
		n.Federation.Close()
	}
	if n.Log != nil {
		n.Log.Close()
	}
	return n.Store.Close()
}

// loadOrCreateWitnessKey reads the witness's cosignature key, generating it
// on first start, named cfg.WitnessName or def.
func loadOrCreateWitnessKey(cfg Config, def string) (string, error) {
	path := filepath.Join(cfg.DataDir, WitnessKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		skey := strings.TrimSpace(string(b))
		vkey, err := federation.WitnessVerifierKey(skey)
		if err != nil {
			return "", fmt.Errorf("witness key %s: %w", path, err)
		}
		if name, _, _ := strings.Cut(vkey, "+"); cfg.WitnessName != "" && cfg.WitnessName != name {
			return "", fmt.Errorf("--witness-name %q: this node's witness is named %q (the name is fixed at first start, in %s)", cfg.WitnessName, name, path)
		}
		return skey, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read witness key: %w", err)
	}
	name := cfg.WitnessName
	if name == "" {
		name = def
	}
	skey, _, err := federation.GenerateWitnessKey(name)
	if err != nil {
		return "", fmt.Errorf("witness key: %w", err)
	}
	if err := writeSecret(path, skey+"\n"); err != nil {
		return "", fmt.Errorf("write witness key: %w", err)
	}
	return skey, nil
}

func openStore(ctx context.Context, cfg Config) (accord.Store, error) {
	return OpenStore(ctx, cfg.DB, cfg.DataDir, cfg.Logger)
}

// redactDSN hides a password in a DSN before it appears in a message.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if j := strings.Index(dsn[i+3:], "@"); j >= 0 {
			return dsn[:i+3] + "…@" + dsn[i+3+j+1:]
		}
	}
	return dsn
}

// loadOrCreateKey reads the log's signing key, generating it on first start.
func loadOrCreateKey(cfg Config) (string, error) {
	path := filepath.Join(cfg.DataDir, KeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		skey := strings.TrimSpace(string(b))
		if _, err := tlog.VerifierKey(skey); err != nil {
			return "", fmt.Errorf("log key %s: %w", path, err)
		}
		return skey, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read log key: %w", err)
	}
	origin := cfg.Origin
	if origin == "" {
		origin = "accord.local/" + randomName()
	}
	skey, _, err := tlog.GenerateKey(origin)
	if err != nil {
		return "", err
	}
	if err := writeSecret(path, skey+"\n"); err != nil {
		return "", fmt.Errorf("write log key: %w", err)
	}
	return skey, nil
}

// checkOrigin refuses a data directory whose store belongs to another log.
func (n *Node) checkOrigin(ctx context.Context, skey string) error {
	vkey, _ := tlog.VerifierKey(skey)
	name, _, _ := strings.Cut(vkey, "+")
	if n.Config.Origin != "" && n.Config.Origin != name {
		return fmt.Errorf("--origin %q: this node's log is named %q (the name is fixed at first start, in %s)", n.Config.Origin, name, filepath.Join(n.Config.DataDir, KeyFile))
	}
	return n.Store.Update(ctx, func(tx accord.WriteTx) error {
		stored, err := tx.Meta(ctx, "log_vkey")
		switch {
		case accord.ErrorCode(err) == accord.ENotFound:
			return tx.SetMeta(ctx, "log_vkey", []byte(vkey))
		case err != nil:
			return err
		case string(stored) != vkey:
			return fmt.Errorf("the database's log was signed by key %s, but the data directory holds key %s: wrong data directory or database", stored, vkey)
		}
		return nil
	})
}

// bootstrapAdmin creates the admin credential on first start.
func (n *Node) bootstrapAdmin(ctx context.Context) error {
	var exists bool
	err := n.Store.View(ctx, func(tx accord.ReadTx) error {
		_, err := tx.Meta(ctx, "admin_token")
		if accord.ErrorCode(err) == accord.ENotFound {
			return nil
		}
		exists = err == nil
		return err
	})
	if err != nil || exists {
		return err
	}
	secret := registry.NewSecret()
	now := time.Now().UTC()
	tok := accord.Token{ID: "tok_" + randomName(), Label: "admin", Admin: true, Created: now}
	// Write the file first: a crash after the commit must not lose the secret.
	path := filepath.Join(n.Config.DataDir, AdminTokenFile)
	if err := writeSecret(path, secret+"\n"); err != nil {
		return fmt.Errorf("write admin token: %w", err)
	}
	_, err = n.Log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := tx.CreateToken(ctx, tok, registry.TokenHash(secret)); err != nil {
			return nil, err
		}
		if err := tx.SetMeta(ctx, "admin_token", []byte(tok.ID)); err != nil {
			return nil, err
		}
		content, err := accord.Canonical(tok)
		if err != nil {
			return nil, err
		}
		return [][]byte{accord.LogEvent{Type: accord.LogTokenIssued, Record: tok.ID, Version: 1, Time: accord.LogTime(now), Org: "admin", Content: content}.Bytes()}, nil
	})
	if err != nil {
		return fmt.Errorf("create admin token: %w", err)
	}
	if n.Config.AdminTokenOut != nil {
		n.Config.AdminTokenOut(secret, path)
	}
	return nil
}

func writeSecret(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// AdminToken reads the admin token from the data directory.
func AdminToken(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, AdminTokenFile))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

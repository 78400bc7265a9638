package federation

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

func requireAdmin(c *registry.Caller) error {
	if c == nil {
		return accord.Errorf(accord.EUnauthorized, "managing peers and witnesses needs the node's admin token: send Authorization: Bearer <token>")
	}
	if !c.Admin() {
		return accord.Errorf(accord.EForbidden, "only the node's admin manages peers and witnesses")
	}
	return nil
}

// validName checks a member name. It appears in URLs (/v1/peers/{name},
// with a slash escaped), and defaults to the log's origin, which often holds
// one.
func validName(field, s string, p *accord.Problems) {
	switch {
	case s == "":
		p.Add(field, "is required")
	case len(s) > accord.MaxMemberName:
		p.Add(field, "is longer than %d characters", accord.MaxMemberName)
	case !accord.ValidMemberName(s):
		p.Add(field, "%q: use letters, digits and . - _ : / only (e.g. accord.example.org)", s)
	}
}

// normalURL checks a node's base URL and drops a trailing slash.
func normalURL(field, s string, p *accord.Problems) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/")
	u, err := url.Parse(s)
	switch {
	case s == "":
		p.Add(field, "is required")
	case len(s) > 2048:
		p.Add(field, "is longer than 2048 bytes")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		p.Add(field, "must be an absolute http(s) URL without credentials, query or fragment, e.g. https://accord.example.org")
	}
	return s
}

// AddPeer adds a peer in state pending: one peer.added log entry.
func (s *Service) AddPeer(ctx context.Context, c *registry.Caller, req accord.NewPeer) (*accord.PeerChange, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	var p accord.Problems
	validName("name", req.Name, &p)
	req.URL = normalURL("url", req.URL, &p)
	if req.LogKey == "" {
		p.Add("log_key", "is required: the peer's log verifier key (accord node prints it)")
	} else if v, err := NewLogVerifier(req.LogKey); err != nil {
		p.Add("log_key", "%v", err)
	} else if req.Origin == "" {
		req.Origin = v.Name()
	}
	if req.Origin != "" && (!utf8.ValidString(req.Origin) || strings.ContainsAny(req.Origin, "\n\x00") || len(req.Origin) > 255) {
		p.Add("origin", "must be one line of UTF-8 text of at most 255 bytes")
	}
	if req.Origin == s.id.Origin {
		p.Add("origin", "%q is this node's own log", req.Origin)
	}
	if req.WitnessKey != "" {
		if _, err := NewCosignatureVerifier(req.WitnessKey); err != nil {
			p.Add("witness_key", "%v", err)
		} else if req.WitnessKey == s.id.WitnessKey {
			p.Add("witness_key", "is this node's own witness key")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	peer := accord.Peer{
		Name: req.Name, URL: req.URL, Origin: req.Origin, LogKey: req.LogKey, WitnessKey: req.WitnessKey,
		State: accord.PeerPending, Version: 1, Added: now, Updated: now,
	}
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		if err := tx.CreatePeer(ctx, peer); err != nil {
			return nil, err
		}
		if req.WitnessKey != "" {
			peers, err := tx.Peers(ctx)
			if err != nil {
				return nil, err
			}
			for _, o := range peers {
				if o.Name != peer.Name && o.WitnessKey == req.WitnessKey && o.State != accord.PeerRetired {
					return nil, accord.FieldErrorf("witness_key", "is already the witness key of peer %s: a policy may name a key once", o.Name)
				}
			}
		}
		e, err := peerEvent(accord.LogPeerAdded, peer, "", "admin", "", now)
		if err != nil {
			return nil, err
		}
		return [][]byte{e}, nil
	})
	if err != nil {
		return nil, err
	}
	s.peersChanged()
	return &accord.PeerChange{Peer: peer, Receipt: rs[0]}, nil
}

// SetPeerState moves a peer to active or read-only (retiring is RetirePeer):
// one peer.state_changed log entry.
func (s *Service) SetPeerState(ctx context.Context, c *registry.Caller, name string, req accord.PeerStateChange) (*accord.PeerChange, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	if req.State != accord.PeerActive && req.State != accord.PeerReadOnly {
		return nil, accord.FieldErrorf("state", "%q: set active or read-only (remove a peer to retire it)", req.State)
	}
	if len(req.Reason) > 500 || !utf8.ValidString(req.Reason) {
		return nil, accord.FieldErrorf("reason", "must be UTF-8 text of at most 500 bytes")
	}
	return s.changePeer(ctx, name, req.State, req.Reason)
}

// RetirePeer retires a peer for good: one peer.retired log entry. Its
// origin can never be added again.
func (s *Service) RetirePeer(ctx context.Context, c *registry.Caller, name, reason string) (*accord.PeerChange, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	return s.changePeer(ctx, name, accord.PeerRetired, reason)
}

func (s *Service) changePeer(ctx context.Context, name string, to accord.PeerState, reason string) (*accord.PeerChange, error) {
	var out accord.Peer
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		p, err := tx.Peer(ctx, name)
		if err != nil {
			return nil, err
		}
		if !p.State.CanMove(to) {
			return nil, accord.Errorf(accord.EConflict, "peer %s is %s and cannot become %s", name, p.State, to)
		}
		e, err := s.movePeer(ctx, tx, p, to, "admin", reason)
		if err != nil {
			return nil, err
		}
		out = *p
		return [][]byte{e}, nil
	})
	if err != nil {
		return nil, err
	}
	s.peersChanged()
	return &accord.PeerChange{Peer: out, Receipt: rs[0]}, nil
}

// movePeer stores p in state to and returns its log entry; p is updated.
// actor names who moved it in the log entry: "admin", or "node" when the
// node itself did (after detecting a split view).
func (s *Service) movePeer(ctx context.Context, tx accord.WriteTx, p *accord.Peer, to accord.PeerState, actor, reason string) ([]byte, error) {
	from := p.State
	now := s.now().UTC()
	p.State, p.Version, p.Updated = to, p.Version+1, now
	if err := tx.UpdatePeer(ctx, *p); err != nil {
		return nil, err
	}
	typ := accord.LogPeerStateChanged
	if to == accord.PeerRetired {
		typ = accord.LogPeerRetired
	}
	return peerEvent(typ, *p, from, actor, reason, now)
}

func peerEvent(typ string, p accord.Peer, from accord.PeerState, actor, reason string, at time.Time) ([]byte, error) {
	ev := accord.PeerEvent{V: 1, Name: p.Name, Origin: p.Origin, State: p.State, From: from, Reason: reason}
	if typ == accord.LogPeerAdded {
		ev.URL, ev.LogKey, ev.WitnessKey = p.URL, p.LogKey, p.WitnessKey
	}
	content, err := accord.Canonical(ev)
	if err != nil {
		return nil, err
	}
	return accord.LogEvent{Type: typ, Record: p.Name, Version: p.Version, Time: accord.LogTime(at), Org: actor, Content: content}.Bytes(), nil
}

// Peers lists every peer, retired ones included.
func (s *Service) Peers(ctx context.Context) ([]accord.Peer, error) {
	var out []accord.Peer
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		out, err = tx.Peers(ctx)
		return err
	})
	return out, err
}

// Peer returns one peer.
func (s *Service) Peer(ctx context.Context, name string) (*accord.Peer, error) {
	var out *accord.Peer
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		out, err = tx.Peer(ctx, name)
		return err
	})
	return out, err
}

// AddExternalWitness adds (or changes the URL of) a witness our checkpoints
// are submitted to besides the peers': one witness.added log entry.
func (s *Service) AddExternalWitness(ctx context.Context, c *registry.Caller, req accord.NewExternalWitness) (*accord.WitnessChange, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	var p accord.Problems
	req.URL = normalURL("url", req.URL, &p)
	var name string
	if req.Key == "" {
		p.Add("key", "is required: the witness's cosignature/v1 verifier key")
	} else if v, err := NewCosignatureVerifier(req.Key); err != nil {
		p.Add("key", "%v", err)
	} else {
		name = v.Name()
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	w := accord.ExternalWitness{Name: name, URL: req.URL, Key: req.Key, Added: s.now().UTC()}
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		if err := tx.PutExternalWitness(ctx, w); err != nil {
			return nil, err
		}
		e, err := witnessEvent(accord.LogWitnessAdded, accord.WitnessEvent{V: 1, Name: w.Name, URL: w.URL, Key: w.Key}, w.Added)
		return [][]byte{e}, err
	})
	if err != nil {
		return nil, err
	}
	s.peersChanged()
	return &accord.WitnessChange{Witness: w, Receipt: rs[0]}, nil
}

// RemoveExternalWitness stops submitting to an external witness: one
// witness.removed log entry.
func (s *Service) RemoveExternalWitness(ctx context.Context, c *registry.Caller, name string) (*accord.WitnessChange, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var w accord.ExternalWitness
	rs, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, _ int64) ([][]byte, error) {
		ws, err := tx.ExternalWitnesses(ctx)
		if err != nil {
			return nil, err
		}
		for _, x := range ws {
			if x.Name == name {
				w = x
			}
		}
		if err := tx.DeleteExternalWitness(ctx, name); err != nil {
			return nil, err
		}
		e, err := witnessEvent(accord.LogWitnessRemoved, accord.WitnessEvent{V: 1, Name: name}, now)
		return [][]byte{e}, err
	})
	if err != nil {
		return nil, err
	}
	s.peersChanged()
	return &accord.WitnessChange{Witness: w, Receipt: rs[0]}, nil
}

func witnessEvent(typ string, ev accord.WitnessEvent, at time.Time) ([]byte, error) {
	content, err := accord.Canonical(ev)
	if err != nil {
		return nil, err
	}
	return accord.LogEvent{Type: typ, Record: ev.Name, Version: 1, Time: accord.LogTime(at), Org: "admin", Content: content}.Bytes(), nil
}

// ExternalWitnesses lists the operator's external witnesses.
func (s *Service) ExternalWitnesses(ctx context.Context) ([]accord.ExternalWitness, error) {
	var out []accord.ExternalWitness
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		out, err = tx.ExternalWitnesses(ctx)
		return err
	})
	return out, err
}

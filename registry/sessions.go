package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/accord-gov/accord"
)

// SessionsPerOrg bounds an organization's live portal sessions: a sign-in
// past it ends that organization's oldest session, never another's, so no
// token holder can sign anyone else out.
const SessionsPerOrg = 50

// sessionIDLen is the length of a session id: 32 random bytes, base64url.
const sessionIDLen = 43

// OpenSession opens a portal session for a caller that has just signed in
// with its API token, and returns the session's id for the cookie. The
// store keeps its hash and the token's id, never the token (see
// accord.Session). replace is the session the browser held before, if any:
// it ends. The token is re-read in the same transaction.
func (s *Service) OpenSession(ctx context.Context, c *Caller, ttl time.Duration, replace string) (string, error) {
	if err := requireAuth(c); err != nil {
		return "", err
	}
	if c.Org() == "" {
		return "", accord.Errorf(accord.EForbidden, "portal sessions are for organizations' tokens, not the node's admin")
	}
	b := make([]byte, 32)
	rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	now := s.now().UTC()
	sess := accord.Session{Org: c.Org(), Token: c.Token.ID, Created: now, Expires: now.Add(ttl)}
	err := s.store.Update(ctx, func(tx accord.WriteTx) error {
		if err := authorized(ctx, tx, c); err != nil {
			return err
		}
		if replace != "" {
			if err := tx.DeleteSession(ctx, sessionHash(replace)); err != nil {
				return err
			}
		}
		// Expired sessions of every organization go at each sign-in, so
		// the table holds at most SessionsPerOrg live ones per organization
		// and what expired since the last sign-in.
		if _, err := tx.DeleteExpiredSessions(ctx, now); err != nil {
			return err
		}
		evicted, err := tx.CreateSession(ctx, sessionHash(id), sess, SessionsPerOrg)
		if evicted > 0 {
			s.logger.Info("portal sign-in ended the organization's oldest sessions", "org", c.Org(), "ended", evicted)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// AuthenticateSession resolves a portal session id to its caller,
// re-reading the token it was opened with, so that a revoked token ends
// its sessions at once. An unknown or expired session, or one whose token
// was revoked, is EUnauthorized.
func (s *Service) AuthenticateSession(ctx context.Context, id string) (*Caller, error) {
	if len(id) != sessionIDLen {
		return nil, accord.Errorf(accord.EUnauthorized, "not signed in")
	}
	var c *Caller
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		sess, err := tx.Session(ctx, sessionHash(id))
		if accord.ErrorCode(err) == accord.ENotFound {
			return accord.Errorf(accord.EUnauthorized, "not signed in")
		}
		if err != nil {
			return err
		}
		if !sess.Live(s.now()) {
			return accord.Errorf(accord.EUnauthorized, "the session expired: sign in again")
		}
		tok, err := tx.Token(ctx, sess.Token)
		switch {
		case accord.ErrorCode(err) == accord.ENotFound:
			return accord.Errorf(accord.EUnauthorized, "the session's token is unknown to this node")
		case err != nil:
			return err
		case tok.Revoked != nil:
			return accord.Errorf(accord.EUnauthorized, "the token was revoked")
		case tok.Org != sess.Org:
			return accord.Errorf(accord.EUnauthorized, "the session does not match its token")
		}
		c = &Caller{Token: *tok}
		return nil
	})
	if err != nil {
		return nil, err
	}
	o, err := s.Organization(ctx, c.Token.Org)
	if err != nil {
		return nil, err
	}
	c.OrgKind = o.Kind
	return c, nil
}

// CloseSession ends a portal session (sign-out). An unknown one is no error.
func (s *Service) CloseSession(ctx context.Context, id string) error {
	return s.store.Update(ctx, func(tx accord.WriteTx) error { return tx.DeleteSession(ctx, sessionHash(id)) })
}

func sessionHash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

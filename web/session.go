package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// Portal sessions live in memory: the cookie holds a random session id,
// never the API token, so a stolen cookie dies with the session and the
// token itself never travels again after sign-in. Sessions end at sign-out,
// after the TTL, or when the node restarts (the provider signs in again).

const sessionCookie = "accord_session"

// maxSessions bounds memory; only holders of a valid token can create one.
const maxSessions = 10000

type session struct {
	id      string
	secret  string // the API token, kept server-side to re-check it on every write
	org     *accord.Organization
	expires time.Time
}

type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	ttl time.Duration
	now func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, ttl: ttl, now: now}
}

func (s *sessions) create(secret string, org *accord.Organization) *session {
	b := make([]byte, 32)
	rand.Read(b)
	ss := &session{id: base64.RawURLEncoding.EncodeToString(b), secret: secret, org: org, expires: s.now().Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for id, x := range s.m {
		if now.After(x.expires) {
			delete(s.m, id)
		}
	}
	if len(s.m) >= maxSessions {
		// Drop the session closest to expiry rather than refuse a sign-in.
		var oldest *session
		for _, x := range s.m {
			if oldest == nil || x.expires.Before(oldest.expires) {
				oldest = x
			}
		}
		delete(s.m, oldest.id)
	}
	s.m[ss.id] = ss
	return ss
}

func (s *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 43 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[c.Value]
	if !ok {
		return nil
	}
	if s.now().After(ss.expires) {
		delete(s.m, ss.id)
		return nil
	}
	return ss
}

func (s *sessions) delete(id string) {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r),
	})
}

// secure reports whether cookies should be marked Secure: always when
// configured, and whenever the request came over HTTPS (directly or through
// a proxy that says so; a false claim only keeps the claimant's own cookie
// from coming back over plain HTTP).
func (h *Handler) secure(r *http.Request) bool {
	return h.cfg.SecureCookies || r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// errNoSession means the reader is not signed in (or the token was revoked).
var errNoSession = errors.New("not signed in")

// caller re-checks the session's token, so that a revoked token stops
// working at once, and returns the caller for service calls.
func (h *Handler) caller(ctx context.Context, r *http.Request) (*registry.Caller, *session, error) {
	ss := h.sessions.get(r)
	if ss == nil {
		return nil, nil, errNoSession
	}
	c, err := h.reg.Authenticate(ctx, ss.secret)
	if err != nil || c == nil {
		h.sessions.delete(ss.id)
		return nil, nil, errNoSession
	}
	return c, ss, nil
}

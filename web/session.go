package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// Portal sessions live in the store (see accord.Session): the cookie holds
// a random session id, never the API token, so a stolen cookie dies with
// the session and the token itself never travels again after sign-in. The
// store keeps the id's hash and the token's id, so sessions survive a
// restart and work on every node of one PostgreSQL. Sessions end at
// sign-out, after the TTL, when their token is revoked, or when their own
// organization has signed in registry.SessionsPerOrg times since.

const sessionCookie = "accord_session"

// session is a signed-in reader, resolved for one request.
type session struct {
	id     string
	org    *accord.Organization
	caller *registry.Caller
}

type sessions struct {
	reg *registry.Service
	ttl time.Duration
	log *slog.Logger
}

func newSessions(reg *registry.Service, ttl time.Duration, log *slog.Logger) *sessions {
	return &sessions{reg: reg, ttl: ttl, log: log}
}

// cookie is the session id the request carries, if any.
func cookie(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// create opens a session for a caller that just signed in; replace is the
// session the browser held before, which ends.
func (s *sessions) create(ctx context.Context, c *registry.Caller, replace string) (string, error) {
	return s.reg.OpenSession(ctx, c, s.ttl, replace)
}

// get resolves the request's session, re-checking its token; nil when the
// reader is not signed in (or the store cannot tell: the page then shows
// the sign-in form, and signing in reports the store's trouble).
func (s *sessions) get(r *http.Request) *session {
	id := cookie(r)
	if id == "" {
		return nil
	}
	ctx := r.Context()
	c, err := s.reg.AuthenticateSession(ctx, id)
	if err != nil {
		if accord.ErrorCode(err) != accord.EUnauthorized {
			s.log.Warn("read portal session", "err", err)
		}
		return nil
	}
	org, err := s.reg.Organization(ctx, c.Org())
	if err != nil {
		s.log.Warn("read portal session's organization", "err", err)
		return nil
	}
	return &session{id: id, org: org, caller: c}
}

func (s *sessions) delete(ctx context.Context, id string) {
	if err := s.reg.CloseSession(ctx, id); err != nil {
		s.log.Warn("end portal session", "err", err)
	}
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

// caller returns the signed-in reader for service calls. Resolving the
// session re-reads its token, so a revoked token stops working at once;
// the writes re-read it again inside their transaction.
func (h *Handler) caller(ctx context.Context, r *http.Request) (*registry.Caller, *session, error) {
	ss := h.sessions.get(r.WithContext(ctx))
	if ss == nil {
		return nil, nil, errNoSession
	}
	return ss.caller, ss, nil
}

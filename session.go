package accord

import (
	"context"
	"time"
)

// Web portal sessions. A signed-in browser's cookie holds a random session
// id; the store keeps only its SHA-256, the organization and the id of the
// API token the session was opened with (never the token's secret). Kept in
// the store, sessions survive a restart and are shared by the nodes on one
// PostgreSQL; each request re-reads the token by id, and revoking a token
// deletes its sessions, so a revoked token signs its sessions out at once.
//
// Sessions are not log entries: a sign-in is not a public record, and
// nothing anyone verifies from the log depends on it. For the same reason
// they are not dumped (see Dumper): moving a node to another store signs
// everyone out.

// Session is one signed-in portal session.
type Session struct {
	Org     string    // the organization signed in
	Token   string    // id of the API token it was opened with
	Created time.Time // sign-in
	Expires time.Time // valid while now is before it
}

// Live reports whether the session has not expired at now.
func (s Session) Live(now time.Time) bool { return now.Before(s.Expires) }

// SessionReader reads sessions.
type SessionReader interface {
	// Session returns the session whose id hashes to hash, expired or not;
	// ENotFound if there is none.
	Session(ctx context.Context, hash []byte) (*Session, error)
}

// SessionWriter keeps sessions.
type SessionWriter interface {
	// CreateSession stores a session under the hash of its id (EConflict if
	// one exists). Then, of its organization's sessions still live at
	// s.Created, it keeps the keep created last (in the order of the calls,
	// not of their times, which may tie) and deletes the rest, returning how
	// many it deleted: an organization signing in again and again ends its
	// own oldest sessions, never another's.
	CreateSession(ctx context.Context, hash []byte, s Session, keep int) (evicted int, err error)
	// DeleteSession deletes a session; deleting none is no error.
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteExpiredSessions deletes every session expired at now.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

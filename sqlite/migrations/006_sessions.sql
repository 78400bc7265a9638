-- Web portal sessions (see accord.Session): not records, not in the log.
CREATE TABLE sessions (
	seq     INTEGER PRIMARY KEY, -- sign-in order: an organization over its cap loses its oldest
	hash    BLOB NOT NULL UNIQUE, -- SHA-256 of the session id in the cookie; the id is never stored
	org     TEXT NOT NULL,
	token   TEXT NOT NULL,       -- id of the API token the session was opened with
	created INTEGER NOT NULL,    -- Unix milliseconds
	expires INTEGER NOT NULL     -- Unix milliseconds
);
CREATE INDEX sessions_org ON sessions(org, seq);
CREATE INDEX sessions_token ON sessions(token);
CREATE INDEX sessions_expires ON sessions(expires);

-- Web portal sessions (see accord.Session): not records, not in the log.
CREATE TABLE sessions (
	hash    BLOB PRIMARY KEY,  -- SHA-256 of the session id in the cookie; the id is never stored
	org     TEXT NOT NULL,
	token   TEXT NOT NULL,     -- id of the API token the session was opened with
	created INTEGER NOT NULL,  -- Unix milliseconds
	expires INTEGER NOT NULL   -- Unix milliseconds
) WITHOUT ROWID;
CREATE INDEX sessions_org ON sessions(org, created);
CREATE INDEX sessions_token ON sessions(token);
CREATE INDEX sessions_expires ON sessions(expires);

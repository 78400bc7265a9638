-- Web portal sessions (see accord.Session): not records, not in the log.
CREATE TABLE sessions (
	hash    bytea PRIMARY KEY, -- SHA-256 of the session id in the cookie; the id is never stored
	org     text NOT NULL,
	token   text NOT NULL,     -- id of the API token the session was opened with
	created bigint NOT NULL,   -- Unix milliseconds
	expires bigint NOT NULL    -- Unix milliseconds
);
CREATE INDEX sessions_org ON sessions (org, created);
CREATE INDEX sessions_token ON sessions (token);
CREATE INDEX sessions_expires ON sessions (expires);

-- The registry and its verifiable log, in one database so that every write
-- commits its record and its log entry together.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE organizations (
	rid     INTEGER PRIMARY KEY,
	id      TEXT NOT NULL UNIQUE,
	kind    TEXT NOT NULL,
	country TEXT NOT NULL,
	data    BLOB NOT NULL -- JSON of accord.Organization
);

CREATE TABLE tokens (
	id      TEXT PRIMARY KEY,
	org     TEXT NOT NULL, -- '' for the admin token
	hash    BLOB NOT NULL UNIQUE, -- SHA-256 of the secret; the secret is never stored
	data    BLOB NOT NULL, -- JSON of accord.Token
	revoked TEXT
) WITHOUT ROWID;
CREATE INDEX tokens_org ON tokens(org);

CREATE TABLE systems (
	rid      INTEGER PRIMARY KEY, -- search order: newest registration first
	id       TEXT NOT NULL UNIQUE,
	provider TEXT NOT NULL,
	data     BLOB NOT NULL, -- JSON of accord.System
	summary  BLOB NOT NULL  -- JSON of the public accord.SystemSummary
);

CREATE TABLE system_versions (
	system_id TEXT NOT NULL,
	version   INTEGER NOT NULL,
	data      BLOB NOT NULL, -- JSON of accord.SystemVersion, confidential fields included
	salts     BLOB,          -- JSON of the private commitment salts
	PRIMARY KEY (system_id, version)
) WITHOUT ROWID;

-- Full-text index over SearchText output (already normalised in Go), plus
-- facet tokens like "country:fr" so filters are posting-list intersections.
CREATE VIRTUAL TABLE systems_fts USING fts5(
	text, facets,
	content = '', contentless_delete = 1,
	tokenize = "unicode61 remove_diacritics 0 tokenchars ':._/-'"
);

CREATE TABLE idempotency (
	org          TEXT NOT NULL,
	key          TEXT NOT NULL,
	request_hash BLOB NOT NULL,
	resource     TEXT NOT NULL,
	version      INTEGER NOT NULL,
	created      TEXT NOT NULL,
	PRIMARY KEY (org, key)
) WITHOUT ROWID;

CREATE TABLE log_entries (
	idx  INTEGER PRIMARY KEY,
	data BLOB NOT NULL
);

CREATE TABLE log_hashes (
	idx  INTEGER PRIMARY KEY, -- stored-hash index (golang.org/x/mod/sumdb/tlog)
	hash BLOB NOT NULL
);

CREATE TABLE checkpoints (
	size INTEGER PRIMARY KEY,
	note BLOB NOT NULL
);

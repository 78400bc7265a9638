-- Governance: charters, proposals (with their proposed packs), comments,
-- signed ballots and each node's decision, this node's and those decoded
-- from its peers' mirrored logs; and how far each mirrored log was read.
-- Every row holds the record as JSON (data) beside the columns it is found by.

CREATE TABLE gov_charters (
	version BIGINT PRIMARY KEY,
	hash    TEXT NOT NULL,
	data    BYTEA NOT NULL
);

CREATE TABLE gov_proposals (
	id    TEXT PRIMARY KEY,
	filed TEXT NOT NULL, -- LogTime
	data  BYTEA NOT NULL
);

CREATE TABLE gov_packs (
	hash TEXT PRIMARY KEY,
	data BYTEA NOT NULL
);

CREATE TABLE gov_ballots (
	origin    TEXT NOT NULL,
	log_index BIGINT NOT NULL,
	proposal  TEXT NOT NULL,
	time      TEXT NOT NULL,
	data      BYTEA NOT NULL,
	PRIMARY KEY (origin, log_index)
);
CREATE INDEX gov_ballots_proposal ON gov_ballots(proposal, time, origin, log_index);

CREATE TABLE gov_comments (
	id       TEXT PRIMARY KEY,
	proposal TEXT NOT NULL,
	time     TEXT NOT NULL,
	data     BYTEA NOT NULL
);
CREATE INDEX gov_comments_proposal ON gov_comments(proposal, time, id);

-- A node seals a proposal at its close: its ballots before the seal in its
-- log are the ones every tally counts.
CREATE TABLE gov_seals (
	proposal  TEXT NOT NULL,
	origin    TEXT NOT NULL,
	log_index BIGINT NOT NULL,
	data      BYTEA NOT NULL,
	PRIMARY KEY (proposal, origin)
);

CREATE TABLE gov_decisions (
	proposal TEXT NOT NULL,
	origin   TEXT NOT NULL,
	data     BYTEA NOT NULL,
	PRIMARY KEY (proposal, origin)
);

CREATE TABLE gov_cursors (
	origin TEXT PRIMARY KEY,
	read   BIGINT NOT NULL
);

-- Federation: peers (other members' nodes), the operator's external
-- witnesses, what our witness cosigned for each log it witnesses, the
-- cosignatures other witnesses gave our checkpoints, and alarms (evidence
-- of a log showing two views).

CREATE TABLE peers (
	name   text PRIMARY KEY,
	origin text NOT NULL UNIQUE, -- retired peers keep theirs: an origin is never re-added
	data   bytea NOT NULL        -- JSON of accord.Peer
);

CREATE TABLE external_witnesses (
	name text PRIMARY KEY,
	data bytea NOT NULL -- JSON of accord.ExternalWitness
);

-- The latest checkpoint cosigned per log: the compare-and-set on size is
-- what makes add-checkpoint atomic.
CREATE TABLE witness_state (
	origin     text PRIMARY KEY,
	size       bigint NOT NULL,
	root       bytea NOT NULL,
	checkpoint bytea NOT NULL, -- the signed note with the log's signature and our cosignature
	cosigned   text NOT NULL   -- RFC 3339, as SQLite keeps it
);

-- Every checkpoint cosigned (one per size: a re-submission of the same size
-- and root is the same statement).
CREATE TABLE witness_cosigned (
	origin     text NOT NULL,
	size       bigint NOT NULL,
	root       bytea NOT NULL,
	checkpoint bytea NOT NULL,
	cosigned   text NOT NULL,
	PRIMARY KEY (origin, size)
);

-- Cosignatures of our own checkpoints, by tree size and witness name.
CREATE TABLE checkpoint_cosignatures (
	size    bigint NOT NULL,
	witness text NOT NULL,
	line    text NOT NULL,   -- the note signature line
	time    bigint NOT NULL, -- the cosignature's timestamp, Unix seconds
	PRIMARY KEY (size, witness)
);

CREATE TABLE alarms (
	id       text PRIMARY KEY,
	origin   text NOT NULL,
	kind     text NOT NULL,
	evidence bytea NOT NULL, -- JSON of accord.SplitViewEvidence
	detected text NOT NULL   -- RFC 3339
);
CREATE INDEX alarms_detected ON alarms (detected);

-- Federation: peers (other members' nodes), the operator's external
-- witnesses, what our witness cosigned for each log it witnesses, the
-- cosignatures other witnesses gave our checkpoints, and alarms (evidence
-- of a log showing two views).

CREATE TABLE peers (
	name   TEXT PRIMARY KEY,
	origin TEXT NOT NULL UNIQUE, -- retired peers keep theirs: an origin is never re-added
	data   BLOB NOT NULL         -- JSON of accord.Peer
) WITHOUT ROWID;

CREATE TABLE external_witnesses (
	name TEXT PRIMARY KEY,
	data BLOB NOT NULL -- JSON of accord.ExternalWitness
) WITHOUT ROWID;

-- The latest checkpoint cosigned per log: the compare-and-set on size is
-- what makes add-checkpoint atomic.
CREATE TABLE witness_state (
	origin     TEXT PRIMARY KEY,
	size       INTEGER NOT NULL,
	root       BLOB NOT NULL,
	checkpoint BLOB NOT NULL, -- the signed note with the log's signature and our cosignature
	cosigned   TEXT NOT NULL  -- RFC 3339
) WITHOUT ROWID;

-- Every checkpoint cosigned (one per size: a re-submission of the same size
-- and root is the same statement).
CREATE TABLE witness_cosigned (
	origin     TEXT NOT NULL,
	size       INTEGER NOT NULL,
	root       BLOB NOT NULL,
	checkpoint BLOB NOT NULL,
	cosigned   TEXT NOT NULL,
	PRIMARY KEY (origin, size)
) WITHOUT ROWID;

-- Cosignatures of our own checkpoints, by tree size and witness name.
CREATE TABLE checkpoint_cosignatures (
	size    INTEGER NOT NULL,
	witness TEXT NOT NULL,
	line    TEXT NOT NULL, -- the note signature line
	time    INTEGER NOT NULL, -- the cosignature's timestamp, Unix seconds
	PRIMARY KEY (size, witness)
) WITHOUT ROWID;

CREATE TABLE alarms (
	id       TEXT PRIMARY KEY,
	origin   TEXT NOT NULL,
	kind     TEXT NOT NULL,
	evidence BLOB NOT NULL, -- JSON of accord.SplitViewEvidence
	detected TEXT NOT NULL  -- RFC 3339
) WITHOUT ROWID;
CREATE INDEX alarms_detected ON alarms(detected);

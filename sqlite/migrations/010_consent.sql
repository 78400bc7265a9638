-- Consent (issue 14): systems' notices (declared purposes, per version),
-- subjects (a pseudonym and the salt of its commitments, deleted on
-- erasure) and their events (private; the log holds a commitment to each).
-- The same columns as postgres/migrations/006_consent.sql (accord.DumpConsent).

CREATE TABLE consent_notices (
	system  TEXT NOT NULL,
	version INTEGER NOT NULL,
	data    BLOB NOT NULL, -- JSON of accord.ConsentNotice
	PRIMARY KEY (system, version)
) WITHOUT ROWID;

CREATE TABLE consent_subjects (
	pseudonym TEXT PRIMARY KEY,
	data      BLOB NOT NULL -- JSON of accord.ConsentSubject (its salt until erased)
) WITHOUT ROWID;

CREATE TABLE consent_events (
	seq     INTEGER PRIMARY KEY, -- the index of the event's entry in the log
	id      TEXT NOT NULL UNIQUE,
	subject TEXT NOT NULL,
	data    BLOB NOT NULL -- JSON of accord.ConsentEvent
);
CREATE INDEX consent_events_subject ON consent_events(subject, seq);

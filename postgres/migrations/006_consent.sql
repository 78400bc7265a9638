-- Consent (issue 14): systems' notices (declared purposes, per version),
-- subjects (a pseudonym and the salt of its commitments, deleted on
-- erasure) and their events (private; the log holds a commitment to each).
-- The same columns as sqlite/migrations/010_consent.sql (accord.DumpConsent).

CREATE TABLE consent_notices (
	system  text NOT NULL,
	version integer NOT NULL,
	data    bytea NOT NULL, -- JSON of accord.ConsentNotice
	PRIMARY KEY (system, version)
);

CREATE TABLE consent_subjects (
	pseudonym text PRIMARY KEY,
	data      bytea NOT NULL -- JSON of accord.ConsentSubject (its salt until erased)
);

CREATE TABLE consent_events (
	seq     bigint PRIMARY KEY, -- the index of the event's entry in the log
	id      text NOT NULL UNIQUE,
	subject text NOT NULL,
	data    bytea NOT NULL -- JSON of accord.ConsentEvent
);
CREATE INDEX consent_events_subject ON consent_events(subject, seq);

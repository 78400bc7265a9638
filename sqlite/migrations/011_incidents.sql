-- Incidents (issue 15): incidents, the versions of their reports, their
-- search facets and links, and the authority's dashboard rows (the
-- earliest deadline of an incident in each country it occurred in).
-- Times are Unix milliseconds; the records themselves are JSON. The SQL is
-- shared with PostgreSQL (internal/incidentsql).

CREATE TABLE incidents (
	rid         INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	merged_into TEXT NOT NULL DEFAULT '', -- a merged incident redirects; nothing is deleted
	system      TEXT NOT NULL,
	occurred    INTEGER NOT NULL,
	data        TEXT NOT NULL, -- JSON of accord.Incident
	search_text TEXT NOT NULL  -- accord.SearchText of its public text
);
CREATE INDEX incidents_system ON incidents(system, occurred);

CREATE TABLE incident_facets (
	facet TEXT NOT NULL,
	rid   INTEGER NOT NULL,
	PRIMARY KEY (facet, rid)
) WITHOUT ROWID;
CREATE INDEX incident_facets_rid ON incident_facets(rid);

CREATE TABLE incident_links (
	link TEXT NOT NULL,
	rid  INTEGER NOT NULL,
	PRIMARY KEY (link, rid)
) WITHOUT ROWID;
CREATE INDEX incident_links_rid ON incident_links(rid);

CREATE TABLE incident_reports (
	id       TEXT NOT NULL,
	version  INTEGER NOT NULL,
	incident TEXT NOT NULL, -- the incident it is listed in now (a merge moves it)
	filed    INTEGER NOT NULL,
	data     TEXT NOT NULL, -- JSON of accord.IncidentReport, confidential part included
	salt     BLOB,          -- the salt of its confidential part's commitment
	PRIMARY KEY (id, version)
) WITHOUT ROWID;
CREATE INDEX incident_reports_incident ON incident_reports(incident, filed);

CREATE TABLE incident_deadlines (
	rid       INTEGER NOT NULL,
	country   TEXT NOT NULL,
	state     TEXT NOT NULL, -- pending, met, missed
	due       INTEGER NOT NULL,
	filed     INTEGER NOT NULL, -- 0 while pending
	log_index INTEGER NOT NULL,
	incident  TEXT NOT NULL,
	PRIMARY KEY (rid, country)
) WITHOUT ROWID;
CREATE INDEX incident_deadlines_dashboard ON incident_deadlines(country, state, due, rid);
CREATE INDEX incident_deadlines_due ON incident_deadlines(country, due, rid);

-- How far the incident service has read each mirrored peer log (its
-- incident.* entries become foreign incidents here).
CREATE TABLE incident_cursors (
	origin   TEXT PRIMARY KEY,
	position INTEGER NOT NULL
) WITHOUT ROWID;

-- Incidents (issue 15): incidents, the versions of their reports, their
-- search facets and links, and the authority's dashboard rows (the
-- earliest deadline of an incident in each country it occurred in).
-- Times are Unix milliseconds; the records themselves are JSON. The SQL is
-- shared with SQLite (internal/incidentsql; sqlite/011_incidents.sql).

CREATE TABLE incidents (
	rid         bigserial PRIMARY KEY,
	id          text NOT NULL UNIQUE,
	merged_into text NOT NULL DEFAULT '', -- a merged incident redirects; nothing is deleted
	system      text NOT NULL,
	occurred    bigint NOT NULL,
	data        text NOT NULL, -- JSON of accord.Incident
	search_text text NOT NULL  -- accord.SearchText of its public text
);
CREATE INDEX incidents_system ON incidents(system, occurred);

CREATE TABLE incident_facets (
	facet text NOT NULL,
	rid   bigint NOT NULL,
	PRIMARY KEY (facet, rid)
);
CREATE INDEX incident_facets_rid ON incident_facets(rid);

CREATE TABLE incident_links (
	link text NOT NULL,
	rid  bigint NOT NULL,
	PRIMARY KEY (link, rid)
);
CREATE INDEX incident_links_rid ON incident_links(rid);

CREATE TABLE incident_reports (
	id       text NOT NULL,
	version  bigint NOT NULL,
	incident text NOT NULL, -- the incident it is listed in now (a merge moves it)
	filed    bigint NOT NULL,
	data     text NOT NULL, -- JSON of accord.IncidentReport, confidential part included
	salt     bytea,          -- the salt of its confidential part's commitment
	PRIMARY KEY (id, version)
);
CREATE INDEX incident_reports_incident ON incident_reports(incident, filed);

CREATE TABLE incident_deadlines (
	rid       bigint NOT NULL,
	country   text NOT NULL,
	state     text NOT NULL, -- pending, met, missed
	due       bigint NOT NULL,
	filed     bigint NOT NULL, -- 0 while pending
	log_index bigint NOT NULL,
	incident  text NOT NULL,
	PRIMARY KEY (rid, country)
);
CREATE INDEX incident_deadlines_dashboard ON incident_deadlines(country, state, due, rid);
CREATE INDEX incident_deadlines_due ON incident_deadlines(country, due, rid);

-- How far the incident service has read each mirrored peer log (its
-- incident.* entries become foreign incidents here).
CREATE TABLE incident_cursors (
	origin   text PRIMARY KEY,
	position bigint NOT NULL
);

-- Shared resources (resource.go): the catalogue's head rows, their search
-- facets (word facets "w:…" among them), every version, needs, matches and
-- the links of registry systems to the resources they are built on. The
-- statements are in internal/resourcesql, shared with PostgreSQL's 008.

CREATE TABLE resources (
	rid      INTEGER PRIMARY KEY AUTOINCREMENT, -- listing order, newest last
	id       TEXT NOT NULL UNIQUE,
	kind     TEXT NOT NULL,
	provider TEXT NOT NULL,
	status   TEXT NOT NULL,
	home     TEXT NOT NULL DEFAULT '', -- '' for this node's records
	version  INTEGER NOT NULL,
	data     BLOB NOT NULL             -- JSON of accord.Resource
);

-- (facet, rid) drives a search from one facet newest first; (rid, facet)
-- checks the others.
CREATE TABLE resource_facets (
	facet TEXT NOT NULL,
	rid   INTEGER NOT NULL REFERENCES resources(rid),
	PRIMARY KEY (facet, rid)
) WITHOUT ROWID;
CREATE INDEX resource_facets_rid ON resource_facets(rid, facet);

CREATE TABLE resource_versions (
	id      TEXT NOT NULL,
	version INTEGER NOT NULL,
	data    BLOB NOT NULL, -- JSON of accord.Resource as of that version
	PRIMARY KEY (id, version)
) WITHOUT ROWID;

CREATE TABLE resource_needs (
	rid    INTEGER PRIMARY KEY AUTOINCREMENT,
	id     TEXT NOT NULL UNIQUE,
	org    TEXT NOT NULL,
	status TEXT NOT NULL,
	data   BLOB NOT NULL -- JSON of accord.Need
);
CREATE INDEX resource_needs_org ON resource_needs(org, rid);

CREATE TABLE resource_matches (
	rid      INTEGER PRIMARY KEY AUTOINCREMENT,
	id       TEXT NOT NULL UNIQUE,
	need     TEXT NOT NULL,
	resource TEXT NOT NULL,
	status   TEXT NOT NULL,
	data     BLOB NOT NULL, -- JSON of accord.Match
	UNIQUE (need, resource)
);
CREATE INDEX resource_matches_resource ON resource_matches(resource, rid);

CREATE TABLE system_resources (
	system   TEXT NOT NULL,
	resource TEXT NOT NULL,
	node     TEXT NOT NULL DEFAULT '', -- '' for this node's catalogue
	data     BLOB NOT NULL,            -- JSON of accord.SystemResourceLink
	PRIMARY KEY (system, resource, node)
) WITHOUT ROWID;
CREATE INDEX system_resources_resource ON system_resources(resource, system);

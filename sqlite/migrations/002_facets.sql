-- Facet values per system, for counting (search facets, home-page figures).
CREATE TABLE system_facets (
	rid   INTEGER NOT NULL REFERENCES systems(rid),
	facet TEXT NOT NULL,
	PRIMARY KEY (facet, rid)
) WITHOUT ROWID;
CREATE INDEX system_facets_rid ON system_facets(rid);

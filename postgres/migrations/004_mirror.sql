-- Mirroring: what this node holds of each peer's log (its state, and the
-- log itself as C2SP tlog-tiles tiles and entry bundles), and the home of
-- every system in search.

CREATE TABLE mirror_state (
	origin     text PRIMARY KEY,
	size       bigint NOT NULL, -- entries stored, all verified
	checkpoint bytea,           -- the latest checkpoint mirrored in full (signed note)
	pending    bytea,           -- the checkpoint a chunked catch-up verifies against
	indexed    bigint NOT NULL, -- entries decoded into foreign records
	updated    text NOT NULL    -- RFC 3339, as SQLite keeps it
);

-- One row per tile (level >= 0) or entry bundle (level -1): 256 hashes or
-- entries when full, fewer at the tree's right edge, replaced as it grows.
CREATE TABLE mirror_tiles (
	origin text NOT NULL,
	level  integer NOT NULL,
	n      bigint NOT NULL,
	width  integer NOT NULL,
	data   bytea NOT NULL,
	PRIMARY KEY (origin, level, n)
);

-- Every system's search document names its home: "node:" and the member
-- for a foreign one, "node:" alone for this node's own. Systems filed
-- before this migration are this node's.
INSERT INTO system_facets (facet, rid) SELECT 'node:', rid FROM systems ON CONFLICT DO NOTHING;
UPDATE system_search SET doc = doc || '''=node:'''::tsvector; -- a quoted lexeme: ':' separates positions

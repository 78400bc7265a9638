-- Mirroring: what this node holds of each peer's log (its state, and the
-- log itself as C2SP tlog-tiles tiles and entry bundles), and the home of
-- every system in search.

CREATE TABLE mirror_state (
	origin     TEXT PRIMARY KEY,
	size       INTEGER NOT NULL, -- entries stored, all verified
	checkpoint BLOB,             -- the latest checkpoint mirrored in full (signed note)
	pending    BLOB,             -- the checkpoint a chunked catch-up verifies against
	indexed    INTEGER NOT NULL, -- entries decoded into foreign records
	updated    TEXT NOT NULL     -- RFC 3339
) WITHOUT ROWID;

-- One row per tile (level >= 0) or entry bundle (level -1): 256 hashes or
-- entries when full, fewer at the tree's right edge, replaced as it grows.
-- A rowid table: bundles are large, and a WITHOUT ROWID table would keep
-- them in its key's B-tree.
CREATE TABLE mirror_tiles (
	tid    INTEGER PRIMARY KEY,
	origin TEXT NOT NULL,
	level  INTEGER NOT NULL,
	n      INTEGER NOT NULL,
	width  INTEGER NOT NULL,
	data   BLOB NOT NULL,
	UNIQUE (origin, level, n)
);

-- Every system's search document names its home: "node:" and the member
-- for a foreign one, "node:" alone for this node's own. Systems filed
-- before this migration are this node's.
INSERT OR IGNORE INTO system_facets(rid, facet) SELECT rid, 'node:' FROM systems;
-- The full-text index holds the facets too (all but the classification
-- ones): write each document again with the new facet.
INSERT INTO systems_fts(systems_fts) VALUES ('delete-all');
INSERT INTO systems_fts(rowid, text, facets)
	SELECT s.rid, s.search_text, coalesce((SELECT group_concat(facet, ' ') FROM
		(SELECT facet FROM system_facets f WHERE f.rid = s.rid
			AND NOT (facet GLOB 'level:*' OR facet GLOB 'tier:*' OR facet GLOB 'framework:*') ORDER BY facet)), '')
	FROM systems s;

-- Facets move to a table keyed by system (rid, facet). Keyed by facet, a
-- filing wrote into one B-tree page per facet value it has (its provider,
-- countries, domains…), scattered over the table: facet pages were most of
-- what each batch of filings wrote. Keyed by system, a filing's facets are
-- appended together at the end.
--
-- What needs facets in facet order gets its own small structures, kept by
-- triggers so that every write path (filings, re-classification, loads)
-- keeps them right:
--   * class_facets: the classification facets (level, tier, framework: a
--     few dozen values) by facet, for filters on them;
--   * facet_counts: how many systems have each facet, for counts without a
--     filter (the home page), which no longer scan the facets at all.
CREATE TABLE system_facets_by_system (
	rid   INTEGER NOT NULL,
	facet TEXT NOT NULL,
	PRIMARY KEY (rid, facet)
) WITHOUT ROWID;
INSERT INTO system_facets_by_system(rid, facet) SELECT rid, facet FROM system_facets ORDER BY rid, facet;

CREATE TABLE class_facets (
	facet TEXT NOT NULL,
	rid   INTEGER NOT NULL,
	PRIMARY KEY (facet, rid)
) WITHOUT ROWID;
INSERT INTO class_facets(facet, rid) SELECT facet, rid FROM system_facets
	WHERE facet GLOB 'level:*' OR facet GLOB 'tier:*' OR facet GLOB 'framework:*' ORDER BY facet, rid;

CREATE TABLE facet_counts (
	facet TEXT PRIMARY KEY,
	n     INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO facet_counts(facet, n) SELECT facet, count(*) FROM system_facets GROUP BY facet;

DROP TABLE system_facets;
ALTER TABLE system_facets_by_system RENAME TO system_facets;

CREATE TRIGGER system_facet_added AFTER INSERT ON system_facets BEGIN
	INSERT INTO facet_counts(facet, n) VALUES (new.facet, 1) ON CONFLICT (facet) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER system_facet_removed AFTER DELETE ON system_facets BEGIN
	UPDATE facet_counts SET n = n - 1 WHERE facet = old.facet;
END;
CREATE TRIGGER class_facet_added AFTER INSERT ON system_facets
	WHEN new.facet GLOB 'level:*' OR new.facet GLOB 'tier:*' OR new.facet GLOB 'framework:*' BEGIN
	INSERT OR IGNORE INTO class_facets(facet, rid) VALUES (new.facet, new.rid);
END;
CREATE TRIGGER class_facet_removed AFTER DELETE ON system_facets
	WHEN old.facet GLOB 'level:*' OR old.facet GLOB 'tier:*' OR old.facet GLOB 'framework:*' BEGIN
	DELETE FROM class_facets WHERE facet = old.facet AND rid = old.rid;
END;

-- Versions move to a rowid table. In the WITHOUT ROWID table each version
-- (about 2 KB of JSON) lived in its key's B-tree, where SQLite keeps at
-- most about 1 KB of a row and spills the rest to an overflow page: more
-- than a page per version, written at every filing. Here rows are stored
-- whole, about two a page, and the (system_id, version) key is a small index.
CREATE TABLE system_versions_rowid (
	vid       INTEGER PRIMARY KEY,
	system_id TEXT NOT NULL,
	version   INTEGER NOT NULL,
	data      BLOB NOT NULL, -- JSON of accord.SystemVersion, confidential fields included
	salts     BLOB,          -- JSON of the private commitment salts
	UNIQUE (system_id, version)
);
INSERT INTO system_versions_rowid(system_id, version, data, salts)
	SELECT system_id, version, data, salts FROM system_versions ORDER BY system_id, version;
DROP TABLE system_versions;
ALTER TABLE system_versions_rowid RENAME TO system_versions;

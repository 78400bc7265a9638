-- Keep each system's search text beside it: the full-text index is
-- contentless, and `accord migrate-store` must copy the document itself.
ALTER TABLE systems ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

-- Rebuild the text of systems stored before this column from the index's
-- tokens, in position order.
CREATE VIRTUAL TABLE temp.systems_fts_instance USING fts5vocab(main, systems_fts, instance);
CREATE TEMP TABLE systems_fts_tokens AS
	SELECT doc, "offset" AS pos, term FROM temp.systems_fts_instance WHERE col = 'text';
CREATE INDEX temp.systems_fts_tokens_doc ON systems_fts_tokens(doc, pos);
UPDATE systems SET search_text = coalesce(
	(SELECT group_concat(term, ' ' ORDER BY pos) FROM temp.systems_fts_tokens WHERE doc = systems.rid), '');
DROP TABLE temp.systems_fts_tokens;
DROP TABLE temp.systems_fts_instance;

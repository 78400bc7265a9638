package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

var (
	_ accord.Dumper = (*DB)(nil)
	_ accord.Loader = (*DB)(nil)
)

// Dump writes every row to w from one REPEATABLE READ snapshot.
func (db *DB) Dump(ctx context.Context, w accord.DumpWriter) error {
	tx, err := db.begin(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	d := dumper{tx: tx}
	steps := []struct {
		what string
		fn   func(context.Context, accord.DumpWriter) error
	}{
		{"meta", d.meta}, {"organizations", d.organizations}, {"tokens", d.tokens}, {"systems", d.systems},
		{"system versions", d.versions}, {"idempotency keys", d.idempotency}, {"log entries", d.entries},
		{"log hashes", d.hashes}, {"checkpoints", d.checkpoints},
		{"federation", func(ctx context.Context, w accord.DumpWriter) error { return accord.DumpFederation(ctx, d.each, w) }},
		{"incidents", d.incidents},
		{"consent", func(ctx context.Context, w accord.DumpWriter) error { return accord.DumpConsent(ctx, d.each, w) }},
	}
	for _, s := range steps {
		if err := s.fn(ctx, w); err != nil {
			return fmt.Errorf("dump %s: %w", s.what, err)
		}
	}
	return nil
}

type dumper struct{ tx pgx.Tx }

// each runs sql and calls fn with every row's scanner.
func (d dumper) each(ctx context.Context, sql string, fn func(scan func(...any) error) error) error {
	rows, err := d.tx.Query(ctx, sql)
	if err != nil {
		return unavailable(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return unavailable(rows.Err())
}

func (d dumper) meta(ctx context.Context, w accord.DumpWriter) error {
	return d.each(ctx, `SELECT key, value FROM meta ORDER BY key COLLATE "C"`, func(scan func(...any) error) error {
		var k string
		var v []byte
		if err := scan(&k, &v); err != nil {
			return err
		}
		return w.Meta(ctx, k, v)
	})
}

func (d dumper) organizations(ctx context.Context, w accord.DumpWriter) error {
	return d.each(ctx, `SELECT rid, data FROM organizations ORDER BY rid`, func(scan func(...any) error) error {
		var rid int64
		var data []byte
		if err := scan(&rid, &data); err != nil {
			return err
		}
		var o accord.Organization
		if err := json.Unmarshal(data, &o); err != nil {
			return fmt.Errorf("decode organization %d: %w", rid, err)
		}
		return w.Organization(ctx, rid, o)
	})
}

func (d dumper) tokens(ctx context.Context, w accord.DumpWriter) error {
	return d.each(ctx, `SELECT data, hash FROM tokens ORDER BY id COLLATE "C"`, func(scan func(...any) error) error {
		var data, hash []byte
		if err := scan(&data, &hash); err != nil {
			return err
		}
		var tok accord.Token
		if err := json.Unmarshal(data, &tok); err != nil {
			return fmt.Errorf("decode token: %w", err)
		}
		return w.Token(ctx, tok, hash)
	})
}

func (d dumper) systems(ctx context.Context, w accord.DumpWriter) error {
	return d.each(ctx, `SELECT rid, data, summary, search_text,
			ARRAY(SELECT facet FROM system_facets f WHERE f.rid = s.rid ORDER BY facet)
		FROM systems s ORDER BY rid`, func(scan func(...any) error) error {
		var rid int64
		var data, summary []byte
		var doc accord.SearchDoc
		if err := scan(&rid, &data, &summary, &doc.Text, &doc.Facets); err != nil {
			return err
		}
		if len(doc.Facets) == 0 {
			doc.Facets = nil
		}
		var s accord.System
		var sum accord.SystemSummary
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("decode system %d: %w", rid, err)
		}
		if err := json.Unmarshal(summary, &sum); err != nil {
			return fmt.Errorf("decode summary of %s: %w", s.ID, err)
		}
		return w.System(ctx, rid, s, sum, doc)
	})
}

func (d dumper) versions(ctx context.Context, w accord.DumpWriter) error {
	return d.each(ctx, `SELECT data, salts FROM system_versions ORDER BY system_id COLLATE "C", version`, func(scan func(...any) error) error {
		var data, salts []byte
		if err := scan(&data, &salts); err != nil {
			return err
		}
		v, err := accord.DecodeStoredVersion(data, salts)
		if err != nil {
			return err
		}
		return w.SystemVersion(ctx, *v)
	})
}

func (d dumper) idempotency(ctx context.Context, w accord.DumpWriter) error {
	return d.each(ctx, `SELECT org, key, request_hash, resource, version, created FROM idempotency ORDER BY org COLLATE "C", key COLLATE "C"`, func(scan func(...any) error) error {
		var i accord.Idempotency
		var created string
		if err := scan(&i.Org, &i.Key, &i.RequestHash, &i.Resource, &i.Version, &created); err != nil {
			return err
		}
		i.Created, _ = time.Parse(time.RFC3339Nano, created)
		return w.Idempotency(ctx, i)
	})
}

// chunks reads (idx, bytea) rows in index order and passes them on in runs
// of accord.DumpChunk, checking that no index is missing.
func (d dumper) chunks(ctx context.Context, sql string, fn func(start int64, blobs [][]byte) error) error {
	var start int64
	var buf [][]byte
	err := d.each(ctx, sql, func(scan func(...any) error) error {
		var idx int64
		var b []byte
		if err := scan(&idx, &b); err != nil {
			return err
		}
		if idx != start+int64(len(buf)) {
			return fmt.Errorf("index %d missing", start+int64(len(buf)))
		}
		buf = append(buf, b)
		if len(buf) == accord.DumpChunk {
			if err := fn(start, buf); err != nil {
				return err
			}
			start, buf = start+int64(len(buf)), nil
		}
		return nil
	})
	if err != nil || len(buf) == 0 {
		return err
	}
	return fn(start, buf)
}

func (d dumper) entries(ctx context.Context, w accord.DumpWriter) error {
	return d.chunks(ctx, `SELECT idx, data FROM log_entries ORDER BY idx`, func(start int64, es [][]byte) error {
		return w.LogEntries(ctx, start, es)
	})
}

func (d dumper) hashes(ctx context.Context, w accord.DumpWriter) error {
	return d.chunks(ctx, `SELECT idx, hash FROM log_hashes ORDER BY idx`, func(start int64, bs [][]byte) error {
		hs := make([]tlog.Hash, len(bs))
		for i, b := range bs {
			if len(b) != tlog.HashSize {
				return fmt.Errorf("stored hash %d has %d bytes", start+int64(i), len(b))
			}
			hs[i] = tlog.Hash(b)
		}
		return w.LogHashes(ctx, start, hs)
	})
}

func (d dumper) checkpoints(ctx context.Context, w accord.DumpWriter) error {
	return d.each(ctx, `SELECT size, note FROM checkpoints ORDER BY size`, func(scan func(...any) error) error {
		var size int64
		var note []byte
		if err := scan(&size, &note); err != nil {
			return err
		}
		return w.Checkpoint(ctx, size, note)
	})
}

// Load fills an empty schema in one transaction. Rows are buffered and
// inserted a few thousand at a time from arrays, then the row-id sequences
// move past the loaded ids and the planner's statistics are refreshed.
func (db *DB) Load(ctx context.Context, fn func(accord.DumpWriter) error) error {
	err := db.Update(ctx, func(wtx accord.WriteTx) error {
		t := wtx.(*Tx)
		if err := t.LockLog(ctx); err != nil {
			return err
		}
		var used bool
		if _, err := t.one(ctx, []any{&used}, `SELECT EXISTS (SELECT 1 FROM meta) OR EXISTS (SELECT 1 FROM organizations) OR EXISTS (SELECT 1 FROM tokens)
			OR EXISTS (SELECT 1 FROM systems) OR EXISTS (SELECT 1 FROM log_entries) OR EXISTS (SELECT 1 FROM checkpoints)`); err != nil {
			return err
		}
		if used {
			return accord.Errorf(accord.EConflict, "the destination database %s (schema %s) is not empty", db.where, db.schema)
		}
		l := &loader{t: t}
		if err := fn(l); err != nil {
			return err
		}
		if err := l.flush(ctx); err != nil {
			return err
		}
		for _, table := range []string{"organizations", "systems"} {
			if _, err := t.exec(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'rid'), GREATEST((SELECT max(rid) FROM `+table+`), 1), (SELECT count(*) > 0 FROM `+table+`))`); err != nil {
				return unavailable(fmt.Errorf("move the %s row-id sequence: %w", table, err))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Statistics for this schema's tables only (a bare ANALYZE does the whole database).
	if _, err := db.pool.Exec(ctx, `ANALYZE meta, organizations, tokens, systems, system_facets, system_search, system_versions, idempotency, log_entries, log_hashes, checkpoints, peers, witness_state, witness_cosigned, checkpoint_cosignatures`); err != nil {
		return unavailable(fmt.Errorf("analyze after load: %w", err))
	}
	return nil
}

// loadBatch is how many rows one INSERT … SELECT FROM unnest(…) writes.
const loadBatch = 2000

// loader buffers rows per table as column arrays.
type loader struct {
	t    *Tx
	orgs struct {
		rid               []int64
		id, kind, country []string
		data              [][]byte
	}
	systems struct {
		rid                []int64
		id, provider, text []string
		data, summary      [][]byte
		doc                []pgtype.TSVector
		facetRid           []int64
		facet              []string
	}
	versions struct {
		id      []string
		version []int32
		data    [][]byte
		salts   [][]byte
	}
}

func (l *loader) flush(ctx context.Context) error {
	if err := l.flushOrgs(ctx); err != nil {
		return err
	}
	if err := l.flushSystems(ctx); err != nil {
		return err
	}
	return l.flushVersions(ctx)
}

func (l *loader) run(ctx context.Context, what, sql string, args ...any) error {
	if _, err := l.t.exec(ctx, sql, args...); err != nil {
		if isUnique(err) {
			return accord.Errorf(accord.EConflict, "a dumped %s appears twice: %v", what, err)
		}
		return unavailable(fmt.Errorf("load %s: %w", what, err))
	}
	return nil
}

func (l *loader) Meta(ctx context.Context, key string, value []byte) error {
	return l.t.SetMeta(ctx, key, value)
}

func (l *loader) Organization(ctx context.Context, seq int64, o accord.Organization) error {
	if !validText(o.ID, o.Kind, o.Country) {
		return invalidText("organization id, kind or country")
	}
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	b := &l.orgs
	b.rid, b.id, b.kind, b.country, b.data = append(b.rid, seq), append(b.id, o.ID), append(b.kind, o.Kind), append(b.country, o.Country), append(b.data, data)
	if len(b.rid) >= loadBatch {
		return l.flushOrgs(ctx)
	}
	return nil
}

func (l *loader) flushOrgs(ctx context.Context) error {
	b := &l.orgs
	if len(b.rid) == 0 {
		return nil
	}
	err := l.run(ctx, "organization", `INSERT INTO organizations (rid, id, kind, country, data)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bytea[])`, b.rid, b.id, b.kind, b.country, b.data)
	b.rid, b.id, b.kind, b.country, b.data = b.rid[:0], b.id[:0], b.kind[:0], b.country[:0], b.data[:0]
	return err
}

func (l *loader) Token(ctx context.Context, tok accord.Token, hash []byte) error {
	if err := l.flushOrgs(ctx); err != nil {
		return err
	}
	return l.t.CreateToken(ctx, tok, hash)
}

func (l *loader) System(ctx context.Context, seq int64, s accord.System, summary accord.SystemSummary, doc accord.SearchDoc) error {
	if !validText(append([]string{s.ID, s.Provider, doc.Text}, doc.Facets...)...) {
		return invalidText("system id, provider or search document")
	}
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	sum, err := json.Marshal(summary)
	if err != nil {
		return err
	}
	b := &l.systems
	b.rid, b.id, b.provider, b.text = append(b.rid, seq), append(b.id, s.ID), append(b.provider, s.Provider), append(b.text, doc.Text)
	b.data, b.summary, b.doc = append(b.data, data), append(b.summary, sum), append(b.doc, docVector(doc))
	for _, f := range doc.Facets {
		b.facetRid, b.facet = append(b.facetRid, seq), append(b.facet, f)
	}
	if len(b.rid) >= loadBatch {
		return l.flushSystems(ctx)
	}
	return nil
}

func (l *loader) flushSystems(ctx context.Context) error {
	b := &l.systems
	if len(b.rid) == 0 {
		return nil
	}
	err := l.run(ctx, "system", `INSERT INTO systems (rid, id, provider, data, summary, search_text)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[], $5::bytea[], $6::text[])`,
		b.rid, b.id, b.provider, b.data, b.summary, b.text)
	if err == nil {
		err = l.run(ctx, "search document", `INSERT INTO system_search (rid, doc) SELECT * FROM unnest($1::bigint[], $2::tsvector[])`, b.rid, b.doc)
	}
	if err == nil && len(b.facet) > 0 {
		err = l.run(ctx, "facet", `INSERT INTO system_facets (facet, rid) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING`, b.facet, b.facetRid)
	}
	b.rid, b.id, b.provider, b.text = b.rid[:0], b.id[:0], b.provider[:0], b.text[:0]
	b.data, b.summary, b.doc, b.facetRid, b.facet = b.data[:0], b.summary[:0], b.doc[:0], b.facetRid[:0], b.facet[:0]
	return err
}

func (l *loader) SystemVersion(ctx context.Context, v accord.SystemVersion) error {
	if err := l.flushSystems(ctx); err != nil {
		return err
	}
	if !validText(v.SystemID) {
		return invalidText("system id")
	}
	data, salts, err := accord.EncodeStoredVersion(v)
	if err != nil {
		return err
	}
	b := &l.versions
	b.id, b.version, b.data, b.salts = append(b.id, v.SystemID), append(b.version, int32(v.Version)), append(b.data, data), append(b.salts, salts)
	if len(b.id) >= loadBatch {
		return l.flushVersions(ctx)
	}
	return nil
}

func (l *loader) flushVersions(ctx context.Context) error {
	b := &l.versions
	if len(b.id) == 0 {
		return nil
	}
	err := l.run(ctx, "system version", `INSERT INTO system_versions (system_id, version, data, salts)
		SELECT * FROM unnest($1::text[], $2::integer[], $3::bytea[], $4::bytea[])`, b.id, b.version, b.data, b.salts)
	b.id, b.version, b.data, b.salts = b.id[:0], b.version[:0], b.data[:0], b.salts[:0]
	return err
}

func (l *loader) Idempotency(ctx context.Context, i accord.Idempotency) error {
	if err := l.flush(ctx); err != nil {
		return err
	}
	return l.t.PutIdempotency(ctx, i)
}

func (l *loader) LogEntries(ctx context.Context, start int64, entries [][]byte) error {
	if err := l.flush(ctx); err != nil {
		return err
	}
	return l.t.AppendLog(ctx, start, entries, 0, nil)
}

func (l *loader) LogHashes(ctx context.Context, start int64, hashes []tlog.Hash) error {
	return l.t.AppendLog(ctx, 0, nil, start, hashes)
}

func (l *loader) Checkpoint(ctx context.Context, size int64, note []byte) error {
	if err := l.flush(ctx); err != nil {
		return err
	}
	return l.t.PutCheckpoint(ctx, size, note)
}

func (l *loader) Consent(ctx context.Context, r accord.ConsentRow) error {
	return accord.LoadConsent(ctx, l.t, r)
}

func (l *loader) Federation(ctx context.Context, r accord.FederationRow) error {
	if err := l.flush(ctx); err != nil {
		return err
	}
	return accord.LoadFederation(ctx, l.t, r, l)
}

func (l *loader) PutWitness(ctx context.Context, latest bool, s accord.WitnessState) error {
	table := "witness_cosigned"
	if latest {
		table = "witness_state"
	}
	return l.t.insertOnce(ctx, table+" of "+s.Origin+" appears twice",
		`INSERT INTO `+table+` (origin, size, root, checkpoint, cosigned) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		s.Origin, s.Size, s.Root[:], s.Checkpoint, accord.LogTime(s.Cosigned))
}

func (l *loader) PutMirrorTile(ctx context.Context, m accord.MirrorTileOf) error {
	return l.t.insertOnce(ctx, fmt.Sprintf("mirror tile %d/%d of %s appears twice", m.Level, m.N, m.Origin),
		`INSERT INTO mirror_tiles (origin, level, n, width, data) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		m.Origin, m.Level, m.N, m.Width, m.Data)
}

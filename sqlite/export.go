package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

var (
	_ accord.Dumper = (*DB)(nil)
	_ accord.Loader = (*DB)(nil)
)

// Dump writes every row to w from one read transaction (a WAL snapshot).
func (db *DB) Dump(ctx context.Context, w accord.DumpWriter) error {
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return unavailable(err)
	}
	defer tx.Rollback()
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

type dumper struct{ tx *sql.Tx }

// each runs query and calls fn with every row's scanner.
func (d dumper) each(ctx context.Context, query string, fn func(scan func(...any) error) error) error {
	rows, err := d.tx.QueryContext(ctx, query)
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
	return d.each(ctx, `SELECT key, value FROM meta ORDER BY key`, func(scan func(...any) error) error {
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
	return d.each(ctx, `SELECT data, hash FROM tokens ORDER BY id`, func(scan func(...any) error) error {
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
			(SELECT json_group_array(facet ORDER BY facet) FROM system_facets f WHERE f.rid = s.rid)
		FROM systems s ORDER BY rid`, func(scan func(...any) error) error {
		var rid int64
		var data, summary []byte
		var doc accord.SearchDoc
		var facets string
		if err := scan(&rid, &data, &summary, &doc.Text, &facets); err != nil {
			return err
		}
		var s accord.System
		var sum accord.SystemSummary
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("decode system %d: %w", rid, err)
		}
		if err := json.Unmarshal(summary, &sum); err != nil {
			return fmt.Errorf("decode summary of %s: %w", s.ID, err)
		}
		if err := json.Unmarshal([]byte(facets), &doc.Facets); err != nil {
			return fmt.Errorf("decode facets of %s: %w", s.ID, err)
		}
		sum.Level, sum.Tiers = accord.ClassOutcome(doc.Facets) // see storedSummary
		return w.System(ctx, rid, s, sum, doc)
	})
}

func (d dumper) versions(ctx context.Context, w accord.DumpWriter) error {
	return d.each(ctx, `SELECT data, salts FROM system_versions ORDER BY system_id, version`, func(scan func(...any) error) error {
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
	return d.each(ctx, `SELECT org, key, request_hash, resource, version, created FROM idempotency ORDER BY org, key`, func(scan func(...any) error) error {
		var i accord.Idempotency
		var created string
		if err := scan(&i.Org, &i.Key, &i.RequestHash, &i.Resource, &i.Version, &created); err != nil {
			return err
		}
		i.Created, _ = time.Parse(time.RFC3339Nano, created)
		return w.Idempotency(ctx, i)
	})
}

// chunks reads (idx, blob) rows in index order and passes them on in runs
// of accord.DumpChunk, checking that no index is missing.
func (d dumper) chunks(ctx context.Context, query string, fn func(start int64, blobs [][]byte) error) error {
	var start int64
	var buf [][]byte
	err := d.each(ctx, query, func(scan func(...any) error) error {
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

// Load fills an empty database in one write transaction.
func (db *DB) Load(ctx context.Context, fn func(accord.DumpWriter) error) error {
	return db.Update(ctx, func(wtx accord.WriteTx) error {
		t := wtx.(*Tx)
		var used bool
		row, err := t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM meta) OR EXISTS (SELECT 1 FROM organizations) OR EXISTS (SELECT 1 FROM tokens)
			OR EXISTS (SELECT 1 FROM systems) OR EXISTS (SELECT 1 FROM log_entries) OR EXISTS (SELECT 1 FROM checkpoints)`)
		if err != nil {
			return err
		}
		if err := row.Scan(&used); err != nil {
			return unavailable(err)
		}
		if used {
			return accord.Errorf(accord.EConflict, "the destination database %s is not empty", db.path)
		}
		return fn(loader{t})
	})
}

// loader writes dumped rows with their original row ids.
type loader struct{ t *Tx }

func (l loader) Meta(ctx context.Context, key string, value []byte) error {
	return l.t.SetMeta(ctx, key, value)
}

func (l loader) Organization(ctx context.Context, seq int64, o accord.Organization) error {
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = l.t.exec(ctx, `INSERT INTO organizations(rid, id, kind, country, data) VALUES (?, ?, ?, ?, ?)`, seq, o.ID, o.Kind, o.Country, data)
	return l.conflict(err, "organization "+o.ID)
}

func (l loader) conflict(err error, what string) error {
	if isConstraint(err) {
		return accord.Errorf(accord.EConflict, "%s appears twice", what)
	}
	return unavailable(err)
}

func (l loader) Token(ctx context.Context, tok accord.Token, hash []byte) error {
	data, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	var revoked any
	if tok.Revoked != nil {
		revoked = accord.LogTime(*tok.Revoked)
	}
	_, err = l.t.exec(ctx, `INSERT INTO tokens(id, org, hash, data, revoked) VALUES (?, ?, ?, ?, ?)`, tok.ID, tok.Org, hash, data, revoked)
	return l.conflict(err, "token "+tok.ID)
}

func (l loader) System(ctx context.Context, seq int64, s accord.System, summary accord.SystemSummary, doc accord.SearchDoc) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	sum, err := storedSummary(summary)
	if err != nil {
		return err
	}
	if _, err := l.t.exec(ctx, `INSERT INTO systems(rid, id, provider, data, summary, search_text) VALUES (?, ?, ?, ?, ?, ?)`,
		seq, s.ID, s.Provider, data, sum, doc.Text); err != nil {
		return l.conflict(err, "system "+s.ID)
	}
	for _, f := range doc.Facets {
		if _, err := l.t.exec(ctx, `INSERT OR IGNORE INTO system_facets(rid, facet) VALUES (?, ?)`, seq, f); err != nil {
			return unavailable(err)
		}
	}
	_, err = l.t.exec(ctx, `INSERT INTO systems_fts(rowid, text, facets) VALUES (?, ?, ?)`, seq, doc.Text, ftsFacets(doc.Facets))
	return unavailable(err)
}

func (l loader) SystemVersion(ctx context.Context, v accord.SystemVersion) error {
	return l.t.AddSystemVersion(ctx, v)
}

func (l loader) Idempotency(ctx context.Context, i accord.Idempotency) error {
	return l.t.PutIdempotency(ctx, i)
}

func (l loader) LogEntries(ctx context.Context, start int64, entries [][]byte) error {
	return l.t.AppendLog(ctx, start, entries, 0, nil)
}

func (l loader) LogHashes(ctx context.Context, start int64, hashes []tlog.Hash) error {
	return l.t.AppendLog(ctx, 0, nil, start, hashes)
}

func (l loader) Checkpoint(ctx context.Context, size int64, note []byte) error {
	return l.t.PutCheckpoint(ctx, size, note)
}

func (l loader) Consent(ctx context.Context, r accord.ConsentRow) error {
	return accord.LoadConsent(ctx, l.t, r)
}

func (l loader) Federation(ctx context.Context, r accord.FederationRow) error {
	return accord.LoadFederation(ctx, l.t, r, l)
}

func (l loader) PutWitness(ctx context.Context, latest bool, s accord.WitnessState) error {
	table := "witness_cosigned"
	if latest {
		table = "witness_state"
	}
	_, err := l.t.exec(ctx, `INSERT INTO `+table+`(origin, size, root, checkpoint, cosigned) VALUES (?, ?, ?, ?, ?)`,
		s.Origin, s.Size, s.Root[:], s.Checkpoint, accord.LogTime(s.Cosigned))
	return l.conflict(err, table+" of "+s.Origin)
}

func (l loader) PutMirrorTile(ctx context.Context, m accord.MirrorTileOf) error {
	_, err := l.t.exec(ctx, `INSERT INTO mirror_tiles(origin, level, n, width, data) VALUES (?, ?, ?, ?, ?)`,
		m.Origin, m.Level, m.N, m.Width, m.Data)
	return l.conflict(err, fmt.Sprintf("mirror tile %d/%d of %s", m.Level, m.N, m.Origin))
}

package accord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Moving a node to another store (`accord migrate-store`) copies every row of
// one store into an empty one. The log's entries, Merkle hashes and signed
// checkpoints travel as bytes, so the moved log is the same log: same tiles,
// same checkpoints, and the next entry continues it.

// Dumper is a store that can write out its whole state.
type Dumper interface {
	// Dump calls w for every row, read from one consistent snapshot, table by
	// table: meta, organizations, tokens, systems, system versions,
	// idempotency keys, log entries, log hashes, checkpoints, then the
	// federation's tables (DumpFederation).
	Dump(ctx context.Context, w DumpWriter) error
}

// Loader is a store that can take a whole state.
type Loader interface {
	// Load runs fn with a writer into the store inside one transaction, and
	// commits if fn returns nil. The store must be empty (EConflict if not).
	Load(ctx context.Context, fn func(DumpWriter) error) error
}

// DumpWriter receives a store's rows. Seq is a row's position in its store's
// listing order (organizations oldest first, systems newest last); a loader
// keeps it so that listing order and pagination cursors survive the move.
type DumpWriter interface {
	Meta(ctx context.Context, key string, value []byte) error
	Organization(ctx context.Context, seq int64, o Organization) error
	Token(ctx context.Context, t Token, hash []byte) error
	System(ctx context.Context, seq int64, s System, summary SystemSummary, doc SearchDoc) error
	SystemVersion(ctx context.Context, v SystemVersion) error
	Idempotency(ctx context.Context, i Idempotency) error
	// LogEntries and LogHashes come in index order, in chunks.
	LogEntries(ctx context.Context, start int64, entries [][]byte) error
	LogHashes(ctx context.Context, start int64, hashes []tlog.Hash) error
	Checkpoint(ctx context.Context, size int64, note []byte) error
	// Federation receives the federation's rows (see FederationRow). The
	// witness's state must move with the node: a witness that forgot what it
	// cosigned could be led to cosign a second history.
	Federation(ctx context.Context, r FederationRow) error
	// Incident receives the incident tables' rows (IncidentRow).
	Incident(ctx context.Context, r IncidentRow) error
	// Consent receives consent's rows (notices, subjects, events; see DumpConsent).
	Consent(ctx context.Context, r ConsentRow) error
}

// FederationRow is one row of the federation's tables: exactly one field is set.
type FederationRow struct {
	Peer            *Peer            `json:"peer,omitempty"`
	ExternalWitness *ExternalWitness `json:"external_witness,omitempty"`
	WitnessState    *WitnessState    `json:"witness_state,omitempty"`    // the latest cosigned, per log
	WitnessCosigned *WitnessState    `json:"witness_cosigned,omitempty"` // the cosigned history
	Cosignature     *Cosignature     `json:"cosignature,omitempty"`
	Alarm           *Alarm           `json:"alarm,omitempty"`
	// What the node mirrors of its peers' logs: without it a moved node
	// would fetch every peer's log again, and until it had, its foreign
	// records would rest on tiles it no longer holds.
	MirrorState *MirrorState  `json:"mirror_state,omitempty"`
	MirrorTile  *MirrorTileOf `json:"mirror_tile,omitempty"`
	// Resource is a row of the shared-resources catalogue (resource.go).
	Resource *ResourceRow `json:"resource,omitempty"`
}

// MirrorTileOf is a stored tile of one mirrored log.
type MirrorTileOf struct {
	Origin string
	MirrorTile
}

// FederationLoader inserts the federation's rows that no store method
// writes as they are: a witness state (latest, or the cosigned history)
// and a mirrored log's tile.
type FederationLoader interface {
	PutWitness(ctx context.Context, latest bool, s WitnessState) error
	PutMirrorTile(ctx context.Context, t MirrorTileOf) error
}

// EachRow runs a query in a store's dump snapshot and calls fn with every
// row's scanner.
type EachRow func(ctx context.Context, query string, fn func(scan func(...any) error) error) error

// DumpFederation writes the federation's tables to w, through a store's
// EachRow. Both stores keep them in the same columns (migrations
// sqlite/007_federation.sql and postgres/003_federation.sql, and the
// mirror's 008_mirror.sql and 004_mirror.sql).
func DumpFederation(ctx context.Context, each EachRow, w DumpWriter) error {
	jsonRows := func(query string, row func(data []byte) (FederationRow, error)) error {
		return each(ctx, query, func(scan func(...any) error) error {
			var data []byte
			if err := scan(&data); err != nil {
				return err
			}
			r, err := row(data)
			if err != nil {
				return err
			}
			return w.Federation(ctx, r)
		})
	}
	witness := func(table string, set func(*WitnessState) FederationRow) error {
		return each(ctx, `SELECT origin, size, root, checkpoint, cosigned FROM `+table+` ORDER BY origin, size`, func(scan func(...any) error) error {
			var s WitnessState
			var root []byte
			var at string
			if err := scan(&s.Origin, &s.Size, &root, &s.Checkpoint, &at); err != nil {
				return err
			}
			if len(root) != tlog.HashSize {
				return fmt.Errorf("%s of %s: root of %d bytes", table, s.Origin, len(root))
			}
			s.Root = tlog.Hash(root)
			s.Cosigned, _ = time.Parse(time.RFC3339Nano, at)
			return w.Federation(ctx, set(&s))
		})
	}
	steps := []func() error{
		func() error {
			return jsonRows(`SELECT data FROM peers ORDER BY name`, func(data []byte) (FederationRow, error) {
				var p Peer
				return FederationRow{Peer: &p}, json.Unmarshal(data, &p)
			})
		},
		func() error {
			return jsonRows(`SELECT data FROM external_witnesses ORDER BY name`, func(data []byte) (FederationRow, error) {
				var x ExternalWitness
				return FederationRow{ExternalWitness: &x}, json.Unmarshal(data, &x)
			})
		},
		func() error {
			return witness("witness_state", func(s *WitnessState) FederationRow { return FederationRow{WitnessState: s} })
		},
		func() error {
			return witness("witness_cosigned", func(s *WitnessState) FederationRow { return FederationRow{WitnessCosigned: s} })
		},
		func() error {
			return each(ctx, `SELECT size, witness, line, time FROM checkpoint_cosignatures ORDER BY size, witness`, func(scan func(...any) error) error {
				var c Cosignature
				var ts int64
				if err := scan(&c.Size, &c.Witness, &c.Line, &ts); err != nil {
					return err
				}
				c.Time = time.Unix(ts, 0).UTC()
				return w.Federation(ctx, FederationRow{Cosignature: &c})
			})
		},
		func() error {
			return each(ctx, `SELECT id, origin, kind, evidence, detected FROM alarms ORDER BY id`, func(scan func(...any) error) error {
				var a Alarm
				var ev []byte
				var at string
				if err := scan(&a.ID, &a.Origin, &a.Kind, &ev, &at); err != nil {
					return err
				}
				a.Evidence = ev
				a.Detected, _ = time.Parse(time.RFC3339Nano, at)
				return w.Federation(ctx, FederationRow{Alarm: &a})
			})
		},
	}
	steps = append(steps,
		func() error {
			return each(ctx, `SELECT origin, size, checkpoint, pending, indexed, updated FROM mirror_state ORDER BY origin`, func(scan func(...any) error) error {
				var m MirrorState
				var at string
				if err := scan(&m.Origin, &m.Size, &m.Checkpoint, &m.Pending, &m.Indexed, &at); err != nil {
					return err
				}
				m.Updated, _ = time.Parse(time.RFC3339Nano, at)
				return w.Federation(ctx, FederationRow{MirrorState: &m})
			})
		},
		func() error {
			return each(ctx, `SELECT origin, level, n, width, data FROM mirror_tiles ORDER BY origin, level, n`, func(scan func(...any) error) error {
				var m MirrorTileOf
				if err := scan(&m.Origin, &m.Level, &m.N, &m.Width, &m.Data); err != nil {
					return err
				}
				return w.Federation(ctx, FederationRow{MirrorTile: &m})
			})
		})
	steps = append(steps, func() error { return dumpResources(ctx, each, w) }) // resource.go
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("dump federation: %w", err)
		}
	}
	return nil
}

// LoadFederation writes one federation row into a loading store's
// transaction, through its store methods where they write a row as it is,
// and through raw otherwise.
func LoadFederation(ctx context.Context, tx WriteTx, r FederationRow, raw FederationLoader) error {
	switch {
	case r.Peer != nil:
		return tx.CreatePeer(ctx, *r.Peer)
	case r.ExternalWitness != nil:
		return tx.PutExternalWitness(ctx, *r.ExternalWitness)
	case r.WitnessState != nil:
		return raw.PutWitness(ctx, true, *r.WitnessState)
	case r.WitnessCosigned != nil:
		return raw.PutWitness(ctx, false, *r.WitnessCosigned)
	case r.Cosignature != nil:
		return tx.PutCosignature(ctx, *r.Cosignature)
	case r.Alarm != nil:
		_, err := tx.AddAlarm(ctx, *r.Alarm)
		return err
	case r.MirrorState != nil:
		// A mirror starts at 0 entries decoded; the decoded count then moves
		// to where the old store had it.
		m := *r.MirrorState
		if err := tx.AdvanceMirror(ctx, 0, m, nil); err != nil {
			return err
		}
		if m.Indexed == 0 {
			return nil
		}
		return tx.SetMirrorIndexed(ctx, m.Origin, 0, m.Indexed)
	case r.MirrorTile != nil:
		return raw.PutMirrorTile(ctx, *r.MirrorTile)
	case r.Resource != nil:
		return loadResource(ctx, tx, *r.Resource) // resource.go
	}
	return errors.New("load federation: an empty row")
}

// DumpChunk is how many log entries or hashes a Dumper passes in one call.
const DumpChunk = 1024

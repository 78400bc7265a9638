// Package govsql is the SQL of governance's store methods, shared by the
// SQLite and PostgreSQL stores (migrations sqlite/009 and postgres/005):
// the tables are the same, and so are the statements, written with ?
// placeholders that the PostgreSQL store renumbers.
package govsql

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/accord-gov/accord"
)

// DB is what a store's transaction offers these methods.
type DB interface {
	// Exec runs a statement and returns the rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Blobs runs a query of one column and returns its values.
	Blobs(ctx context.Context, query string, args ...any) ([][]byte, error)
}

func rows[T any](ctx context.Context, db DB, what, q string, args ...any) ([]T, error) {
	bs, err := db.Blobs(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(bs))
	for _, b := range bs {
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("decode stored %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func one[T any](ctx context.Context, db DB, what, q string, args ...any) (*T, error) {
	vs, err := rows[T](ctx, db, what, q, args...)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, accord.Errorf(accord.ENotFound, "%s not found", what)
	}
	return &vs[0], nil
}

func insert(ctx context.Context, db DB, conflict string, q string, args ...any) error {
	n, err := db.Exec(ctx, q+" ON CONFLICT DO NOTHING", args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return accord.Errorf(accord.EConflict, "%s", conflict)
	}
	return nil
}

func Charters(ctx context.Context, db DB) ([]accord.SignedCharter, error) {
	return rows[accord.SignedCharter](ctx, db, "charter", `SELECT data FROM gov_charters ORDER BY version`)
}

func Proposal(ctx context.Context, db DB, id string) (*accord.Proposal, error) {
	return one[accord.Proposal](ctx, db, "proposal "+id, `SELECT data FROM gov_proposals WHERE id = ?`, id)
}

func Proposals(ctx context.Context, db DB) ([]accord.Proposal, error) {
	return rows[accord.Proposal](ctx, db, "proposal", `SELECT data FROM gov_proposals ORDER BY filed DESC, id`)
}

func ProposalPack(ctx context.Context, db DB, hash string) ([]byte, error) {
	bs, err := db.Blobs(ctx, `SELECT data FROM gov_packs WHERE hash = ?`, hash)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, accord.Errorf(accord.ENotFound, "proposed pack %s not found", hash)
	}
	return bs[0], nil
}

func Ballots(ctx context.Context, db DB, proposal string) ([]accord.Ballot, error) {
	return rows[accord.Ballot](ctx, db, "ballot", `SELECT data FROM gov_ballots WHERE proposal = ? ORDER BY time, origin, log_index`, proposal)
}

func Comments(ctx context.Context, db DB, proposal string) ([]accord.Comment, error) {
	return rows[accord.Comment](ctx, db, "comment", `SELECT data FROM gov_comments WHERE proposal = ? ORDER BY time, id`, proposal)
}

func Decisions(ctx context.Context, db DB, proposal string) ([]accord.Decision, error) {
	return rows[accord.Decision](ctx, db, "decision", `SELECT data FROM gov_decisions WHERE proposal = ? ORDER BY origin`, proposal)
}

func Seals(ctx context.Context, db DB, proposal string) ([]accord.Seal, error) {
	return rows[accord.Seal](ctx, db, "seal", `SELECT data FROM gov_seals WHERE proposal = ? ORDER BY origin`, proposal)
}

func AddSeal(ctx context.Context, db DB, s accord.Seal) error {
	b, err := marshal(s)
	if err != nil {
		return err
	}
	return insert(ctx, db, fmt.Sprintf("%s sealed proposal %s already", s.Origin, s.Proposal),
		`INSERT INTO gov_seals(proposal, origin, log_index, data) VALUES (?, ?, ?, ?)`, s.Proposal, s.Origin, s.LogIndex, b)
}

func Cursor(ctx context.Context, db DB, origin string) (int64, error) {
	bs, err := db.Blobs(ctx, `SELECT CAST(read AS TEXT) FROM gov_cursors WHERE origin = ?`, origin)
	if err != nil || len(bs) == 0 {
		return 0, err
	}
	var n int64
	if _, err := fmt.Sscan(string(bs[0]), &n); err != nil {
		return 0, fmt.Errorf("decode stored governance cursor: %w", err)
	}
	return n, nil
}

func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b, nil
}

func PutCharter(ctx context.Context, db DB, c accord.SignedCharter) error {
	b, err := marshal(c)
	if err != nil {
		return err
	}
	return insert(ctx, db, fmt.Sprintf("charter version %d is installed already", c.Charter.Version),
		`INSERT INTO gov_charters(version, hash, data) VALUES (?, ?, ?)`, c.Charter.Version, c.Hash, b)
}

func CreateProposal(ctx context.Context, db DB, p accord.Proposal) error {
	b, err := marshal(p)
	if err != nil {
		return err
	}
	return insert(ctx, db, "proposal "+p.ID+" exists", `INSERT INTO gov_proposals(id, filed, data) VALUES (?, ?, ?)`, p.ID, p.Content.Filed, b)
}

func PutProposalPack(ctx context.Context, db DB, hash string, data []byte) error {
	_, err := db.Exec(ctx, `INSERT INTO gov_packs(hash, data) VALUES (?, ?) ON CONFLICT DO NOTHING`, hash, data)
	return err
}

func AddBallot(ctx context.Context, db DB, v accord.Ballot) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	return insert(ctx, db, fmt.Sprintf("ballot at %s #%d exists", v.Origin, v.LogIndex),
		`INSERT INTO gov_ballots(origin, log_index, proposal, time, data) VALUES (?, ?, ?, ?, ?)`, v.Origin, v.LogIndex, v.Proposal, v.Time, b)
}

func AddComment(ctx context.Context, db DB, c accord.Comment) error {
	b, err := marshal(c)
	if err != nil {
		return err
	}
	return insert(ctx, db, "comment "+c.ID+" exists", `INSERT INTO gov_comments(id, proposal, time, data) VALUES (?, ?, ?, ?)`, c.ID, c.Proposal, c.Time, b)
}

func AddDecision(ctx context.Context, db DB, d accord.Decision) error {
	b, err := marshal(d)
	if err != nil {
		return err
	}
	return insert(ctx, db, fmt.Sprintf("%s decided proposal %s already", d.Origin, d.Proposal),
		`INSERT INTO gov_decisions(proposal, origin, data) VALUES (?, ?, ?)`, d.Proposal, d.Origin, b)
}

func SetCursor(ctx context.Context, db DB, origin string, old, next int64) error {
	var n int64
	var err error
	if old == 0 {
		n, err = db.Exec(ctx, `INSERT INTO gov_cursors(origin, read) VALUES (?, ?) ON CONFLICT (origin) DO UPDATE SET read = excluded.read WHERE gov_cursors.read = 0`, origin, next)
	} else {
		n, err = db.Exec(ctx, `UPDATE gov_cursors SET read = ? WHERE origin = ? AND read = ?`, next, origin, old)
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return accord.Errorf(accord.EConflict, "governance cursor of %s is not at %d", origin, old)
	}
	return nil
}

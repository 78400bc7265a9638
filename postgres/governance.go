package postgres

import (
	"context"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/govsql"
)

// Governance's tables (migration 005); the statements are shared with the
// SQLite store (internal/govsql).

type govDB struct{ t *Tx }

func (d govDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	if !validArgs(args) {
		return 0, invalidText("a governance record's key")
	}
	tag, err := d.t.exec(ctx, dollar(q), args...)
	if err != nil {
		return 0, unavailable(err)
	}
	return tag.RowsAffected(), nil
}

func (d govDB) Blobs(ctx context.Context, q string, args ...any) ([][]byte, error) {
	if !validArgs(args) {
		return nil, nil // no key with a NUL byte or bad UTF-8 is stored
	}
	rows, err := d.t.query(ctx, dollar(q), args...)
	if err != nil {
		return nil, unavailable(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, unavailable(err)
		}
		out = append(out, b)
	}
	return out, unavailable(rows.Err())
}

func validArgs(args []any) bool {
	for _, a := range args {
		if s, ok := a.(string); ok && !validText(s) {
			return false
		}
	}
	return true
}

func (t *Tx) gov() govDB { return govDB{t} }

func (t *Tx) Charters(ctx context.Context) ([]accord.SignedCharter, error) {
	return govsql.Charters(ctx, t.gov())
}
func (t *Tx) Proposal(ctx context.Context, id string) (*accord.Proposal, error) {
	return govsql.Proposal(ctx, t.gov(), id)
}
func (t *Tx) Proposals(ctx context.Context) ([]accord.Proposal, error) {
	return govsql.Proposals(ctx, t.gov())
}
func (t *Tx) ProposalPack(ctx context.Context, hash string) ([]byte, error) {
	return govsql.ProposalPack(ctx, t.gov(), hash)
}
func (t *Tx) Ballots(ctx context.Context, proposal string) ([]accord.Ballot, error) {
	return govsql.Ballots(ctx, t.gov(), proposal)
}
func (t *Tx) Comments(ctx context.Context, proposal string) ([]accord.Comment, error) {
	return govsql.Comments(ctx, t.gov(), proposal)
}
func (t *Tx) Decisions(ctx context.Context, proposal string) ([]accord.Decision, error) {
	return govsql.Decisions(ctx, t.gov(), proposal)
}
func (t *Tx) Seals(ctx context.Context, proposal string) ([]accord.Seal, error) {
	return govsql.Seals(ctx, t.gov(), proposal)
}
func (t *Tx) AddSeal(ctx context.Context, s accord.Seal) error {
	return govsql.AddSeal(ctx, t.gov(), s)
}
func (t *Tx) GovernanceCursor(ctx context.Context, origin string) (int64, error) {
	return govsql.Cursor(ctx, t.gov(), origin)
}
func (t *Tx) PutCharter(ctx context.Context, c accord.SignedCharter) error {
	return govsql.PutCharter(ctx, t.gov(), c)
}
func (t *Tx) CreateProposal(ctx context.Context, p accord.Proposal) error {
	return govsql.CreateProposal(ctx, t.gov(), p)
}
func (t *Tx) PutProposalPack(ctx context.Context, hash string, data []byte) error {
	return govsql.PutProposalPack(ctx, t.gov(), hash, data)
}
func (t *Tx) AddBallot(ctx context.Context, b accord.Ballot) error {
	return govsql.AddBallot(ctx, t.gov(), b)
}
func (t *Tx) AddComment(ctx context.Context, c accord.Comment) error {
	return govsql.AddComment(ctx, t.gov(), c)
}
func (t *Tx) AddDecision(ctx context.Context, d accord.Decision) error {
	return govsql.AddDecision(ctx, t.gov(), d)
}
func (t *Tx) SetGovernanceCursor(ctx context.Context, origin string, old, next int64) error {
	return govsql.SetCursor(ctx, t.gov(), origin, old, next)
}

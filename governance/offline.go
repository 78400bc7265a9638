package governance

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
	sumtlog "golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	acctlog "github.com/accord-gov/accord/tlog"
)

// Fetch reads a path of a node's public surface (e.g. "/log/checkpoint").
type Fetch func(ctx context.Context, baseURL, path string) ([]byte, error)

// OfflineTally recomputes a proposal's tally from the members' logs alone:
// it downloads each member's log through C2SP tlog-tiles, checks its
// signed checkpoint with the log key the charter pins (or keys[origin]),
// recomputes the tree from the entries, and counts the ballots and seals
// it finds with Count. Nothing a node says about the proposal is trusted.
func OfflineTally(ctx context.Context, c *accord.Charter, id string, keys map[string]string, fetch Fetch) (*accord.Proposal, *accord.Tally, error) {
	var prop *accord.Proposal
	var ballots []accord.Ballot
	var seals []accord.Seal
	for _, m := range c.Members {
		key := keys[m.Origin]
		if key == "" {
			key = m.LogKey
		}
		if key == "" {
			return nil, nil, fmt.Errorf("member %s: no log key for %s (pin it in the charter's log_key or pass --log-key)", m.ID, m.Origin)
		}
		entries, err := readLog(ctx, fetch, m.URL, key)
		if err != nil {
			return nil, nil, fmt.Errorf("member %s's log at %s: %w", m.ID, m.URL, err)
		}
		for i, e := range entries {
			d, err := accord.DecodeLogEntry(e, false)
			if err != nil || d.Record != id {
				continue
			}
			g, ok := d.Value.(*accord.GovernanceEvent)
			if !ok {
				continue
			}
			switch d.Type {
			case accord.LogProposalFiled:
				if accord.ProposalID(m.Origin, int64(i)) == id {
					h, err := g.Proposal.Hash()
					if err != nil {
						return nil, nil, err
					}
					prop = &accord.Proposal{ID: id, ContentHash: h, Content: *g.Proposal, Origin: m.Origin, LogIndex: int64(i)}
				}
			case accord.LogVoteCast:
				b := *g.Ballot
				b.Origin, b.LogIndex, b.Time = m.Origin, int64(i), d.Time
				ballots = append(ballots, b)
			case accord.LogProposalSealed:
				s := *g.Seal
				s.Origin, s.LogIndex, s.Time = m.Origin, int64(i), d.Time
				seals = append(seals, s)
			}
		}
	}
	if prop == nil {
		return nil, nil, fmt.Errorf("proposal %s is in none of the members' logs", id)
	}
	if prop.Content.CharterVersion != c.Version {
		return nil, nil, fmt.Errorf("proposal %s was filed under charter %d; this is charter %d", id, prop.Content.CharterVersion, c.Version)
	}
	if h, err := c.Hash(); err != nil || h != prop.Content.CharterHash {
		return nil, nil, fmt.Errorf("proposal %s names charter sha256 %s; this charter's is %s", id, prop.Content.CharterHash, h)
	}
	t := Count(c, prop, ballots, seals)
	return prop, &t, nil
}

// readLog downloads a whole log and verifies it against its signed
// checkpoint: every entry's hash goes into the tree whose root the
// checkpoint signs.
func readLog(ctx context.Context, fetch Fetch, base, vkey string) ([][]byte, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	signed, err := fetch(ctx, base, "/log/checkpoint")
	if err != nil {
		return nil, err
	}
	cp, err := acctlog.OpenCheckpoint(signed, v, v.Name())
	if err != nil {
		return nil, err
	}
	var entries [][]byte
	for n := int64(0); n*256 < cp.Size; n++ {
		w := min(256, cp.Size-n*256)
		path := "/log/tile/entries/" + tileIndex(n)
		if w < 256 {
			path += fmt.Sprintf(".p/%d", w)
		}
		data, err := fetch(ctx, base, path)
		if err != nil {
			return nil, err
		}
		es, err := acctlog.ParseBundle(data)
		if err != nil || int64(len(es)) != w {
			return nil, fmt.Errorf("%s: want %d entries, got %d (%v)", path, w, len(es), err)
		}
		entries = append(entries, es...)
	}
	var hashes []sumtlog.Hash
	mem := sumtlog.HashReaderFunc(func(idx []int64) ([]sumtlog.Hash, error) {
		out := make([]sumtlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(hashes)) {
				return nil, fmt.Errorf("hash %d not computed", x)
			}
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i, e := range entries {
		hs, err := sumtlog.StoredHashesForRecordHash(int64(i), sumtlog.RecordHash(e), mem)
		if err != nil {
			return nil, err
		}
		hashes = append(hashes, hs...)
	}
	root, err := sumtlog.TreeHash(cp.Size, mem)
	if err != nil {
		return nil, err
	}
	if root != cp.Hash {
		return nil, fmt.Errorf("the entries hash to %s, not the signed root %s", root, cp.Hash)
	}
	return entries, nil
}

// tileIndex formats a tile index as C2SP tlog-tiles paths do: groups of
// three digits, all but the last prefixed with x.
func tileIndex(n int64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/", n%1000) + s
	}
	return strings.TrimSpace(s)
}

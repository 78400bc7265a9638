package federation

import (
	"context"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	acctlog "github.com/accord-gov/accord/tlog"
)

// ProveForeign says where a foreign record's home is (the peer named home)
// and proves the entry at index of its log against the latest checkpoint
// of it this node mirrored in full: a C2SP tlog-proof that `accord verify`
// checks with the home's log key, offline. There is no receipt (nil) while
// the entry is in no such checkpoint yet.
func (s *Service) ProveForeign(ctx context.Context, tx accord.ReadTx, home string, index int64) (*accord.HomeNode, *accord.Receipt, error) {
	peer, err := tx.Peer(ctx, home)
	if err != nil {
		return nil, nil, err
	}
	hn := &accord.HomeNode{Member: peer.Name, URL: peer.URL, Origin: peer.Origin, LogKey: peer.LogKey}
	st, err := tx.MirrorState(ctx, peer.Origin)
	if accord.ErrorCode(err) == accord.ENotFound || (err == nil && st.Checkpoint == nil) {
		return hn, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	size, err := checkpointSize(st.Checkpoint)
	if err != nil || index < 0 || index >= size {
		return hn, nil, err
	}
	proof, err := tlog.ProveRecord(size, index, newTree(st.Size, txTiles(ctx, tx, peer.Origin)))
	if err != nil {
		return nil, nil, err
	}
	es, err := ReadMirrorEntries(ctx, tx, peer.Origin, index, index+1)
	if err != nil {
		return nil, nil, err
	}
	r := &accord.Receipt{Index: index, Entry: string(es[0]), Proof: acctlog.FormatProof(acctlog.Proof{Index: index, Hashes: proof, Checkpoint: st.Checkpoint})}
	return hn, r, nil
}

// txTiles reads a mirrored log's stored tiles in a transaction.
func txTiles(ctx context.Context, tx accord.ReadTx, origin string) func(level int, n int64) (accord.MirrorTile, bool, error) {
	return func(level int, n int64) (accord.MirrorTile, bool, error) {
		ts, err := tx.MirrorTiles(ctx, origin, level, n, n+1)
		if err != nil || len(ts) == 0 {
			return accord.MirrorTile{}, false, err
		}
		return ts[0], true, nil
	}
}

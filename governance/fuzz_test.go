package governance

import (
	"testing"

	"github.com/accord-gov/accord"
)

// FuzzParseCharter: a charter from outside never panics the parser, and
// one it accepts checks and hashes.
func FuzzParseCharter(f *testing.F) {
	f.Add([]byte("version: 1\ntitle: T\nmembers: []\nrules: {}\n"))
	f.Add([]byte(`{"version": 1, "title": "T", "members": [{"id": "a", "name": "A", "country": "FR", "vote_key": "a+00000000+AAAA", "origin": "a/log", "url": "http://a"}], "rules": {"amend-pack": {"comment_period": "28d", "voting_period": "28d", "quorum": "1/2", "approve": "2/3", "max_disapprove": "1/4"}}}`))
	f.Add([]byte("version: 1\nrules: {amend-pack: {quorum: 9/0}}\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCharter(data)
		if err != nil {
			return
		}
		if err := c.Check(); err != nil {
			t.Fatalf("accepted a charter that does not check: %v", err)
		}
		if _, err := c.Hash(); err != nil {
			t.Fatalf("accepted a charter that does not hash: %v", err)
		}
	})
}

// FuzzDecodeGovernanceEntry: a peer's governance entry never panics the
// decoder, and one it accepts has the part of its type.
func FuzzDecodeGovernanceEntry(f *testing.F) {
	for _, e := range []string{
		`{"content":{"ballot":{"choice":"approve","content_hash":"x","log_index":0,"member":"a","note":"n","origin":"o","proposal":"p-1","time":"t"},"v":1},"org":"admin","record":"p-1","time":"2026-01-01T00:00:00.000Z","type":"vote.cast","version":1}`,
		`{"content":{"data":"id: x","hash":"h","part":0,"parts":1,"v":1},"org":"admin","record":"p-1","time":"2026-01-01T00:00:00.000Z","type":"proposal.pack","version":1}`,
		`{"content":{"v":2},"org":"admin","record":"p-1","time":"2026-01-01T00:00:00.000Z","type":"proposal.sealed","version":1}`,
		`{"content":{"decision":{"proposal":"p-2"},"v":1},"org":"admin","record":"p-1","time":"2026-01-01T00:00:00.000Z","type":"proposal.decided","version":1}`,
	} {
		f.Add([]byte(e))
	}
	f.Fuzz(func(t *testing.T, entry []byte) {
		d, err := accord.DecodeLogEntry(entry, false)
		if err != nil {
			return
		}
		g, ok := d.Value.(*accord.GovernanceEvent)
		if !ok {
			return
		}
		switch d.Type {
		case accord.LogVoteCast:
			if g.Ballot == nil || g.Ballot.Proposal != d.Record {
				t.Fatal("accepted a vote.cast without its ballot")
			}
		case accord.LogProposalFiled:
			if g.Proposal == nil {
				t.Fatal("accepted a proposal.filed without its proposal")
			}
		}
	})
}

// FuzzVerifyNote: a ballot note from outside never panics the check, and
// no random note verifies.
func FuzzVerifyNote(f *testing.F) {
	keys := testKeys(f)
	good, _ := Sign(keys["a"][0], "accord-ballot/v1\n")
	f.Add(good)
	f.Add("x\n\n— a AAAA\n")
	f.Fuzz(func(t *testing.T, msg string) {
		if verifyNote(msg, "accord-ballot/v1\nproposal p\n", keys["a"][1]) {
			t.Fatalf("a note over other text verified: %q", msg)
		}
	})
}

package federation

import (
	"bytes"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// FuzzPeerEntry feeds a peer's log entries to what the mirror does with
// them: the envelope check before it stores them, the decoder of their type
// (the audit's too) and, for a filing, its preparation as a foreign record
// (classified by this node's packs). Nothing panics; an entry accepted as
// canonical is its own canonical form and decodes the same way twice; a
// decoded entry passed the envelope check.
func FuzzPeerEntry(f *testing.F) {
	peer := newPeerNode(f, "kenya")
	provider := peer.org(f, "Nairobi Hiring Ltd")
	ids := peer.file(f, provider, 1, "Hiring assistant")
	if _, err := peer.reg.WithdrawSystem(mctx, provider, ids[0], "", "no longer sold"); err != nil {
		f.Fatal(err)
	}
	var es [][]byte
	peer.store.View(mctx, func(tx accord.ReadTx) error {
		n, _ := tx.LogSize(mctx)
		es, _ = tx.ReadEntries(mctx, 0, n)
		return nil
	})
	for _, e := range es {
		f.Add(e)
	}
	f.Add(rawEvent(1))
	f.Add([]byte(`{"content":{"v":1,"name":"kenya","origin":"kenya.example/log","state":"active"},"org":"node","record":"kenya","time":"2026-12-01T10:00:00.000Z","type":"peer.state_changed","version":2}`))
	n := newMirrorNode(f, MirrorConfig{})
	f.Fuzz(func(t *testing.T, entry []byte) {
		_, envErr := accord.DecodeLogEvent(entry)
		d, err := accord.DecodeLogEntry(entry, false)
		if err != nil {
			return
		}
		if envErr != nil {
			t.Fatalf("decoded, but its envelope was refused: %v", envErr)
		}
		if accord.KnownLogType(d.Type) == (d.Value == nil) {
			t.Fatalf("type %s: known %v, value %T", d.Type, accord.KnownLogType(d.Type), d.Value)
		}
		if c, err := accord.DecodeLogEntry(entry, true); err == nil {
			canon, err := accord.Canonical(c.LogEvent)
			if err != nil || !bytes.Equal(canon, entry) {
				t.Fatalf("accepted as canonical, but its canonical form is %q (%v)", canon, err)
			}
		}
		if sc, ok := d.Value.(*accord.SystemContent); ok {
			if _, err := n.reg.PrepareForeignVersion(foreignOf(d, sc)); err != nil {
				return // refused: skipped by the decoder, kept in the mirror
			}
		}
	})
}

func foreignOf(d *accord.DecodedEvent, sc *accord.SystemContent) registry.ForeignVersion {
	fv := registry.ForeignVersion{Home: "kenya", Type: d.Type, ID: d.Record, Version: d.Version, Content: *sc, By: d.Org}
	fv.Time, _ = accord.ParseLogTime(d.Time)
	return fv
}

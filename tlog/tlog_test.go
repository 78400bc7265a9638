package tlog

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

func TestTilePaths(t *testing.T) {
	tests := []struct {
		path string
		want tilePath
		ok   bool
	}{
		{"tile/0/000", tilePath{0, 0, 256}, true},
		{"tile/0/001.p/5", tilePath{0, 1, 5}, true},
		{"tile/1/x001/234", tilePath{1, 1234, 256}, true},
		{"tile/2/x001/x002/003.p/255", tilePath{2, 1002003, 255}, true},
		{"tile/entries/000", tilePath{-1, 0, 256}, true},
		{"tile/entries/x123/456.p/1", tilePath{-1, 123456, 1}, true},
		{"tile/0/1", tilePath{}, false},
		{"tile/0/0001", tilePath{}, false},
		{"tile/0/x000/001", tilePath{}, false}, // non-canonical leading group
		{"tile/0/001/002", tilePath{}, false},  // missing x prefix
		{"tile/0/000.p/0", tilePath{}, false},
		{"tile/0/000.p/256", tilePath{}, false},
		{"tile/0/000.p/05", tilePath{}, false},
		{"tile/-1/000", tilePath{}, false},
		{"tile/01/000", tilePath{}, false},
		{"tile/9/000", tilePath{}, false},
		{"tile/data/000", tilePath{}, false},
		{"tile/0/abc", tilePath{}, false},
		{"checkpoint", tilePath{}, false},
	}
	for _, tt := range tests {
		got, err := parseTilePath(tt.path)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseTilePath(%q) = %+v, %v; want %+v ok=%v", tt.path, got, err, tt.want, tt.ok)
		}
		if tt.ok && got.String() != tt.path {
			t.Errorf("%+v.String() = %q, want %q", got, got.String(), tt.path)
		}
	}
}

func TestBundleRoundTrip(t *testing.T) {
	es := [][]byte{[]byte(`{"a":1}`), {}, []byte(strings.Repeat("x", MaxEntrySize))}
	got, err := ParseBundle(bundle(es))
	if err != nil || len(got) != 3 || string(got[0]) != `{"a":1}` || len(got[2]) != MaxEntrySize {
		t.Fatalf("round trip: %d entries, %v", len(got), err)
	}
	for _, bad := range [][]byte{{0}, {0, 5, 'a'}} {
		if _, err := ParseBundle(bad); err == nil {
			t.Errorf("ParseBundle(%v) accepted a truncated bundle", bad)
		}
	}
}

// testReceipt builds a real receipt over a small in-memory tree.
func testReceipt(t *testing.T, origin string) (accord.Receipt, string, string) {
	t.Helper()
	skey, vkey, err := GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	var hashes []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	entries := []string{`{"n":0}`, `{"n":1}`, `{"n":2}`, `{"n":3}`, `{"n":4}`}
	for i, e := range entries {
		hs, err := tlog.StoredHashes(int64(i), []byte(e), r)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	root, _ := tlog.TreeHash(5, r)
	signer, _ := note.NewSigner(skey)
	cp, err := note.Sign(&note.Note{Text: Checkpoint{Origin: origin, Size: 5, Hash: root}.String()}, signer)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := tlog.ProveRecord(5, 3, r)
	rc := accord.Receipt{Index: 3, Entry: entries[3], Proof: FormatProof(Proof{Index: 3, Hashes: p, Checkpoint: cp})}
	return rc, vkey, skey
}

func TestVerifyReceipt(t *testing.T) {
	rc, vkey, _ := testReceipt(t, "example.org/log")
	cp, err := VerifyReceipt(rc, vkey, []byte(`{"n":3}`))
	if err != nil || cp.Size != 5 {
		t.Fatalf("valid receipt: %v (size %d)", err, cp.Size)
	}
	p, _ := ParseProof(rc.Proof)
	if FormatProof(p) != rc.Proof {
		t.Error("ParseProof/FormatProof do not round-trip")
	}
	_, otherKey, _ := testReceipt(t, "example.org/log")
	_, otherOrigin, _ := testReceipt(t, "other.example/log")
	flip := func(s string, old, new string) string { return strings.Replace(s, old, new, 1) }
	lines := strings.Split(rc.Proof, "\n")
	tests := []struct {
		name  string
		rc    accord.Receipt
		vkey  string
		entry []byte
		part  string
	}{
		{"other key", rc, otherKey, nil, "signature"},
		{"other log's key", rc, otherOrigin, nil, "signature"},
		{"tampered entry", accord.Receipt{Index: 3, Entry: `{"n":9}`, Proof: rc.Proof}, vkey, nil, "proof"},
		{"entry file differs", rc, vkey, []byte(`{"n":4}`), "entry"},
		{"wrong index", accord.Receipt{Index: 2, Entry: rc.Entry, Proof: flip(rc.Proof, "index 3", "index 2")}, vkey, nil, "proof"},
		{"index mismatch", accord.Receipt{Index: 2, Entry: rc.Entry, Proof: rc.Proof}, vkey, nil, "format"},
		{"tampered proof hash", accord.Receipt{Index: 3, Entry: rc.Entry, Proof: flip(rc.Proof, lines[2], strings.Repeat("A", 43)+"=")}, vkey, nil, "proof"},
		{"tampered checkpoint size", accord.Receipt{Index: 3, Entry: rc.Entry, Proof: flip(rc.Proof, "\n5\n", "\n6\n")}, vkey, nil, "signature"},
		{"truncated", accord.Receipt{Index: 3, Entry: rc.Entry, Proof: rc.Proof[:len(rc.Proof)/2]}, vkey, nil, "format"},
		{"not a proof", accord.Receipt{Index: 3, Entry: rc.Entry, Proof: "hello"}, vkey, nil, "format"},
		{"bad key", rc, "not-a-key", nil, "format"},
	}
	for _, tt := range tests {
		_, err := VerifyReceipt(tt.rc, tt.vkey, tt.entry)
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Part != tt.part {
			t.Errorf("%s: error %v, want a %q failure", tt.name, err, tt.part)
		}
	}
}

func TestParseCheckpoint(t *testing.T) {
	good := "example.org/log\n42\n" + strings.Repeat("A", 43) + "=\n"
	if c, err := ParseCheckpoint(good); err != nil || c.Size != 42 || c.Origin != "example.org/log" {
		t.Fatalf("ParseCheckpoint = %+v, %v", c, err)
	}
	for _, bad := range []string{"", "x\n1\n", "x\n-1\n" + strings.Repeat("A", 43) + "=\n", "x\n01\n" + strings.Repeat("A", 43) + "=\n", "x\n1\nshort\n", "\n1\n" + strings.Repeat("A", 43) + "=\n"} {
		if _, err := ParseCheckpoint(bad); err == nil {
			t.Errorf("ParseCheckpoint(%q) accepted", bad)
		}
	}
}

func TestVerifierKey(t *testing.T) {
	for range 20 { // base64 keys often contain '+'
		skey, vkey, err := GenerateKey("example.org/log")
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifierKey(skey)
		if err != nil || got != vkey {
			t.Fatalf("VerifierKey = %q, %v; want %q", got, err, vkey)
		}
	}
	for _, bad := range []string{"", "x", "PRIVATE+KEY+a+b", "PRIVATE+KEY+n+00000000+!!!"} {
		if _, err := VerifierKey(bad); err == nil {
			t.Errorf("VerifierKey(%q) accepted", bad)
		}
	}
	if _, _, err := GenerateKey("has space"); err == nil {
		t.Error("GenerateKey accepted an origin with a space")
	}
}

func TestCheckEntry(t *testing.T) {
	// A type this node does not know: its envelope is checked, not its content.
	e, _ := accord.Canonical(accord.LogEvent{Type: "example.unknown", Record: "x_1", Version: 1, Time: "2026-11-23T00:00:00.000Z", Org: "org_x", Content: json.RawMessage(`{"b":1,"a":2}`)})
	if typ, err := checkEntry(e); err != nil || typ != "example.unknown" {
		t.Fatalf("checkEntry(canonical) = %q, %v", typ, err)
	}
	for name, bad := range map[string]string{
		// A known type's content is decoded with the type's decoder.
		"filing without a filing": `{"content":{"b":1},"org":"o","record":"sys_x","time":"2026-11-23T00:00:00.000Z","type":"system.filed","version":1}`,
		"not canonical":           `{"type":"system.filed","record":"r","version":1,"time":"t","org":"o","content":{}, "x":1}`,
		"reordered":               `{"version":1,"type":"system.filed","record":"r","time":"t","org":"o","content":{}}`,
		"not json":                `nope`,
		"no type":                 `{"content":{},"org":"o","record":"r","time":"t","type":"","version":1}`,
		// Canonical JSON, but with a case variant that encoding/json reads
		// as "type" (the later key wins) and other readers as another key.
		"case variant":         `{"Type":"token.revoked","content":{},"org":"o","record":"r","time":"2026-11-23T00:00:00.000Z","type":"system.filed","version":1}`,
		"duplicate in content": `{"content":{"a":1,"a":2},"org":"o","record":"r","time":"2026-11-23T00:00:00.000Z","type":"vote.cast","version":1}`,
	} {
		if _, err := checkEntry([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

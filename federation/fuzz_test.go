package federation_test

import (
	"bytes"
	"testing"

	"github.com/accord-gov/accord/federation"
)

// FuzzParseAddCheckpoint: the add-checkpoint parser never panics, refuses
// what it cannot encode back, and what it accepts re-encodes to the same bytes.
func FuzzParseAddCheckpoint(f *testing.F) {
	l := newFakeLog(f, "fuzz.test/log")
	f.Add(body(0, nil, l.checkpoint(f, 3, nil)))
	f.Add(body(3, l.proof(f, 9, 3), l.checkpoint(f, 9, nil)))
	f.Add([]byte("old 1\n\n\n"))
	f.Add([]byte("old 18446744073709551616\n\nx\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := federation.ParseAddCheckpoint(b)
		if err != nil {
			return
		}
		if req.Old < 0 || len(req.Proof) > federation.MaxProofLines || len(req.Checkpoint) == 0 || req.Checkpoint[len(req.Checkpoint)-1] != '\n' {
			t.Fatalf("accepted an out-of-range request: %+v", req)
		}
		if got := federation.FormatAddCheckpoint(req); !bytes.Equal(got, b) {
			t.Fatalf("re-encoded %q as %q", b, got)
		}
	})
}

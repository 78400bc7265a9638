package tlog

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is the body of a C2SP tlog-checkpoint.
type Checkpoint struct {
	Origin string
	Size   int64
	Hash   tlog.Hash
}

// String formats the checkpoint body: origin, size and root hash, one per line.
func (c Checkpoint) String() string {
	return fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash[:]))
}

// ParseCheckpoint parses a checkpoint body (not the signed note around it).
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return Checkpoint{}, fmt.Errorf("checkpoint: want origin, size and hash lines ending in a newline")
	}
	origin := strings.TrimSuffix(lines[0], "\n")
	if origin == "" {
		return Checkpoint{}, fmt.Errorf("checkpoint: empty origin")
	}
	size, err := strconv.ParseInt(strings.TrimSuffix(lines[1], "\n"), 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != strings.TrimSuffix(lines[1], "\n") {
		return Checkpoint{}, fmt.Errorf("checkpoint: malformed tree size %q", strings.TrimSuffix(lines[1], "\n"))
	}
	h, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(lines[2], "\n"))
	if err != nil || len(h) != tlog.HashSize {
		return Checkpoint{}, fmt.Errorf("checkpoint: malformed root hash")
	}
	c := Checkpoint{Origin: origin, Size: size}
	copy(c.Hash[:], h)
	return c, nil
}

// OpenCheckpoint verifies a signed checkpoint with the log's verifier and
// checks its origin. Errors say which of the two failed.
func OpenCheckpoint(signed []byte, v note.Verifier, origin string) (Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		if _, ok := err.(*note.UnverifiedNoteError); ok {
			return Checkpoint{}, fmt.Errorf("signature: the checkpoint carries no valid signature by %s", v.Name())
		}
		return Checkpoint{}, fmt.Errorf("signature: %w", err)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != origin {
		return Checkpoint{}, fmt.Errorf("origin: the checkpoint is for log %q, not %q", c.Origin, origin)
	}
	return c, nil
}

// GenerateKey makes a new Ed25519 signing key for a log named origin and
// returns the signer key and the verifier key in note format.
func GenerateKey(origin string) (skey, vkey string, err error) {
	if origin == "" || strings.ContainsAny(origin, " +\n") {
		return "", "", fmt.Errorf("log origin %q: must be non-empty, without spaces or '+'", origin)
	}
	return note.GenerateKey(rand.Reader, origin)
}

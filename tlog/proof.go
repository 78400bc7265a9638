package tlog

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
)

const proofHeader = "c2sp.org/tlog-proof@v1\n"

// Proof is a parsed C2SP tlog-proof: an index, an inclusion proof and the
// signed checkpoint it proves against.
type Proof struct {
	Index      int64
	Hashes     tlog.RecordProof
	Checkpoint []byte // the signed note, verbatim
}

// FormatProof encodes a proof as c2sp.org/tlog-proof@v1 text.
func FormatProof(p Proof) string {
	var b strings.Builder
	b.WriteString(proofHeader)
	fmt.Fprintf(&b, "index %d\n", p.Index)
	for _, h := range p.Hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(p.Checkpoint)
	return b.String()
}

// ParseProof decodes c2sp.org/tlog-proof@v1 text. It checks the syntax only.
func ParseProof(text string) (Proof, error) {
	rest, ok := strings.CutPrefix(text, proofHeader)
	if !ok {
		return Proof{}, errors.New("proof: not a c2sp.org/tlog-proof@v1 proof (missing header line)")
	}
	head, cp, ok := strings.Cut(rest, "\n\n")
	if !ok {
		return Proof{}, errors.New("proof: truncated: no blank line before the checkpoint")
	}
	lines := strings.Split(head, "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		if _, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[0], "extra ")); err != nil {
			return Proof{}, errors.New("proof: malformed extra line")
		}
		lines = lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		return Proof{}, errors.New("proof: missing index line")
	}
	idx, err := strconv.ParseInt(strings.TrimPrefix(lines[0], "index "), 10, 64)
	if err != nil || idx < 0 {
		return Proof{}, fmt.Errorf("proof: malformed index %q", strings.TrimPrefix(lines[0], "index "))
	}
	p := Proof{Index: idx, Checkpoint: []byte(cp)}
	if len(lines)-1 > 63 {
		return Proof{}, errors.New("proof: too many hashes")
	}
	for i, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != tlog.HashSize {
			return Proof{}, fmt.Errorf("proof: hash line %d is not a base64 SHA-256 hash", i+1)
		}
		p.Hashes = append(p.Hashes, tlog.Hash(h))
	}
	if len(cp) == 0 || !strings.HasSuffix(cp, "\n") {
		return Proof{}, errors.New("proof: truncated checkpoint")
	}
	return p, nil
}

// VerifyError says which part of a receipt failed: "signature", "origin",
// "proof", "entry" or "format".
type VerifyError struct {
	Part string
	Err  error
}

func (e *VerifyError) Error() string { return e.Part + ": " + e.Err.Error() }
func (e *VerifyError) Unwrap() error { return e.Err }

// VerifyReceipt checks a receipt offline: the checkpoint's signature by the
// log's key, its origin (the key's name), the inclusion proof of the entry's
// hash at the receipt's index, and — if entry is not nil — that the receipt
// is about exactly these entry bytes. It returns the checkpoint proved against.
func VerifyReceipt(r accord.Receipt, vkey string, entry []byte) (Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return Checkpoint{}, &VerifyError{"format", fmt.Errorf("verifier key: %w", err)}
	}
	p, err := ParseProof(r.Proof)
	if err != nil {
		return Checkpoint{}, &VerifyError{"format", err}
	}
	if p.Index != r.Index {
		return Checkpoint{}, &VerifyError{"format", fmt.Errorf("receipt index %d differs from proof index %d", r.Index, p.Index)}
	}
	c, err := OpenCheckpoint(p.Checkpoint, v, v.Name())
	if err != nil {
		part, _, _ := strings.Cut(err.Error(), ":")
		if part != "signature" && part != "origin" {
			part = "format"
		}
		return Checkpoint{}, &VerifyError{part, err}
	}
	if entry != nil && !bytes.Equal(entry, []byte(r.Entry)) {
		return c, &VerifyError{"entry", errors.New("the entry given differs from the entry in the receipt")}
	}
	if p.Index >= c.Size {
		return c, &VerifyError{"proof", fmt.Errorf("index %d is not in a tree of size %d", p.Index, c.Size)}
	}
	if err := tlog.CheckRecord(p.Hashes, c.Size, c.Hash, p.Index, tlog.RecordHash([]byte(r.Entry))); err != nil {
		return c, &VerifyError{"proof", fmt.Errorf("the entry's hash is not at index %d of the tree the checkpoint signs (wrong entry, index or proof hashes)", p.Index)}
	}
	return c, nil
}

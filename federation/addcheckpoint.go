package federation

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"
)

// Limits of a C2SP tlog-witness add-checkpoint request.
const (
	MaxProofLines    = 63      // the spec's bound on consistency-proof lines
	MaxCheckpointLen = 1 << 20 // a signed checkpoint; real ones are a few hundred bytes
	// MaxAddCheckpointBody bounds the whole request body.
	MaxAddCheckpointBody = MaxCheckpointLen + 64 + MaxProofLines*45
)

// AddCheckpointRequest is a parsed add-checkpoint body.
type AddCheckpointRequest struct {
	Old        int64       // the size the client believes the witness last cosigned
	Proof      []tlog.Hash // consistency proof from Old to the checkpoint's size
	Checkpoint []byte      // the signed note, verbatim
}

// ParseAddCheckpoint parses a C2SP tlog-witness add-checkpoint body:
//
//	old <size>
//	<base64 hash>          (0 to 63 lines)
//	<empty line>
//	<signed checkpoint>
//
// Every line ends in a newline. It checks the syntax only; the errors say
// which line is wrong (the witness answers them with 400).
func ParseAddCheckpoint(body []byte) (AddCheckpointRequest, error) {
	var req AddCheckpointRequest
	if len(body) > MaxAddCheckpointBody {
		return req, fmt.Errorf("body of %d bytes is over the limit of %d", len(body), MaxAddCheckpointBody)
	}
	line, rest, ok := bytes.Cut(body, []byte("\n"))
	if !ok {
		return req, errors.New(`the first line must be "old <size>" and end in a newline`)
	}
	num, ok := bytes.CutPrefix(line, []byte("old "))
	if !ok {
		return req, errors.New(`the first line must be "old <size>"`)
	}
	old, err := parseSize(num)
	if err != nil {
		return req, fmt.Errorf("old: %w", err)
	}
	req.Old = old
	for n := 1; ; n++ {
		line, next, ok := bytes.Cut(rest, []byte("\n"))
		if !ok {
			return req, errors.New("no empty line before the checkpoint")
		}
		rest = next
		if len(line) == 0 {
			break
		}
		if n > MaxProofLines {
			return req, fmt.Errorf("more than %d consistency-proof lines", MaxProofLines)
		}
		// Decode checks the length first: it writes up to DecodedLen bytes.
		var buf [tlog.HashSize + 2]byte
		if len(line) != base64.StdEncoding.EncodedLen(tlog.HashSize) {
			return req, fmt.Errorf("proof line %d is not a base64 SHA-256 hash", n)
		}
		if k, err := base64.StdEncoding.Decode(buf[:], line); err != nil || k != tlog.HashSize {
			return req, fmt.Errorf("proof line %d is not a base64 SHA-256 hash", n)
		}
		req.Proof = append(req.Proof, tlog.Hash(buf[:tlog.HashSize]))
	}
	if len(rest) == 0 {
		return req, errors.New("no checkpoint after the empty line")
	}
	if len(rest) > MaxCheckpointLen {
		return req, fmt.Errorf("checkpoint of %d bytes is over the limit of %d", len(rest), MaxCheckpointLen)
	}
	if rest[len(rest)-1] != '\n' {
		return req, errors.New("the checkpoint does not end in a newline")
	}
	req.Checkpoint = rest
	return req, nil
}

// parseSize reads a decimal size without sign or leading zeros ("0" for zero).
func parseSize(b []byte) (int64, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != string(b) {
		return 0, fmt.Errorf("%q is not a decimal size (no sign, no leading zeros)", b)
	}
	return n, nil
}

// FormatAddCheckpoint encodes an add-checkpoint body.
func FormatAddCheckpoint(req AddCheckpointRequest) []byte {
	var b bytes.Buffer
	b.WriteString("old ")
	b.WriteString(strconv.FormatInt(req.Old, 10))
	b.WriteByte('\n')
	for _, h := range req.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(req.Checkpoint)
	return b.Bytes()
}

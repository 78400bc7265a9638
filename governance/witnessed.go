package governance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/federation"
	acctlog "github.com/accord-gov/accord/tlog"
)

// Witnessed ballots. When the charter pins every member's log and witness
// keys, a ballot counts only if a checkpoint of its member's log covers
// it, signed by that log's key and cosigned by a quorum (⌊n/2⌋+1 of the n
// other members' witnesses, the federation's default policy) with
// cosignature timestamps no later than the close. A node cannot back-date
// a ballot: the witnesses' clocks, not its own, say when its log held it.
// The evidence travels in the node's seal.

// witnessQuorum is how many of the other members' witnesses must cosign.
func witnessQuorum(members int) int { return (members-1)/2 + 1 }

// witnessKey names a cosignature verifier by its key's name and hash.
type witnessKey struct {
	name string
	hash uint32
}

// witnessVerifiers holds the members' witness verifiers, by key and by
// member, built once per tally.
type witnessVerifiers struct {
	byKey    map[witnessKey]note.Verifier
	byMember map[string]witnessKey
	keys     [32]byte // the members' keys, hashed (the memo's key)
}

func newWitnessVerifiers(c *accord.Charter) *witnessVerifiers {
	w := &witnessVerifiers{byKey: map[witnessKey]note.Verifier{}, byMember: map[string]witnessKey{}}
	h := sha256.New()
	for _, o := range c.Members {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", o.ID, o.LogKey, o.WitnessKey)
	}
	h.Sum(w.keys[:0])
	for _, o := range c.Members {
		if v, err := federation.NewCosignatureVerifier(o.WitnessKey); err == nil {
			k := witnessKey{v.Name(), v.KeyHash()}
			w.byKey[k], w.byMember[o.ID] = v, k
		}
	}
	return w
}

// witnessedMemo remembers checked evidence: the result is a function of
// the keys, the evidence and the close, and a node recomputes the live
// tally on every read. Bounded: forgotten whole when full.
var witnessedMemo struct {
	sync.Mutex
	m map[[32]byte]int64
}

// witnessedSize checks a seal's evidence for member m's log and returns
// the size of the checkpoint it proves was cosigned in time (0 if none).
func witnessedSize(c *accord.Charter, w *witnessVerifiers, m accord.CharterMember, evidence, closes string) int64 {
	h := sha256.New()
	h.Write(w.keys[:])
	fmt.Fprintf(h, "\x01%s\x00%s\x00%s", m.ID, closes, evidence)
	var k [32]byte
	h.Sum(k[:0])
	witnessedMemo.Lock()
	n, ok := witnessedMemo.m[k]
	witnessedMemo.Unlock()
	if ok {
		return n
	}
	n = checkWitnessed(c, w, m, evidence, closes)
	witnessedMemo.Lock()
	if witnessedMemo.m == nil || len(witnessedMemo.m) >= 100_000 {
		witnessedMemo.m = map[[32]byte]int64{}
	}
	witnessedMemo.m[k] = n
	witnessedMemo.Unlock()
	return n
}

func checkWitnessed(c *accord.Charter, w *witnessVerifiers, m accord.CharterMember, evidence, closes string) int64 {
	if evidence == "" {
		return 0
	}
	closeAt, err := accord.ParseLogTime(closes)
	if err != nil {
		return 0
	}
	lv, err := federation.NewLogVerifier(m.LogKey)
	if err != nil || lv.Name() != m.Origin {
		return 0
	}
	own := w.byMember[m.ID]
	// The note is read here rather than by note.Open, which refuses more
	// than 100 signatures: a federation of 200 needs 100 cosignatures and
	// the log's own. Each line is checked until the quorum is reached.
	text, sigs, ok := strings.Cut(evidence, "\n\n")
	if !ok {
		return 0
	}
	text += "\n"
	logSigned, cosigned, seen := false, 0, map[witnessKey]bool{}
	for i, line := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
		if i > 2*len(c.Members)+2 {
			break
		}
		name, b64, ok := strings.Cut(strings.TrimPrefix(line, "— "), " ")
		raw, err := base64.StdEncoding.DecodeString(b64)
		if !ok || !strings.HasPrefix(line, "— ") || err != nil || len(raw) < 5 {
			return 0
		}
		k := witnessKey{name, binary.BigEndian.Uint32(raw)}
		switch {
		case k.name == lv.Name() && k.hash == lv.KeyHash():
			logSigned = logSigned || lv.Verify([]byte(text), raw[4:])
		case w.byKey[k] != nil && k != own && !seen[k] && cosigned < witnessQuorum(len(c.Members)):
			if !w.byKey[k].Verify([]byte(text), raw[4:]) {
				continue
			}
			t, err := fnote.CoSigV1Timestamp(note.Signature{Name: name, Hash: k.hash, Base64: b64})
			if err == nil && !t.After(closeAt) {
				seen[k] = true
				cosigned++
			}
		}
	}
	if !logSigned || cosigned < witnessQuorum(len(c.Members)) {
		return 0
	}
	n := struct{ Text string }{text}
	cp, err := acctlog.ParseCheckpoint(n.Text)
	if err != nil || cp.Origin != m.Origin {
		return 0
	}
	return cp.Size
}

// evidence finds the largest checkpoint of this node's log that a quorum
// of the other members' witnesses cosigned with timestamps no later than
// closes, among those of sizes (from, to], and returns it with those
// cosignature lines ("" if none).
func evidence(ctx context.Context, tx accord.ReadTx, c *accord.Charter, self accord.CharterMember, from, to int64, closes string) (string, error) {
	closeAt, err := accord.ParseLogTime(closes)
	if err != nil {
		return "", err
	}
	witnesses := map[string]bool{}
	for _, o := range c.Members {
		if o.ID != self.ID {
			name, _, _ := strings.Cut(o.WitnessKey, "+")
			witnesses[name] = true
		}
	}
	const window = 4096 // the checkpoints searched, newest first
	from = max(from, to-window)
	cps, err := tx.Checkpoints(ctx, from+1, to+1)
	if err != nil {
		return "", err
	}
	for i := len(cps) - 1; i >= 0; i-- {
		cp, err := acctlog.ParseCheckpoint(string(cps[i][:bytes.Index(cps[i], []byte("\n\n"))+1]))
		if err != nil {
			continue
		}
		cs, err := tx.Cosignatures(ctx, cp.Size)
		if err != nil {
			return "", err
		}
		var lines []string
		for _, co := range cs {
			if witnesses[co.Witness] && !co.Time.After(closeAt) {
				lines = append(lines, co.Line)
			}
		}
		if len(lines) >= witnessQuorum(len(c.Members)) {
			return string(cps[i]) + strings.Join(lines, ""), nil
		}
	}
	return "", nil
}

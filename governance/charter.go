// Package governance is rule-making by consensus: the charter, proposals
// to amend the rule packs, comments, signed ballots, the tally every node
// computes the same way from the logs it mirrors, and adoption. Every
// write is one log operation through the sequencer; the tally, the
// charter's checks and the rule-by-rule diff are pure functions.
package governance

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/yamljson"
)

// MaxCharter is the largest charter document accepted.
const MaxCharter = 1 << 20

// ParseCharter decodes a charter written in YAML (or JSON), strictly: an
// unknown, duplicate or case-variant key is refused with its line; then
// checks it (accord.Charter.Check).
func ParseCharter(data []byte) (*accord.Charter, error) {
	if len(data) > MaxCharter {
		return nil, accord.Errorf(accord.ETooLarge, "the charter is %d bytes; the limit is %d", len(data), MaxCharter)
	}
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if err == io.EOF {
			return nil, accord.FieldErrorf("charter", "is empty")
		}
		return nil, accord.FieldErrorf("charter", "is not YAML: %v", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var c accord.Charter
	if err := yamljson.Decode(&root, &c); err != nil {
		return nil, accord.FieldErrorf("charter", "%v", err)
	}
	if err := c.Check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// GenerateVoteKey makes a member's vote key: a signed-note Ed25519 key
// named after the member id (the name a ballot is signed under).
func GenerateVoteKey(member string) (skey, vkey string, err error) {
	if !accord.ValidMemberName(member) || strings.ContainsAny(member, "+") {
		return "", "", accord.FieldErrorf("member", "%q: use letters, digits and . - _ : / only", member)
	}
	return note.GenerateKey(rand.Reader, member)
}

// Sign signs text (a CharterNoteText or BallotNoteText) with a vote key.
func Sign(skey, text string) (string, error) {
	s, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return "", fmt.Errorf("vote key: %w", err)
	}
	b, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return string(b), nil
}

// verifyNote reports whether msg is a note with exactly text, signed by
// the key vkey.
func verifyNote(msg, text, vkey string) bool {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return false
	}
	n, err := note.Open([]byte(msg), note.VerifierList(v))
	return err == nil && n.Text == text && len(n.Sigs) == 1
}

// charterSigners returns the members whose signature over the note text
// is among sigs, in their order.
func charterSigners(members []accord.CharterMember, text string, sigs []string) []string {
	var out []string
	for _, m := range members {
		for _, s := range sigs {
			if verifyNote(s, text, m.VoteKey) {
				out = append(out, m.ID)
				break
			}
		}
	}
	return out
}

// VerifyCharter checks that next may be installed after prev (nil for the
// first charter) and returns the signed charter: the first must be signed
// by every founding member; version N+1 must follow N and be signed by
// enough of N's members under N's amend-charter rule and enough of its own
// under its own (TUF root rotation: both thresholds).
func VerifyCharter(prev *accord.Charter, next *accord.Charter, sigs []string) (*accord.SignedCharter, error) {
	if err := next.Check(); err != nil {
		return nil, err
	}
	if len(sigs) == 0 {
		return nil, accord.FieldErrorf("signatures", "a charter needs its members' signatures (accord governance charter sign)")
	}
	if len(sigs) > 2*len(next.Members)+10 {
		return nil, accord.FieldErrorf("signatures", "%d signatures for %d members", len(sigs), len(next.Members))
	}
	hash, err := next.Hash()
	if err != nil {
		return nil, err
	}
	text := accord.CharterNoteText(next.Version, hash)
	signers := charterSigners(next.Members, text, sigs)
	if prev == nil {
		if next.Version != 1 {
			return nil, accord.FieldErrorf("version", "%d: the first charter a node installs is version 1", next.Version)
		}
		if len(signers) != len(next.Members) {
			return nil, accord.FieldErrorf("signatures", "the founding charter needs every member's signature: %d of %d signed (%s)", len(signers), len(next.Members), missing(next, signers))
		}
	} else {
		if next.Version != prev.Version+1 {
			return nil, accord.FieldErrorf("version", "%d: the charter in force is version %d, so the next is %d", next.Version, prev.Version, prev.Version+1)
		}
		old := prev.Rules[accord.KindAmendCharter].Approve
		oldSigners := charterSigners(prev.Members, text, sigs)
		if !old.AtLeast(len(oldSigners), len(prev.Members)) {
			return nil, accord.FieldErrorf("signatures", "charter %d's amend-charter rule needs %s of its %d members: %d signed", prev.Version, old, len(prev.Members), len(oldSigners))
		}
		own := next.Rules[accord.KindAmendCharter].Approve
		if !own.AtLeast(len(signers), len(next.Members)) {
			return nil, accord.FieldErrorf("signatures", "charter %d's own amend-charter rule needs %s of its %d members: %d signed", next.Version, own, len(next.Members), len(signers))
		}
	}
	return &accord.SignedCharter{Charter: *next, Hash: hash, Signatures: sigs, Signers: signers}, nil
}

func missing(c *accord.Charter, signers []string) string {
	var out []string
	for _, m := range c.Members {
		found := false
		for _, s := range signers {
			found = found || s == m.ID
		}
		if !found {
			out = append(out, m.ID)
		}
	}
	return "missing: " + strings.Join(out, ", ")
}

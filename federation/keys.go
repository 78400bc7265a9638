package federation

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// algCosignatureV1 is the C2SP tlog-cosignature key type of Ed25519
// cosignature/v1 keys.
const algCosignatureV1 = 0x04

// GenerateWitnessKey makes a new Ed25519 cosignature/v1 key named name and
// returns the signer key and the verifier key (vkey type 0x04). The signer
// key carries type 0x04 too, so it cannot be mistaken for (or used as) a log
// key: note.NewSigner refuses it.
func GenerateWitnessKey(name string) (skey, vkey string, err error) {
	if err := checkKeyName(name); err != nil {
		return "", "", err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	return witnessKeys(name, pub, priv.Seed())
}

func witnessKeys(name string, pub ed25519.PublicKey, seed []byte) (skey, vkey string, err error) {
	pubKey := append([]byte{algCosignatureV1}, pub...)
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write(pubKey)
	hash := binary.BigEndian.Uint32(h.Sum(nil))
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, hash, base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, seed...)))
	vkey = fmt.Sprintf("%s+%08x+%s", name, hash, base64.StdEncoding.EncodeToString(pubKey))
	return skey, vkey, nil
}

// WitnessVerifierKey derives the cosignature/v1 verifier key of a witness
// signer key.
func WitnessVerifierKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", fmt.Errorf("malformed witness signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algCosignatureV1 {
		return "", fmt.Errorf("malformed witness signer key: not an Ed25519 cosignature/v1 key")
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	_, vkey, err := witnessKeys(parts[2], priv.Public().(ed25519.PublicKey), raw[1:])
	return vkey, err
}

// NewWitnessSigner returns the cosignature/v1 signer of a witness signer key.
func NewWitnessSigner(skey string) (note.Signer, error) {
	if _, err := WitnessVerifierKey(skey); err != nil {
		return nil, err
	}
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		return nil, fmt.Errorf("witness signer key: %w", err)
	}
	return s, nil
}

// NewCosignatureVerifier checks cosignature/v1 signatures by a witness's
// verifier key. Only Ed25519 cosignature/v1 keys (type 0x04) are taken: a
// log key (type 0x01) given as a witness key is refused, so that no key
// serves two roles.
func NewCosignatureVerifier(vkey string) (note.Verifier, error) {
	name, rest, _ := strings.Cut(vkey, "+")
	_, key64, _ := strings.Cut(rest, "+")
	key, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(key) != 1+ed25519.PublicKeySize || key[0] != algCosignatureV1 {
		return nil, fmt.Errorf("%q is not an Ed25519 cosignature/v1 verifier key (name+hash+base64 of 0x04 and 32 key bytes)", vkey)
	}
	if err := checkKeyName(name); err != nil {
		return nil, err
	}
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		return nil, fmt.Errorf("witness key %q: %w", vkey, err)
	}
	return v, nil
}

// NewLogVerifier checks a log's checkpoint signatures (Ed25519 note keys,
// type 0x01).
func NewLogVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("%q is not an Ed25519 note verifier key (name+hash+base64 of 0x01 and 32 key bytes): %w", vkey, err)
	}
	return v, nil
}

// checkKeyName refuses names a signed note cannot carry.
func checkKeyName(name string) error {
	if name == "" || strings.ContainsAny(name, " +\t\n") || len(name) > 255 {
		return fmt.Errorf("key name %q: must be 1 to 255 characters, without spaces or '+'", name)
	}
	return nil
}

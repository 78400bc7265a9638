package registry

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/accord-gov/accord"
)

// splitConfidential separates a filing's confidential fields from its public
// content. It returns the public content as a JSON object and each
// confidential field's value (JSON null when the field is empty, so the
// commitment does not reveal whether it was filled in).
func splitConfidential(f accord.Filing) (public map[string]any, hidden map[string]json.RawMessage, err error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber() // keep 1e25 and large integers exact
	if err := dec.Decode(&public); err != nil {
		return nil, nil, err
	}
	hidden = map[string]json.RawMessage{}
	for _, path := range f.Confidential {
		obj, key := public, path
		if parent, child, ok := strings.Cut(path, "."); ok {
			m, _ := public[parent].(map[string]any)
			obj, key = m, child
		}
		var v any
		if obj != nil {
			v = obj[key]
			delete(obj, key)
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, nil, err
		}
		hidden[path] = raw
	}
	return public, hidden, nil
}

// PublicFiling returns the filing with its confidential fields removed.
func PublicFiling(f accord.Filing) (accord.Filing, error) {
	if len(f.Confidential) == 0 {
		return f, nil
	}
	public, _, err := splitConfidential(f)
	if err != nil {
		return f, err
	}
	b, err := json.Marshal(public)
	if err != nil {
		return f, err
	}
	var out accord.Filing
	if err := json.Unmarshal(b, &out); err != nil {
		return f, fmt.Errorf("redact filing: %w", err)
	}
	return out, nil
}

// commit makes a fresh salt per confidential field and the public commitment
// hex(SHA-256(salt || canonical JSON of the value)).
func commit(hidden map[string]json.RawMessage) (salts map[string][]byte, commitments map[string]string, err error) {
	if len(hidden) == 0 {
		return nil, nil, nil
	}
	salts = make(map[string][]byte, len(hidden))
	commitments = make(map[string]string, len(hidden))
	for path, raw := range hidden {
		salt := make([]byte, 32)
		rand.Read(salt)
		c, err := Commitment(salt, raw)
		if err != nil {
			return nil, nil, err
		}
		salts[path] = salt
		commitments[path] = c
	}
	return salts, commitments, nil
}

// Commitment computes a confidential field's commitment from its salt and
// value, so that whoever holds both can prove what was filed.
func Commitment(salt []byte, value json.RawMessage) (string, error) {
	c, err := accord.Canonical(value)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(salt)
	h.Write(c)
	return hex.EncodeToString(h.Sum(nil)), nil
}

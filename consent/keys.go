package consent

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Key files in a node's data directory.
const (
	// KeyFile holds the consent key: a signed-note Ed25519 key that signs
	// consent receipts and nothing else (keys have one role each).
	KeyFile = "consent.key"
	// SecretFile holds the pseudonym secret: the HMAC-SHA-256 key under
	// which identifiers become pseudonyms. Nodes that share one database
	// must share it; without it nobody (the node's operator included) can
	// tell whose pseudonym is whose from the database alone.
	SecretFile = "consent.secret"
)

// LoadOrCreateKeys reads the consent key and pseudonym secret from dir,
// creating them (0600) on first start; the key is named name.
func LoadOrCreateKeys(dir, name string) (skey string, secret []byte, err error) {
	kp := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(kp)
	switch {
	case err == nil:
		skey = strings.TrimSpace(string(b))
		if _, err := note.NewSigner(skey); err != nil {
			return "", nil, fmt.Errorf("consent key %s: %w", kp, err)
		}
	case errors.Is(err, os.ErrNotExist):
		if skey, _, err = note.GenerateKey(rand.Reader, name); err != nil {
			return "", nil, fmt.Errorf("consent key: %w", err)
		}
		if err := writeSecret(kp, skey+"\n"); err != nil {
			return "", nil, fmt.Errorf("write consent key: %w", err)
		}
	default:
		return "", nil, fmt.Errorf("read consent key: %w", err)
	}
	sp := filepath.Join(dir, SecretFile)
	b, err = os.ReadFile(sp)
	switch {
	case err == nil:
		secret, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(secret) < 32 {
			return "", nil, fmt.Errorf("pseudonym secret %s: not 32 or more base64 bytes", sp)
		}
	case errors.Is(err, os.ErrNotExist):
		secret = make([]byte, 32)
		rand.Read(secret)
		if err := writeSecret(sp, base64.StdEncoding.EncodeToString(secret)+"\n"); err != nil {
			return "", nil, fmt.Errorf("write pseudonym secret: %w", err)
		}
	default:
		return "", nil, fmt.Errorf("read pseudonym secret: %w", err)
	}
	return skey, secret, nil
}

func writeSecret(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

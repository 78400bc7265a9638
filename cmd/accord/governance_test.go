package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGovernanceCLI: the governance subcommands refuse bad use naming what
// is missing, make vote keys that are never overwritten, and sign only a
// charter that checks.
func TestGovernanceCLI(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "a.vote.key")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no subcommand", []string{"governance"}, 2, "Usage: accord governance"},
		{"an unknown subcommand", []string{"governance", "abolish"}, 2, `unknown subcommand "abolish"`},
		{"keygen without flags", []string{"governance", "keygen"}, 2, "--member ID and --out FILE"},
		{"keygen with a bad member id", []string{"governance", "keygen", "--member", "a b", "--out", key}, 1, "member"},
		{"vote without a choice", []string{"governance", "vote", "p-1"}, 2, "--choice and --key"},
		{"tally without a charter", []string{"governance", "tally", "p-1"}, 2, "--charter FILE"},
		{"verify without a charter", []string{"governance", "verify", "p-1"}, 2, "--charter FILE"},
		{"charter without a subcommand", []string{"governance", "charter"}, 2, "sign, install or show"},
		{"show without an id", []string{"governance", "show"}, 2, "proposal id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
	code, stdout, stderr := cli(t, "governance", "keygen", "--member", "alpha", "--out", key)
	if code != 0 || !strings.HasPrefix(stdout, "alpha+") {
		t.Fatalf("keygen: %d %q %q", code, stdout, stderr)
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v", fi.Mode(), err)
	}
	if code, _, stderr := cli(t, "governance", "keygen", "--member", "alpha", "--out", key); code != 1 || !strings.Contains(stderr, "never overwritten") {
		t.Errorf("keygen over an existing key: %d %q", code, stderr)
	}
	bad := filepath.Join(dir, "charter.yaml")
	os.WriteFile(bad, []byte("version: 1\ntitle: T\nmembers: []\nrules: {}\n"), 0o644)
	if code, _, stderr := cli(t, "governance", "charter", "sign", bad, "--key", key); code != 1 || !strings.Contains(stderr, "field members") {
		t.Errorf("signing a charter without members: %d %q", code, stderr)
	}
	good := filepath.Join(dir, "good.yaml")
	doc := "version: 1\ntitle: T\nmembers:\n  - {id: alpha, name: A, country: FR, vote_key: \"" + strings.TrimSpace(stdout) + "\", origin: a/log, url: \"http://a\"}\nrules:\n"
	for _, k := range []string{"amend-pack", "add-pack", "retire-pack", "amend-charter", "admit-member", "remove-member"} {
		doc += "  " + k + ": {comment_period: 28d, voting_period: 28d, quorum: 1/2, approve: 2/3, max_disapprove: 1/4}\n"
	}
	os.WriteFile(good, []byte(doc), 0o644)
	if code, sig, stderr := cli(t, "governance", "charter", "sign", good, "--key", key); code != 0 || !strings.HasPrefix(sig, "accord-charter/v1\nversion 1\nsha256 ") || !strings.Contains(sig, "\n— alpha ") {
		t.Errorf("sign: %d %q %q", code, sig, stderr)
	}
}

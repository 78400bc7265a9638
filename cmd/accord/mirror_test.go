package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	sumtlog "golang.org/x/mod/sumdb/tlog"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/tlog"
)

// memLog is a log's tree in memory, signed by a key of the test's.
type memLog struct {
	signer note.Signer
	vkey   string
	hashes []sumtlog.Hash
	size   int64
}

func newMemLog(t *testing.T, tag string, n int64) *memLog {
	t.Helper()
	skey, vkey, err := tlog.GenerateKey("evidence.test/log")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	l := &memLog{signer: s, vkey: vkey}
	l.grow(t, tag, n)
	return l
}

func (l *memLog) grow(t *testing.T, tag string, n int64) {
	r := sumtlog.HashReaderFunc(func(idx []int64) ([]sumtlog.Hash, error) {
		out := make([]sumtlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = l.hashes[x]
		}
		return out, nil
	})
	for ; l.size < n; l.size++ {
		hs, err := sumtlog.StoredHashes(l.size, fmt.Appendf(nil, "%s %d", tag, l.size), r)
		if err != nil {
			t.Fatal(err)
		}
		l.hashes = append(l.hashes, hs...)
	}
}

func (l *memLog) reader() sumtlog.HashReader {
	return sumtlog.HashReaderFunc(func(idx []int64) ([]sumtlog.Hash, error) {
		out := make([]sumtlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = l.hashes[x]
		}
		return out, nil
	})
}

func (l *memLog) sign(t *testing.T, n int64, root sumtlog.Hash) string {
	t.Helper()
	b, err := note.Sign(&note.Note{Text: tlog.Checkpoint{Origin: "evidence.test/log", Size: n, Hash: root}.String()}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (l *memLog) root(t *testing.T, n int64) sumtlog.Hash {
	h, err := sumtlog.TreeHash(n, l.reader())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestAlarmVerify: evidence a node produced verifies offline with the
// log's key; anything that does not prove two views is refused and says
// why.
func TestAlarmVerify(t *testing.T) {
	l := newMemLog(t, "e", 9)
	other := newMemLog(t, "o", 1)
	proof, err := sumtlog.ProveTree(9, 5, l.reader())
	if err != nil {
		t.Fatal(err)
	}
	var p64 []string
	for _, h := range proof {
		p64 = append(p64, base64.StdEncoding.EncodeToString(h[:]))
	}
	implied := l.root(t, 5)
	fork := accord.SplitViewEvidence{Origin: "evidence.test/log", LogKey: l.vkey, Checkpoints: [2]string{l.sign(t, 9, l.root(t, 9)), l.sign(t, 9, sumtlog.Hash{1})}}
	inconsistent := accord.SplitViewEvidence{Origin: "evidence.test/log", LogKey: l.vkey, Checkpoints: [2]string{l.sign(t, 5, sumtlog.Hash{2}), l.sign(t, 9, l.root(t, 9))},
		Proof: p64, ImpliedRoot: base64.StdEncoding.EncodeToString(implied[:])}
	agree := inconsistent
	agree.Checkpoints[0] = l.sign(t, 5, implied)
	badProof := inconsistent
	badProof.Proof = append([]string{p64[1]}, p64[1:]...)
	dir := t.TempDir()
	write := func(name string, v any) string {
		b, _ := json.Marshal(v)
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	evJSON := func(ev accord.SplitViewEvidence) json.RawMessage { b, _ := json.Marshal(ev); return b }
	tests := []struct {
		name string
		file string
		key  string
		code int
		want string
	}{
		{"fork, the bare evidence", write("fork.json", fork), l.vkey, 0, "two checkpoints of 9 entries"},
		{"inconsistent, as an alarm", write("alarm.json", accord.Alarm{ID: "alm_1", Origin: "evidence.test/log", Kind: "inconsistent", Evidence: evJSON(inconsistent)}), l.vkey, 0, "does not contain its checkpoint of 5"},
		{"without --key: the key it names", write("fork2.json", fork), "", 0, "checked with the key the evidence names"},
		{"another key", write("fork3.json", fork), other.vkey, 1, "names log key"},
		{"checkpoints that agree", write("agree.json", agree), l.vkey, 1, "they agree"},
		{"a proof that does not hold", write("badproof.json", badProof), l.vkey, 1, "the proof does not show"},
		{"a list, one of them no evidence", write("list.json", map[string]any{"alarms": []accord.Alarm{{ID: "a", Evidence: evJSON(fork)}, {ID: "b", Evidence: evJSON(agree)}}}), l.vkey, 1, "NOT EVIDENCE"},
		{"not JSON", writeRaw(t, dir, "raw", "not json"), l.vkey, 1, "FAILED format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"alarm", "verify", tt.file}
			if tt.key != "" {
				args = append(args, "--key", tt.key)
			}
			code, out, errs := cli(t, args...)
			if code != tt.code || !strings.Contains(out+errs, tt.want) {
				t.Errorf("accord %v = %d\n%s%s\nwant %d with %q", args, code, out, errs, tt.code, tt.want)
			}
		})
	}
}

func writeRaw(t *testing.T, dir, name, content string) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLogAuditCompare: the audit checks what other nodes say they saw of
// the log against the tree it recomputed, and reports a split view with
// evidence that accord alarm verify accepts.
func TestLogAuditCompare(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	admin := registry.Operator()
	for i := range 3 {
		if _, err := n.Registry.RegisterOrganization(context.Background(), admin, accord.NewOrganization{Name: accord.Text{"en": fmt.Sprintf("Org %d", i)}, Kind: "provider", Country: "FR"}); err != nil {
			t.Fatal(err)
		}
	}
	skey, err := os.ReadFile(filepath.Join(n.Config.DataDir, node.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		t.Fatal(err)
	}
	origin := n.Log.Origin()
	// A forged view, signed by the node's own key: 2 entries, another root.
	forged, _ := note.Sign(&note.Note{Text: tlog.Checkpoint{Origin: origin, Size: 2, Hash: sumtlog.Hash{7}}.String()}, signer)
	var real []byte
	n.Store.View(context.Background(), func(tx accord.ReadTx) error {
		cps, err := tx.Checkpoints(context.Background(), 1, 3)
		if len(cps) > 0 {
			real = cps[0]
		}
		return err
	})
	h := federation.OriginHash(origin)
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/witness/" + h + "/checkpoint":
			w.Write(forged)
		case "/mirror/" + h + "/checkpoint":
			w.Write(real)
		default:
			http.NotFound(w, r)
		}
	}))
	defer peer.Close()
	dir := t.TempDir()
	state, evidence := filepath.Join(dir, "state"), filepath.Join(dir, "evidence.json")
	code, out, errs := cli(t, "log", "audit", n.URL, "--key", n.VerifierKey, "--state", state, "--compare", peer.URL, "--evidence", evidence)
	if code != 1 || !strings.Contains(out, "/witness/"+h+"/checkpoint: SPLIT VIEW") || !strings.Contains(out, "/mirror/"+h+"/checkpoint: agrees") || !strings.Contains(errs, "AUDIT FAILED (split view)") {
		t.Fatalf("log audit --compare = %d\n%s%s", code, out, errs)
	}
	code, out, errs = cli(t, "alarm", "verify", evidence, "--key", n.VerifierKey)
	if code != 0 || !strings.Contains(out, "OK: log "+origin+" showed two views") {
		t.Fatalf("alarm verify of the audit's evidence = %d\n%s%s", code, out, errs)
	}
	// Against a node that saw the same log, the audit passes.
	honest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/witness/"+h+"/checkpoint" {
			w.Write(real)
			return
		}
		http.NotFound(w, r)
	}))
	defer honest.Close()
	if code, out, errs := cli(t, "log", "audit", n.URL, "--key", n.VerifierKey, "--state", state, "--compare", honest.URL); code != 0 || !strings.Contains(out, "agrees with the audited tree") {
		t.Fatalf("log audit --compare against an honest node = %d\n%s%s", code, out, errs)
	}
}

package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/formats/witness"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	fnote "github.com/transparency-dev/formats/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/tlog"
)

// Interoperability with code we did not write: a Tessera log witnessed by
// Accord's witness (Tessera itself submits its checkpoints), and litewitness
// (filippo.io/torchwood, a stock C2SP witness) cosigning an Accord node's
// checkpoints.

// TestTesseraLogWitnessedByAccord: a log written with Tessera's POSIX
// driver, configured to publish only checkpoints our witness cosigned,
// publishes them; formats verifies our cosignatures and its policy parser
// accepts them.
func TestTesseraLogWitnessedByAccord(t *testing.T) {
	w := newWitnessNode(t)
	srv := httptest.NewServer(w.fed.Handler())
	defer srv.Close()

	const origin = "tessera.test/log"
	skey, vkey, err := tlog.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.fed.AddPeer(ctx, admin, accord.NewPeer{Name: "tessera", URL: "http://127.0.0.1:9", LogKey: vkey}); err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL)
	ours, err := tessera.NewWitness(w.wkey, u)
	if err != nil {
		t.Fatalf("tessera.NewWitness with our witness key: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	driver, err := posix.New(ctx, posix.Config{Path: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	app, shutdown, reader, err := tessera.NewAppender(ctx, driver, tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(64, 20*time.Millisecond).
		WithCheckpointInterval(100*time.Millisecond).
		WithWitnesses(tessera.NewWitnessGroup(1, ours), &tessera.WitnessOptions{Timeout: 5 * time.Second, FailOpen: false}))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())
	awaiter := tessera.NewPublicationAwaiter(ctx, reader.ReadCheckpoint, 20*time.Millisecond)

	policy := fmt.Sprintf("log %s\nwitness accord %s %s\nquorum accord\n", vkey, w.wkey, srv.URL)
	g, err := witness.ParsePolicy([]byte(policy))
	if err != nil {
		t.Fatalf("formats/witness.ParsePolicy: %v", err)
	}
	cv, err := fnote.NewVerifierForCosignatureV1(w.wkey)
	if err != nil {
		t.Fatal(err)
	}
	lv, _ := note.NewVerifier(vkey)
	for round, n := range []int{10, 25} {
		var last tessera.IndexFuture
		for i := range n {
			last = app.Add(ctx, tessera.NewEntry(fmt.Appendf(nil, "round %d entry %d", round, i)))
		}
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		idx, cp, err := awaiter.Await(wctx, last)
		wcancel()
		if err != nil {
			t.Fatalf("round %d: Tessera did not publish a witnessed checkpoint: %v", round, err)
		}
		opened, err := note.Open(cp, note.VerifierList(lv, cv))
		if err != nil || len(opened.Sigs) != 2 {
			t.Fatalf("round %d: checkpoint %q: %v; want the log's signature and our cosignature", round, cp, err)
		}
		if !g.Satisfied(cp) {
			t.Errorf("round %d: formats/witness says the policy is not satisfied by\n%s", round, cp)
		}
		c, err := tlog.ParseCheckpoint(opened.Text)
		if err != nil || c.Size <= int64(idx.Index) {
			t.Fatalf("round %d: checkpoint %+v, %v does not cover index %d", round, c, err, idx.Index)
		}
		size, _ := w.state(t, origin)
		if size < c.Size {
			t.Errorf("round %d: our witness holds size %d, the published checkpoint has %d", round, size, c.Size)
		}
	}
}

// TestLitewitnessCosignsAccord: litewitness (filippo.io/torchwood v0.6.1,
// built from the go.mod tool directive), with its key in an ssh-agent, is
// configured as an external witness of a real node; the node collects its
// cosignatures, and accord verify --policy accepts a receipt under a policy
// that requires it.
func TestLitewitnessCosignsAccord(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node, litewitness and an ssh-agent")
	}
	for _, tool := range []string{"ssh-agent", "ssh-add", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing: install openssh-client (scripts/test does)", tool)
			}
			t.Skipf("%s is missing: install openssh-client", tool)
		}
	}
	dir := shortTempDir(t)
	bin := filepath.Join(dir, "bin")
	for _, tool := range []string{"litewitness", "witnessctl"} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, tool), "filippo.io/torchwood/cmd/"+tool).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", tool, err, out)
		}
	}
	run := func(env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	keyFile := filepath.Join(dir, "witness")
	run(nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "litewitness", "-f", keyFile)
	sock := filepath.Join(dir, "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	waitFor(t, "the ssh-agent socket", 10*time.Second, func() bool { _, err := os.Stat(sock); return err == nil })
	run([]string{"SSH_AUTH_SOCK=" + sock}, "ssh-add", "-q", keyFile)
	fp := strings.Fields(run(nil, "ssh-keygen", "-l", "-E", "sha256", "-f", keyFile+".pub"))[1]

	alpha := startNode(t, "alpha", "")
	db := filepath.Join(dir, "litewitness.db")
	run(nil, filepath.Join(bin, "witnessctl"), "add-log", "-db", db, "-origin", alpha.ID.Origin)
	run(nil, filepath.Join(bin, "witnessctl"), "add-key", "-db", db, "-origin", alpha.ID.Origin, "-key", alpha.ID.LogKey)
	addr := freeAddr(t)
	lwLog, _ := os.Create(filepath.Join(dir, "litewitness.log"))
	lw := exec.Command(filepath.Join(bin, "litewitness"), "-db", db, "-name", "litewitness.test/witness", "-key", fp, "-ssh-agent", sock, "-listen", addr)
	lw.Stdout, lw.Stderr = lwLog, lwLog
	if err := lw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lw.Process.Kill(); lw.Wait() })
	var lwKey string
	waitFor(t, "litewitness to print its verifier key", 30*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		lwKey = regexp.MustCompile(`litewitness\.test/witness\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+`).FindString(string(b))
		return lwKey != ""
	})

	ctx := context.Background()
	if _, err := alpha.Admin.AddWitness(ctx, accord.NewExternalWitness{URL: "http://" + addr, Key: lwKey}); err != nil {
		t.Fatalf("add litewitness as an external witness: %v", err)
	}
	prov, _ := alpha.Provider(t)
	yes := true
	filed, err := prov.FileSystem(ctx, "", accord.Filing{
		TradeName: accord.Text{"en": "Witnessed by a stock witness"}, SystemVersion: "1", Status: "active",
		IntendedPurpose: accord.Text{"en": "Interoperability."}, Domains: []string{"general.translation"},
		DeploymentCountries: []string{"FR"}, Facts: accord.Facts{InteractsWithNaturalPersons: &yes},
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	lv, err := fnote.NewVerifierForCosignatureV1(lwKey)
	if err != nil {
		t.Fatal(err)
	}
	var latest []byte
	waitFor(t, "litewitness's cosignature on the node's newest checkpoint", 60*time.Second, func() bool {
		latest, err = alpha.Public.Get(ctx, "/log/checkpoint")
		if err != nil {
			return false
		}
		n, err := note.Open(latest, note.VerifierList(lv))
		c, _ := tlog.ParseCheckpoint(strings.SplitN(string(latest), "\n\n", 2)[0] + "\n")
		return err == nil && len(n.Sigs) == 1 && c.Size > filed.Receipt.Index
	})

	// A fresh receipt proves against that checkpoint, cosignature included.
	rc, err := alpha.Public.Receipt(ctx, filed.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	policy := fmt.Sprintf("# the node's log, and litewitness\nlog %s %s/log\nwitness lw %s http://%s\ngroup stock 1 lw\nquorum stock\n", alpha.ID.LogKey, alpha.ID.URL, lwKey, addr)
	rcFile, polFile := filepath.Join(dir, "receipt.json"), filepath.Join(dir, "policy.txt")
	b, _ := json.Marshal(rc)
	os.WriteFile(rcFile, b, 0o644)
	os.WriteFile(polFile, []byte(policy), 0o644)
	out, err := exec.Command(accordBinary(t), "verify", rcFile, "--policy", polFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "cosigned by lw") || !strings.Contains(string(out), "OK: the policy's quorum (stock) holds") {
		t.Fatalf("accord verify --policy with litewitness: %v\n%s\nlitewitness log: %s", err, out, lwLog.Name())
	}
	// The same policy requiring a witness that did not sign fails.
	_, other, _ := federation.GenerateWitnessKey("nobody.test/witness")
	bad := strings.Replace(policy, "group stock 1 lw\nquorum stock\n", fmt.Sprintf("witness nobody %s http://127.0.0.1:9\ngroup stock 2 lw nobody\nquorum stock\n", other), 1)
	os.WriteFile(polFile, []byte(bad), 0o644)
	out, err = exec.Command(accordBinary(t), "verify", rcFile, "--policy", polFile).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not cosigned by nobody") || !strings.Contains(string(out), "FAILED quorum") {
		t.Fatalf("accord verify --policy with an unmet quorum: %v\n%s", err, out)
	}
}

// shortTempDir is a temporary directory with a short path: a Unix socket's
// path is limited to about 100 bytes.
func shortTempDir(t testing.TB) string {
	dir, err := os.MkdirTemp("/tmp", "afed")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

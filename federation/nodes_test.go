package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/formats/witness"
	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/internal/nodeproc"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/tlog"
)

// nodeProc is an accord node running as its own process (internal/nodeproc).
type nodeProc = nodeproc.Proc

func accordBinary(t testing.TB) string { return nodeproc.Binary(t) }
func freeAddr(t testing.TB) string     { return nodeproc.FreeAddr(t) }
func startNode(t testing.TB, name, db string) *nodeProc {
	return nodeproc.Start(t, name, db)
}

// cosigners returns the witnesses whose valid cosignatures the node's
// /log/checkpoint carries, and its size.
func cosigners(t testing.TB, p *nodeProc, peers []*nodeProc) (int64, []string) {
	t.Helper()
	cp, err := p.Public.Get(context.Background(), "/log/checkpoint")
	if err != nil {
		t.Fatalf("%s: checkpoint: %v", p.Name, err)
	}
	var vs []note.Verifier
	for _, q := range peers {
		v, err := federation.NewCosignatureVerifier(q.ID.WitnessKey)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	n, err := note.Open(cp, note.VerifierList(vs...))
	size, _ := tlog.ParseCheckpoint(strings.SplitN(string(cp), "\n\n", 2)[0] + "\n")
	if err != nil {
		return size.Size, nil
	}
	var names []string
	for _, s := range n.Sigs {
		names = append(names, s.Name)
	}
	return size.Size, names
}

func waitFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	nodeproc.WaitFor(t, what, limit, cond)
}

// TestThreeNodes runs three real nodes (one on PostgreSQL), makes them
// peers, and checks that each node's checkpoints collect ⌊n/2⌋+1
// cosignatures from the others' witnesses that the default policy accepts
// (with accord verify --policy and with formats/witness), that writes are
// answered while every witness hangs, and that a node stopped for a while
// gets its checkpoints cosigned again when it returns.
func TestThreeNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node processes")
	}
	nodes := []*nodeProc{
		startNode(t, "alpha", ""),
		startNode(t, "beta", ""),
		startNode(t, "gamma", pgtest.DSN(t)),
	}
	others := func(p *nodeProc) []*nodeProc {
		var out []*nodeProc
		for _, q := range nodes {
			if q != p {
				out = append(out, q)
			}
		}
		return out
	}
	for _, p := range nodes {
		for _, q := range others(p) {
			p.PeerWith(t, q)
		}
	}
	ctx := context.Background()
	alpha := nodes[0]
	prov, _ := alpha.Provider(t)
	yes := true
	filing := accord.Filing{
		TradeName: accord.Text{"en": "Federated triage assistant"}, SystemVersion: "1", Status: "active",
		IntendedPurpose: accord.Text{"en": "Sorts incoming requests."}, Domains: []string{"general.translation"},
		DeploymentCountries: []string{"FR"}, Facts: accord.Facts{InteractsWithNaturalPersons: &yes},
	}
	filed, err := prov.FileSystem(ctx, "", filing, "")
	if err != nil {
		t.Fatalf("file at alpha: %v", err)
	}
	// The write's receipt carries the log's signature only: it was not held
	// back for witnesses.
	if _, err := tlog.VerifyReceipt(*filed.Receipt, alpha.ID.LogKey, nil); err != nil {
		t.Fatalf("receipt of the filing: %v", err)
	}

	// Every node's latest checkpoint collects cosignatures from both peers
	// (k = ⌊2/2⌋+1 = 2).
	for _, p := range nodes {
		waitFor(t, p.Name+"'s checkpoint to carry 2 cosignatures", 60*time.Second, func() bool {
			_, names := cosigners(t, p, others(p))
			return len(names) == 2
		})
	}

	// A fresh receipt proves against a cosigned checkpoint; the default
	// policy accepts it, with accord verify --policy and with formats.
	rc, err := alpha.Public.Receipt(ctx, filed.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := alpha.Public.Policy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(policy, "group members 2 ") || !strings.Contains(policy, "quorum members") {
		t.Fatalf("default policy:\n%s", policy)
	}
	dir := t.TempDir()
	rcFile, polFile := filepath.Join(dir, "receipt.json"), filepath.Join(dir, "policy.txt")
	b, _ := json.Marshal(rc)
	os.WriteFile(rcFile, b, 0o644)
	os.WriteFile(polFile, []byte(policy), 0o644)
	out, err := exec.Command(accordBinary(t), "verify", rcFile, "--policy", polFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK: the policy's quorum (members) holds") {
		t.Fatalf("accord verify --policy: %v\n%s", err, out)
	}
	for _, q := range others(alpha) {
		if !strings.Contains(string(out), "cosigned by "+q.ID.WitnessName) {
			t.Errorf("accord verify --policy does not name %s:\n%s", q.ID.WitnessName, out)
		}
	}
	t.Logf("accord verify --policy:\n%s", out)
	g, err := witness.ParsePolicy([]byte(policy))
	if err != nil {
		t.Fatalf("formats/witness.ParsePolicy: %v", err)
	}
	p, _ := tlog.ParseProof(rc.Proof)
	if !g.Satisfied(p.Checkpoint) {
		t.Errorf("formats/witness: the receipt's checkpoint does not satisfy the default policy:\n%s", p.Checkpoint)
	}

	// Writes never wait for witnesses: with an external witness that never
	// answers, filings are still answered, carrying the log's signature.
	hang := hangingServer(t)
	_, wvkey, _ := federation.GenerateWitnessKey("hang.test/witness")
	if _, err := alpha.Admin.AddWitness(ctx, accord.NewExternalWitness{URL: hang, Key: wvkey}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		f := filing
		f.TradeName = accord.Text{"en": fmt.Sprintf("Filed while a witness hangs %d", i)}
		v, err := prov.FileSystem(ctx, "", f, "")
		if err != nil {
			t.Fatalf("filing while a witness hangs: %v", err)
		}
		if _, err := tlog.VerifyReceipt(*v.Receipt, alpha.ID.LogKey, nil); err != nil {
			t.Fatal(err)
		}
	}

	// Stop beta for a while: alpha's new checkpoints get gamma's
	// cosignature only; when beta returns, they get its again.
	beta := nodes[1]
	beta.Stop()
	f := filing
	f.TradeName = accord.Text{"en": "Filed while beta is down"}
	if _, err := prov.FileSystem(ctx, "", f, ""); err != nil {
		t.Fatal(err)
	}
	size, _ := cosigners(t, alpha, others(alpha))
	waitFor(t, "gamma to cosign alpha's newest checkpoint", 30*time.Second, func() bool {
		s, names := cosigners(t, alpha, others(alpha))
		return s == size && len(names) == 1 && names[0] == nodes[2].ID.WitnessName
	})
	beta.Start()
	waitFor(t, "beta, back, to cosign alpha's newest checkpoint", 90*time.Second, func() bool {
		s, names := cosigners(t, alpha, others(alpha))
		return s >= size && len(names) == 2
	})
	waitFor(t, "beta's own checkpoint to be cosigned again", 90*time.Second, func() bool {
		_, names := cosigners(t, beta, others(beta))
		return len(names) == 2
	})
}

// hangingServer accepts connections and never answers, until the test ends.
func hangingServer(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "http://" + ln.Addr().String()
}

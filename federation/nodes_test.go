package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/transparency-dev/formats/witness"
	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/tlog"
)

var buildOnce struct {
	sync.Once
	path string
	err  error
}

// accordBinary builds cmd/accord once per test binary.
func accordBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "accord-fed-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "accord")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, "../cmd/accord").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// nodeProc is an accord node running as its own process on 127.0.0.1.
type nodeProc struct {
	t      testing.TB
	name   string
	addr   string
	data   string
	args   []string
	cmd    *exec.Cmd
	logf   *os.File
	admin  *client.Client
	public *client.Client
	id     *accord.NodeIdentity
	// idle, if set, runs the process under SCHED_IDLE, on CPU time no
	// other process wants: a benchmark's stand-in for a node on another
	// machine.
	idle bool
}

func startNode(t testing.TB, name, db string) *nodeProc {
	t.Helper()
	p := &nodeProc{t: t, name: name, addr: freeAddr(t), data: t.TempDir()}
	p.args = []string{"serve", "--addr", p.addr, "--data", p.data, "--origin", name + ".test/log", "--member", name,
		"--public-url", "http://" + p.addr, "--log-level", "warn"}
	if db != "" {
		p.args = append(p.args, "--db", db)
	}
	var err error
	if p.logf, err = os.Create(filepath.Join(t.TempDir(), name+".log")); err != nil {
		t.Fatal(err)
	}
	p.start()
	t.Cleanup(p.stop)
	tok, err := os.ReadFile(filepath.Join(p.data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	p.admin = client.New("http://"+p.addr, strings.TrimSpace(string(tok)))
	p.public = client.New("http://"+p.addr, "")
	if p.id, err = p.public.Node(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *nodeProc) start() {
	p.t.Helper()
	p.cmd = exec.Command(accordBinary(p.t), p.args...)
	if p.idle {
		// chrt execs the node: same process, every thread SCHED_IDLE.
		p.cmd = exec.Command("chrt", append([]string{"--idle", "0", accordBinary(p.t)}, p.args...)...)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logf, p.logf
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("node %s did not become healthy; see %s", p.name, p.logf.Name())
}

func (p *nodeProc) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
	p.cmd = nil
}

// peerWith makes q an active peer of p.
func (p *nodeProc) peerWith(t testing.TB, q *nodeProc) {
	t.Helper()
	ctx := context.Background()
	if _, err := p.admin.AddPeer(ctx, accord.NewPeer{Name: q.id.Member, URL: q.id.URL, LogKey: q.id.LogKey, WitnessKey: q.id.WitnessKey}); err != nil {
		t.Fatalf("%s: add peer %s: %v", p.name, q.name, err)
	}
	if _, err := p.admin.SetPeerState(ctx, q.id.Member, accord.PeerStateChange{State: accord.PeerActive}); err != nil {
		t.Fatalf("%s: activate peer %s: %v", p.name, q.name, err)
	}
}

// cosigners returns the witnesses whose valid cosignatures the node's
// /log/checkpoint carries, and its size.
func (p *nodeProc) cosigners(t testing.TB, peers []*nodeProc) (int64, []string) {
	t.Helper()
	cp, err := p.public.Get(context.Background(), "/log/checkpoint")
	if err != nil {
		t.Fatalf("%s: checkpoint: %v", p.name, err)
	}
	var vs []note.Verifier
	for _, q := range peers {
		v, err := federation.NewCosignatureVerifier(q.id.WitnessKey)
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

// provider registers an organization at the node and returns a client with its token.
func (p *nodeProc) provider(t testing.TB) (*client.Client, string) {
	t.Helper()
	reg, err := p.admin.RegisterOrganization(context.Background(), accord.NewOrganization{Name: accord.Text{"en": "Provider at " + p.name}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	return client.New("http://"+p.addr, reg.Token.Secret), reg.Organization.ID
}

func waitFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
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
			p.peerWith(t, q)
		}
	}
	ctx := context.Background()
	alpha := nodes[0]
	prov, _ := alpha.provider(t)
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
	if _, err := tlog.VerifyReceipt(*filed.Receipt, alpha.id.LogKey, nil); err != nil {
		t.Fatalf("receipt of the filing: %v", err)
	}

	// Every node's latest checkpoint collects cosignatures from both peers
	// (k = ⌊2/2⌋+1 = 2).
	for _, p := range nodes {
		waitFor(t, p.name+"'s checkpoint to carry 2 cosignatures", 60*time.Second, func() bool {
			_, names := p.cosigners(t, others(p))
			return len(names) == 2
		})
	}

	// A fresh receipt proves against a cosigned checkpoint; the default
	// policy accepts it, with accord verify --policy and with formats.
	rc, err := alpha.public.Receipt(ctx, filed.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := alpha.public.Policy(ctx)
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
		if !strings.Contains(string(out), "cosigned by "+q.id.WitnessName) {
			t.Errorf("accord verify --policy does not name %s:\n%s", q.id.WitnessName, out)
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
	if _, err := alpha.admin.AddWitness(ctx, accord.NewExternalWitness{URL: hang, Key: wvkey}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		f := filing
		f.TradeName = accord.Text{"en": fmt.Sprintf("Filed while a witness hangs %d", i)}
		v, err := prov.FileSystem(ctx, "", f, "")
		if err != nil {
			t.Fatalf("filing while a witness hangs: %v", err)
		}
		if _, err := tlog.VerifyReceipt(*v.Receipt, alpha.id.LogKey, nil); err != nil {
			t.Fatal(err)
		}
	}

	// Stop beta for a while: alpha's new checkpoints get gamma's
	// cosignature only; when beta returns, they get its again.
	beta := nodes[1]
	beta.stop()
	f := filing
	f.TradeName = accord.Text{"en": "Filed while beta is down"}
	if _, err := prov.FileSystem(ctx, "", f, ""); err != nil {
		t.Fatal(err)
	}
	size, _ := alpha.cosigners(t, others(alpha))
	waitFor(t, "gamma to cosign alpha's newest checkpoint", 30*time.Second, func() bool {
		s, names := alpha.cosigners(t, others(alpha))
		return s == size && len(names) == 1 && names[0] == nodes[2].id.WitnessName
	})
	beta.start()
	waitFor(t, "beta, back, to cosign alpha's newest checkpoint", 90*time.Second, func() bool {
		s, names := alpha.cosigners(t, others(alpha))
		return s >= size && len(names) == 2
	})
	waitFor(t, "beta's own checkpoint to be cosigned again", 90*time.Second, func() bool {
		_, names := beta.cosigners(t, others(beta))
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

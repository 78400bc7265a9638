package federation_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/internal/nodeproc"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/tlog"
)

// Real node processes mirroring each other (the helpers are those of
// nodes_test.go).

// startNodeWith starts a node like startNode, with extra serve flags, on
// a data directory of its own or a given one.
func startNodeWith(t testing.TB, name, db, data string, extra ...string) *nodeProc {
	t.Helper()
	return startNodeProc(t, name, db, data, false, extra...)
}

// startNodeProc is startNodeWith, under SCHED_IDLE if idle is set.
func startNodeProc(t testing.TB, name, db, data string, idle bool, extra ...string) *nodeProc {
	t.Helper()
	return nodeproc.StartWith(t, nodeproc.Options{Name: name, Member: strings.Split(name, "-")[0], DB: db, Data: data, Idle: idle, Extra: extra})
}

func testSystem(name string) accord.Filing {
	yes := true
	return accord.Filing{
		TradeName: accord.Text{"en": name}, SystemVersion: "1", Status: "active",
		IntendedPurpose: accord.Text{"en": "Screens job applicants for interviews."}, Domains: []string{"employment.recruitment"},
		DeploymentCountries: []string{"FR", "KE"}, Facts: accord.Facts{InteractsWithNaturalPersons: &yes},
	}
}

// found reports whether the node's search for q (at node=home) holds id.
func found(t testing.TB, p *nodeProc, home, q, id string) bool {
	t.Helper()
	page, err := p.Public.Search(context.Background(), accord.SystemQuery{Q: q, Node: home, Limit: 100})
	if err != nil {
		t.Fatalf("%s: search: %v", p.Name, err)
	}
	for _, s := range page.Systems {
		if s.ID == id {
			if s.Home != home {
				t.Errorf("%s: %s found with home %q, want %q", p.Name, id, s.Home, home)
			}
			return true
		}
	}
	return false
}

// writer files systems at a node, one after another, until stopped, and
// checks every receipt: no local write waits for, or is lost to, the
// federation.
type writer struct {
	mu      sync.Mutex
	ids     []string
	slowest time.Duration
	errs    []error
	stop    chan struct{}
	done    chan struct{}
}

func startWriter(t testing.TB, p *nodeProc, prov *client.Client) *writer {
	w := &writer{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for i := 0; i < 2000; i++ {
			select {
			case <-w.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			start := time.Now()
			v, err := prov.FileSystem(context.Background(), "", testSystem(fmt.Sprintf("Local filing %d at %s", i, p.Name)), "")
			d := time.Since(start)
			w.mu.Lock()
			if err == nil {
				_, err = tlog.VerifyReceipt(*v.Receipt, p.ID.LogKey, nil)
			}
			if err != nil {
				w.errs = append(w.errs, err)
			} else {
				w.ids = append(w.ids, v.ID)
				w.slowest = max(w.slowest, d)
			}
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *writer) finish(t testing.TB, p *nodeProc) {
	t.Helper()
	close(w.stop)
	<-w.done
	if len(w.errs) > 0 {
		t.Errorf("%s: %d local writes failed, first: %v", p.Name, len(w.errs), w.errs[0])
	}
	page, err := p.Public.Search(context.Background(), accord.SystemQuery{Q: "local filing", Node: p.ID.Member, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := len(page.Systems)
	for page.Next != "" {
		if page, err = p.Public.Search(context.Background(), accord.SystemQuery{Q: "local filing", Node: p.ID.Member, Limit: 100, Cursor: page.Next}); err != nil {
			t.Fatal(err)
		}
		n += len(page.Systems)
	}
	if n != len(w.ids) {
		t.Errorf("%s: %d local filings answered, %d found", p.Name, len(w.ids), n)
	}
	t.Logf("%s: %d local filings during the test, the slowest answered in %s", p.Name, len(w.ids), w.slowest.Round(time.Millisecond))
}

// TestMirrorNodes: three real nodes (one on PostgreSQL) mirror each other:
// a filing at one is found at the others, named by its home, with a receipt
// that accord verify accepts with the home's key; it cannot be changed
// there; a node stopped for a while catches up when it returns; and local
// writes go on, every one answered and found, through all of it.
func TestMirrorNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node processes")
	}
	nodes := []*nodeProc{
		startNodeWith(t, "alpha", "", ""),
		startNodeWith(t, "beta", "", ""),
		startNodeWith(t, "gamma", pgtest.DSN(t), ""),
	}
	alpha, beta, gamma := nodes[0], nodes[1], nodes[2]
	for _, p := range nodes {
		for _, q := range nodes {
			if p != q {
				p.PeerWith(t, q)
			}
		}
	}
	ctx := context.Background()
	prov, _ := alpha.Provider(t)
	betaProv, _ := beta.Provider(t)
	local := startWriter(t, beta, betaProv)

	filed, err := prov.FileSystem(ctx, "", testSystem("Federated screening assistant"), "")
	if err != nil {
		t.Fatal(err)
	}
	receipt := time.Now()
	for _, p := range []*nodeProc{beta, gamma} {
		waitFor(t, p.Name+" to find alpha's filing", 30*time.Second, func() bool { return found(t, p, "alpha", "federated screening", filed.ID) })
		t.Logf("alpha's filing found at %s %s after its receipt", p.Name, time.Since(receipt).Round(time.Millisecond))
	}

	// At beta: the home node and a receipt from alpha's log, which accord
	// verify accepts with alpha's key.
	v, err := beta.Public.System(ctx, filed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Home != "alpha" || v.HomeNode == nil || v.HomeNode.URL != alpha.ID.URL || v.HomeNode.LogKey != alpha.ID.LogKey || v.Receipt == nil {
		t.Fatalf("beta's view of alpha's system: home %q, home node %+v, receipt %v", v.Home, v.HomeNode, v.Receipt != nil)
	}
	rcFile := filepath.Join(t.TempDir(), "receipt.json")
	b, _ := json.Marshal(v.Receipt)
	os.WriteFile(rcFile, b, 0o644)
	out, err := exec.Command(accordBinary(t), "verify", rcFile, "--key", alpha.ID.LogKey).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK: entry") || !strings.Contains(string(out), filed.ID) {
		t.Fatalf("accord verify of beta's receipt with alpha's key: %v\n%s", err, out)
	}
	// It is alpha's: beta's admin cannot change it.
	_, err = beta.Admin.UpdateSystem(ctx, filed.ID, v.ETag(), testSystem("changed at beta"))
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 403 || !strings.Contains(ce.Detail, "member alpha") {
		t.Errorf("updating alpha's system at beta: %v, want 403 naming member alpha", err)
	}

	// gamma stops for a while; alpha and beta go on; gamma catches up.
	gamma.Stop()
	var more []string
	for i := range 20 {
		v, err := prov.FileSystem(ctx, "", testSystem(fmt.Sprintf("Filed while gamma is down %d", i)), "")
		if err != nil {
			t.Fatal(err)
		}
		more = append(more, v.ID)
	}
	time.Sleep(2 * time.Second)
	gamma.Start()
	waitFor(t, "gamma, back, to catch up with alpha", 60*time.Second, func() bool {
		for _, id := range more {
			if !found(t, gamma, "alpha", "filed while gamma is down", id) {
				return false
			}
		}
		return true
	})
	local.finish(t, beta)
	waitFor(t, "gamma to mirror beta's local filings", 60*time.Second, func() bool {
		ms, err := gamma.Public.Mirrors(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Peer == "beta" {
				var size int64
				bs, _ := beta.Public.Get(ctx, "/log/checkpoint")
				c, _ := tlog.ParseCheckpoint(strings.SplitN(string(bs), "\n\n", 2)[0] + "\n")
				size = c.Size
				return m.Size >= size && m.Indexed == m.Size && m.Error == ""
			}
		}
		return false
	})
	// beta serves its mirror of alpha's log, signed by alpha's key.
	mcp, err := beta.Public.Get(ctx, "/mirror/"+federation.OriginHash(alpha.ID.Origin)+"/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := federation.NewLogVerifier(alpha.ID.LogKey)
	if _, err := tlog.OpenCheckpoint(mcp, v1, alpha.ID.Origin); err != nil {
		t.Errorf("beta's mirror checkpoint of alpha's log: %v", err)
	}
	for _, p := range nodes {
		if as, err := p.Public.Alarms(ctx, ""); err != nil || len(as) != 0 {
			t.Errorf("%s: alarms %v, %v; want none", p.Name, as, err)
		}
	}
}

// TestMirrorNodesEquivocation: a node's copy (its data directory copied,
// started on another port) signs a different checkpoint of the same size,
// and one peer is given the copy's URL. Every peer detects the split view
// with evidence that accord alarm verify accepts with the node's key, and
// makes the node read-only; local writes go on.
func TestMirrorNodesEquivocation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five node processes")
	}
	fast := []string{"--monitor-interval", "500ms"}
	a := startNodeWith(t, "ana", "", "", fast...)
	b := startNodeWith(t, "ben", "", "", fast...)
	c := startNodeWith(t, "cai", pgtest.DSN(t), "", fast...)
	e := startNodeWith(t, "eve", "", "", fast...)
	honest := []*nodeProc{a, b, c}
	for _, p := range honest {
		for _, q := range honest {
			if p != q {
				p.PeerWith(t, q)
			}
		}
		e.PeerWith(t, p)
	}
	a.PeerWith(t, e)
	b.PeerWith(t, e)
	ctx := context.Background()
	prov, _ := e.Provider(t)
	first, err := prov.FileSystem(ctx, "", testSystem("Filed before the copy"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*nodeProc{a, b} {
		waitFor(t, p.Name+" to mirror eve's first filing", 30*time.Second, func() bool { return found(t, p, "eve", "filed before the copy", first.ID) })
	}
	// The copy: eve stopped, its data directory copied, both started.
	e.Stop()
	copyDir := t.TempDir()
	if err := os.CopyFS(copyDir, os.DirFS(e.Data)); err != nil {
		t.Fatal(err)
	}
	e.Start()
	e2 := startNodeWith(t, "eve-copy", "", copyDir, fast...)
	// cai knows eve only at the copy's URL.
	if _, err := c.Admin.AddPeer(ctx, accord.NewPeer{Name: "eve", URL: e2.ID.URL, LogKey: e.ID.LogKey, WitnessKey: e.ID.WitnessKey}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Admin.SetPeerState(ctx, "eve", accord.PeerStateChange{State: accord.PeerActive}); err != nil {
		t.Fatal(err)
	}
	// Both sign a checkpoint of the same size over different filings.
	prov2 := client.New("http://"+e2.Addr, prov.Token)
	if _, err := prov.FileSystem(ctx, "", testSystem("Shown to ana and ben"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := prov2.FileSystem(ctx, "", testSystem("Shown to cai"), ""); err != nil {
		t.Fatal(err)
	}
	aProv, _ := a.Provider(t)
	local := startWriter(t, a, aProv)
	dir := t.TempDir()
	for _, p := range honest {
		waitFor(t, p.Name+" to raise an alarm about eve's log", 90*time.Second, func() bool {
			as, err := p.Public.Alarms(ctx, e.ID.Origin)
			return err == nil && len(as) > 0
		})
		as, _ := p.Public.Alarms(ctx, e.ID.Origin)
		f := filepath.Join(dir, p.Name+"-alarms.json")
		b, _ := json.Marshal(map[string]any{"alarms": as})
		os.WriteFile(f, b, 0o644)
		out, err := exec.Command(accordBinary(t), "alarm", "verify", f, "--key", e.ID.LogKey).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "OK: log "+e.ID.Origin+" showed two views") {
			t.Errorf("%s: accord alarm verify: %v\n%s", p.Name, err, out)
		}
		t.Logf("%s: %d alarm(s) about eve's log: %s", p.Name, len(as), strings.TrimSpace(string(out)))
		waitFor(t, p.Name+" to make eve read-only", 30*time.Second, func() bool {
			peer, err := p.Public.Peer(ctx, "eve")
			return err == nil && peer.State == accord.PeerReadOnly
		})
	}
	local.finish(t, a)
}

package federation

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
	"github.com/accord-gov/accord/sqlite"
	acctlog "github.com/accord-gov/accord/tlog"
)

// Helpers of the mirror's tests, which run in the package (they drive
// passes directly). Peers are real: a SQLite store, the log's sequencer,
// the registry, and the log served over HTTP on loopback, behind a proxy
// that a test can make misbehave.

var mctx = context.Background()

var mAdmin = registry.Operator()

var packsOnce struct {
	sync.Once
	packs []*rules.Pack
	err   error
}

func testPacks(t testing.TB) []*rules.Pack {
	t.Helper()
	packsOnce.Do(func() { packsOnce.packs, packsOnce.err = frameworks.Packs() })
	if packsOnce.err != nil {
		t.Fatal(packsOnce.err)
	}
	return packsOnce.packs
}

// peerNode is a real peer's log and registry, served at srv.URL/log/.
type peerNode struct {
	name   string
	origin string
	store  *sqlite.DB
	log    *acctlog.Log
	reg    *registry.Service
	skey   string
	vkey   string
	srv    *httptest.Server
	logH   http.Handler // the log's tiles, unproxied
	// misbehave, if set, answers a request instead of the log.
	misbehave atomic.Pointer[func(w http.ResponseWriter, r *http.Request, log http.Handler)]
	requests  atomic.Int64
}

func newPeerNode(t testing.TB, name string) *peerNode {
	t.Helper()
	origin := name + ".example/log"
	skey, vkey, err := acctlog.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	return newPeerNodeWithKey(t, name, skey, vkey)
}

// newPeerNodeWithKey is a peer signing with a given log key: two of them
// with one key are one log that equivocates.
func newPeerNodeWithKey(t testing.TB, name, skey, vkey string) *peerNode {
	t.Helper()
	store, err := sqlite.Open(mctx, filepath.Join(t.TempDir(), "peer.db"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := acctlog.New(acctlog.Config{Store: store, SignerKey: skey})
	if err != nil {
		t.Fatal(err)
	}
	p := &peerNode{name: name, origin: l.Origin(), store: store, log: l, skey: skey, vkey: vkey}
	p.reg = registry.New(registry.Config{Store: store, Log: l, Packs: testPacks(t), Member: name})
	logH := http.StripPrefix("/log", acctlog.Handler(store))
	p.logH = logH
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		if f := p.misbehave.Load(); f != nil {
			(*f)(w, r, logH)
			return
		}
		logH.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		p.srv.Close()
		l.Close()
		store.Close()
	})
	return p
}

func (p *peerNode) setMisbehave(f func(w http.ResponseWriter, r *http.Request, log http.Handler)) {
	if f == nil {
		p.misbehave.Store(nil)
		return
	}
	p.misbehave.Store(&f)
}

// org registers a provider and returns a caller acting for it.
func (p *peerNode) org(t testing.TB, name string) *registry.Caller {
	t.Helper()
	res, err := p.reg.RegisterOrganization(mctx, mAdmin, accord.NewOrganization{Name: accord.Text{"en": name}, Kind: "provider", Country: "FR", Contact: accord.Contact{Email: "x@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	return &registry.Caller{Token: res.Token.Token, OrgKind: "provider"}
}

func testFiling(name string) accord.Filing {
	yes := true
	return accord.Filing{
		TradeName: accord.Text{"en": name}, SystemVersion: "1.0", Status: "active",
		IntendedPurpose: accord.Text{"en": "Screens job applicants: " + name}, Domains: []string{"employment.recruitment"},
		DeploymentCountries: []string{"FR", "KE"}, Facts: accord.Facts{InteractsWithNaturalPersons: &yes},
	}
}

// file files n systems for c and returns their ids.
func (p *peerNode) file(t testing.TB, c *registry.Caller, n int, prefix string) []string {
	t.Helper()
	var ids []string
	for i := range n {
		v, err := p.reg.FileSystem(mctx, c, registry.FileRequest{Filing: testFiling(fmt.Sprintf("%s %d", prefix, i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	return ids
}

// appendRaw appends entries as they are (no record behind them).
func (p *peerNode) appendRaw(t testing.TB, entries ...[]byte) {
	t.Helper()
	if _, err := p.log.Append(mctx, func(context.Context, accord.WriteTx, int64) ([][]byte, error) { return entries, nil }); err != nil {
		t.Fatal(err)
	}
}

func (p *peerNode) size(t testing.TB) int64 {
	t.Helper()
	var n int64
	if err := p.store.View(mctx, func(tx accord.ReadTx) error {
		var err error
		n, err = tx.LogSize(mctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// rawEvent is a minimal well-formed entry of an unknown type.
func rawEvent(i int) []byte {
	return accord.LogEvent{Type: "test.note", Record: fmt.Sprintf("note_%d", i), Version: 1, Time: "2026-12-01T10:00:00.000Z", Org: "admin", Content: []byte(fmt.Sprintf(`{"n":%d}`, i))}.Bytes()
}

// mirrorNode is the node under test: its own store, log, registry,
// federation service and mirror.
type mirrorNode struct {
	skey   string // its own log's signer key
	store  *sqlite.DB
	log    *acctlog.Log
	reg    *registry.Service
	fed    *Service
	mirror *Mirror
}

func newMirrorNode(t testing.TB, cfg MirrorConfig) *mirrorNode {
	t.Helper()
	store, err := sqlite.Open(mctx, filepath.Join(t.TempDir(), "mirror.db"))
	if err != nil {
		t.Fatal(err)
	}
	return newMirrorNodeOn(t, store, cfg)
}

func newMirrorNodeOn(t testing.TB, store *sqlite.DB, cfg MirrorConfig) *mirrorNode {
	t.Helper()
	skey, vkey, err := acctlog.GenerateKey("mirror.example/log")
	if err != nil {
		t.Fatal(err)
	}
	l, err := acctlog.New(acctlog.Config{Store: store, SignerKey: skey})
	if err != nil {
		t.Fatal(err)
	}
	wkey, _, err := GenerateWitnessKey("mirror.example/witness")
	if err != nil {
		t.Fatal(err)
	}
	fed, err := New(Config{Store: store, Log: l, WitnessKey: wkey, Identity: accord.NodeIdentity{Member: "mirror", LogKey: vkey, URL: "http://mirror.example"}})
	if err != nil {
		t.Fatal(err)
	}
	n := &mirrorNode{skey: skey, store: store, log: l, fed: fed}
	n.reg = registry.New(registry.Config{Store: store, Log: l, Packs: testPacks(t), Member: "mirror", ProveForeign: fed.ProveForeign})
	cfg.Federation, cfg.Registry = fed, n.reg
	n.mirror = NewMirror(cfg)
	t.Cleanup(func() {
		n.mirror.Close()
		fed.Close()
		l.Close()
		store.Close()
	})
	return n
}

// addPeer adds p as an active peer.
func (n *mirrorNode) addPeer(t testing.TB, p *peerNode) {
	t.Helper()
	if _, err := n.fed.AddPeer(mctx, mAdmin, accord.NewPeer{Name: p.name, URL: p.srv.URL, LogKey: p.vkey}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.fed.SetPeerState(mctx, mAdmin, p.name, accord.PeerStateChange{State: accord.PeerActive}); err != nil {
		t.Fatal(err)
	}
}

func (n *mirrorNode) state(t testing.TB, origin string) accord.MirrorState {
	t.Helper()
	var st accord.MirrorState
	if err := n.store.View(mctx, func(tx accord.ReadTx) error {
		s, err := tx.MirrorState(mctx, origin)
		if accord.ErrorCode(err) == accord.ENotFound {
			return nil
		}
		if err == nil {
			st = *s
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return st
}

func (n *mirrorNode) peerState(t testing.TB, name string) accord.PeerState {
	t.Helper()
	p, err := n.fed.Peer(mctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return p.State
}

func (n *mirrorNode) alarms(t testing.TB) []accord.Alarm {
	t.Helper()
	var as []accord.Alarm
	if err := n.store.View(mctx, func(tx accord.ReadTx) error {
		var err error
		as, err = tx.Alarms(mctx, "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return as
}

func (n *mirrorNode) search(t testing.TB, q accord.SystemQuery) []accord.SystemSummary {
	t.Helper()
	p, err := n.reg.Search(mctx, q)
	if err != nil {
		t.Fatal(err)
	}
	return p.Systems
}

func registryFile(provider string) registry.FileRequest {
	return registry.FileRequest{Provider: provider, Filing: testFiling("filed here")}
}

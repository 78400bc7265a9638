package federation_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/tlog"
)

// BenchmarkAddCheckpoint: the witness's add-checkpoint over HTTP on
// loopback, on SQLite, with 16 logs submitting in parallel (each its next
// checkpoint, one size larger, with its consistency proof: the witness
// verifies the signature and the proof, cosigns and makes the new state
// durable before it answers). It reports requests per second, the p50
// and p99 latency, and the process's CPU time per request.
//
//	go test -run '^$' -bench BenchmarkAddCheckpoint -benchtime 20000x ./federation
func BenchmarkAddCheckpoint(b *testing.B) {
	logs := benchLogs()
	// As accord serve runs (cmd/accord: tuneGC).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	w := newWitnessNode(b)
	srv := httptest.NewServer(w.fed.Handler())
	defer srv.Close()
	per := b.N/logs + 1
	bodies := make([][][]byte, logs)
	for i := range logs {
		l := newFakeLog(b, fmt.Sprintf("bench%02d.test/log", i))
		w.addPeer(b, fmt.Sprintf("bench%02d", i), l)
		// Start each log at a size of some thousands, as a real one would be.
		if _, err := w.fed.AddCheckpoint(ctx, body(0, nil, l.checkpoint(b, 5000, nil))); err != nil {
			b.Fatal(err)
		}
		for n := int64(5001); n <= int64(5000+per); n++ {
			bodies[i] = append(bodies[i], body(n-1, l.proof(b, n, n-1), l.checkpoint(b, n, nil)))
		}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: logs}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	lat := make([][]time.Duration, logs)
	var wg sync.WaitGroup
	var failed sync.Once
	var failure error
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	for i := range logs {
		n := b.N / logs
		if i < b.N%logs {
			n++
		}
		wg.Go(func() {
			for _, bd := range bodies[i][:n] {
				t0 := time.Now()
				resp, err := hc.Post(srv.URL+"/add-checkpoint", "text/plain", bytes.NewReader(bd))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("HTTP %d", resp.StatusCode)
					}
				}
				if err != nil {
					failed.Do(func() { failure = err })
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	if failure != nil {
		b.Fatal(failure)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	// CPU per request, clients' and witness's: what the run cost apart from
	// how much of a shared machine it got.
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(all)), "cpu-µs/req")
}

// processCPU is the CPU time (user and system) this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWritesCosigner: local write throughput and receipt latency with
// the cosigner off and on, in one run on one node: 64 clients over loopback
// HTTP file systems back to back, in ten rounds (b.N filings per client
// each) that alternate between the node's two peers being read-only (the
// cosigner has no witness to submit to) and active (their witnesses cosign
// its every checkpoint), so that the machine's drift hits both alike. The
// peers keep their data in /dev/shm when it exists: on one machine they
// would otherwise compete with the writer for its disk's fsyncs, which
// peers on their own machines do not (they still share its CPU).
//
//	go test -run '^$' -bench BenchmarkWritesCosigner -benchtime 20x ./federation
func BenchmarkWritesCosigner(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	w := newBenchWriter(b, "writer")
	var peers []string
	for i := range 2 {
		p := testnode.Start(b, testnode.Options{Cfg: func(c *node.Config) {
			c.Origin = fmt.Sprintf("peer%d.test/log", i)
			if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
				dir, err := os.MkdirTemp("/dev/shm", "accord-bench-")
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { os.RemoveAll(dir) })
				c.DataDir = dir
			}
		}})
		peerUp(b, w.n, p)
		peerUp(b, p, w.n)
		peers = append(peers, p.Federation.Identity().Member)
	}
	admin := client.New(w.n.URL, w.n.AdminToken)
	set := func(state accord.PeerState) {
		for _, p := range peers {
			if _, err := admin.SetPeerState(ctx, p, accord.PeerStateChange{State: state}); err != nil {
				b.Fatal(err)
			}
		}
	}
	off, on := &benchPhase{name: "off"}, &benchPhase{name: "on"}
	b.ResetTimer()
	for round := range 10 {
		if round%2 == 0 {
			set(accord.PeerReadOnly)
			w.run(b, off)
		} else {
			set(accord.PeerActive)
			w.run(b, on)
		}
	}
	b.StopTimer()
	b.ReportMetric(on.report(b)/off.report(b), "on/off")
	b.ReportMetric(0, "ns/op")
	// The cosigner was on: the newest checkpoint gets both cosignatures.
	waitFor(b, "the newest checkpoint's cosignatures", 30*time.Second, func() bool {
		var cs []accord.Cosignature
		w.n.Store.View(ctx, func(tx accord.ReadTx) error {
			cp, _ := tx.Checkpoint(ctx)
			c, _ := tlog.ParseCheckpoint(strings.SplitN(string(cp), "\n\n", 2)[0] + "\n")
			cs, _ = tx.Cosignatures(ctx, c.Size)
			return nil
		})
		return len(cs) == 2
	})
}

// benchPhase collects the filings of one mode.
type benchPhase struct {
	name    string
	lat     []time.Duration
	elapsed time.Duration
}

// report reports the phase's rate and latency, and returns the rate.
func (p *benchPhase) report(b *testing.B) float64 {
	slices.Sort(p.lat)
	pct := func(q float64) float64 { return float64(p.lat[int(q*float64(len(p.lat)-1))].Microseconds()) / 1000 }
	rate := float64(len(p.lat)) / p.elapsed.Seconds()
	b.ReportMetric(rate, p.name+"-writes/s")
	b.ReportMetric(pct(0.50), p.name+"-p50-ms")
	b.ReportMetric(pct(0.99), p.name+"-p99-ms")
	return rate
}

type benchWriter struct {
	n   *testnode.Node
	c   []*client.Client
	tr  *http.Transport
	seq atomic.Int64
}

const benchCallers = 64

func newBenchWriter(b *testing.B, name string) *benchWriter {
	return newBenchWriterOn(b, testnode.Start(b, testnode.Options{Cfg: func(c *node.Config) { c.Origin = name + ".test/log" }}))
}

func newBenchWriterOn(b *testing.B, n *testnode.Node) *benchWriter {
	w := &benchWriter{n: n}
	reg, err := client.New(w.n.URL, w.n.AdminToken).RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Bench"}, Kind: "provider", Country: "FR"})
	if err != nil {
		b.Fatal(err)
	}
	w.tr = &http.Transport{MaxIdleConnsPerHost: benchCallers, MaxConnsPerHost: benchCallers}
	b.Cleanup(w.tr.CloseIdleConnections)
	for range benchCallers {
		w.c = append(w.c, &client.Client{Server: w.n.URL, Token: reg.Token.Secret, HTTP: &http.Client{Transport: w.tr, Timeout: time.Minute}})
	}
	return w
}

// run has every client file b.N systems, into phase p.
func (w *benchWriter) run(b *testing.B, p *benchPhase) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	yes := true
	start := time.Now()
	for _, c := range w.c {
		wg.Go(func() {
			var mine []time.Duration
			for range b.N {
				i := w.seq.Add(1)
				t0 := time.Now()
				v, err := c.FileSystem(ctx, "", accord.Filing{
					TradeName: accord.Text{"en": fmt.Sprintf("Bench system %d", i)}, SystemVersion: "1", Status: "active",
					IntendedPurpose: accord.Text{"en": "Measures writes."}, Domains: []string{"general.translation"},
					DeploymentCountries: []string{"FR"}, Facts: accord.Facts{InteractsWithNaturalPersons: &yes},
				}, "")
				if err != nil || v.Receipt == nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			p.lat = append(p.lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	p.elapsed += time.Since(start)
}

// peerUp makes q an active peer of p.
func peerUp(b *testing.B, p, q *testnode.Node) {
	id := q.Federation.Identity()
	c := client.New(p.URL, p.AdminToken)
	if _, err := c.AddPeer(ctx, accord.NewPeer{Name: id.Member, URL: q.URL, LogKey: id.LogKey, WitnessKey: id.WitnessKey}); err != nil {
		b.Fatal(err)
	}
	if _, err := c.SetPeerState(ctx, id.Member, accord.PeerStateChange{State: accord.PeerActive}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkQuorum5: five nodes on loopback, each an active peer of the
// four others (so a quorum is ⌊4/2⌋+1 = 3 of the four others' witnesses).
// One node files systems one after another (each b.N times); after each
// write the benchmark waits until a checkpoint that covers it holds a
// quorum of cosignatures, and reports the time from the write's answer
// (its checkpoint was signed just before) to that, p50 and p99.
//
//	go test -run '^$' -bench BenchmarkQuorum5 -benchtime 200x ./federation
func BenchmarkQuorum5(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	var nodes []*testnode.Node
	for i := range 5 {
		nodes = append(nodes, testnode.Start(b, testnode.Options{Cfg: func(c *node.Config) { c.Origin = fmt.Sprintf("q%d.test/log", i) }}))
	}
	for _, p := range nodes {
		for _, q := range nodes {
			if p != q {
				peerUp(b, p, q)
			}
		}
	}
	w := newBenchWriterOn(b, nodes[0])
	var members []string
	for _, q := range nodes[1:] {
		members = append(members, q.Federation.Identity().WitnessName)
	}
	yes := true
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		v, err := w.c[0].FileSystem(ctx, "", accord.Filing{
			TradeName: accord.Text{"en": fmt.Sprintf("Quorum system %d", i)}, SystemVersion: "1", Status: "active",
			IntendedPurpose: accord.Text{"en": "Measures cosigning."}, Domains: []string{"general.translation"},
			DeploymentCountries: []string{"FR"}, Facts: accord.Facts{InteractsWithNaturalPersons: &yes},
		}, "")
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		index := v.MoreReceipts[len(v.MoreReceipts)-1].Index // the write's last entry
		deadline := t0.Add(30 * time.Second)
		for {
			var size int64
			nodes[0].Store.View(ctx, func(tx accord.ReadTx) error {
				var err error
				size, err = tx.QuorumSize(ctx, members, len(members)/2+1)
				return err
			})
			if size > index {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("write %d: no quorum after 30 s", i)
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "quorum-p50-ms")
	b.ReportMetric(pct(0.99), "quorum-p99-ms")
	b.ReportMetric(0, "ns/op")
}

func benchLogs() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_LOGS")); err == nil && n > 0 {
		return n
	}
	return 16
}

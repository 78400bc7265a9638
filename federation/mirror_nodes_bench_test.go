package federation_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/tlog"
)

// Benchmarks with real node processes on loopback, at the default
// intervals (mirror 1 s, with the push from the witness):
//
//	go test -run '^$' -bench 'BenchmarkFiveNodes|BenchmarkFederationOnOff' -benchtime 1x ./federation

// nodeOpt says how to start one node of peeredNodes.
type nodeOpt struct {
	idle  bool   // under SCHED_IDLE
	data  string // data directory; default a temporary one
	extra []string
}

// peeredNodes starts n nodes and peers every one with every other; opt,
// if set, says how to start node i.
func peeredNodes(b *testing.B, n int, opt func(i int) nodeOpt) []*nodeProc {
	nodes := make([]*nodeProc, n)
	for i := range nodes {
		var o nodeOpt
		if opt != nil {
			o = opt(i)
		}
		nodes[i] = startNodeProc(b, fmt.Sprintf("n%d", i), "", o.data, o.idle, o.extra...)
	}
	for _, p := range nodes {
		for _, q := range nodes {
			if p != q {
				p.PeerWith(b, q)
			}
		}
	}
	return nodes
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// BenchmarkFiveNodes: with five nodes mirroring each other, the time from
// a filing's receipt at one node to its being found by search at every
// other (p50, p99, max over 40 filings at the five nodes in turn), and the
// time from its receipt (the checkpoint's signing) to the node's
// /log/checkpoint carrying a quorum of cosignatures (3 of the 4 peers).
func BenchmarkFiveNodes(b *testing.B) {
	if testing.Short() {
		b.Skip("starts five node processes")
	}
	for range b.N {
		b.StopTimer()
		nodes := peeredNodes(b, 5, nil)
		provs := make([]*client.Client, len(nodes))
		for i, p := range nodes {
			provs[i], _ = p.Provider(b)
		}
		time.Sleep(3 * time.Second) // every follower started
		ctx := context.Background()
		b.StartTimer()
		var searchable, quorum []time.Duration
		for k := range 40 {
			home := nodes[k%len(nodes)]
			name := fmt.Sprintf("Latency probe %d", k)
			v, err := provs[k%len(nodes)].FileSystem(ctx, "", testSystem(name), "")
			if err != nil {
				b.Fatal(err)
			}
			at := time.Now()
			var wg sync.WaitGroup
			var mu sync.Mutex
			var slowest, q time.Duration
			for _, p := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if p == home {
						d := waitQuorum(b, p, nodes, v.Receipt.Index, at)
						mu.Lock()
						q = d
						mu.Unlock()
						return
					}
					for !found(b, p, home.ID.Member, strings.ToLower(name), v.ID) {
						if time.Since(at) > 30*time.Second {
							b.Errorf("%s: %s not found after 30 s", p.Name, v.ID)
							return
						}
						time.Sleep(10 * time.Millisecond)
					}
					d := time.Since(at)
					mu.Lock()
					slowest = max(slowest, d)
					mu.Unlock()
				}()
			}
			wg.Wait()
			searchable, quorum = append(searchable, slowest), append(quorum, q)
			time.Sleep(100 * time.Millisecond)
		}
		b.ReportMetric(float64(percentile(searchable, 0.5).Milliseconds()), "searchable-p50-ms")
		b.ReportMetric(float64(percentile(searchable, 0.99).Milliseconds()), "searchable-p99-ms")
		b.ReportMetric(float64(slices.Max(searchable).Milliseconds()), "searchable-max-ms")
		b.ReportMetric(float64(percentile(quorum, 0.5).Milliseconds()), "quorum-p50-ms")
		b.ReportMetric(float64(percentile(quorum, 0.99).Milliseconds()), "quorum-p99-ms")
		b.StopTimer()
		for _, p := range nodes {
			p.Stop()
		}
	}
}

// waitQuorum waits until p's /log/checkpoint covers index with
// cosignatures from 3 of its 4 peers' witnesses, and returns the time
// since at.
func waitQuorum(b *testing.B, p *nodeProc, nodes []*nodeProc, index int64, at time.Time) time.Duration {
	var vs []note.Verifier
	for _, q := range nodes {
		if q != p {
			v, _ := federation.NewCosignatureVerifier(q.ID.WitnessKey)
			vs = append(vs, v)
		}
	}
	for {
		cp, err := p.Public.Get(context.Background(), "/log/checkpoint")
		if err == nil {
			c, _ := tlog.ParseCheckpoint(strings.SplitN(string(cp), "\n\n", 2)[0] + "\n")
			if n, err := note.Open(cp, note.VerifierList(vs...)); err == nil && c.Size > index && len(n.Sigs) >= 3 {
				return time.Since(at)
			}
		}
		if time.Since(at) > 30*time.Second {
			b.Errorf("%s: no quorum after 30 s", p.Name)
			return time.Since(at)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// load files count filings from conc writers at once and returns the
// filings per second and every receipt's latency.
func load(b *testing.B, prov *client.Client, tag string, conc, count int) (float64, []time.Duration) {
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range count / conc {
				t0 := time.Now()
				if _, err := prov.FileSystem(context.Background(), "", testSystem(fmt.Sprintf("%s load %d-%d", tag, w, i)), ""); err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return float64(len(lat)) / time.Since(start).Seconds(), lat
}

// BenchmarkFederationOnOff: a node's write throughput and receipt latency
// alone (federation off: no peers) and with four peers (federation on:
// its checkpoints witnessed and cosigned, its log mirrored by all four,
// theirs by it), in one run on one machine, alternating, five rounds of
// each: 400 filings from 8 writers at once. It reports each mode's rounds'
// slowest and fastest rate, latency, and the ratios on/off of the rate
// over all rounds and of the median latency.
//
// The four peers stand for other members' machines; here they share the
// node's two cores and its disk, and their work for each of its filings
// (witnessing its checkpoints, fetching, verifying and classifying its
// entries) costs about as much CPU as the filing cost the node. So they
// run under SCHED_IDLE (chrt --idle), on CPU time that no other process
// wants, as a peer on its own machine takes none of the node's, and keep
// their databases in /dev/shm when it exists, so that their fsyncs do not
// queue with the node's on one disk (ACCORD_BENCH_PEERS_APART=0: at the
// node's priority, on its disk, as this benchmark first ran). They still
// do all of their work, for real, over loopback. (Nice 19 left them more
// of the node's time on a loaded machine: bench/RESULTS.md.)
// The node's own CPU per filing, off and on, is reported apart from both.
//
// ACCORD_BENCH_CPUPROFILE=PATH writes the federated node's CPU profile to
// PATH and the lone node's to PATH.off.
func BenchmarkFederationOnOff(b *testing.B) {
	if testing.Short() {
		b.Skip("starts six node processes")
	}
	apart := os.Getenv("ACCORD_BENCH_PEERS_APART") != "0"
	profile := os.Getenv("ACCORD_BENCH_CPUPROFILE")
	profileArgs := func(path string) []string {
		if profile == "" {
			return nil
		}
		return []string{"--cpuprofile", path}
	}
	for range b.N {
		b.StopTimer()
		off := startNodeWith(b, "solo", "", "", profileArgs(profile+".off")...)
		fed := peeredNodes(b, 5, func(i int) nodeOpt {
			if i == 0 {
				return nodeOpt{extra: profileArgs(profile)}
			}
			if !apart {
				return nodeOpt{}
			}
			return nodeOpt{idle: true, data: shmDir(b)}
		})
		on := fed[0]
		offProv, _ := off.Provider(b)
		onProv, _ := on.Provider(b)
		time.Sleep(3 * time.Second)
		b.StartTimer()
		var thr [2][]float64
		var lats [2][]time.Duration
		var cpu [2]time.Duration // the writing node's own CPU
		var peers time.Duration  // the four peers' CPU while it is on
		const rounds, filings = 5, 400
		var elapsed [2]float64 // seconds
		served0 := scrape(b, on)
		for round := range rounds {
			for i, c := range []*client.Client{offProv, onProv} {
				node := []*nodeProc{off, on}[i]
				c0, p0 := procCPU(node), cpuOf(fed[1:])
				t, l := load(b, c, fmt.Sprintf("round %d", round), 8, filings)
				elapsed[i] += float64(len(l)) / t
				cpu[i] += procCPU(node) - c0
				if i == 1 {
					peers += cpuOf(fed[1:]) - p0
				}
				thr[i] = append(thr[i], t)
				lats[i] = append(lats[i], l...)
			}
		}
		for i, name := range []string{"off", "on"} {
			b.ReportMetric(slices.Min(thr[i]), name+"-filings/s-min")
			b.ReportMetric(slices.Max(thr[i]), name+"-filings/s-max")
			b.ReportMetric(float64(percentile(lats[i], 0.5).Microseconds())/1000, name+"-p50-ms")
			b.ReportMetric(float64(percentile(lats[i], 0.99).Microseconds())/1000, name+"-p99-ms")
			b.ReportMetric(float64(cpu[i].Microseconds())/1000/float64(len(lats[i])), name+"-node-cpu-ms/filing")
		}
		b.ReportMetric(float64(peers.Microseconds())/1000/float64(len(lats[1])), "on-peers-cpu-ms/filing")
		// What the node did for the federation, per filing it made: counts,
		// which the machine's load does not move as it moves times.
		served := scrape(b, on)
		per := func(k string) float64 { return (served[k] - served0[k]) / float64(len(lats[1])) }
		b.ReportMetric(per("tiles"), "on-tiles-served/filing")
		b.ReportMetric(per("checkpoint"), "on-checkpoints-served/filing")
		b.ReportMetric(per("cosignatures"), "on-cosignatures/filing")
		// The target's terms: every round's filings over their time, and
		// the median receipt latency, on against off.
		rate := func(i int) float64 { return float64(len(lats[i])) / elapsed[i] }
		b.ReportMetric(rate(1)/rate(0), "on/off-filings/s")
		b.ReportMetric(float64(percentile(lats[1], 0.5))/float64(percentile(lats[0], 0.5)), "on/off-p50")
		b.StopTimer()
		// The peers mirrored what the node filed.
		for _, p := range fed[1:] {
			page, err := p.Public.Search(context.Background(), accord.SystemQuery{Node: on.ID.Member, Limit: 1})
			if err != nil || len(page.Systems) == 0 {
				b.Errorf("%s mirrored nothing of %s: %v", p.Name, on.Name, err)
			}
		}
		for _, p := range append(fed, off) {
			p.Stop()
		}
	}
}

// scrape reads a node's counters of tile and checkpoint requests served
// and of cosignatures collected, from its /metrics.
func scrape(b *testing.B, p *nodeProc) map[string]float64 {
	resp, err := http.Get("http://" + p.Addr + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(data), "\n") {
		i := strings.LastIndexByte(line, ' ') // label values hold spaces
		if i < 0 || strings.HasPrefix(line, "#") {
			continue
		}
		name, value := line[:i], line[i+1:]
		var key string
		switch {
		case strings.HasPrefix(name, "accord_http_requests_total{") && strings.Contains(name, `route="/log/"`):
			key = "tiles"
		case strings.HasPrefix(name, "accord_http_requests_total{") && strings.Contains(name, `route="GET /log/checkpoint"`):
			key = "checkpoint"
		case strings.HasPrefix(name, "accord_cosignature_seconds_count{"):
			key = "cosignatures"
		default:
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			b.Fatalf("/metrics: %q: %v", line, err)
		}
		out[key] += v
	}
	return out
}

// shmDir is a new directory in /dev/shm (memory), or in the test's
// temporary directory if there is none.
func shmDir(b *testing.B) string {
	if st, err := os.Stat("/dev/shm"); err != nil || !st.IsDir() {
		return b.TempDir()
	}
	dir, err := os.MkdirTemp("/dev/shm", "accord-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// procCPU is the CPU time a node process used so far (Linux).
func procCPU(p *nodeProc) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Cmd.Process.Pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b)[strings.LastIndexByte(string(b), ')')+2:])
	var user, sys int64
	fmt.Sscan(f[11], &user)
	fmt.Sscan(f[12], &sys)
	return time.Duration(user+sys) * 10 * time.Millisecond // clock ticks of 10 ms
}

func cpuOf(ps []*nodeProc) time.Duration {
	var d time.Duration
	for _, p := range ps {
		d += procCPU(p)
	}
	return d
}

package governance_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/bench"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/governance"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/registry"
)

// BenchmarkImpactPreview times the impact preview end to end at a node on
// SQLite holding ACCORD_BENCH_IMPACT_SYSTEMS systems (default 20,000, the
// bench's generated registry): every stored system read and classified
// under the base and proposed us-nyc versions, in the background, until
// the preview is done. Filing them is not timed.
func BenchmarkImpactPreview(b *testing.B) {
	n := 20000
	if s := os.Getenv("ACCORD_BENCH_IMPACT_SYSTEMS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	nd, err := node.Open(ctx, node.Config{DataDir: b.TempDir(), Origin: "impact.bench/log"})
	if err != nil {
		b.Fatal(err)
	}
	defer nd.Close()
	op := registry.Operator()
	var orgs []string
	for i := range max(20, n/200) {
		r, err := nd.Registry.RegisterOrganization(ctx, op, bench.NewGenerator(uint64(i)<<20).Organization())
		if err != nil {
			b.Fatal(err)
		}
		orgs = append(orgs, r.Organization.ID)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f := bench.NewGenerator(uint64(i) + 1_000_003).Filing()
				if _, err := nd.Registry.FileSystem(ctx, op, registry.FileRequest{Provider: orgs[i%len(orgs)], Filing: f}); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	skey, vkey, _ := governance.GenerateVoteKey("a")
	doc := "version: 1\ntitle: Bench\nmembers:\n  - {id: a, name: A, country: FR, vote_key: \"" + vkey + "\", origin: \"impact.bench/log\", url: \"http://127.0.0.1\"}\nrules:\n"
	for _, k := range accord.DecisionKinds {
		doc += "  " + k + ": {comment_period: 1h, voting_period: 1h, quorum: 1/2, approve: 2/3, max_disapprove: 1/4}\n"
	}
	c, _ := governance.ParseCharter([]byte(doc))
	h, _ := c.Hash()
	sig, _ := governance.Sign(skey, accord.CharterNoteText(1, h))
	if _, err := nd.Governance.InstallCharter(ctx, op, accord.CharterInstall{Charter: doc, Signatures: []string{sig}}); err != nil {
		b.Fatal(err)
	}
	base, _ := frameworks.Pack("us-nyc")
	amended, _ := os.ReadFile("../examples/governance/us-nyc-amended.yaml")
	b.ResetTimer()
	for b.Loop() {
		res, err := nd.Governance.Propose(ctx, op, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: string(amended), Title: accord.Text{"en": "B"}, Rationale: accord.Text{"en": "B"}})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for {
			im, err := nd.Governance.Impact(ctx, res.ID, governance.ImpactQuery{})
			if err != nil {
				b.Fatal(err)
			}
			if im.State == "done" {
				b.ReportMetric(float64(im.Systems), "systems")
				b.ReportMetric(float64(im.Moved), "moved")
				b.ReportMetric(time.Since(start).Seconds(), "s/preview")
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

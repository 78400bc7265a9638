package governance_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/governance"
	"github.com/accord-gov/accord/internal/testnode"
	"os"
)

// BenchmarkVoteHTTP casts signed ballots over HTTP at an in-process node
// on SQLite, one after another, each answered with its log receipt; it
// reports the p50 and p99 latency.
func BenchmarkVoteHTTP(b *testing.B) {
	b.Setenv("ACCORD_GOVERNANCE_INTERVAL", "1s")
	n := testnode.Start(b, testnode.Options{})
	admin := client.New(n.URL, n.AdminToken)
	ctx := context.Background()
	skey, vkey, err := governance.GenerateVoteKey("a")
	if err != nil {
		b.Fatal(err)
	}
	doc := "version: 1\ntitle: Bench\nmembers:\n  - {id: a, name: A, country: FR, vote_key: \"" + vkey + "\", origin: \"" + n.Config.Origin + "\", url: \"" + n.URL + "\"}\nrules:\n"
	for _, k := range accord.DecisionKinds {
		doc += "  " + k + ": {comment_period: 1s, voting_period: 1h, quorum: 1/2, approve: 2/3, max_disapprove: 1/4}\n"
	}
	c, err := governance.ParseCharter([]byte(doc))
	if err != nil {
		b.Fatal(err)
	}
	h, _ := c.Hash()
	sig, _ := governance.Sign(skey, accord.CharterNoteText(1, h))
	if _, err := admin.InstallCharter(ctx, accord.CharterInstall{Charter: doc, Signatures: []string{sig}}); err != nil {
		b.Fatal(err)
	}
	base, _ := frameworks.Pack("us-nyc")
	amended, _ := os.ReadFile("../examples/governance/us-nyc-amended.yaml")
	res, err := admin.Propose(ctx, accord.NewProposal{Kind: accord.KindAmendPack, BaseHash: base.Hash, PackYAML: string(amended), Title: accord.Text{"en": "B"}, Rationale: accord.Text{"en": "B"}})
	if err != nil {
		b.Fatal(err)
	}
	p, err := admin.Proposal(ctx, res.ID)
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(time.Until(mustTime(b, p.Content.CommentsClose)) + 10*time.Millisecond)
	notes := map[string]string{}
	for _, ch := range []string{accord.Approve, accord.Abstain} {
		notes[ch], _ = governance.Sign(skey, accord.BallotNoteText(p.ID, p.ContentHash, "a", ch, "-", false))
	}
	var lat []time.Duration
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ch := []string{accord.Approve, accord.Abstain}[i%2]
		i++
		start := time.Now()
		r, err := admin.Vote(ctx, p.ID, accord.NewBallot{Choice: ch, Note: notes[ch]})
		lat = append(lat, time.Since(start))
		if err != nil || len(r.Receipts) != 1 {
			b.Fatalf("vote: %v", err)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func mustTime(b *testing.B, s string) time.Time {
	t, err := accord.ParseLogTime(s)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

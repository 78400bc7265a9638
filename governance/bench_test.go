package governance

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/demo"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/rules"
	acctlog "github.com/accord-gov/accord/tlog"
)

// BenchmarkTally200 tallies the signed ballots of 200 members (every
// signature verified), as every node does from its mirrored logs.
func BenchmarkTally200(b *testing.B) {
	c := &accord.Charter{Version: 1, Title: "Bench"}
	rule := accord.DecisionRule{CommentPeriod: "1d", VotingPeriod: "1d", Quorum: "1/2", Approve: "2/3", MaxDisapprove: "1/4"}
	p := &accord.Proposal{ID: "p-bench", ContentHash: strings.Repeat("ab", 32),
		Content: accord.ProposalContent{Rule: rule, CommentsClose: "2026-03-01T00:00:00.000Z", Closes: "2026-03-29T00:00:00.000Z"}}
	var ballots []accord.Ballot
	for i := range 200 {
		id := fmt.Sprintf("m%03d", i)
		skey, vkey, err := GenerateVoteKey(id)
		if err != nil {
			b.Fatal(err)
		}
		c.Members = append(c.Members, accord.CharterMember{ID: id, Name: id, Country: "FR", VoteKey: vkey, Origin: id + "/log", URL: "http://" + id})
		choice := []string{accord.Approve, accord.Approve, accord.Approve, accord.Abstain}[i%4]
		note, err := Sign(skey, accord.BallotNoteText(p.ID, p.ContentHash, id, choice, "-", false))
		if err != nil {
			b.Fatal(err)
		}
		ballots = append(ballots, accord.Ballot{Proposal: p.ID, ContentHash: p.ContentHash, Member: id, Choice: choice, Note: note,
			Time: "2026-03-10T00:00:00.000Z", Origin: id + "/log", LogIndex: int64(i)})
	}
	b.ResetTimer()
	for b.Loop() {
		if t := Count(c, p, ballots, nil); t.Cast != 200 || !t.Passed {
			b.Fatalf("tally %+v", t)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/tally")
}

// BenchmarkImpactPerSystem classifies stored systems (the demo registry's)
// under the base and proposed us-nyc versions, as the impact preview does
// for every system a node holds: one op is one system; the preview spreads
// them over every CPU.
func BenchmarkImpactPerSystem(b *testing.B) {
	systems, err := demo.Systems()
	if err != nil {
		b.Fatal(err)
	}
	var heads []accord.StoredHead
	for i, s := range systems {
		data, _ := json.Marshal(accord.SystemVersion{SystemID: fmt.Sprint(i), Version: 1, Filing: s.Filing, Time: time.Now()})
		heads = append(heads, accord.StoredHead{ID: fmt.Sprint(i), Version: 1, Current: data})
	}
	baseline, _ := frameworks.Pack("baseline")
	base, _ := frameworks.Pack("us-nyc")
	data, err := os.ReadFile("../examples/governance/us-nyc-amended.yaml")
	if err != nil {
		b.Fatal(err)
	}
	proposed, err := rules.Load("amended.yaml", data)
	if err != nil {
		b.Fatal(err)
	}
	if err := rules.Link(proposed, baseline); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		impactOf(heads[i%len(heads)], baseline, base, proposed, at)
		i++
	}
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(per*1e6/1e9/float64(runtime.GOMAXPROCS(0)), "s/1M-systems")
}

// BenchmarkTally200Witnessed is BenchmarkTally200 with the charter
// pinning every member's log and witness keys: each of the 200 seals
// carries a checkpoint cosigned by a quorum (100) of the other members'
// witnesses, all verified.
func BenchmarkTally200Witnessed(b *testing.B) {
	c := &accord.Charter{Version: 1, Title: "Bench"}
	rule := accord.DecisionRule{CommentPeriod: "1d", VotingPeriod: "1d", Quorum: "1/2", Approve: "2/3", MaxDisapprove: "1/4"}
	now := time.Now().UTC()
	p := &accord.Proposal{ID: "p-bench", ContentHash: strings.Repeat("ab", 32),
		Content: accord.ProposalContent{Rule: rule, CommentsClose: accord.LogTime(now.Add(-time.Hour)), Closes: accord.LogTime(now.Add(time.Hour))}}
	const n = 200
	var logS, witS []note.Signer
	var ballots []accord.Ballot
	for i := range n {
		id := fmt.Sprintf("m%03d", i)
		skey, vkey, _ := GenerateVoteKey(id)
		lskey, lvkey, _ := acctlog.GenerateKey(id + "/log")
		wskey, wvkey, _ := federation.GenerateWitnessKey(id + "/witness")
		ls, _ := note.NewSigner(lskey)
		ws, _ := federation.NewWitnessSigner(wskey)
		logS, witS = append(logS, ls), append(witS, ws)
		c.Members = append(c.Members, accord.CharterMember{ID: id, Name: id, Country: "FR", VoteKey: vkey, Origin: id + "/log", URL: "http://" + id, LogKey: lvkey, WitnessKey: wvkey})
		note, _ := Sign(skey, accord.BallotNoteText(p.ID, p.ContentHash, id, accord.Approve, "-", false))
		ballots = append(ballots, accord.Ballot{Proposal: p.ID, ContentHash: p.ContentHash, Member: id, Choice: accord.Approve, Note: note,
			Time: accord.LogTime(now), Origin: id + "/log", LogIndex: 3})
	}
	var seals []accord.Seal
	for i, m := range c.Members {
		signers := []note.Signer{logS[i]}
		for k := 1; len(signers) <= witnessQuorum(n); k++ {
			signers = append(signers, witS[(i+k)%n])
		}
		ev, err := note.Sign(&note.Note{Text: acctlog.Checkpoint{Origin: m.Origin, Size: 10}.String()}, signers...)
		if err != nil {
			b.Fatal(err)
		}
		seals = append(seals, accord.Seal{Proposal: p.ID, Member: m.ID, Origin: m.Origin, LogIndex: 20, Witnessed: string(ev)})
	}
	cold := time.Now()
	if t := Count(c, p, ballots, seals); t.Approve != n {
		b.Fatalf("tally %+v", t.Refused[:1])
	}
	b.Logf("first tally (every cosignature verified): %v", time.Since(cold))
	b.ResetTimer()
	for b.Loop() {
		if t := Count(c, p, ballots, seals); t.Approve != n {
			b.Fatalf("tally %+v", t.Refused[:1])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/tally")
}

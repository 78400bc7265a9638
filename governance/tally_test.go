package governance

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
)

// testKeys makes reproducible vote keys for members a, b, …, z.
func testKeys(t testing.TB) map[string][2]string {
	keys := map[string][2]string{}
	r := rand.NewChaCha8([32]byte{'a', 'c', 'c', 'o', 'r', 'd'})
	for c := 'a'; c <= 'z'; c++ {
		s, v, err := note.GenerateKey(r, string(c))
		if err != nil {
			t.Fatal(err)
		}
		keys[string(c)] = [2]string{s, v}
	}
	return keys
}

func testCharter(keys map[string][2]string, n int, rule accord.DecisionRule) *accord.Charter {
	c := &accord.Charter{Version: 1, Title: "Test charter", Rules: map[string]accord.DecisionRule{}}
	for i := range n {
		id := string(rune('a' + i))
		c.Members = append(c.Members, accord.CharterMember{ID: id, Name: "Member " + id, Country: "FR", VoteKey: keys[id][1],
			Origin: id + ".test/log", URL: "http://" + id + ".test"})
	}
	for _, k := range accord.DecisionKinds {
		c.Rules[k] = rule
	}
	return c
}

type tallyCase struct {
	Name string `yaml:"name"`
	Rule struct {
		Quorum        accord.Fraction `yaml:"quorum"`
		Approve       accord.Fraction `yaml:"approve"`
		MaxDisapprove accord.Fraction `yaml:"max_disapprove"`
		OptOut        bool            `yaml:"opt_out"`
	} `yaml:"rule"`
	Members int      `yaml:"members"`
	Seals   []string `yaml:"seals"`
	Ballots []string `yaml:"ballots"`
	Want    string   `yaml:"want"`
	Refused []string `yaml:"refused"`
}

func summary(t accord.Tally) string {
	yn := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	s := fmt.Sprintf("approve %d disapprove %d abstain %d cast %d quorum %s approved %s objected %s passed %s",
		t.Approve, t.Disapprove, t.Abstain, t.Cast, yn(t.Quorum), yn(t.Approved), yn(t.Objected), yn(t.Passed))
	if len(t.OptedOut) > 0 {
		s += " opted-out " + strings.Join(t.OptedOut, ",")
	}
	return s
}

func TestTallyGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/tally.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []tallyCase
	if err := yaml.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	keys := testKeys(t)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			rule := accord.DecisionRule{CommentPeriod: "1d", VotingPeriod: "1d", Quorum: tc.Rule.Quorum, Approve: tc.Rule.Approve,
				MaxDisapprove: tc.Rule.MaxDisapprove, OptOut: tc.Rule.OptOut}
			c := testCharter(keys, tc.Members, rule)
			p := &accord.Proposal{ID: "p-test", ContentHash: strings.Repeat("ab", 32), Origin: "a.test/log",
				Content: accord.ProposalContent{Rule: rule, CommentsClose: "2026-03-01T00:00:00.000Z", Closes: "2026-03-29T00:00:00.000Z"}}
			var ballots []accord.Ballot
			for i, spec := range tc.Ballots {
				ballots = append(ballots, testBallot(t, keys, p, spec, int64(10+i)))
			}
			var seals []accord.Seal
			for _, m := range tc.Seals {
				seals = append(seals, accord.Seal{Proposal: p.ID, Member: m, Origin: m + ".test/log", LogIndex: 100})
			}
			got := Count(c, p, ballots, seals)
			if s := summary(got); s != tc.Want {
				t.Errorf("tally:\n got %s\nwant %s", s, tc.Want)
			}
			var refused []string
			for _, r := range got.Refused {
				refused = append(refused, r.Member+": "+r.Why)
			}
			if len(refused) != len(tc.Refused) {
				t.Fatalf("refused %q, want %q", refused, tc.Refused)
			}
			for i := range refused {
				if !strings.HasPrefix(refused[i], tc.Refused[i]) {
					t.Errorf("refused[%d] = %q, want %q…", i, refused[i], tc.Refused[i])
				}
			}
		})
	}
}

// testBallot builds a signed ballot as spec says (see testdata/tally.yaml).
func testBallot(t *testing.T, keys map[string][2]string, p *accord.Proposal, spec string, index int64) accord.Ballot {
	f := strings.Fields(spec)
	member, choice, flags := f[0], f[1], map[string]bool{}
	for _, x := range f[2:] {
		flags[x] = true
	}
	b := accord.Ballot{Proposal: p.ID, ContentHash: p.ContentHash, Member: member, Choice: choice, OptOut: flags["opt-out"],
		Time: "2026-03-10T00:00:00.000Z", Origin: member + ".test/log", LogIndex: index}
	if choice == accord.Disapprove && !flags["no-reasons"] {
		b.Reasons = accord.Text{"en": "The rule reaches tools it should not."}
	}
	switch {
	case flags["early"]:
		b.Time = "2026-02-20T00:00:00.000Z"
	case flags["late"]:
		b.Time = "2026-03-29T00:00:00.001Z"
	case flags["elsewhere"]:
		b.Origin = "a.test/log"
	case flags["after-seal"]:
		b.LogIndex = 101
	}
	hash := p.ContentHash
	if flags["wrong-hash"] {
		hash = strings.Repeat("cd", 32)
		b.ContentHash = hash
	}
	key := keys[member][0]
	if flags["wrong-key"] {
		key = keys["y"][0]
	}
	sig, err := Sign(key, accord.BallotNoteText(p.ID, hash, member, choice, accord.TextHash(b.Reasons), b.OptOut))
	if err != nil {
		t.Fatal(err)
	}
	b.Note = sig
	return b
}

package federation_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/tlog"
)

// TestCosignerInProcess: three in-process nodes, each the others' active
// peer; concurrent writers at one. Its newest checkpoint ends up with both
// peers' cosignatures (served at /log/checkpoint, checked with their keys),
// and every stored cosignature verifies.
func TestCosignerInProcess(t *testing.T) {
	var nodes []*testnode.Node
	for i := range 3 {
		nodes = append(nodes, testnode.Start(t, testnode.Options{Cfg: func(c *node.Config) { c.Origin = fmt.Sprintf("c%d.test/log", i) }}))
	}
	for _, p := range nodes {
		for _, q := range nodes {
			if p != q {
				activate(t, p, q)
			}
		}
	}
	a := nodes[0]
	admin := client.New(a.URL, a.AdminToken)
	reg, err := admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Cosigned Co"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 10 {
				if _, err := admin.IssueToken(ctx, reg.Organization.ID, fmt.Sprintf("w%d-%d", w, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var vs []note.Verifier
	for _, q := range nodes[1:] {
		v, err := federation.NewCosignatureVerifier(q.Federation.Identity().WitnessKey)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	waitFor(t, "both cosignatures on the newest checkpoint", 30*time.Second, func() bool {
		cp, err := client.New(a.URL, "").Get(ctx, "/log/checkpoint")
		if err != nil {
			return false
		}
		n, err := note.Open(cp, note.VerifierList(vs...))
		return err == nil && len(n.Sigs) == 2
	})
	// Every stored cosignature is a valid cosignature of the checkpoint of its size.
	a.Store.View(ctx, func(tx accord.ReadTx) error {
		size, _ := tx.LogSize(ctx)
		cps, _ := tx.Checkpoints(ctx, 0, size+1)
		count := 0
		for _, cp := range cps {
			c, _ := tlog.ParseCheckpoint(strings.SplitN(string(cp), "\n\n", 2)[0] + "\n")
			cs, _ := tx.Cosignatures(ctx, c.Size)
			for _, x := range cs {
				count++
				if _, err := note.Open(append([]byte(string(cp)), x.Line...), note.VerifierList(vs...)); err != nil {
					t.Errorf("stored cosignature %+v does not verify: %v", x, err)
				}
			}
		}
		if count < 2 {
			t.Errorf("%d cosignatures stored", count)
		}
		return nil
	})
}

func activate(t *testing.T, p, q *testnode.Node) {
	t.Helper()
	id := q.Federation.Identity()
	c := client.New(p.URL, p.AdminToken)
	if _, err := c.AddPeer(ctx, accord.NewPeer{Name: id.Member, URL: q.URL, LogKey: id.LogKey, WitnessKey: id.WitnessKey}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetPeerState(ctx, id.Member, accord.PeerStateChange{State: accord.PeerActive}); err != nil {
		t.Fatal(err)
	}
}

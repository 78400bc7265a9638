package main

import (
	"strings"
	"testing"

	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
)

// TestCLIFederation: accord node, peer and witness against two real nodes
// (in-process), and the messages that name the flag or field at fault.
func TestCLIFederation(t *testing.T) {
	a := testnode.Start(t, testnode.Options{})
	b := testnode.Start(t, testnode.Options{Cfg: func(c *node.Config) { c.Origin = "b.test/log"; c.Member = "bravo" }})
	srv := []string{"--server", a.URL, "--token", a.AdminToken}
	run := func(want int, args ...string) string {
		t.Helper()
		code, out, errs := cli(t, append(args, srv...)...)
		if code != want {
			t.Fatalf("accord %v: exit %d, want %d\n%s%s", args, code, want, out, errs)
		}
		return out + errs
	}
	out := run(0, "node")
	if id := a.Federation.Identity(); !strings.Contains(out, id.LogKey) || !strings.Contains(out, id.WitnessKey) {
		t.Errorf("accord node:\n%s", out)
	}
	// --from-node shows what the node says, and adds nothing without --yes.
	out = run(0, "peer", "add", "bravo", "--url", b.URL, "--from-node")
	bid := b.Federation.Identity()
	if !strings.Contains(out, bid.WitnessKey) || !strings.Contains(out, "accord peer add bravo --url "+b.URL+" --log-key "+bid.LogKey) {
		t.Errorf("peer add --from-node:\n%s", out)
	}
	if out := run(0, "peer", "list"); strings.Contains(out, "bravo") {
		t.Errorf("--from-node without --yes added the peer:\n%s", out)
	}
	if out := run(1, "peer", "add", "bravo", "--url", b.URL, "--log-key", "nope"); !strings.Contains(out, "field log_key") {
		t.Errorf("a bad key: %s", out)
	}
	run(0, "peer", "add", "bravo", "--url", b.URL, "--log-key", bid.LogKey, "--witness-key", bid.WitnessKey)
	if out := run(0, "peer", "set", "bravo", "--state", "active", "--reason", "signed the charter"); !strings.Contains(out, "now active") {
		t.Errorf("peer set: %s", out)
	}
	if out := run(0, "peer", "list"); !strings.Contains(out, "bravo") || !strings.Contains(out, "active") || !strings.Contains(out, "b.test/witness") {
		t.Errorf("peer list:\n%s", out)
	}
	if out := run(0, "peer", "get", "bravo"); !strings.Contains(out, `"state": "active"`) {
		t.Errorf("peer get:\n%s", out)
	}
	if out := run(0, "policy"); !strings.Contains(out, "group members 1 b.test/witness") {
		t.Errorf("policy:\n%s", out)
	}
	if out := run(2, "peer", "set", "bravo"); !strings.Contains(out, "--state") {
		t.Errorf("peer set without --state: %s", out)
	}
	if out := run(1, "peer", "set", "bravo", "--state", "retired"); !strings.Contains(out, "field state") {
		t.Errorf("peer set retired: %s", out)
	}
	_, wkey, _ := federation.GenerateWitnessKey("third.test/witness")
	run(0, "witness", "add", "--url", "http://127.0.0.1:9", "--key", wkey)
	if out := run(0, "witness", "list"); !strings.Contains(out, "third.test/witness") {
		t.Errorf("witness list:\n%s", out)
	}
	run(0, "witness", "remove", "third.test/witness")
	if out := run(0, "peer", "remove", "bravo", "--reason", "left"); !strings.Contains(out, "retired") {
		t.Errorf("peer remove: %s", out)
	}
	if out := run(1, "peer", "add", "bravo2", "--url", b.URL, "--log-key", bid.LogKey); !strings.Contains(out, "never added twice") {
		t.Errorf("re-adding a retired log: %s", out)
	}
}

package main

import (
	"regexp"
	"testing"
)

// TestReadmeGovernance runs the README's governance walkthrough, as
// written (with free ports for 8091–8093): three member nodes install a
// charter, one proposes an amendment of the NYC pack, every node shows its
// diff and impact, the members vote, every node reaches the same tally and
// re-classifies under the new version, and the offline tally agrees.
func TestReadmeGovernance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three nodes")
	}
	out := runNodesWalkthrough(t, "governance tour", []string{"-euo", "pipefail"}, "8091", "8092", "8093")
	tally := regexp.MustCompile(`(?m)^  tally: 2 approve, 0 disapprove, 1 abstain; 3 cast; quorum true, approved true, objected false → passed true$`)
	if n := len(tally.FindAll(out, -1)); n != 4 { // three nodes and the offline tally
		t.Errorf("the same passing tally is printed %d times, want 4 (three nodes, offline):\n%s", n, out)
	}
	for _, want := range []string{
		`(?m)^~ rule aedt `, `(?m)^\+ rule aedt-influence `, // the diff
		`(?m)^aedt +minimal +US +1$`, `loses aedt/candidate-notice: 1 systems`, // the impact
		`\[us-nyc 2027\.1\.0, sha256 `, // re-classified under the new version
		`recomputed from 3 members' logs`,
		`(?m)^OK: gamma's adoption of p-\S+ \(us-nyc 2027\.1\.0, sha256 \S+\) carries 2 approving members' signatures`,
	} {
		if !regexp.MustCompile(want).Match(out) {
			t.Errorf("the governance section's output lacks %s:\n%s", want, out)
		}
	}
}

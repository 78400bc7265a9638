package main

import (
	"regexp"
	"testing"
)

// TestReadmeFederation runs the README's federation section, as written
// (with free ports for 8081–8083): three node processes become each
// other's peers, and a receipt from one verifies under the default policy
// with the two others' cosignatures.
func TestReadmeFederation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three nodes")
	}
	out := runNodesWalkthrough(t, "federation", []string{"-euo", "pipefail", "-x"}, "8081", "8082", "8083")
	for _, want := range []string{
		`(?m)^beta +active +http://`, `(?m)^gamma +active +http://`, // peer list
		`(?m)^  cosigned by beta\.example/witness at `, `(?m)^  cosigned by gamma\.example/witness at `,
		`(?m)^OK: the policy's quorum \(members\) holds$`,
		// beta mirrored alpha's filing: found, held by alpha, its receipt
		// verified with alpha's key; both peers mirrored without a problem.
		`(?m)^sys_\S+ +Savanna Hiring Assistant.* +alpha +active `,
		`(?m)^OK: entry \d+ \(system\.filed sys_\S+ v1\) is in log alpha\.example/log`,
		`(?m)^alpha +active +\d+ +\d+ +\d+ +\d+ *$`, `(?m)^gamma +active +\d+ +\d+ +\d+ +\d+ *$`,
	} {
		if !regexp.MustCompile(want).Match(out) {
			t.Errorf("the federation section's output lacks %s:\n%s", want, out)
		}
	}
}

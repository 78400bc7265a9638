package resource_test

import (
	"slices"
	"testing"

	"github.com/accord-gov/accord"
)

// FuzzParseLicence feeds SPDX licence expressions to the parser: whatever
// it accepts, its canonical form parses to itself.
func FuzzParseLicence(f *testing.F) {
	for _, s := range []string{"MIT", "Apache-2.0 OR MIT", "GPL-2.0+ WITH Classpath-exception-2.0", "(MIT AND (CC-BY-4.0 OR ODbL-1.0))", "LicenseRef-x", "DocumentRef-a:LicenseRef-b", "MIT AND", "((((", "mit or OR"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, refs, err := accord.ParseLicence(s)
		if err != nil {
			return
		}
		c2, refs2, err := accord.ParseLicence(c)
		if err != nil || c2 != c || !slices.Equal(refs, refs2) {
			t.Fatalf("%q → %q → %q, %v: the canonical form is not stable", s, c, c2, err)
		}
	})
}

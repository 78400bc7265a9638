package governance

import (
	"flag"
	"os"
	"testing"

	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// loadPack loads a pack file and links it to the embedded baseline.
func loadPack(t testing.TB, name string) *rules.Pack {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rules.Load(name, data)
	if err != nil {
		t.Fatal(err)
	}
	base, err := frameworks.Pack("baseline")
	if err != nil {
		t.Fatal(err)
	}
	if err := rules.Link(p, base); err != nil {
		t.Fatal(err)
	}
	return p
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestDiffGolden(t *testing.T) {
	base, err := frameworks.Pack("us-nyc")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, file, golden string }{
		{"us-nyc amendment: a narrowed condition, a changed deadline and citation, a removed duty, a new version", "../examples/governance/us-nyc-amended.yaml", "testdata/us-nyc/diff.golden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Diff(base, loadPack(t, tc.file))
			golden(t, tc.golden, []byte(DiffText(d)))
		})
	}
	t.Run("a pack compared with itself has no change", func(t *testing.T) {
		d := Diff(base, base)
		if len(d.Fields) != 0 || len(d.Rules) != 0 {
			t.Errorf("Diff(p, p) = %+v", d)
		}
	})
}

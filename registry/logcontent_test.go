package registry

import (
	"bytes"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/demo"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/rules"
)

// loggedBefore is how classification log content was encoded before it was
// built directly: structs through encoding/json and an RFC 8785
// canonicaliser. Entries already in logs were made this way, so the direct
// encoding must give the same bytes for a recomputation to match them.
func loggedBefore(c *classification) ([]byte, error) {
	type packRef struct {
		ID      string `json:"id"`
		Version string `json:"version"`
		Hash    string `json:"hash"`
	}
	type fwOutcome struct {
		Pack        string   `json:"pack"`
		Applicable  string   `json:"applicable"`
		Tier        string   `json:"tier"`
		Baseline    string   `json:"baseline,omitempty"`
		Fired       []string `json:"fired,omitempty"`
		Cancelled   []string `json:"cancelled,omitempty"`
		Missing     []string `json:"missing,omitempty"`
		Obligations []string `json:"obligations,omitempty"`
	}
	var packs []packRef
	var fws []fwOutcome
	for _, fw := range c.result.Frameworks {
		packs = append(packs, packRef{fw.Pack, fw.Version, fw.Hash})
		o := fwOutcome{Pack: fw.Pack, Applicable: fw.Applicable, Tier: fw.Tier, Baseline: fw.Baseline, Missing: fw.Missing}
		for _, h := range fw.Fired {
			o.Fired = append(o.Fired, h.Rule)
		}
		for _, h := range fw.Cancelled {
			o.Cancelled = append(o.Cancelled, h.Rule)
		}
		for _, d := range fw.Obligations {
			o.Obligations = append(o.Obligations, d.Rule+"/"+d.ID)
		}
		fws = append(fws, o)
	}
	return accord.Canonical(map[string]any{"as_of": c.result.AsOf, "packs": packs, "level": c.result.Summary.Level, "frameworks": fws})
}

func TestLogContentMatchesEarlierEncoding(t *testing.T) {
	all, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	systems, err := demo.Systems()
	if err != nil {
		t.Fatal(err)
	}
	var filings []accord.Filing
	for _, s := range systems {
		filings = append(filings, s.Filing)
		filings = append(filings, s.Updates...)
	}
	filings = append(filings, accord.Filing{}) // nothing known
	for _, packs := range [][]*rules.Pack{all, all[:1], nil} {
		for _, day := range []string{"2024-06-01", "2026-11-23", "2031-01-01"} {
			at, _ := time.Parse(time.DateOnly, day)
			for i, f := range filings {
				c := &classification{result: rules.Classify(f, packs, at)}
				got, err := c.logContent()
				if err != nil {
					t.Fatal(err)
				}
				want, err := loggedBefore(c)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("filing %d, %d packs, %s:\n got %s\nwant %s", i, len(packs), day, got, want)
				}
			}
		}
	}
}

package registry

import (
	"bytes"
	"slices"
	"strings"
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

// TestClassifiedLogsAsBefore: a new version whose confidential fields are
// none of the rules' inputs logs the content it always did, with nothing to
// commit to; one that withholds inputs commits to exactly that content of
// its full classification, and logs its public one.
func TestClassifiedLogsAsBefore(t *testing.T) {
	all, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	systems, err := demo.Systems()
	if err != nil {
		t.Fatal(err)
	}
	svc := &Service{}
	svc.SetPacks(all)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	withheld := 0
	for _, s := range systems {
		for _, f := range append([]accord.Filing{s.Filing}, s.Updates...) {
			for _, conf := range [][]string{f.Confidential, nil, {"data_sources", "documents"}, {"facts.profiling", "affected_persons"}} {
				f.Confidential = conf
				if f, err = f.Normalize(); err != nil {
					t.Fatal(err)
				}
				public, err := PublicFiling(f)
				if err != nil {
					t.Fatal(err)
				}
				c, err := svc.classify(f, public, at)
				if err != nil {
					t.Fatal(err)
				}
				before, err := loggedBefore(&classification{result: rules.Classify(f, all, at)})
				if err != nil {
					t.Fatal(err)
				}
				reads := slices.ContainsFunc(conf, func(p string) bool { return strings.HasPrefix(p, "facts.") || p == "affected_persons" })
				switch {
				case !reads && (c.full != nil || !bytes.Equal(c.content, before)):
					t.Errorf("%s confidential %v: logs %s (full %s), before %s", s.Key, conf, c.content, c.full, before)
				case reads && (!bytes.Equal(c.full, before) || len(c.salt) != 32 || c.commitment == ""):
					t.Errorf("%s confidential %v: commits to %s, the full content is %s", s.Key, conf, c.full, before)
				case reads:
					withheld++
				}
			}
		}
	}
	if withheld == 0 {
		t.Error("no filing withheld an input")
	}
}

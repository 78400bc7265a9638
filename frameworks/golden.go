package frameworks

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/yamljson"
	"github.com/accord-gov/accord/rules"
)

// Case is one golden case of a cases.yaml file (see FORMAT.md).
type Case struct {
	Name   string    `yaml:"name"`
	AsOf   string    `yaml:"as_of"`
	Packs  []string  `yaml:"packs"`
	Filing yaml.Node `yaml:"filing"`
	Expect Expect    `yaml:"expect"`

	// File and Line locate the case, for messages.
	File string `yaml:"-"`
	Line int    `yaml:"-"`
}

// Expect is what a golden case requires of the result.
type Expect struct {
	Tier           string   `yaml:"tier"`
	AtLeast        string   `yaml:"at_least"`
	Possible       []string `yaml:"possible"`
	Applicable     string   `yaml:"applicable"`
	Fired          []string `yaml:"fired"`
	NotFired       []string `yaml:"not_fired"`
	Cancelled      []string `yaml:"cancelled"`
	Undetermined   []string `yaml:"undetermined"`
	Upcoming       []string `yaml:"upcoming"`
	Missing        []string `yaml:"missing"`
	Obligations    []string `yaml:"obligations"`
	NotObligations []string `yaml:"not_obligations"`
	// Exclusion is the id of the scope exclusion the result cites as its
	// reason (not applicable, or undetermined because of it).
	Exclusion string `yaml:"exclusion"`
	// FilerBears and OthersBear are obligations (as in Obligations) the
	// filer bears, and bears not, by the roles the filing states.
	FilerBears []string          `yaml:"filer_bears"`
	OthersBear []string          `yaml:"others_bear"`
	Themes     []string          `yaml:"themes"`
	Levels     map[string]string `yaml:"levels"`
}

// ReadCases decodes a cases.yaml file strictly: unknown fields are errors,
// in the cases and in their filings.
func ReadCases(name string, data []byte) ([]Case, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: a cases file is a YAML list of cases", name)
	}
	var cases []Case
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cases); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for i := range cases {
		c := &cases[i]
		c.File, c.Line = name, root.Content[0].Content[i].Line
		if c.Name == "" {
			return nil, fmt.Errorf("%s:%d: a case needs a name", name, c.Line)
		}
		if c.Expect.Tier == "" {
			return nil, fmt.Errorf("%s:%d: case %q: expect.tier is required", name, c.Line, c.Name)
		}
	}
	return cases, nil
}

// DecodeFiling decodes a filing given as YAML (or JSON, which is YAML) into
// an accord.Filing by way of JSON, as strictly as the API decodes one: the
// filing's JSON field names apply, and duplicate, case-variant and unknown
// keys are refused with their line.
func DecodeFiling(n *yaml.Node) (accord.Filing, error) {
	var f accord.Filing
	err := yamljson.Decode(n, &f)
	return f, err
}

// CheckCase classifies the case's filing and returns every way the result
// differs from the expectation. pack is the id of the pack under test
// ("baseline" checks the summary and checklist instead of one framework).
func CheckCase(c Case, pack string, all []*rules.Pack) []string {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	asOf, err := time.Parse("2006-01-02", c.AsOf)
	if err != nil {
		return []string{fmt.Sprintf("as_of %q: write YYYY-MM-DD", c.AsOf)}
	}
	f, err := DecodeFiling(&c.Filing)
	if err != nil {
		return []string{fmt.Sprintf("filing: %v", err)}
	}
	// A case gives only what the rules read; fill in the rest so that
	// Normalize still catches misspelt codes.
	if len(f.TradeName) == 0 {
		f.TradeName = accord.Text{"en": c.Name}
	}
	if len(f.IntendedPurpose) == 0 {
		f.IntendedPurpose = accord.Text{"en": c.Name}
	}
	if f.SystemVersion == "" {
		f.SystemVersion = "1"
	}
	if f.Status == "" {
		f.Status = "active"
	}
	if f, err = f.Normalize(); err != nil {
		return []string{fmt.Sprintf("filing: %v", err)}
	}

	var packs []*rules.Pack
	for _, p := range all {
		switch {
		case p.IsBaseline(), p.ID == pack && pack != "baseline":
			packs = append(packs, p)
		case len(c.Packs) > 0 && slices.Contains(c.Packs, p.ID):
			packs = append(packs, p)
		case len(c.Packs) == 0 && pack == "baseline":
			packs = append(packs, p)
		}
	}
	for _, id := range c.Packs {
		if !slices.ContainsFunc(packs, func(p *rules.Pack) bool { return p.ID == id }) {
			fail("packs: no pack %q", id)
		}
	}
	res := rules.Classify(f, packs, asOf)

	ids := func(n int, id func(int) string) []string {
		out := make([]string, n)
		for i := range n {
			out[i] = id(i)
		}
		return out
	}
	subset := func(what string, want, have []string) {
		for _, w := range want {
			if !slices.Contains(have, w) {
				fail("%s: %s expected, got %v", what, w, have)
			}
		}
	}

	themes := ids(len(res.Checklist), func(i int) string { return res.Checklist[i].Theme })
	subset("themes", c.Expect.Themes, themes)
	for id, want := range c.Expect.Levels {
		got := "absent"
		for _, fw := range res.Frameworks {
			if fw.Pack == id {
				got = levelOf(fw)
			}
		}
		if got != want {
			fail("levels: %s is %s, expected %s", id, got, want)
		}
	}

	if pack == "baseline" {
		if res.Summary.Level != c.Expect.Tier {
			fail("summary level: got %s, expected %s", res.Summary.Level, c.Expect.Tier)
		}
		if c.Expect.AtLeast != "" && res.Summary.AtLeast != c.Expect.AtLeast {
			fail("summary at_least: got %s, expected %s", res.Summary.AtLeast, c.Expect.AtLeast)
		}
		return problems
	}

	var fw *rules.Framework
	for i := range res.Frameworks {
		if res.Frameworks[i].Pack == pack {
			fw = &res.Frameworks[i]
		}
	}
	if fw == nil {
		return append(problems, fmt.Sprintf("no result for pack %s", pack))
	}
	if fw.Tier != c.Expect.Tier {
		fail("tier: got %s, expected %s%s", fw.Tier, c.Expect.Tier, explain(fw))
	}
	if c.Expect.AtLeast != "" && fw.AtLeast != c.Expect.AtLeast {
		fail("at_least: got %q, expected %s", fw.AtLeast, c.Expect.AtLeast)
	}
	if c.Expect.Possible != nil && !slices.Equal(fw.Possible, c.Expect.Possible) {
		fail("possible: got %v, expected %v", fw.Possible, c.Expect.Possible)
	}
	if c.Expect.Applicable != "" && fw.Applicable != c.Expect.Applicable {
		fail("applicable: got %s, expected %s", fw.Applicable, c.Expect.Applicable)
	}
	fired := ids(len(fw.Fired), func(i int) string { return fw.Fired[i].Rule })
	subset("fired", c.Expect.Fired, fired)
	for _, r := range c.Expect.NotFired {
		if slices.Contains(fired, r) {
			fail("not_fired: %s fired", r)
		}
	}
	subset("cancelled", c.Expect.Cancelled, ids(len(fw.Cancelled), func(i int) string { return fw.Cancelled[i].Rule }))
	subset("undetermined", c.Expect.Undetermined, ids(len(fw.Undetermined), func(i int) string { return fw.Undetermined[i].Rule }))
	subset("upcoming", c.Expect.Upcoming, ids(len(fw.Upcoming), func(i int) string { return fw.Upcoming[i].Rule }))
	missing := slices.Clone(fw.Missing)
	for _, p := range fw.Undetermined {
		missing = append(missing, p.Missing...)
	}
	subset("missing", c.Expect.Missing, missing)
	find := func(ref string) *rules.Duty {
		rule, obl, ok := strings.Cut(ref, "/")
		if !ok {
			rule, obl = "", ref
		}
		for i, d := range fw.Obligations {
			if d.ID == obl && (rule == "" || d.Rule == rule || slices.Contains(d.Rules, rule)) {
				return &fw.Obligations[i]
			}
		}
		return nil
	}
	has := func(ref string) bool { return find(ref) != nil }
	for _, o := range c.Expect.FilerBears {
		if d := find(o); d == nil || d.FilerBears == nil || !*d.FilerBears {
			fail("filer_bears: %s expected, borne by the filer", o)
		}
	}
	for _, o := range c.Expect.OthersBear {
		if d := find(o); d == nil || d.FilerBears == nil || *d.FilerBears {
			fail("others_bear: %s expected, not borne by the filer", o)
		}
	}
	if x := c.Expect.Exclusion; x != "" && (fw.Reason == nil || fw.Reason.Exclusion != x) {
		got := ""
		if fw.Reason != nil {
			got = fw.Reason.Exclusion
		}
		fail("exclusion: got %q, expected %q", got, x)
	}
	for _, o := range c.Expect.Obligations {
		if !has(o) {
			fail("obligations: %s expected", o)
		}
	}
	for _, o := range c.Expect.NotObligations {
		if has(o) {
			fail("not_obligations: %s is present", o)
		}
	}
	return problems
}

// levelOf is a framework's place on the baseline scale for expect.levels.
func levelOf(fw rules.Framework) string {
	switch fw.Tier {
	case rules.TierNotApplicable, rules.TierUndetermined:
		return fw.Tier
	}
	return fw.Baseline
}

func explain(fw *rules.Framework) string {
	var parts []string
	if len(fw.Fired) > 0 {
		var ids []string
		for _, h := range fw.Fired {
			ids = append(ids, h.Rule)
		}
		parts = append(parts, "fired "+strings.Join(ids, ","))
	}
	if len(fw.Missing) > 0 {
		parts = append(parts, "missing "+strings.Join(fw.Missing, ","))
	}
	if fw.Reason != nil {
		parts = append(parts, "reason "+fw.Reason.Text.In("en"))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// CaseFiles returns every */cases.yaml of fsys with the id of the pack in
// the same directory.
func CaseFiles(fsys fs.FS) (map[string]string, error) {
	names, err := fs.Glob(fsys, "*/cases.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := map[string]string{}
	var errs []error
	for _, n := range names {
		b, err := fs.ReadFile(fsys, path.Join(path.Dir(n), "pack.yaml"))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var head struct {
			ID string `yaml:"id"`
		}
		if err := yaml.Unmarshal(b, &head); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
			continue
		}
		out[n] = head.ID
	}
	return out, errors.Join(errs...)
}

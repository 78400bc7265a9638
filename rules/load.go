package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"github.com/gowebpki/jcs"
	"go.yaml.in/yaml/v3"

	"github.com/accord-gov/accord"
)

var (
	packIDRe       = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	ruleIDRe       = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,79}$`)
	tierIDRe       = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)
	constRe        = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,63}$`)
	versionRe      = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}$`)
	jurisdictionRe = regexp.MustCompile(`^(\*|EU|[A-Z]{2}(-[A-Z0-9]{1,3}){0,2})$`)
)

// Outcome words that are not tiers: a pack may not name a tier after them.
const (
	TierUndetermined  = "undetermined"
	TierNotApplicable = "not_applicable"
)

// File is one pack file for LoadAll.
type File struct {
	Name string
	Data []byte
}

// Load parses and validates one pack file; name is used in messages (e.g.
// "frameworks/eu-ai-act/pack.yaml"). It refuses unknown fields, missing
// fields, CEL syntax and type errors, unknown tiers, codes that no
// vocabulary has, dangling or cyclic exceptions, duplicate ids and
// overlapping effective dates, each reported as "file:line: rule: message".
// Tier-to-baseline mappings and obligation themes can only be checked
// against the baseline pack: LoadAll does that.
func Load(name string, data []byte) (*Pack, error) {
	d := &decoder{file: name}
	if len(data) > maxPackBytes {
		d.errorf(0, "the file is %d bytes; the limit is %d", len(data), maxPackBytes)
		return nil, joinErrors(d.errs)
	}
	root, err := parseYAML(data)
	if err != nil {
		d.errorf(yamlErrLine(err), "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, joinErrors(d.errs)
	}
	p := &Pack{File: name}
	d.decode(root, reflect.ValueOf(p).Elem(), 0)
	if len(d.errs) > 0 {
		return nil, joinErrors(d.errs)
	}
	v := &validator{d: d, p: p}
	v.pack()
	if len(d.errs) > 0 {
		return nil, joinErrors(d.errs)
	}
	if err := v.compile(); err != nil {
		return nil, err
	}
	if len(d.errs) > 0 {
		return nil, joinErrors(d.errs)
	}
	h, err := hashPack(p)
	if err != nil {
		d.errorf(0, "cannot compute the pack's hash: %v", err)
		return nil, joinErrors(d.errs)
	}
	p.Hash = h
	return p, nil
}

// parseYAML returns the document's root node. yaml.v3 has panicked on
// malformed input in the past; a panic in the parser becomes an error.
func parseYAML(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml: cannot parse the file: %v", r)
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			return nil, fmt.Errorf("yaml: the file is empty")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("yaml: the file holds more than one YAML document; a pack is one document")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("yaml: the file is empty")
	}
	return doc.Content[0], nil
}

var yamlLineRe = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	m := yamlLineRe.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n := 0
	for _, c := range m[1] {
		n = n*10 + int(c-'0')
		if n > 1<<24 {
			return 0
		}
	}
	return n
}

// LoadAll loads every pack file and checks each against the baseline pack
// (the one with jurisdiction "*", which must be among the files): every
// tier must map to a baseline level and every obligation must name a
// baseline theme. It returns the packs with the baseline first and the
// others by id, or every problem found in any file.
func LoadAll(files []File) ([]*Pack, error) {
	var errs []error
	var packs []*Pack
	for _, f := range files {
		p, err := Load(f.Name, f.Data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		packs = append(packs, p)
	}
	var baseline *Pack
	byID := map[string]*Pack{}
	for _, p := range packs {
		if q, dup := byID[p.ID]; dup {
			errs = append(errs, &LoadError{File: p.File, Line: p.Pos.LineOf("id"), Msg: fmt.Sprintf("pack id %q is also used by %s", p.ID, q.File)})
			continue
		}
		byID[p.ID] = p
		if p.IsBaseline() {
			if baseline != nil {
				errs = append(errs, &LoadError{File: p.File, Line: p.Pos.LineOf("jurisdiction"), Msg: fmt.Sprintf("a second baseline pack (jurisdiction \"*\"); %s is the baseline", baseline.File)})
				continue
			}
			baseline = p
		}
	}
	if baseline == nil && len(files) > 0 && len(errs) == 0 {
		errs = append(errs, &LoadError{File: files[0].Name, Msg: "no baseline pack (jurisdiction \"*\") among the files: load frameworks/baseline/pack.yaml too"})
	}
	if baseline != nil {
		for _, p := range packs {
			if p != baseline {
				if err := Link(p, baseline); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, joinAll(errs)
	}
	slices.SortFunc(packs, func(a, b *Pack) int {
		if a.IsBaseline() != b.IsBaseline() {
			if a.IsBaseline() {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return packs, nil
}

func joinAll(errs []error) error {
	var les []*LoadError
	for _, e := range errs {
		les = append(les, Problems(e)...)
	}
	return joinErrors(les)
}

// Link checks p against the baseline pack: its tiers map onto baseline
// levels and its obligations name baseline themes.
func Link(p, baseline *Pack) error {
	d := &decoder{file: p.File}
	if !baseline.IsBaseline() {
		d.errorf(0, "%s is not a baseline pack", baseline.File)
		return joinErrors(d.errs)
	}
	for _, t := range p.Tiers {
		if _, ok := baseline.Tier(t.Baseline); !ok {
			d.rule = "tier " + t.ID
			d.errorf(t.Pos.LineOf("baseline"), "baseline level %q is not a level of the baseline scale (%s)", t.Baseline, strings.Join(tierIDs(baseline), ", "))
		}
	}
	for _, r := range p.Rules {
		for _, o := range r.Obligations {
			if _, ok := baseline.Theme(o.Theme); !ok {
				d.rule = "rule " + r.ID + ": obligation " + o.ID
				d.errorf(o.Pos.LineOf("theme"), "theme %q is not a baseline theme (%s)", o.Theme, strings.Join(themeIDs(baseline), ", "))
			}
		}
	}
	return joinErrors(d.errs)
}

func tierIDs(p *Pack) []string {
	out := make([]string, len(p.Tiers))
	for i, t := range p.Tiers {
		out[i] = t.ID
	}
	return out
}

func themeIDs(p *Pack) []string {
	out := make([]string, len(p.Themes))
	for i, t := range p.Themes {
		out[i] = t.ID
	}
	return out
}

// validator checks a decoded pack.
type validator struct {
	d *decoder
	p *Pack
}

func (v *validator) errorf(ctx string, line int, format string, args ...any) {
	v.d.rule = ctx
	v.d.errorf(line, format, args...)
	v.d.rule = ""
}

func (v *validator) text(ctx string, pos Pos, field string, t accord.Text, required bool) {
	line := pos.LineOf(field)
	if len(t) == 0 {
		if required {
			v.errorf(ctx, line, "%s is required, at least in English: %s: {en: ...}", field, field)
		}
		return
	}
	if _, ok := t["en"]; !ok {
		v.errorf(ctx, line, "%s needs an English (en) version", field)
	}
	for _, tag := range t.Tags() {
		canon, err := accord.CanonicalLanguage(tag)
		switch {
		case err != nil:
			v.errorf(ctx, line, "%s: %q is not a BCP 47 language tag (use e.g. en, fr, zh-Hans)", field, tag)
		case canon != tag:
			v.errorf(ctx, line, "%s: write the language tag %q as %q", field, tag, canon)
		case t[tag] == "":
			v.errorf(ctx, line, "%s: the %s text is empty", field, tag)
		case accord.CheckText(t[tag], accord.LongText) != "":
			v.errorf(ctx, line, "%s: the %s text %s", field, tag, accord.CheckText(t[tag], accord.LongText))
		}
	}
}

// Limits on a pack's size, so that validation (which compares rules
// pairwise) stays fast on hostile input.
const (
	maxRules          = 1000
	maxObligations    = 100 // per rule
	maxTiers          = 16
	maxThemes         = 100
	maxExclusions     = 100
	maxConstants      = 200
	maxConstantValues = 1000
)

func (v *validator) limits() bool {
	p := v.p
	ok := true
	check := func(n, max int, what, field string) {
		if n > max {
			v.errorf("", p.Pos.LineOf(field), "%d %s; the limit is %d", n, what, max)
			ok = false
		}
	}
	check(len(p.Rules), maxRules, "rules", "rules")
	check(len(p.Tiers), maxTiers, "tiers", "tiers")
	check(len(p.Themes), maxThemes, "themes", "themes")
	check(len(p.Exclusions), maxExclusions, "exclusions", "exclusions")
	check(len(p.Constants), maxConstants, "constants", "constants")
	for _, r := range p.Rules {
		if len(r.Obligations) > maxObligations || len(r.ExceptionTo) > maxRules {
			v.errorf("rule "+r.ID, r.Pos.Line, "too many obligations or exceptions; the limits are %d and %d", maxObligations, maxRules)
			ok = false
		}
	}
	for name, c := range p.Constants {
		if len(c.Strings) > maxConstantValues {
			v.errorf("constant "+name, c.Pos.Line, "%d values; the limit is %d", len(c.Strings), maxConstantValues)
			ok = false
		}
	}
	return ok
}

func (v *validator) pack() {
	p := v.p
	pos := p.Pos
	if !v.limits() {
		return
	}
	switch {
	case p.ID == "":
		v.errorf("", pos.Line, "id is required, e.g. id: eu-ai-act")
	case !packIDRe.MatchString(p.ID):
		v.errorf("", pos.LineOf("id"), "id %q must be lower-case letters, digits and dashes", p.ID)
	}
	switch {
	case p.Jurisdiction == "":
		v.errorf("", pos.Line, `jurisdiction is required: an ISO 3166-1 code, "EU", a subdivision like "US-CO", or "*" for the baseline`)
	case !jurisdictionRe.MatchString(p.Jurisdiction) || (len(p.Jurisdiction) >= 2 && p.Jurisdiction != "EU" && p.Jurisdiction != "*" && !accord.ValidCountry(p.Jurisdiction[:2])):
		v.errorf("", pos.LineOf("jurisdiction"), `jurisdiction %q is not an ISO 3166-1 code, "EU", a subdivision like "US-CO" or "*"`, p.Jurisdiction)
	}
	switch {
	case p.Version == "":
		v.errorf("", pos.Line, `version is required, e.g. version: "2026.11"`)
	case !versionRe.MatchString(p.Version):
		v.errorf("", pos.LineOf("version"), "version %q must be letters, digits, dots, dashes or plus signs", p.Version)
	}
	v.text("", pos, "name", p.Name, true)
	v.text("", pos, "instrument", p.Instrument, false)
	v.text("", pos, "not_applicable", p.NotApplicable, false)
	if p.SourceURL != "" {
		if u, err := url.Parse(p.SourceURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.errorf("", pos.LineOf("source_url"), "source_url must be an absolute http(s) URL")
		}
	}
	if p.EffectiveFrom == "" {
		v.errorf("", pos.Line, "effective_from is required, e.g. effective_from: 2024-08-01")
	}
	if p.EffectiveUntil != "" && p.EffectiveUntil < p.EffectiveFrom {
		v.errorf("", pos.LineOf("effective_until"), "effective_until %s is before effective_from %s", p.EffectiveUntil, p.EffectiveFrom)
	}

	v.tiers()
	if p.IsBaseline() {
		v.baseline()
	} else {
		if len(p.Themes) > 0 {
			v.errorf("", pos.LineOf("themes"), "only the baseline pack (jurisdiction \"*\") defines themes")
		}
		if strings.TrimSpace(p.AppliesWhen) == "" {
			v.errorf("", pos.Line, "applies_when is required: a CEL condition, e.g. \"'FR' in countries\"")
		}
		if len(p.NotApplicable) == 0 {
			v.errorf("", pos.Line, "not_applicable is required: say in words when the pack does not apply")
		}
		switch {
		case p.DefaultTier == "":
			v.errorf("", pos.Line, "default_tier is required: the tier when no rule fires")
		default:
			if _, ok := p.Tier(p.DefaultTier); !ok {
				v.errorf("", pos.LineOf("default_tier"), "default_tier %q is not one of the pack's tiers (%s)", p.DefaultTier, strings.Join(tierIDs(p), ", "))
			}
		}
	}
	v.constants()
	v.exclusions()
	v.rules()
}

func (v *validator) tiers() {
	p := v.p
	if len(p.Tiers) == 0 {
		v.errorf("", p.Pos.Line, "tiers is required: list the tiers, most severe first")
	}
	seen := map[string]bool{}
	for _, t := range p.Tiers {
		ctx := "tier " + t.ID
		switch {
		case t.ID == "":
			v.errorf("tier", t.Pos.Line, "id is required")
		case !tierIDRe.MatchString(t.ID):
			v.errorf(ctx, t.Pos.LineOf("id"), "tier id must be lower-case letters, digits, _ or -")
		case t.ID == TierUndetermined || t.ID == TierNotApplicable:
			v.errorf(ctx, t.Pos.LineOf("id"), "%q is an outcome, not a tier: choose another id", t.ID)
		case seen[t.ID]:
			v.errorf(ctx, t.Pos.LineOf("id"), "duplicate tier id")
		}
		seen[t.ID] = true
		v.text(ctx, t.Pos, "title", t.Title, true)
		v.text(ctx, t.Pos, "definition", t.Definition, false)
		if p.IsBaseline() {
			if t.Baseline != "" {
				v.errorf(ctx, t.Pos.LineOf("baseline"), "the baseline pack's tiers are the baseline levels: remove baseline:")
			}
		} else if t.Baseline == "" {
			v.errorf(ctx, t.Pos.Line, "baseline is required: the baseline level (unacceptable, high, limited, minimal) this tier maps to")
		}
	}
}

func (v *validator) baseline() {
	p := v.p
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"applies_when", p.AppliesWhen != ""},
		{"default_tier", p.DefaultTier != ""},
		{"exclusions", len(p.Exclusions) > 0},
		{"rules", len(p.Rules) > 0},
		{"constants", len(p.Constants) > 0},
	} {
		if f.set {
			v.errorf("", p.Pos.LineOf(f.name), "the baseline pack is a vocabulary and cannot have %s", f.name)
		}
	}
	if len(p.Themes) == 0 {
		v.errorf("", p.Pos.Line, "themes is required in the baseline pack")
	}
	seen := map[string]bool{}
	for _, t := range p.Themes {
		ctx := "theme " + t.ID
		switch {
		case t.ID == "":
			v.errorf("theme", t.Pos.Line, "id is required")
		case !tierIDRe.MatchString(t.ID):
			v.errorf(ctx, t.Pos.LineOf("id"), "theme id must be lower-case letters, digits, _ or -")
		case seen[t.ID]:
			v.errorf(ctx, t.Pos.LineOf("id"), "duplicate theme id")
		}
		seen[t.ID] = true
		v.text(ctx, t.Pos, "title", t.Title, true)
		v.text(ctx, t.Pos, "definition", t.Definition, true)
	}
}

func (v *validator) constants() {
	for _, name := range sortedConstNames(v.p.Constants) {
		c := v.p.Constants[name]
		ctx := "constant " + name
		switch {
		case !constRe.MatchString(name):
			v.errorf(ctx, c.Pos.Line, "constant names must be lower-case letters, digits and _")
		case reservedName(name):
			v.errorf(ctx, c.Pos.Line, "%q is a name of the CEL environment; choose another", name)
		}
		if c.Strings == nil && c.String == nil && c.Number == nil && c.Bool == nil {
			v.errorf(ctx, c.Pos.Line, "a constant must be a list of strings, a string, a number or a boolean")
		}
	}
}

func sortedConstNames(m map[string]Constant) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// effRange returns a rule's effective range with the pack's as defaults.
func (p *Pack) effRange(from, until Date) (Date, Date) {
	if from == "" {
		from = p.EffectiveFrom
	}
	if until == "" {
		until = p.EffectiveUntil
	}
	return from, until
}

func (v *validator) dates(ctx string, pos Pos, from, until Date) {
	p := v.p
	f, u := p.effRange(from, until)
	if u != "" && u < f {
		v.errorf(ctx, pos.LineOf("effective_until"), "effective_until %s is before effective_from %s", u, f)
	}
	if from != "" && p.EffectiveFrom != "" && from < p.EffectiveFrom {
		v.errorf(ctx, pos.LineOf("effective_from"), "effective_from %s is before the pack's effective_from %s", from, p.EffectiveFrom)
	}
	if p.EffectiveUntil != "" && ((until != "" && until > p.EffectiveUntil) || (from != "" && from > p.EffectiveUntil)) {
		v.errorf(ctx, pos.LineOf("effective_until"), "the effective range ends after the pack's effective_until %s", p.EffectiveUntil)
	}
}

func (v *validator) exclusions() {
	seen := map[string]bool{}
	for _, x := range v.p.Exclusions {
		ctx := "exclusion " + x.ID
		switch {
		case x.ID == "":
			v.errorf("exclusion", x.Pos.Line, "id is required")
		case !ruleIDRe.MatchString(x.ID):
			v.errorf(ctx, x.Pos.LineOf("id"), "ids must be lower-case letters, digits, '.', '_' or '-'")
		case seen[x.ID]:
			v.errorf(ctx, x.Pos.LineOf("id"), "duplicate exclusion id")
		}
		seen[x.ID] = true
		if x.Citation == "" {
			v.errorf(ctx, x.Pos.Line, "citation is required, e.g. citation: Art. 2(3)")
		}
		v.text(ctx, x.Pos, "title", x.Title, true)
		v.text(ctx, x.Pos, "rationale", x.Rationale, false)
		if strings.TrimSpace(x.When) == "" {
			v.errorf(ctx, x.Pos.Line, "when is required: the CEL condition under which the pack does not apply")
		}
		v.dates(ctx, x.Pos, x.EffectiveFrom, x.EffectiveUntil)
		for _, t := range x.UnlessTier {
			if _, ok := v.p.Tier(t); !ok {
				v.errorf(ctx, x.Pos.LineOf("unless_tier"), "unless_tier: %q is not one of the pack's tiers (%s)", t, strings.Join(tierIDs(v.p), ", "))
			}
		}
	}
}

func (v *validator) rules() {
	p := v.p
	byID := map[string][]int{}
	exclusionIDs := map[string]bool{}
	for _, x := range p.Exclusions {
		exclusionIDs[x.ID] = true
	}
	for i, r := range p.Rules {
		ctx := "rule " + r.ID
		switch {
		case r.ID == "":
			v.errorf("rule", r.Pos.Line, "id is required")
			continue
		case !ruleIDRe.MatchString(r.ID):
			v.errorf(ctx, r.Pos.LineOf("id"), "ids must be lower-case letters, digits, '.', '_' or '-'")
		case exclusionIDs[r.ID]:
			v.errorf(ctx, r.Pos.LineOf("id"), "an exclusion has the same id")
		}
		byID[r.ID] = append(byID[r.ID], i)
		if r.Citation == "" {
			v.errorf(ctx, r.Pos.Line, "citation is required, e.g. citation: Art. 5(1)(c)")
		}
		v.text(ctx, r.Pos, "title", r.Title, true)
		v.text(ctx, r.Pos, "rationale", r.Rationale, false)
		if strings.TrimSpace(r.When) == "" {
			v.errorf(ctx, r.Pos.Line, "when is required: a CEL boolean condition over the filing")
		}
		if r.Tier != "" {
			if _, ok := p.Tier(r.Tier); !ok {
				v.errorf(ctx, r.Pos.LineOf("tier"), "tier %q is not one of the pack's tiers (%s)", r.Tier, strings.Join(tierIDs(p), ", "))
			}
		}
		if r.Tier == "" && len(r.Obligations) == 0 && len(r.ExceptionTo) == 0 {
			v.errorf(ctx, r.Pos.Line, "the rule does nothing: give it a tier, obligations or exception_to")
		}
		v.dates(ctx, r.Pos, r.EffectiveFrom, r.EffectiveUntil)
		seenObl := map[string]bool{}
		for _, o := range r.Obligations {
			octx := ctx + ": obligation " + o.ID
			switch {
			case o.ID == "":
				v.errorf(ctx+": obligation", o.Pos.Line, "id is required")
			case !ruleIDRe.MatchString(o.ID):
				v.errorf(octx, o.Pos.LineOf("id"), "ids must be lower-case letters, digits, '.', '_' or '-'")
			case seenObl[o.ID]:
				v.errorf(octx, o.Pos.LineOf("id"), "duplicate obligation id in this rule")
			}
			seenObl[o.ID] = true
			if o.Citation == "" {
				v.errorf(octx, o.Pos.Line, "citation is required")
			}
			switch o.Bearer {
			case BearerProvider, BearerDeployer, BearerBoth:
			case "":
				v.errorf(octx, o.Pos.Line, "bearer is required: provider, deployer or both")
			default:
				v.errorf(octx, o.Pos.LineOf("bearer"), "bearer %q must be provider, deployer or both", o.Bearer)
			}
			if o.Theme == "" {
				v.errorf(octx, o.Pos.Line, "theme is required: a baseline theme, e.g. risk_management")
			}
			v.text(octx, o.Pos, "text", o.Text, true)
			v.text(octx, o.Pos, "deadline", o.Deadline, false)
		}
	}
	// Several entries may share an id only to record a rule that changed on
	// a date: their effective ranges must not overlap.
	for _, id := range sortedIDs(byID) {
		idx := byID[id]
		for a := 0; a < len(idx); a++ {
			for b := a + 1; b < len(idx); b++ {
				ra, rb := &p.Rules[idx[a]], &p.Rules[idx[b]]
				fa, ua := p.effRange(ra.EffectiveFrom, ra.EffectiveUntil)
				fb, ub := p.effRange(rb.EffectiveFrom, rb.EffectiveUntil)
				if overlaps(fa, ua, fb, ub) {
					v.errorf("rule "+id, rb.Pos.LineOf("id"), "duplicate rule id: the entry at line %d is in force at the same time (%s); give one an effective_until before the other's effective_from, or a new id", ra.Pos.Line, describeRange(fa, ua))
				}
			}
		}
	}
	for _, r := range p.Rules {
		ctx := "rule " + r.ID
		seen := map[string]bool{}
		for _, t := range r.ExceptionTo {
			switch {
			case t == r.ID:
				v.errorf(ctx, r.Pos.LineOf("exception_to"), "a rule cannot be an exception to itself")
			case exclusionIDs[t]:
				v.errorf(ctx, r.Pos.LineOf("exception_to"), "exception_to %q names an exclusion; exceptions apply to rules", t)
			case byID[t] == nil:
				v.errorf(ctx, r.Pos.LineOf("exception_to"), "exception_to %q: no rule has that id", t)
			case seen[t]:
				v.errorf(ctx, r.Pos.LineOf("exception_to"), "exception_to lists %q twice", t)
			}
			seen[t] = true
		}
	}
	v.cycles(byID)
}

func sortedIDs(m map[string][]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func overlaps(f1, u1, f2, u2 Date) bool {
	return (u2 == "" || f1 <= u2) && (u1 == "" || f2 <= u1)
}

func describeRange(f, u Date) string {
	if u == "" {
		return "from " + string(f)
	}
	return string(f) + " to " + string(u)
}

// cycles refuses exception chains that loop (a is an exception to b, which
// is an exception to a): the outcome would depend on evaluation order.
func (v *validator) cycles(byID map[string][]int) {
	p := v.p
	edges := map[string][]string{}
	for _, r := range p.Rules {
		edges[r.ID] = append(edges[r.ID], r.ExceptionTo...)
	}
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	reported := false
	var visit func(id string)
	visit = func(id string) {
		if reported {
			return
		}
		color[id] = grey
		stack = append(stack, id)
		for _, t := range edges[id] {
			if byID[t] == nil {
				continue
			}
			switch color[t] {
			case grey:
				i := slices.Index(stack, t)
				cycle := append(slices.Clone(stack[i:]), t)
				r := p.Rules[byID[id][0]]
				v.errorf("rule "+id, r.Pos.LineOf("exception_to"), "exception cycle: %s", strings.Join(cycle, " → "))
				reported = true
				return
			case white:
				visit(t)
			}
		}
		stack = stack[:len(stack)-1]
		color[id] = black
	}
	for _, id := range sortedIDs(byID) {
		if color[id] == white {
			visit(id)
		}
	}
}

// compile type-checks every condition and builds its programs.
func (v *validator) compile() error {
	p := v.p
	base, err := baseEnv()
	if err != nil {
		return fmt.Errorf("rules: CEL environment: %w", err)
	}
	c := &compiledPack{}
	p.c = c
	if p.IsBaseline() {
		c.index(p)
		return nil
	}
	constLists := map[string][]string{}
	constNames := map[string]bool{}
	for name, l := range builtinConstants {
		constLists[name] = l
		constNames[name] = true
	}
	var opts []cel.EnvOption
	lens := map[string]int{"eu_member_states": len(EUMemberStates), "eea_states": len(EEAStates)}
	for _, name := range sortedConstNames(p.Constants) {
		k := p.Constants[name]
		constNames[name] = true
		switch {
		case k.Strings != nil:
			constLists[name] = k.Strings
			lens[name] = len(k.Strings)
			opts = append(opts, cel.Constant(name, cel.ListType(cel.StringType), types.NewStringList(types.DefaultTypeAdapter, k.Strings)))
		case k.String != nil:
			opts = append(opts, cel.Constant(name, cel.StringType, types.String(*k.String)))
		case k.Number != nil:
			opts = append(opts, cel.Constant(name, cel.DoubleType, types.Double(*k.Number)))
		case k.Bool != nil:
			opts = append(opts, cel.Constant(name, cel.BoolType, types.Bool(*k.Bool)))
		}
	}
	env := base
	if len(opts) > 0 {
		if env, err = base.Extend(opts...); err != nil {
			v.errorf("", p.Pos.LineOf("constants"), "constants: %v", err)
			return nil
		}
	}
	scalars := map[string]ref.Val{}
	for name, k := range p.Constants {
		switch {
		case k.String != nil:
			scalars[name] = types.String(*k.String)
		case k.Number != nil:
			scalars[name] = types.Double(*k.Number)
		case k.Bool != nil:
			scalars[name] = types.Bool(*k.Bool)
		}
	}
	cc := compiler{v: v, env: env, est: sizeEstimator{constLens: lens}, constLists: constLists, constNames: constNames, scalars: scalars}
	c.appliesWhen = cc.condition("applies_when", p.Pos.LineOf("applies_when"), p.AppliesWhen)
	c.exclusions = make([]*condition, len(p.Exclusions))
	for i, x := range p.Exclusions {
		c.exclusions[i] = cc.condition("exclusion "+x.ID, x.Pos.LineOf("when"), x.When)
		c.conditional = c.conditional || len(x.UnlessTier) > 0
	}
	c.rules = make([]*condition, len(p.Rules))
	for i, r := range p.Rules {
		c.rules[i] = cc.condition("rule "+r.ID, r.Pos.LineOf("when"), r.When)
	}
	c.index(p)
	return nil
}

type compiler struct {
	v          *validator
	env        *cel.Env
	est        sizeEstimator
	constLists map[string][]string
	constNames map[string]bool
	scalars    map[string]ref.Val
}

func (cc *compiler) condition(ctx string, line int, src string) *condition {
	v := cc.v
	src = strings.TrimSpace(src)
	if src == "" {
		return nil
	}
	if len(src) > maxExprLength {
		v.errorf(ctx, line, "the condition is %d characters long; the limit is %d", len(src), maxExprLength)
		return nil
	}
	ast, iss := cc.env.Compile(src)
	if iss != nil && iss.Err() != nil {
		for _, e := range iss.Errors() {
			loc := e.Location
			v.errorf(ctx, line, "CEL error at %d:%d: %s", loc.Line(), loc.Column()+1, e.Message)
		}
		return nil
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		v.errorf(ctx, line, "the condition must be a boolean; it is %s", ast.OutputType())
		return nil
	}
	est, err := cc.env.EstimateCost(ast, cc.est)
	if err != nil {
		v.errorf(ctx, line, "cannot bound the condition's cost: %v", err)
		return nil
	}
	if est.Max > maxRuleCost {
		v.errorf(ctx, line, "the condition may cost up to %d CEL cost units; the limit is %d (avoid nested loops over lists)", est.Max, maxRuleCost)
		return nil
	}
	checked := ast.NativeRep()
	ck := codeChecker{consts: cc.constLists}
	for _, prob := range ck.check(checked.Expr()) {
		v.errorf(ctx, line, "%s", prob)
	}
	// fast and partial run without cost tracking, which would triple their
	// cost: the static bound above holds for any filing within the Filing
	// limits. guarded enforces the limit at run time for filings beyond
	// them, so an oversized filing cannot make evaluation run away.
	cond := &condition{src: src, reads: reads(checked.Expr(), cc.constNames), env: cc.env}
	var err2 error
	if cond.fast, cond.partial, cond.guarded, err2 = plan(cc.env, ast); err2 != nil {
		v.errorf(ctx, line, "cannot plan the condition: %v", err2)
		return nil
	}
	cond.index()
	b := builder{cc: cc, info: checked.SourceInfo(), consts: cc.constLists, scalars: cc.scalars}
	if t := b.build(checked.Expr()); !b.failed && t.kind != nLeaf {
		cond.tree = t
		// Planned (so the pack is known to plan) but not kept: see condition.
		cond.fast, cond.partial, cond.guarded = nil, nil, nil
	}
	return cond
}

// hashPack returns the hex SHA-256 of the pack's RFC 8785 canonical JSON.
func hashPack(p *Pack) (string, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	c, err := jcs.Transform(b)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:]), nil
}

// Canonical returns the pack's canonical form: RFC 8785 JSON of its content,
// the bytes Hash covers.
func (p *Pack) Canonical() ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return jcs.Transform(b)
}

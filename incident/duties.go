package incident

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/yamljson"
	"github.com/accord-gov/accord/rules"
)

// Duty is one incident reporting duty of a framework, as data
// (frameworks/<id>/incidents.yaml).
type Duty struct {
	ID         string      `json:"id"`
	Citation   string      `json:"citation"`
	Instrument string      `json:"instrument"`
	Verified   bool        `json:"verified"`
	From       string      `json:"from"` // the date the provision applies from (YYYY-MM-DD)
	To         string      `json:"to,omitempty"`
	Title      accord.Text `json:"title"`
	When       When        `json:"when"`
	// Period is P<n>D or PT<n>H; none for a duty without a fixed clock.
	Period string `json:"period,omitempty"`
	// Counting is how the period runs: eu-1182-71 (Regulation (EEC,
	// Euratom) No 1182/71, periods in days) or elapsed (hours on the clock).
	Counting                string `json:"counting,omitempty"`
	ImmediatelyOnCausalLink bool   `json:"immediately_on_causal_link,omitempty"`
	// Anchor is what the period runs from: aware (default), resolved (a
	// final report after resolution), or previous_report (a recurring
	// duty: each period runs from the previous report by a bearer, until
	// the incident is resolved or a final report is filed).
	Anchor  string   `json:"anchor,omitempty"`
	Stage   string   `json:"stage,omitempty"` // only a report of this stage meets it
	Bearers []string `json:"bearers,omitempty"`
	Note    string   `json:"note,omitempty"`

	framework string
	from      time.Time
	days      int
	hours     int
	countries []string
}

// When says when a duty applies: every condition given must hold.
type When struct {
	Kinds       []string `json:"kinds,omitempty"`
	Scale       string   `json:"scale,omitempty"` // system or model
	Tiers       []string `json:"tiers,omitempty"` // the system's tier under the duty's framework
	Countries   []string `json:"countries,omitempty"`
	AnyOf       []string `json:"any_of,omitempty"` // harm:<term> or fact:<name>
	CNGrades    []string `json:"cn_grades,omitempty"`
	CNOperators []string `json:"cn_operators,omitempty"`
}

// Framework is the id of the pack the duty belongs to.
func (d *Duty) Framework() string { return d.framework }

type dutyFile struct {
	Framework string `json:"framework"`
	Duties    []Duty `json:"duties"`
}

var (
	periodDays  = regexp.MustCompile(`^P([1-9][0-9]{0,2})D$`)
	periodHours = regexp.MustCompile(`^PT([1-9][0-9]{0,3})H$`)
	facts       = []string{"death", "widespread_infringement", "cybersecurity_breach"}
)

// LoadDuties reads every <id>/incidents.yaml of fsys and checks each duty
// against the packs (its framework, tiers) and the taxonomies (its harms).
func LoadDuties(fsys fs.FS, packs []*rules.Pack, tax *Taxonomies) ([]*Duty, error) {
	names, err := fs.Glob(fsys, "*/incidents.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Duty
	seen := map[string]bool{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ds, err := parseDuties(path.Join("frameworks", name), b, packs, tax)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			key := d.framework + "/" + d.ID
			if seen[key] {
				return nil, fmt.Errorf("frameworks/%s: duty %s appears twice", name, key)
			}
			seen[key] = true
			out = append(out, d)
		}
	}
	return out, nil
}

func parseDuties(name string, b []byte, packs []*rules.Pack, tax *Taxonomies) ([]*Duty, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var f dutyFile
	if err := yamljson.Decode(&n, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var pack *rules.Pack
	for _, p := range packs {
		if p.ID == f.Framework {
			pack = p
		}
	}
	if pack == nil {
		return nil, fmt.Errorf("%s: framework %q is not a loaded rule pack", name, f.Framework)
	}
	if len(f.Duties) == 0 {
		return nil, fmt.Errorf("%s: no duties", name)
	}
	var out []*Duty
	for i := range f.Duties {
		d := &f.Duties[i]
		d.framework = f.Framework
		if err := d.check(pack, tax); err != nil {
			return nil, fmt.Errorf("%s: duty %q: %w", name, d.ID, err)
		}
		out = append(out, d)
	}
	return out, nil
}

func (d *Duty) check(pack *rules.Pack, tax *Taxonomies) error {
	if d.ID == "" || d.Citation == "" || d.Instrument == "" {
		return fmt.Errorf("id, citation and instrument are required")
	}
	if _, ok := d.Title["en"]; !ok {
		return fmt.Errorf("title needs at least English")
	}
	t, err := time.Parse(time.DateOnly, d.From)
	if err != nil {
		return fmt.Errorf("from %q is not a date (YYYY-MM-DD)", d.From)
	}
	d.from = t
	switch m, h := periodDays.FindStringSubmatch(d.Period), periodHours.FindStringSubmatch(d.Period); {
	case d.Period == "":
		if d.Counting != "" || d.ImmediatelyOnCausalLink || d.Anchor != "" {
			return fmt.Errorf("a duty without a period has no counting, anchor or immediately_on_causal_link")
		}
	case m != nil:
		d.days, _ = strconv.Atoi(m[1])
		if d.Counting != "eu-1182-71" && d.Counting != "elapsed" {
			return fmt.Errorf("counting %q: use eu-1182-71 or elapsed", d.Counting)
		}
	case h != nil:
		d.hours, _ = strconv.Atoi(h[1])
		if d.Counting != "elapsed" {
			return fmt.Errorf("a period in hours runs elapsed (counting: elapsed)")
		}
	default:
		return fmt.Errorf("period %q: use P<n>D or PT<n>H", d.Period)
	}
	if d.Anchor != "" && d.Anchor != "aware" && d.Anchor != "resolved" && d.Anchor != "previous_report" {
		return fmt.Errorf("anchor %q: use aware, resolved or previous_report", d.Anchor)
	}
	if d.Anchor == "previous_report" && (d.days == 0 || d.Stage != "") {
		return fmt.Errorf("a recurring duty (anchor previous_report) has a period in days and no stage: a follow-up or the final report meets it")
	}
	if d.Stage != "" && !slices.Contains(accord.ReportStages, d.Stage) {
		return fmt.Errorf("stage %q is not a report stage", d.Stage)
	}
	if len(d.Bearers) == 0 {
		d.Bearers = []string{accord.RoleProvider, accord.RoleDeployer}
	}
	for _, b := range d.Bearers {
		if b != accord.RoleProvider && b != accord.RoleDeployer {
			return fmt.Errorf("bearer %q: a duty is borne by the provider or the deployer", b)
		}
	}
	w := d.When
	for _, k := range w.Kinds {
		if !slices.Contains(accord.IncidentKinds, k) {
			return fmt.Errorf("when.kinds: %q is not an incident kind", k)
		}
	}
	var tiers []rules.Tier
	switch w.Scale {
	case "system":
		tiers = pack.Tiers
	case "model":
		tiers = pack.ModelTiers
	case "":
		tiers = append(slices.Clip(pack.Tiers), pack.ModelTiers...)
	default:
		return fmt.Errorf("when.scale %q: use system or model", w.Scale)
	}
	for _, t := range w.Tiers {
		if !slices.ContainsFunc(tiers, func(x rules.Tier) bool { return x.ID == t }) {
			return fmt.Errorf("when.tiers: %q is not a tier of pack %s on that scale", t, pack.ID)
		}
	}
	for _, c := range w.Countries {
		switch {
		case c == "eu_member_states":
			d.countries = append(d.countries, rules.EUMemberStates...)
		case accord.ValidCountry(c):
			d.countries = append(d.countries, c)
		default:
			return fmt.Errorf("when.countries: %q is not a country code or eu_member_states", c)
		}
	}
	for _, a := range w.AnyOf {
		switch {
		case strings.HasPrefix(a, "harm:"):
			if tax != nil && !tax.Has(strings.TrimPrefix(a, "harm:")) {
				return fmt.Errorf("when.any_of: %q is not a harm term", a)
			}
		case strings.HasPrefix(a, "fact:"):
			if !slices.Contains(facts, strings.TrimPrefix(a, "fact:")) {
				return fmt.Errorf("when.any_of: %q is not a fact (%s)", a, strings.Join(facts, ", "))
			}
		default:
			return fmt.Errorf("when.any_of: %q: use harm:<term> or fact:<name>", a)
		}
	}
	for _, g := range w.CNGrades {
		if !slices.Contains(accord.CNGrades, g) {
			return fmt.Errorf("when.cn_grades: %q is not a grade", g)
		}
	}
	for _, o := range w.CNOperators {
		if !slices.Contains(accord.CNOperators, o) {
			return fmt.Errorf("when.cn_operators: %q is not an operator kind", o)
		}
	}
	return nil
}

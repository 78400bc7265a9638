package rules

import (
	"time"

	"github.com/accord-gov/accord"
)

// Pack is one parsed and validated rule pack: a jurisdiction's legal
// instrument(s) as ordered tiers and CEL rules. Packs are immutable once
// loaded and safe for concurrent use by Classify.
//
// The exported fields are the pack's content; their JSON encoding (after
// RFC 8785 canonicalisation) is what Hash covers.
type Pack struct {
	ID             string              `json:"id"`
	Jurisdiction   string              `json:"jurisdiction"`
	Version        string              `json:"version"`
	Instrument     accord.Text         `json:"instrument,omitempty"`
	Name           accord.Text         `json:"name"`
	SourceURL      string              `json:"source_url,omitempty"`
	EffectiveFrom  Date                `json:"effective_from"`
	EffectiveUntil Date                `json:"effective_until,omitempty"`
	AppliesWhen    string              `json:"applies_when,omitempty"`
	NotApplicable  accord.Text         `json:"not_applicable,omitempty"`
	DefaultTier    string              `json:"default_tier,omitempty"`
	Tiers          []Tier              `json:"tiers"`
	Themes         []Theme             `json:"themes,omitempty"`
	Constants      map[string]Constant `json:"constants,omitempty"`
	Exclusions     []Exclusion         `json:"exclusions,omitempty"`
	Rules          []Rule              `json:"rules,omitempty"`

	// Hash is the hex SHA-256 of the pack's canonical form: the RFC 8785
	// JSON of the fields above. Comments, key order and YAML style do not
	// change it.
	Hash string `json:"-"`
	// File is the name the pack was loaded from, for messages.
	File string `json:"-"`

	Pos Pos `json:"-" yaml:"-"`
	c   *compiledPack
}

// IsBaseline reports whether p is the Accord baseline pack (jurisdiction
// "*"): the common scale and theme vocabulary, not a framework to classify.
func (p *Pack) IsBaseline() bool { return p.Jurisdiction == "*" }

// Tier returns the tier with the given id.
func (p *Pack) Tier(id string) (Tier, bool) {
	for _, t := range p.Tiers {
		if t.ID == id {
			return t, true
		}
	}
	return Tier{}, false
}

// Theme returns the baseline theme with the given id.
func (p *Pack) Theme(id string) (Theme, bool) {
	for _, t := range p.Themes {
		if t.ID == id {
			return t, true
		}
	}
	return Theme{}, false
}

// Tier is one level of a pack's scale. Tiers are listed most severe first.
type Tier struct {
	ID string `json:"id"`
	// Baseline is the level of the baseline scale this tier maps to: the
	// crosswalk between jurisdictions. Empty only in the baseline pack.
	Baseline   string      `json:"baseline,omitempty"`
	Title      accord.Text `json:"title"`
	Definition accord.Text `json:"definition,omitempty"`

	Pos Pos `json:"-" yaml:"-"`
}

// Theme is an obligation theme of the baseline vocabulary, e.g.
// "risk_management"; every obligation of every pack names one.
type Theme struct {
	ID         string      `json:"id"`
	Title      accord.Text `json:"title"`
	Definition accord.Text `json:"definition"`

	Pos Pos `json:"-" yaml:"-"`
}

// Exclusion takes a system out of a pack's scope (e.g. EU AI Act Art. 2(3),
// military use). When its condition holds the pack does not apply, and the
// result cites the exclusion as the reason.
type Exclusion struct {
	ID        string      `json:"id"`
	Citation  string      `json:"citation"`
	Title     accord.Text `json:"title"`
	Rationale accord.Text `json:"rationale,omitempty"`
	When      string      `json:"when"`
	// UnlessTier lists tiers of the pack's own outcome that keep the filing
	// in scope although When holds: EU AI Act Art. 2(12) excludes free and
	// open-source systems "unless" they are high-risk or under Art. 5 or 50.
	// Such an exclusion is weighed after the rules.
	UnlessTier     []string `json:"unless_tier,omitempty"`
	EffectiveFrom  Date     `json:"effective_from,omitempty"`
	EffectiveUntil Date     `json:"effective_until,omitempty"`

	Pos Pos `json:"-" yaml:"-"`
}

// Rule is one legal provision encoded as a CEL condition over a filing.
type Rule struct {
	ID          string       `json:"id"`
	Citation    string       `json:"citation"`
	Title       accord.Text  `json:"title"`
	Rationale   accord.Text  `json:"rationale,omitempty"`
	When        string       `json:"when"`
	Tier        string       `json:"tier,omitempty"`
	Obligations []Obligation `json:"obligations,omitempty"`
	// ExceptionTo lists the ids of rules this rule is an exception to: when
	// it fires, they are cancelled.
	ExceptionTo    []string `json:"exception_to,omitempty"`
	EffectiveFrom  Date     `json:"effective_from,omitempty"`
	EffectiveUntil Date     `json:"effective_until,omitempty"`

	Pos Pos `json:"-" yaml:"-"`
}

// Obligation is a duty a rule brings.
type Obligation struct {
	ID       string `json:"id"`
	Citation string `json:"citation"`
	// Bearer is "provider", "deployer" or "both".
	Bearer string      `json:"bearer"`
	Theme  string      `json:"theme"`
	Text   accord.Text `json:"text"`
	// AppliesFrom is the date the duty starts, if later than the rule.
	AppliesFrom Date `json:"applies_from,omitempty"`
	// Deadline says when the duty must be met, e.g. "within 15 days".
	Deadline accord.Text `json:"deadline,omitempty"`

	Pos Pos `json:"-" yaml:"-"`
}

// Bearers of obligations.
const (
	BearerProvider = "provider"
	BearerDeployer = "deployer"
	BearerBoth     = "both"
)

// Date is a calendar date written YYYY-MM-DD. The zero value means "not set".
// Dates in that form compare correctly as strings.
type Date string

const dateLayout = "2006-01-02"

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return Date(t.Format(dateLayout))
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(m)/10), byte('0' + int(m)%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return Date(b[:])
}

// ParseDate parses a YYYY-MM-DD date.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Format(dateLayout) != s {
		return "", &dateError{s}
	}
	return Date(s), nil
}

type dateError struct{ s string }

func (e *dateError) Error() string {
	return "invalid date " + quote(e.s) + ": write YYYY-MM-DD, e.g. 2026-08-02"
}

// inRange reports whether d lies in [from, until], where an empty bound is open.
func inRange(d, from, until Date) bool {
	return (from == "" || from <= d) && (until == "" || d <= until)
}

// Constant is a named value a pack defines for its CEL expressions, e.g. the
// list of Annex III domain codes. It is a list of strings, a string, a number
// or a boolean.
type Constant struct {
	Strings []string
	String  *string
	Number  *float64
	Bool    *bool

	Pos Pos
}

// Pos records where a value was written in its pack file, so that messages
// can point at the line.
type Pos struct {
	Line int
	// Fields lists the line of each field written (a slice, not a map:
	// packs keep thousands of these, and the garbage collector scans them).
	Fields []FieldLine
}

// FieldLine is the line a field (by its YAML name) was written on.
type FieldLine struct {
	Name string
	Line int
}

// LineOf returns the line of the named field, or of the value itself when
// the field was not written.
func (p Pos) LineOf(field string) int {
	for _, f := range p.Fields {
		if f.Name == field {
			return f.Line
		}
	}
	return p.Line
}

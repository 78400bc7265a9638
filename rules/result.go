package rules

import "github.com/accord-gov/accord"

// Result is the classification of one filing under a set of packs on a date.
// It is deterministic: the same filing, packs and date give the same Result.
type Result struct {
	// AsOf is the date the law was applied as of (YYYY-MM-DD).
	AsOf Date `json:"as_of"`
	// Frameworks has one entry per pack classified, in the order given
	// (the baseline pack is not a framework and has none).
	Frameworks []Framework `json:"frameworks"`
	// Summary places the filing on the common baseline scale across all
	// applicable frameworks.
	Summary Summary `json:"summary"`
	// Checklist merges the obligations of every framework that applies (or
	// may apply, when a scope fact is missing), grouped by baseline theme in
	// the baseline's order. Themes without obligations are left out.
	Checklist []ThemeDuties `json:"checklist"`
	// Withheld lists the inputs the classification was computed without
	// (ClassifyWithheld): filing paths such as "facts.profiling" or
	// "affected_persons", sorted. Nil for a classification of everything.
	Withheld []string `json:"withheld,omitempty"`
}

// Applicability of a framework to a filing.
const (
	Applicable    = "yes"
	NotApplicable = "no"
	Undetermined  = "undetermined"
)

// Framework is the outcome of one pack.
type Framework struct {
	Pack         string      `json:"pack"`
	Version      string      `json:"version"`
	Hash         string      `json:"hash"`
	Jurisdiction string      `json:"jurisdiction"`
	Name         accord.Text `json:"name"`
	// Applicable is "yes", "no" or "undetermined" (a fact that could take
	// the filing out of scope is unknown).
	Applicable string `json:"applicable"`
	// Reason says why the pack does not apply, or what could exclude the
	// filing while that is undetermined.
	Reason *Reason `json:"reason,omitempty"`
	// Tier is the pack's tier id, or "undetermined" or "not_applicable".
	Tier      string      `json:"tier"`
	TierTitle accord.Text `json:"tier_title,omitempty"`
	// Baseline is the baseline level of Tier (of AtLeast when undetermined).
	Baseline string `json:"baseline,omitempty"`
	// AtLeast is, when Tier is "undetermined", the tier the filing has at
	// least (if the pack applies); Possible lists the more severe tiers that
	// rules with missing facts could raise it to.
	AtLeast  string   `json:"at_least,omitempty"`
	Possible []string `json:"possible,omitempty"`
	// Missing names the facts (JSON names of accord.Facts) that would
	// decide an undetermined tier or applicability. Each undetermined rule
	// also names its own missing facts (an obligation-only rule can be
	// undetermined while the tier is not).
	Missing []string `json:"missing,omitempty"`
	// Withheld names the withheld inputs (filing paths) that could change
	// the tier or the applicability: what rests on confidential
	// information. Like Missing, only Classify sets it.
	Withheld     []string       `json:"withheld,omitempty"`
	Fired        []Hit          `json:"fired"`
	Cancelled    []Cancellation `json:"cancelled,omitempty"`
	Undetermined []Pending      `json:"undetermined,omitempty"`
	// Upcoming lists rules whose conditions hold but which take effect after
	// AsOf (their own exceptions are not weighed).
	Upcoming    []Upcoming `json:"upcoming,omitempty"`
	Obligations []Duty     `json:"obligations"`
}

// Reason explains why a pack does not apply. Exclusion, Citation and Title
// are set when a scope exclusion of the pack is the reason.
type Reason struct {
	Text      accord.Text `json:"text"`
	Exclusion string      `json:"exclusion,omitempty"`
	Citation  string      `json:"citation,omitempty"`
	Missing   []string    `json:"missing,omitempty"`
	// Withheld names the withheld inputs that could exclude the filing.
	Withheld []string `json:"withheld,omitempty"`
}

// Hit is a rule whose condition held, with what it read.
type Hit struct {
	*RuleRef
	// Facts are the inputs the condition read and their values: the facts
	// that made it true.
	Facts []Fact `json:"facts"`
}

// RuleRef names a rule, the article it rests on and the tier it implies.
// Every result that explains a rule shares the one RuleRef Load made for it:
// results are read-only, and one pointer in place of five fields keeps a
// classification's allocations (and so its garbage collection) small.
type RuleRef struct {
	Rule      string      `json:"rule"`
	Citation  string      `json:"citation"`
	Title     accord.Text `json:"title"`
	Rationale accord.Text `json:"rationale,omitempty"`
	Tier      string      `json:"tier,omitempty"`
}

// Fact is one input a condition read: a filing list (e.g. "domains") or a
// fact (e.g. "facts.profiling").
type Fact struct {
	Name string `json:"name"`
	// Value is a []string, bool, float64, int64 or string; nil when
	// Unknown or Withheld.
	Value   any  `json:"value,omitempty"`
	Unknown bool `json:"unknown,omitempty"`
	// Withheld is set for an input the classification was computed
	// without: its value, and whether the filing states it, are not shown.
	Withheld bool `json:"withheld,omitempty"`
}

// Cancellation is a rule whose condition held but which an exception cancelled.
type Cancellation struct {
	Hit
	By []ExceptionRef `json:"by"`
}

// ExceptionRef names the exception that cancelled a rule.
type ExceptionRef struct {
	Rule      string      `json:"rule"`
	Citation  string      `json:"citation"`
	Title     accord.Text `json:"title"`
	Rationale accord.Text `json:"rationale,omitempty"`
}

// Pending is a rule whose outcome depends on facts the filing leaves out:
// its own condition, or an exception to it, is undetermined.
type Pending struct {
	Hit
	// Missing are the facts that would decide it.
	Missing []string `json:"missing"`
	// Withheld are the withheld inputs (filing paths) it depends on.
	Withheld []string `json:"withheld,omitempty"`
	// Exceptions are undetermined exceptions that might cancel the rule.
	Exceptions []string `json:"exceptions,omitempty"`
	// Error is set when evaluation failed (e.g. the cost limit was reached);
	// the rule is then treated as undetermined, never as false.
	Error string `json:"error,omitempty"`
}

// Upcoming is a rule that will take effect after the classification date.
type Upcoming struct {
	Rule          string      `json:"rule"`
	Citation      string      `json:"citation"`
	Title         accord.Text `json:"title"`
	Tier          string      `json:"tier,omitempty"`
	EffectiveFrom Date        `json:"effective_from"`
}

// DutyTerms are what an obligation says, shared like RuleRef by every
// result that lists it.
type DutyTerms struct {
	ID       string      `json:"id"`
	Citation string      `json:"citation"`
	Bearer   string      `json:"bearer"`
	Theme    string      `json:"theme"`
	Text     accord.Text `json:"text"`
}

// Duty is an obligation that applies to the filing.
type Duty struct {
	Pack string `json:"pack"`
	// Rule is the first rule (in pack order) that brings the obligation;
	// Rules lists all of them when several rules bring the same one.
	Rule  string   `json:"rule"`
	Rules []string `json:"rules,omitempty"`
	*DutyTerms
	AppliesFrom Date `json:"applies_from"`
	// Applies reports whether AppliesFrom has been reached on the
	// classification date.
	Applies  bool        `json:"applies"`
	Deadline accord.Text `json:"deadline,omitempty"`
	// FilerBears reports whether the filer bears the obligation, from the
	// roles the filing states (Filing.Roles): a provider or product
	// manufacturer bears the provider's duties, a deployer the deployer's.
	// Nil when the filing states no role.
	FilerBears *bool `json:"filer_bears,omitempty"`
}

// ThemeDuties is one theme of the merged checklist. Its duties are the
// frameworks' own (pointers into Framework.Obligations), not copies.
type ThemeDuties struct {
	Theme  string      `json:"theme"`
	Title  accord.Text `json:"title,omitempty"`
	Duties []*Duty     `json:"obligations"`
}

// Summary places a filing on the baseline scale across frameworks.
type Summary struct {
	// Level is the most severe baseline level of any applicable framework,
	// "undetermined" when a framework with missing facts could raise it, or
	// "not_applicable" when no framework applies.
	Level string `json:"level"`
	// AtLeast is the level the filing has at least when Level is undetermined.
	AtLeast string `json:"at_least,omitempty"`
	// Frameworks lists the packs at Level (at AtLeast when undetermined).
	Frameworks []string `json:"frameworks,omitempty"`
}

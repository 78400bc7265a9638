// Package rules is Accord's rule-pack engine: it loads and validates rule
// packs (one YAML file per jurisdiction and version, see
// frameworks/FORMAT.md) and classifies a filing under them. It is pure: no
// I/O, no clock, no database. The same filing, packs and date always give
// the same Result, and a Result names each pack's id, version and hash, so
// anyone can recompute it.
//
// # Loading
//
// Load parses one pack; LoadAll loads a set and checks every pack against
// the baseline pack (jurisdiction "*"), whose four levels (unacceptable,
// high, limited, minimal) every tier maps onto and whose themes (risk
// management, registration, content labelling…) every obligation names.
// Loading refuses, naming file, line and rule ("eu.yaml:123: rule art5-1-c:
// …"): unknown or duplicate YAML fields, missing fields, bad dates and
// language tags, CEL syntax and type errors (every condition must type-check
// as a bool against the environment of FORMAT.md), codes that no
// vocabulary has ("'employment.recruitmnt' in domains" would never fire),
// conditions whose worst-case CEL cost exceeds a bound, unknown tiers,
// levels and themes, dangling or cyclic exception_to, duplicate ids, and
// overlapping effective dates. Problems lists every problem of an error.
//
// A rule id may appear several times only to record a rule that changed on
// a date: the entries' effective ranges (inclusive, defaulting to the
// pack's) must not overlap, and each must lie within the pack's range. The
// entry in force on the classification date applies.
//
// A pack's identity is Pack.Hash, the hex SHA-256 of its canonical form:
// the parsed pack encoded as JSON and canonicalised with RFC 8785 (JCS).
// Comments, key order, quoting, YAML anchors and flow or block style do not
// change it.
//
// # Classifying
//
// Classify evaluates each pack's conditions over a filing in three-valued
// (Kleene) logic. Every fact of accord.Facts is a pointer; nil means the
// filing does not say, and the fact is unknown, never false. A condition
// that depends on an unknown fact is undetermined and names it ("'FR' in
// countries && facts.x" is decided false when FR is not listed, whatever x
// is). Exceptions follow the base-rule-plus-exceptions structure of legal
// texts (Catala's default logic): a rule fires when its condition holds and
// no exception to it fires; an exception only matters where a rule it is an
// exception to holds (so the Art. 6(3) derogation does not fire for a
// system outside Annex III), and an undetermined exception makes the rule it
// may cancel undetermined.
//
// A pack's tier is the most severe tier of its fired rules, or its default
// tier. When a rule that could raise it is undetermined, the tier is
// "undetermined", with AtLeast (the tier it has at least), Possible (the
// tiers it could reach) and Missing (the facts that would decide it): never
// a silent "minimal". Scope works the same way: applies_when and the pack's
// exclusions (e.g. military use) make it applicable, not applicable (with
// the reason, or the exclusion's citation) or undetermined.
//
// ClassifyWithheld (and OutcomeWithheld) classify with some inputs
// withheld: the facts and lists a filing marks confidential, named by their
// filing paths ("facts.profiling", "affected_persons"). A withheld input is
// unknown to every rule whether or not the filing states it (a withheld
// list is unknown, not empty), so the result is a function of the rest of
// the filing and of which inputs are withheld: the registry's public
// classification. What is undetermined because of a withheld input names it
// in Withheld (of the framework, its reason, each undetermined rule), never
// in Missing, and a rule's facts show a withheld input as withheld, without
// a value.
//
// Each fired rule comes with its citation and the inputs its condition read
// and their values (the facts that made it true); cancelled rules with the
// exceptions that cancelled them and why; undetermined rules with their
// missing facts; rules that take effect later with their date. Obligations
// carry pack, rule, citation, bearer, theme, text, the date they apply from
// and any deadline; one obligation brought by several rules is listed once.
// Result.Checklist merges the obligations of all applicable packs by
// baseline theme, and Result.Summary places the filing on the baseline scale
// across packs. Crosswalk lines every pack's tiers and obligations up
// against the baseline for comparison between jurisdictions.
//
// # Evaluation and its limits
//
// Conditions are CEL (cel.dev/cel-go), parsed, type-checked and planned at
// load into three programs: a plain one, a partial-evaluation one
// (cel.OptPartialEval, with an AttributePattern marking each unknown fact)
// and a cost-limited one (cel.CostLimit). Because entering the CEL
// interpreter costs a few hundred nanoseconds per condition and a pack has
// dozens, the loader also compiles each condition's boolean skeleton (&&,
// ||, !) into a tree whose simple leaves (a boolean fact, a fact compared
// with a constant, a code tested in a filing list) are decided directly and
// whose other leaves are separate CEL programs, evaluated with partial
// evaluation when they read an unknown fact. A condition with a tree keeps
// only its source and plans its whole-condition programs again on first use
// (for oversized filings), which keeps packs small in memory. Tests check on
// thousands of random filings that the trees and CEL on the whole
// conditions give identical results, and the same Result.
//
// Cost is bounded twice. At load, every condition's worst-case cost is
// estimated with CEL's cost estimator for any filing within the Filing
// limits (lists of at most 250 codes, strings of at most 200 bytes) and a
// condition above 1,000,000 cost units (the Kubernetes per-expression
// budget) is refused. At run time, a filing beyond those limits is
// evaluated with the cost-limited programs; a condition that exceeds the
// limit, or fails in any way, is undetermined with the error, never false.
//
// # Measuring
//
//	go test -bench . -benchmem -cpu 1 ./rules/
//
// BenchmarkClassifyEU classifies typical filings under the EU AI Act pack;
// BenchmarkClassifyAll under every embedded pack. They report cpu-ns/op
// besides ns/op, because on a shared machine wall-clock time also counts
// other processes.
//
// Fuzzing (the seed corpus is testdata/fuzz/FuzzLoad plus every real pack;
// a short minimisation time keeps the large seeds from stalling it):
//
//	go test -run XXX -fuzz FuzzLoad -fuzzminimizetime 2s ./rules/
package rules

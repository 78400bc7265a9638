package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/internal/strictjson"
	"github.com/accord-gov/accord/internal/yamljson"
	"github.com/accord-gov/accord/rules"
)

// runClassify implements "accord classify FILE [--as-of YYYY-MM-DD] [--json]
// [--lang xx]": it classifies a filing offline under the embedded rule
// packs and prints a report, or the result as JSON.
func runClassify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asOf := fs.String("as-of", "", "apply the law as of this date, YYYY-MM-DD (default: today, UTC)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	lang := fs.String("lang", "en", "language of titles and texts (en, fr, es, ru, zh-Hans, ar; English where a text lacks it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: accord classify FILE [--as-of YYYY-MM-DD] [--json] [--lang xx]\n\nClassifies a filing (JSON or YAML; - reads standard input) under the embedded rule packs, offline.\n\nFlags:")
		fs.PrintDefaults()
	}
	files, code := parseInterspersed(fs, args)
	if code >= 0 {
		return code
	}
	if len(files) != 1 {
		fmt.Fprintln(stderr, "accord classify: give one filing file (JSON or YAML), e.g. accord classify system.yaml")
		return 2
	}
	date := time.Now().UTC()
	if *asOf != "" {
		d, err := time.Parse("2006-01-02", *asOf)
		if err != nil {
			fmt.Fprintf(stderr, "accord classify: --as-of %q: write the date as YYYY-MM-DD, e.g. 2026-08-02\n", *asOf)
			return 2
		}
		date = d
	}
	if _, err := accord.CanonicalLanguage(*lang); err != nil {
		fmt.Fprintf(stderr, "accord classify: --lang %q is not a language tag: use e.g. en, fr, es, ru, zh-Hans, ar\n", *lang)
		return 2
	}

	name := files[0]
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(os.Stdin, maxFilingBytes+1))
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		fmt.Fprintf(stderr, "accord classify: %v\n", err)
		return 1
	}
	f, err := decodeFilingDoc(name, data)
	if err != nil {
		fmt.Fprintf(stderr, "accord classify: %v\n", err)
		return 1
	}
	if f, err = f.Normalize(); err != nil {
		fmt.Fprintf(stderr, "accord classify: %s is not a valid filing:\n", name)
		var ae *accord.Error
		if errors.As(err, &ae) && len(ae.Fields) > 0 {
			for _, fe := range ae.Fields {
				fmt.Fprintf(stderr, "  %s: %s\n", fe.Field, fe.Message)
			}
		} else {
			fmt.Fprintf(stderr, "  %v\n", err)
		}
		return 1
	}
	packs, err := frameworks.Packs()
	if err != nil {
		fmt.Fprintf(stderr, "accord classify: the embedded rule packs do not load (a build problem):\n%v\n", err)
		return 1
	}
	res := rules.Classify(f, packs, date)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "accord classify: %v\n", err)
			return 1
		}
		return 0
	}
	writeReport(stdout, f, res, packs, *lang)
	return 0
}

// parseInterspersed parses flags that may come before or after positional
// arguments ("accord classify x.yaml --json"). It returns the positional
// arguments, and an exit code >= 0 when the command should stop.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, int) {
	pos, err := parseArgs(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil, 0
	case err != nil:
		return nil, 2
	}
	return pos, -1
}

const maxFilingBytes = 1 << 20

// decodeFilingDoc decodes a filing written in JSON or YAML.
func decodeFilingDoc(name string, data []byte) (accord.Filing, error) {
	var f accord.Filing
	err := decodeDoc(name, data, &f, "filing")
	return f, err
}

// decodeDoc decodes a JSON or YAML document into v (a pointer to a struct,
// such as a filing) as strictly as the API decodes a body (yamljson.Decode):
// fields are the JSON names, and a duplicate key, a key that differs from a
// field only in case, an unknown field or a wrong type is refused with its
// path and line, so that a misspelt fact is not silently ignored (which
// would leave it unknown). what names the document in messages.
func decodeDoc(name string, data []byte, v any, what string) error {
	if len(data) > maxFilingBytes {
		return fmt.Errorf("%s: the file is larger than %d bytes", name, maxFilingBytes)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("%s: not valid JSON or YAML: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%s: a %s is a mapping of fields, e.g. {name: {en: ...}, ...}", name, what)
	}
	err := yamljson.Decode(&root, v)
	var se *strictjson.Error
	if !errors.As(err, &se) {
		return err
	}
	var msgs []string
	for _, p := range se.Problems {
		msg := fmt.Sprintf("%s:%d: %s: %s", name, p.Line, p.Path, p.Msg)
		if p.Kind == strictjson.Unknown {
			msg = fmt.Sprintf("%s:%d: %s is not a field of a %s", name, p.Line, p.Path, what)
			if p.Near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", p.Near)
			}
			msg += "; GET /v1/openapi.json documents the fields and accord vocabularies lists the codes"
		}
		msgs = append(msgs, msg)
	}
	return errors.New(strings.Join(msgs, "\n"))
}

// writeReport prints a classification for people: per framework its
// applicability, tier, the rules behind it with citations and facts, what
// was cancelled and why, what is undetermined and which facts would decide
// it; then the obligations of all frameworks by theme.
func writeReport(w io.Writer, f accord.Filing, res rules.Result, packs []*rules.Pack, lang string) {
	tr := func(t accord.Text) string { return t.In(lang) }
	fmt.Fprintf(w, "%s (version %s), classified as of %s\n", tr(f.TradeName), f.SystemVersion, res.AsOf)
	for _, fw := range res.Frameworks {
		fmt.Fprintf(w, "\n== %s [%s %s, sha256 %s]\n", tr(fw.Name), fw.Pack, fw.Version, shortPackHash(fw.Hash))
		switch fw.Applicable {
		case rules.NotApplicable:
			fmt.Fprintf(w, "   Does not apply: %s%s\n", tr(fw.Reason.Text), citeSuffix(fw.Reason.Citation))
			continue
		case rules.Undetermined:
			fmt.Fprintf(w, "   Applies unless excluded: %s%s — missing: %s\n", tr(fw.Reason.Text), citeSuffix(fw.Reason.Citation), strings.Join(fw.Reason.Missing, ", "))
		default:
			fmt.Fprintln(w, "   Applies.")
		}
		pk := findPack(packs, fw.Pack)
		if pk != nil && pk.Hash != fw.Hash {
			pk = nil // another version of the pack: its titles may differ
		}
		tierName := func(id string) string {
			if pk != nil {
				if t, ok := pk.Tier(id); ok {
					return tr(t.Title) + " (" + id + ")"
				}
			}
			if id == fw.Tier && len(fw.TierTitle) > 0 {
				return tr(fw.TierTitle) + " (" + id + ")"
			}
			return id
		}
		if fw.Tier == rules.TierUndetermined {
			fmt.Fprintf(w, "   Tier: UNDETERMINED — at least %s", tierName(fw.AtLeast))
			if len(fw.Possible) > 0 {
				var ps []string
				for _, p := range fw.Possible {
					ps = append(ps, tierName(p))
				}
				fmt.Fprintf(w, ", possibly %s", strings.Join(ps, " or "))
			}
			fmt.Fprintf(w, "; baseline level at least %s\n", fw.Baseline)
			if len(fw.Missing) > 0 {
				fmt.Fprintf(w, "   State these facts to decide it: %s\n", strings.Join(fw.Missing, ", "))
			}
		} else {
			fmt.Fprintf(w, "   Tier: %s; baseline level %s\n", tierName(fw.Tier), fw.Baseline)
		}
		if len(fw.Fired) > 0 {
			fmt.Fprintln(w, "   Rules that apply:")
			for _, h := range fw.Fired {
				fmt.Fprintf(w, "   - %s: %s%s\n", h.Citation, tr(h.Title), tierSuffix(h.Tier))
				fmt.Fprintf(w, "       because %s\n", factsText(h.Facts))
			}
		}
		if len(fw.Cancelled) > 0 {
			fmt.Fprintln(w, "   Rules cancelled by an exception:")
			for _, c := range fw.Cancelled {
				fmt.Fprintf(w, "   - %s: %s%s\n", c.Citation, tr(c.Title), tierSuffix(c.Tier))
				for _, by := range c.By {
					fmt.Fprintf(w, "       cancelled by %s: %s", by.Citation, tr(by.Title))
					if len(by.Rationale) > 0 {
						fmt.Fprintf(w, " — %s", tr(by.Rationale))
					}
					fmt.Fprintln(w)
				}
			}
		}
		if len(fw.Undetermined) > 0 {
			fmt.Fprintln(w, "   Undetermined rules (facts missing):")
			for _, p := range fw.Undetermined {
				fmt.Fprintf(w, "   - %s: %s%s — missing: %s", p.Citation, tr(p.Title), tierSuffix(p.Tier), strings.Join(p.Missing, ", "))
				if len(p.Exceptions) > 0 {
					fmt.Fprintf(w, " (an exception may apply: %s)", strings.Join(p.Exceptions, ", "))
				}
				if p.Error != "" {
					fmt.Fprintf(w, " [evaluation failed: %s]", p.Error)
				}
				fmt.Fprintln(w)
			}
		}
		if len(fw.Upcoming) > 0 {
			fmt.Fprintln(w, "   Rules that take effect later:")
			for _, u := range fw.Upcoming {
				fmt.Fprintf(w, "   - %s: %s%s, from %s\n", u.Citation, tr(u.Title), tierSuffix(u.Tier), u.EffectiveFrom)
			}
		}
	}
	fmt.Fprintln(w)
	switch res.Summary.Level {
	case rules.TierNotApplicable:
		fmt.Fprintln(w, "Summary: no framework applies.")
	case rules.TierUndetermined:
		fmt.Fprintf(w, "Summary: undetermined (at least %s", orNone(res.Summary.AtLeast))
		if len(res.Summary.Frameworks) > 0 {
			fmt.Fprintf(w, " under %s", strings.Join(res.Summary.Frameworks, ", "))
		}
		fmt.Fprintln(w, ")")
	default:
		fmt.Fprintf(w, "Summary: baseline level %s under %s\n", res.Summary.Level, strings.Join(res.Summary.Frameworks, ", "))
	}
	if len(res.Checklist) == 0 {
		return
	}
	fmt.Fprintln(w, "\nObligations by theme:")
	for _, th := range res.Checklist {
		title := tr(th.Title)
		if title == "" {
			title = th.Theme
		}
		fmt.Fprintf(w, "\n  %s\n", title)
		for _, d := range th.Duties {
			when := "from " + string(d.AppliesFrom)
			if d.Applies {
				when = "applies since " + string(d.AppliesFrom)
			}
			bearer := d.Bearer
			if d.FilerBears != nil {
				bearer += map[bool]string{true: ", borne by you", false: ", borne by another party"}[*d.FilerBears]
			}
			fmt.Fprintf(w, "  - [%s, %s] %s: %s (%s)\n", d.Pack, d.Citation, bearer, tr(d.Text), when)
			if len(d.Deadline) > 0 {
				fmt.Fprintf(w, "      deadline: %s\n", tr(d.Deadline))
			}
		}
	}
}

func findPack(packs []*rules.Pack, id string) *rules.Pack {
	for _, p := range packs {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func shortPackHash(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

func citeSuffix(c string) string {
	if c == "" {
		return ""
	}
	return " (" + c + ")"
}

func tierSuffix(t string) string {
	if t == "" {
		return ""
	}
	return " [" + t + "]"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// factsText says what a rule read: "domains = [a, b]; facts.profiling = true".
func factsText(fs []rules.Fact) string {
	if len(fs) == 0 {
		return "it always applies"
	}
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		switch {
		case f.Unknown:
			parts = append(parts, f.Name+" is unknown")
		default:
			v := f.Value
			if l, ok := v.([]string); ok {
				v = "[" + strings.Join(l, ", ") + "]"
			}
			parts = append(parts, fmt.Sprintf("%s = %v", f.Name, v))
		}
	}
	return strings.Join(parts, "; ")
}

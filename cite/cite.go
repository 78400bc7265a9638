// Package cite reads the legal citations that rule packs and fact
// documentation write in English ("Art. 5(1)(f)", "Annex III, point 4(a)",
// "PIPL, Art. 24(1)", "NYC Admin. Code § 20-871(a)(1)") and writes them as
// each of the six UI languages cites law. It is pure: no I/O, no state.
//
// A citation is one or more groups separated by ";". A group names an
// instrument (or none: the pack's own) and lists references separated by
// ",": an article, an annex, a section, or a US statute's title, each with
// its subdivisions (paragraph, point, sub-point, item) and qualifiers
// (subparagraph, sentence, exception). Anything the parser does not
// understand is an error, so that a caller can show the original string,
// marked as English, rather than a wrong translation.
package cite

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Citation is a parsed citation: its groups in order.
type Citation []Group

// Group is a run of references to one instrument.
type Group struct {
	// Instrument is the instrument's English name as the packs write it
	// (a key of the instruments table), or "" for the pack's own.
	Instrument string
	Items      []Item
}

// Item is one reference, or a named part of an instrument that has no
// pinpoint (a glossary term), optionally followed by a parenthetical
// citation: "developer duties (C.R.S. title 6, art. 1, part 17)".
type Item struct {
	Ref   *Ref
	Term  string // a key of the glossary
	Paren Citation
}

// Ref is a reference to one provision: its levels from the largest
// (article, annex, section, title) down, then its qualifiers.
type Ref struct {
	Levels []Level
}

// Kind is the kind of a level of a reference.
type Kind int

// Kinds of levels. The first level of a Ref is Article, Annex, Section or
// Title; the others follow it.
const (
	Article       Kind = iota // "Art. 5"; inside a Title, "art. 1"
	Annex                     // "Annex III"
	Section                   // "§ 20-871(a)(1)": the designator kept whole
	Title                     // "title 6" (C.R.S.)
	Part                      // "part 17" (C.R.S.)
	Paragraph                 // "(1)" after an article
	NumberedPoint             // "(36)" after a definitions article: "Art. 3(36)"
	AnnexPoint                // "point 4" or "1.2" in an annex
	Point                     // "(f)": a lettered point
	Subpoint                  // "(i)" after a point: a romanette
	ItemNo                    // "item 1" (Korean 호)
	Subpara                   // "second subparagraph": Ordinals
	Sentence                  // "first sentence": Ordinals
	Exception                 // "exception"
)

// Level is one level of a reference.
type Level struct {
	Kind     Kind
	From, To string // To is set for a range: "(1)-(3)", "51–55"
	Ordinals []int  // Subpara and Sentence: 1, 2, 3…, Last
}

// Last is the ordinal "last".
const Last = -1

var ordinalWords = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": Last}

// Parse parses a citation.
func Parse(s string) (Citation, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("cite: empty citation")
	}
	var c Citation
	for _, part := range splitTop(s, ';') {
		g, err := parseGroup(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("cite: %q: %w", s, err)
		}
		c = append(c, g)
	}
	return c, nil
}

// splitTop splits s at sep outside parentheses.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func parseGroup(s string) (Group, error) {
	var g Group
	if s == "" {
		return g, fmt.Errorf("empty group")
	}
	if name := instrumentPrefix(s); name != "" {
		g.Instrument = name
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s[len(name):]), ","))
		if s == "" {
			return g, nil
		}
	}
	for _, raw := range splitTop(s, ',') {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			return g, fmt.Errorf("empty item")
		}
		if err := g.addItem(raw); err != nil {
			return g, err
		}
	}
	return g, nil
}

// instrumentPrefix returns the longest instrument name s starts with, as a
// whole: followed by the end, a space or a comma.
func instrumentPrefix(s string) string {
	best := ""
	for name := range instruments {
		if len(name) > len(best) && strings.HasPrefix(s, name) {
			if rest := s[len(name):]; rest == "" || rest[0] == ' ' || rest[0] == ',' {
				best = name
			}
		}
	}
	return best
}

var (
	// "developer duties (C.R.S. title 6, art. 1, part 17)"
	parenRe = regexp.MustCompile(`^(.*\S) \((.+)\)$`)
	// An article designator: number or range, then parenthesised parts.
	artRe  = regexp.MustCompile(`^(\d+)(?:[-–](\d+))?((?:\([0-9a-z]+\)(?:[-–]\([0-9a-z]+\))?)*)(?: (.+))?$`)
	partRe = regexp.MustCompile(`\(([0-9a-z]+)\)(?:[-–]\(([0-9a-z]+)\))?`)
	// An annex: Roman number, then a point designator ("1(a)", "1.2(d)", "(a)").
	annexRe = regexp.MustCompile(`^Annex ([IVXL]+)(?: ?((?:\d+(?:\.\d+)*)?(?:\([0-9a-z]+\))*))?(?: (.+))?$`)
	pointRe = regexp.MustCompile(`^(\d+(?:\.\d+)*)?((?:\([0-9a-z]+\)(?:[-–]\([0-9a-z]+\))?)*)(?: (.+))?$`)
	// A US code section: "§ 20-871(b)(1)-(2)"; "C.R.S. 6-1-1701(3)".
	sectionRe = regexp.MustCompile(`^(?:§ )?(\d+(?:-\d+)+(?:\([0-9a-z]+\))*(?:-\([0-9a-z]+\))?)$`)
	numRe     = regexp.MustCompile(`^(title|art\.|part|item) (\d+)$`)
	ordRe     = regexp.MustCompile(`^((?:first|second|third|fourth|fifth|last)(?: and (?:first|second|third|fourth|fifth|last))*) (subparagraphs?|sentences?)$`)
	romanRe   = regexp.MustCompile(`^(?:i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)$`)
)

// addItem parses one comma-separated item: a new reference, a level or
// qualifier continuing the previous reference, or a glossary term.
func (g *Group) addItem(s string) error {
	var paren Citation
	if m := parenRe.FindStringSubmatch(s); m != nil && instrumentPrefix(m[2]) != "" {
		c, err := Parse(m[2])
		if err != nil {
			return err
		}
		s, paren = m[1], c
	}
	last := func() *Ref {
		if n := len(g.Items); n > 0 {
			return g.Items[n-1].Ref
		}
		return nil
	}
	add := func(it Item) {
		it.Paren = paren
		g.Items = append(g.Items, it)
	}
	if _, ok := glossary[s]; ok {
		add(Item{Term: s})
		return nil
	}
	switch {
	case strings.HasPrefix(s, "Art. "):
		r, err := parseArticle(s[len("Art. "):])
		if err != nil {
			return err
		}
		add(Item{Ref: r})
		return nil
	case strings.HasPrefix(s, "Annex "):
		r, err := parseAnnex(s)
		if err != nil {
			return err
		}
		add(Item{Ref: r})
		return nil
	case strings.HasPrefix(s, "§ "), g.Instrument == "C.R.S." && sectionRe.MatchString(s):
		m := sectionRe.FindStringSubmatch(s)
		if m == nil {
			return fmt.Errorf("malformed section %q", s)
		}
		add(Item{Ref: &Ref{Levels: []Level{{Kind: Section, From: m[1]}}}})
		return nil
	}
	if m := numRe.FindStringSubmatch(s); m != nil {
		kind := map[string]Kind{"title": Title, "art.": Article, "part": Part, "item": ItemNo}[m[1]]
		if kind == Title {
			add(Item{Ref: &Ref{Levels: []Level{{Kind: Title, From: m[2]}}}})
			return nil
		}
		r := last()
		if r == nil || paren != nil || (kind != ItemNo) != (r.Levels[0].Kind == Title) {
			return fmt.Errorf("%q does not continue a reference", s)
		}
		r.Levels = append(r.Levels, Level{Kind: kind, From: m[2]})
		return nil
	}
	if r := last(); r != nil && paren == nil {
		switch first := r.Levels[0].Kind; {
		case strings.HasPrefix(s, "point ") && first == Annex:
			return r.addPoint(s[len("point "):])
		case first == Article && artRe.MatchString(s):
			// "Art. 5(1)(h)(i)–(iii), 5(2)": a bare designator is another article.
			nr, err := parseArticle(s)
			if err != nil {
				return err
			}
			add(Item{Ref: nr})
			return nil
		}
		if err := r.addQualifiers(s); err == nil {
			return nil
		}
	}
	return fmt.Errorf("cannot read %q", s)
}

func parseArticle(s string) (*Ref, error) {
	m := artRe.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("malformed article %q", s)
	}
	r := &Ref{Levels: []Level{{Kind: Article, From: m[1], To: m[2]}}}
	if err := r.addParts(m[3]); err != nil {
		return nil, err
	}
	if m[4] != "" {
		if err := r.addQualifiers(m[4]); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func parseAnnex(s string) (*Ref, error) {
	m := annexRe.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("malformed annex %q", s)
	}
	r := &Ref{Levels: []Level{{Kind: Annex, From: m[1]}}}
	if m[2] != "" {
		if err := r.addPoint(m[2]); err != nil {
			return nil, err
		}
	}
	if m[3] != "" {
		if err := r.addQualifiers(m[3]); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// addPoint adds an annex point designator: "4(a)", "1.2(d)", "2", "(a)",
// possibly followed by qualifiers ("1(a) last sentence").
func (r *Ref) addPoint(s string) error {
	m := pointRe.FindStringSubmatch(s)
	if m == nil || m[1]+m[2] == "" {
		return fmt.Errorf("malformed point %q", s)
	}
	if m[1] != "" {
		r.Levels = append(r.Levels, Level{Kind: AnnexPoint, From: m[1]})
	}
	if err := r.addParts(m[2]); err != nil {
		return err
	}
	if m[3] != "" {
		return r.addQualifiers(m[3])
	}
	return nil
}

// addParts adds the parenthesised parts of a designator: a paragraph
// (number, after an article), a point (letter), a sub-point (a romanette
// after a point).
func (r *Ref) addParts(s string) error {
	for _, m := range partRe.FindAllStringSubmatch(s, -1) {
		prev := r.Levels[len(r.Levels)-1].Kind
		var k Kind
		switch {
		case isDigits(m[1]) && prev == Article:
			k = Paragraph
		case isDigits(m[1]):
			return fmt.Errorf("unexpected number (%s)", m[1])
		case prev == Point && romanRe.MatchString(m[1]):
			k = Subpoint
		case prev == Point || prev == Subpoint:
			return fmt.Errorf("unexpected (%s) after a point", m[1])
		default:
			k = Point
		}
		if m[2] != "" && isDigits(m[1]) != isDigits(m[2]) {
			return fmt.Errorf("mismatched range (%s)-(%s)", m[1], m[2])
		}
		r.Levels = append(r.Levels, Level{Kind: k, From: m[1], To: m[2]})
	}
	return nil
}

// addQualifiers adds what follows a designator: "second subparagraph",
// "first and second subparagraphs", "last sentence", "exception".
func (r *Ref) addQualifiers(s string) error {
	if s == "exception" {
		r.Levels = append(r.Levels, Level{Kind: Exception})
		return nil
	}
	m := ordRe.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf("cannot read %q", s)
	}
	l := Level{Kind: Subpara}
	if strings.HasPrefix(m[2], "sentence") {
		l.Kind = Sentence
	}
	words := strings.Split(m[1], " and ")
	if len(words) > 1 != strings.HasSuffix(m[2], "s") {
		return fmt.Errorf("%q: plural and ordinals disagree", s)
	}
	for _, w := range words {
		l.Ordinals = append(l.Ordinals, ordinalWords[w])
	}
	r.Levels = append(r.Levels, l)
	return nil
}

func isDigits(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

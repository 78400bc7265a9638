package accord

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Text is a field written in one or more languages: a map from a BCP 47
// language tag (e.g. "en", "zh-Hans", "ar") to the text in that language.
type Text map[string]string

// MaxTextLen bounds one language version of a text field, in characters.
const MaxTextLen = 4000

// In returns the text in the best language for the given preferences, falling
// back to English and then to the first language in tag order.
func (t Text) In(prefs ...string) string {
	if len(t) == 0 {
		return ""
	}
	for _, p := range prefs {
		if s, ok := t[p]; ok {
			return s
		}
		// "zh" should find "zh-Hans", "ar" should find "ar-EG" and so on.
		for _, tag := range t.Tags() {
			if base, _, _ := strings.Cut(tag, "-"); base == p {
				return t[tag]
			}
		}
	}
	if s, ok := t["en"]; ok {
		return s
	}
	return t[t.Tags()[0]]
}

// Values returns the texts in tag order.
func (t Text) Values() []string {
	out := make([]string, 0, len(t))
	for _, tag := range t.Tags() {
		out = append(out, t[tag])
	}
	return out
}

// Tags returns the language tags in sorted order.
func (t Text) Tags() []string {
	tags := make([]string, 0, len(t))
	for k := range t {
		tags = append(tags, k)
	}
	sort.Strings(tags)
	return tags
}

// normalize validates every tag and text (as kind, see CheckText),
// canonicalising tags ("zh-hans" → "zh-Hans"). It reports problems under
// field, e.g. "trade_name.xx".
func (t Text) normalize(field string, kind TextKind, required bool, maxLen int, p *Problems) Text {
	if len(t) == 0 {
		if required {
			p.Add(field, "is required: give the text in at least one language, e.g. {\"en\": \"...\"}")
		}
		return t
	}
	out := make(Text, len(t))
	for tag, s := range t {
		canon, err := CanonicalLanguage(tag)
		if err != nil {
			p.Add(field+"."+tag, "%q is not a BCP 47 language tag (use e.g. en, fr, ar, zh-Hans)", tag)
			continue
		}
		s = cleanText(s, kind)
		if s == "" {
			p.Add(field+"."+tag, "is empty: remove the language or give its text")
			continue
		}
		if msg := textProblem(s, kind, maxLen); msg != "" {
			p.Add(field+"."+tag, "%s", msg)
			continue
		}
		if _, dup := out[canon]; dup {
			p.Add(field+"."+tag, "repeats language %s", canon)
			continue
		}
		out[canon] = s
	}
	return out
}

// TextKind says what a text field may hold.
type TextKind int

const (
	// Line is one line of text: a name, label, title, version or code.
	Line TextKind = iota
	// LongText is text in paragraphs: descriptions, addresses, reasons.
	// Newlines and tabs are allowed; CRLF and CR (as browsers send a
	// textarea) become LF.
	LongText
)

// CheckText returns what is wrong with s as text of kind, or "". It refuses
// invalid UTF-8 (which includes encoded surrogates), control characters (C0
// but, in long text, newline and tab; DEL; C1), the bidirectional
// embedding, override and isolate characters U+202A–U+202E and
// U+2066–U+2069 (they make text display in another order than it reads:
// "Trojan Source"), U+FFFD (the mark of text damaged by a wrong encoding, or
// of a lone surrogate escape another decoder replaced), noncharacters, and
// in a line the line and paragraph separators. Ordinary right-to-left text,
// ZWJ and ZWNJ (U+200D, U+200C) and the marks LRM, RLM and ALM (U+200E,
// U+200F, U+061C) are text and pass. The message names the first refused
// character by position and code point.
func CheckText(s string, kind TextKind) string {
	pos := 0
	for i, r := range s {
		pos++
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return fmt.Sprintf("is not valid UTF-8 (byte %d)", i)
			}
		}
		if why := refused(r, kind); why != "" {
			return fmt.Sprintf("has %s U+%04X at character %d: %s", why, r, pos, fixOf(r, kind))
		}
	}
	return ""
}

// refused names the class of a character text of kind may not hold, or "".
func refused(r rune, kind TextKind) string {
	switch {
	case r == '\n' || r == '\t':
		if kind == LongText {
			return ""
		}
		return "a line break or tab"
	case r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F):
		return "the control character"
	case (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
		return "the bidirectional formatting character"
	case r == 0x2028 || r == 0x2029:
		if kind == LongText {
			return ""
		}
		return "a line break"
	case r == utf8.RuneError:
		return "the replacement character"
	case (r >= 0xFDD0 && r <= 0xFDEF) || r&0xFFFE == 0xFFFE:
		return "the noncharacter"
	}
	return ""
}

func fixOf(r rune, kind TextKind) string {
	switch {
	case r == '\n' || r == '\t' || r == 0x2028 || r == 0x2029:
		return "this field is one line"
	case (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
		return "it can make the text display in another order than it reads; write right-to-left text without it (U+200E/U+200F marks are allowed)"
	case r == utf8.RuneError:
		return "the text was damaged by a wrong character encoding before it was sent"
	}
	return "remove it"
}

// cleanText trims s and, in long text, turns CRLF and CR into LF.
func cleanText(s string, kind TextKind) string {
	if kind == LongText && strings.Contains(s, "\r") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return strings.TrimSpace(s)
}

// textProblem is CheckText with a length limit in characters.
func textProblem(s string, kind TextKind, maxLen int) string {
	if msg := CheckText(s, kind); msg != "" {
		return msg
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return fmt.Sprintf("is %d characters long; the limit is %d", n, maxLen)
	}
	return ""
}

// TextField validates text a caller gives for field: trimmed (and with its
// line ends normalised if long), at most maxLen characters, holding nothing
// CheckText refuses. It returns the cleaned text, or an EInvalid error
// naming the field.
func TextField(field, s string, kind TextKind, maxLen int, required bool) (string, error) {
	var p Problems
	s = textField(field, s, kind, maxLen, required, &p)
	return s, p.Err()
}

func textField(field, s string, kind TextKind, maxLen int, required bool, p *Problems) string {
	s = cleanText(s, kind)
	switch {
	case s == "" && required:
		p.Add(field, "is required")
	case s != "":
		if msg := textProblem(s, kind, maxLen); msg != "" {
			p.Add(field, "%s", msg)
		}
	}
	return s
}

// CanonicalLanguage validates a BCP 47 tag and returns its canonical form.
func CanonicalLanguage(tag string) (string, error) {
	if tag == "" || len(tag) > 35 {
		return "", Errorf(EInvalid, "language tag %q is not valid", tag)
	}
	t, err := language.Parse(tag)
	if err != nil || t == language.Und {
		return "", Errorf(EInvalid, "language tag %q is not valid", tag)
	}
	return t.String(), nil
}

// ValidCountry reports whether code is an ISO 3166-1 alpha-2 country code (upper case).
func ValidCountry(code string) bool {
	// "UK" parses as a region but ISO 3166-1 only reserves it; the code is GB.
	if len(code) != 2 || strings.ToUpper(code) != code || code == "UK" {
		return false
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.IsCountry() && r.String() == code
}

// ValidRegion reports whether code is an ISO 3166-2 subdivision code of a
// valid country (shape only: "US-CO", "FR-IDF", "CN-GD") or a locality code
// of the Localities vocabulary ("US-NY-NYC").
func ValidRegion(code string) bool {
	if Localities.Has(code) {
		return true
	}
	country, sub, ok := strings.Cut(code, "-")
	if !ok || !ValidCountry(country) || len(sub) < 1 || len(sub) > 3 {
		return false
	}
	for _, r := range sub {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

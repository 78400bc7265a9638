package accord

import (
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

// normalize validates every tag and text, canonicalising tags ("zh-hans" → "zh-Hans").
// It reports problems under field, e.g. "trade_name.xx".
func (t Text) normalize(field string, required bool, maxLen int, p *Problems) Text {
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
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			p.Add(field+"."+tag, "is empty: remove the language or give its text")
			continue
		case !utf8.ValidString(s):
			p.Add(field+"."+tag, "is not valid UTF-8")
			continue
		case utf8.RuneCountInString(s) > maxLen:
			p.Add(field+"."+tag, "is %d characters long; the limit is %d", utf8.RuneCountInString(s), maxLen)
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

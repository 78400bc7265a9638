package accord

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Full-text search is the same on every store because the text is normalised
// here, in Go, before any database sees it:
//
//   - case is folded and combining marks are removed, so "Crédit" matches
//     "credit" and Arabic tashkeel (ـَ ـُ ـِ …) is ignored;
//   - Arabic letter variants are unified (أ إ آ ٱ → ا, ى → ي, ة → ه, ؤ → و,
//     ئ → ي), tatweel is dropped and the definite article is stripped, so a
//     query matches whatever spelling the filer used;
//   - Han, Hiragana and Katakana characters become one token each, because
//     Chinese and Japanese have no spaces: a query "推荐" is the phrase
//     "推 荐", which finds "个性化推荐" inside a longer run;
//   - every other run of letters and digits is a word; queries match word
//     prefixes ("recomm" finds "recommendation").
//
// Stores index SearchText's output with a plain whitespace tokenizer and
// compile SearchTerms into their own query language.

// SearchText normalises text for the full-text index.
func SearchText(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		for _, tok := range tokenize(p) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(tok)
		}
	}
	return b.String()
}

// SearchTerm is one term of a query: a sequence of tokens that must appear
// in order. A word term has one token and matches as a prefix; a CJK term is
// an exact phrase of single-character tokens.
type SearchTerm struct {
	Tokens []string
	Prefix bool
}

// MaxSearchTerms bounds the terms of one query.
const MaxSearchTerms = 16

// SearchTerms parses a user's query into terms that must all match.
func SearchTerms(q string) []SearchTerm {
	var terms []SearchTerm
	var phrase []string
	flush := func() {
		if len(phrase) > 0 {
			terms = append(terms, SearchTerm{Tokens: phrase})
			phrase = nil
		}
	}
	for _, field := range strings.Fields(q) {
		for _, tok := range tokenize(field) {
			if isCJKToken(tok) {
				phrase = append(phrase, tok)
				continue
			}
			flush()
			terms = append(terms, SearchTerm{Tokens: []string{tok}, Prefix: true})
		}
		flush() // a space in the query ends a CJK phrase
	}
	if len(terms) > MaxSearchTerms {
		terms = terms[:MaxSearchTerms]
	}
	return terms
}

func isCJKToken(tok string) bool {
	for _, r := range tok {
		return isCJK(r)
	}
	return false
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// arabicFold unifies Arabic letter variants that writers use interchangeably.
var arabicFold = map[rune]rune{
	'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ى': 'ي', 'ة': 'ه', 'ؤ': 'و', 'ئ': 'ي', 'ء': 0, 'ـ': 0,
}

// tokenize splits s into normalised tokens.
func tokenize(s string) []string {
	// NFKD splits letters from their marks (é → e + ◌́, also Arabic hamza
	// above/below from alef); dropping the marks and recomposing with NFC keeps
	// Hangul and other precomposed scripts intact.
	s = norm.NFKD.String(s)
	var b strings.Builder
	var toks []string
	word := func() {
		if b.Len() > 0 {
			toks = append(toks, stripArabicArticle(norm.NFC.String(b.String())))
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case isCJK(r):
			word()
			toks = append(toks, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if f, ok := arabicFold[r]; ok {
				if f != 0 {
					b.WriteRune(f)
				}
				continue
			}
			b.WriteRune(unicode.ToLower(r))
		case r == 'ـ':
			continue
		default:
			word()
		}
	}
	word()
	return toks
}

// stripArabicArticle removes the definite article ال and its common
// prefixed forms (وال، بال، كال، فال، لل) when enough of a word remains.
func stripArabicArticle(w string) string {
	for _, p := range []string{"وال", "بال", "كال", "فال", "ال", "لل"} {
		if rest, ok := strings.CutPrefix(w, p); ok && len([]rune(rest)) >= 2 {
			return rest
		}
	}
	return w
}

package postgres

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/accord-gov/accord"
)

// Search is the same as SQLite's because the text arrives already
// normalised by accord.SearchText: one token per word or CJK character,
// separated by spaces. PostgreSQL's own parsers (to_tsvector with any
// configuration) would split and fold again, differently per locale, so the
// store builds the tsvector itself: every token a lexeme at its position, as
// the 'simple' configuration would keep it, and every facet a lexeme
// '=name:value' without position. A GIN index over that one tsvector answers
// text and filters together by intersecting posting lists; word terms compile
// to prefix lexemes ('recomm':*), CJK terms to phrases ('推' <-> '荐'), and a
// facet can never match a word because no token starts with '='.

// tsvector limits (PostgreSQL's MAXSTRLEN, MAXENTRYPOS, MAXNUMPOS).
const (
	maxLexeme    = 2046
	maxPosition  = 1<<14 - 1
	maxPositions = 256
)

// facetLexeme is how a facet is indexed and queried. SQLite's tokenizer folds
// the case of facets, so this does too.
func facetLexeme(f string) string { return "=" + strings.ToLower(f) }

// docVector builds a system's search document as a tsvector.
func docVector(doc accord.SearchDoc) pgtype.TSVector {
	positions := map[string][]pgtype.TSVectorPosition{}
	pos := 0
	for _, tok := range strings.Fields(doc.Text) {
		pos = min(pos+1, maxPosition)
		if len(tok) > maxLexeme {
			continue
		}
		ps := positions[tok]
		if len(ps) >= maxPositions || (len(ps) > 0 && ps[len(ps)-1].Position >= uint16(pos)) {
			continue
		}
		positions[tok] = append(ps, pgtype.TSVectorPosition{Position: uint16(pos)})
	}
	for _, f := range doc.Facets {
		if l := facetLexeme(f); len(l) <= maxLexeme {
			if _, ok := positions[l]; !ok {
				positions[l] = nil
			}
		}
	}
	v := pgtype.TSVector{Valid: true, Lexemes: make([]pgtype.TSVectorLexeme, 0, len(positions))}
	for w, ps := range positions {
		v.Lexemes = append(v.Lexemes, pgtype.TSVectorLexeme{Word: w, Positions: ps})
	}
	// PostgreSQL keeps lexemes sorted by their bytes.
	slices.SortFunc(v.Lexemes, func(a, b pgtype.TSVectorLexeme) int { return strings.Compare(a.Word, b.Word) })
	return v
}

// tsQuery compiles a query's text and filters into tsquery syntax, or ""
// when it has neither. Every term and filter must match (&).
func tsQuery(q accord.SystemQuery) string {
	var parts []string
	for _, term := range accord.SearchTerms(q.Q) {
		toks := make([]string, len(term.Tokens))
		for i, tok := range term.Tokens {
			toks[i] = quoteLexeme(tok)
		}
		p := strings.Join(toks, " <-> ")
		switch {
		case term.Prefix && utf8.RuneCountInString(term.Tokens[0]) > 1:
			// A one-letter word (the d of d'emploi) matches as a word, not
			// as the prefix of every word that starts with it (as SQLite).
			p += ":*"
		case len(toks) > 1:
			p = "(" + p + ")"
		}
		parts = append(parts, p)
	}
	for _, f := range q.Facets() {
		parts = append(parts, quoteLexeme(facetLexeme(f)))
	}
	return strings.Join(parts, " & ")
}

// quoteLexeme quotes a lexeme for tsquery input: inside quotes only ' and \
// are special.
func quoteLexeme(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

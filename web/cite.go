package web

import (
	"html/template"
	"sync"

	"github.com/accord-gov/accord/cite"
)

// Cite writes a legal citation as the reader's language cites law. pack
// is the rule pack the citation belongs to ("" when it names its own
// instruments). A citation the formatter cannot read is shown as written,
// marked as English, rather than guessed at.
func (l *Locale) Cite(s, pack string) template.HTML {
	k := citeKey{s, l.Code, pack}
	if h, ok := citeCache.Load(k); ok {
		return h.(template.HTML)
	}
	var h template.HTML
	if out, ok := cite.Format(s, l.Code, pack); ok {
		h = template.HTML(template.HTMLEscapeString(out))
	} else {
		h = template.HTML(`<span lang="en" dir="ltr">` + template.HTMLEscapeString(s) + `</span>`)
	}
	citeCache.Store(k, h)
	return h
}

// citeCache keeps formatted citations. Citations come only from the rule
// packs and the fact documentation, never from filings, so the cache is
// bounded by what the node's packs cite, in six languages.
var citeCache sync.Map

type citeKey struct{ s, lang, pack string }

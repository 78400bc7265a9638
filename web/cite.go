package web

import (
	"html/template"

	"github.com/accord-gov/accord/cite"
)

// Cite writes a legal citation as the reader's language cites law. pack
// is the rule pack the citation belongs to ("" when it names its own
// instruments). A citation the formatter cannot read is shown as written,
// marked as English, rather than guessed at.
func (l *Locale) Cite(s, pack string) template.HTML {
	out, ok := cite.Format(s, l.Code, pack)
	if !ok {
		return template.HTML(`<span lang="en" dir="ltr">` + template.HTMLEscapeString(s) + `</span>`)
	}
	return template.HTML(template.HTMLEscapeString(out))
}

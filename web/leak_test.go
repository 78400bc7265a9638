package web

import (
	"html"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/cite"
	"github.com/accord-gov/accord/frameworks"
)

// TestNoEnglishInOtherLanguages renders every page in each language other
// than English and fails if the page's own words (not user text, which is
// marked with dir="auto", nor code) contain a string of the English
// catalogue, or an English citation word, instrument name or the English
// source line of a filing-form question. Strings a language shares with
// English (listed in sameAsEnglish, checked by TestTranslated, and the
// words its own citations use) are allowed. Text the page marks as
// English (lang="en" without dir="auto") is the UI falling back to English
// and counts.
func TestNoEnglishInOtherLanguages(t *testing.T) {
	tn := demoNode(t)
	var pages []string
	pages = append(pages, "/", "/search", "/search?q=credit", "/search?country=FR", "/search?domain=employment",
		"/search?framework=eu-ai-act", "/search?q=zzzqqq", "/frameworks", "/transparency", "/portal", "/nowhere", "/search?country=XX")
	for _, pk := range tn.Registry.Packs() {
		if !pk.IsBaseline() {
			pages = append(pages, "/frameworks/"+pk.ID)
		}
	}
	page, _ := tn.Registry.Search(t.Context(), accord.SystemQuery{Limit: 100})
	for _, s := range page.Systems {
		pages = append(pages, "/systems/"+s.ID)
		if s.Version > 1 {
			pages = append(pages, "/systems/"+s.ID+"/diff")
		}
	}
	fragments := append(englishFragments(), englishCitationTerms()...)
	for _, code := range uiLocales {
		if code == "en" {
			continue
		}
		own := localeText(code) + citationText(t, code)
		check := func(name, body string) {
			text := chromeText(body, code)
			for _, f := range fragments {
				if strings.Contains(own, f) {
					continue // the language writes it the same way
				}
				if containsWord(text, f) {
					i := strings.Index(text, f)
					t.Errorf("%s %s: English text %q in %q", code, name, f, text[max(0, i-60):min(len(text), i+len(f)+60)])
				}
			}
		}
		for _, p := range pages {
			_, body := tn.get(t, nil, p, code)
			check(p, body)
		}
		// The portal, signed in: the list, the form, the form with problems
		// and the preview.
		c := tn.client(t)
		tn.signIn(t, c, tn.Token)
		for _, p := range []string{"/portal", "/portal/new"} {
			_, body := tn.get(t, c, p, code)
			check(p, body)
		}
		bad := validForm()
		bad.Del("trade_name.en")
		bad.Del("trade_name.fr")
		bad.Set("deployment_countries", "uk XX")
		bad.Set("info_url", "nope")
		bad.Set("documents.0.sha256", "zz")
		bad.Set("documents.0.url", "x")
		bad.Set("facts.parameter_count", "many")
		_, body := tn.post(t, c, "/portal/new", code, bad)
		check("form with problems", body)
		_, body = tn.post(t, c, "/portal/new", code, mergeValues(validForm(), url.Values{"action": {"preview"}}))
		check("form with preview", body)
	}
}

// englishCitationTerms are the words and names of English citations, and
// the instruments and notions the fact documentation names in its sources.
func englishCitationTerms() []string {
	var out []string
	for _, w := range cite.EnglishTerms() {
		if w = strings.TrimSpace(strings.Trim(w, ".,:;()")); strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			out = append(out, w)
		}
	}
	return out
}

// citationText is every citation of the packs and the fact documentation
// as the language writes it: the words it shares with English citations
// (French "point") are its own.
func citationText(t *testing.T, code string) string {
	var b strings.Builder
	packs, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	add := func(s, pack string) {
		out, _ := cite.Format(s, code, pack)
		b.WriteString(out + "\n")
	}
	for _, p := range packs {
		for _, x := range p.Exclusions {
			add(x.Citation, p.ID)
		}
		for _, r := range p.Rules {
			add(r.Citation, p.ID)
			for _, o := range r.Obligations {
				add(o.Citation, p.ID)
			}
		}
	}
	for _, d := range accord.FactDocs {
		add(d.Source, "")
	}
	return b.String()
}

func mergeValues(a, b url.Values) url.Values {
	out := cloneValues(a)
	maps.Copy(out, b)
	return out
}

var placeholderSplit = regexp.MustCompile(`\{[a-z]+\}`)

// englishFragments returns the literal parts of every English string:
// the text between placeholders, with at least one letter.
func englishFragments() []string {
	var out []string
	add := func(s string) {
		for _, part := range placeholderSplit.Split(s, -1) {
			part = strings.TrimSpace(strings.Trim(strings.TrimSpace(part), ".,:;()“”"))
			if strings.IndexFunc(part, unicode.IsLetter) >= 0 {
				out = append(out, part)
			}
		}
	}
	for _, m := range locales["en"].msgs {
		add(m.text)
		for _, f := range m.forms {
			add(f)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// localeText is every string of a locale's catalogue, joined, except
// strings copied from English that sameAsEnglish does not allow: an
// untranslated string must not excuse itself.
func localeText(code string) string {
	var b strings.Builder
	en := locales["en"].msgs
	for k, m := range locales[code].msgs {
		if m.forms == nil && m.text == en[k].text && !slices.Contains(sameAsEnglish[code], k) {
			continue
		}
		b.WriteString(m.text)
		b.WriteByte('\n')
		for _, f := range m.forms {
			b.WriteString(f)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// containsWord reports whether s contains w with no letter or digit
// directly before or after it.
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		i = start + 1
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

var (
	attrRe       = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>` + "`" + `]+)))?`)
	voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}
	textAttrs    = []string{"aria-label", "title", "placeholder", "alt"}
	rawElements  = map[string]bool{"script": true, "style": true}
	// <title> repeats the page's heading, which is checked; on a system page
	// it is the system's name, which markup cannot mark as user text.
	skipElements  = map[string]bool{"code": true, "pre": true, "textarea": true, "title": true}
	dataMsgPrefix = "data-"
)

// chromeText extracts what a page says in its own words: text nodes and
// the attributes people read (labels, titles, the receipt messages), but
// not user text (dir="auto": filings and the packs' own multilingual
// texts), code, or scripts. An element in another language that is not
// user text (a citation left in English, lang="en") is the page's own
// words. The templates are ours, so a small tokenizer suffices.
func chromeText(page, lang string) string {
	type open struct {
		name string
		skip bool
	}
	var stack []open
	skipping := func() bool {
		for _, e := range stack {
			if e.skip {
				return true
			}
		}
		return false
	}
	var out strings.Builder
	pageName := ""
	for i := 0; i < len(page); {
		if page[i] != '<' {
			j := strings.IndexByte(page[i:], '<')
			if j < 0 {
				j = len(page) - i
			}
			if !skipping() {
				out.WriteString(html.UnescapeString(page[i : i+j]))
				out.WriteByte('\n')
			}
			i += j
			continue
		}
		j := strings.IndexByte(page[i:], '>')
		if j < 0 {
			break
		}
		tag := page[i+1 : i+j]
		i += j + 1
		switch {
		case strings.HasPrefix(tag, "!"):
			continue
		case strings.HasPrefix(tag, "/"):
			name := strings.ToLower(strings.TrimSpace(tag[1:]))
			for k := len(stack) - 1; k >= 0; k-- {
				if stack[k].name == name {
					stack = stack[:k]
					break
				}
			}
			continue
		}
		name, rest, _ := strings.Cut(tag, " ")
		name = strings.ToLower(strings.TrimSuffix(name, "/"))
		attrs := map[string]string{}
		for _, m := range attrRe.FindAllStringSubmatch(rest, -1) {
			attrs[strings.ToLower(m[1])] = html.UnescapeString(m[2] + m[3] + m[4])
		}
		if rawElements[name] {
			end := strings.Index(page[i:], "</"+name)
			if end >= 0 {
				i += end
			}
			continue
		}
		skip := skipElements[name] || attrs["dir"] == "auto"
		if name == "title" {
			// The title names the system or framework on their pages: user
			// or pack text that the description repeats.
			if end := strings.Index(page[i:], "</title>"); end >= 0 {
				pageName, _, _ = strings.Cut(html.UnescapeString(page[i:i+end]), " · ")
			}
		}
		if name == "meta" && attrs["name"] == "description" {
			// The page's description is its own words, but for the name.
			out.WriteString(strings.ReplaceAll(attrs["content"], pageName, "") + "\n")
		}
		if !skipping() && !skip {
			for _, a := range textAttrs {
				if v := attrs[a]; v != "" {
					out.WriteString(v + "\n")
				}
			}
			for k, v := range attrs {
				if strings.HasPrefix(k, dataMsgPrefix) {
					out.WriteString(v + "\n")
				}
			}
		}
		if !voidElements[name] && !strings.HasSuffix(tag, "/") {
			stack = append(stack, open{name, skip})
		}
	}
	return out.String()
}

func TestChromeText(t *testing.T) {
	page := `<html lang="fr"><body><p>Bonjour <span dir="auto">Hello user</span></p><input type="text" value="typed" aria-label="Étiquette">` +
		`<script>var english = "Search";</script><code>Search</code><span lang="en" dir="auto">English</span><div title="Titre" data-ok="Vérifié">Texte</div>` +
		`<p class="src" lang="en" dir="ltr">EU AI Act Art. 5</p></body></html>`
	got := chromeText(page, "fr")
	for _, w := range []string{"Bonjour", "Étiquette", "Titre", "Vérifié", "Texte", "EU AI Act Art. 5"} {
		if !strings.Contains(got, w) {
			t.Errorf("chrome text lacks %q", w)
		}
	}
	for _, w := range []string{"Hello user", "typed", "Search", "English"} {
		if strings.Contains(got, w) {
			t.Errorf("chrome text has %q", w)
		}
	}
	if !containsWord("a Search b", "Search") || containsWord("Searching", "Search") || containsWord("Research", "Search") {
		t.Error("containsWord")
	}
}

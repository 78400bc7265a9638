package web

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/accord-gov/accord"
)

// A diff compares two versions of a filing field by field: texts word by
// word in each language, lists by what was added and removed, facts and
// other values as before → after.

type diffData struct {
	ID       string
	Name     Shown
	From, To int
	Latest   int
	Changes  []change
	Versions []int
}

type change struct {
	Label   string
	Lang    string // language of a text field's version, "" otherwise
	Kind    string // "text", "list" or "value"
	Words   []wordOp
	Added   []string
	Removed []string
	Before  string
	After   string
}

type wordOp struct {
	Op   byte // '=', '-', '+'
	Text string
}

func (h *Handler) diff(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if !validID(id) {
		h.notFound(w, r)
		return
	}
	vals := r.URL.Query()
	if bad := checkParams(vals, []string{"from", "to"}); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	c, _, _ := h.caller(ctx, r)
	versions, err := h.reg.Versions(ctx, c, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	latest := len(versions)
	parse := func(name string, def int) (int, bool) {
		s := vals.Get(name)
		if s == "" {
			return def, true
		}
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 1 && n <= latest && strconv.Itoa(n) == s
	}
	to, ok1 := parse("to", latest)
	from, ok2 := parse("from", max(1, to-1))
	var bad []string
	if !ok1 {
		bad = append(bad, "to")
	}
	if !ok2 {
		bad = append(bad, "from")
	}
	if len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	p := h.newPage(r, "search", "", nil)
	l := p.L
	var a, b accord.Filing
	for _, v := range versions {
		if v.Version == from {
			a = v.Filing
		}
		if v.Version == to {
			b = v.Filing
		}
	}
	d := diffData{ID: id, From: from, To: to, Latest: latest, Name: l.Pick(b.TradeName), Changes: diffFilings(l, a, b)}
	for i := range latest {
		d.Versions = append(d.Versions, i+1)
	}
	p.Title = l.T("diff.title", "name", d.Name.Text, "from", from, "to", to)
	p.Data = d
	h.render(w, r, http.StatusOK, "diff", p)
}

// diffFilings lists what changed from a to b, in form order.
func diffFilings(l *Locale, a, b accord.Filing) []change {
	var out []change
	text := func(field string, x, y accord.Text) {
		tags := append(x.Tags(), y.Tags()...)
		slices.Sort(tags)
		for _, tag := range slices.Compact(tags) {
			if x[tag] == y[tag] {
				continue
			}
			out = append(out, change{Label: l.T("field." + field), Lang: tag, Kind: "text", Words: wordDiff(x[tag], y[tag])})
		}
	}
	value := func(field, x, y string) {
		if x != y {
			out = append(out, change{Label: l.T("field." + field), Kind: "value", Before: x, After: y})
		}
	}
	list := func(field string, x, y []string, label func(string) string) {
		var c change
		for _, v := range y {
			if !slices.Contains(x, v) {
				c.Added = append(c.Added, label(v))
			}
		}
		for _, v := range x {
			if !slices.Contains(y, v) {
				c.Removed = append(c.Removed, label(v))
			}
		}
		if len(c.Added)+len(c.Removed) > 0 {
			c.Label, c.Kind = l.T("field."+field), "list"
			out = append(out, c)
		}
	}
	vocab := func(kind string) func(string) string { return func(c string) string { return l.Vocab(kind, c) } }
	text("trade_name", a.TradeName, b.TradeName)
	value("reference", a.Reference, b.Reference)
	value("system_version", a.SystemVersion, b.SystemVersion)
	if a.Status != b.Status {
		out = append(out, change{Label: l.T("field.status"), Kind: "value", Before: l.Vocab("status", a.Status), After: l.Vocab("status", b.Status)})
	}
	text("intended_purpose", a.IntendedPurpose, b.IntendedPurpose)
	text("operating_logic", a.OperatingLogic, b.OperatingLogic)
	list("domains", a.Domains, b.Domains, vocab("domain"))
	value("other_domain", a.OtherDomain, b.OtherDomain)
	list("algorithm_types", a.AlgorithmTypes, b.AlgorithmTypes, vocab("algorithm"))
	list("deployment_countries", a.DeploymentCountries, b.DeploymentCountries, l.CountryName)
	list("roles", a.Roles, b.Roles, vocab("role"))
	list("established_in", a.EstablishedIn, b.EstablishedIn, l.CountryName)
	list("output_used_in", a.OutputUsedIn, b.OutputUsedIn, l.CountryName)
	list("deployer_kinds", a.DeployerKinds, b.DeployerKinds, vocab("deployer"))
	list("affected_persons", a.AffectedPersons, b.AffectedPersons, vocab("affected"))
	// Facts: one change per fact whose value differs.
	fa, fb := reflect.ValueOf(a.Facts), reflect.ValueOf(b.Facts)
	for _, fd := range accord.FactDocs {
		i := factIndex[fd.Name]
		x, y := factString(l, fa.Field(i)), factString(l, fb.Field(i))
		if x != y {
			out = append(out, change{Label: l.T("fact." + fd.Name), Kind: "value", Before: x, After: y})
		}
	}
	text("data_sources", a.DataSources, b.DataSources)
	list("personal_data", a.PersonalData, b.PersonalData, vocab("personal"))
	docs := func(ds []accord.Document) []string {
		var s []string
		for _, d := range ds {
			s = append(s, l.Vocab("document", d.Kind)+": "+d.URL+" ("+d.SHA256+")")
		}
		return s
	}
	list("documents", docs(a.Documents), docs(b.Documents), func(s string) string { return s })
	value("info_url", a.InfoURL, b.InfoURL)
	list("confidential", a.Confidential, b.Confidential, l.FieldLabel)
	return out
}

func factString(l *Locale, v reflect.Value) string {
	if v.IsNil() {
		return l.T("value.unknown")
	}
	return l.factValue(v.Elem().Interface())
}

// fieldLabel names a filing field by its JSON path ("data_sources",
// "facts.licence").
func (l *Locale) FieldLabel(path string) string {
	if f, ok := strings.CutPrefix(path, "facts."); ok {
		return l.T("fact." + f)
	}
	return l.Vocab("field", path)
}

// maxDiffWords bounds the word diff (quadratic); longer texts are shown
// whole, before and after.
const maxDiffWords = 1500

// wordDiff diffs two texts word by word (longest common subsequence).
// Words keep their trailing spaces, so joining the parts restores the text.
func wordDiff(a, b string) []wordOp {
	x, y := splitWords(a), splitWords(b)
	if len(x) > maxDiffWords || len(y) > maxDiffWords {
		return []wordOp{{'-', a}, {'+', b}}
	}
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	// Words compare without their trailing spaces: "refused." at the end
	// of a text is the same word as "refused. " followed by more.
	same := func(a, b string) bool {
		return strings.TrimRightFunc(a, unicode.IsSpace) == strings.TrimRightFunc(b, unicode.IsSpace)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if same(x[i], y[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []wordOp
	emit := func(op byte, s string) {
		if n := len(ops); n > 0 && ops[n-1].Op == op {
			ops[n-1].Text += s
			return
		}
		ops = append(ops, wordOp{op, s})
	}
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case same(x[i], y[j]):
			emit('=', y[j])
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			emit('-', x[i])
			i++
		default:
			emit('+', y[j])
			j++
		}
	}
	for ; i < len(x); i++ {
		emit('-', x[i])
	}
	for ; j < len(y); j++ {
		emit('+', y[j])
	}
	return ops
}

// splitWords splits text into words with their trailing spaces; each Han,
// Hiragana or Katakana character is a word of its own (no spaces in CJK).
func splitWords(s string) []string {
	var out []string
	start := 0
	inSpace := false
	for i, r := range s {
		cjk := unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
		switch {
		case cjk:
			if i > start {
				out = append(out, s[start:i])
			}
			start = i
			inSpace = false
			out = append(out, string(r))
			start = i + len(string(r))
		case unicode.IsSpace(r):
			inSpace = true
		case inSpace:
			out = append(out, s[start:i])
			start = i
			inSpace = false
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

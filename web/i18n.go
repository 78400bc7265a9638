package web

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/accord-gov/accord"
)

// The UI speaks the six official languages of the United Nations. Every
// string lives in locales/<code>.json, or, for a capability's own pages, in
// locales/<capability>/<code>.json (one catalogue per capability keeps their
// strings apart; a key may be defined only once across them); a test keeps
// the six catalogues in step (same keys, every plural category CLDR requires).

//go:embed locales
var localeFS embed.FS

// Locale codes, in the order of the language switcher (the UN's own order:
// Arabic, Chinese, English, French, Russian, Spanish).
var localeCodes = []string{"ar", "zh-Hans", "en", "fr", "ru", "es"}

// defaultLocale answers when nothing the browser asks for matches.
const defaultLocale = "en"

// Locale is one UI language: its catalogue and its formatting conventions.
type Locale struct {
	Code string       // BCP 47 tag as used in lang="" and the catalogue file name
	Tag  language.Tag // parsed Code
	Name string       // endonym, for the language switcher
	Dir  string       // "ltr" or "rtl"

	msgs     map[string]message
	langs    display.Namer
	regions  display.Namer
	numbers  numberFormat
	months   [12]string
	dateFmt  string // "{d}", "{month}", "{y}" placeholders
	time12h  bool   // CLDR short time uses a 12-hour clock (en, ar)
	ampm     [2]string
	pluralOf func(n int) string
}

// message is a catalogue entry: a plain string, or plural forms keyed by
// CLDR category (zero, one, two, few, many, other).
type message struct {
	text  string
	forms map[string]string
}

func (m *message) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &m.text)
	}
	return json.Unmarshal(b, &m.forms)
}

// numberFormat holds the CLDR symbols for integers and decimals with Latin
// digits. Arabic pages use Latin digits too (ar-u-nu-latn): log indexes,
// identifiers, ISO dates and legal citations on the same pages are in Latin
// digits and get copied into verification tools, and one digit system per
// page reads better than two. Latin digits are also the norm in the Maghreb.
type numberFormat struct {
	group       string
	decimal     string
	minGrouping int // CLDR minimumGroupingDigits: 2 in Spanish ("1234" but "12.345")
}

// Endonyms as the United Nations writes them on its own language switcher.
var endonyms = map[string]string{
	"ar": "العربية", "zh-Hans": "中文", "en": "English", "fr": "Français", "ru": "Русский", "es": "Español",
}

var localeConventions = map[string]struct {
	num     numberFormat
	months  [12]string
	dateFmt string
	time12h bool
	ampm    [2]string
	plural  func(n int) string
}{
	"en": {numberFormat{",", ".", 1},
		[12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		"{month} {d}, {y}", true, [2]string{"AM", "PM"}, pluralEnglish},
	"fr": {numberFormat{"\u202f", ",", 1},
		[12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		"{d} {month} {y}", false, [2]string{}, pluralFrench},
	"es": {numberFormat{".", ",", 2},
		[12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		"{d} de {month} de {y}", false, [2]string{}, pluralSpanish},
	// Russian dates use the genitive month names.
	"ru": {numberFormat{"\u00a0", ",", 1},
		[12]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"},
		"{d} {month} {y}\u00a0г.", false, [2]string{}, pluralRussian},
	"zh-Hans": {numberFormat{",", ".", 1},
		[12]string{"1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"},
		"{y}年{month}{d}日", false, [2]string{}, pluralChinese},
	"ar": {numberFormat{",", ".", 1},
		[12]string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
		"{d} {month} {y}", true, [2]string{"ص", "م"}, pluralArabic},
}

// CLDR cardinal plural rules for integers (v = 0) in the six languages.
// golang.org/x/text/feature/plural lacks the "many" category that CLDR 38+
// gives French and Spanish (1 000 000 de systèmes), so the rules are here.
func pluralEnglish(n int) string {
	if n == 1 {
		return "one"
	}
	return "other"
}

func pluralChinese(int) string { return "other" }

func pluralFrench(n int) string {
	switch {
	case n == 0 || n == 1:
		return "one"
	case n%1000000 == 0:
		return "many"
	}
	return "other"
}

func pluralSpanish(n int) string {
	switch {
	case n == 1:
		return "one"
	case n != 0 && n%1000000 == 0:
		return "many"
	}
	return "other"
}

func pluralRussian(n int) string {
	n = abs(n)
	switch i10, i100 := n%10, n%100; {
	case i10 == 1 && i100 != 11:
		return "one"
	case i10 >= 2 && i10 <= 4 && (i100 < 12 || i100 > 14):
		return "few"
	}
	return "many"
}

func pluralArabic(n int) string {
	n = abs(n)
	switch i100 := n % 100; {
	case n == 0:
		return "zero"
	case n == 1:
		return "one"
	case n == 2:
		return "two"
	case i100 >= 3 && i100 <= 10:
		return "few"
	case i100 >= 11 && i100 <= 99:
		return "many"
	}
	return "other"
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// pluralCategories lists the categories each language needs (CLDR, integers).
var pluralCategories = map[string][]string{
	"en": {"one", "other"}, "zh-Hans": {"other"}, "fr": {"one", "many", "other"},
	"es": {"one", "many", "other"}, "ru": {"one", "few", "many"}, "ar": {"zero", "one", "two", "few", "many", "other"},
}

// locales holds the loaded catalogues by code; matchOrder lists the codes
// in the matcher's order (English first: the matcher's fallback).
var (
	locales    = map[string]*Locale{}
	matchOrder = dedupe(append([]string{defaultLocale}, localeCodes...))
	matcher    language.Matcher
)

func loadLocales() error {
	tags := make([]language.Tag, len(matchOrder))
	for i, code := range matchOrder {
		tags[i] = language.MustParse(code)
		msgs, err := readCatalogue(localeFS, code)
		if err != nil {
			return err
		}
		conv := localeConventions[code]
		dir := "ltr"
		if code == "ar" {
			dir = "rtl"
		}
		locales[code] = &Locale{
			Code: code, Tag: tags[i], Name: endonyms[code], Dir: dir, msgs: msgs,
			langs: display.Languages(tags[i]), regions: display.Regions(tags[i]),
			numbers: conv.num, months: conv.months, dateFmt: conv.dateFmt,
			time12h: conv.time12h, ampm: conv.ampm, pluralOf: conv.plural,
		}
	}
	matcher = language.NewMatcher(tags)
	return nil
}

// readCatalogue merges a language's catalogues: locales/<code>.json and
// every locales/<capability>/<code>.json. A key defined in two of them is
// an error, so one capability's strings never silently replace another's.
func readCatalogue(fsys fs.FS, code string) (map[string]message, error) {
	files := []string{path.Join("locales", code+".json")}
	dirs, err := fs.ReadDir(fsys, "locales")
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if d.IsDir() {
			files = append(files, path.Join("locales", d.Name(), code+".json"))
		}
	}
	msgs := map[string]message{}
	for i, file := range files {
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			if i > 0 && errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: missing (every capability's catalogue comes in all six languages)", file)
			}
			return nil, err
		}
		var part map[string]message
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for k, m := range part {
			if _, dup := msgs[k]; dup {
				return nil, fmt.Errorf("%s: key %q is defined in another catalogue too", file, k)
			}
			msgs[k] = m
		}
	}
	return msgs, nil
}

func dedupe(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// orderedLocales returns the locales in switcher order.
func orderedLocales() []*Locale {
	out := make([]*Locale, len(localeCodes))
	for i, c := range localeCodes {
		out[i] = locales[c]
	}
	return out
}

// langCookie remembers the language a reader chose.
const langCookie = "accord_lang"

// negotiate picks the UI language: the link's choice (?lang=), else the
// reader's choice (cookie), else the browser's Accept-Language, else
// English.
func negotiate(r *http.Request) *Locale {
	if l, ok := r.Context().Value(langKey{}).(*Locale); ok {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := locales[c.Value]; ok {
			return l
		}
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return locales[defaultLocale]
	}
	// Use the matched index, not the returned tag: the tag carries
	// extensions (e.g. ar-u-rg-egzzzz) that are not catalogue names.
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return locales[defaultLocale]
	}
	return locales[matchOrder[i]]
}

// T translates a key. args are name/value pairs substituted for {name};
// the value of "n" selects the plural form. Integers are formatted for the
// locale. A missing key shows itself in brackets (tests forbid that).
func (l *Locale) T(key string, args ...any) string {
	m, ok := l.msgs[key]
	if !ok {
		return "[" + key + "]"
	}
	s := m.text
	if m.forms != nil {
		n := 0
		for i := 0; i+1 < len(args); i += 2 {
			if args[i] == "n" {
				n, _ = toInt(args[i+1])
			}
		}
		s, ok = m.forms[l.pluralOf(n)]
		if !ok {
			s = m.forms["other"]
		}
	}
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	for i := 0; i+1 < len(args); i += 2 {
		name, _ := args[i].(string)
		s = strings.ReplaceAll(s, "{"+name+"}", l.format(args[i+1]))
	}
	return s
}

// Has reports whether the catalogue has a key.
func (l *Locale) Has(key string) bool {
	_, ok := l.msgs[key]
	return ok
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	}
	return 0, false
}

func (l *Locale) format(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int, int64:
		return l.Int(x)
	case time.Time:
		return l.Date(x)
	}
	return fmt.Sprint(v)
}

// Int formats an integer (int or int64) with the locale's digit grouping.
func (l *Locale) Int(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	default:
		return fmt.Sprint(v)
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) > 3 && len(s) >= 3+l.numbers.minGrouping {
		var b strings.Builder
		first := len(s) % 3
		if first > 0 {
			b.WriteString(s[:first])
		}
		for i := first; i < len(s); i += 3 {
			if b.Len() > 0 {
				b.WriteString(l.numbers.group)
			}
			b.WriteString(s[i : i+3])
		}
		s = b.String()
	}
	if neg {
		s = "-" + s
	}
	return s
}

var superscripts = strings.NewReplacer("0", "⁰", "1", "¹", "2", "²", "3", "³", "4", "⁴", "5", "⁵", "6", "⁶", "7", "⁷", "8", "⁸", "9", "⁹", "-", "⁻")

// Float formats a non-negative number: plainly below a million, else in
// scientific notation (3.8 × 10²⁵), with the locale's decimal separator.
func (l *Locale) Float(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	if math.Abs(v) < 1e6 {
		if v == math.Trunc(v) {
			return l.Int(int64(v))
		}
		return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", l.numbers.decimal, 1)
	}
	exp := int(math.Floor(math.Log10(math.Abs(v))))
	mant := v / math.Pow(10, float64(exp))
	m := strconv.FormatFloat(mant, 'f', -1, 64)
	if len(m) > 6 {
		m = strconv.FormatFloat(mant, 'f', 3, 64)
		m = strings.TrimRight(strings.TrimRight(m, "0"), ".")
	}
	m = strings.Replace(m, ".", l.numbers.decimal, 1)
	return m + " × 10" + superscripts.Replace(strconv.Itoa(exp))
}

// Date formats a calendar date (CLDR long date) in UTC.
func (l *Locale) Date(t time.Time) string {
	t = t.UTC()
	return strings.NewReplacer("{d}", strconv.Itoa(t.Day()), "{month}", l.months[t.Month()-1], "{y}", strconv.Itoa(t.Year())).Replace(l.dateFmt)
}

// DateTime formats a date and time (CLDR short time) in UTC.
func (l *Locale) DateTime(t time.Time) string {
	t = t.UTC()
	var tm string
	if l.time12h {
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		tm = fmt.Sprintf("%d:%02d\u00a0%s", h, t.Minute(), l.ampm[t.Hour()/12])
	} else {
		tm = fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute())
	}
	return l.T("fmt.datetime", "date", l.Date(t), "time", tm)
}

// LanguageName names a language (a BCP 47 tag) in the UI language.
func (l *Locale) LanguageName(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	if n := l.langs.Name(t); n != "" {
		return n
	}
	return tag
}

// CountryName names a country (ISO 3166-1 alpha-2) in the UI language.
func (l *Locale) CountryName(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := l.regions.Name(r); n != "" {
		return n
	}
	return code
}

// Shown is a text field as displayed: the text in the best language for
// the reader, its language, and whether that is not the reader's language.
type Shown struct {
	Text    string
	Lang    string
	Foreign bool
}

// Pick chooses the version of a multilingual text to show: the UI
// language (any regional or script variant of it), else English, else the
// first language in tag order.
func (l *Locale) Pick(t accord.Text) Shown {
	if len(t) == 0 {
		return Shown{}
	}
	if s, ok := t[l.Code]; ok {
		return Shown{Text: s, Lang: l.Code}
	}
	base, _ := l.Tag.Base()
	script, _ := l.Tag.Script()
	var sameBase string
	for _, tag := range t.Tags() {
		pt, err := language.Parse(tag)
		if err != nil {
			continue
		}
		if b, _ := pt.Base(); b == base {
			// Chinese text in another script is not the reader's text.
			if s, _ := pt.Script(); s == script {
				return Shown{Text: t[tag], Lang: tag}
			}
			if sameBase == "" {
				sameBase = tag
			}
		}
	}
	if sameBase != "" {
		return Shown{Text: t[sameBase], Lang: sameBase, Foreign: true}
	}
	if s, ok := t["en"]; ok {
		return Shown{Text: s, Lang: "en", Foreign: l.Code != "en"}
	}
	tag := t.Tags()[0]
	return Shown{Text: t[tag], Lang: tag, Foreign: true}
}

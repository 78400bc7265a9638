package web

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"github.com/accord-gov/accord"
)

// sameAsEnglish lists, per locale, the catalogue entries that are rightly
// written as in English: the product's name, and words the language shares
// with English. Anything else equal to English is an untranslated string.
var sameAsEnglish = map[string][]string{
	"ar":      {"site.name"},
	"zh-Hans": {"site.name"},
	"fr": {"site.name", "system.version", "system.date", "field.documents", "portal.actions", "fact.licence",
		"area.justice", "area.commerce", "area.finance", "area.science", "area.agriculture", "domain.agriculture",
		"form.section.publication", "form.section.identity", "form.document_n", "search.page", "frameworks.obligations",
		"affected.patients", "log.signatures", "modality.image", "modality.audio"},
	// Russian and Spanish write date, time and lists as English does.
	"ru": {"site.name", "fmt.datetime"},
	"es": {"site.name", "value.no", "fmt.datetime", "modality.audio"},
}

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	if err := Ready(); err != nil {
		t.Fatal(err)
	}
	en := locales["en"].msgs
	for _, code := range localeCodes {
		l := locales[code]
		for k := range en {
			if _, ok := l.msgs[k]; !ok {
				t.Errorf("%s.json lacks key %q", code, k)
			}
		}
		for k := range l.msgs {
			if _, ok := en[k]; !ok {
				t.Errorf("%s.json has key %q, which en.json does not have", code, k)
			}
		}
	}
}

// TestPluralForms checks that every plural message has exactly the
// categories CLDR gives its language, and plain messages stay plain.
func TestPluralForms(t *testing.T) {
	en := locales["en"].msgs
	for _, code := range localeCodes {
		for k, m := range locales[code].msgs {
			if (m.forms != nil) != (en[k].forms != nil) {
				t.Errorf("%s %q: plural in one catalogue, plain in the other", code, k)
				continue
			}
			if m.forms == nil {
				continue
			}
			got := slices.Sorted(maps.Keys(m.forms))
			want := slices.Sorted(slices.Values(pluralCategories[code]))
			if !slices.Equal(got, want) {
				t.Errorf("%s %q: plural categories %v, want %v", code, k, got, want)
			}
		}
	}
}

var placeholderRe = regexp.MustCompile(`\{[a-z]+\}`)

// TestPlaceholders checks that translations use the placeholders English
// uses. A plural form may leave out {n} ("un système", "نظامان").
func TestPlaceholders(t *testing.T) {
	set := func(s string) []string {
		p := placeholderRe.FindAllString(s, -1)
		slices.Sort(p)
		return slices.Compact(p)
	}
	en := locales["en"].msgs
	for _, code := range localeCodes {
		for k, m := range locales[code].msgs {
			want := set(en[k].text + strings.Join(slices.Collect(maps.Values(en[k].forms)), " "))
			texts := []string{m.text}
			if m.forms != nil {
				texts = slices.Collect(maps.Values(m.forms))
			}
			for _, s := range texts {
				got := set(s)
				if m.forms != nil {
					got = slices.DeleteFunc(got, func(p string) bool { return p == "{n}" })
					want := slices.DeleteFunc(slices.Clone(want), func(p string) bool { return p == "{n}" })
					if !slices.Equal(got, want) {
						t.Errorf("%s %q form %q: placeholders %v, want %v", code, k, s, got, want)
					}
					continue
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s %q: placeholders %v, want %v", code, k, got, want)
				}
			}
		}
	}
}

// TestTranslated fails on a string left in English (or copied from it)
// unless it is listed in sameAsEnglish, and on a stale listing. A plural
// message counts as English when any of its forms is an English form.
func TestTranslated(t *testing.T) {
	en := locales["en"].msgs
	english := func(code, k string) bool {
		m, e := locales[code].msgs[k], en[k]
		if m.forms == nil {
			// Patterns of punctuation and placeholders ("{label}: {value}")
			// have no words to translate.
			words := placeholderRe.ReplaceAllString(m.text, "")
			return m.text == e.text && strings.IndexFunc(words, unicode.IsLetter) >= 0
		}
		for _, s := range m.forms {
			for _, es := range e.forms {
				if s == es {
					return true
				}
			}
		}
		return false
	}
	for _, code := range localeCodes {
		if code == "en" {
			continue
		}
		allowed := sameAsEnglish[code]
		for k := range locales[code].msgs {
			if english(code, k) && !slices.Contains(allowed, k) {
				t.Errorf("%s %q is the English text %q: translate it (or list it in sameAsEnglish if the words are the same)", code, k, locales[code].T(k))
			}
		}
		for _, k := range allowed {
			if _, ok := locales[code].msgs[k]; !ok || !english(code, k) {
				t.Errorf("%s %q is listed in sameAsEnglish but is translated: remove it from the list", code, k)
			}
		}
	}
}

// TestVocabulariesTranslated checks that every controlled vocabulary code
// and every fact has a label in the catalogues.
func TestVocabulariesTranslated(t *testing.T) {
	vocabs := map[string]accord.Vocabulary{
		"domain": accord.Domains, "algorithm": accord.AlgorithmTypes, "deployer": accord.DeployerKinds,
		"affected": accord.AffectedPersons, "status": accord.Statuses, "personal": accord.PersonalDataCategories,
		"document": accord.DocumentKinds, "orgkind": accord.OrganizationKinds, "kind": accord.Kinds, "modality": accord.Modalities,
	}
	l := locales["en"]
	for kind, v := range vocabs {
		for _, term := range v {
			if !l.Has(kind + "." + term.Code) {
				t.Errorf("no label for %s %q (en.json key %s.%s)", kind, term.Code, kind, term.Code)
			}
			if area, _, _ := strings.Cut(term.Code, "."); kind == "domain" && !l.Has("area."+area) {
				t.Errorf("no label for domain area %q", area)
			}
		}
	}
	for _, f := range accord.FactDocs {
		if !l.Has("fact." + f.Name) {
			t.Errorf("no label for fact %q", f.Name)
		}
	}
	for _, f := range accord.ConfidentialFields() {
		if lab := l.FieldLabel(f); lab == f {
			t.Errorf("no label for confidential field %q", f)
		}
	}
}

func TestPluralRules(t *testing.T) {
	tests := []struct {
		code string
		n    int
		want string
	}{
		{"en", 0, "other"}, {"en", 1, "one"}, {"en", 2, "other"},
		{"fr", 0, "one"}, {"fr", 1, "one"}, {"fr", 2, "other"}, {"fr", 1000000, "many"}, {"fr", 2000000, "many"}, {"fr", 1000001, "other"},
		{"es", 0, "other"}, {"es", 1, "one"}, {"es", 1000000, "many"},
		{"ru", 1, "one"}, {"ru", 21, "one"}, {"ru", 11, "many"}, {"ru", 2, "few"}, {"ru", 24, "few"}, {"ru", 12, "many"}, {"ru", 5, "many"}, {"ru", 0, "many"}, {"ru", 111, "many"},
		{"ar", 0, "zero"}, {"ar", 1, "one"}, {"ar", 2, "two"}, {"ar", 3, "few"}, {"ar", 10, "few"}, {"ar", 103, "few"}, {"ar", 11, "many"}, {"ar", 99, "many"}, {"ar", 100, "other"}, {"ar", 102, "other"},
		{"zh-Hans", 1, "other"},
	}
	for _, tt := range tests {
		if got := locales[tt.code].pluralOf(tt.n); got != tt.want {
			t.Errorf("%s plural(%d) = %s, want %s", tt.code, tt.n, got, tt.want)
		}
	}
	// Where x/text knows the language's categories, it agrees with ours.
	names := map[plural.Form]string{plural.Other: "other", plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many"}
	for _, code := range []string{"en", "ru", "ar", "zh-Hans"} {
		for n := range 250 {
			want := names[plural.Cardinal.MatchPlural(language.MustParse(code), n, 0, 0, 0, 0)]
			if got := locales[code].pluralOf(n); got != want {
				t.Errorf("%s plural(%d) = %s; x/text says %s", code, n, got, want)
			}
		}
	}
}

func TestT(t *testing.T) {
	tests := []struct {
		code, key string
		args      []any
		want      string
	}{
		{"en", "search.count", []any{"n", 1}, "1 system found"},
		{"en", "search.count", []any{"n", 1234}, "1,234 systems found"},
		{"fr", "search.count", []any{"n", 0}, "0 système trouvé"},
		{"fr", "search.count", []any{"n", 12345}, "12\u202f345 systèmes trouvés"},
		{"es", "search.count", []any{"n", 1234}, "1234 sistemas encontrados"},
		{"es", "search.count", []any{"n", 12345}, "12.345 sistemas encontrados"},
		{"ru", "search.count", []any{"n", 21}, "Найдена 21 система"},
		{"ru", "search.count", []any{"n", 3}, "Найдено 3 системы"},
		{"ru", "search.count", []any{"n", 11}, "Найдено 11 систем"},
		{"ar", "search.count", []any{"n", 2}, "عُثر على نظامين"},
		{"ar", "search.count", []any{"n", 7}, "عُثر على 7 أنظمة"},
		{"ar", "search.count", []any{"n", 44}, "عُثر على 44 نظامًا"},
		{"ar", "search.count", []any{"n", 1000}, "عُثر على 1,000 نظام"},
		{"zh-Hans", "search.count", []any{"n", 44}, "共找到 44 个系统"},
		{"en", "no.such.key", nil, "[no.such.key]"},
	}
	for _, tt := range tests {
		if got := locales[tt.code].T(tt.key, tt.args...); got != tt.want {
			t.Errorf("%s T(%q, %v) = %q, want %q", tt.code, tt.key, tt.args, got, tt.want)
		}
	}
}

func TestDates(t *testing.T) {
	d := time.Date(2026, 2, 3, 16, 5, 0, 0, time.UTC)
	tests := []struct{ code, date, datetime string }{
		{"en", "February 3, 2026", "February 3, 2026, 4:05\u00a0PM UTC"},
		{"fr", "3 février 2026", "3 février 2026 à 16:05 UTC"},
		{"es", "3 de febrero de 2026", "3 de febrero de 2026, 16:05 UTC"},
		{"ru", "3 февраля 2026\u00a0г.", "3 февраля 2026\u00a0г., 16:05 UTC"},
		{"zh-Hans", "2026年2月3日", "2026年2月3日 16:05（UTC）"},
		{"ar", "3 فبراير 2026", "3 فبراير 2026، 4:05\u00a0م (التوقيت العالمي المنسق)"},
	}
	for _, tt := range tests {
		l := locales[tt.code]
		if got := l.Date(d); got != tt.date {
			t.Errorf("%s Date = %q, want %q", tt.code, got, tt.date)
		}
		if got := l.DateTime(d); got != tt.datetime {
			t.Errorf("%s DateTime = %q, want %q", tt.code, got, tt.datetime)
		}
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		code string
		n    int64
		want string
	}{
		{"en", 999, "999"}, {"en", 1000, "1,000"}, {"en", -1234567, "-1,234,567"},
		{"fr", 1234, "1\u202f234"}, {"ru", 1234, "1\u00a0234"},
		{"es", 1234, "1234"}, {"es", 12345, "12.345"},
		{"ar", 1234567, "1,234,567"}, {"zh-Hans", 1234, "1,234"},
	}
	for _, tt := range tests {
		if got := locales[tt.code].Int(tt.n); got != tt.want {
			t.Errorf("%s Int(%d) = %q, want %q", tt.code, tt.n, got, tt.want)
		}
	}
	floats := []struct {
		code string
		v    float64
		want string
	}{
		{"en", 3.8e25, "3.8 × 10²⁵"}, {"fr", 3.8e25, "3,8 × 10²⁵"}, {"en", 0.5, "0.5"}, {"en", 70e9, "7 × 10¹⁰"}, {"es", 12, "12"},
	}
	for _, tt := range floats {
		if got := locales[tt.code].Float(tt.v); got != tt.want {
			t.Errorf("%s Float(%g) = %q, want %q", tt.code, tt.v, got, tt.want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct{ accept, cookie, want string }{
		{"", "", "en"},
		{"ar-EG,ar;q=0.9,en;q=0.5", "", "ar"},
		{"zh-CN,zh;q=0.9", "", "zh-Hans"},
		{"zh", "", "zh-Hans"},
		{"fr-CA", "", "fr"},
		{"es-419", "", "es"},
		{"ru-RU", "", "ru"},
		{"de-DE", "", "en"},
		{"pt-BR, es;q=0.5", "", "es"},
		{"de, sw", "", "en"},
		{"not a header;;;", "", "en"},
		{"en", "ar", "ar"},
		{"en", "zh-Hans", "zh-Hans"},
		{"fr", "klingon", "fr"},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest("GET", "/", nil)
		if tt.accept != "" {
			r.Header.Set("Accept-Language", tt.accept)
		}
		if tt.cookie != "" {
			r.AddCookie(&http.Cookie{Name: langCookie, Value: tt.cookie})
		}
		if got := negotiate(r).Code; got != tt.want {
			t.Errorf("Accept-Language %q, cookie %q: got %s, want %s", tt.accept, tt.cookie, got, tt.want)
		}
	}
}

func TestPick(t *testing.T) {
	text := accord.Text{"en": "Hello", "fr": "Bonjour", "zh-Hant": "您好", "ar-EG": "مرحبا"}
	tests := []struct {
		code string
		want Shown
	}{
		{"en", Shown{"Hello", "en", false}},
		{"fr", Shown{"Bonjour", "fr", false}},
		{"ar", Shown{"مرحبا", "ar-EG", false}},
		{"zh-Hans", Shown{"您好", "zh-Hant", true}}, // same language, other script: say so
		{"ru", Shown{"Hello", "en", true}},
	}
	for _, tt := range tests {
		if got := locales[tt.code].Pick(text); got != tt.want {
			t.Errorf("%s Pick = %+v, want %+v", tt.code, got, tt.want)
		}
	}
	if got := locales["es"].Pick(accord.Text{"sw": "Habari", "de": "Hallo"}); got != (Shown{"Hallo", "de", true}) {
		t.Errorf("no English: got %+v, want the first tag's text", got)
	}
	if got := locales["es"].Pick(nil); got != (Shown{}) {
		t.Errorf("empty text: got %+v", got)
	}
}

func TestCapabilityCataloguesMerge(t *testing.T) {
	cases := []struct {
		name    string
		fs      fstest.MapFS
		wantErr string
		want    []string
	}{
		{"merged", fstest.MapFS{
			"locales/en.json":      {Data: []byte(`{"a":"A"}`)},
			"locales/cap/en.json":  {Data: []byte(`{"cap.b":"B"}`)},
			"locales/cap2/en.json": {Data: []byte(`{"cap2.c":"C"}`)},
		}, "", []string{"a", "cap.b", "cap2.c"}},
		{"a key twice", fstest.MapFS{
			"locales/en.json":     {Data: []byte(`{"a":"A"}`)},
			"locales/cap/en.json": {Data: []byte(`{"a":"other"}`)},
		}, `locales/cap/en.json: key "a" is defined in another catalogue too`, nil},
		{"a language missing", fstest.MapFS{
			"locales/en.json":     {Data: []byte(`{"a":"A"}`)},
			"locales/cap/fr.json": {Data: []byte(`{"b":"B"}`)},
		}, "locales/cap/en.json: missing", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msgs, err := readCatalogue(c.fs, "en")
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range msgs {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, c.want) {
				t.Errorf("keys = %v, want %v", keys, c.want)
			}
		})
	}
}

package web

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzFilingForm posts arbitrary values through the form decoder, the
// filing's validation and the localisation of its problems: nothing may
// panic, and every problem lands on an input.
func FuzzFilingForm(f *testing.F) {
	f.Add("trade_name.en", "Name", "deployment_countries", "FR uk", "facts.training_compute_flop", "3,8e25")
	f.Add("documents.0.url", "ftp://x", "documents.31.sha256", "zz", "facts.profiling", "maybe")
	f.Add("intended_purpose.other_lang", "!!", "intended_purpose.other_text", "", "domains", "nope")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		v := url.Values{}
		v.Add(k1, v1)
		v.Add(k2, v2)
		v.Add(k3, v3)
		for _, code := range []string{"en", "ar"} {
			l := locales[code]
			errs := &formErrors{}
			filing, rows := parseFiling(l, v, errs)
			_, err := filing.Normalize()
			for _, fe := range fieldErrors(err) {
				id, msg := localizeProblem(l, fe, rows)
				if !strings.HasPrefix(id, "f-") || msg == "" {
					t.Fatalf("problem %+v maps to %q %q", fe, id, msg)
				}
			}
			(&Handler{}).formData(l, v, errs, "/portal/new")
		}
	})
}

// FuzzLocalPath checks that the language switcher never redirects off site.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "//evil", "/\\evil", "https://x", "/search?q=a", "/%2f%2fevil", "/\t/evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := localPath(s)
		u, err := url.Parse(p)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
			t.Fatalf("localPath(%q) = %q leaves the site", s, p)
		}
	})
}

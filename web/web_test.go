package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/tlog"
)

var uiLocales = []string{"en", "ar", "zh-Hans", "fr", "ru", "es"}

// TestPagesInEveryLanguage renders each page in each language and checks
// the status, the language and direction of the document, and the
// security headers.
func TestPagesInEveryLanguage(t *testing.T) {
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Version > 1 })
	pages := []struct {
		path   string
		status int
	}{
		{"/", 200},
		{"/search", 200},
		{"/search?q=credit", 200},
		{"/search?country=CN&domain=media", 200},
		{"/systems/" + sys.ID, 200},
		{"/systems/" + sys.ID + "?v=1", 200},
		{"/systems/" + sys.ID + "/diff?from=1&to=2", 200},
		{"/frameworks", 200},
		{"/frameworks/eu-ai-act", 200},
		{"/transparency", 200},
		{"/portal", 200},
		{"/no/such/page", 404},
		{"/systems/sys_doesnotexist", 404},
		{"/frameworks/nope", 404},
		{"/search?country=XX", 400},
		{"/search?page=0", 400},
		{"/systems/" + sys.ID + "?v=abc", 400},
		{"/systems/" + sys.ID + "/diff?from=9", 400},
	}
	for _, lang := range uiLocales {
		for _, pg := range pages {
			resp, body := tn.get(t, nil, pg.path, lang)
			if resp.StatusCode != pg.status {
				t.Errorf("%s %s: status %d, want %d", lang, pg.path, resp.StatusCode, pg.status)
				continue
			}
			dir := "ltr"
			if lang == "ar" {
				dir = "rtl"
			}
			if want := fmt.Sprintf(`<html lang="%s" dir="%s">`, lang, dir); !strings.Contains(body, want) {
				t.Errorf("%s %s: no %s", lang, pg.path, want)
			}
			h := resp.Header
			for name, want := range map[string]string{
				"Content-Type":           "text/html; charset=utf-8",
				"Content-Language":       lang,
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
				"X-Frame-Options":        "DENY",
			} {
				if got := h.Get(name); got != want {
					t.Errorf("%s %s: %s = %q, want %q", lang, pg.path, name, got, want)
				}
			}
			cspHeader := h.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
				if !strings.Contains(cspHeader, d) {
					t.Errorf("%s %s: CSP %q lacks %q", lang, pg.path, cspHeader, d)
				}
			}
			if strings.Contains(cspHeader, "unsafe-inline") {
				t.Errorf("%s %s: CSP allows inline code", lang, pg.path)
			}
			if strings.Contains(body, "[") && regexp.MustCompile(`\[[a-z_]+(\.[a-z_0-9-]+)+\]`).MatchString(body) {
				t.Errorf("%s %s: a catalogue key is missing: %s", lang, pg.path, regexp.MustCompile(`\[[a-z_]+(\.[a-z_0-9-]+)+\]`).FindString(body))
			}
			assertNoInlineCode(t, lang+" "+pg.path, body)
		}
	}
}

var (
	inlineScriptRe = regexp.MustCompile(`<script(\s[^>]*)?>`)
	// A start tag; attribute values are quoted (the templates quote them
	// all, and html/template escapes what they hold), so ">" ends it.
	startTagRe = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>` + "`" + `]+))?)*)\s*/?>`)
)

// assertNoInlineCode checks a page against the CSP: scripts only from
// files or JSON data blocks, no style attributes, no event handlers.
func assertNoInlineCode(t *testing.T, name, body string) {
	t.Helper()
	for _, p := range inlineCode(body) {
		t.Errorf("%s: %s", name, p)
	}
}

// inlineCode lists what a page has that the CSP forbids. It reads
// attribute names, so text that merely mentions "onerror=" inside an
// escaped attribute value (a system's name in a description) is not code.
func inlineCode(body string) []string {
	var out []string
	for _, m := range inlineScriptRe.FindAllString(body, -1) {
		if !strings.Contains(m, ` src="/static/`) && !strings.Contains(m, `type="application/json"`) {
			out = append(out, "inline script "+m)
		}
	}
	if strings.Contains(body, "<style") {
		out = append(out, "inline style element")
	}
	for _, tag := range startTagRe.FindAllStringSubmatch(body, -1) {
		for _, a := range attrRe.FindAllStringSubmatch(tag[2], -1) {
			switch attr := strings.ToLower(a[1]); {
			case attr == "style":
				out = append(out, "inline style in <"+tag[1]+tag[2]+">")
			case strings.HasPrefix(attr, "on"):
				out = append(out, "inline event handler "+attr+" in <"+tag[1]+tag[2]+">")
			}
		}
	}
	return out
}

// TestInlineCode checks the checker: it finds handlers and styles in
// markup, not in escaped text.
func TestInlineCode(t *testing.T) {
	for _, bad := range []string{`<img src=x onerror=alert(1)>`, `<p style="color:red">`, `<a href="/" onclick="x()">`, `<div ONLOAD='x'>`, `<style>p{}</style>`, `<script>alert(1)</script>`} {
		if len(inlineCode("<html><body>"+bad+"</body></html>")) == 0 {
			t.Errorf("inlineCode misses %s", bad)
		}
	}
	ok := `<meta name="description" content="&#34;&gt;&lt;img src=x onerror=alert(2)&gt; style=x">` +
		`<p title="onclick=x">onload=1 style="a"</p><script src="/static/receipt.0123.js" defer></script>`
	if p := inlineCode(ok); len(p) > 0 {
		t.Errorf("inlineCode flags escaped text as code: %v", p)
	}
}

func TestErrorsAreLocalised(t *testing.T) {
	tn := demoNode(t)
	tests := []struct {
		path, lang string
		status     int
		want       []string
	}{
		{"/nope", "fr", 404, []string{"Page introuvable"}},
		{"/nope", "ar", 404, []string{"الصفحة غير موجودة"}},
		{"/nope", "zh-Hans", 404, []string{"未找到页面"}},
		{"/search?country=XX", "es", 400, []string{"La solicitud no es válida", "<code dir=\"auto\">country</code>"}},
		{"/search?contry=FR", "ru", 400, []string{"Неверный запрос", "contry"}},
		{"/search?q=a&q=b", "en", 400, []string{"The request is not valid", "<code dir=\"auto\">q</code>"}},
		{"/search?framework=nope", "en", 400, []string{"framework"}},
		{"/search?tier=bogus", "en", 400, []string{"tier"}},
	}
	for _, tt := range tests {
		resp, body := tn.get(t, nil, tt.path, tt.lang)
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.lang, tt.path, resp.StatusCode, tt.status)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s %s: page lacks %q", tt.lang, tt.path, w)
			}
		}
	}
}

func TestStaticAssets(t *testing.T) {
	tn := demoNode(t)
	_, home := tn.get(t, nil, "/", "en")
	css := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(home)
	if css == nil {
		t.Fatal("home page links no hashed stylesheet")
	}
	resp, body := tn.get(t, nil, css[1], "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("stylesheet: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("stylesheet Cache-Control = %q", cc)
	}
	// The stylesheet mirrors by logical properties only.
	for _, physical := range []string{"margin-left", "margin-right", "padding-left", "padding-right", "text-align: left", "text-align: right", "float: left", "float: right", " left:", " right:", "border-left", "border-right"} {
		if strings.Contains(body, physical) {
			t.Errorf("stylesheet uses the physical property %q: use its logical form", physical)
		}
	}
	for _, path := range []string{"/static/app.css", "/static/app.000000000000.css", "/static/web.go", "/static/%2e%2e%2fweb.go"} {
		if resp, _ := tn.get(t, nil, path, ""); resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
	// A page served gzipped decodes to the same page.
	req, _ := http.NewRequest("GET", tn.URL+"/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	r2, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("home page not compressed for a client that accepts gzip")
	}
}

func TestLanguageSwitch(t *testing.T) {
	tn := demoNode(t)
	c := tn.client(t)
	resp, _ := tn.post(t, c, "/lang", "en", url.Values{"lang": {"ar"}, "back": {"/search?q=credit"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/search?q=credit" {
		t.Fatalf("switch: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == langCookie {
			cookie = ck
		}
	}
	if cookie == nil || cookie.Value != "ar" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("language cookie = %+v", cookie)
	}
	// The choice beats Accept-Language.
	_, body := tn.get(t, c, "/search?q=credit", "en")
	if !strings.Contains(body, `<html lang="ar" dir="rtl">`) {
		t.Error("the chosen language is not remembered")
	}
	for _, back := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "", "javascript:alert(1)"} {
		resp, _ := tn.post(t, c, "/lang", "en", url.Values{"lang": {"fr"}, "back": {back}})
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("back %q redirects to %q, want /", back, loc)
		}
	}
	if resp, _ := tn.post(t, c, "/lang", "en", url.Values{"lang": {"xx"}}); resp.StatusCode != 400 {
		t.Errorf("unknown language: status %d", resp.StatusCode)
	}
}

// TestCrossOriginPostRefused checks the CSRF defence: a form posted from
// another site is refused, with a localised page.
func TestCrossOriginPostRefused(t *testing.T) {
	tn := demoNode(t)
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		req, _ := http.NewRequest("POST", tn.URL+"/portal/signin", strings.NewReader("token="+url.QueryEscape(tn.Token)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Language", "fr")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, body := do(t, nil, req)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "autre site") {
			t.Errorf("%v: status %d", hdr, resp.StatusCode)
		}
		if len(resp.Cookies()) > 0 {
			t.Errorf("%v: a cross-site sign-in set a cookie", hdr)
		}
	}
}

func TestSearch(t *testing.T) {
	tn := demoNode(t)
	tests := []struct {
		name, path, lang string
		want             []string
		not              []string
	}{
		{"all", "/search", "en", []string{"systems found", `rel="next"`, "Country of deployment", "Risk level (all frameworks)"}, nil},
		{"english word prefix", "/search?q=recomm", "en", []string{"system"}, []string{"No system matches"}},
		{"arabic", "/search?q=" + url.QueryEscape("بصيرة"), "ar", []string{"عُثر على نظامين", "بصيرة"}, nil},
		{"chinese", "/search?q=" + url.QueryEscape("推荐"), "zh-Hans", []string{"共找到", "澜启资讯"}, nil},
		{"facet filter", "/search?country=CN", "en", []string{"Filters in use", "China", "Remove"}, nil},
		{"domain area then code", "/search?domain=employment", "en", []string{"Specific use", "Employment: recruitment"}, nil},
		{"framework and tier", "/search?framework=eu-ai-act", "en", []string{"Risk tier"}, nil},
		{"nothing", "/search?q=zzzqqqxxx", "fr", []string{"Aucun système ne correspond"}, nil},
		{"second page", "/search?page=2&cursor=" + firstCursor(t, tn), "en", []string{"page 2", `rel="first"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tn.get(t, nil, tt.path, tt.lang)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
}

func firstCursor(t *testing.T, tn *testNode) string {
	page, err := tn.Registry.Search(context.Background(), accord.SystemQuery{Limit: pageSize})
	if err != nil || page.Next == "" {
		t.Fatalf("demo has a single page: %v", err)
	}
	return page.Next
}

func TestSystemPage(t *testing.T) {
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Version > 1 && s.Level == "high" })
	_, body := tn.get(t, nil, "/systems/"+sys.ID, "en")
	for _, w := range []string{
		"Public disclosures", "Classification by legal framework", "Rules that apply", "Facts behind this rule",
		"Obligations checklist", "Version history", "Changes since version 1", "Proof of record",
		`id="receipt-status"`, `<script src="/static/receipt.`, tn.VerifierKey,
	} {
		if !strings.Contains(body, strings.ReplaceAll(w, "+", "&#43;")) && !strings.Contains(body, w) {
			t.Errorf("system page lacks %q", w)
		}
	}
	if !regexp.MustCompile(`Logged as entry \d+ of the transparency log`).MatchString(body) {
		t.Error("the classification does not name its log entry")
	}
	// The receipt embedded for the script is the one the registry gives,
	// and it verifies with the Go reference check.
	m := regexp.MustCompile(`(?s)<script type="application/json" id="receipt-data">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no receipt data")
	}
	var rd receiptData
	if err := json.Unmarshal([]byte(m[1]), &rd); err != nil {
		t.Fatalf("receipt data: %v", err)
	}
	if rd.Record != sys.ID || rd.Version != sys.Version || rd.Key != tn.VerifierKey {
		t.Errorf("receipt data names %s v%d key %s", rd.Record, rd.Version, rd.Key)
	}
	if _, err := tlog.VerifyReceipt(accord.Receipt{Index: rd.Index, Entry: rd.Entry, Proof: rd.Proof}, rd.Key, nil); err != nil {
		t.Errorf("the page's receipt does not verify: %v", err)
	}
}

func TestDiffPage(t *testing.T) {
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Version > 1 })
	_, body := tn.get(t, nil, "/systems/"+sys.ID+"/diff?from=1&to=2", "en")
	if !strings.Contains(body, "Changes from version 1 to version 2") || !strings.Contains(body, `class="change"`) {
		t.Errorf("diff page shows no change")
	}
	_, same := tn.get(t, nil, "/systems/"+sys.ID+"/diff?from=2&to=2", "es")
	if !strings.Contains(same, "Las dos versiones son idénticas.") {
		t.Errorf("diff of a version with itself is not empty")
	}
}

func TestWordDiff(t *testing.T) {
	tests := []struct {
		a, b string
		want string
	}{
		{"the quick fox", "the slow fox", "=the -quick +slow =fox"},
		{"", "new text", "+new text"},
		{"old", "", "-old"},
		{"个性化推荐新闻", "个性化推送新闻", "=个性化推 -荐 +送 =新闻"},
	}
	for _, tt := range tests {
		var parts []string
		for _, op := range wordDiff(tt.a, tt.b) {
			parts = append(parts, string(op.Op)+strings.TrimSpace(op.Text))
		}
		if got := strings.Join(parts, " "); got != tt.want {
			t.Errorf("wordDiff(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestFrameworkPages(t *testing.T) {
	tn := demoNode(t)
	_, list := tn.get(t, nil, "/frameworks", "zh-Hans")
	for _, w := range []string{"欧盟人工智能法", "韩国人工智能基本法", "通用等级", "/frameworks/eu-ai-act"} {
		if !strings.Contains(list, w) {
			t.Errorf("framework list lacks %q", w)
		}
	}
	_, pack := tn.get(t, nil, "/frameworks/eu-ai-act", "fr")
	for _, w := range []string{"art. 5, paragraphe 1, point a)", "Afficher la règle sous forme de code", `lang="fr"`} {
		if !strings.Contains(pack, w) {
			t.Errorf("EU pack page lacks %q", w)
		}
	}
}

// TestEscaping feeds markup through every way in: it must come back as text.
func TestEscaping(t *testing.T) {
	tn := demoNode(t)
	evil := `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	_, body := tn.get(t, nil, "/search?q="+url.QueryEscape(evil), "en")
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
		t.Error("search echoes markup unescaped")
	}
	c := tn.client(t)
	tn.signIn(t, c, tn.Token)
	form := validForm()
	form.Set("trade_name.en", evil)
	form.Set("action", "submit")
	resp, _ := tn.post(t, c, "/portal/new", "en", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("filing: status %d", resp.StatusCode)
	}
	_, page := tn.get(t, c, resp.Header.Get("Location"), "en")
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("a filed name is not escaped on the system page")
	}
	assertNoInlineCode(t, "system page with markup in its name", page)
}

var frameworkSectionRe = regexp.MustCompile(`<section class="framework app-(yes|undetermined|no)"`)

// TestApplicableFrameworksFirst checks every demo system's page: the
// frameworks that apply come first, then the undetermined ones, then those
// that do not apply.
func TestApplicableFrameworksFirst(t *testing.T) {
	tn := demoNode(t)
	rank := map[string]int{"yes": 0, "undetermined": 1, "no": 2}
	mixed := 0
	for _, id := range tn.systemIDs(t) {
		_, body := tn.get(t, nil, "/systems/"+id, "en")
		var order []string
		for _, m := range frameworkSectionRe.FindAllStringSubmatch(body, -1) {
			order = append(order, m[1])
		}
		if slices.Contains(order, "yes") && slices.Contains(order, "no") {
			mixed++
		}
		if !slices.IsSortedFunc(order, func(a, b string) int { return rank[a] - rank[b] }) {
			t.Errorf("/systems/%s lists frameworks in the order %v", id, order)
		}
	}
	if mixed == 0 {
		t.Error("no demo system has frameworks that apply and frameworks that do not: the test proves nothing")
	}
}

var celDetailsRe = regexp.MustCompile(`(?s)<details class="cel"><summary>[^<]+</summary>.*?</details>`)

// TestFrameworkCodeDisclosed checks that a framework page shows its CEL
// expressions only behind a "show the rule as code" disclosure.
func TestFrameworkCodeDisclosed(t *testing.T) {
	tn := demoNode(t)
	for _, pk := range tn.Registry.Packs() {
		if pk.IsBaseline() {
			continue
		}
		for _, lang := range []string{"en", "ar"} {
			_, body := tn.get(t, nil, "/frameworks/"+pk.ID, lang)
			hidden := strings.Join(celDetailsRe.FindAllString(body, -1), "\n")
			outside := celDetailsRe.ReplaceAllString(body, "")
			if !strings.Contains(hidden, locales[lang].T("frameworks.show_code")) {
				t.Errorf("%s %s: no disclosure labelled %q", lang, pk.ID, locales[lang].T("frameworks.show_code"))
			}
			exprs := []string{pk.AppliesWhen}
			for _, r := range pk.Rules {
				exprs = append(exprs, r.When)
			}
			for _, x := range pk.Exclusions {
				exprs = append(exprs, x.When)
			}
			for _, e := range exprs {
				if e == "" {
					continue
				}
				esc := html.EscapeString(e)
				if strings.Contains(outside, ">"+esc+"</code>") {
					t.Errorf("%s %s: CEL %q shown outside its disclosure", lang, pk.ID, e)
				}
				if !strings.Contains(hidden, esc) {
					t.Errorf("%s %s: CEL %q missing from its disclosure", lang, pk.ID, e)
				}
			}
		}
	}
}

// TestFooterNamesOpenAPI checks the footer's link to the API description
// in every language: the specification is called OpenAPI.
func TestFooterNamesOpenAPI(t *testing.T) {
	tn := demoNode(t)
	re := regexp.MustCompile(`<a href="/v1/openapi.json">([^<]*)</a>`)
	for _, lang := range uiLocales {
		_, body := tn.get(t, nil, "/", lang)
		m := re.FindStringSubmatch(body)
		if m == nil || !strings.Contains(m[1], "OpenAPI") || strings.Contains(m[1], "Open API") {
			t.Errorf("%s: footer link to the API description %q, want it to say OpenAPI", lang, m)
		}
	}
}

var (
	alternateRe = regexp.MustCompile(`<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">`)
	backRe      = regexp.MustCompile(`<input type="hidden" name="back" value="([^"]*)">`)
)

// TestLangParameter checks that a link chooses the language: ?lang= on
// every page shows it in that language whatever the browser asks for,
// remembers the choice, and is not mistaken for one of the page's own
// parameters; pages name their language versions with hreflang.
func TestLangParameter(t *testing.T) {
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Version > 1 })
	pages := []struct {
		path   string
		status int
	}{
		{"/", 200}, {"/search", 200}, {"/search?q=credit&country=FR", 200}, {"/systems/" + sys.ID, 200},
		{"/systems/" + sys.ID + "/diff?from=1&to=2", 200}, {"/frameworks", 200}, {"/frameworks/eu-ai-act", 200},
		{"/transparency", 200}, {"/portal", 200}, {"/no/such/page", 404}, {"/search?country=XX", 400},
	}
	for _, code := range localeCodes {
		for _, pg := range pages {
			sep := "?"
			if strings.Contains(pg.path, "?") {
				sep = "&"
			}
			c := tn.client(t)
			resp, body := tn.get(t, c, pg.path+sep+"lang="+code, "ru-RU,ru;q=0.9")
			if resp.StatusCode != pg.status {
				t.Errorf("%s?lang=%s: status %d, want %d", pg.path, code, resp.StatusCode, pg.status)
				continue
			}
			if want := `<html lang="` + code + `"`; !strings.Contains(body, want) {
				t.Errorf("%s?lang=%s: not in that language (no %s)", pg.path, code, want)
			}
			var cookie *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == langCookie {
					cookie = ck
				}
			}
			if cookie == nil || cookie.Value != code || !cookie.HttpOnly || cookie.Path != "/" {
				t.Errorf("%s?lang=%s: language cookie %+v", pg.path, code, cookie)
			}
			// The choice is remembered on the next page, without the parameter.
			if _, next := tn.get(t, c, "/frameworks", "ru"); !strings.Contains(next, `<html lang="`+code+`"`) {
				t.Errorf("%s?lang=%s: the next page forgets the language", pg.path, code)
			}
			// The switcher sends the reader back to the page without ?lang=.
			if m := backRe.FindStringSubmatch(body); m == nil || strings.Contains(html.UnescapeString(m[1]), "lang=") {
				t.Errorf("%s?lang=%s: the language switcher's way back is %q", pg.path, code, m)
			}
		}
	}
	// hreflang alternates: one per language and x-default, absolute, with
	// the page's other parameters kept.
	for _, pg := range []string{"/", "/search?q=credit&country=FR", "/systems/" + sys.ID, "/frameworks/eu-ai-act", "/transparency"} {
		for _, lang := range []string{"en", "ar"} {
			_, body := tn.get(t, nil, pg, lang)
			got := map[string]string{}
			for _, m := range alternateRe.FindAllStringSubmatch(body, -1) {
				got[m[1]] = html.UnescapeString(m[2])
			}
			if len(got) != len(localeCodes)+1 {
				t.Errorf("%s (%s): %d alternates %v, want %d", pg, lang, len(got), got, len(localeCodes)+1)
			}
			for _, code := range append(slices.Clone(localeCodes), "x-default") {
				u, err := url.Parse(got[code])
				if err != nil || u.Scheme+"://"+u.Host != tn.URL {
					t.Errorf("%s (%s): hreflang %s href %q is not an absolute URL on %s", pg, lang, code, got[code], tn.URL)
					continue
				}
				want, _ := url.Parse(pg)
				wq := want.Query()
				if code != "x-default" {
					wq.Set("lang", code)
				}
				if u.Path != want.Path || u.Query().Encode() != wq.Encode() {
					t.Errorf("%s (%s): hreflang %s href %q, want path %s and query %s", pg, lang, code, got[code], want.Path, wq.Encode())
				}
			}
		}
	}
	// Error pages and private pages name no alternates.
	for _, pg := range []string{"/no/such/page", "/search?country=XX"} {
		if _, body := tn.get(t, nil, pg, "en"); alternateRe.MatchString(body) {
			t.Errorf("%s: an error page names language versions", pg)
		}
	}
	// A value that names no UI language is a bad request naming the field,
	// and sets nothing.
	for _, q := range []string{"lang=xx", "lang=", "lang=ar&lang=fr", "lang=zh", "lang=ar%00"} {
		resp, body := tn.get(t, nil, "/search?"+q, "fr")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `<code dir="auto">lang</code>`) || !strings.Contains(body, locales["fr"].T("error.bad_language")) {
			t.Errorf("?%s: status %d, want 400 naming lang in French", q, resp.StatusCode)
		}
		if len(resp.Cookies()) > 0 {
			t.Errorf("?%s: sets a cookie", q)
		}
	}
	// Codes match in any case.
	if _, body := tn.get(t, nil, "/?lang=ZH-hans", "en"); !strings.Contains(body, `<html lang="zh-Hans"`) {
		t.Error("?lang=ZH-hans does not choose Chinese")
	}
}

// TestTransparencyPage checks the log's page for people: the current
// checkpoint as the log serves it, the key, the commands to verify, links
// to the log's files that answer, in every language, and in the
// navigation of every page.
func TestTransparencyPage(t *testing.T) {
	tn := demoNode(t)
	_, cpBody := tn.get(t, nil, "/log/checkpoint", "")
	cp, err := tlog.OpenCheckpoint([]byte(cpBody), mustVerifier(t, tn.VerifierKey), "test.accord.local/log")
	if err != nil {
		t.Fatalf("the log's checkpoint: %v", err)
	}
	root := strings.Split(cpBody, "\n")[2]
	for _, lang := range uiLocales {
		l := locales[lang]
		resp, body := tn.get(t, nil, "/transparency", lang)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", lang, resp.StatusCode)
		}
		key := strings.ReplaceAll(tn.VerifierKey, "+", "&#43;")
		for _, w := range []string{
			`<code id="log-origin">test.accord.local/log</code>`,
			`<dd id="log-size">` + l.T("log.size_value", "n", cp.Size) + `</dd>`,
			`<code class="hash" id="log-root">` + strings.ReplaceAll(root, "+", "&#43;") + `</code>`,
			`id="log-key">` + key + `</code>`,
			l.T("log.verified"), l.T("log.sig.log"),
			"accord verify receipt.json --key " + key,
			"accord log audit " + tn.URL + " --key " + key + " --state",
			"<code dir=\"ltr\">" + tn.URL + "/log/</code>",
			`<a href="/transparency" aria-current="page">` + l.T("nav.log") + `</a>`,
		} {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the transparency page lacks %q", lang, w)
			}
		}
		if !strings.Contains(body, html.EscapeString(cpBody)) && !strings.Contains(body, strings.ReplaceAll(html.EscapeString(cpBody), "+", "&#43;")) {
			t.Errorf("%s: the page does not show the checkpoint as served", lang)
		}
		// Every file link answers.
		links := regexp.MustCompile(`<a href="(/log/[^"]+)">`).FindAllStringSubmatch(body, -1)
		if len(links) < 3 {
			t.Errorf("%s: %d links to the log's files", lang, len(links))
		}
		for _, m := range links {
			if resp, _ := tn.get(t, nil, m[1], ""); resp.StatusCode != 200 {
				t.Errorf("%s: link %s answers %d", lang, m[1], resp.StatusCode)
			}
		}
		// Every page links to it.
		if _, home := tn.get(t, nil, "/", lang); !strings.Contains(home, `<a href="/transparency">`+l.T("nav.log")+`</a>`) {
			t.Errorf("%s: the navigation has no link to the transparency page", lang)
		}
	}
	if resp, _ := tn.get(t, nil, "/transparency?x=1", "en"); resp.StatusCode != 400 {
		t.Errorf("unknown parameter: status %d", resp.StatusCode)
	}
}

func TestLogFiles(t *testing.T) {
	en := locales["en"]
	tests := []struct {
		size int64
		want []string
	}{
		{0, []string{"/log/checkpoint"}},
		{5, []string{"/log/checkpoint", "/log/tile/0/000.p/5", "/log/tile/entries/000.p/5"}},
		{256, []string{"/log/checkpoint", "/log/tile/0/000", "/log/tile/entries/000"}},
		{600, []string{"/log/checkpoint", "/log/tile/0/000", "/log/tile/entries/000", "/log/tile/0/002.p/88", "/log/tile/entries/002.p/88"}},
		{512, []string{"/log/checkpoint", "/log/tile/0/000", "/log/tile/entries/000", "/log/tile/0/001", "/log/tile/entries/001"}},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range logFiles(en, tt.size) {
			got = append(got, f.Path)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("size %d: %v, want %v", tt.size, got, tt.want)
		}
	}
}

func mustVerifier(t *testing.T, vkey string) note.Verifier {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var (
	descriptionRe = regexp.MustCompile(`<meta name="description" content="([^"]*)">`)
	titleRe       = regexp.MustCompile(`<title>([^<]*)</title>`)
)

// TestMetaDescriptions checks that every page describes itself, in its own
// language, with <meta name="description"> (Lighthouse's meta-description
// audit): not empty, the catalogue's text for the page, naming the system
// or framework on their pages, and translated.
func TestMetaDescriptions(t *testing.T) {
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Version > 1 })
	pages := []struct{ path, key string }{
		{"/", "meta.home"}, {"/search", "meta.search"}, {"/search?q=credit", "meta.search"},
		{"/systems/" + sys.ID, "meta.system"}, {"/systems/" + sys.ID + "/diff", "meta.diff"},
		{"/frameworks", "meta.frameworks"}, {"/frameworks/kr", "meta.framework"}, {"/transparency", "meta.log"},
		{"/portal", "meta.portal"}, {"/nowhere", "meta.error"}, {"/search?country=XX", "meta.error"},
	}
	english := map[string]string{}
	for _, lang := range uiLocales { // English first
		l := locales[lang]
		for _, pg := range pages {
			_, body := tn.get(t, nil, pg.path, lang)
			ds := descriptionRe.FindAllStringSubmatch(body, -1)
			if len(ds) != 1 {
				t.Errorf("%s %s: %d descriptions, want 1", lang, pg.path, len(ds))
				continue
			}
			got := html.UnescapeString(ds[0][1])
			title, _, _ := strings.Cut(html.UnescapeString(titleRe.FindStringSubmatch(body)[1]), " · ")
			if want := l.T(pg.key, "name", title); got != want || len(strings.TrimSpace(got)) < 30 {
				t.Errorf("%s %s: description %q, want %q", lang, pg.path, got, want)
			}
			if strings.Contains(en(pg.key), "{name}") && !strings.Contains(got, title) {
				t.Errorf("%s %s: description %q does not name %q", lang, pg.path, got, title)
			}
			if lang == "en" {
				english[pg.path] = got
			} else if got == english[pg.path] {
				t.Errorf("%s %s: description is the English one", lang, pg.path)
			}
		}
	}
	// Signed in, the form describes itself too.
	c := tn.client(t)
	tn.signIn(t, c, tn.Token)
	if _, body := tn.get(t, c, "/portal/new", "zh-Hans"); !strings.Contains(body, `<meta name="description" content="`+html.EscapeString(locales["zh-Hans"].T("meta.portal"))+`">`) {
		t.Error("the filing form has no Chinese description")
	}
}

// en returns the English catalogue's raw text for a key.
func en(key string) string { return locales["en"].msgs[key].text }

// TestDiffScopeFields: a change of who files, where it is established,
// where the output is used or what an "other" domain is shows in the
// version comparison.
func TestDiffScopeFields(t *testing.T) {
	if err := Ready(); err != nil {
		t.Fatal(err)
	}
	l := locales["en"]
	a := accord.Filing{Domains: []string{"other"}, OtherDomain: "Beekeeping", DeploymentCountries: []string{"US"}}
	b := a
	b.OtherDomain, b.Roles, b.EstablishedIn, b.OutputUsedIn = "Beekeeping advice", []string{"provider"}, []string{"US"}, []string{"DE"}
	got := map[string]change{}
	for _, c := range diffFilings(l, a, b) {
		got[c.Label] = c
	}
	if c := got[l.T("field.other_domain")]; c.Before != "Beekeeping" || c.After != "Beekeeping advice" {
		t.Errorf("other_domain change: %+v", c)
	}
	if c := got[l.T("field.roles")]; len(c.Added) != 1 || c.Added[0] != "Provider" {
		t.Errorf("roles change: %+v", c)
	}
	if c := got[l.T("field.output_used_in")]; len(c.Added) != 1 || c.Added[0] != l.CountryName("DE") {
		t.Errorf("output_used_in change: %+v", c)
	}
	if _, ok := got[l.T("field.established_in")]; !ok {
		t.Errorf("no established_in change in %v", got)
	}
}

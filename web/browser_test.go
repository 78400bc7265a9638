package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/tlog"
)

// The browser tests drive Debian's Chromium against a real node over HTTP.
// Without Chromium they skip, except in CI (CI=true), where they fail.
// ACCORD_CHROMIUM names the browser binary when it is not on $PATH.

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ACCORD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "Chromium not found: install it (apt-get install -y chromium) or set ACCORD_CHROMIUM to run the browser tests"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser starts one headless Chromium for a test, with a fresh profile
// and no network beyond the test node.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return ctx
}

// tab opens a tab with its own cookies (a fresh browser context), and
// collects what the page writes to the console: the tests fail on
// script errors and Content-Security-Policy violations.
func tab(t *testing.T, b context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	var mu sync.Mutex
	var problems []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Refused to") {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("browser console: %s", p)
		}
	})
	return ctx
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		shot(t, ctx, "failure-"+sanitize(t.Name()))
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		shot(t, ctx, "failure-"+sanitize(t.Name()))
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// setLanguage switches the UI language with the switcher, as a reader would.
func setLanguage(t *testing.T, ctx context.Context, code string) {
	t.Helper()
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`.langs button[value="`+code+`"]`)),
		chromedp.WaitReady(chromedp.CSS(`html[lang="`+code+`"]`)),
	)
}

// searchFor types a query into a search box and waits until the results
// page of that very query has loaded. The page before it may list hits too
// (/search browses everything), and waiting for "a hit" there, then
// clicking it, would click a node the navigation has just thrown away
// (CDP: "Could not find node with given id").
func searchFor(t *testing.T, ctx context.Context, input, query string) {
	t.Helper()
	run(t, ctx, chromedp.SendKeys(chromedp.CSS(input), query+kb.Enter))
	waitForQuery(t, ctx, "q", query)
}

// waitForQuery waits until the page that has loaded is one whose URL has
// the query parameter key set to value: after a form is sent, what was on
// the page before may match any selector the new page will show.
func waitForQuery(t *testing.T, ctx context.Context, key, value string) {
	t.Helper()
	k, _ := json.Marshal(key)
	v, _ := json.Marshal(value)
	expr := `document.readyState === "complete" && new URLSearchParams(location.search).get(` + string(k) + `) === ` + string(v)
	var err error
	for range 10 {
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second)))
		// The poll runs in the page being left, which the navigation
		// destroys under it: ask again in the new one.
		if err == nil || !navigating(err) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("the page of %s=%q: %v", key, value, err)
	}
}

// axeScript is axe-core's script (web/testdata, npm ci), read once.
var axeScript = sync.OnceValues(func() ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", "node_modules", "axe-core", "axe.min.js"))
})

// needAxe ends a test that needs axe-core when it is not installed: a
// failure in CI, a skip elsewhere.
func needAxe(t *testing.T) {
	t.Helper()
	if _, err := axeScript(); err != nil {
		msg := "axe-core not installed: run `npm ci` in web/testdata"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// axeCheck runs axe-core on the page in ctx and fails the test on every
// serious or critical violation (the others are logged). Every
// capability's browser test uses it, so the rule is one rule.
func axeCheck(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	needAxe(t)
	axe, _ := axeScript()
	var err error
	for range 10 {
		_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](string(axe)))
		// A page still being left when the check starts: inject again
		// into the one that replaced it.
		if err == nil || !navigating(err) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("%s: inject axe-core: %v", name, err)
	}
	type violation struct {
		ID, Impact, Help string
		Nodes            int
		Target           []any
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({ID: v.id, Impact: v.impact || '', Help: v.help, Nodes: v.nodes.length, Target: v.nodes[0] ? v.nodes[0].target : []})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe.run: %v", name, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			target, _ := json.Marshal(v.Target)
			t.Errorf("%s: %s violation %s (%s) on %d nodes, e.g. %s", name, v.Impact, v.ID, v.Help, v.Nodes, target)
		} else {
			t.Logf("%s: %s violation %s (%s)", name, v.Impact, v.ID, v.Help)
		}
	}
}

// navigating reports whether a CDP error says the page went away under the
// command (a navigation), so the command should be sent again.
func navigating(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context") || strings.Contains(msg, "navigated or closed")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func sanitize(s string) string { return unsafeName.ReplaceAllString(s, "_") }

// shot saves a full-page screenshot as a test artefact.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join(testnode.ArtifactsDir(), "web")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

func TestBrowserSearch(t *testing.T) {
	b := browser(t)
	tn := demoNode(t)
	tests := []struct {
		lang, query, count, hit string
	}{
		{"en", "credit", "found", "Score"},
		{"ar", "بصيرة", "عُثر على نظامين", "بصيرة"},
		{"zh-Hans", "推荐", "共找到", "澜启资讯"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			ctx := tab(t, b)
			run(t, ctx, chromedp.Navigate(tn.URL+"/"))
			if tt.lang != "en" {
				setLanguage(t, ctx, tt.lang)
			}
			shot(t, ctx, tt.lang+"-home")
			searchFor(t, ctx, "#home-q", tt.query)
			run(t, ctx, chromedp.WaitVisible(chromedp.CSS("ol.hits li.hit")))
			if got := text(t, ctx, "#results-h"); !strings.Contains(got, tt.count) {
				t.Errorf("result count %q lacks %q", got, tt.count)
			}
			if got := text(t, ctx, "ol.hits"); !strings.Contains(got, tt.hit) {
				t.Errorf("results lack %q", tt.hit)
			}
			if got := eval[string](t, ctx, `document.documentElement.lang`); got != tt.lang {
				t.Errorf("page language %q", got)
			}
			shot(t, ctx, tt.lang+"-search")
		})
	}
}

func TestBrowserSystemClassification(t *testing.T) {
	b := browser(t)
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Level == "high" && s.TradeName["en"] != "" })
	for _, lang := range []string{"en", "ar", "zh-Hans"} {
		t.Run(lang, func(t *testing.T) {
			ctx := tab(t, b)
			run(t, ctx, chromedp.Navigate(tn.URL+"/search"))
			if lang != "en" {
				setLanguage(t, ctx, lang)
			}
			name := strings.TrimSuffix(sys.TradeName["en"], " (fictional)")
			searchFor(t, ctx, "#q", name)
			run(t, ctx,
				chromedp.WaitVisible(chromedp.CSS(`ol.hits li.hit h3 a[href="/systems/`+sys.ID+`"]`)),
				chromedp.Click(chromedp.CSS(`ol.hits li.hit h3 a[href="/systems/`+sys.ID+`"]`)),
				chromedp.WaitVisible(chromedp.CSS("#classification")),
			)
			l := locales[lang]
			cls := text(t, ctx, "#classification")
			for _, w := range []string{l.T("class.summary"), l.T("level.high"), l.T("class.fired")} {
				if !strings.Contains(cls, strings.TrimSuffix(w, ":")) {
					t.Errorf("classification lacks %q", w)
				}
			}
			// The facts behind a fired rule open on demand.
			run(t, ctx,
				chromedp.Click(chromedp.CSS("#classification li.rule details summary")),
				chromedp.WaitVisible(chromedp.CSS("#classification li.rule details[open] dl.facts-read")),
			)
			if got := text(t, ctx, "#obligations"); got == "" {
				t.Error("no obligations checklist")
			}
			shot(t, ctx, lang+"-system")
		})
	}
}

// TestBrowserLawChanges: an EU high-risk system's classification page says,
// in every language, which version of the law it applies, when its duties
// start, and which of them Regulation (EU) 2026/1744 moved, with the
// amending article cited.
func TestBrowserLawChanges(t *testing.T) {
	b := browser(t)
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Tiers["eu-ai-act"] == "high" })
	was, now := time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC), time.Date(2027, 12, 2, 0, 0, 0, 0, time.UTC)
	inForce := time.Date(2026, 7, 27, 0, 0, 0, 0, time.UTC)
	for _, lang := range []string{"en", "fr", "es", "ru", "zh-Hans", "ar"} {
		t.Run(lang, func(t *testing.T) {
			ctx := tab(t, b)
			run(t, ctx,
				chromedp.Navigate(tn.URL+"/systems/"+sys.ID+"?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS("#classification .law")),
			)
			l := locales[lang]
			law := text(t, ctx, "#classification .law")
			for _, w := range []string{
				l.T("class.law"),
				l.T("class.law.applied", "instrument", string(l.Cite("Regulation (EU) 2026/1744", "")), "date", l.Date(inForce)),
				l.T("class.law.next"),
				l.T("class.law.changes"),
				l.T("class.law.kind.moved"),
				l.T("class.law.moved", "was", l.Date(was), "now", l.Date(now)),
				string(l.Cite("Regulation (EU) 2026/1744 Art. 1(40)(b)", "")),
				l.Date(now),
			} {
				if !strings.Contains(law, w) {
					t.Errorf("the law view lacks %q:\n%s", w, law)
				}
			}
			// Art. 9 is among the duties that moved, cited the reader's way.
			moved := text(t, ctx, "#classification .law ul.law-moved")
			if !strings.Contains(moved, string(l.Cite("Art. 9", "eu-ai-act"))) {
				t.Errorf("moved duties lack Art. 9: %s", moved)
			}
			if got := eval[int](t, ctx, `document.querySelectorAll('#classification .law-next time[datetime="2027-12-02"]').length`); got != 1 {
				t.Errorf("%d next-date entries for 2 December 2027, want 1", got)
			}
			shot(t, ctx, lang+"-law-changes")
		})
	}
}

// TestBrowserRightToLeft switches to Arabic and checks that the page reads
// right to left: the document's direction, and the layout mirrored
// (navigation starts at the right, headings align right).
func TestBrowserRightToLeft(t *testing.T) {
	b := browser(t)
	tn := demoNode(t)
	ctx := tab(t, b)
	type boxes struct {
		Dir                string
		First, Last, Brand [2]float64 // left, right
		H1, Main           [2]float64
		Width              float64
	}
	measure := func() boxes {
		return eval[boxes](t, ctx, `(() => {
			const r = el => { const b = el.getBoundingClientRect(); return [b.left, b.right]; };
			const items = document.querySelectorAll('#nav > li');
			const main = document.querySelector('main');
			const cs = getComputedStyle(main);
			const mb = main.getBoundingClientRect();
			return {
				Dir: getComputedStyle(document.body).direction,
				First: r(items[0]), Last: r(items[items.length - 1]), Brand: r(document.querySelector('.brand')),
				H1: r(document.querySelector('main h1')),
				Main: [mb.left + parseFloat(cs.paddingLeft), mb.right - parseFloat(cs.paddingRight)],
				Width: document.documentElement.clientWidth,
			};
		})()`)
	}
	run(t, ctx, chromedp.Navigate(tn.URL+"/search"))
	en := measure()
	if en.Dir != "ltr" || !(en.First[0] < en.Last[0]) || en.Brand[0] > en.Width/2 {
		t.Errorf("English layout is not left to right: %+v", en)
	}
	setLanguage(t, ctx, "ar")
	if got := eval[string](t, ctx, `document.documentElement.dir`); got != "rtl" {
		t.Fatalf(`dir = %q, want "rtl"`, got)
	}
	ar := measure()
	if ar.Dir != "rtl" {
		t.Errorf("body direction %q", ar.Dir)
	}
	if !(ar.First[1] > ar.Last[1]) {
		t.Errorf("navigation's first item is not right of its last: first %v, last %v", ar.First, ar.Last)
	}
	if ar.Brand[1] < ar.Width/2 {
		t.Errorf("the site name is not on the right: %v of %v", ar.Brand, ar.Width)
	}
	if d := ar.Main[1] - ar.H1[1]; d < -1 || d > 1 {
		t.Errorf("the heading does not align right: heading %v, content %v", ar.H1, ar.Main)
	}
	if d := en.H1[0] - en.Main[0]; d < -1 || d > 1 {
		t.Errorf("the English heading does not align left: heading %v, content %v", en.H1, en.Main)
	}
	// The choice is remembered across pages.
	run(t, ctx, chromedp.Navigate(tn.URL+"/frameworks"))
	if got := eval[string](t, ctx, `document.documentElement.dir`); got != "rtl" {
		t.Errorf("the next page is not in Arabic: dir %q", got)
	}
	shot(t, ctx, "ar-frameworks")
	setLanguage(t, ctx, "en")
	if got := eval[string](t, ctx, `document.documentElement.dir`); got != "ltr" {
		t.Errorf("back in English: dir %q", got)
	}
}

// TestBrowserFiling signs in as a provider and files a system through the
// form, in French: a bad country code is shown next to its field, in
// French, with what was typed kept; once fixed, the system is filed.
func TestBrowserFiling(t *testing.T) {
	b := browser(t)
	tn := demoNode(t)
	ctx := tab(t, b)
	run(t, ctx, chromedp.Navigate(tn.URL+"/portal"))
	setLanguage(t, ctx, "fr")
	run(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#token"), tn.Token),
		chromedp.Click(chromedp.CSS(`form.signin button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/portal/new"]`)),
	)
	if got := eval[bool](t, ctx, `document.cookie.includes("accord_session")`); got {
		t.Error("the session cookie is readable by scripts")
	}
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href="/portal/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-trade_name-fr")),
		chromedp.SendKeys(chromedp.CSS("#f-trade_name-fr"), "Trieur navigateur (fictif)"),
		chromedp.SendKeys(chromedp.CSS("#f-intended_purpose-fr"), "Classe les candidatures pour un recruteur, qui décide."),
		chromedp.SendKeys(chromedp.CSS("#f-system_version"), "1.0"),
		chromedp.Click(chromedp.CSS(`[id="f-domains-employment.recruitment"]`)),
		chromedp.Click(chromedp.CSS(`[id="f-domains-other"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-deployment_countries"), "FR uk"),
		// Who the law reaches (EU AI Act Art. 2(1)): a provider established in
		// the United States whose rankings are used in Germany.
		chromedp.Click(chromedp.CSS(`[id="f-roles-provider"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-established_in"), "US"),
		chromedp.SendKeys(chromedp.CSS("#f-output_used_in"), "DE"),
		chromedp.Click(chromedp.CSS(`#f-facts-not_ai_system-no`)),
		chromedp.Click(chromedp.CSS(`#f-facts-free_open_source-no`)),
		chromedp.Click(chromedp.CSS(`#f-facts-profiling-yes`)),
		chromedp.Click(chromedp.CSS(`button[value="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#error-summary")),
	)
	// The scope questions are asked with their legal definitions, in French.
	if got := text(t, ctx, `label[for="f-output_used_in"]`); !strings.Contains(got, "sorties") {
		t.Errorf("label of output_used_in = %q, want the French question", got)
	}
	if got := text(t, ctx, "#f-facts-not_ai_system-hint"); !strings.Contains(got, "art. 3, point 1") {
		t.Errorf("hint of not_ai_system = %q, want the definition of Art. 3(1)", got)
	}
	// "Other" without its description is refused next to the description.
	if got := text(t, ctx, "#f-other_domain-err"); !strings.Contains(got, "Autre") {
		t.Errorf("error next to other_domain = %q, want the French message", got)
	}
	run(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-other_domain"), "Tri de candidatures saisonnières"))
	msg := text(t, ctx, "#f-deployment_countries-err")
	if !strings.Contains(msg, "GB") || !strings.Contains(msg, "Royaume-Uni") {
		t.Errorf("error next to the countries field = %q, want the French message about GB", msg)
	}
	type place struct {
		SameField           bool
		ErrBottom, InputTop float64
		Value, Invalid      string
	}
	p := eval[place](t, ctx, `(() => {
		const e = document.getElementById('f-deployment_countries-err'), i = document.getElementById('f-deployment_countries');
		return {SameField: e.closest('.field') === i.closest('.field'), ErrBottom: e.getBoundingClientRect().bottom,
			InputTop: i.getBoundingClientRect().top, Value: i.value, Invalid: i.getAttribute('aria-invalid') || ''};
	})()`)
	if !p.SameField || p.InputTop-p.ErrBottom > 40 || p.InputTop < p.ErrBottom-1 {
		t.Errorf("the error is not next to its field: %+v", p)
	}
	if p.Value != "FR uk" || p.Invalid != "true" {
		t.Errorf("the field lost what was typed or is not marked invalid: %+v", p)
	}
	shot(t, ctx, "fr-form-error")
	// The summary's link takes the keyboard to the field.
	run(t, ctx, chromedp.Click(chromedp.CSS(`#error-summary a[href="#f-deployment_countries"]`)))
	run(t, ctx,
		chromedp.Clear(chromedp.CSS("#f-deployment_countries")),
		chromedp.SendKeys(chromedp.CSS("#f-deployment_countries"), "FR DE"),
		chromedp.Click(chromedp.CSS(`button[value="preview"]`)),
		chromedp.WaitVisible(chromedp.CSS("#preview-h")),
	)
	if got := text(t, ctx, ".preview"); !strings.Contains(got, "Règlement européen sur l’intelligence artificielle") && !strings.Contains(got, "Règlement européen sur l'intelligence artificielle") {
		t.Errorf("the preview does not classify under the EU AI Act: %.200q", got)
	}
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`button[value="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".system-head .notice")),
	)
	if got := text(t, ctx, ".system-head .notice"); !strings.Contains(got, "Déclaration enregistrée") {
		t.Errorf("notice after filing = %q", got)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "Tri de candidatures saisonnières") || !strings.Contains(got, "Fournisseur") || !strings.Contains(got, "Allemagne") {
		t.Errorf("the system page does not show the other domain, the role and where the output is used: %.400q", got)
	}
	// The filer is a provider: the checklist says which duties are its own.
	if got := text(t, ctx, ".filer-yes"); !strings.Contains(got, "vous incombe") {
		t.Errorf("no obligation is marked as the filer's: %q", got)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "/systems/sys_") {
		t.Errorf("after filing the browser is at %s", loc)
	}
	// The new record's receipt checks out in the browser too.
	waitReceipt(t, ctx, "ok")
}

// waitReceipt waits for the receipt badge to reach a final state.
func waitReceipt(t *testing.T, ctx context.Context, want string) string {
	t.Helper()
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS("#receipt-status")))
	var state string
	var err error
	for range 3 {
		state, err = chromedp.Run(ctx, chromedp.Poll[string](`(() => { const s = document.getElementById('receipt-status').dataset.state; return s === 'ok' || s === 'fail' ? s : null; })()`, chromedp.WithPollingTimeout(20*time.Second)))
		// Right after a navigation the poll may pick the old page's
		// execution context; ask again.
		if err == nil || !strings.Contains(err.Error(), "Cannot find context") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		shot(t, ctx, "failure-"+sanitize(t.Name()))
		t.Fatalf("receipt badge never settled: %v", err)
	}
	if state != want {
		t.Errorf("receipt badge state %q (%q), want %q", state, text(t, ctx, "#receipt-status"), want)
	}
	return text(t, ctx, "#receipt-status")
}

// TestBrowserReceipt checks the receipt badge: a genuine receipt is
// "verified by your browser"; a tampered one, served by a proxy that
// rewrites the page, fails with the reason.
func TestBrowserReceipt(t *testing.T) {
	b := browser(t)
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Version > 1 })
	for _, lang := range []string{"en", "ar"} {
		t.Run("valid-"+lang, func(t *testing.T) {
			ctx := tab(t, b)
			run(t, ctx, chromedp.Navigate(tn.URL+"/systems/"+sys.ID))
			if lang != "en" {
				setLanguage(t, ctx, lang)
			}
			got := waitReceipt(t, ctx, "ok")
			if want := locales[lang].T("receipt.ok"); !strings.Contains(got, want) {
				t.Errorf("badge %q lacks %q", got, want)
			}
			shot(t, ctx, lang+"-receipt")
		})
	}
	flip := func(s string, i int) string { // change one base64 character
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	tampers := []struct {
		name, part string
		mutate     func(rd *receiptData, page string) string
	}{
		{"proof hash", "proof", func(rd *receiptData, page string) string {
			lines := strings.Split(rd.Proof, "\n")
			lines[2] = flip(lines[2], 5) // the first hash of the audit path
			rd.Proof = strings.Join(lines, "\n")
			return page
		}},
		{"entry", "record", func(rd *receiptData, page string) string {
			rd.Entry = strings.Replace(rd.Entry, `"version":`+fmt.Sprint(rd.Version), `"version":`+fmt.Sprint(rd.Version+7), 1)
			return page
		}},
		{"entry bytes", "proof", func(rd *receiptData, page string) string {
			rd.Entry = strings.Replace(rd.Entry, `"type":"system.`, `"type":"system. `, 1)
			return page
		}},
		{"signature", "signature", func(rd *receiptData, page string) string {
			i := strings.LastIndex(rd.Proof, " ") + 10
			rd.Proof = flip(rd.Proof, i)
			return page
		}},
		{"root hash", "signature", func(rd *receiptData, page string) string {
			cp := strings.Index(rd.Proof, "\n\n") + 2
			lines := strings.SplitN(rd.Proof[cp:], "\n", 4)
			lines[2] = flip(lines[2], 3)
			rd.Proof = rd.Proof[:cp] + strings.Join(lines, "\n")
			return page
		}},
		{"another log's key on the page", "signature", func(rd *receiptData, page string) string {
			return swapKey(t, rd, page, otherKey)
		}},
		{"malformed key on the page", "key", func(rd *receiptData, page string) string {
			return swapKey(t, rd, page, "test.accord.local/log+00000000+AQ"+strings.Repeat("A", 42))
		}},
	}
	for _, tt := range tampers {
		t.Run("tampered "+tt.name, func(t *testing.T) {
			srv := tamperServer(t, tn, tt.mutate)
			ctx := tab(t, b)
			run(t, ctx, chromedp.Navigate(srv.URL+"/systems/"+sys.ID))
			got := waitReceipt(t, ctx, "fail")
			if !strings.Contains(got, locales["en"].T("receipt.fail")) || strings.Contains(got, locales["en"].T("receipt.ok")) {
				t.Errorf("badge %q", got)
			}
			part := eval[string](t, ctx, `document.getElementById('receipt-status').dataset.part`)
			if part != tt.part {
				t.Errorf("failed part %q, want %q", part, tt.part)
			}
			if tt.name == "proof hash" {
				shot(t, ctx, "en-receipt-tampered")
			}
		})
	}
}

// otherKey is a well-formed key of a log with the same name as the test
// node's: it signed nothing the node serves.
var otherKey = func() string {
	_, vkey, err := tlog.GenerateKey("test.accord.local/log")
	if err != nil {
		panic(err)
	}
	return vkey
}()

// swapKey shows another node key on the page and in the receipt data.
func swapKey(t *testing.T, rd *receiptData, page, key string) string {
	old := strings.ReplaceAll(rd.Key, "+", "&#43;")
	if !strings.Contains(page, old) {
		t.Errorf("the page does not show the node key %s", rd.Key)
	}
	rd.Key = key
	return strings.ReplaceAll(page, old, strings.ReplaceAll(key, "+", "&#43;"))
}

var receiptDataRe = regexp.MustCompile(`(?s)(<script type="application/json" id="receipt-data">)(.*?)(</script>)`)

// tamperServer serves the node's pages with the receipt rewritten.
func tamperServer(t *testing.T, tn *testNode, mutate func(*receiptData, string) string) *httptest.Server {
	t.Helper()
	inner := tn.Server.Config.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Accept-Encoding")
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		body := rec.Body.String()
		if m := receiptDataRe.FindStringSubmatch(body); m != nil {
			var rd receiptData
			if err := json.Unmarshal([]byte(m[2]), &rd); err == nil {
				body = mutate(&rd, body)
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf) // escapes <, > and & as the template does
				enc.Encode(rd)
				body = receiptDataRe.ReplaceAllLiteralString(body, m[1]+strings.TrimSpace(buf.String())+m[3])
			}
		}
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestBrowserKeyboard checks the skip link and that tabbing through the
// filing form moves on at every step (no keyboard trap) and reaches the
// submit button.
func TestBrowserKeyboard(t *testing.T) {
	b := browser(t)
	tn := demoNode(t)
	ctx := tab(t, b)
	run(t, ctx, chromedp.Navigate(tn.URL+"/"), chromedp.KeyEvent(kb.Tab))
	if got := eval[string](t, ctx, `document.activeElement.className`); got != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}
	if vis := eval[bool](t, ctx, `document.activeElement.getBoundingClientRect().top >= 0`); !vis {
		t.Error("the focused skip link is off screen")
	}
	outline := eval[string](t, ctx, `getComputedStyle(document.activeElement).outlineStyle`)
	if outline == "none" {
		t.Error("the focused skip link shows no focus outline")
	}
	run(t, ctx, chromedp.KeyEvent(kb.Enter))
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "main" {
		t.Errorf("the skip link moves focus to %q, want main", got)
	}

	run(t, ctx, chromedp.Navigate(tn.URL+"/portal"),
		chromedp.SendKeys(chromedp.CSS("#token"), tn.Token+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/portal/new"]`)),
		chromedp.Navigate(tn.URL+"/portal/new"),
	)
	seen := map[string]bool{}
	prev := ""
	reached := false
	for i := range 400 {
		run(t, ctx, chromedp.KeyEvent(kb.Tab))
		// Number each element the first time it gets focus, to tell them apart.
		id := eval[string](t, ctx, `(() => { const a = document.activeElement; if (!a.dataset.kbd) { window.kbdCount = (window.kbdCount || 0) + 1; a.dataset.kbd = window.kbdCount; } return a.tagName + ':' + a.dataset.kbd + '=' + (a.getAttribute('value') || ''); })()`)
		if id == prev {
			t.Fatalf("focus stuck on %s after %d Tabs", id, i)
		}
		prev = id
		if seen[id] && len(seen) > 3 {
			t.Fatalf("focus came back to %s after %d Tabs without reaching the submit button", id, i)
		}
		seen[id] = true
		if strings.HasPrefix(id, "BUTTON") && strings.HasSuffix(id, "=submit") {
			reached = true
			break
		}
	}
	if !reached {
		t.Errorf("tabbing through the form never reached the submit button (%d stops)", len(seen))
	}
}

// TestBrowserAccessibility runs axe-core on every page, in English and in
// Arabic, and fails on any serious or critical violation.
func TestBrowserAccessibility(t *testing.T) {
	needAxe(t)
	b := browser(t)
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Version > 1 && s.Level == "high" })
	pages := []string{"/", "/search", "/search?q=credit&country=FR", "/systems/" + sys.ID, "/systems/" + sys.ID + "/diff",
		"/frameworks", "/frameworks/eu-ai-act", "/transparency", "/portal", "/nowhere", "/search?country=XX"}
	check := axeCheck
	for _, lang := range []string{"en", "ar"} {
		t.Run(lang, func(t *testing.T) {
			ctx := tab(t, b)
			run(t, ctx, chromedp.Navigate(tn.URL+"/"))
			if lang != "en" {
				setLanguage(t, ctx, lang)
			}
			for _, p := range pages {
				run(t, ctx, chromedp.Navigate(tn.URL+p))
				check(t, ctx, lang+" "+p)
			}
			for _, u := range fedPages(t) {
				run(t, ctx, chromedp.Navigate(u))
				check(t, ctx, lang+" "+u)
			}
			// The portal's pages, signed in: the form, and the form with problems.
			run(t, ctx, chromedp.Navigate(tn.URL+"/portal"),
				chromedp.SendKeys(chromedp.CSS("#token"), tn.Token+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(`a[href="/portal/new"]`)))
			check(t, ctx, lang+" /portal (signed in)")
			run(t, ctx, chromedp.Navigate(tn.URL+"/portal/new"))
			check(t, ctx, lang+" /portal/new")
			shot(t, ctx, lang+"-form")
			run(t, ctx,
				chromedp.SendKeys(chromedp.CSS("#f-deployment_countries"), "EU"),
				chromedp.Click(chromedp.CSS(`button[value="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS("#error-summary")))
			check(t, ctx, lang+" /portal/new with problems")
		})
	}
}

// TestBrowserScreenshots saves the main pages in English, Arabic and
// Chinese as test artefacts (ACCORD_ARTIFACTS, default test-artifacts/).
func TestBrowserScreenshots(t *testing.T) {
	b := browser(t)
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Version > 1 && s.Level == "high" })
	for _, lang := range []string{"en", "ar", "zh-Hans"} {
		ctx := tab(t, b)
		run(t, ctx, chromedp.Navigate(tn.URL+"/"))
		if lang != "en" {
			setLanguage(t, ctx, lang)
		}
		for name, p := range map[string]string{"home": "/", "search-all": "/search", "system-full": "/systems/" + sys.ID, "diff": "/systems/" + sys.ID + "/diff", "frameworks": "/frameworks", "framework-kr": "/frameworks/kr", "transparency": "/transparency", "portal": "/portal", "not-found": "/nowhere"} {
			run(t, ctx, chromedp.Navigate(tn.URL+p))
			if name == "system-full" {
				waitReceipt(t, ctx, "ok")
			}
			shot(t, ctx, lang+"-"+name)
		}
		f := federatedNode(t)
		for name, p := range map[string]string{"members": "/members", "search-foreign": "/search?q=savannah", "system-foreign": "/systems/" + f.Foreign[0]} {
			run(t, ctx, chromedp.Navigate(f.URL+p))
			if name == "system-foreign" {
				waitReceipt(t, ctx, "ok") // checked in the browser with the home's key
			}
			shot(t, ctx, lang+"-"+name)
		}
	}
	t.Logf("screenshots in %s", filepath.Join(testnode.ArtifactsDir(), "web"))
}

// narrowWidth is the screen width of the narrowest phones in use, in CSS pixels.
const narrowWidth = 360

// narrowPages are the pages a phone must show without sideways
// scrolling: one of each kind, with the longest content the demo has.
func narrowPages(t *testing.T, tn *testNode) []string {
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Version > 1 && s.Level == "high" })
	return []string{"/", "/search?q=credit", "/systems/" + sys.ID, "/systems/" + sys.ID + "/diff", "/frameworks", "/frameworks/eu-ai-act",
		"/frameworks/us-co", "/transparency", "/portal", "/nowhere"}
}

// TestBrowserNarrow loads every kind of page at 360 CSS pixels, the width
// of the narrowest phones in use, in all six languages: no page may be
// wider than the screen, and an Arabic page must open at its start (on
// the right), not on an empty overflow. The filing form is checked signed
// in.
func TestBrowserNarrow(t *testing.T) {
	b := browser(t)
	tn := demoNode(t)
	pages := narrowPages(t, tn)
	type fit struct {
		ScrollWidth, InnerWidth, ScrollX float64
		H1Left, H1Right                  float64
		Wide                             []string // elements that reach past the screen, for the message
	}
	measure := func(t *testing.T, ctx context.Context, name string) {
		t.Helper()
		f := eval[fit](t, ctx, `(() => {
			const d = document.documentElement, h1 = document.querySelector('main h1').getBoundingClientRect();
			const wide = [...document.querySelectorAll('main *, header *, footer *')].filter(e => {
				const r = e.getBoundingClientRect();
				return r.width > 0 && (r.right > innerWidth + 1 || r.left < -1) && !e.closest('.scroll-x');
			}).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().width) + 'px');
			return {ScrollWidth: d.scrollWidth, InnerWidth: innerWidth, ScrollX: scrollX, H1Left: h1.left, H1Right: h1.right, Wide: wide};
		})()`)
		// A mobile browser zooms out to show a page wider than the screen,
		// so the window (innerWidth) grows with the page: compare with the
		// screen.
		if f.ScrollWidth > narrowWidth || f.InnerWidth > narrowWidth {
			shot(t, ctx, "narrow-"+sanitize(name))
			t.Errorf("%s: page is %v px wide on a %d px screen (window %v px; too wide: %v)", name, f.ScrollWidth, narrowWidth, f.InnerWidth, f.Wide)
		}
		if f.ScrollX != 0 || f.H1Left < -1 || f.H1Right > narrowWidth+1 {
			t.Errorf("%s: the page does not open at its start: scrollX %v, heading at %v–%v of %d", name, f.ScrollX, f.H1Left, f.H1Right, narrowWidth)
		}
	}
	for _, lang := range uiLocales {
		t.Run(lang, func(t *testing.T) {
			ctx := tab(t, b)
			run(t, ctx, chromedp.EmulateViewport(narrowWidth, 780, chromedp.EmulateMobile, chromedp.EmulatePortrait), chromedp.Navigate(tn.URL+"/"))
			if lang != "en" {
				setLanguage(t, ctx, lang)
			}
			for _, p := range pages {
				run(t, ctx, chromedp.Navigate(tn.URL+p))
				measure(t, ctx, lang+" "+p)
			}
			// The federation's pages, on a node with a peer and an alarm
			// (the language choice is a cookie of the host: it holds).
			for _, u := range fedPages(t) {
				run(t, ctx, chromedp.Navigate(u))
				measure(t, ctx, lang+" "+u)
			}
			run(t, ctx, chromedp.Navigate(tn.URL+"/portal"),
				chromedp.SendKeys(chromedp.CSS("#token"), tn.Token+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(`a[href="/portal/new"]`)))
			measure(t, ctx, lang+" /portal (signed in)")
			run(t, ctx, chromedp.Navigate(tn.URL+"/portal/new"))
			measure(t, ctx, lang+" /portal/new")
			if lang == "ar" || lang == "zh-Hans" {
				shot(t, ctx, "narrow-"+lang+"-form")
			}
		})
	}
}

// TestBrowserRightToLeftDetails checks the smaller points of the Arabic
// layout: the arrow from a rule to its outcome points the way Arabic reads
// (towards the tier, on its left); a date in the search results stays on
// one line; and no label of a home-page chart is cut short.
func TestBrowserRightToLeftDetails(t *testing.T) {
	b := browser(t)
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Level == "high" })
	type arrow struct {
		Found                 bool
		Glyph                 string
		ArrowLeft, TierLeft   float64
		ArrowRight, TierRight float64
	}
	for _, lang := range []string{"en", "ar"} {
		t.Run(lang, func(t *testing.T) {
			ctx := tab(t, b)
			run(t, ctx, chromedp.EmulateViewport(narrowWidth, 780, chromedp.EmulateMobile, chromedp.EmulatePortrait), chromedp.Navigate(tn.URL+"/"))
			if lang != "en" {
				setLanguage(t, ctx, lang)
			}
			// The arrow, on a system page and on a framework page.
			for _, p := range []string{"/systems/" + sys.ID, "/frameworks/eu-ai-act"} {
				run(t, ctx, chromedp.Navigate(tn.URL+p))
				a := eval[arrow](t, ctx, `(() => {
					const o = document.querySelector('li.rule .outcome');
					if (!o) return {Found: false};
					// The tier's first box: a long tier may go on to the next line.
					const ar = o.querySelector('.arrow').getBoundingClientRect(), ti = o.querySelector('.tier').getClientRects()[0];
					return {Found: true, Glyph: o.querySelector('.arrow').textContent,
						ArrowLeft: ar.left, ArrowRight: ar.right, TierLeft: ti.left, TierRight: ti.right};
				})()`)
				switch {
				case !a.Found:
					t.Errorf("%s %s: no rule outcome (li.rule .outcome with .arrow and .tier)", lang, p)
				case lang == "ar" && (a.Glyph != "←" || a.TierRight > a.ArrowLeft+1):
					t.Errorf("%s %s: the arrow is not mirrored towards the tier on its left: %+v", lang, p, a)
				case lang == "en" && (a.Glyph != "→" || a.TierLeft < a.ArrowRight-1):
					t.Errorf("%s %s: the arrow does not point right at the tier: %+v", lang, p, a)
				}
			}
			// Dates in search results are one line each.
			run(t, ctx, chromedp.Navigate(tn.URL+"/search"))
			// A date mixing scripts is several boxes (one per direction run):
			// on one line they share their top.
			broken := eval[[]string](t, ctx, `[...document.querySelectorAll('.hit time')].filter(e => new Set([...e.getClientRects()].map(r => Math.round(r.top))).size > 1).map(e => e.textContent)`)
			if n := eval[int](t, ctx, `document.querySelectorAll('.hit time').length`); n == 0 {
				t.Errorf("%s: no dates in the search results", lang)
			}
			if len(broken) > 0 {
				shot(t, ctx, "dates-"+lang)
				t.Errorf("%s: dates broken across lines: %q", lang, broken)
			}
			// Every chart label says its whole name and fits its box.
			run(t, ctx, chromedp.Navigate(tn.URL+"/"))
			type label struct {
				Text, Full string
				Clipped    bool
			}
			labels := eval[[]label](t, ctx, `[...document.querySelectorAll('figure.chart')].flatMap(f => {
				const full = [...new Set([...f.querySelectorAll('.chartdata tbody tr td:first-child')].map(td => td.textContent.trim()))];
				const shown = [...f.querySelectorAll('.bar-label, svg text.lab')];
				return full.map((name, i) => {
					const e = shown[i];
					if (!e) return {Text: '', Full: name, Clipped: true};
					const r = e.getBoundingClientRect(), fr = f.getBoundingClientRect();
					return {Text: e.textContent.trim(), Full: name,
						Clipped: e.scrollWidth > e.clientWidth + 1 || r.left < fr.left - 1 || r.right > fr.right + 1 || r.width === 0};
				});
			})`)
			if len(labels) < 10 {
				t.Errorf("%s: only %d chart labels", lang, len(labels))
			}
			for _, lb := range labels {
				if lb.Text != lb.Full || lb.Clipped {
					t.Errorf("%s: chart label %q shows %q (clipped %v)", lang, lb.Full, lb.Text, lb.Clipped)
				}
			}
		})
	}
}

package web

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserGovernance: the rule-making pages in a real Chromium pass
// axe-core (no serious or critical violation) in English and Arabic, and
// fit a 360 px screen in all six languages.
func TestBrowserGovernance(t *testing.T) {
	axe, err := os.ReadFile(filepath.Join("testdata", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		msg := "axe-core not installed: run `npm ci` in web/testdata"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	b := browser(t)
	tn, id := governanceNode(t)
	pages := []string{"/governance", "/governance/proposals/" + id}
	type violation struct {
		ID, Impact, Help string
		Nodes            int
	}
	type fit struct{ ScrollWidth, InnerWidth float64 }
	for _, lang := range uiLocales {
		t.Run(lang, func(t *testing.T) {
			ctx := tab(t, b)
			run(t, ctx, chromedp.EmulateViewport(narrowWidth, 780, chromedp.EmulateMobile, chromedp.EmulatePortrait), chromedp.Navigate(tn.URL+"/"))
			if lang != "en" {
				setLanguage(t, ctx, lang)
			}
			for _, p := range pages {
				run(t, ctx, chromedp.Navigate(tn.URL+p))
				f := eval[fit](t, ctx, `({ScrollWidth: document.documentElement.scrollWidth, InnerWidth: innerWidth})`)
				if f.ScrollWidth > narrowWidth || f.InnerWidth > narrowWidth {
					shot(t, ctx, "narrow-"+sanitize(lang+p))
					t.Errorf("%s %s: %v px wide on a %d px screen", lang, p, f.ScrollWidth, narrowWidth)
				}
				if lang != "en" && lang != "ar" {
					continue
				}
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](string(axe))); err != nil {
					t.Fatalf("inject axe-core: %v", err)
				}
				vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({ID: v.id, Impact: v.impact || '', Help: v.help, Nodes: v.nodes.length})))`, chromedp.EvalAwaitPromise))
				if err != nil {
					t.Fatalf("axe.run: %v", err)
				}
				for _, v := range vs {
					if v.Impact == "serious" || v.Impact == "critical" {
						t.Errorf("%s %s: %s violation %s (%s) on %d nodes", lang, p, v.Impact, v.ID, v.Help, v.Nodes)
					}
				}
				shot(t, ctx, "governance-"+sanitize(lang+p))
			}
		})
	}
}

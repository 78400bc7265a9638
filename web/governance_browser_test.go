package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserGovernance: the rule-making pages in a real Chromium pass
// axe-core (no serious or critical violation) in English and Arabic, and
// fit a 360 px screen in all six languages.
func TestBrowserGovernance(t *testing.T) {
	needAxe(t)
	b := browser(t)
	tn, id := governanceNode(t)
	for i := 0; i < 200; i++ { // the impact preview, computed in the background
		if _, body := tn.get(t, nil, "/governance/proposals/"+id, "en"); strings.Contains(body, "impact-chart-cap") {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	pages := []string{"/governance", "/governance/proposals/" + id}
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
					// Name the widest innermost elements, so the failure says where
					// to look.
					wide := eval[[]string](t, ctx, `[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().width > 340 && ![...e.children].some(c => c.getBoundingClientRect().width > 340)).slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().width) + ' ' + JSON.stringify(e.textContent.trim().slice(0, 60)))`)
					t.Errorf("%s %s: %v px wide on a %d px screen; outside it: %v", lang, p, f.ScrollWidth, narrowWidth, wide)
				}
				if lang != "en" && lang != "ar" {
					continue
				}
				axeCheck(t, ctx, lang+" "+p)
				shot(t, ctx, "governance-"+sanitize(lang+p))
			}
		})
	}
}

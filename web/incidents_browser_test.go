package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserIncidents drives a real Chromium over the incident pages: the
// report form shows the deadlines as the reporter types the awareness time
// (static/incident.js), and every incident page passes axe-core with no
// serious or critical violation, in English and Arabic.
func TestBrowserIncidents(t *testing.T) {
	needAxe(t)
	b := browser(t)
	in := startIncidentNode(t)
	v := in.file(t, in.Token, in.report(time.Now().Add(-time.Hour).Truncate(time.Second)))

	// The deadline appears as the awareness time is typed.
	ctx := tab(t, b)
	run(t, ctx, chromedp.Navigate(in.URL+"/incidents/new?system="+in.system))
	aware := time.Now().UTC().Add(-10 * time.Minute).Format("2006-01-02T15:04")
	run(t, ctx,
		chromedp.SetValue(chromedp.CSS("#f-cn_grade"), "major"),
		chromedp.SetValue(chromedp.CSS("#f-cn_operator"), "other"),
		chromedp.SetValue(chromedp.CSS("#f-aware"), aware),
		chromedp.SendKeys(chromedp.CSS("#f-countries"), "CN"), // typing fires the form's input events
	)
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := eval[string](t, ctx, `(document.querySelector('#deadline-preview .live') || {}).textContent || ''`)
		if strings.Contains(s, "国家网络安全事件报告管理办法") {
			break
		}
		if time.Now().After(deadline) {
			shot(t, ctx, "failure-incident-live-deadline")
			t.Fatalf("the live deadline did not appear: %q", s)
		}
		time.Sleep(100 * time.Millisecond)
	}

	check := axeCheck
	for _, lang := range []string{"en", "ar"} {
		t.Run(lang, func(t *testing.T) {
			ctx := tab(t, b)
			run(t, ctx, chromedp.Navigate(in.URL+"/"))
			if lang != "en" {
				setLanguage(t, ctx, lang)
			}
			for _, p := range []string{"/incidents", "/incidents/" + v.Report.Incident, "/incidents/new?system=" + in.system} {
				run(t, ctx, chromedp.Navigate(in.URL+p))
				check(t, ctx, lang+" "+p)
			}
			run(t, ctx, chromedp.Navigate(in.URL+"/portal"),
				chromedp.SendKeys(chromedp.CSS("#token"), in.authority+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(`form[action="/portal/signout"]`)))
			for _, p := range []string{"/incidents/deadlines", "/incidents/" + v.Report.Incident} {
				run(t, ctx, chromedp.Navigate(in.URL+p))
				check(t, ctx, lang+" "+p+" (authority)")
			}
			shot(t, ctx, lang+"-incident")
			// The reporter's form for the next version.
			pctx := tab(t, b)
			run(t, pctx, chromedp.Navigate(in.URL+"/"))
			if lang != "en" {
				setLanguage(t, pctx, lang)
			}
			run(t, pctx, chromedp.Navigate(in.URL+"/portal"),
				chromedp.SendKeys(chromedp.CSS("#token"), in.Token+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(`form[action="/portal/signout"]`)),
				chromedp.Navigate(in.URL+"/incidents/reports/"+v.Report.ID+"/version"))
			check(t, pctx, lang+" the next version's form")
		})
	}
}

package web

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/accord-gov/accord"
)

func TestScratchShots(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	b := browser(t)
	tn := demoNode(t)
	sys := tn.systemWith(t, func(s accord.SystemSummary) bool { return s.Level == "high" })
	for _, lang := range []string{"ar", "zh-Hans", "fr"} {
		ctx := tab(t, b)
		run(t, ctx, chromedp.EmulateViewport(900, 900), chromedp.Navigate(tn.URL+"/systems/"+sys.ID+"?lang="+lang))
		png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("#classification section.framework")))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile("/tmp/shots/cls-"+lang+".png", png, 0o644)
		run(t, ctx, chromedp.Navigate(tn.URL+"/portal/new"))
	}
}

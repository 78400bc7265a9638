package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// resNode is the shared demo node served with the catalogue's pages, and
// a catalogue: a model, a compute offer with an LDC waiver, a need from
// Malawi.
type resNode struct {
	*testNode
	URL                string
	Model, Offer, Need string
	Caller             *registry.Caller
}

var (
	resShared *resNode
	resOnce   sync.Once
)

func resourcesNode(t *testing.T) *resNode {
	t.Helper()
	tn := demoNode(t)
	resOnce.Do(func() {
		ctx := context.Background()
		h := New(Config{Registry: tn.Registry, VerifierKey: tn.VerifierKey, Resources: tn.Node.Resources})
		srv := httptest.NewServer(h) // the UI alone: the node's handler is served once, by demoNode
		rn := &resNode{testNode: tn, URL: srv.URL}
		c, err := tn.Registry.Authenticate(ctx, tn.Token)
		if err != nil {
			t.Fatal(err)
		}
		rn.Caller = c
		m, err := tn.Node.Resources.Publish(ctx, c, accord.ResourceFiling{
			Kind: "model", Title: accord.Text{"en": "Swahili speech recognition", "fr": "Reconnaissance vocale du swahili", "ar": "التعرف على الكلام السواحيلي"},
			Description: accord.Text{"en": "An open speech-recognition model for Swahili."},
			Licence:     "Apache-2.0", Languages: []string{"sw"}, Countries: []string{"KE", "TZ"},
			Model: &accord.ModelDetails{Parameters: 300000000, Modalities: []string{"audio"}, OSAID: &accord.OSAID{Status: "claimed", DataInformation: true, Code: true, Parameters: true}},
			Terms: accord.AccessTerms{Mode: "open", Fee: accord.FeeTerms{Standard: "free"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		o, err := tn.Node.Resources.Publish(ctx, c, accord.ResourceFiling{
			Kind: "compute", Title: accord.Text{"en": "GPU-hours for fine-tuning"},
			Licence:     "LicenseRef-offer-terms",
			LicenceRefs: []accord.LicenceRef{{ID: "LicenseRef-offer-terms", Name: "Offer terms", SHA256: strings.Repeat("0f", 32)}},
			Compute:     &accord.ComputeDetails{Accelerator: "NVIDIA H100", GPUHours: 20000, Region: "ZA"},
			Terms: accord.AccessTerms{Mode: "on_request", Excluded: []string{"FR"}, Fee: accord.FeeTerms{Standard: "paid", Amount: "USD 2 per GPU-hour",
				Waivers: []accord.Waiver{{Group: accord.GroupLDC, Percent: 100}, {Group: accord.GroupLowOrLowerMiddle, Percent: 50}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := tn.Node.Resources.PostNeed(ctx, c, accord.NeedFiling{Kind: "compute", Title: accord.Text{"en": "GPU-hours for a Chichewa speech model"}, Country: "MW", Sector: "academia", FreeOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		rn.Model, rn.Offer, rn.Need = m.ID, o.ID, n.ID
		resShared = rn
	})
	if resShared == nil {
		t.Fatal("the catalogue's node did not start")
	}
	return resShared
}

func (rn *resNode) get(t *testing.T, c *http.Client, path, lang string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", rn.URL+path, nil)
	req.Header.Set("Accept-Language", lang)
	return do(t, c, req)
}

// TestResourcePagesInEveryLanguage: the catalogue's pages answer in the six
// languages with no missing string, search by eligibility finds the LDC
// waiver for Malawi, and each page with its assets stays under 200 KB.
func TestResourcePagesInEveryLanguage(t *testing.T) {
	rn := resourcesNode(t)
	pages := []string{"/resources", "/resources?kind=compute", "/resources?free_for=MW&sector=academia", "/resources?q=swahili&osaid=true",
		"/resources/" + rn.Model, "/resources/" + rn.Offer + "?country=MW&sector=academia", "/needs", "/needs/" + rn.Need}
	for _, lang := range uiLocales {
		for _, p := range pages {
			resp, body := rn.get(t, nil, p, lang)
			if resp.StatusCode != 200 {
				t.Fatalf("%s %s: %d\n%s", lang, p, resp.StatusCode, body)
			}
			if !strings.Contains(body, `<html lang="`+lang+`"`) {
				t.Errorf("%s %s: not in %s", lang, p, lang)
			}
			if m := missingKey.FindString(body); m != "" {
				t.Errorf("%s %s: missing string %s", lang, p, m)
			}
			if !strings.Contains(body, locales[lang].T("nav.resources")) {
				t.Errorf("%s %s: no navigation link", lang, p)
			}
		}
	}
	_, body := rn.get(t, nil, "/resources?free_for=MW&sector=academia", "en")
	if !strings.Contains(body, rn.Offer) || !strings.Contains(body, "Free of charge for this requester") {
		t.Errorf("free for Malawi lacks the LDC waiver offer:\n%s", body)
	}
	_, body = rn.get(t, nil, "/resources?free_for=KE", "en")
	if strings.Contains(body, rn.Offer) {
		t.Errorf("Kenya is not an LDC but the offer is listed free")
	}
	_, body = rn.get(t, nil, "/resources/"+rn.Offer+"?country=FR", "fr")
	if !strings.Contains(body, locales["fr"].T("res.elig.not_usable")) {
		t.Errorf("France is excluded: %s", body)
	}
	_, body = rn.get(t, nil, "/needs/"+rn.Need, "en")
	if !strings.Contains(body, "/resources/"+rn.Offer) {
		t.Errorf("the need page does not suggest the offer")
	}
	for _, p := range []string{"/resources?free_for=Malawi", "/resources?colour=red", "/resources/" + rn.Offer + "?country=XX"} {
		if resp, _ := rn.get(t, nil, p, "en"); resp.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", p, resp.StatusCode)
		}
	}
	if resp, _ := rn.get(t, nil, "/resources/res_nonesuch", "en"); resp.StatusCode != 404 {
		t.Errorf("unknown resource: %d", resp.StatusCode)
	}
	// Light pages: each with its assets (uncompressed here: the node's
	// handler, which compresses, serves the demo node).
	worst := 0
	for _, p := range pages {
		for _, lang := range []string{"en", "ar"} {
			tn := &testNode{URL: rn.URL}
			f := fetchSize(t, tn, p, lang)
			total := f.wire
			for _, a := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(f.body, -1) {
				total += fetchSize(t, tn, a[1], lang).wire
			}
			if total > 200*1024 {
				t.Errorf("%s %s weighs %d bytes, over the 200 KB budget", lang, p, total)
			}
			worst = max(worst, total)
		}
	}
	t.Logf("heaviest catalogue page with its assets: %.1f KB transferred", float64(worst)/1024)
}

// TestNeedForm: a signed-in member posts a need from the portal form and
// lands on its page with the offer suggested; a bad country is shown
// against its field and nothing is posted.
func TestNeedForm(t *testing.T) {
	rn := resourcesNode(t)
	c := rn.client(t)
	tn := &testNode{URL: rn.URL}
	if resp, _ := tn.get(t, c, "/portal/needs/new", "en"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the form without a session: %d", resp.StatusCode)
	}
	tn.signIn(t, c, rn.Token)
	resp, body := tn.get(t, c, "/portal/needs/new", "fr")
	if resp.StatusCode != 200 || !strings.Contains(body, locales["fr"].T("res.nf.submit")) {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	resp, body = tn.post(t, c, "/portal/needs/new", "fr", url.Values{"kind": {"compute"}, "title": {"Heures GPU"}, "country": {"Malawi"}, "sector": {"academia"}})
	if resp.StatusCode != 422 || !strings.Contains(body, `href="#country"`) {
		t.Fatalf("bad country: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = tn.post(t, c, "/portal/needs/new", "fr", url.Values{"kind": {"compute"}, "title": {"Heures GPU pour un modèle vocal"}, "country": {"MW"}, "sector": {"academia"}, "free_only": {"on"}, "gpu_hours": {"1000"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/needs/need_") {
		t.Fatalf("post: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = tn.get(t, c, resp.Header.Get("Location"), "fr")
	if !strings.Contains(body, "Heures GPU pour un modèle vocal") || !strings.Contains(body, "/resources/"+rn.Offer) {
		t.Errorf("the posted need's page: %s", body)
	}
}

// TestBrowserResources drives the catalogue in Chromium: filter what a
// university in Malawi can use for free, open the offer, check Kenya's
// eligibility, in English and in Arabic (right to left), with axe-core on
// every page.
func TestBrowserResources(t *testing.T) {
	rn := resourcesNode(t)
	b := browser(t)
	needAxe(t)
	check := axeCheck
	for _, lang := range []string{"en", "ar"} {
		t.Run(lang, func(t *testing.T) {
			ctx := tab(t, b)
			run(t, ctx, chromedp.Navigate(rn.URL+"/resources"))
			if lang != "en" {
				setLanguage(t, ctx, lang)
			}
			check(t, ctx, lang+" /resources")
			run(t, ctx,
				chromedp.SendKeys(chromedp.CSS("#free_for"), "MW"),
				chromedp.SetValue(chromedp.CSS("#sector"), "academia"),
				chromedp.Click(chromedp.CSS(".facet-form button[type=submit]")))
			// The unfiltered list shows the offer too: wait for the filtered page.
			waitForQuery(t, ctx, "free_for", "MW")
			run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`a[href="/resources/`+rn.Offer+`"]`)))
			check(t, ctx, lang+" /resources?free_for=MW")
			if got := text(t, ctx, ".hits .eligibility"); !strings.Contains(got, locales[lang].T("res.elig.free")) {
				t.Errorf("eligibility shown: %q", got)
			}
			if lang == "ar" && eval[string](t, ctx, `getComputedStyle(document.body).direction`) != "rtl" {
				t.Error("the Arabic page is not right to left")
			}
			run(t, ctx,
				chromedp.Click(chromedp.CSS(`a[href="/resources/`+rn.Offer+`"]`)),
				chromedp.WaitVisible(chromedp.CSS("#country")))
			check(t, ctx, lang+" resource page")
			run(t, ctx,
				chromedp.SendKeys(chromedp.CSS("#country"), "KE"+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(".eligibility[role=status]")))
			if got := text(t, ctx, ".eligibility[role=status]"); !strings.Contains(got, locales[lang].T("res.elig.discounted", "p", 50)) {
				t.Errorf("Kenya's eligibility: %q", got)
			}
			shot(t, ctx, lang+"-resource")
			run(t, ctx, chromedp.Navigate(rn.URL+"/needs/"+rn.Need), chromedp.WaitVisible(chromedp.CSS("#sug-h")))
			check(t, ctx, lang+" need page")
		})
	}
}

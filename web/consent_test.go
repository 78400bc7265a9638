package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/consent"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/registry"
)

// consentNode is a node of its own with the consent pages, a provider, a
// system and its notice (in the six languages).
func consentNode(t *testing.T) (*testNode, string) {
	t.Helper()
	ctx := context.Background()
	n, err := node.Open(ctx, node.Config{DataDir: t.TempDir(), Origin: "consent.accord.local/log"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	tn := &testNode{Node: n}
	tn.Web = New(Config{Registry: n.Registry, VerifierKey: n.VerifierKey, Consent: n.Consent})
	tn.Server = httptest.NewServer(n.Handler(node.HTTPOptions{Web: tn.Web}))
	t.Cleanup(tn.Server.Close)
	tn.URL = tn.Server.URL
	p, err := n.Registry.RegisterOrganization(ctx, registry.Operator(), accord.NewOrganization{Name: accord.Text{"en": "Lumen Hiring (fictional)", "fr": "Lumen Recrutement (fictif)"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	tn.Provider, tn.Token = p.Organization, p.Token.Secret
	c, err := n.Registry.Authenticate(ctx, p.Token.Secret)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	v, err := n.Registry.FileSystem(ctx, c, registry.FileRequest{Filing: accord.Filing{
		TradeName:     accord.Text{"en": "Lumen Screener", "fr": "Lumen Présélection", "es": "Lumen Preselección", "zh-Hans": "流明筛选", "ar": "لومن للفرز", "ru": "Люмен Отбор"},
		SystemVersion: "1", Status: "active", IntendedPurpose: accord.Text{"en": "Screens job applications."},
		Domains: []string{"employment.recruitment"}, DeploymentCountries: []string{"FR", "CN"}, Facts: accord.Facts{InteractsWithNaturalPersons: &yes}}})
	if err != nil {
		t.Fatal(err)
	}
	title := accord.Text{"en": "Training the model", "fr": "Entraînement du modèle", "es": "Entrenamiento del modelo", "zh-Hans": "训练模型", "ar": "تدريب النموذج", "ru": "Обучение модели"}
	_, err = n.Consent.PublishNotice(ctx, c, v.ID, accord.NewConsentNotice{
		Jurisdictions: []string{"EU"},
		Text: accord.Text{"en": "We train our model on applications.", "fr": "Nous entraînons notre modèle sur les candidatures.", "es": "Entrenamos nuestro modelo con las solicitudes.",
			"zh-Hans": "我们使用申请材料训练模型。", "ar": "ندرّب نموذجنا على الطلبات.", "ru": "Мы обучаем модель на заявках."},
		Purposes: []accord.ConsentPurpose{
			{ID: "training", DPV: "accord:TrainingOfAISystem", LegalBasis: accord.BasisConsent, DataCategories: []string{"pd:EmploymentHistory", "pd:Education"}, Title: title},
			{ID: "improvement", DPV: "dpv:ServiceOptimisation", LegalBasis: accord.BasisLegitimateInterest, DataCategories: []string{"pd:UsageData"},
				Title: accord.Text{"en": "Improving the service", "fr": "Amélioration du service", "es": "Mejora del servicio", "zh-Hans": "改进服务", "ar": "تحسين الخدمة", "ru": "Улучшение сервиса"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tn, v.ID
}

func (tn *testNode) provider(t *testing.T) *registry.Caller {
	c, err := tn.Registry.Authenticate(context.Background(), tn.Token)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestConsentPages: both pages in every language, and a person's whole
// path over plain HTTP: make a key, grant, withdraw, object, export,
// erase, with the provider's check following each step.
func TestConsentPages(t *testing.T) {
	tn, sys := consentNode(t)
	for _, code := range uiLocales {
		for _, p := range []string{"/consent", "/consent?country=FR", "/consent/me"} {
			resp, body := tn.get(t, nil, p, code)
			if resp.StatusCode != 200 {
				t.Fatalf("%s %s: %d", code, p, resp.StatusCode)
			}
			l := locales[code]
			want := []string{`lang="` + code + `"`, l.T("nav.consent")}
			if p == "/consent" {
				want = append(want, l.T("consent.heading"), l.Pick(accord.Text{"en": "Training the model", "fr": "Entraînement du modèle", "es": "Entrenamiento del modelo", "zh-Hans": "训练模型", "ar": "تدريب النموذج", "ru": "Обучение модели"}).Text, l.T("consent.basis.dpv:Consent"))
			}
			if code == "ar" {
				want = append(want, `dir="rtl"`)
			}
			for i, w := range want {
				if i > 0 && !strings.HasPrefix(w, "dir=") {
					w = htmlEscape(w)
				}
				if !strings.Contains(body, w) {
					t.Errorf("%s %s lacks %q", code, p, w)
				}
			}
		}
	}
	if resp, _ := tn.get(t, nil, "/consent?nope=1", "en"); resp.StatusCode != 400 {
		t.Errorf("an unknown parameter: %d", resp.StatusCode)
	}
	if _, body := tn.get(t, nil, "/consent?country=US", "en"); strings.Contains(body, "Lumen Screener") {
		t.Errorf("a system for the EU is listed for the US")
	}

	c := tn.client(t)
	resp, body := tn.post(t, c, "/consent/me/new", "fr", url.Values{})
	if resp.StatusCode != 200 || !strings.Contains(body, htmlEscape(locales["fr"].T("consent.me.new_key"))) {
		t.Fatalf("new key: %d", resp.StatusCode)
	}
	key := between(body, `id="new-key">`, "<")
	check := func(purpose string) accord.ConsentDecision {
		t.Helper()
		d, err := tn.Consent.Check(context.Background(), tn.provider(t), accord.ConsentCheck{System: sys, Purpose: purpose, Subject: "key:" + key}, "")
		if err != nil {
			t.Fatal(err)
		}
		return *d
	}
	if d := check("training"); d.Allow {
		t.Fatalf("before the grant: %+v", d)
	}
	_, body = tn.get(t, c, "/consent/me", "fr")
	if !strings.Contains(body, htmlEscape(locales["fr"].T("consent.grant"))) || !strings.Contains(body, "Lumen Présélection") {
		t.Fatalf("the page of a person with a key lacks the grant button")
	}
	form := func(action, purpose string) url.Values {
		return url.Values{"system": {sys}, "purpose": {purpose}, "action": {action}, "notice_version": {"1"}, "language": {"fr"}, "separate": {"1"}}
	}
	if resp, _ := tn.post(t, c, "/consent/me/events", "fr", form("grant", "training")); resp.StatusCode != 303 {
		t.Fatalf("grant: %d", resp.StatusCode)
	}
	if d := check("training"); !d.Allow {
		t.Fatalf("after the grant: %+v", d)
	}
	_, body = tn.get(t, c, "/consent/me", "fr")
	if !strings.Contains(body, htmlEscape(locales["fr"].T("consent.withdraw"))) || !strings.Contains(body, htmlEscape(locales["fr"].T("consent.narrow"))) {
		t.Errorf("after the grant the page offers no withdrawal or narrowing")
	}
	narrow := form("narrow", "training")
	narrow["data"] = []string{"pd:Education"}
	if resp, _ := tn.post(t, c, "/consent/me/events", "fr", narrow); resp.StatusCode != 303 {
		t.Fatalf("narrow: %d", resp.StatusCode)
	}
	if d, err := tn.Consent.Check(context.Background(), tn.provider(t), accord.ConsentCheck{System: sys, Purpose: "training", Subject: "key:" + key, Data: "pd:EmploymentHistory"}, ""); err != nil || d.Allow || d.Reason != accord.ReasonOutsideGrant {
		t.Fatalf("a category the narrowing left out: %+v, %v", d, err)
	}
	delete(narrow, "data")
	if resp, _ := tn.post(t, c, "/consent/me/events", "fr", narrow); resp.StatusCode != 400 {
		t.Errorf("a narrowing to nothing: %d", resp.StatusCode)
	}
	if resp, _ := tn.post(t, c, "/consent/me/events", "fr", form("withdraw", "training")); resp.StatusCode != 303 {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	if d := check("training"); d.Allow || d.Reason != accord.ReasonWithdrawn {
		t.Fatalf("after the withdrawal: %+v", d)
	}
	if resp, _ := tn.post(t, c, "/consent/me/events", "fr", form("object", "improvement")); resp.StatusCode != 303 {
		t.Fatalf("object: %d", resp.StatusCode)
	}
	if d := check("improvement"); d.Allow {
		t.Fatalf("after the objection: %+v", d)
	}
	// A refused grant gets a page in the reader's language naming the field.
	resp, body = tn.post(t, c, "/consent/me/events", "es", form("grant", "nosuch"))
	if resp.StatusCode != 400 || !strings.Contains(body, htmlEscape(locales["es"].T("consent.refused"))) || !strings.Contains(body, "purpose") {
		t.Errorf("a refused grant: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", tn.URL+"/consent/me/receipts", nil)
	resp, body = do(t, c, req)
	rs, err := consent.ParseReceipts([]byte(body))
	if resp.StatusCode != 200 || err != nil || len(rs) != 4 {
		t.Fatalf("receipts: %d %v %d", resp.StatusCode, err, len(rs))
	}
	for _, rc := range rs {
		if err := consent.VerifyReceipt(rc, tn.Consent.VerifierKey(), tn.VerifierKey); err != nil {
			t.Errorf("receipt %s: %v", rc.ConsentReceiptID, err)
		}
	}
	if resp, _ := tn.post(t, c, "/consent/me/erase", "ru", url.Values{}); resp.StatusCode != 400 {
		t.Errorf("an unconfirmed erasure: %d", resp.StatusCode)
	}
	if resp, _ := tn.post(t, c, "/consent/me/erase", "ru", url.Values{"confirm": {"1"}}); resp.StatusCode != 303 {
		t.Fatalf("erase: %d", resp.StatusCode)
	}
	if d := check("improvement"); d.Allow || d.Reason != accord.ReasonErased {
		t.Errorf("after the erasure: %+v", d)
	}
	// A parent decides for a child: under France's age a guardian's grant
	// counts; for a sixteen-year-old it is refused, in the reader's language.
	child := tn.client(t)
	_, body = tn.post(t, child, "/consent/me/new", "es", url.Values{})
	childKey := between(body, `id="new-key">`, "<")
	if !strings.Contains(body, htmlEscape(locales["es"].T("consent.guardian"))) {
		t.Errorf("the page offers no guardian's grant")
	}
	g := form("grant", "training")
	g["role"], g["age"], g["country"] = []string{"guardian"}, []string{"16"}, []string{"FR"}
	resp, body = tn.post(t, child, "/consent/me/events", "es", g)
	if resp.StatusCode != 400 || !strings.Contains(body, htmlEscape(locales["es"].T("consent.refused.guardian-for-adult"))) {
		t.Errorf("a guardian for a sixteen-year-old in France: %d", resp.StatusCode)
	}
	g["age"] = []string{"12"}
	if resp, _ := tn.post(t, child, "/consent/me/events", "es", g); resp.StatusCode != 303 {
		t.Fatalf("a guardian's grant: %d", resp.StatusCode)
	}
	if d, err := tn.Consent.Check(context.Background(), tn.provider(t), accord.ConsentCheck{System: sys, Purpose: "training", Subject: "key:" + childKey}, ""); err != nil || !d.Allow {
		t.Errorf("after the guardian's grant: %+v, %v", d, err)
	}
	// Cross-origin posts are refused.
	req, _ = http.NewRequest("POST", tn.URL+"/consent/me/events", strings.NewReader(form("grant", "training").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := do(t, c, req); resp.StatusCode != 403 {
		t.Errorf("a cross-site post: %d", resp.StatusCode)
	}
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// TestBrowserConsent: in a real Chromium, in French and in Arabic, a
// person finds the system, makes a key, grants with one click and
// withdraws with one click; the provider's check denies from that moment.
func TestBrowserConsent(t *testing.T) {
	b := browser(t)
	tn, sys := consentNode(t)
	for _, lang := range []string{"fr", "ar", "zh-Hans"} {
		t.Run(lang, func(t *testing.T) {
			ctx := tab(t, b)
			run(t, ctx, chromedp.Navigate(tn.URL+"/"))
			setLanguage(t, ctx, lang)
			l := locales[lang]
			run(t, ctx,
				chromedp.Click(chromedp.CSS(`nav a[href="/consent"]`)),
				chromedp.WaitVisible(chromedp.CSS("#s-"+sys)),
			)
			if got := text(t, ctx, "#s-"+sys+" h3"); !strings.Contains(got, l.Pick(accord.Text{"fr": "Lumen Présélection", "ar": "لومن للفرز", "zh-Hans": "流明筛选", "en": "Lumen Screener"}).Text) {
				t.Errorf("the system's name in %s: %q", lang, got)
			}
			shot(t, ctx, lang+"-consent")
			run(t, ctx,
				chromedp.Click(chromedp.CSS(`#s-`+sys+` a[href^="/consent/me"]`)),
				chromedp.WaitVisible(chromedp.CSS(`form[action="/consent/me/new"] button`)),
				chromedp.Click(chromedp.CSS(`form[action="/consent/me/new"] button`)),
				chromedp.WaitVisible(chromedp.CSS("#new-key")),
			)
			key := text(t, ctx, "#new-key")
			decide := func() accord.ConsentDecision {
				d, err := tn.Consent.Check(context.Background(), tn.provider(t), accord.ConsentCheck{System: sys, Purpose: "training", Subject: "key:" + key}, "")
				if err != nil {
					t.Fatal(err)
				}
				return *d
			}
			grant := `#p-` + sys + `-training button[data-purpose="training"]`
			run(t, ctx, chromedp.Click(chromedp.CSS(grant)), chromedp.WaitVisible(chromedp.CSS(`#p-`+sys+`-training .consent-state.allowed`)))
			if d := decide(); !d.Allow {
				t.Fatalf("after one click on the grant: %+v", d)
			}
			if got := text(t, ctx, grant); !strings.Contains(got, l.T("consent.withdraw")) {
				t.Errorf("the button after the grant reads %q, want %q", got, l.T("consent.withdraw"))
			}
			shot(t, ctx, lang+"-consent-me")
			run(t, ctx, chromedp.Click(chromedp.CSS(grant)), chromedp.WaitVisible(chromedp.CSS(`#p-`+sys+`-training .consent-state.denied`)))
			if d := decide(); d.Allow || d.Reason != accord.ReasonWithdrawn {
				t.Fatalf("after one click on the withdrawal: %+v", d)
			}
			if got := text(t, ctx, "table.consent-history"); !strings.Contains(got, l.T("consent.action.withdraw")) {
				t.Errorf("the history lacks the withdrawal: %q", got)
			}
			if dir := eval[string](t, ctx, `document.documentElement.dir`); (lang == "ar") != (dir == "rtl") {
				t.Errorf("direction %q in %s", dir, lang)
			}
			// The page fits a 360 px screen.
			if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > eval[int](t, ctx, `window.innerWidth`)+1 {
				t.Logf("page wider than the window: %d", w)
			}
			axeCheck(t, ctx, lang+" /consent/me")
			run(t, ctx, chromedp.Navigate(tn.URL+"/consent"))
			axeCheck(t, ctx, lang+" /consent")
		})
	}
}

package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
)

// validForm is a complete, valid filing as the form posts it.
func validForm() url.Values {
	return url.Values{
		"trade_name.en":            {"Testbed Screener (fictional)"},
		"trade_name.fr":            {"Trieur d'essai"},
		"intended_purpose.en":      {"Ranks job applications for a human recruiter, who decides."},
		"system_version":           {"1.0"},
		"status":                   {"active"},
		"domains":                  {"employment.recruitment"},
		"deployment_countries":     {"FR DE"},
		"deployer_kinds":           {"employer"},
		"affected_persons":         {"job_applicants"},
		"facts.profiling":          {"yes"},
		"facts.automated_decision": {"no"},
		"documents.0.kind":         {"model_card"},
		"documents.1.kind":         {"other"},
	}
}

func TestPortalSignIn(t *testing.T) {
	tn := demoNode(t)
	tests := []struct {
		name, token, lang string
		status            int
		want              string
	}{
		{"empty", "", "fr", 401, "Saisissez votre jeton d’API."},
		{"unknown", "accord_nottherealtoken", "ar", 401, "هذا الرمز غير صالح"},
		{"junk", "hello", "en", 401, "not valid on this node"},
		{"deployer", "", "en", 303, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := tt.token
			if tt.name == "deployer" {
				token = tn.Deployer
			}
			c := tn.client(t)
			resp, body := tn.post(t, c, "/portal/signin", tt.lang, url.Values{"token": {token}})
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if !strings.Contains(body, tt.want) {
				t.Errorf("page lacks %q", tt.want)
			}
			if strings.Contains(body, token) && token != "" {
				t.Error("the page echoes the token")
			}
		})
	}
	// A deployer may sign in but not file.
	c := tn.client(t)
	tn.signIn(t, c, tn.Deployer)
	if resp, _ := tn.get(t, c, "/portal/new", "en"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("deployer opens the filing form: status %d", resp.StatusCode)
	}
}

func TestPortalSessionCookie(t *testing.T) {
	tn := demoNode(t)
	c := tn.client(t)
	resp, _ := tn.post(t, c, "/portal/signin", "en", url.Values{"token": {tn.Token}})
	var ck *http.Cookie
	for _, x := range resp.Cookies() {
		if x.Name == sessionCookie {
			ck = x
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Value == tn.Token || strings.Contains(ck.Value, "accord_") {
		t.Fatalf("session cookie = %+v", ck)
	}
	resp, body := tn.get(t, c, "/portal", "en")
	if !strings.Contains(body, "Testbed Provider") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("portal after sign-in: Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	tn.post(t, c, "/portal/signout", "en", nil)
	if _, body := tn.get(t, c, "/portal", "en"); !strings.Contains(body, `name="token"`) {
		t.Error("still signed in after signing out")
	}
	if resp, _ := tn.get(t, c, "/portal/new", "en"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("form without a session: status %d, want a redirect to sign in", resp.StatusCode)
	}
}

// TestFilingForm files through the form: problems are shown next to their
// inputs, in the page's language, with what was typed kept; a valid form
// previews its classification; submitting files it.
func TestFilingForm(t *testing.T) {
	tn := demoNode(t)
	c := tn.client(t)
	tn.signIn(t, c, tn.Token)

	bad := validForm()
	bad.Del("trade_name.en")
	bad.Del("trade_name.fr")
	bad.Set("deployment_countries", "FR uk Atlantis")
	bad.Set("info_url", "ftp://example.org")
	bad.Set("facts.training_compute_flop", "lots")
	bad.Set("documents.0.url", "https://example.org/card.pdf")
	bad.Set("documents.0.sha256", "abc")
	bad.Set("intended_purpose.other_lang", "xx-!!")
	bad.Set("intended_purpose.other_text", "Texte")
	bad.Set("action", "submit")
	resp, body := tn.post(t, c, "/portal/new", "fr", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form: status %d", resp.StatusCode)
	}
	for id, msg := range map[string]string{
		"f-trade_name":                  "Donnez ce texte dans au moins une langue.",
		"f-deployment_countries":        "«\u202fuk\u202f»",
		"f-info_url":                    "Saisissez une adresse web complète",
		"f-facts-training_compute_flop": "Saisissez un nombre",
		"f-documents-0-sha256":          "64 chiffres hexadécimaux",
		"f-intended_purpose-other":      "n’est pas un code de langue",
	} {
		// The message sits inside the input's own block, before the next input.
		re := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `(-err)?"[^>]*>[^<]*` + regexp.QuoteMeta(msg))
		if !re.MatchString(body) && !strings.Contains(body, `<p class="field-error" id="`+id+`-err">`) {
			t.Errorf("no message %q next to #%s", msg, id)
		}
		if !strings.Contains(body, `href="#`+id+`"`) {
			t.Errorf("error summary does not link to #%s", id)
		}
	}
	for _, kept := range []string{`value="FR uk Atlantis"`, `value="ftp://example.org"`, `value="lots"`, `value="xx-!!"`} {
		if !strings.Contains(body, kept) {
			t.Errorf("form does not keep what was typed: %s", kept)
		}
	}
	if !strings.Contains(body, `aria-invalid="true"`) {
		t.Error("invalid inputs are not marked aria-invalid")
	}
	assertNoInlineCode(t, "form with errors", body)

	// A valid form, checked: a preview of the classification, nothing filed.
	before := countProvider(t, tn)
	ok := validForm()
	ok.Set("action", "preview")
	resp, body = tn.post(t, c, "/portal/new", "en", ok)
	if resp.StatusCode != 200 || !strings.Contains(body, "Classification your system would receive") || !strings.Contains(body, "EU AI Act") {
		t.Fatalf("preview: status %d", resp.StatusCode)
	}
	if countProvider(t, tn) != before {
		t.Fatal("a preview filed the system")
	}
	idem := regexp.MustCompile(`name="idem" value="([^"]*)"`).FindStringSubmatch(body)

	// Submitting files it and shows the new record.
	ok.Set("action", "submit")
	if idem != nil {
		ok.Set("idem", idem[1])
	}
	resp, _ = tn.post(t, c, "/portal/new", "en", ok)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/systems/sys_") {
		t.Fatalf("submit: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	loc := resp.Header.Get("Location")
	_, page := tn.get(t, c, loc, "en")
	if !strings.Contains(page, "Filed. This is version 1") || !strings.Contains(page, "Testbed Screener") {
		t.Error("the new system's page does not confirm the filing")
	}
	// The same form posted twice files once.
	if resp, _ := tn.post(t, c, "/portal/new", "en", ok); resp.Header.Get("Location") != loc && idem != nil {
		t.Errorf("a resubmitted form filed again: %s", resp.Header.Get("Location"))
	}

	// Update: the edit form is filled in; a stale ETag is refused.
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/systems/")
	_, edit := tn.get(t, c, "/portal/systems/"+id, "en")
	if !strings.Contains(edit, `value="Testbed Screener (fictional)"`) || !strings.Contains(edit, `name="etag"`) {
		t.Fatal("edit form is not filled in")
	}
	upd := validForm()
	upd.Set("system_version", "1.1")
	upd.Set("etag", accord.SystemETag(id, 1))
	upd.Set("action", "submit")
	resp, _ = tn.post(t, c, "/portal/systems/"+id, "en", upd)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: status %d", resp.StatusCode)
	}
	resp, body = tn.post(t, c, "/portal/systems/"+id, "en", upd) // same ETag again: stale now
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The filing changed since you opened this form") {
		t.Errorf("stale update: status %d", resp.StatusCode)
	}
	// Another organization's system cannot be edited.
	other := tn.systemIDs(t)[len(tn.systemIDs(t))-1]
	if resp, _ := tn.get(t, c, "/portal/systems/"+other, "en"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editing another provider's system: status %d", resp.StatusCode)
	}
}

func countProvider(t *testing.T, tn *testNode) int {
	page, err := tn.Registry.Search(context.Background(), accord.SystemQuery{Provider: tn.Provider.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Systems)
}

// TestNormalizeProblemsLocalised feeds bad filings through Normalize and
// checks that each problem it reports has a message of its own in every
// language (none falls through to the generic one) and lands on an input.
func TestNormalizeProblemsLocalised(t *testing.T) {
	neg := int64(-1)
	nan := -5.0
	long := strings.Repeat("x", 201)
	bad := []accord.Filing{
		{},
		{Status: "withdrawn", TradeName: accord.Text{"en": " "}, Domains: []string{"nope"}, DeploymentCountries: []string{"uk", "UK", "EU", "XX"}},
		{Status: "sold", TradeName: accord.Text{"!!": "x", "EN": "a", "en": "b"}, IntendedPurpose: accord.Text{"en": strings.Repeat("x", accord.MaxTextLen+1)}, SystemVersion: long},
		{Facts: accord.Facts{ParameterCount: &neg, TrainingComputeFLOP: &nan, DeveloperAnnualRevenue: &nan}, Documents: []accord.Document{{Kind: "poem", URL: "ftp://x", SHA256: "zz"}}, InfoURL: "notaurl", Confidential: []string{"trade_name"}},
		{Reference: "\xff", Domains: make([]string, 65), Documents: make([]accord.Document, 33)},
		{InfoURL: "https://example.org/" + strings.Repeat("a", 2000)},
		{Domains: []string{"other"}, Roles: []string{"vendor"}, EstablishedIn: []string{"us"}, OutputUsedIn: []string{"Germany"}},
		{Domains: []string{"agriculture"}, OtherDomain: "Beekeeping"},
	}
	seen := map[string]bool{}
	for _, f := range bad {
		_, err := f.Normalize()
		for _, fe := range fieldErrors(err) {
			for _, code := range uiLocales {
				id, msg := localizeProblem(locales[code], fe, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32})
				if msg == locales[code].T("err.invalid") {
					t.Errorf("%s: no message for %s: %q", code, fe.Field, fe.Message)
				}
				if strings.Contains(msg, "{") || strings.Contains(msg, "[err.") {
					t.Errorf("%s: message for %s not filled in: %q", code, fe.Field, msg)
				}
				if !strings.HasPrefix(id, "f-") {
					t.Errorf("problem %s maps to no input", fe.Field)
				}
			}
			seen[fe.Message] = true
		}
	}
	if len(seen) < 20 {
		t.Errorf("only %d distinct problems exercised", len(seen))
	}
}

func TestInputFor(t *testing.T) {
	tests := []struct{ path, want string }{
		{"trade_name", "f-trade_name"},
		{"trade_name.fr", "f-trade_name-fr"},
		{"trade_name.zh-Hans", "f-trade_name-zh-Hans"},
		{"intended_purpose.de", "f-intended_purpose-other"},
		{"domains[3]", "f-domains"},
		{"deployment_countries[0]", "f-deployment_countries"},
		{"documents[1].url", "f-documents-4-url"},
		{"documents[9].url", "f-documents"},
		{"documents", "f-documents"},
		{"facts.licence", "f-facts-licence"},
		{"confidential[0]", "f-confidential"},
	}
	for _, tt := range tests {
		if got := inputFor(tt.path, []int{0, 4}); got != tt.want {
			t.Errorf("inputFor(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestFactHints: a question that turns on a legal term shows the term's
// definition beside it in every language, and the answer is described by it
// for screen readers (China's "public-opinion attributes", defined by the
// 2018 Security Assessment Provisions, Art. 2).
func TestFactHints(t *testing.T) {
	tn := demoNode(t)
	c := tn.client(t)
	tn.signIn(t, c, tn.Token)
	words := map[string]string{"en": "mini-programs", "fr": "mini-programmes", "es": "miniprogramas", "ru": "мини-программы", "ar": "البرامج المصغّرة", "zh-Hans": "小程序"}
	for _, code := range uiLocales {
		resp, body := tn.get(t, c, "/portal/new", code)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", code, resp.StatusCode)
		}
		id := fieldID("facts.public_opinion_attributes")
		if !strings.Contains(body, `aria-describedby="`+id+`-hint `+id+`-src"`) {
			t.Errorf("%s: the public-opinion question is not described by its hint", code)
		}
		re := regexp.MustCompile(`<p class="hint" id="` + regexp.QuoteMeta(id) + `-hint">([^<]*)</p>`)
		m := re.FindStringSubmatch(body)
		if m == nil || !strings.Contains(html.UnescapeString(m[1]), words[code]) {
			t.Errorf("%s: no definition beside the public-opinion question (got %q)", code, m)
		}
		// Art. 3(1): whether the software is an AI system at all, with the definition.
		ai := fieldID("facts.not_ai_system")
		aiWords := map[string]string{"en": "Art. 3(1)", "fr": "art. 3, point 1", "es": "art. 3, punto 1", "ru": "ст. 3(1)", "ar": "المادة 3(1)", "zh-Hans": "第3条第1项"}
		re = regexp.MustCompile(`<p class="hint" id="` + regexp.QuoteMeta(ai) + `-hint">([^<]*)</p>`)
		if m := re.FindStringSubmatch(body); m == nil || !strings.Contains(html.UnescapeString(m[1]), aiWords[code]) {
			t.Errorf("%s: no definition beside the AI-system question (got %q)", code, m)
		}
		for _, id := range []string{"f-roles", "f-established_in", "f-output_used_in", "f-other_domain", fieldID("facts.free_open_source"), fieldID("facts.annex_i_section_b")} {
			if !strings.Contains(body, `id="`+id+`"`) {
				t.Errorf("%s: the form does not ask %s", code, id)
			}
		}
		if strings.Contains(body, fieldID("facts.profiling")+`-hint`) {
			t.Errorf("%s: a question without a catalogue hint shows one", code)
		}
	}
}

package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/api"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/postgres/pgtest"
)

// These tests hold every door of the API to strict input (issue 11): JSON
// bodies with duplicate or case-variant keys or lone surrogate escapes, text
// with control and bidi characters, links with credentials, and query
// parameters with bytes no store can search. Each bad request must be a 4xx
// problem naming the field, store nothing, and log no error.

func (e *env) logSize() int64 {
	e.t.Helper()
	l, err := e.admin.Log(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return l.Size
}

// withMember inserts a raw member ("name":value) first into a JSON object.
func withMember(obj []byte, member string) []byte {
	return append([]byte("{"+member+","), obj[1:]...)
}

// replace replaces old (which must occur) in a JSON document.
func replace(t *testing.T, doc []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(doc, []byte(old)) {
		t.Fatalf("%s not in %s", old, doc)
	}
	return bytes.Replace(doc, []byte(old), []byte(new), 1)
}

type wantProblemOf struct {
	status int
	code   string
	field  string
	detail string // in the problem's detail
}

func (e *env) check(t *testing.T, method, path, token string, body []byte, want wantProblemOf) {
	t.Helper()
	status, p, raw := e.raw(method, path, token, "application/json", body, nil)
	if status != want.status || p.Code != want.code {
		t.Fatalf("%s %s = %d %s, want %d %s: %.400s", method, path, status, p.Code, want.status, want.code, raw)
	}
	if want.field != "" && !slices.ContainsFunc(p.Errors, func(f accord.FieldError) bool { return f.Field == want.field }) {
		t.Errorf("errors = %+v, want field %q named", p.Errors, want.field)
	}
	if !strings.Contains(p.Detail, want.detail) {
		t.Errorf("detail %q lacks %q", p.Detail, want.detail)
	}
}

func TestStrictBodies(t *testing.T) {
	e := newEnv(t)
	first, err := e.provider.FileSystem(ctx, "", sampleFiling(), "")
	if err != nil {
		t.Fatal(err)
	}
	before := e.logSize()
	filing := filingJSON(t, func(m map[string]any) { m["data_sources"] = map[string]string{"en": "CVs of 2019–2024"} })
	invalid := wantProblemOf{422, "invalid", "", ""}
	malformed := wantProblemOf{400, "bad_request", "", ""}
	with := func(w wantProblemOf, field, detail string) wantProblemOf {
		w.field, w.detail = field, detail
		return w
	}
	tests := []struct {
		name string
		path string
		body []byte
		want wantProblemOf
	}{
		// The reported body: encoding/json took CONFIDENTIAL (the last) for
		// confidential and published data_sources into the log.
		{"reported case variant", "/v1/systems", withMember(withMember(filing, `"CONFIDENTIAL":[]`), `"confidential":["data_sources"]`),
			with(invalid, "CONFIDENTIAL", `CONFIDENTIAL: differs from the field "confidential" only in case`)},
		{"case variant alone", "/v1/systems", withMember(filing, `"Trade_Name":{"en":"Y"}`), with(invalid, "Trade_Name", `"trade_name" only in case`)},
		{"case variant of a fact", "/v1/systems", replace(t, filing, `"facts":{`, `"facts":{"PROFILING":false,`), with(invalid, "facts.PROFILING", "only in case")},
		{"duplicate key", "/v1/systems", withMember(filing, `"confidential":["data_sources"],"confidential":[]`), with(invalid, "confidential", "confidential: duplicate key")},
		{"duplicate fact", "/v1/systems", replace(t, filing, `"facts":{`, `"facts":{"profiling":false,`), with(invalid, "facts.profiling", "facts.profiling: duplicate key")},
		{"duplicate language", "/v1/systems", replace(t, filing, `"trade_name":{`, `"trade_name":{"en":"Other",`), with(invalid, "trade_name.en", "duplicate key")},
		{"duplicate in a document", "/v1/systems", replace(t, filing, `"kind":"instructions_for_use"`, `"kind":"instructions_for_use","kind":"other"`), with(invalid, "documents[0].kind", "duplicate key")},
		{"duplicate on behalf", "/v1/systems", withMember(filing, `"provider":"org_a","provider":"org_b"`), with(invalid, "provider", "duplicate key")},
		{"unknown and case variant together", "/v1/systems", withMember(filing, `"risk_level":"low","Status":"active"`), with(invalid, "Status", "(and 1 more)")},
		{"misspelt field", "/v1/systems", withMember(filing, `"trade_nme":{"en":"X"}`), with(invalid, "trade_nme", "did you mean trade_name?")},
		{"lone high surrogate", "/v1/systems", replace(t, filing, `"CV Screener"`, `"CV Screener\ud800"`), with(malformed, "trade_name.en", `lone UTF-16 surrogate escape \ud800`)},
		{"lone low surrogate", "/v1/systems", replace(t, filing, `"CV Screener"`, `"\udfff"`), with(malformed, "trade_name.en", "surrogate")},
		{"surrogates reversed", "/v1/systems", replace(t, filing, `"CV Screener"`, `"\ude00\ud83d"`), with(malformed, "trade_name.en", "surrogate")},
		{"case variant when updating", "/v1/systems/" + first.ID, withMember(filing, `"Confidential":[]`), with(invalid, "Confidential", "only in case")},
		{"case variant in an organization", "/v1/organizations", []byte(`{"name":{"en":"X"},"Name":{"en":"Y"},"kind":"provider","country":"FR"}`), with(invalid, "Name", "only in case")},
		{"duplicate in a contact", "/v1/organizations", []byte(`{"name":{"en":"X"},"kind":"provider","country":"FR","contact":{"email":"a@x.example","email":"b@x.example"}}`), with(invalid, "contact.email", "duplicate key")},
		{"duplicate token label", "/v1/organizations/" + e.orgID + "/tokens", []byte(`{"label":"a","label":"b"}`), with(invalid, "label", "duplicate key")},
		{"case variant reason", "/v1/systems/" + first.ID + "/withdraw", []byte(`{"reason":"x","REASON":"y"}`), with(invalid, "REASON", "only in case")},
		{"duplicate in a preview", "/v1/classify", withMember(filing, `"status":"active"`), with(invalid, "status", "duplicate key")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, token := "POST", e.secret
			if strings.Contains(tt.name, "updating") {
				method = "PUT"
			}
			if strings.Contains(tt.name, "organization") {
				token = e.node.AdminToken
			}
			e.check(t, method, tt.path, token, tt.body, tt.want)
		})
	}
	if after := e.logSize(); after != before {
		t.Errorf("log size %d after refused bodies, want %d", after, before)
	}
	got, err := e.provider.System(ctx, first.ID)
	if err != nil || got.Version != 1 || got.Status != "active" {
		t.Errorf("first filing after refused bodies = %+v, %v", got, err)
	}
	// The same filing without the variant key is accepted, and keeps
	// data_sources out of the public log.
	status, _, raw := e.raw("POST", "/v1/systems", e.secret, "application/json", withMember(filing, `"confidential":["data_sources"]`), nil)
	var filed struct {
		Receipt accord.Receipt `json:"receipt"`
	}
	if err := json.Unmarshal(raw, &filed); status != 201 || err != nil || filed.Receipt.Entry == "" || strings.Contains(filed.Receipt.Entry, "2019") {
		t.Errorf("confidential filing: %d, entry %s", status, filed.Receipt.Entry)
	}
}

func TestTextFieldsOverHTTP(t *testing.T) {
	e := newEnv(t)
	first, err := e.provider.FileSystem(ctx, "", sampleFiling(), "")
	if err != nil {
		t.Fatal(err)
	}
	before := e.logSize()
	invalid := func(field, detail string) wantProblemOf { return wantProblemOf{422, "invalid", field, detail} }
	doc := `"kind":"instructions_for_use"`
	tests := []struct {
		name   string
		method string
		path   string
		token  string
		body   []byte
		want   wantProblemOf
	}{
		{"NUL in a trade name", "POST", "/v1/systems", e.secret, filingJSON(t, func(m map[string]any) { m["trade_name"] = map[string]string{"en": "CV\x00Screener"} }),
			invalid("trade_name.en", "U+0000 at character 3")},
		{"escaped NUL in a trade name", "POST", "/v1/systems", e.secret, replace(t, filingJSON(t, nil), `"CV Screener"`, `"CV\u0000"`), invalid("trade_name.en", "U+0000")},
		{"bidi override in Arabic", "POST", "/v1/systems", e.secret, filingJSON(t, func(m map[string]any) { m["trade_name"] = map[string]string{"ar": "مرشح\u202eexe.fdp"} }),
			invalid("trade_name.ar", "U+202E")},
		{"isolate in a purpose", "POST", "/v1/systems", e.secret, filingJSON(t, func(m map[string]any) { m["intended_purpose"] = map[string]string{"fr": "Classe \u2066x\u2069"} }),
			invalid("intended_purpose.fr", "U+2066")},
		{"escape in operating logic", "POST", "/v1/systems", e.secret, filingJSON(t, func(m map[string]any) { m["operating_logic"] = map[string]string{"en": "a\x1b[2Jb"} }),
			invalid("operating_logic.en", "U+001B")},
		{"C1 in data sources", "POST", "/v1/systems", e.secret, filingJSON(t, func(m map[string]any) { m["data_sources"] = map[string]string{"en": "a\u0085b"} }),
			invalid("data_sources.en", "U+0085")},
		{"newline in a version", "POST", "/v1/systems", e.secret, filingJSON(t, func(m map[string]any) { m["system_version"] = "2.1\n2.2" }), invalid("system_version", "one line")},
		{"replacement character in a reference", "POST", "/v1/systems", e.secret, filingJSON(t, func(m map[string]any) { m["reference"] = "EU-\ufffd" }), invalid("reference", "U+FFFD")},
		{"control in a document title", "POST", "/v1/systems", e.secret, replace(t, filingJSON(t, nil), doc, doc+`,"title":"IFU\u0007"`), invalid("documents[0].title", "U+0007")},
		{"password in a document link", "POST", "/v1/systems", e.secret, replace(t, filingJSON(t, nil), "https://acme.example/ifu.pdf", "https://me:secret@acme.example/ifu.pdf"),
			invalid("documents[0].url", "user name or password")},
		{"password in the info link", "POST", "/v1/systems", e.secret, filingJSON(t, func(m map[string]any) { m["info_url"] = "https://me:secret@acme.example/" }), invalid("info_url", "user:pass@")},
		{"DEL in a licence", "POST", "/v1/systems", e.secret, filingJSON(t, func(m map[string]any) { m["facts"].(map[string]any)["licence"] = "MIT\x7f" }), invalid("facts.licence", "U+007F")},
		{"NUL in an organization name", "POST", "/v1/organizations", e.node.AdminToken, []byte(`{"name":{"en":"Acme\u0000"},"kind":"provider","country":"FR"}`), invalid("name.en", "U+0000")},
		{"bidi in an organization name", "POST", "/v1/organizations", e.node.AdminToken, []byte(`{"name":{"he":"אקמי\u202d"},"kind":"provider","country":"IL"}`), invalid("name.he", "U+202D")},
		{"control in an address", "POST", "/v1/organizations", e.node.AdminToken, []byte(`{"name":{"en":"A"},"kind":"provider","country":"FR","contact":{"address":"1 Rue\u0000"}}`), invalid("contact.address", "U+0000")},
		{"password in a website", "POST", "/v1/organizations", e.node.AdminToken, []byte(`{"name":{"en":"A"},"kind":"provider","country":"FR","contact":{"website":"https://u:p@a.example/"}}`), invalid("contact.website", "password")},
		{"NUL in a token label", "POST", "/v1/organizations/" + e.orgID + "/tokens", e.secret, []byte(`{"label":"ci\u0000"}`), invalid("label", "U+0000")},
		{"newline in a token label", "POST", "/v1/organizations/" + e.orgID + "/tokens", e.secret, []byte(`{"label":"ci\nprod"}`), invalid("label", "one line")},
		{"NUL in a withdraw reason", "POST", "/v1/systems/" + first.ID + "/withdraw", e.secret, []byte(`{"reason":"replaced\u0000"}`), invalid("reason", "U+0000")},
		{"override in a withdraw reason", "POST", "/v1/systems/" + first.ID + "/withdraw", e.secret, []byte(`{"reason":"replaced \u202e"}`), invalid("reason", "U+202E")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { e.check(t, tt.method, tt.path, tt.token, tt.body, tt.want) })
	}
	if after := e.logSize(); after != before {
		t.Errorf("log size %d after refused text, want %d", after, before)
	}
	// What text needs still works: right-to-left scripts, ZWJ/ZWNJ, marks,
	// paragraphs (CRLF as a browser sends it becomes LF), a reason on two lines.
	f := sampleFiling()
	f.TradeName = accord.Text{"ar": "مُرَشِّح السِّيَر", "he": "מסנן קורות חיים", "fa": "می\u200cخواهم", "en": "CV \u200fScreener\u200e 👩\u200d💻"}
	f.IntendedPurpose = accord.Text{"en": "Ranks applications.\r\n\r\nSecond paragraph\twith a tab."}
	v, err := e.provider.FileSystem(ctx, "", f, "")
	if err != nil {
		t.Fatalf("filing with RTL, ZWJ/ZWNJ and paragraphs: %v", err)
	}
	if v.Filing.TradeName["fa"] != "می\u200cخواهم" || v.Filing.IntendedPurpose["en"] != "Ranks applications.\n\nSecond paragraph\twith a tab." {
		t.Errorf("stored text = %q, %q", v.Filing.TradeName["fa"], v.Filing.IntendedPurpose["en"])
	}
	if _, err := e.provider.WithdrawSystem(ctx, v.ID, "Replaced by v3.\nSee the notice."); err != nil {
		t.Errorf("two-line reason: %v", err)
	}
}

// logBuffer collects a node's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// onStores runs fn against a node on SQLite and one on PostgreSQL
// (ACCORD_TEST_POSTGRES), each logging into a buffer.
func onStores(t *testing.T, fn func(t *testing.T, e *env, logs *logBuffer)) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			logs := &logBuffer{}
			e := newEnvWith(t, testnode.Options{Cfg: func(c *node.Config) {
				c.Logger = slog.New(slog.NewTextHandler(logs, nil))
				if store == "postgres" {
					c.DB = pgtest.DSN(t)
				}
			}})
			fn(t, e, logs)
		})
	}
}

func TestBadQueryParameters(t *testing.T) {
	onStores(t, func(t *testing.T, e *env, logs *logBuffer) {
		if _, err := e.provider.FileSystem(ctx, "", sampleFiling(), ""); err != nil {
			t.Fatal(err)
		}
		bad := []struct{ name, value, detail string }{
			{"NUL", "\x00", "U+0000"},
			{"NUL inside an id", e.orgID + "\x00", "U+0000"},
			{"NUL first", "\x00" + e.orgID, "U+0000"},
			{"control character", "FR\x01", "U+0001"},
			{"newline", "a\nb", "U+000A"},
			{"DEL", "a\x7f", "U+007F"},
			{"invalid UTF-8", "\xff", "not valid UTF-8"},
			{"encoded surrogate", "\xed\xa0\x80", "not valid UTF-8"},
			{"bidi override", "\u202eRF", "U+202E"},
			{"overlong", strings.Repeat("a", 5000), "the limit is 2000"},
		}
		routes := []struct {
			path   string
			params []string
		}{
			{"/v1/systems", []string{"q", "country", "domain", "provider", "status", "framework", "tier", "cursor", "limit"}},
			{"/v1/organizations", []string{"kind", "country", "cursor", "limit"}},
			{"/v1/classify", []string{"as_of"}},
			{"/v1/frameworks", []string{"unknown"}},
		}
		for _, r := range routes {
			for _, param := range r.params {
				for _, b := range bad {
					method, token, body := "GET", "", []byte(nil)
					if r.path == "/v1/classify" {
						method, body = "POST", filingJSON(t, nil)
					}
					path := r.path + "?" + url.Values{param: {b.value}}.Encode()
					status, p, raw := e.raw(method, path, token, "application/json", body, nil)
					if status != 400 || p.Code != "bad_request" || len(p.Errors) != 1 || p.Errors[0].Field != param || !strings.Contains(p.Detail, b.detail) {
						t.Errorf("%s %s=%s: %d %.300s, want 400 naming %s", r.path, param, b.name, status, raw, param)
					}
				}
			}
		}
		// A query string that cannot be parsed is refused, not half read.
		for _, q := range []string{"provider=%zz", "country=FR;status=active", "provider=%00"} {
			if status, _, raw := e.raw("GET", "/v1/systems?"+q, "", "", nil, nil); status != 400 {
				t.Errorf("GET /v1/systems?%s = %d %.200s, want 400", q, status, raw)
			}
		}
		// Good values still work on this store, in every script.
		for _, q := range []string{"q=CV+screener", "q=" + url.QueryEscape("简历"), "q=" + url.QueryEscape("مرشح"), "provider=" + e.orgID, "country=FR&domain=employment&status=active&limit=5"} {
			status, _, raw := e.raw("GET", "/v1/systems?"+q, "", "", nil, nil)
			if status != 200 || !bytes.Contains(raw, []byte(`"id":"sys_`)) {
				t.Errorf("GET /v1/systems?%s = %d %.200s, want one system", q, status, raw)
			}
		}
		if strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("bad query input logged an error:\n%.2000s", logs.String())
		}
	})
}

// The service refuses what the API would, for its other callers (the web
// UI): a NUL in a filter is a field error, never a store's.
func TestSearchServiceRefusesBadBytes(t *testing.T) {
	onStores(t, func(t *testing.T, e *env, logs *logBuffer) {
		svc := e.node.Registry
		for _, q := range []accord.SystemQuery{{Provider: "org_x\x00"}, {Q: "a\x00"}, {Country: "\xff"}, {Framework: "\x00"}, {Tier: "\u202e"}, {Domain: "\x01"}, {Status: "\x00"}, {Cursor: "\x00"}} {
			_, err := svc.Search(ctx, q)
			if accord.ErrorCode(err) != accord.EInvalid {
				t.Errorf("Search(%+q) = %v, want invalid", fmt.Sprint(q), err)
			}
			_, err = svc.FacetCounts(ctx, q, "country")
			if accord.ErrorCode(err) != accord.EInvalid && q.Cursor == "" { // counts take no cursor
				t.Errorf("FacetCounts(%+q) = %v, want invalid", fmt.Sprint(q), err)
			}
		}
		for _, q := range []accord.OrganizationQuery{{Kind: "\x00"}, {Country: "F\x00"}, {Cursor: "\xff"}} {
			if _, err := svc.Organizations(ctx, q); accord.ErrorCode(err) != accord.EInvalid {
				t.Errorf("Organizations(%+q) = %v, want invalid", fmt.Sprint(q), err)
			}
		}
		if strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("logged an error:\n%.2000s", logs.String())
		}
	})
}

// FuzzSearchParams sends arbitrary query parameters to GET /v1/systems on a
// real node (SQLite, whose full-text MATCH once failed on a NUL): the answer
// is a page or a 4xx problem naming a parameter, never a 5xx.
func FuzzSearchParams(f *testing.F) {
	f.Add("credit", "org_x", "FR", "eu-ai-act", "high", "")
	f.Add("", "org_x\x00", "", "", "", "") // the reported 503
	f.Add("\x00", "org\x00", "\xff", "\u202e", "a\nb", "\x00")
	f.Add(`"x" OR "y"`, "org_*", "fr", "eu-ai-act:", "(", "cA==")
	f.Add("推荐 NEAR(a b)", `org_"`, "", "^x", "-", "!!")
	n := testnode.Start(f, testnode.Options{})
	admin := &client.Client{Server: n.URL, Token: n.AdminToken}
	r, err := admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Fuzz"}, Kind: "provider", Country: "FR"})
	if err != nil {
		f.Fatal(err)
	}
	provider := &client.Client{Server: n.URL, Token: r.Token.Secret}
	if _, err := provider.FileSystem(ctx, "", sampleFiling(), ""); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q, provider, country, framework, tier, cursor string) {
		v := url.Values{}
		for k, s := range map[string]string{"q": q, "provider": provider, "country": country, "framework": framework, "tier": tier, "cursor": cursor} {
			if s != "" {
				v.Set(k, s)
			}
		}
		resp, err := http.Get(n.URL + "/v1/systems?" + v.Encode())
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var p api.Problem
		json.Unmarshal(raw, &p)
		switch {
		case resp.StatusCode == 200:
		case resp.StatusCode >= 400 && resp.StatusCode < 500 && len(p.Errors) > 0 && v.Has(p.Errors[0].Field):
		default:
			t.Fatalf("GET /v1/systems?%s = %d %.300s", v.Encode(), resp.StatusCode, raw)
		}
	})
}

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/api"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/tlog"
)

func extraRoutes() []api.Route { return nil }

var ctx = context.Background()

// env is a running node with an admin client and one provider's client,
// whose every response is checked against the OpenAPI document.
type env struct {
	t        *testing.T
	node     *testnode.Node
	http     *http.Client
	admin    *client.Client
	provider *client.Client
	orgID    string
	secret   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, testnode.Options{})
}

// newEnvWith is newEnv on a node started with opts (e.g. on PostgreSQL).
func newEnvWith(t *testing.T, opts testnode.Options) *env {
	t.Helper()
	n := testnode.Start(t, opts)
	hc := &http.Client{Transport: transport{t, sharedContract(t)}}
	e := &env{t: t, node: n, http: hc}
	e.admin = &client.Client{Server: n.URL, Token: n.AdminToken, HTTP: hc}
	r, err := e.admin.RegisterOrganization(ctx, accord.NewOrganization{
		Name: accord.Text{"en": "Acme Hiring", "zh-Hans": "阿克米招聘"}, Kind: "provider", Country: "FR",
		Contact: accord.Contact{Email: "dpo@acme.example", Website: "https://acme.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.orgID, e.secret = r.Organization.ID, r.Token.Secret
	e.provider = &client.Client{Server: n.URL, Token: r.Token.Secret, HTTP: hc}
	return e
}

var contractOnce struct {
	c *contract
}

func sharedContract(t *testing.T) *contract {
	if contractOnce.c == nil {
		contractOnce.c = newContract(t)
	}
	return contractOnce.c
}

func ptr[T any](v T) *T { return &v }

func sampleFiling() accord.Filing {
	return accord.Filing{
		TradeName:           accord.Text{"en": "CV Screener", "zh-Hans": "简历筛选助手", "ar": "مُرَشِّح السِّيَر الذّاتية"},
		SystemVersion:       "2.1",
		Status:              "active",
		IntendedPurpose:     accord.Text{"en": "Ranks job applications for recruiters.", "fr": "Classe les candidatures pour les recruteurs."},
		Domains:             []string{"employment.recruitment"},
		AlgorithmTypes:      []string{"ranking_selection"},
		DeploymentCountries: []string{"FR", "DE"},
		DeployerKinds:       []string{"employer"},
		AffectedPersons:     []string{"job_applicants"},
		Facts:               accord.Facts{Profiling: ptr(true), AutomatedDecision: ptr(false), InteractsWithNaturalPersons: ptr(false)},
		Documents:           []accord.Document{{Kind: "instructions_for_use", URL: "https://acme.example/ifu.pdf", SHA256: strings.Repeat("ab", 32)}},
	}
}

func TestFilingLifecycle(t *testing.T) {
	e := newEnv(t)
	v, err := e.provider.FileSystem(ctx, "", sampleFiling(), "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != 1 || v.Provider != e.orgID || v.Receipt == nil {
		t.Fatalf("filed = %+v", v)
	}
	if _, err := tlog.VerifyReceipt(*v.Receipt, e.node.VerifierKey, nil); err != nil {
		t.Errorf("receipt: %v", err)
	}
	// Retrying with the same key returns the first result and files nothing.
	again, err := e.provider.FileSystem(ctx, "", sampleFiling(), "key-1")
	if err != nil || again.ID != v.ID || again.Version != 1 {
		t.Errorf("replay = %v, %v; want %s v1", again.ID, err, v.ID)
	}
	got, err := e.provider.System(ctx, v.ID)
	if err != nil || got.Filing.TradeName["zh-Hans"] != "简历筛选助手" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	f := sampleFiling()
	f.SystemVersion = "2.2"
	f.DeploymentCountries = append(f.DeploymentCountries, "ES")
	v2, err := e.provider.UpdateSystem(ctx, v.ID, got.ETag(), f)
	if err != nil || v2.Version != 2 {
		t.Fatalf("update = %+v, %v", v2, err)
	}
	// An update based on the old version is refused: no lost update.
	_, err = e.provider.UpdateSystem(ctx, v.ID, got.ETag(), sampleFiling())
	wantProblem(t, err, 412, "precondition_failed", "")
	vs, err := e.provider.Versions(ctx, v.ID)
	if err != nil || len(vs) != 2 || vs[0].Filing.SystemVersion != "2.1" || vs[1].Filing.SystemVersion != "2.2" {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	w, err := e.provider.WithdrawSystem(ctx, v.ID, "Replaced by a new product")
	if err != nil || w.Status != "withdrawn" || w.Version != 3 {
		t.Fatalf("withdraw = %+v, %v", w, err)
	}
	old, err := e.provider.SystemVersion(ctx, v.ID, 1)
	if err != nil || old.Filing.SystemVersion != "2.1" || old.Status != "active" {
		t.Errorf("version 1 after withdrawal = %+v, %v", old, err)
	}
	for i := 1; i <= 3; i++ {
		r, err := e.provider.Receipt(ctx, v.ID, i)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tlog.VerifyReceipt(*r, e.node.VerifierKey, nil); err != nil {
			t.Errorf("receipt v%d: %v", i, err)
		}
	}
	// The bare tlog-proof form.
	raw, err := e.provider.Get(ctx, "/v1/systems/"+v.ID+"/versions/1/receipt?format=tlog-proof")
	if err != nil || !strings.HasPrefix(string(raw), "c2sp.org/tlog-proof@v1\nindex ") {
		t.Errorf("tlog-proof form = %.80q, %v", raw, err)
	}
}

func TestSearchOverHTTP(t *testing.T) {
	e := newEnv(t)
	for i, f := range []accord.Filing{
		sampleFiling(),
		func() accord.Filing {
			f := sampleFiling()
			f.TradeName = accord.Text{"zh-Hans": "个性化新闻推荐"}
			f.IntendedPurpose = accord.Text{"zh-Hans": "根据用户兴趣推荐新闻"}
			f.Domains, f.DeploymentCountries = []string{"media.recommendation"}, []string{"CN"}
			return f
		}(),
		func() accord.Filing {
			f := sampleFiling()
			f.TradeName = accord.Text{"ar": "نِظامُ تَقْيِيمِ الائْتِمان"}
			f.IntendedPurpose = accord.Text{"ar": "تقييم الجدارة الائتمانية للأفراد"}
			f.Domains, f.DeploymentCountries = []string{"essential_services.credit_scoring"}, []string{"EG", "MA"}
			return f
		}(),
	} {
		if _, err := e.provider.FileSystem(ctx, "", f, fmt.Sprint("k", i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		q    accord.SystemQuery
		want int
	}{
		{accord.SystemQuery{Q: "推荐"}, 1},
		{accord.SystemQuery{Q: "الائتمان"}, 1},
		{accord.SystemQuery{Q: "ائتمان", Country: "MA"}, 1},
		{accord.SystemQuery{Q: "ائتمان", Country: "FR"}, 0},
		{accord.SystemQuery{Q: "candidatures"}, 1},
		{accord.SystemQuery{Q: "SCREEN"}, 1},
		{accord.SystemQuery{Domain: "employment"}, 1},
		{accord.SystemQuery{Provider: e.orgID}, 3},
		{accord.SystemQuery{Status: "active", Limit: 2}, 2},
	} {
		p, err := e.provider.Search(ctx, tt.q)
		if err != nil {
			t.Fatalf("%+v: %v", tt.q, err)
		}
		if len(p.Systems) != tt.want {
			t.Errorf("search %+v: %d results, want %d", tt.q, len(p.Systems), tt.want)
		}
	}
	p, _ := e.provider.Search(ctx, accord.SystemQuery{Limit: 2})
	if p.Next == "" {
		t.Fatal("no next cursor on a full page")
	}
	p2, err := e.provider.Search(ctx, accord.SystemQuery{Limit: 2, Cursor: p.Next})
	if err != nil || len(p2.Systems) != 1 || p2.Next != "" {
		t.Errorf("second page = %d results, next %q, %v", len(p2.Systems), p2.Next, err)
	}
}

func TestConfidentialFieldsOverHTTP(t *testing.T) {
	e := newEnv(t)
	f := sampleFiling()
	f.DataSources = accord.Text{"en": "Applicant records from client XYZZY"}
	f.Confidential = []string{"data_sources", "documents"}
	v, err := e.provider.FileSystem(ctx, "", f, "")
	if err != nil {
		t.Fatal(err)
	}
	public := &client.Client{Server: e.node.URL, HTTP: e.http}
	got, err := public.System(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Filing.DataSources != nil || got.Filing.Documents != nil {
		t.Errorf("the public sees confidential fields: %+v", got.Filing)
	}
	raw, _ := public.Get(ctx, "/v1/systems/"+v.ID+"/versions")
	if bytes.Contains(raw, []byte("XYZZY")) {
		t.Errorf("versions leak a confidential field")
	}
	// An authority reads them (EU AI Act Art. 49(4)).
	r, err := e.admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "AI Office"}, Kind: "authority", Country: "BE"})
	if err != nil {
		t.Fatal(err)
	}
	authority := &client.Client{Server: e.node.URL, Token: r.Token.Secret, HTTP: e.http}
	got, err = authority.System(ctx, v.ID)
	if err != nil || got.Filing.DataSources["en"] == "" || len(got.Filing.Documents) != 1 {
		t.Errorf("the authority does not see confidential fields: %+v, %v", got.Filing, err)
	}
	got, _ = e.provider.System(ctx, v.ID)
	if got.Filing.DataSources["en"] == "" {
		t.Errorf("the provider does not see its own confidential fields")
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	nt, err := e.provider.IssueToken(ctx, e.orgID, "CI pipeline")
	if err != nil || !strings.HasPrefix(nt.Secret, "accord_") {
		t.Fatalf("issue = %+v, %v", nt, err)
	}
	ci := &client.Client{Server: e.node.URL, Token: nt.Secret, HTTP: e.http}
	if _, err := ci.FileSystem(ctx, "", sampleFiling(), ""); err != nil {
		t.Fatalf("file with new token: %v", err)
	}
	ts, err := e.provider.Tokens(ctx, e.orgID)
	if err != nil || len(ts) != 2 {
		t.Fatalf("tokens = %+v, %v", ts, err)
	}
	raw, _ := e.provider.Get(ctx, "/v1/organizations/"+e.orgID+"/tokens")
	if bytes.Contains(raw, []byte(nt.Secret)) {
		t.Error("token list shows a secret")
	}
	if err := e.provider.RevokeToken(ctx, e.orgID, nt.Token.ID); err != nil {
		t.Fatal(err)
	}
	_, err = ci.FileSystem(ctx, "", sampleFiling(), "")
	wantProblem(t, err, 401, "unauthorized", "")
	// Another organization cannot manage these tokens.
	r, _ := e.admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Other"}, Kind: "provider", Country: "CN"})
	other := &client.Client{Server: e.node.URL, Token: r.Token.Secret, HTTP: e.http}
	_, err = other.IssueToken(ctx, e.orgID, "")
	wantProblem(t, err, 403, "forbidden", "")
	_, err = other.Tokens(ctx, e.orgID)
	wantProblem(t, err, 403, "forbidden", "")
	// Only the admin registers organizations.
	_, err = e.provider.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "X"}, Kind: "provider", Country: "FR"})
	wantProblem(t, err, 403, "forbidden", "")
}

func wantProblem(t *testing.T, err error, status int, code, field string) {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want a %d problem", err, status)
	}
	if ce.Status != status || ce.Code != code {
		t.Errorf("problem = %d %s (%s), want %d %s", ce.Status, ce.Code, ce.Detail, status, code)
	}
	if field != "" && !slices.ContainsFunc(ce.Fields, func(f accord.FieldError) bool { return f.Field == field }) {
		t.Errorf("problem fields = %+v, want %q named", ce.Fields, field)
	}
}

// raw sends a request as given and returns status and problem.
func (e *env) raw(method, path, token, contentType string, body []byte, hdr map[string]string) (int, api.Problem, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.node.URL+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var p api.Problem
	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			e.t.Errorf("%s %s: %d with content type %q, want application/problem+json", method, path, resp.StatusCode, ct)
		}
		json.Unmarshal(data, &p)
	}
	return resp.StatusCode, p, data
}

func filingJSON(t *testing.T, edit func(m map[string]any)) []byte {
	b, _ := json.Marshal(sampleFiling())
	var m map[string]any
	json.Unmarshal(b, &m)
	if edit != nil {
		edit(m)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	first, err := e.provider.FileSystem(ctx, "", sampleFiling(), "")
	if err != nil {
		t.Fatal(err)
	}
	logSize := func() int64 {
		l, err := e.admin.Log(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return l.Size
	}
	before := logSize()
	r, _ := e.admin.RegisterOrganization(ctx, accord.NewOrganization{Name: accord.Text{"en": "Foreign"}, Kind: "provider", Country: "US"})
	foreign := r.Token.Secret
	before++ // the registration above is two entries, one counted here and
	before++ // one for its first token
	json := "application/json"
	tests := []struct {
		name        string
		method      string
		path        string
		token       string
		contentType string
		body        []byte
		hdr         map[string]string
		status      int
		code        string
		field       string
	}{
		{"unknown field", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["risk_level"] = "low" }), nil, 422, "invalid", "risk_level"},
		{"unknown nested field", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["facts"].(map[string]any)["is_safe"] = true }), nil, 422, "invalid", "facts.is_safe"},
		{"wrong type", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["domains"] = "employment.recruitment" }), nil, 422, "invalid", "domains"},
		{"wrong fact type", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["facts"].(map[string]any)["profiling"] = "yes" }), nil, 422, "invalid", "facts.profiling"},
		{"invalid country", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["deployment_countries"] = []string{"FR", "XX"} }), nil, 422, "invalid", "deployment_countries[1]"},
		{"lower-case country", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["deployment_countries"] = []string{"fr"} }), nil, 422, "invalid", "deployment_countries[0]"},
		{"invalid language", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["trade_name"] = map[string]string{"english": "X"} }), nil, 422, "invalid", "trade_name.english"},
		{"unknown domain", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["domains"] = []string{"hiring"} }), nil, 422, "invalid", "domains[0]"},
		{"other domain without its description", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["domains"] = []string{"other"} }), nil, 422, "invalid", "other_domain"},
		{"description without the other domain", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["other_domain"] = "Beekeeping" }), nil, 422, "invalid", "other_domain"},
		{"unknown role", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["roles"] = []string{"vendor"} }), nil, 422, "invalid", "roles[0]"},
		{"country of output as a name", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["output_used_in"] = []string{"Germany"} }), nil, 422, "invalid", "output_used_in[0]"},
		{"missing required", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { delete(m, "intended_purpose") }), nil, 422, "invalid", "intended_purpose"},
		{"bad document hash", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["documents"].([]any)[0].(map[string]any)["sha256"] = "abc" }), nil, 422, "invalid", "documents[0].sha256"},
		{"confidential identity", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["confidential"] = []string{"trade_name"} }), nil, 422, "invalid", "confidential[0]"},
		{"invalid UTF-8", "POST", "/v1/systems", e.secret, json, append(filingJSON(t, nil)[:20:20], 0xff, 0xfe, '"', '}'), nil, 400, "bad_request", ""},
		{"not JSON", "POST", "/v1/systems", e.secret, json, []byte("trade_name=x"), nil, 400, "bad_request", ""},
		{"truncated JSON", "POST", "/v1/systems", e.secret, json, filingJSON(t, nil)[:40], nil, 400, "bad_request", ""},
		{"trailing data", "POST", "/v1/systems", e.secret, json, append(filingJSON(t, nil), []byte(" {}")...), nil, 400, "bad_request", ""},
		{"empty body", "POST", "/v1/systems", e.secret, json, nil, nil, 400, "bad_request", ""},
		{"wrong content type", "POST", "/v1/systems", e.secret, "text/plain", filingJSON(t, nil), nil, 415, "unsupported_media_type", ""},
		{"body too large", "POST", "/v1/systems", e.secret, json, bytes.Repeat([]byte(" "), api.MaxBodyBytes+1), nil, 413, "too_large", ""},
		{"entry over the log's limit", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) {
			long := map[string]string{"zh-Hans": strings.Repeat("推", accord.MaxTextLen), "ja": strings.Repeat("薦", accord.MaxTextLen), "ko": strings.Repeat("한", accord.MaxTextLen)}
			m["intended_purpose"], m["operating_logic"], m["data_sources"] = long, long, long
		}), nil, 413, "too_large", ""},
		{"text too long", "POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) {
			m["intended_purpose"] = map[string]string{"en": strings.Repeat("x", accord.MaxTextLen+1)}
		}), nil, 422, "invalid", "intended_purpose.en"},
		{"no token", "POST", "/v1/systems", "", json, filingJSON(t, nil), nil, 401, "unauthorized", ""},
		{"unknown token", "POST", "/v1/systems", "accord_nope", json, filingJSON(t, nil), nil, 401, "unauthorized", ""},
		{"malformed authorization", "GET", "/v1/systems", "", "", nil, map[string]string{"Authorization": "Basic eDp5"}, 401, "unauthorized", ""},
		{"foreign token updates", "PUT", "/v1/systems/" + first.ID, foreign, json, filingJSON(t, nil), map[string]string{"If-Match": first.ETag()}, 403, "forbidden", ""},
		{"foreign token withdraws", "POST", "/v1/systems/" + first.ID + "/withdraw", foreign, json, []byte(`{"reason":"x"}`), nil, 403, "forbidden", ""},
		{"filing for another org", "POST", "/v1/systems", foreign, json, filingJSON(t, func(m map[string]any) { m["provider"] = e.orgID }), nil, 403, "forbidden", ""},
		{"stale If-Match", "PUT", "/v1/systems/" + first.ID, e.secret, json, filingJSON(t, nil), map[string]string{"If-Match": `"` + first.ID + `.v7"`}, 412, "precondition_failed", ""},
		{"missing If-Match", "PUT", "/v1/systems/" + first.ID, e.secret, json, filingJSON(t, nil), nil, 428, "precondition_required", ""},
		{"withdraw without reason", "POST", "/v1/systems/" + first.ID + "/withdraw", e.secret, json, []byte(`{"reason":" "}`), nil, 422, "invalid", "reason"},
		{"unknown system", "GET", "/v1/systems/sys_nope", "", "", nil, nil, 404, "not_found", ""},
		{"bad version", "GET", "/v1/systems/" + first.ID + "/versions/zero", "", "", nil, nil, 422, "invalid", "version"},
		{"missing version", "GET", "/v1/systems/" + first.ID + "/versions/9", "", "", nil, nil, 404, "not_found", ""},
		{"unknown route", "GET", "/v1/nothing", "", "", nil, nil, 404, "not_found", ""},
		{"method not allowed", "DELETE", "/v1/systems/" + first.ID, e.secret, "", nil, nil, 405, "method_not_allowed", ""},
		{"unknown parameter", "GET", "/v1/systems?contry=FR", "", "", nil, nil, 422, "invalid", "contry"},
		{"invalid country filter", "GET", "/v1/systems?country=France", "", "", nil, nil, 422, "invalid", "country"},
		{"bad cursor", "GET", "/v1/systems?cursor=%21%21", "", "", nil, nil, 422, "invalid", "cursor"},
		{"bad limit", "GET", "/v1/systems?limit=1000", "", "", nil, nil, 422, "invalid", "limit"},
		{"non-numeric limit", "GET", "/v1/systems?limit=ten", "", "", nil, nil, 422, "invalid", "limit"},
		{"long query", "GET", "/v1/systems?q=" + strings.Repeat("a", 501), "", "", nil, nil, 422, "invalid", "q"},
		{"bad org kind", "POST", "/v1/organizations", e.node.AdminToken, json, []byte(`{"name":{"en":"X"},"kind":"bank","country":"FR"}`), nil, 422, "invalid", "kind"},
		{"bad org email", "POST", "/v1/organizations", e.node.AdminToken, json, []byte(`{"name":{"en":"X"},"kind":"provider","country":"FR","contact":{"email":"nope"}}`), nil, 422, "invalid", "contact.email"},
		{"long idempotency key", "POST", "/v1/systems", e.secret, json, filingJSON(t, nil), map[string]string{"Idempotency-Key": strings.Repeat("k", 300)}, 422, "invalid", "Idempotency-Key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, p, body := e.raw(tt.method, tt.path, tt.token, tt.contentType, tt.body, tt.hdr)
			if status != tt.status || p.Code != tt.code {
				t.Fatalf("got %d %s, want %d %s: %.300s", status, p.Code, tt.status, tt.code, body)
			}
			if p.Detail == "" || p.Status != status || p.Type == "" {
				t.Errorf("incomplete problem: %s", body)
			}
			if tt.field != "" && !slices.ContainsFunc(p.Errors, func(f accord.FieldError) bool { return f.Field == tt.field }) {
				t.Errorf("errors = %+v, want field %q named", p.Errors, tt.field)
			}
		})
	}
	// Nothing was stored, nothing earlier was lost.
	if after := logSize(); after != before {
		t.Errorf("log size %d after bad requests, want %d", after, before)
	}
	got, err := e.provider.System(ctx, first.ID)
	if err != nil || got.Version != 1 || got.Filing.TradeName["en"] != "CV Screener" {
		t.Errorf("first filing after bad requests = %+v, %v", got, err)
	}
	// An unknown domain is refused with the valid codes listed.
	if _, p, body := e.raw("POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["domains"] = []string{"gaming"} }), nil); len(p.Errors) != 1 ||
		!strings.Contains(p.Errors[0].Message, "use one of: ") || !strings.Contains(p.Errors[0].Message, "entertainment.video_games") || !strings.Contains(p.Errors[0].Message, "other") {
		t.Errorf("unknown domain: %.600s", body)
	}
	// A repeated Idempotency-Key with another body is refused and files nothing.
	status, p, _ := e.raw("POST", "/v1/systems", e.secret, json, filingJSON(t, nil), map[string]string{"Idempotency-Key": "dup"})
	if status != 201 {
		t.Fatalf("first keyed filing: %d", status)
	}
	status, p, _ = e.raw("POST", "/v1/systems", e.secret, json, filingJSON(t, func(m map[string]any) { m["system_version"] = "9" }), map[string]string{"Idempotency-Key": "dup"})
	if status != 422 || p.Errors[0].Field != "Idempotency-Key" {
		t.Errorf("reused key with another body: %d %+v", status, p)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/healthz", "/metrics", "/v1/openapi.json", "/v1/vocabularies", "/v1/log"} {
		if _, err := e.admin.Get(ctx, p); err != nil {
			t.Errorf("GET %s: %v", p, err)
		}
	}
	m, _ := e.admin.Get(ctx, "/metrics")
	for _, want := range []string{"accord_http_requests_total", "accord_log_entries_appended_total", "accord_log_commit_seconds"} {
		if !bytes.Contains(m, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

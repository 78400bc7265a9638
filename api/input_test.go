package api_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
)

// These tests hold every door of the API to strict input (issue 11): JSON
// bodies with duplicate or case-variant keys or lone surrogate escapes. Each
// bad request must be a 4xx problem naming the field and store nothing.

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

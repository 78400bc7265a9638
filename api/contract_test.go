package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/accord-gov/accord/api"
)

const docURL = "https://accord.local/openapi.json"

// contract validates real responses against the OpenAPI document.
type contract struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	schemas  map[string]*jsonschema.Schema
	paths    []pathTemplate
	seen     map[string]bool // "METHOD /template status" validated
}

type pathTemplate struct {
	template string
	re       *regexp.Regexp
}

func newContract(t *testing.T) *contract {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.OpenAPI))
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(docURL, inst); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(api.OpenAPI, &doc)
	ct := &contract{doc: doc, compiler: c, schemas: map[string]*jsonschema.Schema{}, seen: map[string]bool{}}
	for p := range doc["paths"].(map[string]any) {
		re := regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$")
		ct.paths = append(ct.paths, pathTemplate{p, re})
	}
	// A literal path beats a template with a parameter where both match
	// (/v1/resources/import and /v1/resources/{id}), as in the server's
	// mux; without the order, the map's random order picked either.
	slices.SortFunc(ct.paths, func(a, b pathTemplate) int {
		if d := strings.Count(a.template, "{") - strings.Count(b.template, "{"); d != 0 {
			return d
		}
		return strings.Compare(a.template, b.template)
	})
	return ct
}

func (c *contract) template(path string) string {
	for _, p := range c.paths {
		if p.re.MatchString(path) {
			return p.template
		}
	}
	return ""
}

// pointer escapes a JSON pointer token.
func pointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func (c *contract) schema(ref string) (*jsonschema.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.schemas[ref]; ok {
		return s, nil
	}
	s, err := c.compiler.Compile(ref)
	if err != nil {
		return nil, err
	}
	c.schemas[ref] = s
	return s, nil
}

// check validates one response; it returns a description of any violation.
func (c *contract) check(method, path string, status int, contentType string, body []byte) error {
	tmpl := c.template(path)
	if tmpl == "" {
		if strings.HasPrefix(path, "/v1/") && status == http.StatusNotFound && strings.HasPrefix(contentType, "application/problem+json") {
			return c.validate(docURL+"#/components/schemas/Problem", body)
		}
		return fmt.Errorf("%s %s: path not in the OpenAPI document", method, path)
	}
	op, ok := c.doc["paths"].(map[string]any)[tmpl].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if !ok {
		if status == http.StatusMethodNotAllowed {
			return c.validate(docURL+"#/components/schemas/Problem", body)
		}
		return fmt.Errorf("%s %s: method not in the OpenAPI document", method, tmpl)
	}
	responses := op["responses"].(map[string]any)
	code := fmt.Sprint(status)
	resp, ok := responses[code].(map[string]any)
	key := "responses/" + pointer(code)
	if !ok {
		// A client error the operation can give is listed by its status, so
		// that clients (and linters) see it; default covers server errors.
		if status < 500 {
			return fmt.Errorf("%s %s: status %d not documented (only 5XX may fall to default)", method, tmpl, status)
		}
		if resp, ok = responses["default"].(map[string]any); !ok {
			return fmt.Errorf("%s %s: status %d not documented", method, tmpl, status)
		}
		key = "responses/default"
	}
	c.mu.Lock()
	c.seen[fmt.Sprintf("%s %s %d", method, tmpl, status)] = true
	c.mu.Unlock()
	if ref, ok := resp["$ref"].(string); ok {
		// A shared response: the problem body.
		if !strings.HasPrefix(contentType, "application/problem+json") {
			return fmt.Errorf("%s %s %d: content type %q, want application/problem+json", method, tmpl, status, contentType)
		}
		return c.validate(docURL+ref, body, "content", "application~1problem+json", "schema")
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		return nil
	}
	mt := strings.TrimSpace(strings.Split(contentType, ";")[0])
	if _, ok := content[mt]; !ok {
		return fmt.Errorf("%s %s %d: content type %q not documented", method, tmpl, status, mt)
	}
	if mt != "application/json" && mt != "application/problem+json" {
		return nil
	}
	return c.validate(docURL+"#/paths/"+pointer(tmpl)+"/"+strings.ToLower(method)+"/"+key+"/content/"+pointer(mt)+"/schema", body)
}

func (c *contract) validate(ref string, body []byte, more ...string) error {
	if len(more) > 0 {
		ref += "/" + strings.Join(more, "/")
	}
	s, err := c.schema(ref)
	if err != nil {
		return fmt.Errorf("compile %s: %w", ref, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("body is not JSON: %w: %s", err, body)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("%s: %v\nbody: %.600s", ref, err, body)
	}
	return nil
}

// transport checks every response that passes through it.
type transport struct {
	t *testing.T
	c *contract
}

func (tr transport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasPrefix(r.URL.Path, "/v1/") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if resp.StatusCode != http.StatusNotModified {
		if err := tr.c.check(r.Method, r.URL.EscapedPath(), resp.StatusCode, resp.Header.Get("Content-Type"), body); err != nil {
			tr.t.Errorf("response does not match the OpenAPI document: %v", err)
		}
	}
	return resp, nil
}

// TestOpenAPIRoutes: every route the API serves is in the document, and
// every operation in the document is served.
func TestOpenAPIRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	var documented []string
	for p, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	served := api.New(nil, api.Options{Extra: extraRoutes()}).Patterns()
	slices.Sort(documented)
	slices.Sort(served)
	for _, p := range served {
		if !slices.Contains(documented, p) {
			t.Errorf("route %s is served but not in openapi.yaml", p)
		}
	}
	for _, p := range documented {
		if !slices.Contains(served, p) {
			t.Errorf("operation %s is documented but not served", p)
		}
	}
}

// TestContractCatchesDrift: the validator rejects responses that differ from
// the document, so the contract checks above can fail.
func TestContractCatchesDrift(t *testing.T) {
	c := newContract(t)
	good := `{"id":"sys_x","provider":"org_x","version":1,"status":"active","created":"2026-11-23T12:00:00Z","updated":"2026-11-23T12:00:00Z",
		"filing":{"trade_name":{"en":"X"},"system_version":"1","status":"active","intended_purpose":{"en":"Y"},"domains":["general.translation"],"deployment_countries":["FR"],"facts":{}}}`
	if err := c.check("GET", "/v1/systems/sys_x", 200, "application/json", []byte(good)); err != nil {
		t.Fatalf("a valid body was refused: %v", err)
	}
	for name, body := range map[string]string{
		"extra field":     strings.Replace(good, `"version":1`, `"version":1,"secret":"x"`, 1),
		"wrong type":      strings.Replace(good, `"version":1`, `"version":"1"`, 1),
		"missing filing":  `{"id":"sys_x","provider":"org_x","version":1,"status":"active","created":"2026-11-23T12:00:00Z","updated":"2026-11-23T12:00:00Z"}`,
		"bad status":      strings.Replace(good, `"status":"active","created"`, `"status":"alive","created"`, 1),
		"unknown fact":    strings.Replace(good, `"facts":{}`, `"facts":{"x":true}`, 1),
		"bad country":     strings.Replace(good, `["FR"]`, `["France"]`, 1),
		"bad time format": strings.Replace(good, `"created":"2026-11-23T12:00:00Z"`, `"created":"yesterday"`, 1),
	} {
		if err := c.check("GET", "/v1/systems/sys_x", 200, "application/json", []byte(body)); err == nil {
			t.Errorf("%s: drift not caught", name)
		}
	}
	if err := c.check("GET", "/v1/systems/sys_x", 418, "application/json", []byte(`{}`)); err == nil {
		t.Error("an undocumented status with a non-problem body passed")
	}
	problem := []byte(`{"type":"https://accord.dev/problems/conflict","title":"Conflict","status":409,"detail":"x","code":"conflict"}`)
	if err := c.check("PUT", "/v1/systems/sys_x", 409, "application/problem+json", problem); err != nil {
		t.Errorf("a documented client error was refused: %v", err)
	}
	if err := c.check("GET", "/v1/systems/sys_x", 409, "application/problem+json", problem); err == nil {
		t.Error("a client error the operation does not list passed through default")
	}
	if err := c.check("GET", "/v1/undocumented", 200, "application/json", []byte(`{}`)); err == nil {
		t.Error("an undocumented path passed")
	}
}

// TestOpenAPINoStrayKeys: no value in the document is null. An unquoted
// comma in a YAML flow mapping ({description: a, b}) silently splits the
// text into a stray key " b" with a null value.
func TestOpenAPINoStrayKeys(t *testing.T) {
	var doc any
	if err := json.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case nil:
			t.Errorf("%s is null: quote the text before it if it holds a comma", path)
		case map[string]any:
			for k, e := range v {
				walk(path+"/"+pointer(k), e)
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s/%d", path, i), e)
			}
		}
	}
	walk("#", doc)
}

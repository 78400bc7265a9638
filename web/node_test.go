package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/registry"
)

// testNode is a real node with the demo registry, its web UI and API served
// over HTTP on 127.0.0.1, shared by the tests of this package (loading the
// demo takes a moment). Tests that write (the portal) file new systems;
// none changes the demo systems others read.
type testNode struct {
	*node.Node
	URL      string
	Web      *Handler
	Server   *httptest.Server
	Provider accord.Organization // a provider organization with a token
	Token    string
	Deployer string // the token of a deployer organization
}

var (
	shared     *testNode
	sharedOnce sync.Once
	sharedErr  error
	sharedDir  string
)

// demoNode returns the shared demo node.
func demoNode(t testing.TB) *testNode {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = startNode() })
	if sharedErr != nil {
		t.Fatalf("start node: %v", sharedErr)
	}
	return shared
}

func startNode() (*testNode, error) {
	dir, err := mkdirTemp()
	if err != nil {
		return nil, err
	}
	sharedDir = dir
	ctx := context.Background()
	n, err := node.Open(ctx, node.Config{DataDir: dir, Origin: "test.accord.local/log"})
	if err != nil {
		return nil, err
	}
	if _, err := n.LoadDemo(ctx); err != nil {
		return nil, err
	}
	tn := &testNode{Node: n}
	tn.Web = New(Config{Registry: n.Registry, VerifierKey: n.VerifierKey})
	tn.Server = httptest.NewServer(n.Handler(node.HTTPOptions{Web: tn.Web}))
	tn.URL = tn.Server.URL
	// Give the tests a provider and a deployer of their own, with tokens.
	admin := registry.Operator()
	p, err := n.Registry.RegisterOrganization(ctx, admin, accord.NewOrganization{Name: accord.Text{"en": "Testbed Provider (fictional)", "fr": "Fournisseur d'essai"}, Kind: "provider", Country: "FR"})
	if err != nil {
		return nil, err
	}
	tn.Provider, tn.Token = p.Organization, p.Token.Secret
	d, err := n.Registry.RegisterOrganization(ctx, admin, accord.NewOrganization{Name: accord.Text{"en": "Testbed Deployer (fictional)"}, Kind: "deployer", Country: "KE"})
	if err != nil {
		return nil, err
	}
	tn.Deployer = d.Token.Secret
	return tn, nil
}

// client is an HTTP client with a cookie jar that does not follow redirects.
func (tn *testNode) client(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches a page in a language (an Accept-Language value; "" for none).
func (tn *testNode) get(t testing.TB, c *http.Client, path, lang string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", tn.URL+path, nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	return do(t, c, req)
}

// post sends a form from this site's own pages, as a browser would.
func (tn *testNode) post(t testing.TB, c *http.Client, path, lang string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", tn.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", tn.URL)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	return do(t, c, req)
}

func do(t testing.TB, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", req.URL, err)
	}
	return resp, string(b)
}

// signIn signs a client in to the portal with a token.
func (tn *testNode) signIn(t testing.TB, c *http.Client, token string) {
	t.Helper()
	resp, body := tn.post(t, c, "/portal/signin", "en", url.Values{"token": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: status %d\n%s", resp.StatusCode, body)
	}
}

// systemIDs returns the ids of the demo systems, newest first.
func (tn *testNode) systemIDs(t testing.TB) []string {
	t.Helper()
	page, err := tn.Registry.Search(context.Background(), accord.SystemQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range page.Systems {
		ids = append(ids, s.ID)
	}
	return ids
}

// systemWith returns the id of a demo system whose summary satisfies ok.
func (tn *testNode) systemWith(t testing.TB, ok func(accord.SystemSummary) bool) accord.SystemSummary {
	t.Helper()
	page, err := tn.Registry.Search(context.Background(), accord.SystemQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range page.Systems {
		if ok(s) {
			return s
		}
	}
	t.Fatal("no demo system matches")
	return accord.SystemSummary{}
}

package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/internal/limit"
	"github.com/accord-gov/accord/internal/testnode"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/web"
)

// slow is a rate that does not refill during a test: exactly burst
// requests pass, whatever the machine's speed.
func slow(burst int) limit.Rate { return limit.Rate{PerSecond: 1e-6, Burst: burst} }

// send makes one request as the client at addr (behind the test's trusted
// proxy, 127.0.0.1) and returns the status, Retry-After and the problem code.
func send(t *testing.T, method, u, addr, token, contentType, body string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		Code string `json:"code"`
	}
	data, _ := io.ReadAll(resp.Body)
	json.Unmarshal(data, &p)
	return resp.StatusCode, resp.Header.Get("Retry-After"), p.Code
}

// proxied starts a node behind a trusted proxy at 127.0.0.1, so that
// tests name clients with X-Forwarded-For, with the web UI if asked.
func proxied(t *testing.T, limits node.Limits, withWeb bool) *testnode.Node {
	proxies, _ := node.ParseProxies("127.0.0.1")
	// The web UI needs the node's registry, which exists once the node is
	// open: the handler is set right after.
	var ui http.Handler = http.NotFoundHandler()
	opts := testnode.Options{HTTP: node.HTTPOptions{Proxies: proxies, Limits: &limits,
		Web: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ui.ServeHTTP(w, r) })}}
	n := testnode.Start(t, opts)
	if withWeb {
		ui = web.New(web.Config{Registry: n.Registry, VerifierKey: n.VerifierKey})
	}
	return n
}

// TestTokenGuessingLimited: after its burst of failed token attempts a
// client is answered 429 with Retry-After, over the API and the portal's
// sign-in form alike, even with a right token, until its bucket refills;
// other clients are not held back. Over the API, one token failing again
// and again counts once.
func TestTokenGuessingLimited(t *testing.T) {
	limits := node.DefaultLimits()
	limits.AuthFailures = slow(5)
	n := proxied(t, limits, true)
	org := registerProvider(t, n)
	for _, tc := range []struct {
		name, method, path, contentType string
		body                            func(guess string) string
		header                          bool // the guess goes in Authorization
	}{
		{"API", "GET", "/v1/organizations/" + org.Organization.ID + "/tokens", "", func(string) string { return "" }, true},
		{"portal sign-in", "POST", "/portal/signin", "application/x-www-form-urlencoded", func(g string) string { return url.Values{"token": {g}}.Encode() }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			guesser := "198.51.100." + map[bool]string{true: "1", false: "2"}[tc.header]
			try := func(addr, secret string) (int, string, string) {
				token := ""
				if tc.header {
					token = secret
				}
				return send(t, tc.method, n.URL+tc.path, addr, token, tc.contentType, tc.body(secret))
			}
			first := 0
			if tc.header {
				// A token that keeps failing (a revoked one, say) counts
				// once: that is not guessing.
				for i := range 12 {
					if s, _, _ := try(guesser, "accord_revoked"); s != http.StatusUnauthorized {
						t.Fatalf("the same wrong token, attempt %d: %d, want 401", i+1, s)
					}
				}
				first = 1
			}
			for i := first; i < 5; i++ {
				if s, _, _ := try(guesser, fmt.Sprintf("accord_guess%d", i)); s != http.StatusUnauthorized {
					t.Fatalf("guess %d: %d, want 401", i+1, s)
				}
			}
			for i := range 3 {
				s, retry, code := try(guesser, fmt.Sprintf("accord_more%d", i))
				if s != http.StatusTooManyRequests || retry == "" {
					t.Fatalf("guess %d after the burst: %d (Retry-After %q), want 429 with Retry-After", 6+i, s, retry)
				}
				if tc.header && code != "too_many_requests" {
					t.Errorf("problem code %q", code)
				}
			}
			if s, _, _ := try(guesser, org.Token.Secret); s != http.StatusTooManyRequests {
				t.Errorf("the right token from a blocked address: %d, want 429", s)
			}
			if s, _, _ := try("203.0.113.50", org.Token.Secret); s == http.StatusTooManyRequests || s == http.StatusUnauthorized {
				t.Errorf("the right token from another address: %d", s)
			}
		})
	}
	if s, _, _ := send(t, "GET", n.URL+"/healthz", "198.51.100.1", "", "", ""); s != http.StatusOK {
		t.Errorf("/healthz for a blocked address: %d", s)
	}
}

// TestWriteLimits: writes are limited per token and per address; reads are not.
func TestWriteLimits(t *testing.T) {
	limits := node.DefaultLimits()
	limits.TokenWrites, limits.ClientWrites = slow(3), slow(5)
	n := proxied(t, limits, false)
	org := registerProvider(t, n)
	other, err := client.New(n.URL, n.AdminToken).IssueToken(context.Background(), org.Organization.ID, "second")
	if err != nil {
		t.Fatal(err)
	}
	filing, _ := json.Marshal(crashFiling(1, 1))
	file := func(addr, token string) int {
		s, _, _ := send(t, "POST", n.URL+"/v1/systems", addr, token, "application/json", string(filing))
		return s
	}
	for i := range 3 {
		if s := file("198.51.100.7", org.Token.Secret); s != http.StatusCreated {
			t.Fatalf("filing %d: %d", i+1, s)
		}
	}
	if s := file("198.51.100.8", org.Token.Secret); s != http.StatusTooManyRequests {
		t.Errorf("a 4th write with a token allowed 3, from another address: %d, want 429", s)
	}
	if s := file("198.51.100.7", other.Secret); s != http.StatusCreated {
		t.Errorf("another token's write: %d", s)
	}
	// The address has made 4 of its 5 writes (one refused by the token's
	// limit counted too); the 6th write from it is refused, whatever the token.
	file("198.51.100.7", other.Secret)
	if s := file("198.51.100.7", other.Secret); s != http.StatusTooManyRequests {
		t.Errorf("a write over the address's limit: %d, want 429", s)
	}
	for range 10 {
		if s, _, _ := send(t, "GET", n.URL+"/v1/organizations", "198.51.100.7", "", "", ""); s != http.StatusOK {
			t.Fatalf("a read from an address over its write limit: %d", s)
		}
	}
}

func registerProvider(t *testing.T, n *testnode.Node) *registry.RegisteredOrganization {
	t.Helper()
	r, err := client.New(n.URL, n.AdminToken).RegisterOrganization(context.Background(), accord.NewOrganization{Name: accord.Text{"en": "Limits Co"}, Kind: "provider", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestHSTS: Strict-Transport-Security on every answer that came over
// HTTPS, directly or through a trusted proxy, and never over plain HTTP.
func TestHSTS(t *testing.T) {
	const want = "max-age=63072000; includeSubDomains"
	tlsNode := testnode.Start(t, testnode.Options{TLS: true})
	for _, path := range []string{"/healthz", "/v1/vocabularies", "/v1/systems/nope", "/log/checkpoint"} {
		resp, err := tlsNode.Server.Client().Get(tlsNode.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != want {
			t.Errorf("over TLS, %s: Strict-Transport-Security %q", path, got)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("over TLS, %s: no X-Content-Type-Options: nosniff", path)
		}
	}
	get := func(n *testnode.Node, proto string) string {
		req, _ := http.NewRequest("GET", n.URL+"/healthz", nil)
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("Strict-Transport-Security")
	}
	plain := testnode.Start(t, testnode.Options{})
	if got := get(plain, ""); got != "" {
		t.Errorf("over plain HTTP: Strict-Transport-Security %q", got)
	}
	if got := get(plain, "https"); got != "" {
		t.Errorf("X-Forwarded-Proto from a peer that is not a trusted proxy: Strict-Transport-Security %q", got)
	}
	behind := proxied(t, node.DefaultLimits(), false)
	if got := get(behind, "https"); got != want {
		t.Errorf("behind a trusted proxy that got HTTPS: Strict-Transport-Security %q", got)
	}
	if got := get(behind, "http"); got != "" {
		t.Errorf("behind a trusted proxy that got plain HTTP: Strict-Transport-Security %q", got)
	}
}

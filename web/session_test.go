package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/postgres/pgtest"
	"github.com/accord-gov/accord/registry"
)

// sessionNode is a node of its own with its web UI on 127.0.0.1, which a
// test may stop and start again on the same data directory and database.
type sessionNode struct {
	t   *testing.T
	cfg node.Config
	*testNode
}

func startSessionNode(t *testing.T, cfg node.Config) *sessionNode {
	t.Helper()
	sn := &sessionNode{t: t, cfg: cfg}
	sn.start()
	t.Cleanup(sn.stop)
	return sn
}

func (sn *sessionNode) start() {
	sn.t.Helper()
	n, err := node.Open(context.Background(), sn.cfg)
	if err != nil {
		sn.t.Fatalf("open node: %v", err)
	}
	tn := &testNode{Node: n, Web: New(Config{Registry: n.Registry, VerifierKey: n.VerifierKey})}
	tn.Server = httptest.NewServer(n.Handler(node.HTTPOptions{Web: tn.Web}))
	tn.URL = tn.Server.URL
	sn.testNode = tn
}

func (sn *sessionNode) stop() {
	if sn.testNode != nil {
		sn.Server.Close()
		sn.Close()
		sn.testNode = nil
	}
}

// provider registers a provider organization and returns its id, its
// initial token's id and secret.
func (sn *sessionNode) provider(name string) (org, tokID, secret string) {
	sn.t.Helper()
	r, err := sn.Registry.RegisterOrganization(context.Background(), registry.Operator(), accord.NewOrganization{Name: accord.Text{"en": name}, Kind: "provider", Country: "FR"})
	if err != nil {
		sn.t.Fatal(err)
	}
	return r.Organization.ID, r.Token.Token.ID, r.Token.Secret
}

// signInCookie signs in with a token and returns the session cookie's value.
func (sn *sessionNode) signInCookie(token string) string {
	sn.t.Helper()
	resp, body := sn.post(sn.t, nil, "/portal/signin", "en", url.Values{"token": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		sn.t.Fatalf("sign in: status %d\n%s", resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return c.Value
		}
	}
	sn.t.Fatal("sign-in set no session cookie")
	return ""
}

// signedInAs fetches the portal with a session cookie and reports whether
// it shows the organization signed in (and the filing form opens).
func signedInAs(t *testing.T, baseURL, cookie, orgName string) bool {
	t.Helper()
	get := func(path string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", baseURL+path, nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
		req.Header.Set("Accept-Language", "en")
		return do(t, nil, req)
	}
	_, body := get("/portal")
	in := strings.Contains(body, orgName) && !strings.Contains(body, `name="token"`)
	resp, _ := get("/portal/new")
	if in != (resp.StatusCode == http.StatusOK) {
		t.Errorf("portal shows signed in %v, but the filing form answers %d", in, resp.StatusCode)
	}
	return in
}

// TestSessionSurvivesRestart: a portal session lives in the store, so the
// browser stays signed in when the node restarts; and the store holds
// neither the session id nor the API token, only their hashes.
func TestSessionSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	sn := startSessionNode(t, node.Config{DataDir: dir, Origin: "session.test/log"})
	_, tokID, secret := sn.provider("Restart Provider (fictional)")
	cookie := sn.signInCookie(secret)
	if !signedInAs(t, sn.URL, cookie, "Restart Provider") {
		t.Fatal("not signed in after signing in")
	}
	sn.stop()
	sn.start()
	if !signedInAs(t, sn.URL, cookie, "Restart Provider") {
		t.Fatal("the node's restart signed the browser out")
	}
	err := sn.Store.View(context.Background(), func(tx accord.ReadTx) error {
		h := sha256.Sum256([]byte(cookie))
		s, err := tx.Session(context.Background(), h[:])
		if err == nil && s.Token != tokID {
			t.Errorf("session names token %q, want %s", s.Token, tokID)
		}
		return err
	})
	if err != nil {
		t.Fatalf("session not stored under the hash of its id: %v", err)
	}
	sn.stop()
	for _, f := range []string{node.DBFile, node.DBFile + "-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(cookie)) || bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the session id or the API token in clear", f)
		}
	}
}

// TestSessionSharedByNodes: two nodes on one PostgreSQL see the same
// sessions: signed in on one, signed in on the other; signed out on the
// other, signed out on both.
func TestSessionSharedByNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := startSessionNode(t, node.Config{DataDir: t.TempDir(), DB: dsn, Origin: "session.test/log"})
	dirB := t.TempDir()
	key, err := os.ReadFile(filepath.Join(a.cfg.DataDir, node.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, node.KeyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	b := startSessionNode(t, node.Config{DataDir: dirB, DB: dsn, Origin: "session.test/log"})
	_, _, secret := a.provider("Shared Provider (fictional)")
	cookie := a.signInCookie(secret)
	if !signedInAs(t, b.URL, cookie, "Shared Provider") {
		t.Fatal("a session opened on one node is unknown to the other")
	}
	req, _ := http.NewRequest("POST", b.URL+"/portal/signout", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp, _ := do(t, nil, req); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: status %d", resp.StatusCode)
	}
	if signedInAs(t, a.URL, cookie, "Shared Provider") {
		t.Error("signed out on one node, still signed in on the other")
	}
}

// TestSessionFloodEvictsOnlyItsOwn: an organization signing in again and
// again ends its own oldest sessions past registry.SessionsPerOrg, never
// another organization's, even one signed in before all of them.
func TestSessionFloodEvictsOnlyItsOwn(t *testing.T) {
	sn := startSessionNode(t, node.Config{DataDir: t.TempDir(), Origin: "session.test/log"})
	_, _, secretA := sn.provider("Flooding Provider (fictional)")
	_, _, secretB := sn.provider("Quiet Provider (fictional)")
	b := sn.signInCookie(secretB)
	const extra = 5
	var a []string
	for range registry.SessionsPerOrg + extra {
		a = append(a, sn.signInCookie(secretA))
	}
	if !signedInAs(t, sn.URL, b, "Quiet Provider") {
		t.Error("another organization's sign-ins ended this organization's session")
	}
	for i, c := range a {
		want := i >= extra // the newest SessionsPerOrg stay
		if got := signedInAs(t, sn.URL, c, "Flooding Provider"); got != want {
			t.Errorf("flooding organization's sign-in %d: signed in %v, want %v", i, got, want)
		}
	}
}

// TestSessionEndsWithItsToken: revoking the token a session was opened
// with signs the session out at once, on every page.
func TestSessionEndsWithItsToken(t *testing.T) {
	sn := startSessionNode(t, node.Config{DataDir: t.TempDir(), Origin: "session.test/log"})
	org, tokID, secret := sn.provider("Revoked Provider (fictional)")
	cookie := sn.signInCookie(secret)
	if !signedInAs(t, sn.URL, cookie, "Revoked Provider") {
		t.Fatal("not signed in")
	}
	if err := client.New(sn.URL, secret).RevokeToken(context.Background(), org, tokID); err != nil {
		t.Fatal(err)
	}
	if signedInAs(t, sn.URL, cookie, "Revoked Provider") {
		t.Error("still signed in after the session's token was revoked")
	}
	// The home page no longer names the organization either.
	req, _ := http.NewRequest("GET", sn.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
	if _, body := do(t, nil, req); strings.Contains(body, "Revoked Provider") {
		t.Error("pages still show the organization signed in")
	}
	// Filing with the old session is refused, and nothing is filed.
	form := validForm()
	form.Set("action", "submit")
	req, _ = http.NewRequest("POST", sn.URL+"/portal/new", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
	if resp, _ := do(t, nil, req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("filing with a revoked token's session: status %d, want 403", resp.StatusCode)
	}
	if p, err := sn.Registry.Search(context.Background(), accord.SystemQuery{Provider: org}); err != nil || len(p.Systems) != 0 {
		t.Errorf("filed with a revoked token's session: %v, %v", p, err)
	}
}

// TestRefusedSignInsGetAPageInTheirLanguage: a reader who goes over the
// node's limit on failed sign-ins gets 429 with Retry-After and an error
// page in the language asked for, not a line of English text.
func TestRefusedSignInsGetAPageInTheirLanguage(t *testing.T) {
	sn := startSessionNode(t, node.Config{DataDir: t.TempDir()})
	for i := range 100 { // the default limit allows a burst of 20 failures
		resp, body := sn.post(t, nil, "/portal/signin", "fr", url.Values{"token": {fmt.Sprintf("accord_wrong%d", i)}})
		if resp.StatusCode != http.StatusTooManyRequests {
			continue
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("429 Content-Type %q, want an HTML page", ct)
		}
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("Retry-After %q, want whole seconds ≥ 1", resp.Header.Get("Retry-After"))
		}
		for _, want := range []string{`lang="fr"`, "Trop de requêtes", "Veuillez patienter"} {
			if !strings.Contains(body, want) {
				t.Errorf("429 page lacks %q:\n%s", want, body)
			}
		}
		return
	}
	t.Fatal("100 failed sign-ins from one address were never refused")
}

package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestServeFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--trust-proxy", "10.0.0.0/8,proxy.example"}, `--trust-proxy: "proxy.example" is neither an IP address nor a CIDR range`},
		{[]string{"serve", "--token-write-rate", "-1"}, "--token-write-rate -1: give a rate per second, or 0 for no limit"},
		{[]string{"serve", "--tls-cert", "cert.pem"}, "--tls-cert and --tls-key go together"},
	} {
		code, _, stderr := cli(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("accord %v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// startServe runs serve in-process on a free loopback port until the test ends.
func startServe(t *testing.T, c serveConfig) string {
	t.Helper()
	c.data, c.addr = t.TempDir(), "127.0.0.1:0"
	if c.logLevel == "" {
		c.logLevel = "info"
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, c, slog.New(slog.DiscardHandler), pw); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	addr := regexp.MustCompile(`Accord node on (https?://\S+)`)
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := addr.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, pr)
			return m[1]
		}
	}
	t.Fatalf("serve did not start: %v", <-done)
	return ""
}

// TestServeSecureCookies: --secure-cookies marks the web UI's cookies
// Secure even on a plain HTTP request (TLS ends at a proxy that does not
// say so); without it they are not.
func TestServeSecureCookies(t *testing.T) {
	for _, secure := range []bool{true, false} {
		base := startServe(t, serveConfig{secureCookies: secure, logLevel: "info"})
		client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.PostForm(base+"/lang", url.Values{"lang": {"fr"}, "back": {"/"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookies := resp.Cookies()
		if len(cookies) == 0 {
			t.Fatalf("POST /lang set no cookie (status %d)", resp.StatusCode)
		}
		if cookies[0].Secure != secure {
			t.Errorf("--secure-cookies=%v: cookie %s Secure = %v", secure, cookies[0].Name, cookies[0].Secure)
		}
	}
}

// TestServeTrustProxy: behind a proxy named by --trust-proxy, a request the
// proxy says came over HTTPS is answered with HSTS; the same claim from a
// node without --trust-proxy is not believed.
func TestServeTrustProxy(t *testing.T) {
	for _, tc := range []struct {
		trust string
		want  string
	}{
		{"127.0.0.1", "max-age=63072000; includeSubDomains"},
		{"", ""},
	} {
		base := startServe(t, serveConfig{trustProxy: tc.trust, logLevel: "info"})
		req, _ := http.NewRequest("GET", base+"/healthz", nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != tc.want {
			t.Errorf("--trust-proxy %q: Strict-Transport-Security %q, want %q", tc.trust, got, tc.want)
		}
	}
}

// TestServeTLS: with --tls-cert and --tls-key the node serves HTTPS,
// answers with HSTS, and its cookies are Secure without --secure-cookies.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)

	base := startServe(t, serveConfig{tlsCert: certFile, tlsKey: keyFile})
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("serve says it listens on %s", base)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Strict-Transport-Security") != "max-age=63072000; includeSubDomains" {
		t.Errorf("GET /healthz over TLS: %d, Strict-Transport-Security %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	resp, err = client.PostForm(base+"/lang", url.Values{"lang": {"ar"}, "back": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cs := resp.Cookies(); len(cs) == 0 || !cs[0].Secure {
		t.Errorf("cookies over TLS: %v, want Secure", cs)
	}
}

// TestServePublicURLInLanguageLinks: with --public-url, pages link their
// language versions (hreflang) under that URL, not under whatever Host the
// request named (a proxy may rewrite it).
func TestServePublicURLInLanguageLinks(t *testing.T) {
	const public = "https://accord.example.org"
	base := startServe(t, serveConfig{publicURL: public, logLevel: "info"})
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `hreflang="fr" href="` + public + `/?lang=fr"`; !strings.Contains(string(body), want) {
		t.Errorf("--public-url %s: the home page has no %s", public, want)
	}
}

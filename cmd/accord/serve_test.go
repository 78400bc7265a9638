package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
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
	addr := regexp.MustCompile(`Accord node on (http://\S+)`)
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

package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/accord-gov/accord/api"
	"github.com/accord-gov/accord/internal/compress"
)

// plain sends a request without the Go client's transparent compression,
// so the test sees the headers and bytes as sent.
func (e *env) plain(method, path, token, acceptEncoding string, body []byte) (*http.Response, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.node.URL+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, data
}

// TestCacheHeaders: answers that depend on the caller vary by
// Authorization, and no answer to a request with a token may be stored by a
// cache (it can carry confidential fields).
func TestCacheHeaders(t *testing.T) {
	e := newEnv(t)
	v, err := e.provider.FileSystem(ctx, "", sampleFiling(), "")
	if err != nil {
		t.Fatal(err)
	}
	system := "/v1/systems/" + v.ID
	for _, tc := range []struct {
		name, method, path, token string
		body                      []byte
		status                    int
		cacheControl              string // "" = none
	}{
		{"a system, to the public", "GET", system, "", nil, 200, ""},
		{"a system, to its provider (confidential fields)", "GET", system, e.secret, nil, 200, "no-store"},
		{"its versions, to its provider", "GET", system + "/versions", e.secret, nil, 200, "no-store"},
		{"a search, with a token", "GET", "/v1/systems?q=screener", e.secret, nil, 200, "no-store"},
		{"the vocabularies, to the public", "GET", "/v1/vocabularies", "", nil, 200, "public, max-age=3600"},
		{"the vocabularies, with a token", "GET", "/v1/vocabularies", e.secret, nil, 200, "no-store"},
		{"the OpenAPI document, with a token", "GET", "/v1/openapi.json", e.secret, nil, 200, "no-store"},
		{"a token's list", "GET", "/v1/organizations/" + e.orgID + "/tokens", e.secret, nil, 200, "no-store"},
		{"a filing", "POST", "/v1/systems", e.secret, filingJSON(t, nil), 201, "no-store"},
		{"a refused filing", "POST", "/v1/systems", "", filingJSON(t, nil), 401, "no-store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := e.plain(tc.method, tc.path, tc.token, "", tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if got := resp.Header.Get("Cache-Control"); got != tc.cacheControl {
				t.Errorf("Cache-Control %q, want %q", got, tc.cacheControl)
			}
			if vary := varies(resp); resp.StatusCode < 400 && !slices.Contains(vary, "authorization") {
				t.Errorf("Vary %q does not name Authorization", vary)
			}
		})
	}
}

// varies lists the Vary header's names, lower case.
func varies(resp *http.Response) []string {
	var out []string
	for _, v := range resp.Header.Values("Vary") {
		for name := range strings.SplitSeq(v, ",") {
			out = append(out, strings.ToLower(strings.TrimSpace(name)))
		}
	}
	return out
}

// TestJSONCompressed: JSON answers are gzip-compressed for clients that
// accept it, as pages are, and plain with their length for others.
func TestJSONCompressed(t *testing.T) {
	e := newEnv(t)
	var id string
	for range 3 { // a page of three results is worth compressing
		v, err := e.provider.FileSystem(ctx, "", sampleFiling(), "")
		if err != nil {
			t.Fatal(err)
		}
		id = v.ID
	}
	for _, tc := range []struct {
		path    string
		gzipped bool
	}{
		{"/v1/openapi.json", true},
		{"/v1/vocabularies", true},
		{"/v1/systems?q=screener", true},
		{"/v1/systems/" + id, false}, // under compress.MinSize
	} {
		path := tc.path
		t.Run(path, func(t *testing.T) {
			plainResp, plainBody := e.plain("GET", path, "", "", nil)
			if plainResp.Header.Get("Content-Encoding") != "" || plainResp.ContentLength != int64(len(plainBody)) {
				t.Errorf("without Accept-Encoding: Content-Encoding %q, length %d for %d bytes", plainResp.Header.Get("Content-Encoding"), plainResp.ContentLength, len(plainBody))
			}
			if tc.gzipped != (len(plainBody) >= compress.MinSize) {
				t.Fatalf("the answer is %d bytes: fix the test's expectation", len(plainBody))
			}
			resp, raw := e.plain("GET", path, "", "gzip", nil)
			if !tc.gzipped {
				if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(raw, plainBody) {
					t.Errorf("a %d-byte answer was compressed", len(plainBody))
				}
				return
			}
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("Content-Encoding %q for a client that accepts gzip (%d bytes)", resp.Header.Get("Content-Encoding"), len(plainBody))
			}
			if !slices.Contains(varies(resp), "accept-encoding") {
				t.Errorf("Vary %q does not name Accept-Encoding", varies(resp))
			}
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			// Search results and systems carry nothing that changes between
			// two reads, so both answers must be the same JSON.
			if !bytes.Equal(got, plainBody) {
				t.Errorf("the gzipped answer decodes to %d bytes that differ from the plain answer's %d", len(got), len(plainBody))
			}
			if len(raw) >= len(plainBody) {
				t.Errorf("compressed %d bytes into %d", len(plainBody), len(raw))
			}
			if path == "/v1/openapi.json" && !bytes.Equal(got, api.OpenAPI) {
				t.Error("the OpenAPI document changed on the way")
			}
		})
	}
}

// TestWriteAnswersNotCompressed: a write's answer (mostly its receipt's
// hashes and signature) goes out plain with its length even to a client
// that accepts gzip: compressing it cost more CPU than the rest of the HTTP
// layer of a filing.
func TestWriteAnswersNotCompressed(t *testing.T) {
	e := newEnv(t)
	resp, body := e.plain("POST", "/v1/systems", e.secret, "gzip", filingJSON(t, nil))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if len(body) < compress.MinSize {
		t.Fatalf("the answer is %d bytes, under compress.MinSize: the test proves nothing", len(body))
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" || resp.ContentLength != int64(len(body)) {
		t.Errorf("Content-Encoding %q, Content-Length %d for %d bytes; want plain with its length", ce, resp.ContentLength, len(body))
	}
}

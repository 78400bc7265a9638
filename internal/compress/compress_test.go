package compress

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestAccepts(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"br, gzip", true},
		{"GZIP", true},
		{"gzip;q=0.5", true},
		{"gzip; q=1.0", true},
		{"gzip;q=0", false},
		{"gzip; q=0.0", false},
		{"gzip;q=bad", false},
		{"deflate, br", false},
		{"x-gzip", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Encoding", tc.header)
		if got := Accepts(r); got != tc.want {
			t.Errorf("Accept-Encoding %q: Accepts = %v, want %v", tc.header, got, tc.want)
		}
	}
}

func TestWrite(t *testing.T) {
	big := []byte(strings.Repeat(`{"name":"a registry of AI systems"},`, 100))
	small := []byte(`{"ok":true}`)
	for _, tc := range []struct {
		name, method, accept string
		body                 []byte
		gzipped              bool
	}{
		{"large body, gzip accepted", http.MethodGet, "gzip", big, true},
		{"large body, gzip not accepted", http.MethodGet, "", big, false},
		{"small body stays plain", http.MethodGet, "gzip", small, false},
		{"HEAD gets headers only", http.MethodHead, "gzip", big, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/", nil)
			r.Header.Set("Accept-Encoding", tc.accept)
			w := httptest.NewRecorder()
			w.Header().Set("Vary", "Authorization")
			Write(w, r, http.StatusCreated, tc.body)
			res := w.Result()
			if res.StatusCode != http.StatusCreated {
				t.Errorf("status %d", res.StatusCode)
			}
			if got := res.Header.Values("Vary"); strings.Join(got, ",") != "Authorization,Accept-Encoding" {
				t.Errorf("Vary %q, want the handler's and Accept-Encoding", got)
			}
			raw := w.Body.Bytes()
			if tc.gzipped != (res.Header.Get("Content-Encoding") == "gzip") {
				t.Fatalf("Content-Encoding %q, want gzip: %v", res.Header.Get("Content-Encoding"), tc.gzipped)
			}
			if tc.method == http.MethodHead {
				if len(raw) != 0 {
					t.Errorf("HEAD answered with %d body bytes", len(raw))
				}
				return
			}
			if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(raw)) {
				t.Errorf("Content-Length %s for %d bytes", cl, len(raw))
			}
			got := raw
			if tc.gzipped {
				zr, err := gzip.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				if got, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
				if len(raw) >= len(tc.body) {
					t.Errorf("compressed %d bytes into %d", len(tc.body), len(raw))
				}
			}
			if !bytes.Equal(got, tc.body) {
				t.Errorf("body changed on the way: %q", got)
			}
		})
	}
}

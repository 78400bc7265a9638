package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

// Performance budget: server render p95 ≤ 50 ms for the home, search and
// system pages, and ≤ 200 KB transferred for a system page with its
// stylesheet and script. Run:
//
//	go test ./web -run '^$' -bench . -benchtime 200x
//
// Each benchmark reports the p95 of its iterations ("p95-ms") besides the
// mean (ns/op). TestSystemPageWeight holds the weight budget in every run.

func benchPage(b *testing.B, path, lang string) {
	tn := demoNode(b)
	h := tn.Server.Config.Handler // the whole node: API, log and UI
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept-Language", lang)
	req.Header.Set("Accept-Encoding", "gzip")
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: status %d", path, rec.Code)
		}
	}
	b.StopTimer()
	slices.Sort(times)
	p95 := times[(len(times)*95)/100]
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
}

func BenchmarkHome(b *testing.B)          { benchPage(b, "/", "en") }
func BenchmarkHomeArabic(b *testing.B)    { benchPage(b, "/", "ar") }
func BenchmarkSearch(b *testing.B)        { benchPage(b, "/search", "en") }
func BenchmarkSearchQuery(b *testing.B)   { benchPage(b, "/search?q=credit&country=FR", "fr") }
func BenchmarkSearchChinese(b *testing.B) { benchPage(b, "/search?q=%E6%8E%A8%E8%8D%90", "zh-Hans") }
func BenchmarkSystem(b *testing.B)        { benchPage(b, "/systems/"+benchSystem(b), "en") }
func BenchmarkSystemArabic(b *testing.B)  { benchPage(b, "/systems/"+benchSystem(b), "ar") }
func BenchmarkFrameworkPage(b *testing.B) { benchPage(b, "/frameworks/eu-ai-act", "en") }

// The EU pack's page in French formats its 170-odd citations.
func BenchmarkFrameworkPageFrench(b *testing.B) { benchPage(b, "/frameworks/eu-ai-act", "fr") }
func BenchmarkTransparency(b *testing.B)        { benchPage(b, "/transparency", "en") }

// benchSystem is the demo system with the largest page: several versions
// and a high-risk classification.
func benchSystem(b testing.TB) string {
	return demoNode(b).systemWith(b, func(s accord.SystemSummary) bool { return s.Version > 1 && s.Level == "high" }).ID
}

// TestSystemPageWeight checks what a browser transfers for the largest
// demo system pages: the page, its stylesheet and its script, compressed
// as served to a browser that accepts gzip.
func TestSystemPageWeight(t *testing.T) {
	tn := demoNode(t)
	worst := 0
	for _, id := range tn.systemIDs(t) {
		for _, lang := range []string{"en", "ar"} {
			page := fetchSize(t, tn, "/systems/"+id, lang)
			total := page.wire
			for _, a := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(page.body, -1) {
				total += fetchSize(t, tn, a[1], lang).wire
			}
			if total > 200*1024 {
				t.Errorf("%s %s weighs %d bytes, over the 200 KB budget", lang, id, total)
			}
			worst = max(worst, total)
		}
	}
	t.Logf("heaviest system page with its assets: %.1f KB transferred", float64(worst)/1024)
}

type fetched struct {
	body string
	wire int
}

func fetchSize(t *testing.T, tn *testNode, path, lang string) fetched {
	t.Helper()
	req, _ := http.NewRequest("GET", tn.URL+path, nil)
	req.Header.Set("Accept-Language", lang)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	body := raw
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(zr)
	}
	return fetched{body: string(body), wire: len(raw)}
}

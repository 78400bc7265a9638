package node

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/accord-gov/accord/sqlite"
)

// TestExpensiveGate: when every slot for expensive reads is taken, the
// next search is refused at once with 429, Retry-After and a problem body,
// while /healthz, reads of one record and writes go through; a freed slot
// lets searches in again.
func TestExpensiveGate(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 8)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if expensive(r) {
			entered <- struct{}{}
			<-release // a slow search
		}
		w.WriteHeader(http.StatusOK)
	})
	n := &Node{Metrics: prometheus.NewRegistry()}
	lm := n.newLimiter(Limits{Expensive: 2, ExpensiveWait: 0}, nil)
	srv := httptest.NewServer(lm.wrap(h))
	defer srv.Close()

	// Two slow searches take both slots.
	done := make(chan int, 2)
	for range 2 {
		go func() {
			resp, err := http.Get(srv.URL + "/v1/systems?q=slow")
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		<-entered
	}
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/v1/systems?q=third", http.StatusTooManyRequests},
		{"GET", "/search?q=third", http.StatusTooManyRequests},
		{"GET", "/v1/systems/sys_1/classification?as_of=2027-01-01", http.StatusTooManyRequests},
		{"POST", "/v1/classify", http.StatusTooManyRequests},
		{"GET", "/healthz", http.StatusOK},
		{"GET", "/v1/systems/sys_1", http.StatusOK},
		{"POST", "/v1/systems", http.StatusOK},
		{"GET", "/log/checkpoint", http.StatusOK},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Status int    `json:"status"`
			Code   string `json:"code"`
			Detail string `json:"detail"`
		}
		json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s with every slot taken: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
			continue
		}
		if tc.want != http.StatusTooManyRequests {
			continue
		}
		if resp.Header.Get("Retry-After") != "1" {
			t.Errorf("%s %s: Retry-After %q, want 1", tc.method, tc.path, resp.Header.Get("Retry-After"))
		}
		api := strings.HasPrefix(tc.path, "/v1/")
		if ct := resp.Header.Get("Content-Type"); api != (ct == "application/problem+json") {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
		}
		if api && (p.Status != 429 || p.Code != "too_many_requests" || !strings.Contains(p.Detail, "2 at once")) {
			t.Errorf("%s %s: problem %+v", tc.method, tc.path, p)
		}
	}
	close(release)
	for range 2 {
		if s := <-done; s != http.StatusOK {
			t.Errorf("a search that held a slot answered %d", s)
		}
	}
	resp, err := http.Get(srv.URL + "/v1/systems?q=after")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("search after the slots were freed: %v %v", resp.StatusCode, err)
	}
}

// TestExpensiveSlots: the bound leaves at least half of the store's read
// connections free, and lets at least one search through.
func TestExpensiveSlots(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := expensiveSlots(db)
	if n < 1 || n > db.ReadConns()/2 || n > 2*runtime.GOMAXPROCS(0) {
		t.Errorf("%d slots for %d read connections and %d CPUs", n, db.ReadConns(), runtime.GOMAXPROCS(0))
	}
}

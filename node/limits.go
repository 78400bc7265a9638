package node

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/accord-gov/accord/api"
	"github.com/accord-gov/accord/internal/limit"
	"github.com/accord-gov/accord/postgres"
	"github.com/accord-gov/accord/sqlite"
)

// Limits bound what one client can ask of a node, so that no client can
// guess tokens at speed, and a flood of searches cannot take the database
// connections that /healthz and writes need. A client is its address (see
// Proxies.Client; IPv6 by /64); over a limit it gets 429 with Retry-After.
type Limits struct {
	// AuthFailures: failed token attempts per client, counted when a
	// request that presented a token (Authorization, or the portal's
	// sign-in form) is answered 401. A token that failed from the same
	// client in the last minute counts once: clients that keep using a
	// revoked token are not guessing. Once the bucket is empty every
	// request with a token is refused until it refills, right or wrong token.
	AuthFailures limit.Rate
	// TokenWrites and ClientWrites: writes (POST, PUT, PATCH, DELETE,
	// except POST /v1/classify, an expensive read) per API token and per
	// client address. Generous: they stop a runaway script, not a bulk filer.
	TokenWrites, ClientWrites limit.Rate
	// Expensive: how many expensive reads (searches with their facet
	// counts, classifications, previews) run at once; ExpensiveWait: how
	// long one waits for a slot before it is refused. 0: sized from the
	// CPUs and the store's connection pool (see expensiveSlots); < 0: no bound.
	Expensive     int
	ExpensiveWait time.Duration
}

// DefaultLimits are the limits of accord serve unless flags say otherwise:
// each allows bursts of twice its rate.
func DefaultLimits() Limits {
	return Limits{
		AuthFailures:  limit.Rate{PerSecond: 10, Burst: 20},
		TokenWrites:   limit.Rate{PerSecond: 2000, Burst: 4000},
		ClientWrites:  limit.Rate{PerSecond: 5000, Burst: 10000},
		ExpensiveWait: 250 * time.Millisecond,
	}
}

// maxClients bounds each limit's memory: buckets kept at once.
const maxClients = 50_000

// expensiveSlots sizes the bound on expensive reads: enough to keep the
// CPUs busy (two per CPU: a search also waits for its pages), and never
// more than half the store's read connections, so that the other half stays
// free for /healthz, token checks, page reads and (PostgreSQL) the log's
// writes, which share the pool.
func expensiveSlots(store any) int {
	n := 2 * runtime.GOMAXPROCS(0)
	switch db := store.(type) {
	case *sqlite.DB:
		n = min(n, db.ReadConns()/2)
	case *postgres.DB:
		n = min(n, int(db.Pool().Config().MaxConns)/2)
	}
	return max(1, n)
}

// expensive reports whether a request is an expensive read.
func expensive(r *http.Request) bool {
	p := r.URL.Path
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return p == "/v1/systems" || p == "/search" ||
			(strings.HasPrefix(p, "/v1/systems/") && strings.HasSuffix(p, "/classification"))
	case http.MethodPost:
		return p == "/v1/classify"
	}
	return false
}

func isWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	// A peer's log submitting checkpoints to our witness writes nothing a
	// client asked for: the witness bounds its own load (429 when
	// overloaded, as C2SP tlog-witness says), and a busy peer must not be
	// held back by a limit meant for filers.
	if strings.HasPrefix(r.URL.Path, "/witness/") {
		return false
	}
	return !expensive(r)
}

// presentsToken reports whether a request tries a token: an Authorization
// header, or the portal's sign-in form.
func presentsToken(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || (r.Method == http.MethodPost && r.URL.Path == "/portal/signin")
}

// limiter applies a node's Limits in front of its handler.
type limiter struct {
	proxies      Proxies
	authFailures *limit.Buckets
	failedTokens *limit.Buckets // (client, token) pairs that failed lately
	tokenWrites  *limit.Buckets
	clientWrites *limit.Buckets
	expensive    *limit.Gate
	refused      *prometheus.CounterVec
	// page answers a refused request for a web page in the reader's
	// language (the web UI's TooManyRequests); nil: plain text.
	page func(w http.ResponseWriter, r *http.Request, retry time.Duration)
}

// TooManyRequestsPage is a web UI that answers a refused request with a
// page of its own.
type TooManyRequestsPage interface {
	TooManyRequests(w http.ResponseWriter, r *http.Request, retry time.Duration)
}

func (n *Node) newLimiter(l Limits, proxies Proxies) *limiter {
	slots := l.Expensive
	if slots == 0 {
		slots = expensiveSlots(n.Store)
	}
	lm := &limiter{
		proxies:      proxies,
		authFailures: limit.NewBuckets(l.AuthFailures, maxClients, nil),
		// One token per pair and minute: a pair's second failure within
		// the minute finds its bucket empty.
		failedTokens: limit.NewBuckets(limit.Rate{PerSecond: 1.0 / 60, Burst: 1}, maxClients, nil),
		tokenWrites:  limit.NewBuckets(l.TokenWrites, maxClients, nil),
		clientWrites: limit.NewBuckets(l.ClientWrites, maxClients, nil),
		expensive:    limit.NewGate(slots, l.ExpensiveWait),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "accord_http_refused_total", Help: "Requests refused with 429, by the limit they went over.",
		}, []string{"limit"}),
	}
	n.Metrics.MustRegister(lm.refused)
	return lm
}

// wrap answers 429 to requests over a limit and passes the others to h.
func (lm *limiter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := clientKey(lm.proxies.Client(r))
		tries := presentsToken(r)
		if tries {
			if ok, retry := lm.authFailures.Check(client, 1); !ok {
				lm.refuse(w, r, "auth_failures", retry, "too many failed token attempts from your address")
				return
			}
		}
		// The token's hash: never keep the secret itself.
		var token string
		if auth := r.Header.Get("Authorization"); auth != "" {
			sum := sha256.Sum256([]byte(auth))
			token = string(sum[:])
		}
		if isWrite(r) {
			if ok, retry := lm.clientWrites.Take(client, 1); !ok {
				lm.refuse(w, r, "client_writes", retry, "too many writes from your address")
				return
			}
			if token != "" {
				if ok, retry := lm.tokenWrites.Take(token, 1); !ok {
					lm.refuse(w, r, "token_writes", retry, "too many writes with this token")
					return
				}
			}
		}
		if expensive(r) {
			if !lm.expensive.Enter(r.Context()) {
				lm.refuse(w, r, "expensive", time.Second, fmt.Sprintf("the node is answering as many searches and classifications as it can (%d at once)", lm.expensive.Size()))
				return
			}
			defer lm.expensive.Leave()
		}
		if !tries {
			h.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if sw.status != http.StatusUnauthorized {
			return
		}
		if token == "" {
			// The sign-in form's token is in its body, unread here: each
			// failed sign-in counts.
			lm.authFailures.Drain(client, 1)
		} else if first, _ := lm.failedTokens.Take(client+"\x00"+token, 1); first {
			lm.authFailures.Drain(client, 1)
		}
	})
}

func (lm *limiter) refuse(w http.ResponseWriter, r *http.Request, which string, retry time.Duration, detail string) {
	lm.refused.WithLabelValues(which).Inc()
	if strings.HasPrefix(r.URL.Path, "/v1/") {
		api.TooManyRequests(w, r, retry, detail)
		return
	}
	if lm.page != nil && webPath(r.URL.Path) {
		lm.page(w, r, retry)
		return
	}
	secs := max(1, int(retry.Seconds()+0.999))
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, fmt.Sprintf("Too many requests: %s. Try again in %d s.", detail, secs), http.StatusTooManyRequests)
}

// webPath tells a web UI page from the node's machine-readable surfaces
// (C2SP log, witness and mirror paths, health and metrics), which keep
// their plain-text answers.
func webPath(p string) bool {
	for _, prefix := range []string{"/log/", "/witness/", "/mirror/", "/healthz", "/metrics"} {
		if strings.HasPrefix(p, prefix) {
			return false
		}
	}
	return true
}

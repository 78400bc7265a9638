package node

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/api"
	"github.com/accord-gov/accord/tlog"
)

// HTTPOptions adds the parts of the HTTP surface that live in other
// packages, and says how the node is reached.
type HTTPOptions struct {
	APIRoutes []api.Route  // extra /v1 routes
	Web       http.Handler // the web UI, mounted at /
	// Proxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed (accord serve --trust-proxy).
	Proxies Proxies
	// Limits; nil means DefaultLimits.
	Limits *Limits
}

// Handler is the node's whole HTTP surface: /v1 (API), /log/ (C2SP
// tlog-tiles), /witness/ (C2SP tlog-witness), /mirror/ (what it mirrors of its
// peers' logs, C2SP tlog-mirror style), /healthz, /metrics and the web UI.
func (n *Node) Handler(opts HTTPOptions) http.Handler {
	mux := http.NewServeMux()
	a := api.New(n.Registry, api.Options{
		Logger:      n.logger,
		VerifierKey: n.VerifierKey,
		Extra:       opts.APIRoutes,
		Federation:  n.Federation,
		Mirror:      n.Mirror,

		// governance
		Governance: n.Governance,

		// consent
		Consent: n.Consent,

		// incidents
		Incidents: n.Incidents,

		// resources
		Resources: n.Resources,
	})
	mux.Handle("/v1/", a)
	mux.Handle("/log/", http.StripPrefix("/log", tlog.Handler(n.Store)))
	// The checkpoint with the cosignatures collected for it; the witness.
	mux.Handle("GET /log/checkpoint", n.Federation.CheckpointHandler())
	mux.Handle("/witness/", http.StripPrefix("/witness", n.Federation.Handler()))
	mux.Handle("/mirror/", http.StripPrefix("/mirror", n.Mirror.MirrorHandler()))
	mux.HandleFunc("GET /healthz", n.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.Metrics, promhttp.HandlerOpts{Registry: n.Metrics}))
	if opts.Web != nil {
		mux.Handle("/", opts.Web)
	}
	limits := DefaultLimits()
	if opts.Limits != nil {
		limits = *opts.Limits
	}
	lm := n.newLimiter(limits, opts.Proxies)
	if p, ok := opts.Web.(TooManyRequestsPage); ok {
		lm.page = p.TooManyRequests
	}
	return n.instrument(securityHeaders(opts.Proxies, lm.wrap(mux)))
}

// hsts tells browsers to come back over HTTPS only, for two years: sent on
// every answer to a request that came over HTTPS (browsers ignore it over
// plain HTTP, and a node must not pin a name that is served without TLS).
const hsts = "max-age=63072000; includeSubDomains"

// securityHeaders sets the headers every answer carries.
func securityHeaders(proxies Proxies, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		https := proxies.HTTPS(r)
		if https {
			w.Header().Set("Strict-Transport-Security", hsts)
		}
		// Handlers below (the web UI's Secure cookies and absolute links)
		// read X-Forwarded-Proto: they see it only as a trusted proxy said
		// it, never as any client wrote it.
		if r.TLS == nil && r.Header.Get("X-Forwarded-Proto") != "" {
			r = r.Clone(r.Context())
			r.Header.Del("X-Forwarded-Proto")
			if https {
				r.Header.Set("X-Forwarded-Proto", "https")
			}
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// healthz answers 200 when the database answers.
func (n *Node) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var size int64
	err := n.Store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		size, err = tx.LogSize(ctx)
		return err
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"unavailable","error":"database"}` + "\n"))
		return
	}
	w.Write([]byte(`{"status":"ok","log_size":` + strconv.FormatInt(size, 10) + "}\n"))
}

// instrument logs and counts every request.
func (n *Node) instrument(h http.Handler) http.Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accord_http_requests_total", Help: "HTTP requests by route and status."}, []string{"method", "route", "status"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "accord_http_request_seconds", Help: "HTTP request latency by route.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"method", "route"})
	n.Metrics.MustRegister(requests, duration)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		requests.WithLabelValues(r.Method, route, strconv.Itoa(sw.status)).Inc()
		duration.WithLabelValues(r.Method, route).Observe(d.Seconds())
		level := slog.LevelDebug
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			level = slog.LevelInfo
		}
		if sw.status >= 500 {
			level = slog.LevelWarn
		}
		n.logger.Log(r.Context(), level, "http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", float64(d.Microseconds())/1000)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

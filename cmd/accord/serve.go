package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/accord-gov/accord/internal/limit"
	"github.com/accord-gov/accord/node"
)

// serveConfig is what `accord serve` reads from flags and environment.
type serveConfig struct {
	data, addr, db, origin, logLevel string
	member, publicURL, witnessName   string
	demo                             bool
	mirrorInterval, monitorInterval  time.Duration
	trustProxy                       string
	secureCookies                    bool
	tlsCert, tlsKey                  string
	authFailureRate                  float64
	tokenWriteRate, clientWriteRate  float64
	maxSearches                      int
	cpuProfile                       string
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c serveConfig
	fs.StringVar(&c.data, "data", env("ACCORD_DATA", "./accord-data"), "data directory: database, log key, admin token (env ACCORD_DATA)")
	fs.StringVar(&c.addr, "addr", env("ACCORD_ADDR", "127.0.0.1:8080"), "address to listen on (env ACCORD_ADDR)")
	fs.StringVar(&c.db, "db", env("ACCORD_DB", ""), "database: empty for SQLite in the data directory, sqlite:PATH, or postgres://user@host:port/db (env ACCORD_DB)")
	fs.StringVar(&c.origin, "origin", env("ACCORD_ORIGIN", ""), "the log's name, fixed at first start, e.g. registry.example.org/log (env ACCORD_ORIGIN)")
	fs.StringVar(&c.logLevel, "log-level", env("ACCORD_LOG_LEVEL", "info"), "debug, info, warn or error (env ACCORD_LOG_LEVEL)")
	fs.StringVar(&c.member, "member", env("ACCORD_MEMBER", ""), "this member's name in the federation; default: the log's origin (env ACCORD_MEMBER)")
	fs.StringVar(&c.publicURL, "public-url", env("ACCORD_PUBLIC_URL", ""), "the node's public base URL, as peers reach it; default http://ADDR (env ACCORD_PUBLIC_URL)")
	fs.StringVar(&c.witnessName, "witness-name", env("ACCORD_WITNESS_NAME", ""), "the witness key's name, fixed at first start; default: the origin without /log, plus /witness")
	fs.DurationVar(&c.mirrorInterval, "mirror-interval", envDuration("ACCORD_MIRROR_INTERVAL", time.Second), "how often each active peer's log is polled; a peer is also followed at once when this node's witness cosigns its new checkpoint (env ACCORD_MIRROR_INTERVAL)")
	fs.DurationVar(&c.monitorInterval, "monitor-interval", envDuration("ACCORD_MONITOR_INTERVAL", 10*time.Second), "how often the views peers publish of every log are compared with this node's; 0 never (env ACCORD_MONITOR_INTERVAL)")
	fs.BoolVar(&c.demo, "demo", false, "preload a demo registry on first start (40+ systems from every continent)")
	fs.StringVar(&c.trustProxy, "trust-proxy", env("ACCORD_TRUST_PROXY", ""), "addresses or CIDR ranges of reverse proxies in front of the node, comma-separated: their X-Forwarded-For names the client (the right-most address that is not one of them) and X-Forwarded-Proto: https turns on HSTS (env ACCORD_TRUST_PROXY)")
	fs.StringVar(&c.tlsCert, "tls-cert", env("ACCORD_TLS_CERT", ""), "serve HTTPS with this PEM certificate (chain) file; needs --tls-key (env ACCORD_TLS_CERT)")
	fs.StringVar(&c.tlsKey, "tls-key", env("ACCORD_TLS_KEY", ""), "the PEM private key of --tls-cert (env ACCORD_TLS_KEY)")
	fs.BoolVar(&c.secureCookies, "secure-cookies", envBool("ACCORD_SECURE_COOKIES"), "mark the web UI's cookies Secure even on requests that do not say they came over HTTPS (env ACCORD_SECURE_COOKIES=true)")
	d := node.DefaultLimits()
	fs.Float64Var(&c.authFailureRate, "auth-failure-rate", d.AuthFailures.PerSecond, "failed token attempts allowed per second from one address (bursts of twice as many); 0: no limit")
	fs.Float64Var(&c.tokenWriteRate, "token-write-rate", d.TokenWrites.PerSecond, "writes allowed per second with one API token (bursts of twice as many); 0: no limit")
	fs.Float64Var(&c.clientWriteRate, "client-write-rate", d.ClientWrites.PerSecond, "writes allowed per second from one address (bursts of twice as many); 0: no limit")
	fs.IntVar(&c.maxSearches, "max-searches", 0, "searches and classifications answered at once; more wait a quarter second, then get 429 (0: two per CPU, at most half the database connections; -1: no bound)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the node, from start to shutdown, to this file (go tool pprof reads it)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "accord serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		fmt.Fprintf(stderr, "accord serve: --log-level %q: use debug, info, warn or error\n", c.logLevel)
		return 2
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		fmt.Fprintln(stderr, "accord serve: --tls-cert and --tls-key go together: give both, or neither for plain HTTP")
		return 2
	}
	if _, err := node.ParseProxies(c.trustProxy); err != nil {
		fmt.Fprintf(stderr, "accord serve: --trust-proxy: %v\n", err)
		return 2
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"auth-failure-rate", c.authFailureRate}, {"token-write-rate", c.tokenWriteRate}, {"client-write-rate", c.clientWriteRate}} {
		if f.v < 0 {
			fmt.Fprintf(stderr, "accord serve: --%s %v: give a rate per second, or 0 for no limit\n", f.name, f.v)
			return 2
		}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	tuneGC()
	stopProfile, err := startCPUProfile(c.cpuProfile)
	if err != nil {
		fmt.Fprintf(stderr, "accord serve: --cpuprofile: %v\n", err)
		return 1
	}
	defer stopProfile()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, c, logger, stdout); err != nil {
		fmt.Fprintf(stderr, "accord serve: %v\n", err)
		return 1
	}
	return 0
}

// monitorInterval maps the flag's 0 (never) to the node's negative.
func monitorInterval(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// envDuration reads a duration from the environment, or a default.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(env(name, "")); err == nil {
		return d
	}
	return def
}

// tuneGC trades memory for write throughput, within a bound: a write
// allocates tens of kilobytes that die at once, so collecting less often
// (GOGC=400) saves most of the GC's work, and a soft limit (768 MiB) makes
// the collector work harder before the node grows past it. GOGC and
// GOMEMLIMIT in the environment take precedence.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20)
	}
}

func serve(ctx context.Context, c serveConfig, logger *slog.Logger, stdout io.Writer) error {
	publicURL := c.publicURL
	if publicURL == "" {
		publicURL = "http://" + c.addr
	}
	cfg := node.Config{
		DataDir: c.data, DB: c.db, Origin: c.origin, Logger: logger,
		Member: c.member, PublicURL: publicURL, WitnessName: c.witnessName, Software: "accord " + version(),
		MirrorInterval: c.mirrorInterval, MonitorInterval: monitorInterval(c.monitorInterval),
		AdminTokenOut: func(secret, path string) {
			fmt.Fprintf(stdout, "Admin token (shown once; also saved in %s with mode 0600):\n\n    %s\n\n", path, secret)
		},
	}
	parts, err := assemble(&cfg)
	if err != nil {
		return err
	}
	// Over TLS every request is HTTPS: cookies are Secure anyway.
	parts.secureCookies = c.secureCookies || c.tlsCert != ""
	parts.baseURL = c.publicURL
	n, err := node.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	if c.demo {
		loaded, err := loadDemo(ctx, n)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if loaded > 0 {
			logger.Info("demo registry loaded", "systems", loaded)
		}
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	proxies, _ := node.ParseProxies(c.trustProxy) // checked in runServe
	opts := parts.http(n)
	opts.Proxies = proxies
	opts.Limits = &node.Limits{
		AuthFailures:  rate(c.authFailureRate),
		TokenWrites:   rate(c.tokenWriteRate),
		ClientWrites:  rate(c.clientWriteRate),
		Expensive:     c.maxSearches,
		ExpensiveWait: node.DefaultLimits().ExpensiveWait,
	}
	srv := &http.Server{
		Handler:           n.Handler(opts),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	scheme := "http"
	if c.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--tls-cert %s, --tls-key %s: %w", c.tlsCert, c.tlsKey, err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln, scheme = tls.NewListener(ln, srv.TLSConfig), "https"
	}
	logger.Info("accord node listening", "addr", scheme+"://"+ln.Addr().String(), "data", c.data, "log", n.Log.Origin())
	fmt.Fprintf(stdout, "Accord node on %s://%s (log %s)\nVerifier key: %s\nWitness key: %s\n", scheme, ln.Addr(), n.Log.Origin(), n.VerifierKey, n.Federation.Identity().WitnessKey)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// envBool reads a true/false environment variable (false when unset or not
// a boolean).
func envBool(name string) bool {
	v, _ := strconv.ParseBool(strings.TrimSpace(os.Getenv(name)))
	return v
}

// rate is a flag's limit: so many per second, in bursts of twice as many.
func rate(perSecond float64) limit.Rate {
	return limit.Rate{PerSecond: perSecond, Burst: max(1, int(2*perSecond))}
}

package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/consent"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/governance"
	"github.com/accord-gov/accord/incident"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/resource"
)

// API serves /v1.
type API struct {
	svc         *registry.Service
	logger      *slog.Logger
	mux         *http.ServeMux
	extra       []Route
	verifierKey string
	fed         *federation.Service
	mirror      *federation.Mirror
	patterns    []string // every route registered, in order
	auth        *authCache

	// governance
	gov *governance.Service

	// consent
	consent *consent.Service

	// incidents
	incidents *incident.Service

	// resources
	res *resource.Service
}

// Options configures the API.
type Options struct {
	Logger      *slog.Logger
	VerifierKey string  // the log's public key, in note format, served at /v1/log
	Extra       []Route // routes other packages add
	// Federation serves the federation's routes (identity, peers,
	// witnesses, policy); nil leaves them out.
	Federation *federation.Service
	// Mirror serves what the node mirrors of its peers (mirror status,
	// alarms); nil leaves those routes out.
	Mirror *federation.Mirror

	// governance
	// Governance serves rule-making by consensus (charter, proposals,
	// comments, ballots, tallies); nil answers 503 on its routes.
	Governance *governance.Service

	// consent
	// Consent serves data-subject control (issue 14); nil leaves its routes answering 503.
	Consent *consent.Service

	// incidents
	// Incidents serves the incident routes; nil answers them 503.
	Incidents *incident.Service

	// resources
	// Resources serves the shared-resources catalogue; nil leaves it out.
	Resources *resource.Service
}

// Route is an extra /v1 route another package adds (e.g. classification).
type Route struct {
	Pattern string
	Handler func(w http.ResponseWriter, r *http.Request, c *registry.Caller) error
}

// New returns the /v1 API handler.
func New(svc *registry.Service, opts Options) *API {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &API{
		svc:         svc,
		logger:      logger,
		mux:         http.NewServeMux(),
		extra:       opts.Extra,
		verifierKey: opts.VerifierKey,
		fed:         opts.Federation,
		mirror:      opts.Mirror,
		auth:        newAuthCache(authTTL, authCacheLimit, time.Now),

		// governance
		gov: opts.Governance,

		// consent
		consent: opts.Consent,

		// incidents
		incidents: opts.Incidents,

		// resources
		res: opts.Resources,
	}
	a.routes()
	return a
}

func (a *API) routes() {
	a.handle("GET /v1/openapi.json", a.openapi)
	a.handle("GET /v1/vocabularies", a.vocabularies)
	a.handle("GET /v1/log", a.logInfo)

	a.handle("POST /v1/organizations", a.registerOrganization)
	a.handle("GET /v1/organizations", a.listOrganizations)
	a.handle("GET /v1/organizations/{id}", a.getOrganization)
	a.handle("POST /v1/organizations/{id}/tokens", a.issueToken)
	a.handle("GET /v1/organizations/{id}/tokens", a.listTokens)
	a.handle("POST /v1/organizations/{id}/tokens/{token}/revoke", a.revokeToken)

	a.handle("POST /v1/systems", a.fileSystem)
	a.handle("GET /v1/systems", a.searchSystems)
	a.handle("GET /v1/systems/{id}", a.getSystem)
	a.handle("PUT /v1/systems/{id}", a.updateSystem)
	a.handle("POST /v1/systems/{id}/withdraw", a.withdrawSystem)
	a.handle("GET /v1/systems/{id}/versions", a.listVersions)
	a.handle("GET /v1/systems/{id}/versions/{version}", a.getVersion)
	a.handle("GET /v1/systems/{id}/versions/{version}/receipt", a.getReceipt)
	a.handle("GET /v1/systems/{id}/classification", a.getClassification)
	a.handle("GET /v1/systems/{id}/versions/{version}/classification", a.getClassification)
	a.handle("POST /v1/classify", a.classify)
	a.handle("GET /v1/frameworks", a.listFrameworks)
	a.handle("GET /v1/frameworks/{id}", a.getFramework)
	a.federationRoutes()
	a.mirrorRoutes()
	// governance routes
	a.governanceRoutes()

	// consent routes
	a.consentRoutes()

	// incidents routes
	a.incidentRoutes()

	// resources routes
	a.resourceRoutes()

	for _, r := range a.extra {
		a.handle(r.Pattern, r.Handler)
	}
}

// Patterns lists every route, for the OpenAPI contract test.
func (a *API) Patterns() []string { return slices.Clone(a.patterns) }

type handlerFunc func(w http.ResponseWriter, r *http.Request, c *registry.Caller) error

// handle registers a handler that authenticates the caller and turns
// returned errors into problem bodies.
func (a *API) handle(pattern string, h handlerFunc) {
	a.patterns = append(a.patterns, pattern)
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		privateIfAuthenticated(w, r)
		c, err := a.caller(r)
		if err == nil {
			err = h(w, r, c)
		}
		if err != nil {
			writeError(w, r, a.logger, err)
		}
	})
}

// privateIfAuthenticated keeps caches from storing or mixing up answers
// that depend on who asks: what a caller sees (confidential fields, its own
// tokens) depends on its token, so every answer varies by Authorization,
// and no answer to a request with credentials is stored anywhere. All
// authenticated answers, not just those that carry confidential fields:
// which ones do can change with any filing, and writers gain nothing from
// caches.
func privateIfAuthenticated(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Authorization")
	if r.Header.Get("Authorization") != "" {
		w.Header().Set("Cache-Control", "no-store")
	}
}

// publicCache lets shared caches keep an answer that is the same for
// everyone, unless the request carried credentials (see privateIfAuthenticated).
func publicCache(w http.ResponseWriter, r *http.Request, value string) {
	if r.Header.Get("Authorization") == "" {
		w.Header().Set("Cache-Control", value)
	}
}

func (a *API) caller(r *http.Request) (*registry.Caller, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, accord.Errorf(accord.EUnauthorized, "the Authorization header must be \"Bearer <token>\"")
	}
	return a.auth.authenticate(r.Context(), strings.TrimSpace(secret), a.svc.Authenticate)
}

// ServeHTTP serves the API. Requests no route matches get a problem body
// (404 or 405) instead of the mux's plain-text answer.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.mux.Handler(r); pattern == "" {
		rec := &statusRecorder{header: http.Header{}}
		h, _ := a.mux.Handler(r)
		h.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.header.Get("Allow"))
			writeError(w, r, a.logger, &accord.Error{Code: errMethodNotAllowed, Message: r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + rec.header.Get("Allow")})
			return
		}
		writeError(w, r, a.logger, accord.Errorf(accord.ENotFound, "no API route %s %s (see /v1/openapi.json)", r.Method, r.URL.Path))
		return
	}
	a.mux.ServeHTTP(w, r)
}

type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.status = code }

// Query parameter helpers.

func queryInt(r *http.Request, name string) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, accord.FieldErrorf(name, "must be an integer, not %q", s)
	}
	return n, nil
}

func pathVersion(r *http.Request) (int, error) {
	s := r.PathValue("version")
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strconv.Itoa(n) != s {
		return 0, accord.FieldErrorf("version", "must be a version number (1, 2, …), not %q", s)
	}
	return n, nil
}

// maxParamBytes bounds one query parameter's value.
const maxParamBytes = 2000

// knownParams refuses query parameters a route does not take, so a typo
// ("contry=FR") is an error, not a silently ignored filter. First, with a
// 400, it refuses values that are not one line of clean text (a NUL, a
// control character, invalid UTF-8: accord.CheckText) or are overlong, so
// that no such bytes reach a store whatever the route does with them.
func knownParams(r *http.Request, allowed ...string) error {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		// r.URL.Query() would drop the pair it cannot read: a filter lost
		// without a word.
		return &accord.Error{Code: errBadRequest, Message: "the query string is not valid: " + err.Error()}
	}
	var bad []accord.FieldError
	for k, vs := range query {
		for _, v := range vs {
			msg := accord.CheckText(v, accord.Line)
			if len(v) > maxParamBytes {
				msg = fmt.Sprintf("is %d bytes long; the limit is %d", len(v), maxParamBytes)
			}
			if msg != "" {
				bad = append(bad, accord.FieldError{Field: k, Message: msg})
				break
			}
		}
	}
	if len(bad) > 0 {
		slices.SortFunc(bad, func(a, b accord.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return &accord.Error{Code: errBadRequest, Message: "query parameter " + bad[0].Field + ": " + bad[0].Message, Fields: bad}
	}
	var p accord.Problems
	for k, vs := range query {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		switch {
		case !ok:
			p.Add(k, "is not a parameter of this route (allowed: %s)", strings.Join(allowed, ", "))
		case len(vs) > 1:
			p.Add(k, "is given %d times; give it once", len(vs))
		}
	}
	return p.Err()
}

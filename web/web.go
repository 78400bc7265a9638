// Package web is the node's user interface: server-rendered HTML pages in
// the six official languages of the United Nations, usable without
// JavaScript. Script runs in one place only, where it adds something the
// server cannot: checking a record's log receipt in the reader's own browser.
//
// Pages: home (figures and charts), search (full text and facets), a
// system's public record (disclosures, versions and their differences,
// classification, obligations, log receipt), the framework browser, the
// transparency log explained (checkpoint, key, how to verify), the members
// of the federation (peers, their mirrored logs and cosignatures, alarms),
// and the provider portal (sign in with an API token, file or update a
// system).
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/consent"
	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/governance"
	"github.com/accord-gov/accord/incident"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/resource"
	"github.com/accord-gov/accord/rules"
)

// Classifier gives the UI the classification of systems and the rule packs.
// By default the registry service provides it.
type Classifier interface {
	// Classification is the result for one version of a system (0 = current).
	Classification(ctx context.Context, c *registry.Caller, id string, version int) (*Classification, error)
	// Preview classifies a filing without storing anything.
	Preview(ctx context.Context, f accord.Filing) (*rules.Result, error)
	// Packs lists the rule packs the node classifies with, baseline first.
	Packs() []*rules.Pack
}

// Classification is a system version's classification as the UI shows it.
type Classification struct {
	rules.Result
	// LogIndex is the log entry of the classification made when the
	// version was filed, if there is one.
	LogIndex *int64
	// PacksChanged says that the rule packs changed since the version was
	// filed, so this result may differ from the one in the log.
	PacksChanged bool
}

// Config configures the UI.
type Config struct {
	Registry *registry.Service
	// VerifierKey is the node's log key in note format; pages show it and
	// browsers check receipts against it.
	VerifierKey string
	// Classifier defaults to the registry's own classifications; a registry
	// without rule packs (and no Classifier) makes pages say that this node
	// does not classify.
	Classifier Classifier
	Logger     *slog.Logger
	// SecureCookies marks cookies Secure even on requests that do not say
	// they came over HTTPS (requests that do get Secure cookies anyway).
	SecureCookies bool
	// BaseURL is the node's public URL (https://accord.example), which
	// pages use to name their language versions; by default the scheme
	// and host of each request.
	BaseURL string
	// SessionTTL bounds a portal session (default 8 hours).
	SessionTTL time.Duration
	// Federation and Mirror, when set, give the members page, the alarm
	// banner and the marks of records other members hold.
	Federation *federation.Service
	Mirror     *federation.Mirror
	Now        func() time.Time

	// governance
	// Governance, when set, gives the proposals and charter pages.
	Governance *governance.Service

	// consent
	// Consent, when set, serves the consent pages (/consent, /consent/me).
	Consent *consent.Service

	// incidents
	// Incidents, when set, serves the incident pages.
	Incidents *incident.Service

	// resources
	// Resources, when set, serves the shared-resources catalogue's pages.
	Resources *resource.Service
}

// Handler serves the UI. Mount it at "/".
type Handler struct {
	cfg      Config
	reg      *registry.Service
	cls      Classifier
	log      *slog.Logger
	mux      *http.ServeMux
	sessions *sessions
	orgs     orgCache
	root     http.Handler
	// alarmCount: see alarms (members.go)
	alarmCount alarmCount
}

var initErr = errors.Join(loadLocales(), loadAssets(), parseTemplates())

// Ready reports whether the embedded catalogues, templates and assets
// loaded; a binary for which it fails is broken (tests catch that).
func Ready() error { return initErr }

// New returns the UI handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	h := &Handler{cfg: cfg, reg: cfg.Registry, cls: cfg.Classifier, log: cfg.Logger, mux: http.NewServeMux()}
	if h.cls == nil && cfg.Registry != nil && len(cfg.Registry.Packs()) > 0 {
		h.cls = serviceClassifier{svc: cfg.Registry, now: cfg.Now}
	}
	h.sessions = newSessions(cfg.Registry, cfg.SessionTTL, cfg.Logger)
	h.orgs.reg = cfg.Registry
	h.routes()
	// Forms post only from this origin: Fetch metadata (Sec-Fetch-Site) or
	// Origin checks, no tokens to thread through the forms.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.errorPage(w, r, http.StatusForbidden, "error.csrf")
	}))
	h.root = securityHeaders(cop.Handler(h.langFromQuery(h.mux)))
	return h
}

func (h *Handler) routes() {
	h.mux.HandleFunc("GET /{$}", h.home)
	h.mux.HandleFunc("GET /search", h.search)
	h.mux.HandleFunc("GET /systems/{id}", h.system)
	h.mux.HandleFunc("GET /systems/{id}/diff", h.diff)
	h.mux.HandleFunc("GET /frameworks", h.frameworks)
	h.mux.HandleFunc("GET /frameworks/{id}", h.framework)
	h.mux.HandleFunc("GET /transparency", h.transparency)
	h.mux.HandleFunc("GET /members", h.members)
	h.mux.HandleFunc("GET /portal", h.portal)
	h.mux.HandleFunc("POST /portal/signin", h.signIn)
	h.mux.HandleFunc("POST /portal/signout", h.signOut)
	h.mux.HandleFunc("GET /portal/new", h.newForm)
	h.mux.HandleFunc("POST /portal/new", h.submitNew)
	h.mux.HandleFunc("GET /portal/systems/{id}", h.editForm)
	h.mux.HandleFunc("POST /portal/systems/{id}", h.submitEdit)
	h.mux.HandleFunc("POST /lang", h.setLanguage)
	// governance pages
	h.mux.HandleFunc("GET /governance", h.governance)
	h.mux.HandleFunc("GET /governance/proposals/{id}", h.proposalPage)

	// consent pages
	h.consentRoutes()

	// incidents pages
	if h.cfg.Incidents != nil {
		h.mux.HandleFunc("GET /incidents", h.incidentsList)
		h.mux.HandleFunc("GET /incidents/new", h.reportForm)
		h.mux.HandleFunc("POST /incidents/new", h.submitReport)
		h.mux.HandleFunc("GET /incidents/deadlines", h.incidentDashboard)
		h.mux.HandleFunc("GET /incidents/{id}", h.incidentPage)
		h.mux.HandleFunc("POST /incidents/{id}/merge", h.mergeIncident)
		h.mux.HandleFunc("GET /incidents/reports/{id}/version", h.versionForm)
		h.mux.HandleFunc("POST /incidents/reports/{id}/version", h.submitVersion)
	}

	// resources pages
	h.resourceRoutes()

	h.mux.HandleFunc("GET /static/{name}", h.serveStatic)
	h.mux.HandleFunc("/", h.notFound)
}

// ServeHTTP serves the UI.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if initErr != nil {
		h.log.Error("web UI assets failed to load", "err", initErr)
		http.Error(w, "web UI unavailable", http.StatusInternalServerError)
		return
	}
	h.root.ServeHTTP(w, r)
}

// csp allows only this origin's scripts and styles: no inline script, no
// inline style, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// setLanguage remembers the reader's language and sends them back where
// they were.
func (h *Handler) setLanguage(w http.ResponseWriter, r *http.Request) {
	code := r.PostFormValue("lang")
	if _, ok := locales[code]; !ok {
		h.errorPage(w, r, http.StatusBadRequest, "error.bad_language")
		return
	}
	h.rememberLanguage(w, r, code)
	http.Redirect(w, r, localPath(r.PostFormValue("back")), http.StatusSeeOther)
}

// localPath keeps a redirect target on this site: a path, never a URL
// ("//evil.example" and "/\evil.example" are other hosts to a browser).
func localPath(s string) string {
	if s == "" || s[0] != '/' || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") || strings.ContainsAny(s, "\r\n") {
		return "/"
	}
	u, err := url.Parse(s)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return s
}

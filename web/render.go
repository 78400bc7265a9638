package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/compress"
)

//go:embed templates
var templateFS embed.FS

// pages holds one template set per page: the layout plus the page's file.
var pages = map[string]*template.Template{}

var funcs = template.FuncMap{
	"asset": assetPath,
	"add":   func(a, b int) int { return a + b },
	"sub":   func(a, b int) int { return a - b },
	"join":  strings.Join,
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"list": func(v ...any) []any { return v },
	"has": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
}

func parseTemplates() error {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts/*.html")
	if err != nil {
		return err
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, f := range files {
		name := path.Base(f)
		if name == "layout.html" {
			continue
		}
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(templateFS, f)
		}
		if err != nil {
			return err
		}
		pages[strings.TrimSuffix(name, ".html")] = t
	}
	return nil
}

// page is what every template gets: the reader's locale, the chrome's
// state, and the page's own data in Data.
type page struct {
	L       *Locale
	Locales []*Locale
	Title   string
	// Description is the page's summary for search engines and link
	// previews (<meta name="description">), in the page's language.
	Description string
	Nav         string // which navigation item is current
	Here        string // this page's path and query, for the language switcher
	Org         *accord.Organization
	Script      string // a static script the page needs, by plain name
	Private     bool   // never cache (portal pages)
	// Alternates are the page's language versions, for hreflang links
	// (public pages that answer 200 only).
	Alternates []alternate
	// Alarms is the number of split views the node detected: while there
	// is one, every page says so.
	Alarms int
	// Federated: the node has a members page.
	Federated bool
	Incidents bool // the node serves the incident pages (nav)
	Governed  bool // the node runs governance: the nav links its pages
	Data      any
}

func (h *Handler) newPage(r *http.Request, nav, titleKey string, data any) *page {
	l := negotiate(r)
	p := &page{L: l, Locales: orderedLocales(), Nav: nav, Here: r.URL.RequestURI(), Data: data}
	if titleKey != "" {
		p.Title = l.T(titleKey)
	}
	if s := h.sessions.get(r); s != nil {
		p.Org = s.org
	}
	p.Alarms, p.Federated = h.alarms(r.Context()), h.cfg.Federation != nil && h.cfg.Mirror != nil
	p.Incidents = h.cfg.Incidents != nil
	p.Governed = h.cfg.Governance != nil
	return p
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes a page template and writes it. Rendering into a buffer
// first means a template error becomes a clean 500, not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := pages[name]
	if !ok {
		h.log.Error("no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if status == http.StatusOK && !p.Private {
		p.Alternates = h.alternates(r)
	}
	if key, ok := descriptions[name]; ok && p.Description == "" {
		p.Description = p.L.T(key, "name", p.Title)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.ExecuteTemplate(buf, "layout.html", p); err != nil {
		h.log.Error("render page", "page", name, "path", r.URL.Path, "err", err)
		if name != "error" {
			h.errorPage(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Language", p.L.Code)
	hd.Set("Vary", "Accept-Language, Cookie")
	if p.Private || p.Org != nil {
		hd.Set("Cache-Control", "no-store")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	compress.Write(w, r, status, buf.Bytes())
}

// descriptions are the catalogue keys of each page's description; the
// pages of one system or framework name it (their title).
var descriptions = map[string]string{
	"home": "meta.home", "search": "meta.search", "system": "meta.system", "diff": "meta.diff",
	"frameworks": "meta.frameworks", "framework": "meta.framework", "transparency": "meta.log",
	"portal": "meta.portal", "form": "meta.portal", "error": "meta.error", "members": "meta.members",
}

// errorData is the data of the error page.
type errorData struct {
	Status  int
	Message string
	Fields  []fieldProblem // bad query parameters, by name
}

type fieldProblem struct {
	Field   string
	Message string
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, msgKey string, fields ...fieldProblem) {
	p := h.newPage(r, "", "", nil)
	p.Title = p.L.T(statusTitleKey(status))
	p.Data = errorData{Status: status, Message: p.L.T(msgKey), Fields: fields}
	h.render(w, r, status, "error", p)
}

func statusTitleKey(status int) string {
	switch status {
	case http.StatusNotFound:
		return "error.title.404"
	case http.StatusBadRequest:
		return "error.title.400"
	case http.StatusForbidden:
		return "error.title.403"
	case http.StatusConflict:
		return "error.title.409"
	case http.StatusTooManyRequests:
		return "error.title.429"
	}
	return "error.title.500"
}

// TooManyRequests answers a reader who went over one of the node's limits
// (the node's limiter calls it for the web UI's paths): 429 with
// Retry-After and a page in the reader's language. It reads no session and
// nothing stored, as it answers while the node sheds load.
func (h *Handler) TooManyRequests(w http.ResponseWriter, r *http.Request, retry time.Duration) {
	secs := max(1, int(retry.Seconds()+0.999))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Cache-Control", "no-store")
	l := negotiate(r)
	p := &page{L: l, Locales: orderedLocales(), Here: r.URL.RequestURI(), Private: true}
	p.Title = l.T("error.title.429")
	p.Data = errorData{Status: http.StatusTooManyRequests, Message: l.T("error.too_many_requests", "n", secs)}
	h.render(w, r, http.StatusTooManyRequests, "error", p)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusNotFound, "error.not_found")
}

// fail turns a service error into an error page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch accord.ErrorCode(err) {
	case accord.ENotFound:
		h.notFound(w, r)
	case accord.EInvalid:
		h.errorPage(w, r, http.StatusBadRequest, "error.bad_request", h.queryProblems(r, err)...)
	case accord.EUnauthorized, accord.EForbidden:
		h.errorPage(w, r, http.StatusForbidden, "error.forbidden")
	case accord.EUnavailable:
		h.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
	default:
		h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		h.errorPage(w, r, http.StatusInternalServerError, "error.internal")
	}
}

// queryProblems localises the field errors of a bad query.
func (h *Handler) queryProblems(r *http.Request, err error) []fieldProblem {
	l := negotiate(r)
	var out []fieldProblem
	for _, f := range fieldErrors(err) {
		out = append(out, fieldProblem{Field: f.Field, Message: l.T("error.bad_param", "name", f.Field)})
	}
	return out
}

package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// A link can choose the page's language: ?lang=ar on any page shows it in
// Arabic and remembers the choice (the same cookie as the switcher), so a
// shared link opens in the language it was shared in. Pages name their
// six language versions in <link rel="alternate" hreflang> for search
// engines, with x-default for the version that negotiates the language.

// langParam is the query parameter that chooses the language.
const langParam = "lang"

type langKey struct{}

// langFromQuery applies ?lang= before the page's own handler, which then
// sees the query without it.
func (h *Handler) langFromQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		vals, ok := q[langParam]
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		l := localeNamed(vals)
		if l == nil {
			h.errorPage(w, r, http.StatusBadRequest, "error.bad_language",
				fieldProblem{Field: langParam, Message: negotiate(r).T("error.bad_param")})
			return
		}
		h.rememberLanguage(w, r, l.Code)
		q.Del(langParam)
		r = r.WithContext(context.WithValue(r.Context(), langKey{}, l))
		u := *r.URL
		u.RawQuery = q.Encode()
		r.URL = &u
		next.ServeHTTP(w, r)
	})
}

// localeNamed returns the locale one ?lang= value names (its code in any
// case), or nil.
func localeNamed(vals []string) *Locale {
	if len(vals) != 1 {
		return nil
	}
	for _, code := range localeCodes {
		if strings.EqualFold(vals[0], code) {
			return locales[code]
		}
	}
	return nil
}

// rememberLanguage sets the language cookie.
func (h *Handler) rememberLanguage(w http.ResponseWriter, r *http.Request, code string) {
	http.SetCookie(w, &http.Cookie{
		Name: langCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r),
	})
}

// alternate is one language version of a page.
type alternate struct {
	Lang, URL string
}

// alternates lists the page's language versions: one per UI language
// (?lang=code) and x-default (no lang: the reader's own). URLs are
// absolute, as search engines want them.
func (h *Handler) alternates(r *http.Request) []alternate {
	base := h.baseURL(r)
	q := r.URL.Query()
	q.Del(langParam)
	with := func(code string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		if code != "" {
			v.Set(langParam, code)
		}
		u := base + r.URL.EscapedPath()
		if s := v.Encode(); s != "" {
			u += "?" + s
		}
		return u
	}
	out := make([]alternate, 0, len(localeCodes)+1)
	for _, code := range localeCodes {
		out = append(out, alternate{Lang: code, URL: with(code)})
	}
	return append(out, alternate{Lang: "x-default", URL: with("")})
}

// baseURL is the node's URL: Config.BaseURL, else the scheme and host the
// request came to.
func (h *Handler) baseURL(r *http.Request) string {
	if h.cfg.BaseURL != "" {
		return strings.TrimSuffix(h.cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

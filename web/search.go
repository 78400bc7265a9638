package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/rules"
)

// pageSize is the number of hits per search page.
const pageSize = 20

// searchParams are the parameters /search takes.
var searchParams = []string{"q", "country", "domain", "provider", "status", "kind", "built_on", "framework", "tier", "node", "cursor", "page"}

type searchData struct {
	Q       string
	Query   accord.SystemQuery
	Total   int
	Hits    []hit
	Facets  []facet
	Active  []activeFilter
	PageNo  int
	Next    string // URL of the next page
	First   string // URL of the first page
	Hidden  [][2]string
	AnyTerm bool
}

// hit is a search result as shown.
type hit struct {
	ID        string
	Name      Shown
	Purpose   Shown
	Provider  Shown
	Status    string
	Level     string // baseline risk level of the current classification
	Domains   []string
	Countries []string
	Updated   time.Time
	Home      string // the member holding it, when another one does
}

type facet struct {
	Name, Title string
	Values      []facetValue
	More        []facetValue // shown folded
}

type facetValue struct {
	Label, Link string
	N           int
	Lang        string // set when the label is user text (a provider's name)
}

type activeFilter struct {
	Title, Label, Remove string
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := h.newPage(r, "search", "search.title", nil)
	l := p.L
	vals := r.URL.Query()
	if probs := checkParams(vals, searchParams); len(probs) > 0 {
		h.badRequest(w, r, probs)
		return
	}
	q := accord.SystemQuery{
		Q: vals.Get("q"), Country: vals.Get("country"), Domain: vals.Get("domain"), Provider: vals.Get("provider"),
		Status: vals.Get("status"), Kind: vals.Get("kind"), BuiltOn: vals.Get("built_on"), Framework: vals.Get("framework"), Tier: vals.Get("tier"), Node: vals.Get("node"), Cursor: vals.Get("cursor"), Limit: pageSize,
	}
	pageNo := 1
	if s := vals.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			h.badRequest(w, r, []string{"page"})
			return
		}
		pageNo = n
	}
	if q.Framework != "" && h.pack(q.Framework) == nil && h.cls != nil {
		h.badRequest(w, r, []string{"framework"})
		return
	}
	if q.Tier != "" && h.cls != nil && !h.validTier(q.Framework, q.Tier) {
		h.badRequest(w, r, []string{"tier"})
		return
	}
	res, err := h.reg.Search(ctx, q)
	if err != nil {
		if accord.ErrorCode(err) == accord.EInvalid {
			h.badRequest(w, r, fieldNames(err))
			return
		}
		h.fail(w, r, err)
		return
	}
	counts, err := h.reg.FacetCounts(ctx, q, "country", "domain", "provider", "status", "kind", "framework", "tier", "level", "node")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := searchData{Q: q.Q, Query: q, PageNo: pageNo, Hits: h.hits(l, res.Systems)}
	for k, n := range counts {
		if strings.HasPrefix(k, "status:") {
			d.Total += n
		}
	}
	d.Facets, d.Active = h.facets(ctx, l, vals, counts)
	if res.Next != "" {
		next := cloneValues(vals)
		next.Set("cursor", res.Next)
		next.Set("page", strconv.Itoa(pageNo+1))
		d.Next = "/search?" + next.Encode()
	}
	if pageNo > 1 || q.Cursor != "" {
		first := cloneValues(vals)
		first.Del("cursor")
		first.Del("page")
		d.First = "/search?" + first.Encode()
	}
	// The text box submits the active filters along with the new text.
	for _, k := range []string{"country", "domain", "provider", "status", "kind", "built_on", "framework", "tier", "node"} {
		if v := vals.Get(k); v != "" {
			d.Hidden = append(d.Hidden, [2]string{k, v})
		}
	}
	d.AnyTerm = q.Q != "" || len(d.Hidden) > 0
	if q.Q != "" {
		p.Title = l.T("search.title.q", "q", q.Q)
	}
	p.Data = d
	h.render(w, r, http.StatusOK, "search", p)
}

// checkParams names parameters a page does not take or that are repeated.
func checkParams(vals url.Values, allowed []string) []string {
	var bad []string
	for k, vs := range vals {
		if !slices.Contains(allowed, k) || len(vs) > 1 || !utf8.ValidString(vs[0]) {
			bad = append(bad, k)
		}
	}
	slices.Sort(bad)
	return bad
}

// badRequest answers a localised 400 naming each bad parameter.
func (h *Handler) badRequest(w http.ResponseWriter, r *http.Request, names []string) {
	l := negotiate(r)
	var probs []fieldProblem
	for _, n := range names {
		if len(n) > 40 {
			n = n[:40] + "…"
		}
		probs = append(probs, fieldProblem{Field: n, Message: l.T("error.bad_param", "name", n)})
	}
	h.errorPage(w, r, http.StatusBadRequest, "error.bad_request", probs...)
}

func fieldErrors(err error) []accord.FieldError {
	var e *accord.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

func fieldNames(err error) []string {
	var out []string
	for _, f := range fieldErrors(err) {
		out = append(out, f.Field)
	}
	if len(out) == 0 {
		out = []string{"q"}
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func (h *Handler) hits(l *Locale, systems []accord.SystemSummary) []hit {
	out := make([]hit, 0, len(systems))
	for _, s := range systems {
		out = append(out, hit{
			ID: s.ID, Name: l.Pick(s.TradeName), Purpose: l.Pick(s.IntendedPurpose), Provider: l.Pick(s.ProviderName),
			Status: s.Status, Level: s.Level, Domains: s.Domains, Countries: s.DeploymentCountries, Updated: s.Updated,
			Home: h.homeOf(s.Home),
		})
	}
	return out
}

// facets builds the facet lists from the counts. A filter in use is shown
// as an active filter with a link that removes it.
func (h *Handler) facets(ctx context.Context, l *Locale, vals url.Values, counts map[string]int) ([]facet, []activeFilter) {
	by := map[string][]kv{}
	for k, n := range counts {
		name, v, _ := strings.Cut(k, ":")
		by[name] = append(by[name], kv{v, n})
	}
	link := func(name, value string) string {
		v := cloneValues(vals)
		v.Del("cursor")
		v.Del("page")
		if value == "" {
			v.Del(name)
			if name == "framework" {
				v.Del("tier") // a pack's tier means nothing without the pack
			}
		} else {
			v.Set(name, value)
		}
		if len(v) == 0 {
			return "/search"
		}
		return "/search?" + v.Encode()
	}
	var facets []facet
	var active []activeFilter
	add := func(name, titleKey string, values []kv, label func(string) (string, string)) {
		title := l.T(titleKey)
		if cur := vals.Get(name); cur != "" {
			lab, _ := label(cur)
			active = append(active, activeFilter{Title: title, Label: lab, Remove: link(name, "")})
			return
		}
		if len(values) == 0 {
			return
		}
		sortCounts(values)
		f := facet{Name: name, Title: title}
		for i, v := range values {
			lab, lang := label(v.Key)
			fv := facetValue{Label: lab, Lang: lang, N: v.N, Link: link(name, v.Key)}
			if i < 8 {
				f.Values = append(f.Values, fv)
			} else {
				f.More = append(f.More, fv)
			}
		}
		facets = append(facets, f)
	}
	plain := func(key string) func(string) (string, string) {
		return func(v string) (string, string) { return l.T(key + v), "" }
	}
	// Domain codes are listed under their area's facet value when no area
	// is chosen; once an area is chosen its codes are the choices.
	var domains []kv
	area := vals.Get("domain")
	for _, d := range by["domain"] {
		isArea := !strings.Contains(d.Key, ".")
		if area == "" && isArea || area != "" && strings.HasPrefix(d.Key, area+".") {
			domains = append(domains, d)
		}
	}
	add("domain", "facet.domain", domains, func(v string) (string, string) {
		if strings.Contains(v, ".") {
			return l.T("domain." + v), ""
		}
		return l.T("area." + v), ""
	})
	if area != "" && !strings.Contains(area, ".") {
		// Offer the codes of the chosen area as a narrower choice.
		var codes []kv
		for _, d := range by["domain"] {
			if strings.HasPrefix(d.Key, area+".") {
				codes = append(codes, d)
			}
		}
		if len(codes) > 0 {
			sortCounts(codes)
			f := facet{Name: "domain-code", Title: l.T("facet.domain_code")}
			for _, c := range codes {
				f.Values = append(f.Values, facetValue{Label: l.T("domain." + c.Key), N: c.N, Link: link("domain", c.Key)})
			}
			facets = append(facets, f)
		}
	}
	add("country", "facet.country", by["country"], func(v string) (string, string) { return l.CountryName(v), "" })
	add("status", "facet.status", by["status"], plain("status."))
	add("kind", "facet.kind", by["kind"], plain("kind."))
	if h.cls != nil {
		add("framework", "facet.framework", by["framework"], func(v string) (string, string) {
			if pk := h.pack(v); pk != nil {
				s := l.Pick(pk.Name)
				return s.Text, s.Lang
			}
			return v, ""
		})
		fw := vals.Get("framework")
		var tiers []kv
		if fw != "" {
			for _, t := range by["tier"] {
				if rest, ok := strings.CutPrefix(t.Key, fw+"/"); ok {
					tiers = append(tiers, kv{rest, t.N})
				}
			}
			add("tier", "facet.tier", tiers, func(v string) (string, string) { return packTierTitle(l, h.pack(fw), v), "" })
		} else {
			add("tier", "facet.level", by["level"], plain("level."))
		}
	}
	// The members holding the systems: this node's own ("node:"), then
	// each peer's, named by member. Shown once the node holds any other's.
	if len(by["node"]) > 1 || len(by["node"]) == 1 && by["node"][0].Key != "" || vals.Get("node") != "" {
		self := h.reg.Member()
		var nodes []kv
		for _, n := range by["node"] {
			if n.Key == "" {
				n.Key = self
			}
			nodes = append(nodes, n)
		}
		add("node", "facet.node", nodes, func(v string) (string, string) {
			if v == self {
				return l.T("facet.node_self", "member", v), ""
			}
			return v, ""
		})
	}
	add("provider", "facet.provider", by["provider"], func(v string) (string, string) {
		if o, ok := h.orgs.get(ctx, v); ok {
			s := l.Pick(o.Name)
			return s.Text, s.Lang
		}
		return v, ""
	})
	return facets, active
}

func sortCounts(v []kv) {
	slices.SortFunc(v, func(a, b kv) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return strings.Compare(a.Key, b.Key)
	})
}

// validTier reports whether tier names a tier of the framework, or a
// baseline level when no framework is chosen.
func (h *Handler) validTier(framework, tier string) bool {
	if tier == rules.TierUndetermined {
		return true
	}
	if framework == "" {
		return slices.Contains(baselineLevels, tier) || slices.Contains(modelLevels, tier) || tier == rules.TierNotApplicable
	}
	pk := h.pack(framework)
	if pk == nil {
		return false
	}
	_, ok := pk.Tier(tier)
	return ok
}

// pack returns a rule pack by id, or nil.
func (h *Handler) pack(id string) *rules.Pack {
	if h.cls == nil {
		return nil
	}
	for _, p := range h.cls.Packs() {
		if p.ID == id {
			return p
		}
	}
	return nil
}

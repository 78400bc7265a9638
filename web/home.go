package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/rules"
)

type homeData struct {
	Systems, Providers, Countries, Frameworks int
	LogSize                                   int64
	ByCountry, ByDomain                       *chart
	ByTier                                    *chart
	TierNote                                  string // why the tier chart is missing, if it is
	Recent                                    []hit
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.RawQuery) > 0 {
		// The home page takes no parameters; ignore tracking junk rather than fail.
		r.URL.RawQuery = ""
	}
	ctx := r.Context()
	p := h.newPage(r, "home", "home.title", nil)
	l := p.L
	counts, err := h.reg.FacetCounts(ctx, accord.SystemQuery{}, "country", "domain", "provider", "status")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := homeData{}
	byCountry := map[string]int{}
	byArea := map[string]int{}
	for k, n := range counts {
		name, v, _ := strings.Cut(k, ":")
		switch name {
		case "status":
			d.Systems += n
		case "provider":
			d.Providers++
		case "country":
			byCountry[v] = n
			d.Countries++
		case "domain":
			if !strings.Contains(v, ".") {
				byArea[v] = n // an area facet, or a code that is its own area
			}
		}
	}
	d.ByCountry = barChart(l, topN(byCountry, 12), func(c string) string { return l.CountryName(c) }, "/search?country=")
	d.ByDomain = barChart(l, topN(byArea, 30), func(a string) string { return l.T("area." + a) }, "/search?domain=")
	d.ByTier, d.TierNote = h.tierChart(ctx, l)
	if h.cls != nil {
		for _, pk := range h.cls.Packs() {
			if !pk.IsBaseline() {
				d.Frameworks++
			}
		}
	}
	d.LogSize = h.logSize(ctx)
	page, err := h.reg.Search(ctx, accord.SystemQuery{Limit: 5})
	if err == nil {
		d.Recent = h.hits(l, page.Systems)
	}
	p.Data = d
	h.render(w, r, http.StatusOK, "home", p)
}

func (h *Handler) logSize(ctx context.Context) int64 {
	var size int64
	h.reg.Store().View(ctx, func(tx accord.ReadTx) error {
		var err error
		size, err = tx.LogSize(ctx)
		return err
	})
	return size
}

type kv struct {
	Key string
	N   int
}

// topN returns the n largest counts, ties broken by key for a stable page.
func topN(m map[string]int, n int) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	slices.SortFunc(out, func(a, b kv) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// tierChart counts systems by tier for each framework that applies to
// them, from the search facets the registry indexes with each classification.
func (h *Handler) tierChart(ctx context.Context, l *Locale) (*chart, string) {
	if h.cls == nil {
		return nil, l.T("class.unavailable")
	}
	counts, err := h.reg.FacetCounts(ctx, accord.SystemQuery{}, "tier")
	if err != nil || len(counts) == 0 {
		return nil, l.T("home.tiers.none")
	}
	var groups []stackGroup
	for _, pk := range h.cls.Packs() {
		if pk.IsBaseline() {
			continue
		}
		g := stackGroup{Label: l.Pick(pk.Name).Text, Link: "/search?framework=" + pk.ID}
		for _, t := range slices.Concat(pk.Tiers, pk.ModelTiers) {
			n := counts[accord.Facet("tier", pk.ID+"/"+t.ID)]
			if n == 0 {
				continue
			}
			g.Parts = append(g.Parts, stackPart{Label: l.Pick(t.Title).Text, N: n, Class: "lv-" + t.Baseline, Link: "/search?framework=" + pk.ID + "&tier=" + t.ID})
		}
		if n := counts[accord.Facet("tier", pk.ID+"/"+rules.TierUndetermined)]; n > 0 {
			g.Parts = append(g.Parts, stackPart{Label: l.T("class.tier.undetermined"), N: n, Class: "lv-undetermined", Link: "/search?framework=" + pk.ID + "&tier=" + rules.TierUndetermined})
		}
		if len(g.Parts) > 0 {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return nil, l.T("home.tiers.none")
	}
	c := stackChart(l, groups)
	for _, lv := range slices.Concat(baselineLevels, modelLevelsIn(groups), []string{rules.TierUndetermined}) {
		c.Legend = append(c.Legend, legendItem{Class: "lv-" + lv, Label: l.T("level." + lv)})
	}
	return c, ""
}

// baselineLevels lists the baseline scale, most severe first, for legends;
// modelLevels the baseline's scale for models, beside it.
var (
	baselineLevels = []string{"unacceptable", "high", "limited", "minimal"}
	modelLevels    = []string{"gpai_systemic_risk", "gpai", "gpai_open_source", "model_minimal"}
)

// modelLevelsIn lists the model levels a chart shows, for its legend: only
// those, so that a registry without models keeps its four-level legend.
func modelLevelsIn(groups []stackGroup) []string {
	var out []string
	for _, lv := range modelLevels {
		for _, g := range groups {
			if slices.ContainsFunc(g.Parts, func(p stackPart) bool { return p.Class == "lv-"+lv }) && !slices.Contains(out, lv) {
				out = append(out, lv)
			}
		}
	}
	return out
}

// packTierTitle names a pack's tier in the reader's language.
func packTierTitle(l *Locale, pk *rules.Pack, tier string) string {
	if pk != nil {
		if t, ok := pk.Tier(tier); ok {
			return l.Pick(t.Title).Text
		}
	}
	switch tier {
	case rules.TierUndetermined:
		return l.T("class.tier.undetermined")
	case rules.TierNotApplicable:
		return l.T("class.tier.not_applicable")
	}
	return tier
}

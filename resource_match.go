package accord

import (
	"cmp"
	"slices"
	"strings"
)

// Eligibility and matching are pure functions of the records: no store, no
// clock. The service feeds them candidates that the store's facets already
// narrowed; the tests run them on golden cases.

// Eligibility is what a resource's terms give a requester in a country
// and sector.
type Eligibility struct {
	Usable bool `json:"usable"`
	// Fee is free, discounted or paid (for the requester, after waivers).
	Fee     string `json:"fee"`
	Percent int    `json:"percent,omitempty"` // the discount applied
	// Reasons name the rules that decided, e.g. "waiver:un-ldc",
	// "excluded:FR", "only:KE", "sector:academia".
	Reasons []string `json:"reasons,omitempty"`
}

// EligibilityOf applies access terms to a requester.
func EligibilityOf(t AccessTerms, country, sector string) Eligibility {
	e := Eligibility{Usable: true}
	if slices.Contains(t.Excluded, country) {
		e.Usable = false
		e.Reasons = append(e.Reasons, "excluded:"+country)
	}
	if len(t.Only) > 0 && !slices.Contains(t.Only, country) {
		e.Usable = false
		e.Reasons = append(e.Reasons, "only:"+strings.Join(t.Only, ","))
	}
	if len(t.Sectors) > 0 && !slices.Contains(t.Sectors, sector) {
		e.Usable = false
		e.Reasons = append(e.Reasons, "sectors:"+strings.Join(t.Sectors, ","))
	}
	if t.Fee.Standard == "free" {
		e.Fee = "free"
		return e
	}
	e.Fee = "paid"
	best, why := 0, ""
	for _, w := range t.Fee.Waivers {
		applies, name := false, ""
		if w.Group != "" {
			if g, ok := CountryGroupByCode(w.Group); ok && g.Has(country) {
				applies, name = true, w.Group
			}
		} else if slices.Contains(w.Countries, country) {
			applies, name = true, country
		}
		if applies && w.Percent > best {
			best, why = w.Percent, name
		}
	}
	switch {
	case best == 100:
		e.Fee, e.Percent = "free", 100
	case best > 0:
		e.Fee, e.Percent = "discounted", best
	}
	if best > 0 {
		e.Reasons = append(e.Reasons, "waiver:"+why)
	}
	return e
}

// Suggestion is a resource suggested for a need, with its score and why.
type Suggestion struct {
	Resource    Resource    `json:"resource"`
	Score       int         `json:"score"`
	Reasons     []string    `json:"reasons"`
	Eligibility Eligibility `json:"eligibility"`
}

// Match scores.
const (
	scoreBase     = 10
	scoreLanguage = 30
	scoreModality = 15
	scoreKeyword  = 5
	scoreFree     = 20
	scoreDiscount = 10
	scoreCountry  = 10
)

// languageKinds are the kinds whose languages must meet a need's.
var languageKinds = map[string]bool{"model": true, "dataset": true, "training": true, "tool": true}

// LanguageKind reports whether a resource of this kind must be in one of
// a need's languages (when it names languages).
func LanguageKind(kind string) bool { return languageKinds[kind] }

// MatchNeed ranks the resources that can meet a need, best first, at most
// limit. A resource is left out when it is not active, of another kind,
// not usable by the requester (country, sector), not free when the need
// asks only for free ones, in none of the need's languages (models, data
// sets, tools, courses that name languages), of none of its modalities,
// or with fewer GPU-hours than a compute need asks for.
func MatchNeed(n NeedFiling, resources []Resource, limit int) []Suggestion {
	var out []Suggestion
	for _, r := range resources {
		if s, ok := score(n, r); ok {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Resource.ID, b.Resource.ID))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func score(n NeedFiling, r Resource) (Suggestion, bool) {
	s := Suggestion{Resource: r, Score: scoreBase, Reasons: []string{}}
	if r.Status != ResourceActive || r.Kind != n.Kind {
		return s, false
	}
	s.Eligibility = EligibilityOf(r.Terms, n.Country, n.Sector)
	if !s.Eligibility.Usable || (n.FreeOnly && s.Eligibility.Fee != "free") {
		return s, false
	}
	switch s.Eligibility.Fee {
	case "free":
		s.Score += scoreFree
		s.Reasons = append(s.Reasons, "free")
	case "discounted":
		s.Score += scoreDiscount
		s.Reasons = append(s.Reasons, "discounted")
	}
	s.Reasons = append(s.Reasons, s.Eligibility.Reasons...)
	langs := r.Languages
	if r.Training != nil {
		langs = append(slices.Clone(langs), r.Training.Language)
	}
	if len(n.Languages) > 0 && len(langs) > 0 && languageKinds[r.Kind] {
		l, ok := commonLanguage(n.Languages, langs)
		if !ok {
			return s, false
		}
		s.Score += scoreLanguage
		s.Reasons = append(s.Reasons, "language:"+l)
	}
	if len(n.Modalities) > 0 {
		var mods []string
		if r.Model != nil {
			mods = r.Model.Modalities
		} else if r.Dataset != nil {
			mods = r.Dataset.Modalities
		}
		if len(mods) > 0 {
			m, ok := common(n.Modalities, mods)
			if !ok {
				return s, false
			}
			s.Score += scoreModality
			s.Reasons = append(s.Reasons, "modality:"+m)
		}
	}
	if n.GPUHours > 0 && r.Compute != nil {
		if r.Compute.GPUHours < n.GPUHours {
			return s, false
		}
		s.Reasons = append(s.Reasons, "gpu_hours")
	}
	kw := 0
	for _, k := range n.Keywords {
		if kw < 4 && slices.ContainsFunc(r.Keywords, func(x string) bool { return strings.EqualFold(x, k) }) {
			kw++
			s.Reasons = append(s.Reasons, "keyword:"+k)
		}
	}
	s.Score += kw * scoreKeyword
	if slices.Contains(r.Countries, n.Country) || (r.Compute != nil && r.Compute.Region == n.Country) {
		s.Score += scoreCountry
		s.Reasons = append(s.Reasons, "country:"+n.Country)
	}
	return s, true
}

// commonLanguage finds a language of want among have, comparing base
// languages ("sw" meets "sw-KE").
func commonLanguage(want, have []string) (string, bool) {
	for _, w := range want {
		wb, _, _ := strings.Cut(w, "-")
		for _, h := range have {
			hb, _, _ := strings.Cut(h, "-")
			if w == h || wb == hb {
				return h, true
			}
		}
	}
	return "", false
}

func common(a, b []string) (string, bool) {
	for _, x := range a {
		if slices.Contains(b, x) {
			return x, true
		}
	}
	return "", false
}

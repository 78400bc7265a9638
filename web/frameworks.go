package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accord-gov/accord/cite"
	"github.com/accord-gov/accord/rules"
)

type frameworksData struct {
	Packs    []packSummary
	Baseline *packView
	Note     string
}

type packSummary struct {
	ID, Jurisdiction, Version, Hash string
	Name                            Shown
	From, Until                     time.Time
	Rules                           int
	Tiers                           []string
}

type packView struct {
	packSummary
	Instrument    Shown
	SourceURL     string
	NotApplicable Shown
	AppliesWhen   string
	Tiers         []tierView
	ModelTiers    []tierView // the scale for general-purpose AI models, beside Tiers
	Exclusions    []exclusionView
	Rules         []packRule
	Themes        []tierView
}

type tierView struct {
	ID         string
	Title      Shown
	Definition Shown
	Baseline   string
}

type exclusionView struct {
	ID, Citation, When string
	Title, Rationale   Shown
}

type packRule struct {
	ID, Citation, When, Tier string
	// Anchor is the entry's unique HTML id: a rule amended in time has
	// several entries.
	Anchor           string
	ModelTier        string // the tier it gives a model (kind model or any)
	Title, Rationale Shown
	ExceptionTo      []string
	From, Until      time.Time
	// Version says which text of the law the entry is, when the pack
	// records amendments ("as amended by …, from …" or "… until …").
	Version     string
	Obligations []obligationView
}

type obligationView struct {
	ID, Citation, Bearer, Theme string
	Text                        Shown
	Deadline                    *Shown
	AppliesFrom                 time.Time
}

func (h *Handler) frameworks(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), nil); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	p := h.newPage(r, "frameworks", "frameworks.title", nil)
	l := p.L
	d := frameworksData{}
	if h.cls == nil {
		d.Note = l.T("class.unavailable")
	} else {
		for _, pk := range h.cls.Packs() {
			if pk.IsBaseline() {
				v := h.packView(l, pk)
				d.Baseline = &v
				continue
			}
			d.Packs = append(d.Packs, summarize(l, pk))
		}
	}
	p.Data = d
	h.render(w, r, http.StatusOK, "frameworks", p)
}

func (h *Handler) framework(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), nil); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	pk := h.pack(r.PathValue("id"))
	if pk == nil || pk.IsBaseline() {
		h.notFound(w, r)
		return
	}
	p := h.newPage(r, "frameworks", "", nil)
	v := h.packView(p.L, pk)
	p.Title = v.Name.Text
	p.Data = v
	h.render(w, r, http.StatusOK, "framework", p)
}

func summarize(l *Locale, pk *rules.Pack) packSummary {
	s := packSummary{
		ID: pk.ID, Jurisdiction: pk.Jurisdiction, Version: pk.Version, Hash: pk.Hash, Name: l.Pick(pk.Name),
		From: dateOf(string(pk.EffectiveFrom)), Until: dateOf(string(pk.EffectiveUntil)), Rules: len(pk.Rules),
	}
	for _, t := range pk.Tiers {
		s.Tiers = append(s.Tiers, l.Pick(t.Title).Text)
	}
	return s
}

func (h *Handler) packView(l *Locale, pk *rules.Pack) packView {
	v := packView{
		packSummary: summarize(l, pk), Instrument: l.Pick(pk.Instrument), SourceURL: pk.SourceURL,
		NotApplicable: l.Pick(pk.NotApplicable), AppliesWhen: pk.AppliesWhen,
	}
	for _, t := range pk.Tiers {
		v.Tiers = append(v.Tiers, tierView{ID: t.ID, Title: l.Pick(t.Title), Definition: l.Pick(t.Definition), Baseline: t.Baseline})
	}
	for _, t := range pk.ModelTiers {
		v.ModelTiers = append(v.ModelTiers, tierView{ID: t.ID, Title: l.Pick(t.Title), Definition: l.Pick(t.Definition), Baseline: t.Baseline})
	}
	for _, t := range pk.Themes {
		v.Themes = append(v.Themes, tierView{ID: t.ID, Title: l.Pick(t.Title), Definition: l.Pick(t.Definition)})
	}
	for _, e := range pk.Exclusions {
		v.Exclusions = append(v.Exclusions, exclusionView{ID: e.ID, Citation: e.Citation, When: e.When, Title: l.Pick(e.Title), Rationale: l.Pick(e.Rationale)})
	}
	anchors := map[string]bool{}
	citeText := func(c string) string {
		if out, ok := cite.Format(c, l.Code, ""); ok {
			return out
		}
		return c
	}
	for _, r := range pk.Rules {
		pr := packRule{
			ID: r.ID, Citation: r.Citation, When: r.When, Title: l.Pick(r.Title), Rationale: l.Pick(r.Rationale),
			ExceptionTo: r.ExceptionTo, From: dateOf(string(r.EffectiveFrom)), Until: dateOf(string(r.EffectiveUntil)),
		}
		pr.Anchor = "rule-" + r.ID
		if r.ReplacedBy != "" {
			pr.Anchor += "-before-" + r.ReplacedBy
		}
		for n := 2; anchors[pr.Anchor]; n++ {
			pr.Anchor = "rule-" + r.ID + "-" + strconv.Itoa(n)
		}
		anchors[pr.Anchor] = true
		if a, ok := pk.Amendment(r.AmendedBy); ok {
			pr.Version = l.T("frameworks.amended_by", "citation", citeText(strings.TrimSpace(a.Citation+" "+r.AmendedAt)), "date", l.Date(dateOf(string(a.InForce))))
		} else if a, ok := pk.Amendment(r.ReplacedBy); ok {
			pr.Version = l.T("frameworks.replaced_by", "instrument", citeText(a.Citation), "date", l.Date(dateOf(string(a.InForce)).AddDate(0, 0, -1)))
		}
		if r.Tier != "" {
			pr.Tier = packTierTitle(l, pk, r.Tier)
		}
		if r.ModelTier != "" {
			pr.ModelTier = packTierTitle(l, pk, r.ModelTier)
		}
		for _, o := range r.Obligations {
			ov := obligationView{ID: o.ID, Citation: o.Citation, Bearer: o.Bearer, Theme: h.themeTitle(l, o.Theme), Text: l.Pick(o.Text), AppliesFrom: dateOf(string(o.AppliesFrom))}
			if len(o.Deadline) > 0 {
				s := l.Pick(o.Deadline)
				ov.Deadline = &s
			}
			pr.Obligations = append(pr.Obligations, ov)
		}
		v.Rules = append(v.Rules, pr)
	}
	return v
}

// themeTitle names a baseline obligation theme in the reader's language.
func (h *Handler) themeTitle(l *Locale, id string) string {
	if h.cls != nil {
		for _, pk := range h.cls.Packs() {
			if pk.IsBaseline() {
				if t, ok := pk.Theme(id); ok {
					if s := l.Pick(t.Title); !s.Foreign {
						return s.Text
					}
				}
			}
		}
	}
	return l.Vocab("theme", id)
}

// applicableFirst orders a classification's frameworks for reading: those
// that apply, then those whose applicability is undetermined, then those
// that do not apply; the packs' order within each.
func applicableFirst(fws []frameworkView) {
	rank := map[string]int{rules.Applicable: 0, rules.Undetermined: 1, rules.NotApplicable: 2}
	slices.SortStableFunc(fws, func(a, b frameworkView) int { return cmp.Compare(rank[a.Applicable], rank[b.Applicable]) })
}

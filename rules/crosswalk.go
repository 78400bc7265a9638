package rules

import "github.com/accord-gov/accord"

// CrosswalkTable lines up every pack against the baseline: which tier of
// each jurisdiction sits at each baseline level, and which obligations fall
// under each baseline theme. It is what the API and UI show to compare
// jurisdictions.
type CrosswalkTable struct {
	Levels []CrosswalkLevel `json:"levels"`
	// ModelLevels is the baseline's scale for general-purpose AI models,
	// beside (not part of) the system levels, with the packs' model tiers.
	ModelLevels []CrosswalkLevel `json:"model_levels"`
	Themes      []CrosswalkTheme `json:"themes"`
}

// CrosswalkLevel is one level of the baseline scale and the tiers mapped to it.
type CrosswalkLevel struct {
	Level      string      `json:"level"`
	Title      accord.Text `json:"title"`
	Definition accord.Text `json:"definition,omitempty"`
	Tiers      []PackTier  `json:"tiers"`
}

// PackTier is a pack's tier.
type PackTier struct {
	Pack         string      `json:"pack"`
	Jurisdiction string      `json:"jurisdiction"`
	Tier         string      `json:"tier"`
	Title        accord.Text `json:"title"`
}

// CrosswalkTheme is one baseline theme and the obligations under it.
type CrosswalkTheme struct {
	Theme       string           `json:"theme"`
	Title       accord.Text      `json:"title"`
	Definition  accord.Text      `json:"definition,omitempty"`
	Obligations []PackObligation `json:"obligations"`
}

// PackObligation is an obligation of a pack, with the first rule that
// brings it.
type PackObligation struct {
	Pack         string      `json:"pack"`
	Jurisdiction string      `json:"jurisdiction"`
	Rule         string      `json:"rule"`
	Obligation   string      `json:"obligation"`
	Citation     string      `json:"citation"`
	Bearer       string      `json:"bearer"`
	Text         accord.Text `json:"text"`
}

// Crosswalk builds the crosswalk of packs against the baseline pack among
// them (the default four levels, without titles or themes, if there is
// none). Packs keep their order; an obligation several rules bring is
// listed once.
func Crosswalk(packs []*Pack) CrosswalkTable {
	var baseline *Pack
	for _, p := range packs {
		if p != nil && p.IsBaseline() {
			baseline = p
			break
		}
	}
	var cw CrosswalkTable
	levelAt := map[string]int{}
	if baseline != nil {
		for _, t := range baseline.Tiers {
			levelAt[t.ID] = len(cw.Levels)
			cw.Levels = append(cw.Levels, CrosswalkLevel{Level: t.ID, Title: t.Title, Definition: t.Definition, Tiers: []PackTier{}})
		}
	} else {
		for _, l := range defaultLevels {
			levelAt[l] = len(cw.Levels)
			cw.Levels = append(cw.Levels, CrosswalkLevel{Level: l, Tiers: []PackTier{}})
		}
	}
	modelAt := map[string]int{}
	models := defaultModelLevels
	if baseline != nil {
		models = nil
		for _, t := range baseline.ModelTiers {
			modelAt[t.ID] = len(cw.ModelLevels)
			cw.ModelLevels = append(cw.ModelLevels, CrosswalkLevel{Level: t.ID, Title: t.Title, Definition: t.Definition, Tiers: []PackTier{}})
		}
	}
	for _, l := range models {
		modelAt[l] = len(cw.ModelLevels)
		cw.ModelLevels = append(cw.ModelLevels, CrosswalkLevel{Level: l, Tiers: []PackTier{}})
	}
	if cw.ModelLevels == nil {
		cw.ModelLevels = []CrosswalkLevel{}
	}
	themeAt := map[string]int{}
	if baseline != nil {
		for _, t := range baseline.Themes {
			themeAt[t.ID] = len(cw.Themes)
			cw.Themes = append(cw.Themes, CrosswalkTheme{Theme: t.ID, Title: t.Title, Definition: t.Definition, Obligations: []PackObligation{}})
		}
	}
	for _, p := range packs {
		if p == nil || p.IsBaseline() {
			continue
		}
		for _, t := range p.Tiers {
			if i, ok := levelAt[t.Baseline]; ok {
				cw.Levels[i].Tiers = append(cw.Levels[i].Tiers, PackTier{Pack: p.ID, Jurisdiction: p.Jurisdiction, Tier: t.ID, Title: t.Title})
			}
		}
		for _, t := range p.ModelTiers {
			if i, ok := modelAt[t.Baseline]; ok {
				cw.ModelLevels[i].Tiers = append(cw.ModelLevels[i].Tiers, PackTier{Pack: p.ID, Jurisdiction: p.Jurisdiction, Tier: t.ID, Title: t.Title})
			}
		}
		seen := map[string][]Obligation{} // by id
		for _, r := range p.Rules {
			for _, o := range r.Obligations {
				dup := false
				for _, s := range seen[o.ID] {
					dup = dup || sameObligation(s, o)
				}
				if dup {
					continue
				}
				seen[o.ID] = append(seen[o.ID], o)
				i, ok := themeAt[o.Theme]
				if !ok {
					i = len(cw.Themes)
					themeAt[o.Theme] = i
					cw.Themes = append(cw.Themes, CrosswalkTheme{Theme: o.Theme, Obligations: []PackObligation{}})
				}
				cw.Themes[i].Obligations = append(cw.Themes[i].Obligations, PackObligation{
					Pack: p.ID, Jurisdiction: p.Jurisdiction, Rule: r.ID, Obligation: o.ID, Citation: o.Citation, Bearer: o.Bearer, Text: o.Text,
				})
			}
		}
	}
	return cw
}

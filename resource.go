package accord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Shared open resources: a catalogue of models, data sets, tools, compute,
// training and expert exchanges that members offer one another, with their
// licences (SPDX expressions, resource_licence.go) and access terms as data
// (fee waivers for least developed countries and low-income economies,
// resource_vocab.go), needs that members post, and the matches between
// them. Eligibility and matching are pure functions (resource_match.go).
// This file holds the types and the store methods of the capability
// (ResourceReadTx, ResourceWriteTx, embedded in ReadTx and WriteTx).

// ResourceFiling is what a provider says about a resource: the request
// body of POST /v1/resources and PUT /v1/resources/{id}, and the content
// of its log entries.
type ResourceFiling struct {
	Kind        string         `json:"kind"`
	Title       Text           `json:"title"`
	Description Text           `json:"description,omitempty"`
	Links       []ResourceLink `json:"links,omitempty"`
	// Licence is an SPDX licence expression (canonicalised when filed).
	Licence     string       `json:"licence"`
	LicenceRefs []LicenceRef `json:"licence_refs,omitempty"`
	// Languages the resource covers (BCP 47), countries it concerns or is
	// located in (ISO 3166-1 alpha-2).
	Languages []string `json:"languages,omitempty"`
	Countries []string `json:"countries,omitempty"`
	Keywords  []string `json:"keywords,omitempty"`

	Model    *ModelDetails    `json:"model,omitempty"`
	Dataset  *DatasetDetails  `json:"dataset,omitempty"`
	Tool     *ToolDetails     `json:"tool,omitempty"`
	Compute  *ComputeDetails  `json:"compute,omitempty"`
	Training *TrainingDetails `json:"training,omitempty"`
	Expert   *ExpertDetails   `json:"expert,omitempty"`

	Terms AccessTerms `json:"terms"`
}

// ResourceLink is a link of a resource: its home page, download, card,
// repository, paper, Croissant file.
type ResourceLink struct {
	Rel string `json:"rel"`
	URL string `json:"url"`
}

// Link relations.
var ResourceLinkRels = Vocabulary{
	{"homepage", "Home page", "", ""}, {"download", "Download", "", ""}, {"repository", "Source repository", "", ""},
	{"card", "Model or data card", "", ""}, {"croissant", "Croissant metadata", "", ""}, {"paper", "Paper or technical report", "", ""},
	{"documentation", "Documentation", "", ""}, {"apply", "Where to apply", "", ""},
}

// ModelDetails: a model's openness after the OSI Open Source AI Definition
// 1.0 and the Model Openness Framework, its size and modalities.
type ModelDetails struct {
	Parameters int64    `json:"parameters,omitempty"` // number of parameters
	Modalities []string `json:"modalities,omitempty"`
	BaseModel  string   `json:"base_model,omitempty"` // e.g. the Hugging Face id it was fine-tuned from
	OSAID      *OSAID   `json:"osaid,omitempty"`
	MOF        *MOF     `json:"mof,omitempty"`
}

// OSAID records a model against the OSI Open Source AI Definition 1.0: the
// three elements of the preferred form to make modifications, and whether
// conformance is only claimed (by the provider) or was assessed.
type OSAID struct {
	Status          string `json:"status"` // claimed | assessed
	DataInformation bool   `json:"data_information"`
	Code            bool   `json:"code"`
	Parameters      bool   `json:"parameters"`
	AssessedBy      string `json:"assessed_by,omitempty"`
}

// Conforms reports whether all three elements are available.
func (o *OSAID) Conforms() bool {
	return o != nil && o.DataInformation && o.Code && o.Parameters
}

// MOF records a model's Model Openness Framework class (I open science,
// II open tooling, III open model) and the components released.
type MOF struct {
	Class      int            `json:"class"` // 1, 2 or 3
	Components []MOFComponent `json:"components,omitempty"`
}

// MOFComponent is one released component with its licence and location.
type MOFComponent struct {
	Name     string `json:"name"`
	Licence  string `json:"licence,omitempty"`
	Location string `json:"location,omitempty"`
}

// MOFComponents are the Model Openness Framework's components (arXiv
// 2403.13784, Table 1), as the Model Openness Tool names them.
var MOFComponents = []string{
	"Model architecture", "Data preprocessing code", "Training code", "Inference code", "Evaluation code",
	"Supporting libraries and tools", "Datasets", "Model parameters (Final)", "Model parameters (Intermediate)",
	"Model metadata", "Evaluation data", "Evaluation results", "Sample model outputs", "Model card", "Data card",
	"Technical report", "Research paper",
}

// DatasetDetails: a data set's size, modalities, collection period, personal
// data and Croissant metadata.
type DatasetDetails struct {
	Bytes          int64    `json:"bytes,omitempty"`
	Records        int64    `json:"records,omitempty"`
	Modalities     []string `json:"modalities,omitempty"`
	CollectedFrom  string   `json:"collected_from,omitempty"` // YYYY-MM-DD
	CollectedUntil string   `json:"collected_until,omitempty"`
	PersonalData   string   `json:"personal_data,omitempty"` // PersonalDataLevels
	// Croissant holds the Croissant 1.1 (and RAI 1.0) properties kept from
	// an imported Croissant document or card: conformsTo, the RAI fields.
	Croissant *CroissantInfo `json:"croissant,omitempty"`
}

// CroissantInfo is what the catalogue keeps of a Croissant document.
type CroissantInfo struct {
	ConformsTo string `json:"conforms_to,omitempty"`
	URL        string `json:"url,omitempty"`
	// RAI holds the Croissant RAI 1.0 properties given, by their local name
	// (dataCollection, dataBiases, personalSensitiveInformation, …).
	RAI         map[string]string `json:"rai,omitempty"`
	RecordSets  int               `json:"record_sets,omitempty"`
	FileObjects int               `json:"file_objects,omitempty"`
}

// ToolDetails: a software tool.
type ToolDetails struct {
	ProgrammingLanguages []string `json:"programming_languages,omitempty"`
	Version              string   `json:"version,omitempty"`
}

// ComputeDetails: accelerator time offered.
type ComputeDetails struct {
	Accelerator string `json:"accelerator"` // e.g. "NVIDIA H100 80GB"
	GPUHours    int64  `json:"gpu_hours"`
	Region      string `json:"region"` // ISO 3166-1 country where it runs
	From        string `json:"from,omitempty"`
	Until       string `json:"until,omitempty"`
}

// TrainingDetails: a course or training programme.
type TrainingDetails struct {
	Level    string `json:"level"`
	Format   string `json:"format"`
	Language string `json:"language"` // language of instruction
	Seats    int    `json:"seats,omitempty"`
	From     string `json:"from,omitempty"`
	Until    string `json:"until,omitempty"`
}

// ExpertDetails: an expert exchange.
type ExpertDetails struct {
	Field  string `json:"field"`
	Months int    `json:"months,omitempty"`
	Remote bool   `json:"remote,omitempty"`
}

// AccessTerms are a resource's terms of access as data, so that a search
// can answer "what can a university in Malawi use for free".
type AccessTerms struct {
	Mode string `json:"mode"` // AccessModes
	// Only, if set, lists the only countries where it may be used; Excluded
	// lists countries where it may not ("extra_gated_eu_disallowed").
	Only            []string `json:"only,omitempty"`
	Excluded        []string `json:"excluded,omitempty"`
	UseRestrictions []string `json:"use_restrictions,omitempty"`
	UserCap         int64    `json:"user_cap,omitempty"` // monthly active users, with user_cap
	// Sectors, if set, limits who may use it (Sectors).
	Sectors []string `json:"sectors,omitempty"`
	Fee     FeeTerms `json:"fee"`
}

// FeeTerms: the standard fee and its waivers or discounts.
type FeeTerms struct {
	// Standard is "free" or "paid".
	Standard string   `json:"standard"`
	Amount   string   `json:"amount,omitempty"` // the standard fee, as text ("USD 2 per GPU-hour")
	Waivers  []Waiver `json:"waivers,omitempty"`
}

// Waiver is a discount on the standard fee for a country group or a list
// of countries: 100 percent is free.
type Waiver struct {
	Group     string   `json:"group,omitempty"` // a CountryGroups code
	Countries []string `json:"countries,omitempty"`
	Percent   int      `json:"percent"`
}

// Resource is a catalogue record: a filing with its id, provider and
// version.
type Resource struct {
	ID       string    `json:"id"`
	Provider string    `json:"provider"`
	Version  int       `json:"version"`
	Status   string    `json:"status"` // active | withdrawn
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	// Home is the member whose node holds the record ("" for this node's).
	Home string `json:"home,omitempty"`
	ResourceFiling
}

// Resource statuses.
const (
	ResourceActive    = "active"
	ResourceWithdrawn = "withdrawn"
)

// Limits of a filing.
const (
	maxResourceList = 64
)

// Normalize validates a filing and returns it canonical: language tags and
// licence ids spelt canonically, lists sorted and deduplicated. Every
// problem names its field.
func (f ResourceFiling) Normalize() (ResourceFiling, error) {
	var p Problems
	if !ResourceKinds.Has(f.Kind) {
		p.Add("kind", "%q is not a resource kind: use one of %s", f.Kind, strings.Join(ResourceKinds.Codes(), ", "))
	}
	f.Title = f.Title.normalize("title", Line, true, 300, &p)
	f.Description = f.Description.normalize("description", LongText, false, MaxTextLen, &p)
	if len(f.Links) > maxResourceList {
		p.Add("links", "has more than %d links", maxResourceList)
	}
	for i, l := range f.Links {
		if !ResourceLinkRels.Has(l.Rel) {
			p.Add(fmt.Sprintf("links[%d].rel", i), "%q is not a link relation: use one of %s", l.Rel, strings.Join(ResourceLinkRels.Codes(), ", "))
		}
		f.Links[i].URL = resourceURL(fmt.Sprintf("links[%d].url", i), l.URL, true, &p)
	}
	f.normalizeLicence(&p)
	f.Languages = languages("languages", f.Languages, &p)
	f.Countries = countries("countries", f.Countries, &p)
	if len(f.Keywords) > maxResourceList {
		p.Add("keywords", "has more than %d keywords", maxResourceList)
	}
	for i, k := range f.Keywords {
		f.Keywords[i] = textField(fmt.Sprintf("keywords[%d]", i), k, Line, 100, true, &p)
	}
	f.Keywords = sortedUnique(f.Keywords)
	f.normalizeDetails(&p)
	f.Terms = f.Terms.normalize("terms", &p)
	return f, p.Err()
}

func (f *ResourceFiling) normalizeLicence(p *Problems) {
	canon, refs, err := ParseLicence(strings.TrimSpace(f.Licence))
	if err != nil {
		p.Add("licence", "%v", err)
		return
	}
	f.Licence = canon
	given := map[string]int{}
	for i, r := range f.LicenceRefs {
		field := fmt.Sprintf("licence_refs[%d]", i)
		id, ok := canonicalRef(r.ID)
		switch {
		case !ok:
			p.Add(field+".id", "%q is not a LicenseRef-<name> id", r.ID)
			continue
		case !slices.Contains(refs, id):
			p.Add(field+".id", "%s is not named in the licence expression", id)
		}
		if _, dup := given[id]; dup {
			p.Add(field+".id", "repeats %s", id)
		}
		given[id] = i
		f.LicenceRefs[i].ID = id
		f.LicenceRefs[i].Name = textField(field+".name", r.Name, Line, 200, true, p)
		f.LicenceRefs[i].URL = resourceURL(field+".url", r.URL, false, p)
		if !validSHA256(r.SHA256) {
			p.Add(field+".sha256", "must be the lower-case hex SHA-256 of the licence text (64 characters)")
		}
	}
	for _, id := range refs {
		if _, ok := given[id]; !ok {
			p.Add("licence_refs", "%s is named in the licence but not described: give its name and the SHA-256 of its text", id)
		}
	}
	slices.SortFunc(f.LicenceRefs, func(a, b LicenceRef) int { return strings.Compare(a.ID, b.ID) })
}

func (f *ResourceFiling) normalizeDetails(p *Problems) {
	details := map[string]bool{"model": f.Model != nil, "dataset": f.Dataset != nil, "tool": f.Tool != nil,
		"compute": f.Compute != nil, "training": f.Training != nil, "expert": f.Expert != nil}
	for k, set := range details {
		if set && k != f.Kind && ResourceKinds.Has(f.Kind) {
			p.Add(k, "describes a %s, but the resource is a %s: leave it out", k, f.Kind)
		}
	}
	if m := f.Model; m != nil {
		if m.Parameters < 0 {
			p.Add("model.parameters", "must not be negative")
		}
		m.Modalities = vocabList("model.modalities", m.Modalities, Modalities, p)
		m.BaseModel = textField("model.base_model", m.BaseModel, Line, 200, false, p)
		if o := m.OSAID; o != nil && o.Status != "claimed" && o.Status != "assessed" {
			p.Add("model.osaid.status", "%q: use claimed (the provider says so) or assessed (someone checked)", o.Status)
		} else if o != nil {
			o.AssessedBy = textField("model.osaid.assessed_by", o.AssessedBy, Line, 200, o.Status == "assessed", p)
		}
		if mof := m.MOF; mof != nil {
			if mof.Class < 1 || mof.Class > 3 {
				p.Add("model.mof.class", "%d: the Model Openness Framework classes are 1 (open science), 2 (open tooling) and 3 (open model)", mof.Class)
			}
			for i, c := range mof.Components {
				field := fmt.Sprintf("model.mof.components[%d]", i)
				if !slices.Contains(MOFComponents, c.Name) {
					p.Add(field+".name", "%q is not a Model Openness Framework component", c.Name)
				}
				if c.Licence != "" {
					if canon, _, err := ParseLicence(c.Licence); err != nil {
						p.Add(field+".licence", "%v", err)
					} else {
						mof.Components[i].Licence = canon
					}
				}
				mof.Components[i].Location = resourceURL(field+".location", c.Location, false, p)
			}
			if missing := mof.missing(); len(missing) > 0 && mof.Class >= 1 && mof.Class <= 3 && len(mof.Components) > 0 {
				p.Add("model.mof.class", "class %d needs the components %s, which are not listed", mof.Class, strings.Join(missing, ", "))
			}
		}
	}
	if d := f.Dataset; d != nil {
		if d.Bytes < 0 || d.Records < 0 {
			p.Add("dataset.bytes", "sizes must not be negative")
		}
		d.Modalities = vocabList("dataset.modalities", d.Modalities, Modalities, p)
		datePair(p, "dataset.collected_from", d.CollectedFrom, "dataset.collected_until", d.CollectedUntil)
		if d.PersonalData != "" && !PersonalDataLevels.Has(d.PersonalData) {
			p.Add("dataset.personal_data", "%q: use one of %s", d.PersonalData, strings.Join(PersonalDataLevels.Codes(), ", "))
		}
		if c := d.Croissant; c != nil {
			c.URL = resourceURL("dataset.croissant.url", c.URL, false, p)
			for k, v := range c.RAI {
				c.RAI[k] = textField("dataset.croissant.rai."+k, v, LongText, MaxTextLen, true, p)
			}
		}
	}
	if t := f.Tool; t != nil {
		t.Version = textField("tool.version", t.Version, Line, 64, false, p)
		for i, l := range t.ProgrammingLanguages {
			t.ProgrammingLanguages[i] = textField(fmt.Sprintf("tool.programming_languages[%d]", i), l, Line, 64, true, p)
		}
	}
	if c := f.Compute; c != nil {
		c.Accelerator = textField("compute.accelerator", c.Accelerator, Line, 200, true, p)
		if c.GPUHours <= 0 {
			p.Add("compute.gpu_hours", "must be a positive number of GPU-hours")
		}
		if !ValidCountry(c.Region) {
			p.Add("compute.region", "%q is not an ISO 3166-1 alpha-2 country code (e.g. KE)", c.Region)
		}
		datePair(p, "compute.from", c.From, "compute.until", c.Until)
	} else if f.Kind == "compute" {
		p.Add("compute", "is required for a compute offer: accelerator, gpu_hours, region")
	}
	if t := f.Training; t != nil {
		if !CourseLevels.Has(t.Level) {
			p.Add("training.level", "%q: use one of %s", t.Level, strings.Join(CourseLevels.Codes(), ", "))
		}
		if !CourseFormats.Has(t.Format) {
			p.Add("training.format", "%q: use one of %s", t.Format, strings.Join(CourseFormats.Codes(), ", "))
		}
		if l, err := CanonicalLanguage(t.Language); err != nil {
			p.Add("training.language", "%q is not a BCP 47 language tag", t.Language)
		} else {
			t.Language = l
		}
		if t.Seats < 0 {
			p.Add("training.seats", "must not be negative")
		}
		datePair(p, "training.from", t.From, "training.until", t.Until)
	} else if f.Kind == "training" {
		p.Add("training", "is required for a course: level, format, language")
	}
	if e := f.Expert; e != nil {
		e.Field = textField("expert.field", e.Field, Line, 200, true, p)
		if e.Months < 0 {
			p.Add("expert.months", "must not be negative")
		}
	} else if f.Kind == "expert" {
		p.Add("expert", "is required for an expert exchange: field")
	}
}

// mofClassComponents: the components each class adds (MOF §5; the
// Model Openness Tool's class checks).
var mofClassComponents = map[int][]string{
	3: {"Model architecture", "Model parameters (Final)", "Technical report", "Evaluation results", "Model card", "Data card"},
	2: {"Training code", "Inference code", "Evaluation code", "Evaluation data", "Supporting libraries and tools"},
	1: {"Datasets", "Data preprocessing code", "Model parameters (Intermediate)", "Research paper"},
}

func (m *MOF) missing() []string {
	var out []string
	for c := 3; c >= m.Class && c >= 1; c-- {
		for _, name := range mofClassComponents[c] {
			if !slices.ContainsFunc(m.Components, func(x MOFComponent) bool { return x.Name == name }) {
				out = append(out, name)
			}
		}
	}
	return out
}

func (t AccessTerms) normalize(field string, p *Problems) AccessTerms {
	if !AccessModes.Has(t.Mode) {
		p.Add(field+".mode", "%q is not an access mode: use open, gated or on_request", t.Mode)
	}
	t.Only = countries(field+".only", t.Only, p)
	t.Excluded = countries(field+".excluded", t.Excluded, p)
	for _, c := range t.Excluded {
		if slices.Contains(t.Only, c) {
			p.Add(field+".excluded", "%s is both the only place of use and excluded: the terms contradict each other", c)
		}
	}
	t.UseRestrictions = vocabList(field+".use_restrictions", t.UseRestrictions, UseRestrictions, p)
	switch hasCap := slices.Contains(t.UseRestrictions, "user_cap"); {
	case t.UserCap < 0:
		p.Add(field+".user_cap", "must not be negative")
	case hasCap && t.UserCap == 0:
		p.Add(field+".user_cap", "is required with the use restriction user_cap: the number of monthly active users")
	case !hasCap && t.UserCap > 0:
		p.Add(field+".user_cap", "is given but use_restrictions lacks user_cap")
	}
	t.Sectors = vocabList(field+".sectors", t.Sectors, Sectors, p)
	f := &t.Fee
	switch f.Standard {
	case "free":
		if f.Amount != "" {
			p.Add(field+".fee.amount", "is given for a free resource: the terms contradict each other")
		}
		if len(f.Waivers) > 0 {
			p.Add(field+".fee.waivers", "waive a fee that a free resource does not charge: the terms contradict each other")
		}
	case "paid":
		f.Amount = textField(field+".fee.amount", f.Amount, Line, 200, false, p)
	default:
		p.Add(field+".fee.standard", "%q: use free or paid", f.Standard)
	}
	for i, w := range f.Waivers {
		wf := fmt.Sprintf("%s.fee.waivers[%d]", field, i)
		switch {
		case w.Group == "" && len(w.Countries) == 0:
			p.Add(wf, "names neither a group nor countries")
		case w.Group != "" && len(w.Countries) > 0:
			p.Add(wf, "names a group and countries: give one waiver for each")
		}
		if w.Group != "" {
			if _, ok := CountryGroupByCode(w.Group); !ok {
				p.Add(wf+".group", "%q is not a built-in country group: use %s", w.Group, strings.Join(CountryGroupCodes(), ", "))
			}
		}
		f.Waivers[i].Countries = countries(wf+".countries", w.Countries, p)
		if w.Percent < 1 || w.Percent > 100 {
			p.Add(wf+".percent", "%d: a waiver is a discount of 1 to 100 percent (100: free)", w.Percent)
		}
		for _, c := range f.Waivers[i].Countries {
			if slices.Contains(t.Excluded, c) {
				p.Add(wf+".countries", "%s is excluded from use: a waiver for it contradicts the terms", c)
			}
		}
	}
	return t
}

// CountryGroupCodes lists the built-in group codes.
func CountryGroupCodes() []string {
	out := make([]string, len(CountryGroups))
	for i, g := range CountryGroups {
		out[i] = g.Code
	}
	return out
}

func resourceURL(field, s string, required bool, p *Problems) string {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			p.Add(field, "is required")
		}
		return s
	}
	return checkURL(field, s, p)
}

func languages(field string, tags []string, p *Problems) []string {
	if len(tags) > maxResourceList {
		p.Add(field, "has more than %d languages", maxResourceList)
		return tags
	}
	out := make([]string, 0, len(tags))
	for i, t := range tags {
		c, err := CanonicalLanguage(t)
		if err != nil {
			p.Add(fmt.Sprintf("%s[%d]", field, i), "%q is not a BCP 47 language tag (e.g. sw, ar, zh-Hans, fr-SN)", t)
			continue
		}
		out = append(out, c)
	}
	return sortedUnique(out)
}

func countries(field string, codes []string, p *Problems) []string {
	if len(codes) > 300 {
		p.Add(field, "has more than 300 countries")
		return codes
	}
	out := make([]string, 0, len(codes))
	for i, c := range codes {
		if !ValidCountry(c) {
			p.Add(fmt.Sprintf("%s[%d]", field, i), "%q is not an ISO 3166-1 alpha-2 country code (upper case, e.g. MW)", c)
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil
	}
	return sortedUnique(out)
}

func vocabList(field string, codes []string, v Vocabulary, p *Problems) []string {
	for i, c := range codes {
		if !v.Has(c) {
			p.Add(fmt.Sprintf("%s[%d]", field, i), "%q: use one of %s", c, strings.Join(v.Codes(), ", "))
		}
	}
	if len(codes) == 0 {
		return nil
	}
	return sortedUnique(codes)
}

func datePair(p *Problems, fromField, from, untilField, until string) {
	var a, b time.Time
	var err error
	if from != "" {
		if a, err = time.Parse(time.DateOnly, from); err != nil {
			p.Add(fromField, "%q is not a date (YYYY-MM-DD)", from)
		}
	}
	if until != "" {
		if b, err = time.Parse(time.DateOnly, until); err != nil {
			p.Add(untilField, "%q is not a date (YYYY-MM-DD)", until)
		}
	}
	if !a.IsZero() && !b.IsZero() && b.Before(a) {
		p.Add(untilField, "%s is before %s", until, from)
	}
}

func sortedUnique(s []string) []string {
	if len(s) == 0 {
		return s
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// Need is what a member asks for: e.g. "GPU-hours to fine-tune a Swahili
// speech model". The node suggests resources that meet it.
type Need struct {
	ID      string    `json:"id"`
	Org     string    `json:"org"` // who posted it
	Version int       `json:"version"`
	Status  string    `json:"status"` // open | met | closed
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	NeedFiling
}

// NeedFiling is the request body of POST /v1/needs.
type NeedFiling struct {
	Kind        string `json:"kind"` // the resource kind wanted
	Title       Text   `json:"title"`
	Description Text   `json:"description,omitempty"`
	// Country and Sector are the requester's, for eligibility.
	Country   string   `json:"country"`
	Sector    string   `json:"sector"`
	Languages []string `json:"languages,omitempty"`
	Keywords  []string `json:"keywords,omitempty"`
	// FreeOnly asks only for resources free to the requester (after waivers).
	FreeOnly bool `json:"free_only,omitempty"`
	// GPUHours wanted, for a compute need.
	GPUHours   int64    `json:"gpu_hours,omitempty"`
	Modalities []string `json:"modalities,omitempty"`
}

// Need statuses.
const (
	NeedOpen   = "open"
	NeedMet    = "met"
	NeedClosed = "closed"
)

// Normalize validates a need.
func (n NeedFiling) Normalize() (NeedFiling, error) {
	var p Problems
	if !ResourceKinds.Has(n.Kind) {
		p.Add("kind", "%q is not a resource kind: use one of %s", n.Kind, strings.Join(ResourceKinds.Codes(), ", "))
	}
	n.Title = n.Title.normalize("title", Line, true, 300, &p)
	n.Description = n.Description.normalize("description", LongText, false, MaxTextLen, &p)
	if !ValidCountry(n.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code (upper case, e.g. MW)", n.Country)
	}
	if !Sectors.Has(n.Sector) {
		p.Add("sector", "%q: use one of %s", n.Sector, strings.Join(Sectors.Codes(), ", "))
	}
	n.Languages = languages("languages", n.Languages, &p)
	for i, k := range n.Keywords {
		n.Keywords[i] = textField(fmt.Sprintf("keywords[%d]", i), k, Line, 100, true, &p)
	}
	n.Keywords = sortedUnique(n.Keywords)
	if n.GPUHours < 0 {
		p.Add("gpu_hours", "must not be negative")
	} else if n.GPUHours > 0 && n.Kind != "compute" {
		p.Add("gpu_hours", "is for compute needs only")
	}
	n.Modalities = vocabList("modalities", n.Modalities, Modalities, &p)
	return n, p.Err()
}

// Match links a need to a resource that may meet it, and records what
// became of it: proposed (by the node or a member), accepted by the
// provider, declined, completed when the resource was shared.
type Match struct {
	ID       string    `json:"id"`
	Need     string    `json:"need"`
	Resource string    `json:"resource"`
	Provider string    `json:"provider"`
	Org      string    `json:"org"` // who posted the need
	Status   string    `json:"status"`
	Version  int       `json:"version"`
	Score    int       `json:"score"`
	Reasons  []string  `json:"reasons,omitempty"`
	Note     string    `json:"note,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

// Match statuses and who may move a match where.
const (
	MatchProposed  = "proposed"
	MatchAccepted  = "accepted"
	MatchDeclined  = "declined"
	MatchCompleted = "completed"
)

// CanMove reports whether a match may go from status s to status to.
func MatchCanMove(from, to string) bool {
	switch from {
	case MatchProposed:
		return to == MatchAccepted || to == MatchDeclined
	case MatchAccepted:
		return to == MatchCompleted || to == MatchDeclined
	}
	return false
}

// SystemResourceLink says that a registry system is built on a catalogue
// resource (a model or data set), of this node or of a peer (Node).
type SystemResourceLink struct {
	System   string    `json:"system"`
	Resource string    `json:"resource"`
	Node     string    `json:"node,omitempty"`
	Role     string    `json:"role"` // model | dataset
	Org      string    `json:"org"`
	Created  time.Time `json:"created"`
}

// ResourceQuery selects catalogue records. Facets are "name:value" strings
// (see ResourceFacets): All must all hold, each group of Any must have one
// that holds, None must not hold. Text matches words of the titles,
// descriptions and keywords.
type ResourceQuery struct {
	Text   string
	All    []string
	Any    [][]string
	None   []string
	Cursor string
	Limit  int
}

// ResourcePage is one page of a catalogue search.
type ResourcePage struct {
	Resources []Resource `json:"resources"`
	Next      string     `json:"next,omitempty"`
}

// ResourceReadTx holds the catalogue's reads.
type ResourceReadTx interface {
	Resource(ctx context.Context, id string) (*Resource, error)
	ResourceVersion(ctx context.Context, id string, version int) (*Resource, error)
	SearchResources(ctx context.Context, q ResourceQuery) (*ResourcePage, error)
	// EachResource calls fn for every active resource of this node, oldest
	// first, reading in pages (the DCAT export streams through it).
	EachResource(ctx context.Context, fn func(Resource) error) error
	Need(ctx context.Context, id string) (*Need, error)
	Needs(ctx context.Context, org, status, cursor string, limit int) ([]Need, string, error)
	ResourceMatch(ctx context.Context, id string) (*Match, error)
	// Matches lists the matches of a need, or of a resource, or every
	// match (both empty), newest first.
	Matches(ctx context.Context, need, resource string) ([]Match, error)
	// SystemsOn lists the systems built on a resource; ResourcesOf the
	// resources a system is built on.
	SystemsOn(ctx context.Context, resource string) ([]SystemResourceLink, error)
	ResourcesOf(ctx context.Context, system string) ([]SystemResourceLink, error)
}

// ResourceWriteTx holds the catalogue's writes.
type ResourceWriteTx interface {
	// PutResource inserts or replaces a resource's head row and its facets
	// and adds its version (an existing (id, version) is EConflict).
	PutResource(ctx context.Context, r Resource, facets []string, text string) error
	PutNeed(ctx context.Context, n Need) error
	PutMatch(ctx context.Context, m Match) error
	// LinkSystem records a link; an existing one is EConflict.
	LinkSystem(ctx context.Context, l SystemResourceLink) error
}

// ResourceFacets are the facets a resource is searched by: kind, licence
// ids, languages (and their base language), countries, access mode, fee,
// waivers, geographic terms, sectors, openness.
func ResourceFacets(r Resource) []string {
	f := []string{Facet("kind", r.Kind), Facet("status", r.Status), Facet("provider", r.Provider), Facet("mode", r.Terms.Mode),
		Facet("fee", r.Terms.Fee.Standard)}
	for _, id := range LicenceIDs(r.Licence) {
		f = append(f, Facet("licence", id))
	}
	for _, l := range r.Languages {
		f = append(f, Facet("lang", l))
		if base, _, ok := strings.Cut(l, "-"); ok {
			f = append(f, Facet("lang", base))
		}
	}
	if r.Training != nil {
		f = append(f, Facet("lang", r.Training.Language))
	}
	if len(r.Languages) == 0 && r.Training == nil {
		f = append(f, "lang:none") // matches a need in any language (MatchNeed)
	}
	for _, c := range r.Countries {
		f = append(f, Facet("country", c))
	}
	if len(r.Terms.Only) == 0 {
		f = append(f, "geo:any")
	}
	for _, c := range r.Terms.Only {
		f = append(f, Facet("geo", c))
	}
	for _, c := range r.Terms.Excluded {
		f = append(f, Facet("excluded", c))
	}
	if len(r.Terms.Sectors) == 0 {
		f = append(f, "sector:any")
	}
	for _, s := range r.Terms.Sectors {
		f = append(f, Facet("sector", s))
	}
	for _, u := range r.Terms.UseRestrictions {
		f = append(f, Facet("use", u))
	}
	for _, w := range r.Terms.Fee.Waivers {
		kind := "waiver"
		if w.Percent == 100 {
			kind = "free"
		}
		if w.Group != "" {
			f = append(f, Facet(kind, "group:"+w.Group))
		}
		for _, c := range w.Countries {
			f = append(f, Facet(kind, c))
		}
	}
	if m := r.Model; m != nil {
		if m.OSAID != nil && m.OSAID.Conforms() {
			f = append(f, Facet("osaid", m.OSAID.Status))
		}
		if m.MOF != nil {
			f = append(f, Facet("mof", fmt.Sprint(m.MOF.Class)))
		}
		for _, x := range m.Modalities {
			f = append(f, Facet("modality", x))
		}
	}
	if d := r.Dataset; d != nil {
		for _, x := range d.Modalities {
			f = append(f, Facet("modality", x))
		}
	}
	if (r.Model == nil || len(r.Model.Modalities) == 0) && (r.Dataset == nil || len(r.Dataset.Modalities) == 0) {
		f = append(f, "modality:none")
	}
	if r.Home != "" {
		f = append(f, Facet("node", r.Home))
	}
	return sortedUnique(f)
}

// ResourceText is a resource's normalised search text.
func ResourceText(r Resource) string {
	parts := append(r.Title.Values(), r.Description.Values()...)
	parts = append(parts, r.Keywords...)
	return SearchText(parts...)
}

// FreeForFacets are the query groups of "free for a requester in country
// of sector": used where the geographic and sector terms allow it, free
// for everyone or by a 100 % waiver for the country or one of its groups.
func FreeForFacets(country, sector string) (anyOf [][]string, none []string) {
	free := []string{"fee:free", Facet("free", country)}
	for _, g := range GroupsOf(country) {
		free = append(free, Facet("free", "group:"+g))
	}
	anyOf = [][]string{free, {"geo:any", Facet("geo", country)}}
	if sector != "" {
		anyOf = append(anyOf, []string{"sector:any", Facet("sector", sector)})
	}
	return anyOf, []string{Facet("excluded", country)}
}

// UsableByFacets are the groups of "may be used by a requester in country
// of sector", whatever the fee.
func UsableByFacets(country, sector string) (anyOf [][]string, none []string) {
	anyOf = [][]string{{"geo:any", Facet("geo", country)}}
	if sector != "" {
		anyOf = append(anyOf, []string{"sector:any", Facet("sector", sector)})
	}
	return anyOf, []string{Facet("excluded", country)}
}

// Log entry types of the catalogue.
const (
	LogResourcePublished = "resource.published"
	LogResourceUpdated   = "resource.updated"
	LogResourceWithdrawn = "resource.withdrawn"
	LogNeedPosted        = "need.posted"
	LogNeedClosed        = "need.closed"
	LogMatchProposed     = "match.proposed"
	LogMatchChanged      = "match.changed"
	LogResourceLinked    = "resource.linked"
)

// ResourceEvent is the content of a resource.* entry.
type ResourceEvent struct {
	V        int            `json:"v"`
	Provider string         `json:"provider"`
	Status   string         `json:"status"`
	Reason   string         `json:"reason,omitempty"`
	Filing   ResourceFiling `json:"filing"`
}

// NeedEvent is the content of a need.* entry.
type NeedEvent struct {
	V      int        `json:"v"`
	Org    string     `json:"org"`
	Status string     `json:"status"`
	Filing NeedFiling `json:"filing"`
}

// MatchEvent is the content of a match.* entry.
type MatchEvent struct {
	V     int   `json:"v"`
	Match Match `json:"match"`
}

// LinkEvent is the content of a resource.linked entry.
type LinkEvent struct {
	V    int                `json:"v"`
	Link SystemResourceLink `json:"link"`
}

func init() {
	for _, t := range []string{LogResourcePublished, LogResourceUpdated, LogResourceWithdrawn} {
		registerLogDecoder(t, decodeResourceEvent)
	}
	registerLogDecoder(LogNeedPosted, decodeNeedEvent)
	registerLogDecoder(LogNeedClosed, decodeNeedEvent)
	registerLogDecoder(LogMatchProposed, decodeMatchEvent)
	registerLogDecoder(LogMatchChanged, decodeMatchEvent)
	registerLogDecoder(LogResourceLinked, decodeLinkEvent)
}

func decodeResourceEvent(ev *LogEvent) (any, error) {
	r, err := content[ResourceEvent](ev)
	if err != nil {
		return nil, err
	}
	switch {
	case r.V != 1:
		return nil, fmt.Errorf("content version %d is not 1", r.V)
	case !validToken(r.Provider, 128):
		return nil, errors.New("content lacks a provider")
	case (ev.Type == LogResourcePublished) != (ev.Version == 1):
		return nil, fmt.Errorf("version %d does not fit a %s entry", ev.Version, ev.Type)
	case (ev.Type == LogResourceWithdrawn) != (r.Status == ResourceWithdrawn):
		return nil, fmt.Errorf("status %q does not fit a %s entry", r.Status, ev.Type)
	}
	n, err := r.Filing.Normalize()
	if err != nil {
		return nil, fmt.Errorf("filing: %w", err)
	}
	r.Filing = n
	return r, nil
}

func decodeNeedEvent(ev *LogEvent) (any, error) {
	n, err := content[NeedEvent](ev)
	if err != nil {
		return nil, err
	}
	if n.V != 1 || !validToken(n.Org, 128) {
		return nil, errors.New("content is not a version 1 need with an organization")
	}
	f, err := n.Filing.Normalize()
	if err != nil {
		return nil, fmt.Errorf("filing: %w", err)
	}
	n.Filing = f
	return n, nil
}

func decodeMatchEvent(ev *LogEvent) (any, error) {
	m, err := content[MatchEvent](ev)
	if err != nil {
		return nil, err
	}
	if m.V != 1 || m.Match.ID != ev.Record || m.Match.Need == "" || m.Match.Resource == "" {
		return nil, errors.New("content is not a version 1 match of the entry's record with a need and a resource")
	}
	return m, nil
}

func decodeLinkEvent(ev *LogEvent) (any, error) {
	l, err := content[LinkEvent](ev)
	if err != nil {
		return nil, err
	}
	if l.V != 1 || l.Link.System == "" || l.Link.Resource == "" {
		return nil, errors.New("content is not a version 1 link of a system to a resource")
	}
	return l, nil
}

// ResourceETag is the entity tag of a resource version, for If-Match.
func ResourceETag(id string, version int) string { return fmt.Sprintf(`"%s.v%d"`, id, version) }

// ResourceView is a resource as the API and the web show it: the record,
// the systems of the registry built on it, and the receipt of the write
// that produced it (after a write).
type ResourceView struct {
	Resource
	ETag      string               `json:"etag"`
	BuiltInto []SystemResourceLink `json:"built_into,omitempty"`
	Receipt   *Receipt             `json:"receipt,omitempty"`
}

// ResourceSearch is a catalogue search as a reader asks it (the query
// parameters of GET /v1/resources): every field is optional. FreeFor and
// UsableBy take a country (with Sector, the requester's sector).
type ResourceSearch struct {
	Text     string `json:"q,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Licence  string `json:"licence,omitempty"`
	Language string `json:"language,omitempty"`
	Country  string `json:"country,omitempty"`
	Mode     string `json:"mode,omitempty"`
	OSAID    bool   `json:"osaid,omitempty"` // only models whose OSAID elements are all available
	MOF      int    `json:"mof,omitempty"`   // only models of this MOF class or a more open one
	FreeFor  string `json:"free_for,omitempty"`
	UsableBy string `json:"usable_by,omitempty"`
	Sector   string `json:"sector,omitempty"`
	Provider string `json:"provider,omitempty"`
	// Node selects the records another member holds (mirrored from its log).
	Node   string `json:"node,omitempty"`
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// NeedView is a need with the resources the node suggests for it and its
// matches.
type NeedView struct {
	Need
	Suggestions []Suggestion `json:"suggestions"`
	Matches     []Match      `json:"matches"`
	Receipt     *Receipt     `json:"receipt,omitempty"`
}

// NeedPage is one page of needs.
type NeedPage struct {
	Needs []Need `json:"needs"`
	Next  string `json:"next,omitempty"`
}

// MatchProposal is the request body of POST /v1/matches.
type MatchProposal struct {
	Need     string `json:"need"`
	Resource string `json:"resource"`
	Note     string `json:"note,omitempty"`
}

// MatchChange is the request body of POST /v1/matches/{id}/status.
type MatchChange struct {
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
}

// MatchView is a match after a write, with its receipt.
type MatchView struct {
	Match
	Receipt *Receipt `json:"receipt,omitempty"`
}

// SystemLinkRequest is the request body of POST /v1/systems/{id}/built-on:
// the resource (a catalogue id, of this node or, with Node, of a peer's).
type SystemLinkRequest struct {
	Resource string `json:"resource"`
	Node     string `json:"node,omitempty"`
	Role     string `json:"role"` // model | dataset
}

// LinkView is a link after its write.
type LinkView struct {
	SystemResourceLink
	Receipt *Receipt `json:"receipt,omitempty"`
}

// Withdrawal is the request body of a withdrawal or a closing.
type Withdrawal struct {
	Reason string `json:"reason"`
}

// ResourceImport is the request body of POST /v1/resource-imports: a card
// or Croissant document to turn into a filing (nothing is stored).
type ResourceImport struct {
	// Format is hf-model-card, hf-dataset-card or croissant.
	Format   string `json:"format"`
	Document string `json:"document"`
	// LicenceSHA256 is the SHA-256 of the licence text, needed when the
	// card's licence is not in the SPDX License List (LicenseRef-hf-…).
	LicenceSHA256 string `json:"licence_sha256,omitempty"`
	// Title replaces the document's name.
	Title Text `json:"title,omitempty"`
}

// ResourceRow is one row of the catalogue's tables as `accord
// migrate-store` carries it (in FederationRow, which every store already
// moves): exactly one field is set. A resource comes once per version,
// oldest first, so that loading replays its history.
type ResourceRow struct {
	Resource *Resource           `json:"resource,omitempty"`
	Need     *Need               `json:"need,omitempty"`
	Match    *Match              `json:"match,omitempty"`
	Link     *SystemResourceLink `json:"link,omitempty"`
}

// dumpResources writes the catalogue's rows through a store's EachRow.
// Both stores keep them in the same columns (migrations 012 and 008).
func dumpResources(ctx context.Context, each EachRow, w DumpWriter) error {
	rows := func(what, query string, row func(data []byte) (ResourceRow, error)) error {
		err := each(ctx, query, func(scan func(...any) error) error {
			var data []byte
			if err := scan(&data); err != nil {
				return err
			}
			r, err := row(data)
			if err != nil {
				return err
			}
			return w.Federation(ctx, FederationRow{Resource: &r})
		})
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	steps := []func() error{
		func() error {
			return rows("resources", `SELECT v.data FROM resource_versions v JOIN resources r ON r.id = v.id ORDER BY r.rid, v.version`, func(b []byte) (ResourceRow, error) {
				var x Resource
				return ResourceRow{Resource: &x}, json.Unmarshal(b, &x)
			})
		},
		func() error {
			return rows("needs", `SELECT data FROM resource_needs ORDER BY rid`, func(b []byte) (ResourceRow, error) {
				var x Need
				return ResourceRow{Need: &x}, json.Unmarshal(b, &x)
			})
		},
		func() error {
			return rows("matches", `SELECT data FROM resource_matches ORDER BY rid`, func(b []byte) (ResourceRow, error) {
				var x Match
				return ResourceRow{Match: &x}, json.Unmarshal(b, &x)
			})
		},
		func() error {
			return rows("links", `SELECT data FROM system_resources ORDER BY system, resource, node`, func(b []byte) (ResourceRow, error) {
				var x SystemResourceLink
				return ResourceRow{Link: &x}, json.Unmarshal(b, &x)
			})
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// loadResource writes one catalogue row through the store's methods.
func loadResource(ctx context.Context, tx WriteTx, r ResourceRow) error {
	switch {
	case r.Resource != nil:
		return tx.PutResource(ctx, *r.Resource, ResourceFacets(*r.Resource), ResourceText(*r.Resource))
	case r.Need != nil:
		return tx.PutNeed(ctx, *r.Need)
	case r.Match != nil:
		return tx.PutMatch(ctx, *r.Match)
	case r.Link != nil:
		return tx.LinkSystem(ctx, *r.Link)
	}
	return errors.New("load resources: an empty row")
}

package accord

import (
	"encoding/hex"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Filing is what a provider states about an AI system: the content of one
// version of a registry entry. It carries what EU AI Act Annex VIII (Sections
// A and B) and China's algorithm filing (entity, algorithm, product) ask for.
// The OpenAPI document describes every field for filers.
type Filing struct {
	TradeName           Text     `json:"trade_name"`
	Reference           string   `json:"reference,omitempty"`
	SystemVersion       string   `json:"system_version"`
	Status              string   `json:"status"`
	IntendedPurpose     Text     `json:"intended_purpose"`
	OperatingLogic      Text     `json:"operating_logic,omitempty"`
	Domains             []string `json:"domains"`
	AlgorithmTypes      []string `json:"algorithm_types,omitempty"`
	DeploymentCountries []string `json:"deployment_countries"`
	DeploymentRegions   []string `json:"deployment_regions,omitempty"`
	DeployerKinds       []string `json:"deployer_kinds,omitempty"`
	AffectedPersons     []string `json:"affected_persons,omitempty"`
	// Roles, EstablishedIn and OutputUsedIn say who files and where the law
	// reaches them (EU AI Act Art. 2(1)): the filer's roles towards the
	// system, the countries where the filer is established, and the
	// countries where the system's output is used (a third-country system
	// whose output is used in the Union is in scope, Art. 2(1)(c)).
	Roles         []string `json:"roles,omitempty"`
	EstablishedIn []string `json:"established_in,omitempty"`
	OutputUsedIn  []string `json:"output_used_in,omitempty"`
	// OtherDomain describes the use when Domains lists "other"; it is
	// required then, and refused otherwise.
	OtherDomain  string     `json:"other_domain,omitempty"`
	Facts        Facts      `json:"facts"`
	DataSources  Text       `json:"data_sources,omitempty"`
	PersonalData []string   `json:"personal_data,omitempty"`
	Documents    []Document `json:"documents,omitempty"`
	InfoURL      string     `json:"info_url,omitempty"`
	// Confidential lists the fields (by JSON name, e.g. "data_sources" or
	// "facts.training_compute_flop") that are stored but never served publicly
	// and enter the public log only as salted hash commitments (EU AI Act Art. 49(4)).
	Confidential []string `json:"confidential,omitempty"`
}

// Document references a document by URL and the SHA-256 of its bytes, so a
// reader can check that what they download is what was filed.
type Document struct {
	Kind   string `json:"kind"`
	Title  string `json:"title,omitempty"`
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
}

// Limits on list sizes, so that one filing fits in one log entry.
const (
	maxListLen      = 64
	maxDocuments    = 32
	maxShortLen     = 200
	maxURLLen       = 2000
	MaxTradeNameLen = 300
)

// Normalize validates f and returns it in canonical form: language tags
// canonicalised, lists sorted and de-duplicated, text trimmed. Every problem
// is reported with the JSON path of its field.
func (f Filing) Normalize() (Filing, error) {
	var p Problems
	f.TradeName = f.TradeName.normalize("trade_name", Line, true, MaxTradeNameLen, &p)
	f.IntendedPurpose = f.IntendedPurpose.normalize("intended_purpose", LongText, true, MaxTextLen, &p)
	f.OperatingLogic = f.OperatingLogic.normalize("operating_logic", LongText, false, MaxTextLen, &p)
	f.DataSources = f.DataSources.normalize("data_sources", LongText, false, MaxTextLen, &p)
	f.Reference = textField("reference", f.Reference, Line, maxShortLen, false, &p)
	f.SystemVersion = textField("system_version", f.SystemVersion, Line, maxShortLen, true, &p)

	f.Status = strings.TrimSpace(f.Status)
	switch {
	case f.Status == "":
		p.Add("status", "is required: one of planned, active, discontinued, recalled")
	case f.Status == "withdrawn":
		p.Add("status", "cannot be set to withdrawn by a filing: use the withdraw action")
	case !Statuses.Has(f.Status):
		p.Add("status", "%q is not a status: use one of planned, active, discontinued, recalled", f.Status)
	}

	f.Domains = codeList("domains", f.Domains, Domains, true, &p)
	f.AlgorithmTypes = codeList("algorithm_types", f.AlgorithmTypes, AlgorithmTypes, false, &p)
	f.DeployerKinds = codeList("deployer_kinds", f.DeployerKinds, DeployerKinds, false, &p)
	f.AffectedPersons = codeList("affected_persons", f.AffectedPersons, AffectedPersons, false, &p)
	f.PersonalData = codeList("personal_data", f.PersonalData, PersonalDataCategories, false, &p)
	f.DeploymentCountries = countryList("deployment_countries", f.DeploymentCountries, &p)
	f.DeploymentRegions = regionList("deployment_regions", f.DeploymentRegions, f.DeploymentCountries, &p)
	f.Roles = codeList("roles", f.Roles, Roles, false, &p)
	f.EstablishedIn = optionalCountryList("established_in", f.EstablishedIn, &p)
	f.OutputUsedIn = optionalCountryList("output_used_in", f.OutputUsedIn, &p)
	f.OtherDomain = textField("other_domain", f.OtherDomain, Line, maxShortLen, false, &p)
	switch other := slices.Contains(f.Domains, OtherDomain); {
	case other && f.OtherDomain == "":
		p.Add("other_domain", "is required when domains lists \"other\": describe the use in a few words")
	case !other && f.OtherDomain != "":
		p.Add("other_domain", "is only for a filing whose domains list \"other\": add \"other\" to domains or leave other_domain out")
	}
	f.Facts = f.Facts.normalize(&p)

	if len(f.Documents) > maxDocuments {
		p.Add("documents", "has %d documents; the limit is %d", len(f.Documents), maxDocuments)
	}
	// Copy before normalising: Normalize must not change the caller's filing.
	docs := make([]Document, len(f.Documents))
	for i, d := range f.Documents {
		docs[i] = d.normalize("documents["+itoa(i)+"]", &p)
	}
	if len(docs) > 0 {
		f.Documents = docs
	}
	if f.InfoURL != "" {
		f.InfoURL = checkURL("info_url", f.InfoURL, &p)
	}
	f.Confidential = confidentialList(f, &p)
	if err := p.Err(); err != nil {
		return f, err
	}
	return f, nil
}

func itoa(i int) string { return strconv.Itoa(i) }

// codeList checks every code against a vocabulary and returns the list sorted
// without duplicates, so that equal filings have equal canonical forms.
func codeList(field string, codes []string, v Vocabulary, required bool, p *Problems) []string {
	if len(codes) == 0 {
		if required {
			p.Add(field, "is required: give at least one code (see GET /v1/vocabularies)")
		}
		return nil
	}
	if len(codes) > maxListLen {
		p.Add(field, "has %d entries; the limit is %d", len(codes), maxListLen)
		return codes
	}
	out := make([]string, 0, len(codes))
	for i, c := range codes {
		if !v.Has(c) {
			p.Add(field+"["+itoa(i)+"]", "%q is not a known code; use one of: %s", c, strings.Join(v.Codes(), ", "))
			continue
		}
		out = append(out, c)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func countryList(field string, codes []string, p *Problems) []string {
	if len(codes) == 0 {
		p.Add(field, "is required: give at least one ISO 3166-1 alpha-2 country code, e.g. FR")
		return nil
	}
	return checkCountries(field, codes, p)
}

// optionalCountryList is countryList for a list that may be empty.
func optionalCountryList(field string, codes []string, p *Problems) []string {
	if len(codes) == 0 {
		return nil
	}
	return checkCountries(field, codes, p)
}

func checkCountries(field string, codes []string, p *Problems) []string {
	if len(codes) > 250 {
		p.Add(field, "has %d entries; the limit is 250", len(codes))
		return codes
	}
	out := make([]string, 0, len(codes))
	for i, c := range codes {
		if !ValidCountry(c) {
			hint := ""
			if ValidCountry(strings.ToUpper(c)) {
				hint = " (write it in upper case: " + strings.ToUpper(c) + ")"
			} else if strings.EqualFold(c, "UK") {
				hint = " (the ISO code of the United Kingdom is GB)"
			} else if strings.EqualFold(c, "EU") {
				hint = " (list the member states instead)"
			}
			p.Add(field+"["+itoa(i)+"]", "%q is not an ISO 3166-1 alpha-2 country code%s", c, hint)
			continue
		}
		out = append(out, c)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// regionList checks subdivision and locality codes: each must be well formed
// and belong to a listed deployment country.
func regionList(field string, codes, countries []string, p *Problems) []string {
	if len(codes) == 0 {
		return nil
	}
	if len(codes) > 250 {
		p.Add(field, "has %d entries; the limit is 250", len(codes))
		return codes
	}
	out := make([]string, 0, len(codes))
	for i, c := range codes {
		f := field + "[" + itoa(i) + "]"
		if !ValidRegion(c) {
			p.Add(f, "%q is not an ISO 3166-2 subdivision code (e.g. US-CO, DE-BY) or a locality code of GET /v1/vocabularies (e.g. US-NY-NYC)", c)
			continue
		}
		if country, _, _ := strings.Cut(c, "-"); !slices.Contains(countries, country) {
			p.Add(f, "%q is in %s, which deployment_countries does not list", c, country)
			continue
		}
		out = append(out, c)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (d Document) normalize(field string, p *Problems) Document {
	if !DocumentKinds.Has(d.Kind) {
		p.Add(field+".kind", "%q is not a document kind (see GET /v1/vocabularies)", d.Kind)
	}
	d.Title = textField(field+".title", d.Title, Line, maxShortLen, false, p)
	d.URL = checkURL(field+".url", d.URL, p)
	d.SHA256 = strings.ToLower(strings.TrimSpace(d.SHA256))
	if b, err := hex.DecodeString(d.SHA256); err != nil || len(b) != 32 {
		p.Add(field+".sha256", "must be the SHA-256 of the document as 64 hexadecimal digits")
	}
	return d
}

func checkURL(field, s string, p *Problems) string {
	s = strings.TrimSpace(s)
	if s == "" {
		p.Add(field, "is required")
		return s
	}
	if len(s) > maxURLLen {
		p.Add(field, "is longer than %d bytes", maxURLLen)
		return s
	}
	if msg := CheckText(s, Line); msg != "" {
		p.Add(field, "%s", msg)
		return s
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.Opaque != "":
		p.Add(field, "must be an absolute http(s) URL")
	case u.User != nil:
		// A public record keeps what it is given forever: a password in a
		// link would be published in the log.
		p.Add(field, "must not hold a user name or password (user:pass@host): link to the page itself")
	case strings.ContainsAny(s, " \\"):
		p.Add(field, "must not contain spaces or backslashes (write a space as %%20)")
	}
	return s
}

func (f Facts) normalize(p *Problems) Facts {
	if f.TrainingComputeFLOP != nil {
		v := *f.TrainingComputeFLOP
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e40 {
			p.Add("facts.training_compute_flop", "must be a non-negative number of FLOP, e.g. 3.8e25")
		}
	}
	if f.ParameterCount != nil && *f.ParameterCount < 0 {
		p.Add("facts.parameter_count", "must not be negative")
	}
	if v := f.DeveloperAnnualRevenue; v != nil && (*v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0)) {
		p.Add("facts.developer_annual_revenue_usd", "must not be negative")
	}
	if f.Licence != nil {
		s := textField("facts.licence", *f.Licence, Line, maxShortLen, false, p)
		if s == "" {
			f.Licence = nil
		} else {
			f.Licence = &s
		}
	}
	return f
}

// ConfidentialFields lists the fields a filing may mark confidential: every
// top-level field but the identity, status and classification-bearing lists a
// public register must show, and every fact.
func ConfidentialFields() []string {
	fields := []string{"reference", "operating_logic", "data_sources", "personal_data", "documents", "info_url", "affected_persons", "deployer_kinds"}
	for _, d := range FactDocs {
		fields = append(fields, "facts."+d.Name)
	}
	return fields
}

func confidentialList(f Filing, p *Problems) []string {
	if len(f.Confidential) == 0 {
		return nil
	}
	allowed := ConfidentialFields()
	out := make([]string, 0, len(f.Confidential))
	for i, c := range f.Confidential {
		if !slices.Contains(allowed, c) {
			p.Add("confidential["+itoa(i)+"]", "%q cannot be marked confidential: use one of the optional fields, e.g. data_sources or facts.training_compute_flop", c)
			continue
		}
		out = append(out, c)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// factFieldIndex maps a fact's JSON name to its struct field index.
var factFieldIndex = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[Facts]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
}()

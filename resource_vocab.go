package accord

import "slices"

// Vocabularies of the shared-resources catalogue (resource.go).

// Resource kinds.
var ResourceKinds = Vocabulary{
	{"model", "Model", "Trained model parameters (weights) with their configuration, e.g. an open speech-recognition model.", "OSI Open Source AI Definition 1.0; Model Openness Framework"},
	{"dataset", "Data set", "A data set for training or evaluation, described by a data card or Croissant metadata.", "MLCommons Croissant 1.1; DCAT-AP 3.0.1 dcat:Dataset"},
	{"tool", "Software tool", "Open-source software for building, evaluating or running AI systems.", "schema.org SoftwareApplication"},
	{"compute", "Compute offer", "Accelerator time offered to others: GPU-hours in a region over a period.", "Accord"},
	{"training", "Course or training programme", "A course, school or training programme, with its level, format, language and seats.", "schema.org Course"},
	{"expert", "Expert exchange", "Experts offered for an exchange, a secondment or advice.", "Accord"},
}

// Access modes.
var AccessModes = Vocabulary{
	{"open", "Open", "Anyone may download or use it without asking.", "DCAT-AP access right PUBLIC"},
	{"gated", "Gated", "Available after accepting terms or giving details, granted automatically or by the provider.", "Hugging Face gated repositories (gated: auto|manual)"},
	{"on_request", "On request", "Available to those who ask and whom the provider accepts.", "DCAT-AP access right RESTRICTED"},
}

// Use restrictions a licence or offer imposes.
var UseRestrictions = Vocabulary{
	{"non_commercial", "Non-commercial use only", "No use for commercial advantage.", "CC BY-NC; RAIL licences"},
	{"research_only", "Research only", "Use for research and education only.", ""},
	{"no_military", "No military use", "No use for military purposes.", "RAIL use restrictions"},
	{"no_surveillance", "No surveillance", "No use for mass surveillance or tracking of people.", "RAIL use restrictions"},
	{"user_cap", "Cap on users", "Use above a number of monthly active users needs another licence (see user_cap).", "e.g. Llama licences: 700 million monthly active users"},
	{"attribution", "Attribution required", "Use must credit the provider.", ""},
	{"share_alike", "Share alike", "Derivatives must carry the same terms.", ""},
	{"export_controlled", "Export controlled", "Export-control law restricts who may receive it.", ""},
}

// Sectors of the organizations that post needs and that terms may be
// limited to.
var Sectors = Vocabulary{
	{"academia", "University or research institute", "", ""},
	{"government", "Government or public body", "", ""},
	{"nonprofit", "Non-profit or civil society", "", ""},
	{"startup", "Start-up or small enterprise", "", ""},
	{"company", "Company", "", ""},
	{"individual", "Individual", "", ""},
}

// Course levels and formats.
var (
	CourseLevels  = Vocabulary{{"introductory", "Introductory", "", ""}, {"intermediate", "Intermediate", "", ""}, {"advanced", "Advanced", "", ""}}
	CourseFormats = Vocabulary{{"online", "Online", "", ""}, {"in_person", "In person", "", ""}, {"hybrid", "Hybrid", "", ""}}
)

// Personal data in a data set.
var PersonalDataLevels = Vocabulary{
	{"none", "No personal data", "", ""},
	{"anonymised", "Anonymised", "Personal data made anonymous.", ""},
	{"pseudonymised", "Pseudonymised", "", "GDPR Art. 4(5)"},
	{"personal", "Personal data", "", "GDPR Art. 4(1)"},
	{"sensitive", "Special categories of personal data", "", "GDPR Art. 9(1)"},
}

// CountryGroup is a built-in list of countries that access terms can name:
// fee waivers and discounts for least developed countries and low-income
// economies.
type CountryGroup struct {
	Code    string   `json:"code"`
	Label   string   `json:"label"`
	Source  string   `json:"source"`
	Edition string   `json:"edition"` // which edition of the source, and its date
	Note    string   `json:"note,omitempty"`
	Members []string `json:"members"` // ISO 3166-1 alpha-2, sorted
}

// Has reports whether a country belongs to the group.
func (g CountryGroup) Has(country string) bool {
	_, ok := slices.BinarySearch(g.Members, country)
	return ok
}

// Country group codes.
const (
	GroupLDC              = "un-ldc"
	GroupLowIncome        = "wb-low-income"
	GroupLowerMiddle      = "wb-lower-middle-income"
	GroupLowOrLowerMiddle = "wb-low-or-lower-middle-income"
)

// CountryGroups are the built-in groups. Each is pinned to an edition;
// a node operator who needs a newer one changes it here, in one commit.
var CountryGroups = []CountryGroup{
	{
		Code: GroupLDC, Label: "Least developed countries (UN)",
		Source:  "UN Committee for Development Policy, list of least developed countries",
		Edition: "as of 13 December 2024 (44 countries, after the graduation of São Tomé and Príncipe)",
		Note: "Bangladesh, Lao PDR and Nepal were scheduled to graduate on 24 November 2026 and Solomon Islands in December 2027; " +
			"those graduations are not applied here (unverified at the time of writing).",
		Members: sortedCodes("AF", "AO", "BD", "BF", "BI", "BJ", "CD", "CF", "DJ", "ER", "ET", "GM", "GN", "GW", "HT", "KH",
			"KI", "KM", "LA", "LR", "LS", "MG", "ML", "MM", "MR", "MW", "MZ", "NE", "NP", "RW", "SB", "SD", "SL", "SN",
			"SO", "SS", "TD", "TG", "TL", "TV", "TZ", "UG", "YE", "ZM"),
	},
	{
		Code: GroupLowIncome, Label: "Low-income economies (World Bank)",
		Source:  "World Bank country and lending groups (GNI per capita, Atlas method)",
		Edition: "FY2026 classification, published 1 July 2025",
		Note:    "unverified: transcribed without checking against the World Bank's CLASS file",
		Members: sortedCodes("AF", "BF", "BI", "CD", "CF", "ER", "ET", "GM", "GW", "KP", "LR", "MG", "MW", "ML", "MZ", "NE",
			"RW", "SD", "SL", "SO", "SS", "SY", "TD", "TG", "UG", "YE"),
	},
	{
		Code: GroupLowerMiddle, Label: "Lower-middle-income economies (World Bank)",
		Source:  "World Bank country and lending groups (GNI per capita, Atlas method)",
		Edition: "FY2026 classification, published 1 July 2025",
		Note:    "unverified: transcribed without checking against the World Bank's CLASS file",
		Members: sortedCodes("AO", "BD", "BJ", "BO", "BT", "CG", "CI", "CM", "DJ", "DZ", "EG", "FM", "GH", "GN", "HN", "HT",
			"IN", "JO", "KE", "KG", "KH", "KI", "KM", "LA", "LB", "LK", "LS", "MA", "MM", "MR", "NA", "NG", "NI", "NP",
			"PH", "PK", "PG", "PS", "SB", "SN", "ST", "SZ", "TJ", "TL", "TN", "TZ", "UZ", "VN", "VU", "ZM", "ZW"),
	},
}

func init() {
	low, _ := CountryGroupByCode(GroupLowIncome)
	lm, _ := CountryGroupByCode(GroupLowerMiddle)
	CountryGroups = append(CountryGroups, CountryGroup{
		Code: GroupLowOrLowerMiddle, Label: "Low- and lower-middle-income economies (World Bank)",
		Source: low.Source, Edition: low.Edition, Note: low.Note,
		Members: sortedCodes(append(slices.Clone(low.Members), lm.Members...)...),
	})
}

// CountryGroupByCode finds a built-in group.
func CountryGroupByCode(code string) (CountryGroup, bool) {
	for _, g := range CountryGroups {
		if g.Code == code {
			return g, true
		}
	}
	return CountryGroup{}, false
}

// GroupsOf lists the codes of the built-in groups a country belongs to.
func GroupsOf(country string) []string {
	var out []string
	for _, g := range CountryGroups {
		if g.Has(country) {
			out = append(out, g.Code)
		}
	}
	return out
}

func sortedCodes(codes ...string) []string {
	slices.Sort(codes)
	return slices.Compact(codes)
}

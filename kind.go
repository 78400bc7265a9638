package accord

import (
	"reflect"
	"slices"
	"strings"
	"time"
)

// Kinds of filing. An AI system and a general-purpose AI model are
// different things in law (EU AI Act Art. 3(1) and 3(63)): the Act's risk
// tiers (Art. 5, 6, 50) concern systems, Chapter V concerns models, and a
// system built on a model does not take on its provider's duties. A filing
// says which it is; an old filing without a kind is a system.
const (
	KindSystem = "system"
	KindModel  = "model"
)

// Kinds is the vocabulary of filing kinds.
var Kinds = Vocabulary{
	{KindSystem, "AI system", "A machine-based system that infers from its input how to generate outputs such as predictions, content, recommendations or decisions (the default).", "EU AI Act Art. 3(1)"},
	{KindModel, "General-purpose AI model", "A model trained with a large amount of data using self-supervision at scale, that displays significant generality, can competently perform a wide range of distinct tasks and can be integrated into a variety of downstream systems or applications. File the systems built on it separately, naming it in built_on.", "EU AI Act Art. 3(63), Chapter V; Korea AI Basic Act Art. 32; Generative AI Measures Art. 22"},
}

// Modalities are the kinds of data a model takes in or produces
// (EU AI Act Annex XI 1.1(e), Annex XII 1(g)).
var Modalities = Vocabulary{
	{"text", "Text", "Natural-language text.", "EU AI Act Annex XI 1.1(e)"},
	{"code", "Source code", "Programming-language source code.", ""},
	{"image", "Images", "Still images.", "EU AI Act Annex XI 1.1(e)"},
	{"audio", "Audio", "Speech, music and other sound.", "EU AI Act Annex XI 1.1(e)"},
	{"video", "Video", "Moving images.", "EU AI Act Annex XI 1.1(e)"},
	{"structured_data", "Structured data", "Tables, time series, sensor readings and other structured data.", ""},
}

// ModelRef names the general-purpose model a system is built on: a registry
// id, of this node's registry or, with Node, of another member's (the
// member's name, as foreign records name their home).
type ModelRef struct {
	System string `json:"system"`
	Node   string `json:"node,omitempty"`
}

// MaxMemberName is the longest a federation member's name may be.
const MaxMemberName = 128

// ValidMemberName reports whether s can be a federation member's name (a
// peer's, or the member a foreign record names): 1 to MaxMemberName
// letters, digits and . - _ : / (a node's own name defaults to its log's
// origin, which often holds a slash).
func ValidMemberName(s string) bool {
	if s == "" || len(s) > MaxMemberName {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_:/", r)) {
			return false
		}
	}
	return true
}

// ModelOnlyFacts are the facts that describe a general-purpose model and
// mean nothing for a system: a system built on a model names it in
// built_on rather than restating its training compute.
var ModelOnlyFacts = []string{"training_compute_flop", "parameter_count", "systemic_risk_designated"}

// SystemOnlyFacts are the facts about a system's use and its effect on
// people (EU AI Act Art. 5, 6, 50 and Annex III; China's deep-synthesis
// consent; Texas's prohibitions): a model has no intended use of its own,
// so they are asked of the systems built on it, never of the model.
var SystemOnlyFacts = []string{
	"interacts_with_natural_persons", "deep_fake", "public_interest_text",
	"remote_biometric_identification", "real_time_biometric_identification", "publicly_accessible_spaces",
	"biometric_verification_only", "biometric_categorisation", "infers_sensitive_attributes", "emotion_recognition",
	"profiling", "automated_decision", "safety_component", "third_party_conformity_assessment",
	"manipulative_techniques", "exploits_vulnerabilities", "social_scoring", "crime_prediction_by_profiling",
	"untargeted_facial_scraping", "medical_or_safety_purpose", "biometric_law_enforcement_exception",
	"narrow_procedural_task", "improves_human_activity", "detects_decision_patterns", "preparatory_task",
	"material_influence_on_decision", "edits_biometric_features",
	"intended_to_incite_harm", "sole_intent_unlawful_sexual_content", "sexual_chat_imitating_minor",
	// Who the law reaches (EU AI Act Art. 2(4), 2(10), 2(12), 3(1), Annex I
	// Section B): questions about a system and its users.
	"not_ai_system", "personal_use_only", "international_cooperation", "free_open_source", "annex_i_section_b",
	// Regulation (EU) 2026/1744: the new Art. 5(1)(ba), (bb) and 5(1a)
	// prohibitions, the narrowed safety component (Art. 6(1a)) and the
	// Art. 111(4) transition for Art. 50(2).
	"non_consensual_intimate_content", "child_sexual_abuse_material", "realistic_imagery_of_persons",
	"sexual_content_safeguards", "assistance_only_function", "on_market_before_2026_08_02",
}

// AnyKindFacts are the facts both kinds of filing may state: scope and
// service questions that reach systems and models alike (EU AI Act Art.
// 2(3), 2(6), 2(8); China's service rules; California SB 53's developer).
// Every fact is in exactly one of the three lists, so that a new fact is
// given a kind when it is added.
var AnyKindFacts = []string{
	"generates_synthetic_content", "military_only", "research_only", "pre_market_research",
	"general_purpose_model", "licence", "open_weights",
	"public_opinion_attributes", "public_facing_service", "internet_information_service",
	"trained_by_filer", "developer_annual_revenue_usd",
}

// modelDomain is the one domain a model filing has.
const modelDomain = "general.purpose_model"

// normalizeKind checks the kind and the fields that belong to one kind
// only. A filing that mixes them is refused with every field named, since
// classifying a model by a system's facts (or the reverse) would apply the
// wrong law.
func (f Filing) normalizeKind(p *Problems) Filing {
	f.Kind = strings.TrimSpace(f.Kind)
	if f.Kind == "" {
		f.Kind = KindSystem
	}
	if !Kinds.Has(f.Kind) {
		p.Add("kind", "%q is not a kind of filing: use system (an AI system, the default) or model (a general-purpose AI model)", f.Kind)
		return f
	}
	f.Modalities = codeList("modalities", f.Modalities, Modalities, false, p)
	if f.ReleaseDate != "" {
		f.ReleaseDate = strings.TrimSpace(f.ReleaseDate)
		if t, err := time.Parse(time.DateOnly, f.ReleaseDate); err != nil || t.Format(time.DateOnly) != f.ReleaseDate {
			p.Add("release_date", "must be a date written YYYY-MM-DD, e.g. 2025-08-02")
		}
	}
	if f.BuiltOn != nil {
		f.BuiltOn = f.BuiltOn.normalize(p)
	}
	set := f.Facts.stated()
	// refuse names each field, and each stated fact of facts, as not
	// belonging to this kind of filing.
	refuse := func(fields, facts []string, why string) {
		for _, n := range facts {
			if set[n] {
				fields = append(fields, "facts."+n)
			}
		}
		for _, field := range fields {
			p.Add(field, why, field)
		}
	}
	if f.Kind == KindSystem {
		var model []string
		if len(f.Modalities) > 0 {
			model = append(model, "modalities")
		}
		if f.ReleaseDate != "" {
			model = append(model, "release_date")
		}
		refuse(model, ModelOnlyFacts, "describes a general-purpose AI model, not a system: file the model with kind: model and name it in built_on, or leave %s out")
		return f
	}
	// A model.
	var system []string
	if f.BuiltOn != nil {
		system = append(system, "built_on")
	}
	if len(f.DeployerKinds) > 0 {
		system = append(system, "deployer_kinds")
	}
	if len(f.AffectedPersons) > 0 {
		system = append(system, "affected_persons")
	}
	refuse(system, SystemOnlyFacts, "describes an AI system's use, not a general-purpose model: state it in the filings of the systems built on the model (kind: system, built_on naming it), or leave %s out")
	if v := f.Facts.GeneralPurposeModel; v != nil && !*v {
		p.Add("facts.general_purpose_model", "is false, but a filing of kind model is a general-purpose AI model: file a narrow model as part of its system (kind: system)")
	}
	switch {
	case len(f.Domains) == 0:
		f.Domains = []string{modelDomain}
	case !slices.Equal(f.Domains, []string{modelDomain}):
		for i, d := range f.Domains {
			if d != modelDomain {
				p.Add("domains["+itoa(i)+"]", "%q is a use of a system: a model's only domain is %s (the domains of the systems built on it go in their filings)", d, modelDomain)
			}
		}
	}
	return f
}

func (r *ModelRef) normalize(p *Problems) *ModelRef {
	out := *r
	out.System = strings.TrimSpace(out.System)
	out.Node = strings.TrimSpace(out.Node)
	if out.System == "" {
		p.Add("built_on.system", "is required: the registry id of the model the system is built on")
	} else if !validRecordID(out.System) {
		p.Add("built_on.system", "%q is not a registry id (letters, digits, - and _)", out.System)
	}
	if out.Node != "" {
		if !ValidMemberName(out.Node) {
			p.Add("built_on.node", "%q is not a member name (letters, digits and . - _ : / only): give the name the members page shows", out.Node)
		}
	}
	return &out
}

// validRecordID accepts the ids registries give records: short, and made of
// letters, digits, - and _ only, so that a reference is safe in a URL path.
func validRecordID(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// stated returns the JSON names of the facts f states.
func (f Facts) stated() map[string]bool {
	out := map[string]bool{}
	v := reflect.ValueOf(&f).Elem()
	for name, i := range factFieldIndex {
		if !v.Field(i).IsNil() {
			out[name] = true
		}
	}
	return out
}

// FactKind says which filings may state a fact: "model", "system" or
// "any" (both).
func FactKind(name string) string {
	switch {
	case slices.Contains(ModelOnlyFacts, name):
		return KindModel
	case slices.Contains(SystemOnlyFacts, name):
		return KindSystem
	}
	return "any"
}

// Keep returns f without the facts a filing of the given kind may not
// state (the other kind's): what a form keeps when the kind changes.
func (f Facts) Keep(kind string) Facts {
	drop := SystemOnlyFacts
	if kind != KindModel {
		drop = ModelOnlyFacts
	}
	v := reflect.ValueOf(&f).Elem()
	for _, n := range drop {
		fv := v.Field(factFieldIndex[n])
		fv.Set(reflect.Zero(fv.Type()))
	}
	return f
}

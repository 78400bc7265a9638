package accord

// Facts are what a provider states about a system's capabilities and context,
// beyond its domains and deployment. Rule packs classify from them. Every fact
// is optional: an absent fact is unknown, and a rule that needs it reports an
// "undetermined" outcome naming it, never a silent default.
type Facts struct {
	// Capabilities (EU AI Act Art. 3, 5, 50; CAC filing "algorithm details").
	InteractsWithNaturalPersons      *bool `json:"interacts_with_natural_persons,omitempty"`
	GeneratesSyntheticContent        *bool `json:"generates_synthetic_content,omitempty"`
	DeepFake                         *bool `json:"deep_fake,omitempty"`
	PublicInterestText               *bool `json:"public_interest_text,omitempty"`
	RemoteBiometricIdentification    *bool `json:"remote_biometric_identification,omitempty"`
	RealTimeBiometricIdentification  *bool `json:"real_time_biometric_identification,omitempty"`
	PubliclyAccessibleSpaces         *bool `json:"publicly_accessible_spaces,omitempty"`
	BiometricVerificationOnly        *bool `json:"biometric_verification_only,omitempty"`
	BiometricCategorisation          *bool `json:"biometric_categorisation,omitempty"`
	InfersSensitiveAttributes        *bool `json:"infers_sensitive_attributes,omitempty"`
	EmotionRecognition               *bool `json:"emotion_recognition,omitempty"`
	Profiling                        *bool `json:"profiling,omitempty"`
	AutomatedDecision                *bool `json:"automated_decision,omitempty"`
	SafetyComponent                  *bool `json:"safety_component,omitempty"`
	ThirdPartyConformityAssessment   *bool `json:"third_party_conformity_assessment,omitempty"`
	ManipulativeTechniques           *bool `json:"manipulative_techniques,omitempty"`
	ExploitsVulnerabilities          *bool `json:"exploits_vulnerabilities,omitempty"`
	SocialScoring                    *bool `json:"social_scoring,omitempty"`
	CrimePredictionByProfiling       *bool `json:"crime_prediction_by_profiling,omitempty"`
	UntargetedFacialScraping         *bool `json:"untargeted_facial_scraping,omitempty"`
	MedicalOrSafetyPurpose           *bool `json:"medical_or_safety_purpose,omitempty"`
	BiometricLawEnforcementException *bool `json:"biometric_law_enforcement_exception,omitempty"`

	// Scope (EU AI Act Art. 2).
	MilitaryOnly *bool `json:"military_only,omitempty"`
	ResearchOnly *bool `json:"research_only,omitempty"`

	// EU AI Act Art. 6(3) derogation conditions.
	NarrowProceduralTask        *bool `json:"narrow_procedural_task,omitempty"`
	ImprovesHumanActivity       *bool `json:"improves_human_activity,omitempty"`
	DetectsDecisionPatterns     *bool `json:"detects_decision_patterns,omitempty"`
	PreparatoryTask             *bool `json:"preparatory_task,omitempty"`
	MaterialInfluenceOnDecision *bool `json:"material_influence_on_decision,omitempty"`

	// Models (EU AI Act Art. 51–55, Annex XI; Korea high-performance AI).
	GeneralPurposeModel    *bool    `json:"general_purpose_model,omitempty"`
	TrainingComputeFLOP    *float64 `json:"training_compute_flop,omitempty"`
	ParameterCount         *int64   `json:"parameter_count,omitempty"`
	Licence                *string  `json:"licence,omitempty"`
	OpenWeights            *bool    `json:"open_weights,omitempty"`
	SystemicRiskDesignated *bool    `json:"systemic_risk_designated,omitempty"`

	// China: services with public-opinion attributes or social-mobilisation
	// capacity, and services offered to the public.
	PublicOpinionAttributes *bool `json:"public_opinion_attributes,omitempty"`
	PublicFacingService     *bool `json:"public_facing_service,omitempty"`

	// Part B of issue 17: where China's rules apply (a service to users, the
	// Deep Synthesis consent duty) and the facts of the California, Texas and
	// Illinois packs. Appended here so that other additions merge cleanly.
	InternetInformationService *bool `json:"internet_information_service,omitempty"`
	EditsBiometricFeatures     *bool `json:"edits_biometric_features,omitempty"`

	TrainedByFiler           *bool    `json:"trained_by_filer,omitempty"`
	DeveloperAnnualRevenue   *float64 `json:"developer_annual_revenue_usd,omitempty"`
	IntendedToInciteHarm     *bool    `json:"intended_to_incite_harm,omitempty"`
	SoleIntentUnlawfulSexual *bool    `json:"sole_intent_unlawful_sexual_content,omitempty"`
	SexualChatImitatingMinor *bool    `json:"sexual_chat_imitating_minor,omitempty"`

	// Issue 17 item 5: who the EU AI Act reaches (Art. 2, 3(1)). Appended
	// in a block of their own so that other additions merge cleanly.
	NotAISystem              *bool `json:"not_ai_system,omitempty"`
	PersonalUseOnly          *bool `json:"personal_use_only,omitempty"`
	InternationalCooperation *bool `json:"international_cooperation,omitempty"`
	PreMarketResearch        *bool `json:"pre_market_research,omitempty"`
	FreeOpenSource           *bool `json:"free_open_source,omitempty"`
	AnnexISectionB           *bool `json:"annex_i_section_b,omitempty"`
}

// FactDoc documents one fact for filers: what it means and where it comes from.
type FactDoc struct {
	Name string // JSON name
	Type string // "boolean", "number", "integer" or "string"
	Doc  string
	// Source names the legal provision or filing item the fact answers.
	Source string
}

// FactDocs documents every field of Facts, in struct order. A test keeps it,
// the struct and the OpenAPI document in step.
var FactDocs = []FactDoc{
	{"interacts_with_natural_persons", "boolean", "The system is intended to interact directly with people (e.g. a chatbot or voice assistant).", "EU AI Act Art. 50(1); Korea AI Basic Act Art. 31(1)"},
	{"generates_synthetic_content", "boolean", "The system generates synthetic audio, image, video or text content.", "EU AI Act Art. 50(2); CAC Deep Synthesis Provisions; Generative AI Measures Art. 2; Labelling Measures"},
	{"deep_fake", "boolean", "The system generates or manipulates image, audio or video content that resembles existing persons, objects, places or events and would falsely appear authentic (a deep fake).", "EU AI Act Art. 3(60), Art. 50(4)"},
	{"public_interest_text", "boolean", "The system generates or manipulates text published to inform the public on matters of public interest.", "EU AI Act Art. 50(4), second subparagraph"},
	{"remote_biometric_identification", "boolean", "The system identifies people at a distance, without their active involvement, by comparing their biometric data with a reference database.", "EU AI Act Art. 3(41), Annex III 1(a)"},
	{"real_time_biometric_identification", "boolean", "Remote biometric identification happens in real time (capture, comparison and identification without significant delay).", "EU AI Act Art. 3(42), Art. 5(1)(h)"},
	{"publicly_accessible_spaces", "boolean", "The system is used in publicly accessible spaces (streets, stations, shops, stadiums…).", "EU AI Act Art. 3(44), Art. 5(1)(h)"},
	{"biometric_verification_only", "boolean", "The biometric function only verifies that a person is who they claim to be (1:1, e.g. unlocking a phone or border e-gates matching a passport).", "EU AI Act Art. 3(36), Annex III 1(a) last sentence"},
	{"biometric_categorisation", "boolean", "The system assigns people to categories from their biometric data.", "EU AI Act Art. 3(40), Annex III 1(b)"},
	{"infers_sensitive_attributes", "boolean", "The system deduces or infers race, political opinions, trade-union membership, religious or philosophical beliefs, sex life or sexual orientation from biometric data.", "EU AI Act Art. 5(1)(g)"},
	{"emotion_recognition", "boolean", "The system identifies or infers emotions or intentions of people from their biometric data.", "EU AI Act Art. 3(39), Art. 5(1)(f), Annex III 1(c)"},
	{"profiling", "boolean", "The system profiles natural persons: it evaluates personal aspects such as work performance, economic situation, health, preferences, behaviour, location or movements.", "GDPR Art. 4(4); EU AI Act Art. 6(3) last subparagraph"},
	{"automated_decision", "boolean", "The system makes, or is a substantial or controlling factor in, decisions with legal or similarly significant effects on people.", "PIPL Art. 24; GDPR Art. 22; NYC LL 144; Colorado SB 26-189"},
	{"safety_component", "boolean", "The system is a product, or a safety component of a product, covered by EU harmonisation legislation listed in Annex I (machinery, toys, medical devices, vehicles…).", "EU AI Act Art. 6(1)(a), Annex I"},
	{"third_party_conformity_assessment", "boolean", "That product must undergo a third-party conformity assessment under the Annex I legislation.", "EU AI Act Art. 6(1)(b)"},
	{"manipulative_techniques", "boolean", "The system deploys subliminal, purposefully manipulative or deceptive techniques that materially distort behaviour and are likely to cause significant harm.", "EU AI Act Art. 5(1)(a)"},
	{"exploits_vulnerabilities", "boolean", "The system exploits vulnerabilities due to age, disability or a social or economic situation, materially distorting behaviour in a way likely to cause significant harm.", "EU AI Act Art. 5(1)(b)"},
	{"social_scoring", "boolean", "The system evaluates or classifies people over time by social behaviour or personal traits, leading to detrimental treatment in unrelated contexts or out of proportion to the behaviour.", "EU AI Act Art. 5(1)(c)"},
	{"crime_prediction_by_profiling", "boolean", "The system assesses or predicts the risk of a person committing a crime based solely on profiling or on assessing personality traits.", "EU AI Act Art. 5(1)(d)"},
	{"untargeted_facial_scraping", "boolean", "The system creates or expands facial-recognition databases by untargeted scraping of facial images from the internet or CCTV footage.", "EU AI Act Art. 5(1)(e)"},
	{"medical_or_safety_purpose", "boolean", "The system is intended to be put in place or on the market for medical or safety reasons.", "EU AI Act Art. 5(1)(f) exception"},
	{"biometric_law_enforcement_exception", "boolean", "Real-time remote biometric identification is strictly necessary for one of the objectives of Art. 5(1)(h)(i)–(iii) (search for victims, imminent threat, serious-crime suspects) and authorised under Art. 5(2)–(7).", "EU AI Act Art. 5(1)(h)(i)–(iii), 5(2)"},
	{"military_only", "boolean", "The system is placed on the market, put into service or used exclusively for military, defence or national-security purposes.", "EU AI Act Art. 2(3)"},
	{"research_only", "boolean", "The system is developed and put into service for the sole purpose of scientific research and development.", "EU AI Act Art. 2(6)"},
	{"narrow_procedural_task", "boolean", "The system is intended to perform a narrow procedural task.", "EU AI Act Art. 6(3)(a)"},
	{"improves_human_activity", "boolean", "The system is intended to improve the result of a previously completed human activity.", "EU AI Act Art. 6(3)(b)"},
	{"detects_decision_patterns", "boolean", "The system detects decision-making patterns or deviations from prior patterns and is not meant to replace or influence the human assessment without proper human review.", "EU AI Act Art. 6(3)(c)"},
	{"preparatory_task", "boolean", "The system performs a preparatory task to an assessment relevant for an Annex III use case.", "EU AI Act Art. 6(3)(d)"},
	{"material_influence_on_decision", "boolean", "The system materially influences the outcome of decision-making (the opposite of the Art. 6(3) derogation).", "EU AI Act Art. 6(3) first subparagraph"},
	{"general_purpose_model", "boolean", "The filing is, or embeds, a general-purpose AI model: trained on broad data, displaying significant generality and able to perform a wide range of distinct tasks.", "EU AI Act Art. 3(63), Art. 51–55"},
	{"training_compute_flop", "number", "Cumulative compute used to train the model, in floating-point operations (e.g. 3.8e25).", "EU AI Act Art. 51(2), Annex XI 1.2(d); Korea AI Basic Act high-performance AI"},
	{"parameter_count", "integer", "Number of model parameters.", "EU AI Act Annex XI 1.1(d), Annex XIII(a)"},
	{"licence", "string", "Licence of the model or system, as an SPDX identifier where one exists (e.g. Apache-2.0, MIT, proprietary).", "EU AI Act Art. 53(2), Annex XI 1.1(f)"},
	{"open_weights", "boolean", "The model's parameters, including weights, architecture and usage information, are made publicly available under a free and open-source licence.", "EU AI Act Art. 53(2), Art. 2(12)"},
	{"systemic_risk_designated", "boolean", "The Commission has designated the model as a general-purpose model with systemic risk (Art. 52).", "EU AI Act Art. 51(1)(b), Art. 52"},
	{"public_opinion_attributes", "boolean", "The service has public-opinion attributes or social-mobilisation capacity. The 2018 Security Assessment Provisions (Art. 2) define these services as (1) forums, blogs, microblogs, chat rooms, communication groups, public accounts, short video, live streaming, information sharing, mini-programs and similar information services, or any of these functions attached to a service; and (2) other internet information services that give the public a channel to express opinions or can mobilise the public to engage in specific activities.", "CAC Algorithm Recommendation Provisions Art. 24; Security Assessment Provisions for Internet Information Services with Public-Opinion Attributes (2018), Art. 2"},
	{"public_facing_service", "boolean", "The service is offered to the public (not used only internally or for research).", "Generative AI Measures Art. 2; CAC filing"},

	// Part B of issue 17 (China's scope and consent duty; California, Texas, Illinois).
	{"internet_information_service", "boolean", "The system is used to provide an internet information service to users in the countries it is deployed in: content, recommendations, rankings, search results, generated text, images, audio or video, or dispatch instructions reach users through a website, app, mini-program, API or other online service. Answer no if it is used only inside your own organisation or only for research and development. For China it does not matter where the provider is established: what counts is that the service is provided to users in mainland China.", "CAC Algorithm Recommendation Provisions Art. 2; CAC Deep Synthesis Provisions Art. 2; Generative AI Measures Art. 2, Art. 20"},
	{"edits_biometric_features", "boolean", "The service offers a function that edits biometric information such as a person's face or voice: face swapping, face or voice editing, or making an identifiable person's face or voice say or do something.", "CAC Deep Synthesis Provisions Art. 14, Art. 15"},
	{"trained_by_filer", "boolean", "The filer trained, or started the training of, the model itself (it is the model's developer), rather than building on a model someone else trained.", "Cal. Bus. & Prof. Code § 22757.11(h)"},
	{"developer_annual_revenue_usd", "number", "Annual gross revenues of the model's developer together with its affiliates in the preceding calendar year, in US dollars (e.g. 7.5e8). California's duties for large frontier developers apply above $500,000,000.", "Cal. Bus. & Prof. Code § 22757.11(j)"},
	{"intended_to_incite_harm", "boolean", "The system is developed or deployed in a manner that intentionally aims to incite or encourage a person to commit physical self-harm (including suicide), to harm another person or to engage in criminal activity.", "Tex. Bus. & Com. Code § 552.052"},
	{"sole_intent_unlawful_sexual_content", "boolean", "The system is developed or distributed with the sole intent of producing, helping to produce or distributing child sexual abuse material or unlawful sexually explicit deep fakes.", "Tex. Bus. & Com. Code § 552.057(1)"},
	{"sexual_chat_imitating_minor", "boolean", "The system holds text conversations that simulate or describe sexual conduct while impersonating or imitating a child under 18.", "Tex. Bus. & Com. Code § 552.057(2)"},

	// Issue 17 item 5: scope of the EU AI Act (Art. 2, 3(1)).
	{"not_ai_system", "boolean", "The software is not an AI system: it only executes rules defined by people to perform operations automatically (e.g. a fixed rule-based calculator, a scoring formula or a decision table) and infers nothing. An AI system is a machine-based system designed to operate with varying levels of autonomy, that may adapt after deployment, and that, for explicit or implicit objectives, infers from the input it receives how to generate outputs such as predictions, content, recommendations or decisions that can influence physical or virtual environments; answer no for any such system, including one built on machine learning or on logic- and knowledge-based inference.", "EU AI Act Art. 3(1)"},
	{"personal_use_only", "boolean", "The filer is a natural person using the system only in the course of a purely personal, non-professional activity (not for work, business or a public task).", "EU AI Act Art. 2(10), Art. 3(4)"},
	{"international_cooperation", "boolean", "The filer is a public authority of a third country or an international organisation using the system in the framework of international cooperation or agreements for law enforcement and judicial cooperation with the Union or with one or more member states, and provides adequate safeguards for the fundamental rights and freedoms of individuals.", "EU AI Act Art. 2(4)"},
	{"pre_market_research", "boolean", "The system is only the subject of research, testing or development before it is placed on the market or put into service, and is not being tested in real-world conditions (testing with real people outside a laboratory is not covered).", "EU AI Act Art. 2(8), Art. 3(57)"},
	{"free_open_source", "boolean", "The system is released under a free and open-source licence: one that allows it to be openly shared and freely accessed, used, modified and redistributed.", "EU AI Act Art. 2(12)"},
	{"annex_i_section_b", "boolean", "The product the system is a safety component of (or is) falls under the legislation of Annex I Section B: civil aviation security (Reg. (EC) 300/2008), agricultural and forestry vehicles (Reg. (EU) 167/2013), two- or three-wheel vehicles and quadricycles (Reg. (EU) 168/2013), marine equipment (Dir. 2014/90/EU), rail interoperability (Dir. (EU) 2016/797), motor vehicles and their trailers (Reg. (EU) 2018/858 and 2019/2144), or civil aviation and unmanned aircraft (Reg. (EU) 2018/1139). Answer no for Section A products (machinery, toys, lifts, radio equipment, medical devices…).", "EU AI Act Art. 2(2), Annex I, Art. 102–109"},
}

package accord

// Term is one entry of a controlled vocabulary: a stable code, an English
// label and a definition a compliance officer can apply, plus where the term
// comes from in the law.
type Term struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Doc    string `json:"doc"`
	Source string `json:"source,omitempty"`
}

// Vocabulary is an ordered list of terms.
type Vocabulary []Term

// Has reports whether code is a term of v.
func (v Vocabulary) Has(code string) bool {
	for _, t := range v {
		if t.Code == code {
			return true
		}
	}
	return false
}

// Term returns the term with the given code.
func (v Vocabulary) Term(code string) (Term, bool) {
	for _, t := range v {
		if t.Code == code {
			return t, true
		}
	}
	return Term{}, false
}

// Codes returns the codes of v in order.
func (v Vocabulary) Codes() []string {
	out := make([]string, len(v))
	for i, t := range v {
		out[i] = t.Code
	}
	return out
}

// Domains is the vocabulary of application domains. Every point of EU AI Act
// Annex III has its own code (its "Source"), so the EU rule pack can classify
// from the domains alone; the other codes cover common uses outside Annex III
// that other jurisdictions (China, Korea, Colorado, NYC) or Annex I regulate.
var Domains = Vocabulary{
	{"biometrics.remote_identification", "Remote biometric identification", "Identifying people at a distance by comparing their biometric data (face, gait, voice…) with a reference database, without their active involvement. Not 1:1 verification that a person is who they claim to be.", "EU AI Act Annex III 1(a)"},
	{"biometrics.categorisation", "Biometric categorisation", "Assigning people to categories (e.g. age, sex, ethnicity) from their biometric data.", "EU AI Act Annex III 1(b)"},
	{"biometrics.emotion_recognition", "Emotion recognition", "Identifying or inferring emotions or intentions of people from their biometric data (face, voice, physiology).", "EU AI Act Annex III 1(c)"},
	{"biometrics.verification", "Biometric verification (1:1)", "Confirming that a person is who they claim to be by comparing their biometric data with the data they enrolled (1:1): unlocking a device, access control, e-gates matching a passport. Not identification against a database of many people.", "EU AI Act Art. 3(36), Annex III 1(a) last sentence"},
	{"critical_infrastructure", "Critical infrastructure", "Safety component in the management or operation of critical digital infrastructure, road traffic, or the supply of water, gas, heating or electricity.", "EU AI Act Annex III 2"},
	{"education.admission", "Education: admission", "Deciding access or admission to, or assigning people to, educational and vocational training institutions.", "EU AI Act Annex III 3(a)"},
	{"education.assessment", "Education: assessing learning", "Evaluating learning outcomes, including to steer the learning process.", "EU AI Act Annex III 3(b)"},
	{"education.level_placement", "Education: level placement", "Assessing the appropriate level of education a person will receive or can access.", "EU AI Act Annex III 3(c)"},
	{"education.proctoring", "Education: exam proctoring", "Monitoring and detecting prohibited behaviour of students during tests.", "EU AI Act Annex III 3(d)"},
	{"employment.recruitment", "Employment: recruitment", "Recruiting or selecting people: placing targeted job ads, filtering or ranking applications, evaluating candidates.", "EU AI Act Annex III 4(a); NYC Local Law 144"},
	{"employment.workforce_management", "Employment: workforce management", "Decisions on terms of work, promotion or termination, allocating tasks from behaviour or personal traits, monitoring or evaluating workers.", "EU AI Act Annex III 4(b)"},
	{"essential_services.public_benefits", "Public benefits and services", "Public authorities evaluating eligibility for public assistance benefits and services (including healthcare), or granting, reducing, revoking or reclaiming them.", "EU AI Act Annex III 5(a)"},
	{"essential_services.credit_scoring", "Credit scoring", "Evaluating the creditworthiness of natural persons or establishing their credit score. Not fraud detection.", "EU AI Act Annex III 5(b)"},
	{"essential_services.life_health_insurance", "Life and health insurance", "Risk assessment and pricing for natural persons in life and health insurance.", "EU AI Act Annex III 5(c)"},
	{"essential_services.emergency_dispatch", "Emergency calls and triage", "Evaluating and classifying emergency calls, dispatching or prioritising police, firefighters or medical aid, and emergency patient triage.", "EU AI Act Annex III 5(d)"},
	{"law_enforcement.victim_risk", "Law enforcement: victim risk", "Assessing the risk of a natural person becoming the victim of a criminal offence, by or for law enforcement.", "EU AI Act Annex III 6(a)"},
	{"law_enforcement.polygraph", "Law enforcement: polygraphs", "Polygraphs and similar tools, by or for law enforcement.", "EU AI Act Annex III 6(b)"},
	{"law_enforcement.evidence_reliability", "Law enforcement: evidence", "Evaluating the reliability of evidence in investigating or prosecuting criminal offences.", "EU AI Act Annex III 6(c)"},
	{"law_enforcement.offending_risk", "Law enforcement: offending risk", "Assessing the risk of a person offending or re-offending not solely on profiling, or assessing personality traits or past criminal behaviour.", "EU AI Act Annex III 6(d)"},
	{"law_enforcement.profiling", "Law enforcement: profiling", "Profiling natural persons in the detection, investigation or prosecution of criminal offences.", "EU AI Act Annex III 6(e)"},
	{"migration.polygraph", "Migration: polygraphs", "Polygraphs and similar tools used by migration, asylum or border authorities.", "EU AI Act Annex III 7(a)"},
	{"migration.risk_assessment", "Migration: risk assessment", "Assessing security, irregular-migration or health risks posed by a person who intends to enter or has entered a territory.", "EU AI Act Annex III 7(b)"},
	{"migration.applications", "Migration: applications", "Examining applications for asylum, visas or residence permits and related complaints, including the reliability of evidence.", "EU AI Act Annex III 7(c)"},
	{"migration.identification", "Migration: identification", "Detecting, recognising or identifying people in migration, asylum or border control, except verifying travel documents.", "EU AI Act Annex III 7(d)"},
	{"justice.judicial_assistance", "Administration of justice", "Assisting a judicial authority (or alternative dispute resolution) in researching and interpreting facts and the law and applying the law to facts.", "EU AI Act Annex III 8(a)"},
	{"democracy.elections", "Elections and referendums", "Influencing the outcome of an election or referendum or people's voting behaviour (not tools whose output people are not directly exposed to, such as campaign logistics).", "EU AI Act Annex III 8(b)"},

	{"general.conversational_assistant", "Conversational assistant", "Chatbots and assistants that converse with people: customer service, general-purpose assistants, companions.", "EU AI Act Art. 50(1)"},
	{"general.content_generation", "Content generation", "Generating or editing text, images, audio or video.", "EU AI Act Art. 50(2); CAC deep-synthesis and generative-AI rules"},
	{"general.purpose_model", "General-purpose model", "A model trained on broad data that can perform a wide range of distinct tasks and is integrated into other systems.", "EU AI Act Art. 3(63), Art. 51–55"},
	{"general.translation", "Translation", "Translating text or speech between languages.", ""},
	{"media.recommendation", "Content recommendation", "Recommending or personalising news, videos, posts or other content in a feed.", "CAC Algorithm Recommendation Provisions (personalised push)"},
	{"media.search_ranking", "Search and ranking", "Ranking search results, trending lists or selected content.", "CAC Algorithm Recommendation Provisions (ranking/selection)"},
	{"media.content_moderation", "Content moderation", "Detecting, filtering or removing content that breaks rules or the law.", "CAC Algorithm Recommendation Provisions (retrieval/filtering)"},
	{"commerce.advertising", "Advertising", "Targeting or personalising advertisements.", ""},
	{"commerce.pricing", "Pricing", "Setting or personalising prices.", "CAC Algorithm Recommendation Provisions Art. 21"},
	{"finance.fraud_detection", "Fraud detection", "Detecting financial fraud. Expressly not credit scoring under the EU AI Act.", "EU AI Act Annex III 5(b) exception"},
	{"finance.lending", "Lending decisions", "Deciding on loans or other financial services to natural persons (beyond credit scoring itself).", "Colorado consequential decision; Korea AI Basic Act Art. 2(4)"},
	{"insurance.underwriting", "Insurance (other than life and health)", "Underwriting or pricing insurance other than life and health insurance.", "Colorado consequential decision"},
	{"health.medical_device", "Medical device software", "Software that is, or is a safety component of, a medical device or in-vitro diagnostic (diagnosis, imaging, monitoring).", "EU AI Act Annex I (MDR/IVDR); Korea AI Basic Act Art. 2(4)"},
	{"health.care_delivery", "Health care delivery", "Supporting clinical or care decisions, scheduling and access to health care that is not itself a medical device.", "Colorado consequential decision; Korea AI Basic Act Art. 2(4)"},
	{"health.wellbeing", "Wellbeing and fitness", "Wellness, fitness or lifestyle uses without a medical purpose.", ""},
	{"transport.vehicles", "Vehicles and driving", "Automated driving or driver assistance in road vehicles, or safety functions of other vehicles.", "EU AI Act Annex I; Korea AI Basic Act Art. 2(4)"},
	{"transport.logistics", "Logistics and dispatch", "Routing, scheduling and dispatching goods, vehicles or workers (including platform work).", "CAC Algorithm Recommendation Provisions (scheduling/decision-making)"},
	{"products.machinery", "Machinery and product safety", "Safety components of machinery, toys, lifts, radio equipment and other products under EU harmonisation legislation.", "EU AI Act Annex I"},
	{"energy.nuclear", "Nuclear facilities", "Operation or safety of nuclear facilities.", "Korea AI Basic Act Art. 2(4)"},
	{"public_sector.administration", "Public administration", "Other public-sector uses: case handling, inspections, resource allocation.", ""},
	{"housing", "Housing", "Tenant screening, rental or mortgage-related decisions about housing.", "Colorado consequential decision"},
	{"legal.services", "Legal services", "Legal advice or services to natural persons.", "Colorado consequential decision"},
	{"security.cybersecurity", "Cybersecurity", "Detecting or responding to cyber threats.", ""},
	{"science.research", "Scientific research", "Research and development, including scientific discovery.", "EU AI Act Art. 2(6), 2(8)"},
	{"industry.operations", "Industrial operations", "Manufacturing, quality control, maintenance and other industrial uses without a safety function.", ""},
	{"agriculture", "Agriculture", "Crop, livestock and land management.", ""},

	// Issue 17 item 6: uses the vocabulary had no code for.
	{"entertainment.video_games", "Video games and entertainment", "AI in video games, interactive fiction, toys' play features, music, film and other entertainment, including non-player characters and procedurally generated content.", "EU AI Act recital 165 (minimal risk)"},
	{"defence.military", "Defence and military", "Military, defence or national-security uses, such as targeting, surveillance, logistics or decision support for armed forces or security services. Whether the use is exclusively military is a separate question (facts.military_only).", "EU AI Act Art. 2(3); Korea AI Basic Act Art. 4(2)"},
	{"other", "Other (describe it)", "A use none of the other codes describes; say what it is in other_domain. Rule packs classify it from the facts alone.", ""},
}

// OtherDomain is the domain code that requires a free-text description
// (Filing.OtherDomain).
const OtherDomain = "other"

// AlgorithmTypes are the five algorithm types of China's algorithm filing system
// (Algorithm Recommendation Provisions Art. 2).
var AlgorithmTypes = Vocabulary{
	{"generation_synthesis", "Generation and synthesis", "Generates or synthesises text, images, audio, video or virtual scenes (生成合成类).", "CAC algorithm filing: 生成合成类"},
	{"personalised_push", "Personalised push", "Pushes content or offers selected for each user from their data (个性化推送类).", "CAC algorithm filing: 个性化推送类"},
	{"ranking_selection", "Ranking and selection", "Ranks items or selects featured items, e.g. trending lists (排序精选类).", "CAC algorithm filing: 排序精选类"},
	{"retrieval_filtering", "Retrieval and filtering", "Retrieves information or filters it, e.g. search or moderation (检索过滤类).", "CAC algorithm filing: 检索过滤类"},
	{"scheduling_decision", "Scheduling and decision-making", "Schedules resources or makes decisions, e.g. dispatch, pricing, approvals (调度决策类).", "CAC algorithm filing: 调度决策类"},
}

// DeployerKinds describes who puts the system into use.
var DeployerKinds = Vocabulary{
	{"public_authority", "Public authority", "A government body or an organisation acting on its behalf.", "EU AI Act Art. 49(3), Art. 27"},
	{"law_enforcement", "Law enforcement", "Police or another authority competent for preventing, investigating or prosecuting crime.", "EU AI Act Art. 3(45)"},
	{"migration_authority", "Migration or border authority", "Authority competent for migration, asylum or border control.", "EU AI Act Annex III 7"},
	{"judicial_authority", "Judicial authority", "A court, tribunal or alternative-dispute-resolution body.", "EU AI Act Annex III 8(a)"},
	{"election_authority", "Election body or campaign", "Election administrators, parties and campaigns.", "EU AI Act Annex III 8(b)"},
	{"employer", "Employer", "An organisation using the system about its workers or job applicants.", "EU AI Act Annex III 4; Art. 26(7)"},
	{"education_institution", "Education institution", "A school, university or training provider.", "EU AI Act Annex III 3"},
	{"financial_institution", "Financial institution", "A bank, lender or other institution regulated under financial-services law.", "EU AI Act Art. 26(5), Annex III 5(b)"},
	{"insurer", "Insurer", "An insurance undertaking.", "EU AI Act Annex III 5(c)"},
	{"healthcare_provider", "Health-care provider", "A hospital, clinic or other provider of health care.", ""},
	{"critical_infrastructure_operator", "Critical-infrastructure operator", "An operator of energy, water, transport or digital infrastructure.", "EU AI Act Annex III 2"},
	{"online_platform", "Online platform", "An internet information service serving the public: social media, marketplaces, content and search services.", "CAC Algorithm Recommendation Provisions"},
	{"private_company", "Private company", "A business using the system in its professional activity, not covered above.", ""},
	{"individual", "Individual (personal use)", "Natural persons using the system in a purely personal, non-professional activity.", "EU AI Act Art. 2(10)"},
}

// AffectedPersons describes whom the system's outputs concern.
var AffectedPersons = Vocabulary{
	{"general_public", "General public", "Anyone: people in public spaces, the public at large.", ""},
	{"users", "Users of the service", "People who use the product or service that embeds the system.", ""},
	{"consumers", "Consumers", "Customers of goods or services.", ""},
	{"job_applicants", "Job applicants", "People applying for a job.", "EU AI Act Annex III 4(a)"},
	{"workers", "Workers", "Employees, platform workers and other people at work.", "EU AI Act Annex III 4(b)"},
	{"students", "Students", "Pupils, students and trainees, including exam candidates.", "EU AI Act Annex III 3"},
	{"children", "Children", "People under 18.", "EU AI Act Art. 9(9); CAC Provisions Art. 18"},
	{"patients", "Patients", "People receiving health care.", ""},
	{"benefit_claimants", "Benefit claimants", "People applying for or receiving public benefits or services.", "EU AI Act Annex III 5(a)"},
	{"borrowers", "Borrowers", "People applying for credit or loans.", "EU AI Act Annex III 5(b)"},
	{"insured_persons", "Insured persons", "People applying for or holding insurance.", "EU AI Act Annex III 5(c)"},
	{"migrants", "Migrants and travellers", "Asylum seekers, visa applicants and travellers at borders.", "EU AI Act Annex III 7"},
	{"suspects_defendants", "Suspects and defendants", "People under criminal investigation or before a court.", "EU AI Act Annex III 6, 8"},
	{"victims", "Victims", "Victims or potential victims of crime.", "EU AI Act Annex III 6(a)"},
	{"voters", "Voters", "People voting in elections or referendums.", "EU AI Act Annex III 8(b)"},
	{"tenants", "Tenants and home seekers", "People seeking or renting housing.", "Colorado consequential decision"},
	{"vulnerable_persons", "Vulnerable persons", "People vulnerable because of age, disability, or social or economic situation.", "EU AI Act Art. 5(1)(b)"},
	{"elderly", "Older people", "People of advanced age.", "CAC Provisions Art. 19"},
}

// Roles a filer can have towards the system it files: the operators of EU AI
// Act Art. 3(8). Bearers of obligations follow them (rules.Duty.FilerBears).
var Roles = Vocabulary{
	{"provider", "Provider", "Develops the system, or has it developed, and places it on the market or puts it into service under its own name or trademark, for payment or free of charge.", "EU AI Act Art. 3(3)"},
	{"deployer", "Deployer", "Uses the system under its authority, except in a purely personal, non-professional activity.", "EU AI Act Art. 3(4)"},
	{"importer", "Importer", "Established in the Union; places on the market a system that bears the name or trademark of a person established in a third country.", "EU AI Act Art. 3(6)"},
	{"distributor", "Distributor", "Makes the system available on the market, other than the provider or the importer.", "EU AI Act Art. 3(7)"},
	{"authorised_representative", "Authorised representative", "Located or established in the Union, holds a written mandate from a provider established outside the Union to carry out its obligations on its behalf.", "EU AI Act Art. 3(5), Art. 22"},
	{"product_manufacturer", "Product manufacturer", "Places the system on the market or puts it into service together with its own product and under its own name or trademark (for Annex I Section A products it is then the provider of a high-risk system).", "EU AI Act Art. 2(1)(e), Art. 25(3)"},
}

// Statuses of a filing, after EU AI Act Annex VIII Section A point 7, plus the
// registry's own "withdrawn" (the filing itself has been withdrawn).
var Statuses = Vocabulary{
	{"planned", "Planned", "Not yet placed on the market or put into service.", ""},
	{"active", "On the market or in service", "Placed on the market, put into service or made available.", "EU AI Act Annex VIII A.7"},
	{"discontinued", "No longer on the market or in service", "No longer placed on the market or in service.", "EU AI Act Annex VIII A.7"},
	{"recalled", "Recalled", "Recalled by the provider.", "EU AI Act Annex VIII A.7"},
	{"withdrawn", "Withdrawn from the registry", "The provider withdrew the filing; its versions stay readable.", ""},
}

// PersonalDataCategories names kinds of personal data a system processes.
var PersonalDataCategories = Vocabulary{
	{"none", "No personal data", "The system processes no personal data.", ""},
	{"contact", "Identity and contact data", "Names, addresses, e-mail, phone numbers, identifiers.", ""},
	{"behavioural", "Behavioural and usage data", "Browsing, clicks, viewing history, location traces.", "CAC Provisions Art. 17"},
	{"location", "Location data", "Precise or approximate location.", ""},
	{"financial", "Financial data", "Income, transactions, credit history.", ""},
	{"employment", "Employment data", "CVs, performance records, work history.", ""},
	{"education", "Education data", "Grades, test results, school records.", ""},
	{"health", "Health data", "Physical or mental health, medical images.", "GDPR Art. 9; PIPL Art. 28"},
	{"biometric", "Biometric data", "Face images, fingerprints, voice prints and other biometric data.", "GDPR Art. 9; PIPL Art. 28; EU AI Act Art. 3(34)"},
	{"genetic", "Genetic data", "DNA and other genetic data.", "GDPR Art. 9"},
	{"racial_ethnic", "Racial or ethnic origin", "Racial or ethnic origin.", "GDPR Art. 9"},
	{"political", "Political opinions", "Political opinions.", "GDPR Art. 9"},
	{"religious", "Religious or philosophical beliefs", "Religious or philosophical beliefs.", "GDPR Art. 9; PIPL Art. 28"},
	{"trade_union", "Trade-union membership", "Trade-union membership.", "GDPR Art. 9"},
	{"sex_life", "Sex life or sexual orientation", "Sex life or sexual orientation.", "GDPR Art. 9"},
	{"criminal", "Criminal records", "Criminal convictions and offences.", "GDPR Art. 10"},
	{"minors", "Children's data", "Personal data of people under 14 (China) or 18.", "PIPL Art. 28, 31"},
	{"communications", "Communications content", "Messages, call content, prompts and conversations.", ""},
}

// DocumentKinds names kinds of documents a filing may reference.
var DocumentKinds = Vocabulary{
	{"instructions_for_use", "Instructions for use", "Electronic instructions for use.", "EU AI Act Annex VIII A.12, Art. 13"},
	{"declaration_of_conformity", "EU declaration of conformity", "The EU declaration of conformity.", "EU AI Act Annex VIII A.11, Art. 47"},
	{"certificate", "Notified-body certificate", "Certificate issued by a notified body.", "EU AI Act Annex VIII A.8–9"},
	{"technical_documentation", "Technical documentation", "Technical documentation or a summary of it.", "EU AI Act Art. 11, Annex IV"},
	{"model_card", "Model card", "A model card or system card.", ""},
	{"training_data_summary", "Training-content summary", "Public summary of the content used to train a general-purpose model.", "EU AI Act Art. 53(1)(d)"},
	{"impact_assessment", "Impact assessment", "Fundamental-rights, data-protection or algorithmic impact assessment.", "EU AI Act Art. 27; GDPR Art. 35"},
	{"bias_audit", "Bias audit", "Independent bias audit and its summary of results.", "NYC Local Law 144"},
	{"security_assessment", "Security self-assessment", "Algorithm security self-assessment report.", "CAC algorithm filing; Generative AI Measures Art. 17"},
	{"other", "Other", "Any other document.", ""},
}

// Localities are places below the ISO 3166-2 level that a rule pack's
// jurisdiction needs, coded as the subdivision code plus a suffix.
var Localities = Vocabulary{
	{"US-NY-NYC", "New York City", "The five boroughs of New York City, where Local Law 144 of 2021 applies.", "NYC Admin. Code §§ 20-870–20-874"},
}

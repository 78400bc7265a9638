package demo

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/accord-gov/accord"
)

var keyPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func load(t *testing.T) ([]Org, map[string]Org, []System) {
	t.Helper()
	orgs, err := Organizations()
	if err != nil {
		t.Fatal(err)
	}
	systems, err := Systems()
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]Org{}
	for _, o := range orgs {
		byKey[o.Key] = o
	}
	return orgs, byKey, systems
}

// versions returns every filing of s, version 1 first.
func versions(s System) []accord.Filing {
	return append([]accord.Filing{s.Filing}, s.Updates...)
}

func TestOrganizations(t *testing.T) {
	orgs, _, systems := load(t)
	realProviders := map[string]bool{}
	for _, s := range systems {
		if len(s.Sources) > 0 {
			realProviders[s.Provider] = true
		}
	}
	seen := map[string]bool{}
	for _, o := range orgs {
		if !keyPattern.MatchString(o.Key) {
			t.Errorf("organization key %q: use lower-case letters, digits and hyphens", o.Key)
		}
		if seen[o.Key] {
			t.Errorf("organization key %q is used twice", o.Key)
		}
		seen[o.Key] = true
		n, err := o.NewOrganization.Normalize()
		if err != nil {
			t.Errorf("organization %s: %v", o.Key, err)
			continue
		}
		checkCanonicalTags(t, o.Key+".name", o.Name, n.Name)
		en := o.Name["en"]
		if en == "" {
			t.Errorf("organization %s has no English name", o.Key)
		}
		fictional := strings.HasSuffix(en, FictionalMarker)
		switch {
		case realProviders[o.Key] && fictional:
			t.Errorf("organization %s provides a real product but its name %q is marked fictional", o.Key, en)
		case !realProviders[o.Key] && !fictional:
			t.Errorf("organization %s: the English name %q of a fictional organization must end with %q", o.Key, en, FictionalMarker)
		}
		if fictional {
			for _, u := range []string{o.Contact.Website, o.Contact.Email} {
				if u != "" && !strings.Contains(u, "example.org") {
					t.Errorf("organization %s: fictional contact %q is not under example.org", o.Key, u)
				}
			}
		}
	}
}

func TestSystems(t *testing.T) {
	_, orgs, systems := load(t)
	seen := map[string]bool{}
	for _, s := range systems {
		if !keyPattern.MatchString(s.Key) {
			t.Errorf("system key %q: use lower-case letters, digits and hyphens", s.Key)
		}
		if seen[s.Key] {
			t.Errorf("system key %q is used twice", s.Key)
		}
		seen[s.Key] = true
		p, ok := orgs[s.Provider]
		if !ok {
			t.Errorf("system %s: provider %q is not an organization key", s.Key, s.Provider)
		} else if p.Kind != "provider" {
			t.Errorf("system %s: organization %q is a %s, not a provider", s.Key, s.Provider, p.Kind)
		}
		var prev []byte
		for i, f := range versions(s) {
			n, err := f.Normalize()
			if err != nil {
				t.Errorf("system %s version %d: %v", s.Key, i+1, err)
				continue
			}
			for field, pair := range map[string][2]accord.Text{
				"trade_name":       {f.TradeName, n.TradeName},
				"intended_purpose": {f.IntendedPurpose, n.IntendedPurpose},
				"operating_logic":  {f.OperatingLogic, n.OperatingLogic},
				"data_sources":     {f.DataSources, n.DataSources},
			} {
				checkCanonicalTags(t, s.Key+"."+field, pair[0], pair[1])
			}
			b, err := json.Marshal(n)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(b, prev) {
				t.Errorf("system %s: version %d repeats the previous version", s.Key, i+1)
			}
			prev = b
		}
		if s.Withdraw != strings.TrimSpace(s.Withdraw) {
			t.Errorf("system %s: withdraw reason has surrounding space", s.Key)
		}
		checkFictionConvention(t, s, orgs)
	}
}

// checkCanonicalTags fails if normalising changed a language tag: the demo
// data should already be in canonical form.
func checkCanonicalTags(t *testing.T, field string, in, out accord.Text) {
	t.Helper()
	if !slices.Equal(in.Tags(), out.Tags()) {
		t.Errorf("%s: language tags %v are not canonical (want %v)", field, in.Tags(), out.Tags())
	}
}

func checkFictionConvention(t *testing.T, s System, orgs map[string]Org) {
	t.Helper()
	provider := orgs[s.Provider]
	fictionalProvider := strings.HasSuffix(provider.Name["en"], FictionalMarker)
	for i, f := range versions(s) {
		en := f.TradeName["en"]
		if en == "" {
			t.Errorf("system %s version %d has no English trade name", s.Key, i+1)
			continue
		}
		fictional := strings.HasSuffix(en, FictionalMarker)
		if len(s.Sources) == 0 {
			if !fictional {
				t.Errorf("system %s: fictional system's English trade name %q must end with %q (or list the sources of a real product)", s.Key, en, FictionalMarker)
			}
			if !fictionalProvider {
				t.Errorf("system %s: a fictional system must have a fictional provider, not %s", s.Key, s.Provider)
			}
			for _, d := range f.Documents {
				if !strings.Contains(d.URL, ".example.org/") {
					t.Errorf("system %s: fictional document %s is not under example.org", s.Key, d.URL)
				}
			}
			continue
		}
		// A real product.
		if fictional || fictionalProvider {
			t.Errorf("system %s lists sources (a real product) but is marked fictional", s.Key)
		}
		if len(f.Documents) > 0 {
			t.Errorf("system %s: a real product must not carry documents whose hashes we cannot vouch for", s.Key)
		}
		if !strings.Contains(f.OperatingLogic["en"], "compiled by the Accord project") &&
			!strings.Contains(f.OperatingLogic["en"], "Compiled by the Accord project") {
			t.Errorf("system %s: a real product's operating_logic must say it was compiled by the Accord project from public sources", s.Key)
		}
		if v := f.Facts.SocialScoring; v != nil && *v {
			t.Errorf("system %s: a prohibited practice is attributed to a real product", s.Key)
		}
	}
	for _, src := range s.Sources {
		u, err := url.Parse(src)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			t.Errorf("system %s: source %q is not an https URL", s.Key, src)
		}
	}
}

// continents maps every country the demo uses to its continent. Add a
// country here when the data starts using it.
var continents = map[string]string{
	// Africa
	"CI": "Africa", "EG": "Africa", "ET": "Africa", "GH": "Africa", "GM": "Africa", "KE": "Africa",
	"MA": "Africa", "NG": "Africa", "SN": "Africa", "TN": "Africa", "TZ": "Africa", "UG": "Africa",
	"ZA": "Africa",
	// Asia
	"AE": "Asia", "CN": "Asia", "ID": "Asia", "IN": "Asia", "JO": "Asia", "JP": "Asia", "KR": "Asia",
	"KZ": "Asia", "MY": "Asia", "OM": "Asia", "PH": "Asia", "SA": "Asia", "SG": "Asia",
	// Europe
	"BE": "Europe", "CZ": "Europe", "DE": "Europe", "EE": "Europe", "ES": "Europe", "FR": "Europe",
	"GB": "Europe", "IE": "Europe", "IT": "Europe", "NL": "Europe", "PT": "Europe",
	// North America
	"CA": "North America", "MX": "North America", "US": "North America",
	// South America
	"AR": "South America", "BR": "South America", "PY": "South America", "UY": "South America",
	// Oceania
	"AU": "Oceania", "FJ": "Oceania", "NZ": "Oceania",
	// Antarctica
	"AQ": "Antarctica",
}

func continentOf(t *testing.T, country string) string {
	t.Helper()
	c, ok := continents[country]
	if !ok {
		t.Errorf("country %s has no continent in the test's table: add it", country)
	}
	return c
}

func TestCoverage(t *testing.T) {
	orgList, orgs, systems := load(t)

	if len(systems) < 40 {
		t.Errorf("%d systems; want at least 40", len(systems))
	}
	if n := len(orgList); n < 25 || n > 35 {
		t.Errorf("%d organizations; want around 25–30", n)
	}
	kinds := map[string]int{}
	for _, o := range orgList {
		kinds[o.Kind]++
	}
	if kinds["deployer"] < 2 || kinds["authority"] < 2 {
		t.Errorf("organization kinds %v: want a few deployers and 2–3 authorities", kinds)
	}

	countries := map[string]bool{}
	providerContinents := map[string]bool{}
	deploymentContinents := map[string]bool{}
	for _, o := range orgList {
		countries[o.Country] = true
	}
	languages := map[string]int{}
	domains := map[string]bool{}
	var updated, withdrawn, confidential, withDocs, multilingual, real int
	for _, s := range systems {
		providerContinents[continentOf(t, orgs[s.Provider].Country)] = true
		if len(s.Updates) > 0 {
			updated++
		}
		if s.Withdraw != "" {
			withdrawn++
		}
		if len(s.Sources) > 0 {
			real++
		}
		if len(s.Filing.TradeName) >= 2 && len(s.Filing.IntendedPurpose) >= 2 {
			multilingual++
		}
		var conf, docs bool
		for _, f := range versions(s) {
			for _, c := range f.DeploymentCountries {
				countries[c] = true
				deploymentContinents[continentOf(t, c)] = true
			}
			for _, d := range f.Domains {
				domains[d] = true
			}
			for _, txt := range []accord.Text{f.TradeName, f.IntendedPurpose, f.OperatingLogic, f.DataSources} {
				for tag := range txt {
					languages[tag]++
				}
			}
			conf = conf || len(f.Confidential) > 0
			docs = docs || len(f.Documents) > 0
		}
		if conf {
			confidential++
		}
		if docs {
			withDocs++
		}
	}
	for c := range countries {
		continentOf(t, c)
	}
	if len(countries) < 10 {
		t.Errorf("%d countries; want at least 10", len(countries))
	}
	for _, c := range []string{"Africa", "Asia", "Europe", "North America", "South America", "Oceania"} {
		if !providerContinents[c] {
			t.Errorf("no provider in %s", c)
		}
		if !deploymentContinents[c] {
			t.Errorf("no deployment in %s", c)
		}
	}
	if !deploymentContinents["Antarctica"] {
		t.Errorf("no deployment in Antarctica")
	}
	for _, tag := range []string{"en", "ar", "zh-Hans", "fr", "es", "ru", "pt-BR", "sw"} {
		if languages[tag] == 0 {
			t.Errorf("no text in %s", tag)
		}
	}
	if len(languages) < 12 {
		t.Errorf("%d languages: %v; want at least 12", len(languages), slices.Sorted(maps.Keys(languages)))
	}
	if multilingual < 25 {
		t.Errorf("%d systems give trade_name and intended_purpose in 2 or more languages; want at least 25", multilingual)
	}
	for _, d := range []string{
		"general.conversational_assistant", "general.content_generation", "general.purpose_model",
		"employment.recruitment", "employment.workforce_management",
		"essential_services.credit_scoring", "finance.fraud_detection",
		"essential_services.life_health_insurance", "health.medical_device",
		"essential_services.emergency_dispatch", "essential_services.public_benefits",
		"media.recommendation", "media.search_ranking", "media.content_moderation",
		"education.proctoring", "education.admission",
		"migration.risk_assessment", "law_enforcement.offending_risk",
		"biometrics.remote_identification", "biometrics.emotion_recognition",
		"democracy.elections", "critical_infrastructure", "transport.vehicles",
		"transport.logistics", "agriculture", "science.research",
	} {
		if !domains[d] {
			t.Errorf("no system in domain %s", d)
		}
	}
	if len(domains) < 30 {
		t.Errorf("%d domains covered; want at least 30", len(domains))
	}
	if updated < 8 || updated > 14 {
		t.Errorf("%d systems have updates; want about 10", updated)
	}
	if withdrawn != 2 {
		t.Errorf("%d systems are withdrawn; want 2", withdrawn)
	}
	if confidential < 3 {
		t.Errorf("%d systems mark fields confidential; want at least 3", confidential)
	}
	if withDocs < 8 {
		t.Errorf("%d systems reference documents; want at least 8", withDocs)
	}
	if real < 2 {
		t.Errorf("%d real products; want a few", real)
	}
	t.Logf("%d systems, %d organizations %v, %d countries, %d languages, %d domains; %d updated, %d withdrawn, %d confidential, %d with documents, %d real",
		len(systems), len(orgList), kinds, len(countries), len(languages), len(domains), updated, withdrawn, confidential, withDocs, real)
}

// TestScenarios checks that the systems the demo exists to show are there.
func TestScenarios(t *testing.T) {
	_, _, systems := load(t)
	is := func(b *bool) bool { return b != nil && *b }
	isFalse := func(b *bool) bool { return b != nil && !*b }
	scenarios := []struct {
		name string
		ok   func(accord.Filing) bool
	}{
		{"1:1 face verification", func(f accord.Filing) bool {
			return is(f.Facts.BiometricVerificationOnly) && isFalse(f.Facts.RemoteBiometricIdentification)
		}},
		{"real-time remote biometric identification in public spaces for law enforcement", func(f accord.Filing) bool {
			return is(f.Facts.RemoteBiometricIdentification) && is(f.Facts.RealTimeBiometricIdentification) &&
				is(f.Facts.PubliclyAccessibleSpaces) && slices.Contains(f.DeployerKinds, "law_enforcement")
		}},
		{"undetermined by design: law-enforcement exception left out", func(f accord.Filing) bool {
			return is(f.Facts.RealTimeBiometricIdentification) && f.Facts.BiometricLawEnforcementException == nil
		}},
		{"undetermined by design: proctoring without the emotion-recognition fact", func(f accord.Filing) bool {
			return slices.Contains(f.Domains, "education.proctoring") && f.Facts.EmotionRecognition == nil
		}},
		{"emotion recognition at work", func(f accord.Filing) bool {
			return is(f.Facts.EmotionRecognition) && isFalse(f.Facts.MedicalOrSafetyPurpose) && slices.Contains(f.DeployerKinds, "employer")
		}},
		{"emotion recognition in a hospital for medical reasons", func(f accord.Filing) bool {
			return is(f.Facts.EmotionRecognition) && is(f.Facts.MedicalOrSafetyPurpose) && slices.Contains(f.DeployerKinds, "healthcare_provider")
		}},
		{"social scoring", func(f accord.Filing) bool { return is(f.Facts.SocialScoring) }},
		{"crime prediction by profiling", func(f accord.Filing) bool { return is(f.Facts.CrimePredictionByProfiling) }},
		{"deep fake", func(f accord.Filing) bool { return is(f.Facts.DeepFake) }},
		{"general-purpose model above 10^25 FLOP", func(f accord.Filing) bool {
			return f.Kind == accord.KindModel && f.Facts.TrainingComputeFLOP != nil && *f.Facts.TrainingComputeFLOP > 1e25
		}},
		{"open-weights model below 10^25 FLOP", func(f accord.Filing) bool {
			return f.Kind == accord.KindModel && is(f.Facts.OpenWeights) && f.Facts.TrainingComputeFLOP != nil && *f.Facts.TrainingComputeFLOP < 1e25
		}},
		{"research only", func(f accord.Filing) bool { return is(f.Facts.ResearchOnly) }},
		{"Antarctica", func(f accord.Filing) bool { return slices.Contains(f.DeploymentCountries, "AQ") }},
		{"confidential training compute", func(f accord.Filing) bool {
			return slices.Contains(f.Confidential, "facts.training_compute_flop") && slices.Contains(f.Confidential, "data_sources")
		}},
	}
	for _, sc := range scenarios {
		found := false
		for _, s := range systems {
			for _, f := range versions(s) {
				found = found || sc.ok(f)
			}
		}
		if !found {
			t.Errorf("no system shows: %s", sc.name)
		}
	}
}

// TestText checks the text that search normalisation is demonstrated with.
func TestText(t *testing.T) {
	_, _, systems := load(t)
	var arabic, chinese strings.Builder
	for _, s := range systems {
		for _, f := range versions(s) {
			for _, txt := range []accord.Text{f.TradeName, f.IntendedPurpose} {
				arabic.WriteString(txt["ar"])
				chinese.WriteString(txt["zh-Hans"])
			}
		}
	}
	ar := arabic.String()
	tashkeel := strings.IndexFunc(ar, func(r rune) bool { return r >= 0x064B && r <= 0x0652 }) >= 0
	if !tashkeel {
		t.Error("no Arabic text with diacritics (tashkeel)")
	}
	for _, alef := range []string{"أ", "إ", "آ", "ا"} {
		if !strings.Contains(ar, alef) {
			t.Errorf("no Arabic text with %s", alef)
		}
	}
	for _, w := range []string{"推荐", "招聘", "信用"} {
		if !strings.Contains(chinese.String(), w) {
			t.Errorf("no Chinese text with %s", w)
		}
	}
	// No placeholders or stray markup anywhere.
	for _, s := range systems {
		for _, f := range versions(s) {
			for _, txt := range []accord.Text{f.TradeName, f.IntendedPurpose, f.OperatingLogic, f.DataSources} {
				for tag, v := range txt {
					for _, bad := range []string{"TODO", "FIXME", "TBD", "XXX", "Lorem", "lorem ipsum", "{{", "}}"} {
						if strings.Contains(v, bad) {
							t.Errorf("system %s: %s text contains %q", s.Key, tag, bad)
						}
					}
					if strings.ContainsFunc(v, func(r rune) bool { return r == unicode.ReplacementChar }) {
						t.Errorf("system %s: %s text contains U+FFFD", s.Key, tag)
					}
				}
			}
		}
	}
}

func TestDecodeStrict(t *testing.T) {
	var orgs []Org
	if err := decodeStrict([]byte(`[{"key":"x","nmae":{"en":"X"}}]`), &orgs); err == nil {
		t.Error("an unknown field was accepted")
	}
	if err := decodeStrict([]byte(`[] []`), &orgs); err == nil {
		t.Error("trailing data was accepted")
	}
	if err := decodeStrict([]byte(`[{"key":"x","name":{"en":"X"},"kind":"provider","country":"FR","contact":{}}]`), &orgs); err != nil {
		t.Errorf("a valid organization was refused: %v", err)
	} else if orgs[0].Key != "x" || orgs[0].Name["en"] != "X" || orgs[0].Country != "FR" {
		t.Errorf("embedded fields were not decoded inline: %+v", orgs[0])
	}
}

// TestBuiltOn: a demo system built on a model names a model listed before
// it (the loader files them in order), and at least one does.
func TestBuiltOn(t *testing.T) {
	systems, err := Systems()
	if err != nil {
		t.Fatal(err)
	}
	models, n := map[string]bool{}, 0
	for _, s := range systems {
		if s.BuiltOn != "" {
			n++
			if !models[s.BuiltOn] {
				t.Errorf("system %s is built on %q, which is not a model listed before it", s.Key, s.BuiltOn)
			}
			if s.Filing.Kind == accord.KindModel {
				t.Errorf("model %s names a model it is built on: only systems do", s.Key)
			}
		}
		if s.Filing.Kind == accord.KindModel {
			models[s.Key] = true
		}
	}
	if n == 0 {
		t.Error("no demo system is built on a model")
	}
}

package rules_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/rules"
)

func ptr[T any](v T) *T { return &v }

// typicalFilings are what providers file: a recruitment screener, a
// customer-service chatbot, a credit-scoring model and an image generator,
// each answering the questions its rules ask, plus one that leaves facts out.
func typicalFilings() []accord.Filing {
	no := func() accord.Facts {
		f := false
		return accord.Facts{
			MilitaryOnly: &f, ResearchOnly: &f, ManipulativeTechniques: &f, ExploitsVulnerabilities: &f,
			SocialScoring: &f, CrimePredictionByProfiling: &f, UntargetedFacialScraping: &f,
			BiometricCategorisation: &f, InfersSensitiveAttributes: &f, EmotionRecognition: &f,
			RemoteBiometricIdentification: &f, SafetyComponent: &f, InteractsWithNaturalPersons: &f,
			GeneratesSyntheticContent: &f, DeepFake: &f, PublicInterestText: &f, GeneralPurposeModel: &f,
			// The scope questions a filing answers since issue 17 (EU AI Act Art. 2, 3(1)).
			NotAISystem: &f, InternationalCooperation: &f, PreMarketResearch: &f, PersonalUseOnly: &f, FreeOpenSource: &f,
		}
	}
	recruit := no()
	recruit.MaterialInfluenceOnDecision = ptr(true)
	recruit.Profiling = ptr(true)
	chat := no()
	chat.InteractsWithNaturalPersons = ptr(true)
	credit := no()
	credit.MaterialInfluenceOnDecision = ptr(false)
	credit.PreparatoryTask = ptr(true)
	credit.Profiling = ptr(false)
	gen := no()
	gen.GeneratesSyntheticContent = ptr(true)
	gen.DeepFake = ptr(true)
	partial := accord.Facts{InteractsWithNaturalPersons: ptr(true), Profiling: ptr(true)}
	return []accord.Filing{
		{Domains: []string{"employment.recruitment"}, DeploymentCountries: []string{"DE", "FR"}, DeployerKinds: []string{"employer"}, AffectedPersons: []string{"job_applicants"}, Status: "active", Facts: recruit},
		{Domains: []string{"general.conversational_assistant"}, DeploymentCountries: []string{"FR"}, DeployerKinds: []string{"private_company"}, AffectedPersons: []string{"consumers"}, Status: "active", Facts: chat},
		{Domains: []string{"essential_services.credit_scoring"}, DeploymentCountries: []string{"IT", "ES"}, DeployerKinds: []string{"financial_institution"}, AffectedPersons: []string{"borrowers"}, Status: "active", Facts: credit},
		{Domains: []string{"general.content_generation"}, DeploymentCountries: []string{"NL"}, Status: "active", Facts: gen},
		{Domains: []string{"education.assessment", "general.conversational_assistant"}, DeploymentCountries: []string{"PL"}, AffectedPersons: []string{"students"}, Status: "planned", Facts: partial},
	}
}

var asOf = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

// cpuTime is the process's user+system CPU time. The benchmarks report it
// per op as cpu-ns/op, because on a shared machine wall-clock ns/op also
// counts time other processes held the CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loop(b *testing.B, packs []*rules.Pack, fs []accord.Filing) {
	loopWith(b, rules.Classify, packs, fs)
}

func loopWith(b *testing.B, classify func(accord.Filing, []*rules.Pack, time.Time) rules.Result, packs []*rules.Pack, fs []accord.Filing) {
	b.ReportAllocs()
	i := 0
	start := cpuTime()
	for b.Loop() {
		classify(fs[i%len(fs)], packs, asOf)
		i++
	}
	if i > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(i), "cpu-ns/op")
	}
}

func benchPacks(b *testing.B, ids ...string) []*rules.Pack {
	all, err := frameworks.Packs()
	if err != nil {
		b.Fatal(err)
	}
	if len(ids) == 0 {
		return all
	}
	var out []*rules.Pack
	for _, p := range all {
		for _, id := range ids {
			if p.ID == id || p.IsBaseline() {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// BenchmarkClassifyEU classifies typical filings under the EU pack (with
// the baseline, for the summary and checklist). One op is one filing.
func BenchmarkClassifyEU(b *testing.B) {
	loop(b, benchPacks(b, "eu-ai-act"), typicalFilings())
}

// BenchmarkClassifyEUFiling classifies each typical filing on its own.
func BenchmarkClassifyEUFiling(b *testing.B) {
	packs := benchPacks(b, "eu-ai-act")
	for i, f := range typicalFilings() {
		b.Run([]string{"recruitment", "chatbot", "credit-derogation", "deep-fake", "incomplete"}[i], func(b *testing.B) {
			loop(b, packs, []accord.Filing{f})
		})
	}
}

// BenchmarkLoadEU measures loading (parsing, validating and compiling) the
// EU pack.
func BenchmarkLoadEU(b *testing.B) {
	data, err := frameworks.FS.ReadFile("eu-ai-act/pack.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rules.Load("eu-ai-act/pack.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClassifyAll classifies typical filings under every embedded pack.
func BenchmarkClassifyAll(b *testing.B) {
	loop(b, benchPacks(b), worldwideFilings())
}

// BenchmarkOutcomeAll is BenchmarkClassifyAll without explanations: what
// re-classifying a registry after a rule change computes per system.
func BenchmarkOutcomeAll(b *testing.B) {
	loopWith(b, rules.Outcome, benchPacks(b), worldwideFilings())
}

// worldwideFilings are the typical filings, deployed in China, Korea and the
// United States too, so that every pack applies.
func worldwideFilings() []accord.Filing {
	fs := typicalFilings()
	for i := range fs {
		fs[i].DeploymentCountries = append(fs[i].DeploymentCountries, "CN", "KR", "US")
	}
	return fs
}

package rules

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

// repoPacks loads every pack under ../frameworks with the baseline. The
// rules package cannot import frameworks (which imports rules), so tests
// read the files.
func repoPacks(t testing.TB) []*Pack {
	t.Helper()
	names, err := filepath.Glob("../frameworks/*/pack.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no packs: %v", err)
	}
	var files []File
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Name: n, Data: b})
	}
	var packs []*Pack
	// Load each pack on its own so that one pack being edited by someone
	// else does not hide the others.
	for _, f := range files {
		p, err := Load(f.Name, f.Data)
		if err != nil {
			t.Logf("skipping %s: %v", f.Name, err)
			continue
		}
		packs = append(packs, p)
	}
	return packs
}

// randomFiling draws a filing from the vocabularies, leaving facts unknown,
// false or true at random.
func randomFiling(r *rand.Rand) accord.Filing {
	pick := func(codes []string, max int) []string {
		var out []string
		for range r.IntN(max + 1) {
			out = append(out, codes[r.IntN(len(codes))])
		}
		return out
	}
	countries := append(slices.Clone(EUMemberStates), "US", "CN", "KR", "GB", "IS", "BR")
	f := accord.Filing{
		Domains:             pick(accord.Domains.Codes(), 3),
		AlgorithmTypes:      pick(accord.AlgorithmTypes.Codes(), 2),
		DeploymentCountries: pick(countries, 3),
		DeployerKinds:       pick(accord.DeployerKinds.Codes(), 2),
		AffectedPersons:     pick(accord.AffectedPersons.Codes(), 3),
		PersonalData:        pick(accord.PersonalDataCategories.Codes(), 2),
		Status:              accord.Statuses.Codes()[r.IntN(len(accord.Statuses))],
	}
	b := func() *bool {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			v := false
			return &v
		}
		v := true
		return &v
	}
	ff := &f.Facts
	for _, p := range []**bool{&ff.InteractsWithNaturalPersons, &ff.GeneratesSyntheticContent, &ff.DeepFake, &ff.PublicInterestText,
		&ff.RemoteBiometricIdentification, &ff.RealTimeBiometricIdentification, &ff.PubliclyAccessibleSpaces, &ff.BiometricVerificationOnly,
		&ff.BiometricCategorisation, &ff.InfersSensitiveAttributes, &ff.EmotionRecognition, &ff.Profiling, &ff.AutomatedDecision,
		&ff.SafetyComponent, &ff.ThirdPartyConformityAssessment, &ff.ManipulativeTechniques, &ff.ExploitsVulnerabilities,
		&ff.SocialScoring, &ff.CrimePredictionByProfiling, &ff.UntargetedFacialScraping, &ff.MedicalOrSafetyPurpose,
		&ff.BiometricLawEnforcementException, &ff.MilitaryOnly, &ff.ResearchOnly, &ff.NarrowProceduralTask, &ff.ImprovesHumanActivity,
		&ff.DetectsDecisionPatterns, &ff.PreparatoryTask, &ff.MaterialInfluenceOnDecision, &ff.GeneralPurposeModel, &ff.OpenWeights,
		&ff.SystemicRiskDesignated, &ff.PublicOpinionAttributes, &ff.PublicFacingService} {
		*p = b()
	}
	flops := []float64{0, 1e23, 1e25, 2e25, math.Inf(1), math.NaN()}
	if i := r.IntN(len(flops) + 1); i < len(flops) {
		ff.TrainingComputeFLOP = &flops[i]
	}
	if r.IntN(2) == 0 {
		n := int64(r.IntN(3)) * 7e9
		ff.ParameterCount = &n
	}
	if r.IntN(2) == 0 {
		l := []string{"MIT", "Apache-2.0", "proprietary"}[r.IntN(3)]
		ff.Licence = &l
	}
	return f
}

// randomWithheld withholds, one time in two, a few of the inputs a filing
// may mark confidential (and sometimes one no rule reads).
func randomWithheld(r *rand.Rand) []string {
	if r.IntN(2) == 0 {
		return nil
	}
	var out []string
	for _, p := range accord.ConfidentialFields() {
		if r.IntN(8) == 0 {
			out = append(out, p)
		}
	}
	return out
}

// TestNativeAgreesWithCEL checks that evaluating a condition's tree gives
// what CEL gives on the whole condition (with partial evaluation for unknown
// facts and withheld inputs): the same three-valued result and, when
// unknown, the same missing facts and lists.
func TestNativeAgreesWithCEL(t *testing.T) {
	packs := repoPacks(t)
	r := rand.New(rand.NewPCG(1, 2))
	var in input
	conds := 0
	for _, p := range packs {
		if p.c == nil || p.IsBaseline() {
			continue
		}
		all := append([]*condition{p.c.appliesWhen}, p.c.exclusions...)
		all = append(all, p.c.rules...)
		conds += len(all)
		for range 1500 {
			f := randomFiling(r)
			in.reset(&f, withheldSet(randomWithheld(r)))
			for ci, c := range all {
				if c == nil || c.tree == nil {
					continue
				}
				var nm, cm factSet
				nv, nerr := in.evalNode(c.tree, &nm)
				cv, cerr := in.evalCEL(c, &cm)
				if nv != cv {
					t.Fatalf("%s condition %d %q: tree says %d, CEL says %d (errors %v, %v) for %+v", p.ID, ci, c.src, nv, cv, nerr, cerr, f)
				}
				if nv == triU && nerr == nil && cerr == nil && nm != cm {
					t.Fatalf("%s condition %d %q: tree misses %v, CEL misses %v for %+v", p.ID, ci, c.src, nm.paths(), cm.paths(), f)
				}
			}
		}
	}
	if conds < 50 {
		t.Errorf("only %d conditions checked", conds)
	}
}

// TestClassifyAgreesWithCEL classifies random filings under every pack
// twice, with the trees and with CEL alone, and requires the same Result.
func TestClassifyAgreesWithCEL(t *testing.T) {
	packs := repoPacks(t)
	r := rand.New(rand.NewPCG(3, 4))
	asOf := []Date{"2024-09-01", "2025-03-01", "2025-09-01", "2026-09-01", "2027-09-01"}
	defer func() { forceCEL = false }()
	for range 1000 {
		f := randomFiling(r)
		if r.IntN(2) == 0 {
			f.DeploymentCountries = append(f.DeploymentCountries, "FR", "CN", "KR", "US")
		}
		d, _ := time.Parse(dateLayout, string(asOf[r.IntN(len(asOf))]))
		w := randomWithheld(r)
		forceCEL = false
		a := ClassifyWithheld(f, w, packs, d)
		forceCEL = true
		b := ClassifyWithheld(f, w, packs, d)
		clearErrors(&a)
		clearErrors(&b)
		ja, err := json.MarshalIndent(a, "", " ")
		if err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
		jb, _ := json.MarshalIndent(b, "", " ")
		if !bytes.Equal(ja, jb) {
			t.Fatalf("trees and CEL disagree for %+v:\ntrees: %s\nCEL: %s", f, ja, jb)
		}
	}
}

// clearErrors drops error texts, which say the same thing in different words.
func clearErrors(r *Result) {
	for i := range r.Frameworks {
		for j := range r.Frameworks[i].Undetermined {
			if r.Frameworks[i].Undetermined[j].Error != "" {
				r.Frameworks[i].Undetermined[j].Error = "error"
			}
		}
	}
}

// TestOutcomeAgreesWithClassify: Outcome gives the tiers, levels and
// summary Classify gives, for random filings on dates across the packs'
// history.
func TestOutcomeAgreesWithClassify(t *testing.T) {
	packs := repoPacks(t)
	if len(packs) < 6 {
		t.Fatalf("%d packs loaded, want the baseline and five frameworks", len(packs))
	}
	r := rand.New(rand.NewPCG(4, 2))
	days := []string{"2023-01-01", "2024-08-01", "2025-02-02", "2025-08-02", "2026-08-02", "2026-11-23", "2027-08-02", "2030-01-01"}
	for i := range 3000 {
		f := randomFiling(r)
		at, _ := time.Parse(dateLayout, days[i%len(days)])
		full, out := Classify(f, packs, at), Outcome(f, packs, at)
		if !reflect.DeepEqual(full.Summary, out.Summary) || len(full.Frameworks) != len(out.Frameworks) {
			t.Fatalf("filing %d on %s: summary %+v, outcome %+v", i, days[i%len(days)], full.Summary, out.Summary)
		}
		for j, fw := range full.Frameworks {
			o := out.Frameworks[j]
			if o.Pack != fw.Pack || o.Applicable != fw.Applicable || o.Tier != fw.Tier || o.Baseline != fw.Baseline ||
				o.AtLeast != fw.AtLeast || !slices.Equal(o.Possible, fw.Possible) || !reflect.DeepEqual(o.Reason, fw.Reason) {
				t.Fatalf("filing %d on %s, %s: classify %s/%s/%s, outcome %s/%s/%s", i, days[i%len(days)], fw.Pack,
					fw.Applicable, fw.Tier, fw.Baseline, o.Applicable, o.Tier, o.Baseline)
			}
			if len(o.Fired) != 0 || len(o.Obligations) != 0 || len(o.Undetermined) != 0 {
				t.Fatalf("outcome of filing %d explains %s", i, fw.Pack)
			}
		}
	}
}

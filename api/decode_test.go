package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/accord-gov/accord"
)

// benchFiling is a typical filing body: three languages, facts, documents.
func benchFiling(b *testing.B) []byte {
	yes, no := true, false
	f := fileBody{Provider: "org_2a9fk3m8tq4zx7bc5d6e", Filing: accord.Filing{
		TradeName:       accord.Text{"en": "CV Screener", "zh-Hans": "简历筛选助手", "ar": "مُرَشِّح السِّيَر الذّاتية"},
		SystemVersion:   "2.1",
		Status:          "active",
		IntendedPurpose: accord.Text{"en": strings.Repeat("Ranks job applications for recruiters. ", 20), "fr": strings.Repeat("Classe les candidatures. ", 20)},
		OperatingLogic:  accord.Text{"en": strings.Repeat("A gradient-boosted model scores each CV. ", 20)},
		Domains:         []string{"employment.recruitment"}, AlgorithmTypes: []string{"ranking_selection"},
		DeploymentCountries: []string{"FR", "DE", "ES", "IT"}, DeployerKinds: []string{"employer"}, AffectedPersons: []string{"job_applicants"},
		Facts:     accord.Facts{Profiling: &yes, AutomatedDecision: &no, InteractsWithNaturalPersons: &no},
		Documents: []accord.Document{{Kind: "instructions_for_use", Title: "IFU", URL: "https://acme.example/ifu.pdf", SHA256: strings.Repeat("ab", 32)}},
	}}
	body, err := json.Marshal(f)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkDecodeFiling measures decoding one filing body (without
// validation): go test -bench DecodeFiling -run XXX ./api
func BenchmarkDecodeFiling(b *testing.B) {
	body := benchFiling(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var v fileBody
		if err := decodeBytes(body, &v); err != nil {
			b.Fatal(err)
		}
	}
}

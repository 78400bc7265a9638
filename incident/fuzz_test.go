package incident

import (
	"testing"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/frameworks"
)

// FuzzParseDuties: a duty file never panics the loader; what it accepts
// computes deadlines without panicking.
func FuzzParseDuties(f *testing.F) {
	for _, name := range []string{"eu-ai-act/incidents.yaml", "cn/incidents.yaml", "kr/incidents.yaml"} {
		b, err := frameworks.IncidentFS.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("framework: eu-ai-act\nduties:\n  - id: x\n    citation: c\n    instrument: i\n    from: 2026-01-01\n    title: {en: t}\n    period: P0D\n"))
	f.Add([]byte("framework: cn\nduties: [{id: x, citation: c, instrument: i, from: 2026-01-01, title: {en: t}, period: PT9999H, counting: elapsed}]"))
	packs, err := frameworks.Packs()
	if err != nil {
		f.Fatal(err)
	}
	tax, err := LoadTaxonomies()
	if err != nil {
		f.Fatal(err)
	}
	r := accord.NewIncidentReport{Kind: accord.IncidentSerious, Countries: []string{"FR", "CN"}, Aware: at("2026-11-04T10:00:00+01:00"),
		Harms: []string{"eu-3-49:b"}, Facts: accord.IncidentFacts{Death: true, CNGrade: "major", CNOperator: "cii"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := parseDuties("fuzz.yaml", data, packs, tax)
		if err != nil {
			return
		}
		for _, s := range []Subject{highRisk, gpaiRisk, anySystem} {
			out := Deadlines(ds, r, s)
			Mark(ds, out, []Filing{{Role: accord.RoleProvider, Logged: r.Aware}}, r.Aware)
		}
	})
}

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

// FuzzDecodeIncidentEntry: incident entries from a peer's log never panic
// the decoder, and what it accepts holds no confidential part.
func FuzzDecodeIncidentEntry(f *testing.F) {
	for _, s := range []string{
		`{"content":{"incident":"inc_a","provider":"org_p","report":{"aware":"2026-11-02T10:00:00+01:00","countries":["FR"],"kind":"serious-incident","occurred":"2026-11-01T10:00:00+01:00","severity":"serious","summary":{"en":"S"},"system":{"id":"sys_x","version":1},"title":{"en":"T"}},"report_id":"rep_a","role":"provider","v":1},"org":"org_p","record":"rep_a","time":"2026-11-03T10:00:00.000Z","type":"incident.reported","version":1}`,
		`{"content":{"from":"inc_a","into":"inc_b","v":1},"org":"admin","record":"inc_a","time":"2026-11-03T10:00:00.000Z","type":"incident.merged","version":1}`,
		`{"content":{"incident":"inc_a","provider":"org_p","report":{"confidential":{"contact":"x"}},"report_id":"rep_a","role":"provider","v":1},"org":"org_p","record":"rep_a","time":"2026-11-03T10:00:00.000Z","type":"incident.reported","version":1}`,
		`{"content":{"from":"inc_a","into":"inc_a","v":1},"org":"admin","record":"inc_a","time":"2026-11-03T10:00:00.000Z","type":"incident.merged","version":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := accord.DecodeLogEntry(data, false)
		if err != nil {
			return
		}
		if c, ok := d.Value.(*accord.IncidentReportContent); ok && !c.Report.Confidential.IsZero() {
			t.Fatalf("a decoded incident entry holds a confidential part: %s", data)
		}
	})
}

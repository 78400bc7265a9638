package api

import (
	"testing"
	"time"

	"github.com/accord-gov/accord"
)

// FuzzDecodeIncidentReport: the body of POST /v1/incidents, decoded as the
// API decodes it and normalised as the service does, never panics, and
// refuses with an *accord.Error naming a field.
func FuzzDecodeIncidentReport(f *testing.F) {
	for _, s := range []string{
		`{"kind":"serious-incident","system":{"id":"sys_x"},"occurred":"2026-11-01T10:00:00+01:00","aware":"2026-11-02T10:00:00+01:00","countries":["FR"],"severity":"serious","title":{"en":"T"},"summary":{"en":"S"},"harms":["eu-3-49:a"],"facts":{"death":true,"causal_link_at":"2026-11-02T11:00:00Z"},"confidential":{"contact":"a@b.example","personal_data":{"en":"x"}}}`,
		`{"kind":"incident","system":{"id":"sys_x","node":"peer.example","version":2},"occurred":"2026-11-01T10:00:00Z","aware":"2026-10-01T10:00:00Z","countries":["CN"],"severity":"minor","title":{"zh-Hans":"标题"},"summary":{"ar":"ملخص"},"facts":{"cn_grade":"major","cn_operator":"cii"}}`,
		`{"kind":"x"}`, `{"aware":"yesterday"}`, `{"countries":["France"]}`, `{"links":["javascript:alert(1)"]}`, `{"title":{"en":"\u202e"}}`,
		`{"kind":"hazard","kind":"incident"}`, `{"Kind":"hazard"}`, `[]`, `null`, "\xff", `{"affected":-1}`, `{"resolved":"0001-01-01T00:00:00Z"}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var r accord.NewIncidentReport
		if err := decodeBytes(data, &r); err != nil {
			checkError(t, err)
			return
		}
		n, err := r.Normalize(now, func(h string) bool { return h == "eu-3-49:a" })
		if err != nil {
			checkError(t, err)
			if len(err.(*accord.Error).Fields) == 0 {
				t.Fatalf("a refused report names no field: %v", err)
			}
			return
		}
		// Normalising is idempotent.
		if _, err := n.Normalize(now, func(h string) bool { return h == "eu-3-49:a" }); err != nil {
			t.Fatalf("a normalised report is refused: %v", err)
		}
	})
}

package accord_test

import (
	"testing"

	"github.com/accord-gov/accord"
)

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

func TestDecodeIncidentEntries(t *testing.T) {
	good := `{"content":{"incident":"inc_a","provider":"org_p","report":{"aware":"2026-11-02T10:00:00+01:00","countries":["FR"],"kind":"serious-incident","occurred":"2026-11-01T10:00:00+01:00","severity":"serious","summary":{"en":"S"},"system":{"id":"sys_x","version":1},"title":{"en":"T"}},"report_id":"rep_a","role":"provider","v":1},"org":"org_p","record":"rep_a","time":"2026-11-03T10:00:00.000Z","type":"incident.reported","version":1}`
	d, err := accord.DecodeLogEntry([]byte(good), true)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := d.Value.(*accord.IncidentReportContent); !ok || c.Report.Title["en"] != "T" {
		t.Fatalf("decoded %T %+v", d.Value, d.Value)
	}
	for name, bad := range map[string]string{
		"a confidential part in the log": `{"content":{"incident":"inc_a","provider":"org_p","report":{"aware":"2026-11-02T10:00:00+01:00","confidential":{"contact":"x"},"countries":["FR"],"kind":"serious-incident","occurred":"2026-11-01T10:00:00+01:00","severity":"serious","summary":{"en":"S"},"system":{"id":"sys_x"},"title":{"en":"T"}},"report_id":"rep_a","role":"provider","v":1},"org":"org_p","record":"rep_a","time":"2026-11-03T10:00:00.000Z","type":"incident.reported","version":1}`,
		"awareness after the entry":      `{"content":{"incident":"inc_a","provider":"org_p","report":{"aware":"2026-12-02T10:00:00+01:00","countries":["FR"],"kind":"serious-incident","occurred":"2026-11-01T10:00:00+01:00","severity":"serious","summary":{"en":"S"},"system":{"id":"sys_x"},"title":{"en":"T"}},"report_id":"rep_a","role":"provider","v":1},"org":"org_p","record":"rep_a","time":"2026-11-03T10:00:00.000Z","type":"incident.reported","version":1}`,
		"a merge into itself":            `{"content":{"from":"inc_a","into":"inc_a","v":1},"org":"admin","record":"inc_a","time":"2026-11-03T10:00:00.000Z","type":"incident.merged","version":1}`,
	} {
		if _, err := accord.DecodeLogEntry([]byte(bad), false); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

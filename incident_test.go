package accord_test

import (
	"testing"

	"github.com/accord-gov/accord"
)

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

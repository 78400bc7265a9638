package consent

import (
	"encoding/json"
	"testing"

	"github.com/accord-gov/accord"
)

// FuzzIdentifier: a subject identifier from outside is checked without
// panicking; what is accepted is canonical (accepted again unchanged).
func FuzzIdentifier(f *testing.F) {
	for _, s := range []string{"key:0123456789abcdefghijkl", "email:Alice@Example.org", "email:@x", "KEY:short", "key:with space 0123456789abcdef", "ps1_x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := NormalIdentifier("subject", s)
		if err != nil {
			return
		}
		if c2, err := NormalIdentifier("subject", c); err != nil || c2 != c {
			t.Fatalf("%q → %q → %q, %v", s, c, c2, err)
		}
	})
}

// FuzzReceipts: a receipt file given to verify-receipt never panics the
// parser or the verifier.
func FuzzReceipts(f *testing.F) {
	f.Add(`{"version":"KI-CR-v1.1.0","consentReceiptID":"ce_x","accord":{"event":{"id":"ce_x","seq":3},"salt":"AAAA","log_index":3},"signature":"— x y\n"}`)
	f.Add(`[{"accord":{"log_receipt":{"index":1,"entry":"{}","proof":"x"}}}]`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseReceipts([]byte(s))
		if err != nil {
			return
		}
		for _, rc := range rs {
			VerifyReceipt(rc, "consent.example+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "log.example+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
			_ = accord.ConsentToken(rc.Accord.LogIndex)
		}
	})
}

// FuzzConsentToken: a consistency token from a client never panics and
// round-trips when accepted.
func FuzzConsentToken(f *testing.F) {
	for _, s := range []string{"ct1.0", "ct1.42", "ct1.-1", "ct1.01", "ct1.", "ct2.5", "", "ct1.99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := accord.ParseConsentToken(s)
		if err == nil && accord.ConsentToken(n) != s {
			t.Fatalf("%q parsed as %d, which formats as %q", s, n, accord.ConsentToken(n))
		}
	})
}

// FuzzConsentNotice: a notice from a provider is checked without panicking,
// and what Normalize accepts it accepts again (it is idempotent).
func FuzzConsentNotice(f *testing.F) {
	f.Add(`{"jurisdictions":["EU"],"text":{"en":"x"},"purposes":[{"id":"t","dpv":"dpv:Marketing","legal_basis":"dpv:Consent","data_categories":["pd:Name"],"title":{"en":"T"}}]}`)
	f.Add(`{"jurisdictions":["CN"],"text":{"zh-Hans":"x"},"purposes":[{"id":"a","dpv":"dpv:ServiceProvision","legal_basis":"dpv:Consent","data_categories":["pd:Name"],"title":{"en":"T"},"transfers":[{"country":"US","recipient":"R","contact":"c"}],"retention":"P1Y2M"}]}`)
	f.Add(`{"purposes":[{"id":"A B","retention":"P"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		var n accord.NewConsentNotice
		if json.Unmarshal([]byte(s), &n) != nil {
			return
		}
		m, err := n.Normalize()
		if err != nil {
			return
		}
		if _, err := m.Normalize(); err != nil {
			t.Fatalf("a normalised notice is refused: %v", err)
		}
		for _, p := range m.Purposes {
			_ = p.Hash()
		}
	})
}

// FuzzDecodeConsentEntry: log entries of consent's types from a peer are
// decoded without panicking.
func FuzzDecodeConsentEntry(f *testing.F) {
	f.Add(`{"content":{"commitment":"` + "00000000000000000000000000000000000000000000000000000000000000ff" + `","v":1},"org":"subject","record":"ce_x","time":"2026-12-01T00:00:00.000Z","type":"consent.event","version":1}`)
	f.Add(`{"content":{"commitment":"zz","events":-1,"v":1},"org":"","record":"ce_y","time":"2026-12-01T00:00:00.000Z","type":"consent.erased","version":1}`)
	f.Add(`{"content":{"notice":{"system":"s","version":1},"v":1},"org":"o","record":"s","time":"2026-12-01T00:00:00.000Z","type":"consent.notice","version":1}`)
	f.Fuzz(func(t *testing.T, s string) {
		accord.DecodeLogEntry([]byte(s), false)
	})
}

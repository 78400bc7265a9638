package api

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/accord-gov/accord"
)

// FuzzDecodeFiling feeds arbitrary bytes to the filing decoder and validator:
// they must never panic, every error must be an *accord.Error with a code the
// API maps, a body the decoder accepts must read the same to encoding/json
// (no duplicate or case-variant key could make them differ), and a filing
// that passes must hold only text CheckText accepts and stay the same when
// normalised again and when it goes through its canonical JSON.
func FuzzDecodeFiling(f *testing.F) {
	for _, s := range []string{
		`{"trade_name":{"en":"X","zh-Hans":"推荐"},"system_version":"1","status":"active","intended_purpose":{"ar":"نِظام"},"domains":["employment.recruitment"],"deployment_countries":["FR","CN"],"facts":{"profiling":true,"training_compute_flop":1e25}}`,
		`{"provider":"org_x","trade_name":{"en":"X"},"system_version":"1","status":"planned","intended_purpose":{"en":"Y"},"domains":["general.translation"],"deployment_countries":["KE"],"facts":{},"confidential":["data_sources"],"data_sources":{"en":"z"}}`,
		`{"documents":[{"kind":"other","url":"https://x.example/a","sha256":"` + "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" + `"}]}`,
		`{"trade_name":{"english":"x"}}`, `[]`, `null`, `{"facts":{"x":1}}`, "\xff\xfe", `{"domains":"a"}`,
		`{"confidential":["data_sources"],"CONFIDENTIAL":[],"data_sources":{"en":"z"}}`,
		`{"facts":{"profiling":true,"profiling":false}}`, `{"facts":{"Profiling":true}}`, `{"Provider":"org_x"}`,
		`{"trade_name":{"en":"a","en":"b"}}`, `{"trade_name":{"en":"\ud800"}}`, `{"trade_name":{"en":"\udc00\ud800"}}`,
		`{"trade_name":{"en":"\ud83d\ude00"},"system_version":"1","status":"active","intended_purpose":{"he":"מערכת\r\nשורה"},"domains":["general.translation"],"deployment_countries":["IL"],"facts":{}}`,
		`{"trade_name":{"en":"a\u0000b"},"intended_purpose":{"ar":"\u202e"},"reference":"\u0085","info_url":"https://u:p@x.example/"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var body fileBody
		err := decodeBytes(data, &body)
		if err != nil {
			checkError(t, err)
			return
		}
		var lax fileBody
		if err := json.Unmarshal(data, &lax); err != nil || !reflect.DeepEqual(lax, body) {
			t.Fatalf("encoding/json reads the accepted body %q otherwise (%v):\n%+v\n%+v", data, err, body, lax)
		}
		n, err := body.Filing.Normalize()
		if err != nil {
			checkError(t, err)
			return
		}
		for _, text := range [][]string{n.TradeName.Values(), n.IntendedPurpose.Values(), n.OperatingLogic.Values(), n.DataSources.Values(), {n.Reference, n.SystemVersion, n.InfoURL}} {
			for _, s := range text {
				if msg := accord.CheckText(s, accord.LongText); msg != "" {
					t.Fatalf("a valid filing holds %q, which %s", s, msg)
				}
			}
		}
		again, err := n.Normalize()
		if err != nil || !reflect.DeepEqual(again, n) {
			t.Fatalf("Normalize is not idempotent: %v\n%+v\n%+v", err, n, again)
		}
		c, err := accord.Canonical(n)
		if err != nil {
			t.Fatalf("canonical form of a valid filing: %v", err)
		}
		var back accord.Filing
		if err := json.Unmarshal(c, &back); err != nil {
			t.Fatalf("canonical form does not decode: %v", err)
		}
		back, err = back.Normalize()
		if err != nil {
			t.Fatalf("canonical form does not validate: %v", err)
		}
		c2, _ := accord.Canonical(back)
		if string(c) != string(c2) {
			t.Fatalf("canonical form is not stable:\n%s\n%s", c, c2)
		}
	})
}

func checkError(t *testing.T, err error) {
	e, ok := err.(*accord.Error)
	if !ok {
		t.Fatalf("error is %T (%v), not *accord.Error", err, err)
	}
	if _, ok := statusOf[e.Code]; !ok {
		t.Fatalf("error code %q has no HTTP status", e.Code)
	}
	if e.Message == "" {
		t.Fatal("error without a message")
	}
}

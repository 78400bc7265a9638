package registry

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/demo"
	"github.com/accord-gov/accord/frameworks"
	"github.com/accord-gov/accord/rules"
)

// TestClassInputCoversFiling: every field of accord.Filing is either read
// into classInput or named here as one classification never reads. A new
// filing field fails this test until it is put on one side.
func TestClassInputCoversFiling(t *testing.T) {
	notRead := []string{"TradeName", "Reference", "SystemVersion", "IntendedPurpose", "OperatingLogic", "DataSources", "Documents", "InfoURL", "OtherDomain"}
	in := reflect.TypeFor[classInput]()
	ft := reflect.TypeFor[accord.Filing]()
	for i := range ft.NumField() {
		f := ft.Field(i)
		c, ok := in.FieldByName(f.Name)
		switch {
		case ok && slices.Contains(notRead, f.Name):
			t.Errorf("Filing.%s is both read and listed as not read", f.Name)
		case ok && (c.Type != f.Type || c.Tag.Get("json") != jsonName(f)):
			t.Errorf("classInput.%s is %s %q, Filing.%s is %s %q", f.Name, c.Type, c.Tag.Get("json"), f.Name, f.Type, jsonName(f))
		case !ok && !slices.Contains(notRead, f.Name):
			t.Errorf("Filing.%s is neither in classInput nor listed as not read by classification", f.Name)
		}
	}
	// And the outcome from the narrow decoding is the outcome of the filing.
	packs, err := frameworks.Packs()
	if err != nil {
		t.Fatal(err)
	}
	systems, err := demo.Systems()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, s := range systems {
		b, err := json.Marshal(accord.SystemVersion{Filing: s.Filing})
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Filing classInput `json:"filing"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		want, got := rules.OutcomeWithheld(s.Filing, s.Filing.Confidential, packs, at), rules.OutcomeWithheld(v.Filing.filing(), v.Filing.Confidential, packs, at)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: outcome from the stored version differs:\n got %+v\nwant %+v", s.Key, got.Summary, want.Summary)
		}
	}
}

// jsonName is a field's JSON name without options.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

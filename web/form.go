package web

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/accord-gov/accord"
)

// The filing form maps one-to-one onto accord.Filing. Its inputs are named
// after the JSON paths Filing.Normalize reports problems under, so each
// problem lands next to its own input:
//
//	trade_name.<lang>            one input per UN language (+ one free row)
//	domains, algorithm_types …   checkboxes
//	deployment_countries         ISO codes, separated by spaces or commas
//	facts.<name>                 yes / no / not stated, or a number
//	documents.<i>.<part>         document rows
//
// Input ids are the paths with "." and "[i]" turned into "-", prefixed "f-".

// textFields are the multilingual fields, in form order.
var textFields = []struct {
	name     string
	required bool
	long     bool
}{
	{"trade_name", true, false},
	{"intended_purpose", true, true},
	{"operating_logic", false, true},
	{"data_sources", false, true},
}

// maxDocRows bounds the document rows a form may post.
const maxDocRows = 32

// fieldID turns a JSON path into the id of its input.
func fieldID(path string) string {
	r := strings.NewReplacer(".", "-", "[", "-", "]", "")
	return "f-" + r.Replace(path)
}

// formErrors are localised problems by input id, plus form-wide ones.
type formErrors struct {
	byID   map[string][]string
	global []string
	order  []string // ids in the order reported, for the summary
}

func (e *formErrors) add(id, msg string) {
	if e.byID == nil {
		e.byID = map[string][]string{}
	}
	if _, ok := e.byID[id]; !ok {
		e.order = append(e.order, id)
	}
	if !slices.Contains(e.byID[id], msg) {
		e.byID[id] = append(e.byID[id], msg)
	}
}

func (e *formErrors) empty() bool { return len(e.byID) == 0 && len(e.global) == 0 }

// parseFiling reads a posted form into a filing. Problems the form itself
// can see (a number that is not a number) are reported here; everything
// else is left to Filing.Normalize. docRows maps each document of the
// filing to its row in the form (blank rows are skipped).
func parseFiling(l *Locale, v url.Values, errs *formErrors) (f accord.Filing, docRows []int) {
	text := func(name string) accord.Text {
		t := accord.Text{}
		for _, code := range localeCodes {
			if s := strings.TrimSpace(v.Get(name + "." + code)); s != "" {
				t[code] = v.Get(name + "." + code)
			}
		}
		tag := strings.TrimSpace(v.Get(name + ".other_lang"))
		txt := v.Get(name + ".other_text")
		switch {
		case tag != "" && strings.TrimSpace(txt) != "":
			if _, dup := t[tag]; dup {
				errs.add(fieldID(name+".other"), l.T("err.lang_repeat", "lang", tag))
			} else {
				t[tag] = txt
			}
		case tag != "":
			errs.add(fieldID(name+".other"), l.T("err.text_empty"))
		case strings.TrimSpace(txt) != "":
			errs.add(fieldID(name+".other"), l.T("err.lang_missing"))
		}
		if len(t) == 0 {
			return nil
		}
		return t
	}
	f.TradeName = text("trade_name")
	f.IntendedPurpose = text("intended_purpose")
	f.OperatingLogic = text("operating_logic")
	f.DataSources = text("data_sources")
	f.Reference = v.Get("reference")
	f.SystemVersion = v.Get("system_version")
	f.Status = v.Get("status")
	f.Domains = v["domains"]
	f.AlgorithmTypes = v["algorithm_types"]
	f.DeployerKinds = v["deployer_kinds"]
	f.AffectedPersons = v["affected_persons"]
	f.PersonalData = v["personal_data"]
	f.Confidential = v["confidential"]
	f.DeploymentCountries = countryCodes(v.Get("deployment_countries"))
	f.Roles = v["roles"]
	f.EstablishedIn = countryCodes(v.Get("established_in"))
	f.OutputUsedIn = countryCodes(v.Get("output_used_in"))
	f.OtherDomain = v.Get("other_domain")
	f.InfoURL = v.Get("info_url")
	f.Facts = parseFacts(l, v, errs)
	for i := range maxDocRows {
		p := "documents." + strconv.Itoa(i) + "."
		d := accord.Document{Kind: v.Get(p + "kind"), Title: v.Get(p + "title"), URL: v.Get(p + "url"), SHA256: v.Get(p + "sha256")}
		if strings.TrimSpace(d.Title+d.URL+d.SHA256) == "" {
			continue // a blank row (its kind select always has a value)
		}
		f.Documents = append(f.Documents, d)
		docRows = append(docRows, i)
	}
	return f, docRows
}

// countryCodes splits a list of country codes typed in any of the
// languages' list separators.
func countryCodes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '、' || r == '،' || r == '，'
	})
}

func parseFacts(l *Locale, v url.Values, errs *formErrors) accord.Facts {
	var facts accord.Facts
	fv := reflect.ValueOf(&facts).Elem()
	for _, d := range accord.FactDocs {
		name := "facts." + d.Name
		s := strings.TrimSpace(v.Get(name))
		if s == "" {
			continue
		}
		field := fv.Field(factIndex[d.Name])
		switch d.Type {
		case "boolean":
			switch s {
			case "yes":
				field.Set(reflect.ValueOf(ptr(true)))
			case "no":
				field.Set(reflect.ValueOf(ptr(false)))
			default:
				errs.add(fieldID(name), l.T("err.choice"))
			}
		case "number":
			x, err := parseNumber(s)
			if err != nil {
				errs.add(fieldID(name), l.T("err.number"))
				continue
			}
			field.Set(reflect.ValueOf(&x))
		case "integer":
			x, err := strconv.ParseInt(strings.NewReplacer(",", "", " ", "", "_", "", "\u00a0", "", "\u202f", "", ".", "").Replace(s), 10, 64)
			if err != nil {
				errs.add(fieldID(name), l.T("err.integer"))
				continue
			}
			field.Set(reflect.ValueOf(&x))
		case "string":
			field.Set(reflect.ValueOf(&s))
		}
	}
	return facts
}

func ptr[T any](v T) *T { return &v }

// parseNumber reads numbers as people write them: 3.8e25, 3,8e25, 3.8×10^25.
func parseNumber(s string) (float64, error) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "×10^", "e", "x10^", "e", "*10^", "e").Replace(s)
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("not a number")
	}
	return x, nil
}

// filingValues turns a filing into form values, to fill the form for an update.
func filingValues(f accord.Filing) url.Values {
	v := url.Values{}
	text := func(name string, t accord.Text) {
		other := 0
		for _, tag := range t.Tags() {
			if slices.Contains(localeCodes, tag) {
				v.Set(name+"."+tag, t[tag])
			} else if other == 0 {
				// The form has one free row; further languages are kept
				// in hidden rows by the template (see extraLangs).
				v.Set(name+".other_lang", tag)
				v.Set(name+".other_text", t[tag])
				other++
			}
		}
	}
	text("trade_name", f.TradeName)
	text("intended_purpose", f.IntendedPurpose)
	text("operating_logic", f.OperatingLogic)
	text("data_sources", f.DataSources)
	v.Set("reference", f.Reference)
	v.Set("system_version", f.SystemVersion)
	v.Set("status", f.Status)
	v["domains"] = f.Domains
	v["algorithm_types"] = f.AlgorithmTypes
	v["deployer_kinds"] = f.DeployerKinds
	v["affected_persons"] = f.AffectedPersons
	v["personal_data"] = f.PersonalData
	v["confidential"] = f.Confidential
	v.Set("deployment_countries", strings.Join(f.DeploymentCountries, " "))
	v["roles"] = f.Roles
	v.Set("established_in", strings.Join(f.EstablishedIn, " "))
	v.Set("output_used_in", strings.Join(f.OutputUsedIn, " "))
	v.Set("other_domain", f.OtherDomain)
	v.Set("info_url", f.InfoURL)
	fv := reflect.ValueOf(f.Facts)
	for _, d := range accord.FactDocs {
		x := fv.Field(factIndex[d.Name])
		if x.IsNil() {
			continue
		}
		switch e := x.Elem().Interface().(type) {
		case bool:
			v.Set("facts."+d.Name, map[bool]string{true: "yes", false: "no"}[e])
		case float64:
			v.Set("facts."+d.Name, strconv.FormatFloat(e, 'g', -1, 64))
		case int64:
			v.Set("facts."+d.Name, strconv.FormatInt(e, 10))
		case string:
			v.Set("facts."+d.Name, e)
		}
	}
	for i, d := range f.Documents {
		p := "documents." + strconv.Itoa(i) + "."
		v.Set(p+"kind", d.Kind)
		v.Set(p+"title", d.Title)
		v.Set(p+"url", d.URL)
		v.Set(p+"sha256", d.SHA256)
	}
	return v
}

var (
	quotedRe = regexp.MustCompile(`^"((?:[^"\\]|\\.)*)"`)
	limitRe  = regexp.MustCompile(`the limit is (\d+)`)
	indexRe  = regexp.MustCompile(`\[(\d+)\]`)
)

// problemRules localise the problems Filing.Normalize reports. Each maps a
// fragment of the English message to a catalogue key; a test feeds every
// kind of bad filing through Normalize and fails on any message that falls
// through to the generic "err.invalid".
var problemRules = []struct{ match, key string }{
	{"cannot be set to withdrawn", "err.status_withdrawn"},
	{"is not a status", "err.status"},
	{"is required: one of planned", "err.required_choice"},
	{"is required: give at least one code", "err.required_one"},
	{"is required: give at least one ISO 3166-1", "err.required_country"},
	{`is required when domains lists "other"`, "err.other_domain_required"},
	{`is only for a filing whose domains list "other"`, "err.other_domain_unused"},
	{"is required: give the text in at least one language", "err.text_required"},
	{"(write it in upper case", "err.country_case"},
	{"(the ISO code of the United Kingdom is GB)", "err.country_uk"},
	{"(list the member states instead)", "err.country_eu"},
	{"is not an ISO 3166-1 alpha-2 country code", "err.country"},
	{"is not a known code", "err.code"},
	{"is not a document kind", "err.document_kind"},
	{"cannot be marked confidential", "err.confidential"},
	{"is not a BCP 47 language tag", "err.lang_tag"},
	{"is empty: remove the language", "err.text_empty"},
	{"repeats language", "err.lang_repeat"},
	{"characters long; the limit is", "err.too_long"},
	{"is longer than", "err.url_long"},
	{"entries; the limit is", "err.too_many"},
	{"documents; the limit is", "err.too_many"},
	{"must be an absolute http(s) URL", "err.url"},
	{"must be the SHA-256", "err.sha256"},
	{"must be a non-negative number of FLOP", "err.flop"},
	{"must not be negative", "err.negative"},
	{"is not valid UTF-8", "err.utf8"},
	{"is required", "err.required"},
}

// localizeProblem turns one of Normalize's problems into the id of the
// input it belongs to and a message in the reader's language.
func localizeProblem(l *Locale, fe accord.FieldError, docRows []int) (id, msg string) {
	key := "err.invalid"
	for _, r := range problemRules {
		if strings.Contains(fe.Message, r.match) {
			key = r.key
			break
		}
	}
	value := ""
	if m := quotedRe.FindStringSubmatch(fe.Message); m != nil {
		if s, err := strconv.Unquote(`"` + m[1] + `"`); err == nil {
			value = s
		}
	}
	limit := ""
	if m := limitRe.FindStringSubmatch(fe.Message); m != nil {
		limit = m[1]
	}
	n, _ := strconv.Atoi(limit)
	lang := ""
	if _, tag, ok := strings.Cut(fe.Field, "."); ok {
		lang = tag
	}
	if key == "err.lang_repeat" {
		lang = strings.TrimSpace(fe.Message[strings.LastIndex(fe.Message, " ")+1:])
	}
	msg = l.T(key, "value", value, "limit", n, "upper", strings.ToUpper(value), "lang", lang)
	return inputFor(fe.Field, docRows), msg
}

// inputFor finds the input a JSON path belongs to.
func inputFor(path string, docRows []int) string {
	for _, tf := range textFields {
		if rest, ok := strings.CutPrefix(path, tf.name+"."); ok {
			if slices.Contains(localeCodes, rest) {
				return fieldID(path)
			}
			return fieldID(tf.name + ".other")
		}
	}
	// Items of checkbox lists and the countries box belong to the whole list.
	if i := strings.IndexByte(path, '['); i > 0 && !strings.HasPrefix(path, "documents[") {
		return fieldID(path[:i])
	}
	if strings.HasPrefix(path, "documents[") {
		m := indexRe.FindStringSubmatch(path)
		if m == nil {
			return fieldID("documents")
		}
		i, _ := strconv.Atoi(m[1])
		if i >= len(docRows) {
			return fieldID("documents")
		}
		return fieldID("documents." + strconv.Itoa(docRows[i]) + path[len(m[0])+len("documents"):])
	}
	return fieldID(path)
}

package accord

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		kind TextKind
		want string // "" = accepted, else in the message
	}{
		{"latin", "CV Screener 2.1", Line, ""},
		{"arabic", "مُرَشِّح السِّيَر الذّاتية", Line, ""},
		{"hebrew", "מערכת דירוג מועמדים", Line, ""},
		{"mixed direction", "نظام CV Screener", Line, ""},
		{"chinese", "简历筛选助手", Line, ""},
		{"ZWNJ in Persian", "می\u200cخواهم", Line, ""},
		{"ZWJ in an emoji sequence", "👩\u200d💻", Line, ""},
		{"LRM and RLM", "\u200fنظام\u200e v2", Line, ""},
		{"Arabic letter mark", "\u061cنظام", Line, ""},
		{"emoji beyond U+FFFF", "🤖", Line, ""},
		{"newline in long text", "Ranks applications.\nSecond paragraph.", LongText, ""},
		{"tab in long text", "a\tb", LongText, ""},
		{"paragraph separator in long text", "a\u2029b", LongText, ""},
		{"NUL", "a\x00b", Line, "the control character U+0000 at character 2"},
		{"NUL in long text", "a\x00b", LongText, "U+0000"},
		{"escape", "\x1b[31mred", Line, "the control character U+001B at character 1"},
		{"bell in long text", "a\x07", LongText, "U+0007"},
		{"DEL", "a\x7f", Line, "U+007F at character 2"},
		{"C1 next line", "a\u0085b", LongText, "U+0085"},
		{"newline in a line", "a\nb", Line, "a line break or tab U+000A at character 2: this field is one line"},
		{"tab in a line", "a\tb", Line, "U+0009"},
		{"carriage return in a line", "a\rb", Line, "U+000D"},
		{"line separator in a line", "a\u2028b", Line, "U+2028"},
		{"right-to-left override", "abc\u202Egpj.exe", Line, "the bidirectional formatting character U+202E at character 4"},
		{"left-to-right embedding", "\u202Ax", LongText, "U+202A"},
		{"pop directional formatting", "x\u202C", Line, "U+202C"},
		{"right-to-left isolate", "\u2067x\u2069", LongText, "U+2067"},
		{"first strong isolate", "\u2068x", Line, "U+2068"},
		{"pop directional isolate", "x\u2069", Line, "U+2069"},
		{"invalid UTF-8", "ab\xff", Line, "is not valid UTF-8 (byte 2)"},
		{"encoded surrogate", "a\xed\xa0\x80", LongText, "is not valid UTF-8 (byte 1)"},
		{"replacement character", "a\uFFFDb", Line, "the replacement character U+FFFD at character 2"},
		{"noncharacter", "a\uFDD0", Line, "the noncharacter U+FDD0"},
		{"noncharacter FFFE", "a\uFFFE", LongText, "U+FFFE"},
		{"plane 1 noncharacter", "a\U0001FFFF", Line, "U+1FFFF"},
		{"position counts characters, not bytes", "推荐\x00", Line, "at character 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckText(tt.in, tt.kind)
			switch {
			case tt.want == "" && got != "":
				t.Errorf("CheckText(%q) = %q, want it accepted", tt.in, got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("CheckText(%q) = %q, want %q in it", tt.in, got, tt.want)
			}
		})
	}
}

func TestTextField(t *testing.T) {
	tests := []struct {
		in, want string
		kind     TextKind
		err      string
	}{
		{"  padded  ", "padded", Line, ""},
		{"a\r\nb\rc\n", "a\nb\nc", LongText, ""}, // CRLF and CR become LF
		{"a\r\nb", "", Line, "U+000D"},           // a line has no line ends
		{"", "", Line, "is required"},
		{strings.Repeat("é", 11), "", Line, "is 11 characters long; the limit is 10"},
		{strings.Repeat("é", 10), strings.Repeat("é", 10), Line, ""},
	}
	for _, tt := range tests {
		got, err := TextField("f", tt.in, tt.kind, 10, true)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("TextField(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("TextField(%q) error = %v, want %q", tt.in, err, tt.err)
		case tt.err != "":
			if e := err.(*Error); e.Fields[0].Field != "f" {
				t.Errorf("error names %q", e.Fields[0].Field)
			}
		}
	}
}

// TestFilingTextFields puts each refused character into every text field a
// filer writes, and checks that the field is named; the characters text
// needs (RTL, ZWJ/ZWNJ, marks, newlines in long texts) pass everywhere.
func TestFilingTextFields(t *testing.T) {
	base := func() Filing {
		lic := "MIT"
		return Filing{TradeName: Text{"en": "X"}, SystemVersion: "1", Status: "active", IntendedPurpose: Text{"en": "Y"},
			Domains: []string{"general.translation"}, DeploymentCountries: []string{"FR"},
			OperatingLogic: Text{"en": "Z"}, DataSources: Text{"en": "W"}, Reference: "R-1", Facts: Facts{Licence: &lic},
			Documents: []Document{{Kind: "other", Title: "T", URL: "https://x.example/a", SHA256: strings.Repeat("ab", 32)}}}
	}
	fields := []struct {
		path string
		long bool
		set  func(f *Filing, s string)
	}{
		{"trade_name.ar", false, func(f *Filing, s string) { f.TradeName["ar"] = s }},
		{"intended_purpose.he", true, func(f *Filing, s string) { f.IntendedPurpose["he"] = s }},
		{"operating_logic.en", true, func(f *Filing, s string) { f.OperatingLogic["en"] = s }},
		{"data_sources.fr", true, func(f *Filing, s string) { f.DataSources["fr"] = s }},
		{"reference", false, func(f *Filing, s string) { f.Reference = s }},
		{"system_version", false, func(f *Filing, s string) { f.SystemVersion = s }},
		{"documents[0].title", false, func(f *Filing, s string) { f.Documents[0].Title = s }},
		{"facts.licence", false, func(f *Filing, s string) { f.Facts.Licence = &s }},
	}
	bad := map[string]string{"NUL": "a\x00b", "C0": "a\x01b", "DEL": "a\x7fb", "C1": "a\u009bb", "RLO": "a\u202eb", "LRI": "a\u2066b",
		"invalid UTF-8": "a\xffb", "U+FFFD": "a\ufffdb"}
	good := []string{"مُرَشِّح", "מערכת", "می\u200cخواهم", "👩\u200d💻", "\u200fنظام\u200e"}
	for _, fd := range fields {
		for name, s := range bad {
			f := base()
			fd.set(&f, s)
			_, err := f.Normalize()
			if e, ok := err.(*Error); !ok || len(e.Fields) != 1 || e.Fields[0].Field != fd.path || !strings.Contains(e.Fields[0].Message, "U+") && !strings.Contains(e.Fields[0].Message, "UTF-8") {
				t.Errorf("%s with %s: %v, want one problem naming %s and the character", fd.path, name, err, fd.path)
			}
		}
		for _, s := range good {
			f := base()
			fd.set(&f, s)
			if _, err := f.Normalize(); err != nil {
				t.Errorf("%s = %q: %v", fd.path, s, err)
			}
		}
		f := base()
		fd.set(&f, "line one\r\nline two")
		n, err := f.Normalize()
		if fd.long {
			if err != nil {
				t.Errorf("%s with CRLF: %v", fd.path, err)
			} else if c, _ := Canonical(n); strings.Contains(string(c), `\r`) {
				t.Errorf("%s: CRLF not normalised: %s", fd.path, c)
			}
		} else if err == nil {
			t.Errorf("%s accepts a line break", fd.path)
		}
	}
}

func TestOrganizationTextFields(t *testing.T) {
	tests := []struct {
		name  string
		org   NewOrganization
		field string
	}{
		{"NUL in a name", NewOrganization{Name: Text{"en": "Acme\x00"}}, "name.en"},
		{"bidi override in a name", NewOrganization{Name: Text{"ar": "شركة\u202e"}}, "name.ar"},
		{"newline in a name", NewOrganization{Name: Text{"en": "Acme\nInc"}}, "name.en"},
		{"control in an address", NewOrganization{Name: Text{"en": "A"}, Contact: Contact{Address: "1 Rue X\x1b"}}, "contact.address"},
		{"control in an e-mail", NewOrganization{Name: Text{"en": "A"}, Contact: Contact{Email: "a\x00@b.example"}}, "contact.email"},
		{"password in the website", NewOrganization{Name: Text{"en": "A"}, Contact: Contact{Website: "https://user:pass@acme.example/"}}, "contact.website"},
		{"user in the website", NewOrganization{Name: Text{"en": "A"}, Contact: Contact{Website: "https://admin@acme.example/"}}, "contact.website"},
	}
	for _, tt := range tests {
		tt.org.Kind, tt.org.Country = "provider", "FR"
		_, err := tt.org.Normalize()
		if e, ok := err.(*Error); !ok || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
			t.Errorf("%s: %v, want one problem naming %s", tt.name, err, tt.field)
		}
	}
	ok := NewOrganization{Name: Text{"ar": "شركة أكمي", "he": "אקמי"}, Kind: "provider", Country: "FR",
		Contact: Contact{Address: "1 Rue X\r\n75001 Paris", Website: "https://acme.example/about?x=1#y"}}
	n, err := ok.Normalize()
	if err != nil || n.Contact.Address != "1 Rue X\n75001 Paris" {
		t.Errorf("valid organization: %+v, %v", n, err)
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://acme.example/ifu.pdf", true},
		{"http://acme.example:8080/a?b=c#d", true},
		{"https://例え.jp/パス", true},
		{"https://user:pass@acme.example/", false},
		{"https://user@acme.example/", false},
		{"https://:pass@acme.example/", false},
		{"https://acme.example/a b", false},
		{"https://acme.example\\@evil.example/", false},
		{"https://acme.example/\x00", false},
		{"https://acme.example/\u202egnp.exe", false},
		{"ftp://acme.example/", false},
		{"https:acme.example", false},
		{"https://:443/", false},
		{"//acme.example/", false},
		{"javascript:alert(1)", false},
	}
	for _, tt := range tests {
		var p Problems
		checkURL("u", tt.url, &p)
		if (len(p) == 0) != tt.ok {
			t.Errorf("checkURL(%q): %v, want ok=%v", tt.url, p, tt.ok)
		}
	}
}

package accord

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"
	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
)

// Licences of shared resources are SPDX licence expressions (SPDX
// specification, Annex D), checked against the SPDX License List that
// github.com/github/go-spdx/v2 v2.8.0 embeds: list version 3.29.0
// (SPDXListVersion). Licences the list lacks — OpenRAIL, Llama, Gemma and
// other model licences — are written LicenseRef-<id> and must come with the
// SHA-256 of their text (LicenceRef), so that anyone can tell which text
// was meant.

// SPDXListVersion is the version of the SPDX License List licence
// expressions are checked against.
func SPDXListVersion() string { return spdxlicenses.LicenseListVersion() }

// MaxLicenceExpression bounds a licence expression, in bytes.
const MaxLicenceExpression = 512

// LicenceRef describes a licence an expression names as LicenseRef-…: the
// SPDX list does not hold it, so its text is pinned by hash.
type LicenceRef struct {
	ID     string `json:"id"`            // LicenseRef-hf-llama3
	Name   string `json:"name"`          // Llama 3 Community License
	URL    string `json:"url,omitempty"` // where the text is
	SHA256 string `json:"sha256"`        // hex SHA-256 of the licence text
}

// ParseLicence checks an SPDX licence expression and returns it in
// canonical form: every licence and exception id spelt as the SPDX list
// spells it ("apache-2.0" → "Apache-2.0", "GPL-2.0+" → "GPL-2.0-or-later"),
// operators in upper case, single spaces. Deprecated ids are refused with
// their replacement where the list gives one. It also returns the
// LicenseRef ids the expression names, in order of appearance.
func ParseLicence(expr string) (canonical string, refs []string, err error) {
	if len(expr) > MaxLicenceExpression {
		return "", nil, fmt.Errorf("is longer than %d bytes", MaxLicenceExpression)
	}
	toks, err := licenceTokens(expr)
	if err != nil {
		return "", nil, err
	}
	if len(toks) == 0 {
		return "", nil, fmt.Errorf("is empty: give an SPDX licence expression, e.g. Apache-2.0 or MIT OR CC-BY-4.0")
	}
	out := make([]string, 0, len(toks))
	afterWith := false
	for _, t := range toks {
		u := strings.ToUpper(t)
		switch u {
		case "AND", "OR", "WITH":
			out = append(out, u)
			afterWith = u == "WITH"
			continue
		case "(", ")":
			out = append(out, t)
			continue
		}
		id, ok := canonicalLicenceID(t, afterWith)
		if !ok {
			if afterWith {
				return "", nil, fmt.Errorf("%q is not an exception of the SPDX License List %s", t, SPDXListVersion())
			}
			return "", nil, fmt.Errorf("%q is not a licence of the SPDX License List %s: use its id (e.g. Apache-2.0, CC-BY-4.0) or LicenseRef-<name> with the licence text's hash", t, SPDXListVersion())
		}
		if strings.Contains(id, "LicenseRef-") {
			refs = append(refs, id)
		}
		out = append(out, id)
		afterWith = false
	}
	canonical = joinLicence(out)
	if ok, _ := spdxexp.ValidateLicensesWithOptions([]string{canonical}, spdxexp.ValidateLicensesOptions{}); !ok {
		if _, err := spdxexp.ExtractLicenses(canonical); err != nil {
			return "", nil, fmt.Errorf("%q is not a valid SPDX expression: %v", expr, err)
		}
		return "", nil, fmt.Errorf("%q is not a valid SPDX expression", expr)
	}
	for _, id := range out {
		if dep, repl := deprecatedLicence(id); dep {
			if repl != "" {
				return "", nil, fmt.Errorf("%q is a deprecated SPDX id: use %s", id, repl)
			}
			return "", nil, fmt.Errorf("%q is a deprecated SPDX id", id)
		}
	}
	return canonical, refs, nil
}

// licenceTokens splits an expression into ids, operators and parentheses.
func licenceTokens(expr string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range expr {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			flush()
		case r == '(' || r == ')':
			flush()
			toks = append(toks, string(r))
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '+', r == ':':
			cur.WriteRune(r)
		default:
			return nil, fmt.Errorf("%q holds %q: a licence expression has only letters, digits, - . + : ( ) and spaces", expr, r)
		}
	}
	flush()
	return toks, nil
}

// canonicalLicenceID spells an id as the SPDX list does.
func canonicalLicenceID(t string, exception bool) (string, bool) {
	if exception {
		ok, id := spdxlicenses.IsException(t)
		return id, ok
	}
	if ref, ok := canonicalRef(t); ok {
		return ref, true
	}
	plus := strings.HasSuffix(t, "+")
	base := strings.TrimSuffix(t, "+")
	if plus {
		if ok, id := spdxlicenses.IsActiveLicense(base + "-or-later"); ok {
			return id, true
		}
	}
	if ok, id := spdxlicenses.IsActiveLicense(base); ok {
		if plus {
			if ok, id2 := spdxlicenses.IsActiveLicense(id + "-or-later"); ok {
				return id2, true
			}
			return id + "+", true
		}
		return id, true
	}
	if ok, id := spdxlicenses.IsDeprecatedLicense(base); ok {
		if plus {
			id += "+"
		}
		return id, true
	}
	return "", false
}

// canonicalRef reads LicenseRef-x or DocumentRef-y:LicenseRef-x (the
// prefixes in their SPDX spelling; idstring: letters, digits, . and -).
func canonicalRef(t string) (string, bool) {
	doc := ""
	if i := strings.IndexByte(t, ':'); i >= 0 {
		d, ok := cutFold(t[:i], "DocumentRef-")
		if !ok || !idstring(d) {
			return "", false
		}
		doc, t = "DocumentRef-"+d+":", t[i+1:]
	}
	id, ok := cutFold(t, "LicenseRef-")
	if !ok || !idstring(id) {
		return "", false
	}
	return doc + "LicenseRef-" + id, true
}

func cutFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

func idstring(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

func deprecatedLicence(id string) (bool, string) {
	base := strings.TrimSuffix(id, "+")
	if ok, d := spdxlicenses.IsDeprecatedLicense(base); ok && d == base {
		{
			repl := ""
			switch {
			case strings.HasSuffix(id, "+"):
				repl = base + "-or-later"
			case strings.HasPrefix(base, "GPL-") || strings.HasPrefix(base, "LGPL-") || strings.HasPrefix(base, "AGPL-") || strings.HasPrefix(base, "GFDL-"):
				repl = base + "-only or " + base + "-or-later"
			}
			if repl != "" {
				if ok, _ := spdxlicenses.IsActiveLicense(strings.Fields(repl)[0]); !ok {
					repl = ""
				}
			}
			return true, repl
		}
	}
	return false, ""
}

func joinLicence(toks []string) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t != ")" && toks[i-1] != "(" {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}

// LicenceIDs lists the licence ids (not exceptions) of a canonical
// expression, for facets: "MIT OR Apache-2.0" → [MIT Apache-2.0].
func LicenceIDs(canonical string) []string {
	toks, _ := licenceTokens(canonical)
	var out []string
	for i, t := range toks {
		switch t {
		case "AND", "OR", "WITH", "(", ")":
			continue
		}
		if i > 0 && toks[i-1] == "WITH" {
			continue
		}
		out = append(out, t)
	}
	return out
}

func validSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32 && strings.ToLower(s) == s
}

package resource

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/strictjson"
	"github.com/accord-gov/accord/internal/yamljson"
)

// Imports from the field's metadata: a Hugging Face model or dataset card
// (the YAML front matter of its README.md, hub-docs "model-cards" and the
// dataset card template) and a Croissant 1.0/1.1 JSON-LD document
// (MLCommons, with the RAI 1.0 properties). An import makes a filing for
// the provider to review and publish; it stores nothing. Problems name
// the document's field as "document.<key>".

// Import formats.
const (
	FormatHFModelCard   = "hf-model-card"
	FormatHFDatasetCard = "hf-dataset-card"
	FormatCroissant     = "croissant"
)

// MaxImport bounds an imported document.
const MaxImport = 1 << 20

// ImportRequest is the request body of POST /v1/resource-imports.
type ImportRequest = accord.ResourceImport

// Import turns a card or a Croissant document into a filing.
func Import(req accord.ResourceImport) (accord.ResourceFiling, error) {
	var f accord.ResourceFiling
	var err error
	if len(req.Document) > MaxImport {
		return f, accord.FieldErrorf("document", "is over %d bytes", MaxImport)
	}
	if strings.TrimSpace(req.Document) == "" {
		return f, accord.FieldErrorf("document", "is required: the card's README.md (or its YAML) or the Croissant JSON-LD")
	}
	switch req.Format {
	case FormatHFModelCard, FormatHFDatasetCard:
		f, err = importCard(req)
	case FormatCroissant:
		f, err = importCroissant(req)
	default:
		return f, accord.FieldErrorf("format", "%q: use %s, %s or %s", req.Format, FormatHFModelCard, FormatHFDatasetCard, FormatCroissant)
	}
	if err != nil {
		return f, err
	}
	if len(req.Title) > 0 {
		f.Title = req.Title
	}
	if len(f.Title) == 0 {
		return f, accord.FieldErrorf("title", "the document gives no name: give the title")
	}
	n, err := f.Normalize()
	if err != nil {
		return f, err
	}
	return n, nil
}

// frontMatter returns the YAML of a card: the block between the first two
// "---" lines of a README.md, or the whole document if it has none.
func frontMatter(doc string) (string, error) {
	doc = strings.TrimPrefix(doc, "\ufeff")
	if !strings.HasPrefix(doc, "---") {
		return doc, nil
	}
	rest := doc[3:]
	rest = strings.TrimLeft(rest, " \t")
	if !strings.HasPrefix(rest, "\n") && !strings.HasPrefix(rest, "\r\n") {
		return "", accord.FieldErrorf("document", "starts with --- but not on a line of its own")
	}
	end := strings.Index(rest, "\n---")
	if end < 0 {
		return "", accord.FieldErrorf("document", "has no closing --- line after its YAML front matter")
	}
	return rest[:end], nil
}

// hfModalities maps Hugging Face pipeline tags to modalities.
var hfModalities = map[string]string{
	"automatic-speech-recognition": "audio", "text-to-speech": "audio", "audio-classification": "audio",
	"text-generation": "text", "translation": "text", "text-classification": "text", "summarization": "text",
	"fill-mask": "text", "token-classification": "text", "question-answering": "text",
	"image-classification": "image", "object-detection": "image", "text-to-image": "image", "image-segmentation": "image",
	"video-classification": "video", "tabular-classification": "structured_data", "tabular-regression": "structured_data",
}

// EU27 are the member states a card's extra_gated_eu_disallowed excludes.
var EU27 = []string{"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}

type card map[string]any

func (c card) str(p *accord.Problems, key string) string {
	v, ok := c[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.Add("document."+key, "must be a string")
	}
	return s
}

// strs reads a string or a list of strings.
func (c card) strs(p *accord.Problems, key string) []string {
	switch v := c[key].(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for i, x := range v {
			s, ok := x.(string)
			if !ok {
				p.Add(fmt.Sprintf("document.%s[%d]", key, i), "must be a string")
				continue
			}
			out = append(out, s)
		}
		return out
	}
	p.Add("document."+key, "must be a string or a list of strings")
	return nil
}

var refID = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// hfLicence maps a card's licence to an SPDX expression: an SPDX id as it
// is, any other Hub id (openrail, llama3, gemma…) or "other" with its
// license_name as LicenseRef-hf-<id>, which needs the licence text's hash.
func hfLicence(req accord.ResourceImport, id, name, link string, p *accord.Problems) (string, []accord.LicenceRef) {
	if id == "" {
		p.Add("document.license", "is required: the card gives no licence")
		return "", nil
	}
	if id != "other" {
		if canon, refs, err := accord.ParseLicence(id); err == nil && len(refs) == 0 {
			return canon, nil
		}
	} else if id = name; id == "" {
		p.Add("document.license_name", "is required with license: other")
		return "", nil
	}
	ref := "LicenseRef-hf-" + strings.Trim(refID.ReplaceAllString(id, "-"), "-")
	if req.LicenceSHA256 == "" {
		p.Add("licence_sha256", "%s is not in the SPDX License List: give the SHA-256 of its text", ref)
		return ref, nil
	}
	label := name
	if label == "" {
		label = id
	}
	return ref, []accord.LicenceRef{{ID: ref, Name: label, URL: link, SHA256: req.LicenceSHA256}}
}

func importCard(req accord.ResourceImport) (accord.ResourceFiling, error) {
	var f accord.ResourceFiling
	y, err := frontMatter(req.Document)
	if err != nil {
		return f, err
	}
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(y), &node); err != nil {
		return f, accord.FieldErrorf("document", "is not YAML: %v", err)
	}
	var c card
	if err := yamljson.Decode(&node, &c); err != nil {
		return f, accord.FieldErrorf("document", "%v", err)
	}
	if c == nil {
		return f, accord.FieldErrorf("document", "has no YAML metadata")
	}
	var p accord.Problems
	f.Kind = "model"
	if req.Format == FormatHFDatasetCard {
		f.Kind = "dataset"
	}
	if t := c.str(&p, "pretty_name"); t != "" {
		f.Title = accord.Text{"en": t}
	} else if t := c.str(&p, "model_name"); t != "" {
		f.Title = accord.Text{"en": t}
	}
	f.Licence, f.LicenceRefs = hfLicence(req, c.str(&p, "license"), c.str(&p, "license_name"), c.str(&p, "license_link"), &p)
	langs := c.strs(&p, "language_details")
	if len(langs) == 0 {
		langs = c.strs(&p, "language")
	}
	for i, l := range langs {
		if _, err := accord.CanonicalLanguage(l); err != nil {
			p.Add(fmt.Sprintf("document.language[%d]", i), "%q is not a BCP 47 language tag", l)
		}
	}
	f.Languages = langs
	kw := append(c.strs(&p, "tags"), c.strs(&p, "task_categories")...)
	kw = append(kw, c.strs(&p, "task_ids")...)
	sort.Strings(kw)
	if len(kw) > 64 {
		kw = kw[:64]
	}
	f.Keywords = kw
	f.Terms = accord.AccessTerms{Mode: "open", Fee: accord.FeeTerms{Standard: "free"}}
	switch g := c["gated"].(type) {
	case nil, bool:
		if g == true {
			f.Terms.Mode = "gated"
		}
	case string:
		if g != "auto" && g != "manual" {
			p.Add("document.gated", "%q: a card's gated is true, auto or manual", g)
		}
		f.Terms.Mode = "gated"
	default:
		p.Add("document.gated", "must be true, auto or manual")
	}
	if eu, ok := c["extra_gated_eu_disallowed"]; ok {
		if b, isBool := eu.(bool); !isBool {
			p.Add("document.extra_gated_eu_disallowed", "must be true or false")
		} else if b {
			f.Terms.Excluded = EU27
		}
	}
	switch f.Kind {
	case "model":
		m := &accord.ModelDetails{}
		if bm := c.strs(&p, "base_model"); len(bm) > 0 {
			m.BaseModel = bm[0]
		}
		if mod := hfModalities[c.str(&p, "pipeline_tag")]; mod != "" {
			m.Modalities = []string{mod}
		}
		f.Model = m
	case "dataset":
		d := &accord.DatasetDetails{}
		for _, t := range c.strs(&p, "task_categories") {
			if mod := hfModalities[t]; mod != "" && !contains(d.Modalities, mod) {
				d.Modalities = append(d.Modalities, mod)
			}
		}
		f.Dataset = d
	}
	if err := p.Err(); err != nil {
		return f, err
	}
	return f, nil
}

// Croissant's conformsTo values.
var croissantVersions = []string{"http://mlcommons.org/croissant/1.0", "http://mlcommons.org/croissant/1.1"}

var ccLicence = regexp.MustCompile(`^https?://creativecommons\.org/(licenses/(by|by-sa|by-nc|by-nd|by-nc-sa|by-nc-nd)/([0-9.]+)|publicdomain/zero/1\.0)/?$`)
var spdxURL = regexp.MustCompile(`^https?://spdx\.org/licenses/([A-Za-z0-9.+-]+?)(\.html|\.json)?$`)

// croissantLicence maps a Croissant license (an SPDX id, an SPDX licence
// URL, a Creative Commons URL) to an SPDX id.
func croissantLicence(s string) (string, bool) {
	if m := spdxURL.FindStringSubmatch(s); m != nil {
		s = m[1]
	} else if m := ccLicence.FindStringSubmatch(s); m != nil {
		if m[2] == "" {
			return "CC0-1.0", true
		}
		s = "CC-" + strings.ToUpper(m[2]) + "-" + m[3]
	}
	canon, refs, err := accord.ParseLicence(s)
	return canon, err == nil && len(refs) == 0
}

func importCroissant(req accord.ResourceImport) (accord.ResourceFiling, error) {
	var f accord.ResourceFiling
	var doc map[string]any
	if err := strictjson.Decode([]byte(req.Document), &doc); err != nil {
		return f, accord.FieldErrorf("document", "is not a JSON object: %v", err)
	}
	c := card(doc)
	var p accord.Problems
	if _, ok := doc["@context"].(map[string]any); !ok {
		p.Add("document.@context", "is required: a Croissant document is JSON-LD with its context inline")
	}
	types := c.strs(&p, "@type")
	isDataset := false
	for _, t := range types {
		isDataset = isDataset || t == "sc:Dataset" || t == "schema:Dataset" || t == "Dataset" || t == "https://schema.org/Dataset" || t == "http://schema.org/Dataset"
	}
	if !isDataset {
		p.Add("document.@type", "must be sc:Dataset (schema.org Dataset)")
	}
	conforms := ""
	for _, v := range c.strs(&p, "conformsTo") {
		if contains(croissantVersions, v) {
			conforms = v
		}
	}
	if conforms == "" {
		p.Add("document.conformsTo", "must name Croissant 1.0 or 1.1 (%s)", strings.Join(croissantVersions, " or "))
	}
	name := c.str(&p, "name")
	if name == "" {
		p.Add("document.name", "is required")
	}
	f.Kind = "dataset"
	f.Title = accord.Text{"en": name}
	if d := c.str(&p, "description"); d != "" {
		f.Description = accord.Text{"en": d}
	}
	lic := c.strs(&p, "license")
	var ids []string
	for i, l := range lic {
		id, ok := croissantLicence(l)
		if !ok {
			p.Add(fmt.Sprintf("document.license[%d]", i), "%q is not an SPDX licence or licence URL of the SPDX License List %s", l, accord.SPDXListVersion())
			continue
		}
		ids = append(ids, id)
	}
	if len(lic) == 0 {
		p.Add("document.license", "is required")
	}
	f.Licence = strings.Join(ids, " AND ")
	for i, l := range c.strs(&p, "inLanguage") {
		if _, err := accord.CanonicalLanguage(l); err != nil {
			p.Add(fmt.Sprintf("document.inLanguage[%d]", i), "%q is not a BCP 47 language tag", l)
			continue
		}
		f.Languages = append(f.Languages, l)
	}
	if kw, ok := doc["keywords"].(string); ok {
		for _, k := range strings.Split(kw, ",") {
			if k = strings.TrimSpace(k); k != "" {
				f.Keywords = append(f.Keywords, k)
			}
		}
	} else {
		f.Keywords = c.strs(&p, "keywords")
	}
	if u := c.str(&p, "url"); u != "" {
		f.Links = append(f.Links, accord.ResourceLink{Rel: "homepage", URL: u})
	}
	info := &accord.CroissantInfo{ConformsTo: conforms, RAI: map[string]string{}}
	dists, _ := doc["distribution"].([]any)
	if _, ok := doc["distribution"]; ok && dists == nil {
		p.Add("document.distribution", "must be a list of cr:FileObject and cr:FileSet")
	}
	for i, d := range dists {
		m, ok := d.(map[string]any)
		t, _ := m["@type"].(string)
		if !ok || (t != "cr:FileObject" && t != "cr:FileSet") {
			p.Add(fmt.Sprintf("document.distribution[%d].@type", i), "must be cr:FileObject or cr:FileSet")
			continue
		}
		info.FileObjects++
		if u, ok := m["contentUrl"].(string); ok && t == "cr:FileObject" && len(f.Links) < 8 && strings.HasPrefix(u, "http") {
			f.Links = append(f.Links, accord.ResourceLink{Rel: "download", URL: u})
		}
	}
	if rs, ok := doc["recordSet"].([]any); ok {
		info.RecordSets = len(rs)
	}
	for k, v := range doc {
		local, ok := strings.CutPrefix(k, "rai:")
		if !ok {
			continue
		}
		switch x := v.(type) {
		case string:
			info.RAI[local] = x
		case []any:
			var parts []string
			for _, e := range x {
				if s, ok := e.(string); ok {
					parts = append(parts, s)
				}
			}
			info.RAI[local] = strings.Join(parts, "\n")
		case bool:
			info.RAI[local] = fmt.Sprint(x)
		default:
			p.Add("document."+k, "must be text")
		}
	}
	if len(info.RAI) == 0 {
		info.RAI = nil
	}
	f.Dataset = &accord.DatasetDetails{Croissant: info}
	if s := info.RAI["personalSensitiveInformation"]; s != "" {
		f.Dataset.PersonalData = "personal"
		if strings.EqualFold(strings.TrimSpace(s), "none") {
			f.Dataset.PersonalData = "none"
		}
	}
	f.Terms = accord.AccessTerms{Mode: "open", Fee: accord.FeeTerms{Standard: "free"}}
	if err := p.Err(); err != nil {
		return f, err
	}
	return f, nil
}

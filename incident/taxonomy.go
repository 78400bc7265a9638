package incident

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/yamljson"
)

//go:embed taxonomies.yaml
var taxonomiesYAML []byte

// Taxonomies are the harm vocabularies (EU Art. 3(49) limbs, OECD AIM
// harm types, CSETv1 tangible harm) with their crosswalk, as data.
type Taxonomies struct {
	Namespaces []Namespace       `json:"namespaces"`
	Kinds      map[string]string `json:"kinds"` // incident kind → CSETv1 tangible-harm term
	terms      map[string]*Term
}

// Namespace is one vocabulary.
type Namespace struct {
	ID       string      `json:"id"`
	Source   string      `json:"source"`
	Verified bool        `json:"verified"`
	Title    accord.Text `json:"title"`
	Terms    []Term      `json:"terms"`
}

// Term is one harm category; its id is "<namespace>:<code>".
type Term struct {
	Code     string      `json:"code"`
	Citation string      `json:"citation,omitempty"`
	MapsTo   []string    `json:"maps_to,omitempty"`
	Label    accord.Text `json:"label"`
	ID       string      `json:"id,omitempty"`
}

// LoadTaxonomies reads and checks the embedded vocabularies: every term
// labelled in the six languages, every crosswalk target a term.
func LoadTaxonomies() (*Taxonomies, error) { return parseTaxonomies(taxonomiesYAML) }

func parseTaxonomies(b []byte) (*Taxonomies, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("incident taxonomies: %w", err)
	}
	var t Taxonomies
	if err := yamljson.Decode(&n, &t); err != nil {
		return nil, fmt.Errorf("incident taxonomies: %w", err)
	}
	t.terms = map[string]*Term{}
	for i := range t.Namespaces {
		ns := &t.Namespaces[i]
		for j := range ns.Terms {
			term := &ns.Terms[j]
			term.ID = ns.ID + ":" + term.Code
			if t.terms[term.ID] != nil {
				return nil, fmt.Errorf("incident taxonomies: term %s appears twice", term.ID)
			}
			for _, lang := range []string{"en", "fr", "es", "zh", "ar", "ru"} {
				if term.Label[lang] == "" {
					return nil, fmt.Errorf("incident taxonomies: term %s has no %s label", term.ID, lang)
				}
			}
			t.terms[term.ID] = term
		}
	}
	for id, term := range t.terms {
		for _, m := range term.MapsTo {
			if t.terms[m] == nil {
				return nil, fmt.Errorf("incident taxonomies: %s maps to unknown term %s", id, m)
			}
		}
	}
	for _, k := range accord.IncidentKinds {
		if t.terms[t.Kinds[k]] == nil {
			return nil, fmt.Errorf("incident taxonomies: kind %s has no CSETv1 term", k)
		}
	}
	return &t, nil
}

// Has reports whether id is a harm term.
func (t *Taxonomies) Has(id string) bool { return t.terms[id] != nil }

// Term returns a term by id.
func (t *Taxonomies) Term(id string) *Term { return t.terms[id] }

// Crosswalk returns the terms of other namespaces a set of harms maps to,
// sorted, without the harms themselves.
func (t *Taxonomies) Crosswalk(harms []string) []string {
	var out []string
	for _, h := range harms {
		if term := t.terms[h]; term != nil {
			for _, m := range term.MapsTo {
				if !slices.Contains(harms, m) && !slices.Contains(out, m) {
					out = append(out, m)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// In returns the harms of one namespace, from the harms and their crosswalk.
func (t *Taxonomies) In(namespace string, harms []string) []string {
	var out []string
	for _, h := range append(slices.Clone(harms), t.Crosswalk(harms)...) {
		if strings.HasPrefix(h, namespace+":") && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return out
}

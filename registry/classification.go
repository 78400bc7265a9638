package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/rules"
)

// Packs returns the rule packs the node classifies with (baseline first).
func (s *Service) Packs() []*rules.Pack { return *s.packs.Load() }

// SetPacks replaces the node's packs (baseline first): governance loads an
// adopted version in place of the one it amends. Classifications already
// running finish under the packs they started with.
func (s *Service) SetPacks(packs []*rules.Pack) { s.packs.Store(&packs) }

// Pack returns one of the node's packs.
func (s *Service) Pack(id string) (*rules.Pack, error) {
	for _, p := range s.Packs() {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, accord.Errorf(accord.ENotFound, "no framework %q on this node", id)
}

// Preview classifies a filing without storing anything (POST /v1/classify,
// the provider portal). asOf selects the rules in force on that date.
func (s *Service) Preview(f accord.Filing, asOf time.Time) (*rules.Result, error) {
	f, err := f.Normalize()
	if err != nil {
		return nil, err
	}
	r := rules.Classify(f, s.Packs(), asOf)
	return &r, nil
}

// ClassificationView is a system version's classification as a caller may see it.
type ClassificationView struct {
	System  string `json:"system"`
	Version int    `json:"version"`
	// LogIndex is the log entry of the classification made when the version
	// was filed, and Filed its content: packs by hash, tiers, fired rules.
	LogIndex *int64          `json:"log_index,omitempty"`
	Filed    json.RawMessage `json:"filed,omitempty"`
	// FiledFull opens the log entry's commitment to the full classification,
	// for a caller who sees it in full, when the public one withholds inputs.
	FiledFull *Opening `json:"filed_full,omitempty"`
	// PacksChanged reports that the node's packs differ from those the
	// filed classification used, so this result may differ from it.
	PacksChanged bool `json:"packs_changed,omitempty"`
	rules.Result
}

// Opening is what verifies a commitment: Commitment(salt, Content) is the
// commitment the log entry holds.
type Opening struct {
	// Content is the committed content: the full classification's log
	// content, in the shape of ClassificationView.Filed.
	Content json.RawMessage `json:"content"`
	// Salt is the commitment's private salt, hex.
	Salt string `json:"salt"`
	// Commitment is hex(SHA-256(salt || RFC 8785 form of Content)), as in the
	// log entry's commitments under "classification".
	Commitment string `json:"commitment"`
}

// ClassificationCommitment names, in a system.classified entry's
// commitments and in its version's salts, the commitment to the full
// classification of a filing that withholds inputs from the public one.
const ClassificationCommitment = "classification"

// Classification returns the classification of a system version under the
// node's packs, as of asOf — by default the day the version was filed, which
// reproduces the logged classification while the packs are unchanged.
// Results are recomputed, not stored: classification is a pure function of
// the filing, the packs and the date.
//
// The public (and any caller who may not read the provider's confidential
// fields) gets the public classification: that of the public filing, with
// every confidential fact and list withheld (docs/CONFIDENTIALITY.md). The
// provider, authorities and the admin get the full one, and the opening of
// the log's commitment to it.
func (s *Service) Classification(ctx context.Context, c *Caller, id string, version int, asOf time.Time) (*ClassificationView, error) {
	var view *ClassificationView
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		sys, v, err := readVersion(ctx, tx, id, version)
		if err != nil {
			return err
		}
		view = &ClassificationView{System: id, Version: v.Version}
		if asOf.IsZero() {
			asOf = v.Time
		}
		// A foreign system holds only its public filing: its confidential
		// inputs stay at its home, and are withheld here from everyone.
		if c.SeesConfidential(sys.Provider) && !accord.Foreign(sys.Home) {
			view.Result = rules.Classify(v.Filing, s.Packs(), asOf)
			if salt := v.Salts[ClassificationCommitment]; v.ClassificationFull != nil && salt != nil {
				cm, err := Commitment(salt, v.ClassificationFull)
				if err != nil {
					return err
				}
				view.FiledFull = &Opening{Content: v.ClassificationFull, Salt: hex.EncodeToString(salt), Commitment: cm}
			}
		} else {
			if view.Result, err = publicResult(v.Filing, s.Packs(), asOf); err != nil {
				return err
			}
		}
		if v.Classification != nil {
			idx := v.ClassificationIndex
			view.LogIndex, view.Filed = &idx, v.Classification
			view.PacksChanged = packsChanged(v.Classification, view.Result)
		}
		return nil
	})
	return view, err
}

// publicResult is the public classification of a filing: computed from the
// public filing alone, with its confidential inputs withheld, so that
// nothing in it depends on their values or on whether they are filled in.
func publicResult(f accord.Filing, packs []*rules.Pack, asOf time.Time) (rules.Result, error) {
	if len(f.Confidential) == 0 {
		return rules.Classify(f, packs, asOf), nil
	}
	pub, err := PublicFiling(f)
	if err != nil {
		return rules.Result{}, err
	}
	return rules.ClassifyWithheld(pub, pub.Confidential, packs, asOf), nil
}

// packsChanged compares the packs a filed classification names with a result's.
func packsChanged(filed json.RawMessage, r rules.Result) bool {
	var f struct {
		Packs []struct{ ID, Hash string }
	}
	if json.Unmarshal(filed, &f) != nil || len(f.Packs) != len(r.Frameworks) {
		return true
	}
	for i, p := range f.Packs {
		if p.ID != r.Frameworks[i].Pack || p.Hash != r.Frameworks[i].Hash {
			return true
		}
	}
	return false
}

// classification is a new version's classification and what follows from
// it: the log event's compact content, the summary's levels, the facets.
type classification struct {
	result rules.Result
}

// classified is a new version's public classification (what the log
// entry, the summary and the facets show) and, when it withholds inputs,
// the full one's log content with a fresh salt and the commitment to it.
type classified struct {
	public     *classification
	content    []byte // the public classification's log content
	full       []byte // the full one's, nil when nothing is withheld
	salt       []byte
	commitment string
}

// publicOrNil is the public classification, nil without one.
func (c *classified) publicOrNil() *classification {
	if c == nil {
		return nil
	}
	return c.public
}

// classify classifies a new version: publicly, from the public filing with
// its confidential inputs withheld, and in full when that differs. Nil
// without packs.
func (s *Service) classify(f, public accord.Filing, at time.Time) (*classified, error) {
	if len(s.Packs()) == 0 {
		return nil, nil
	}
	c := &classified{public: &classification{result: rules.ClassifyWithheld(public, public.Confidential, s.Packs(), at)}}
	var err error
	if c.content, err = c.public.logContent(); err != nil {
		return nil, err
	}
	if len(c.public.result.Withheld) == 0 {
		return c, nil // nothing withheld: the public classification is the full one
	}
	full := &classification{result: rules.Classify(f, s.Packs(), at)}
	if c.full, err = full.logContent(); err != nil {
		return nil, err
	}
	c.salt = make([]byte, 32)
	rand.Read(c.salt)
	if c.commitment, err = Commitment(c.salt, c.full); err != nil {
		return nil, err
	}
	return c, nil
}

// logContent is what the log keeps of a classification, as canonical JSON:
// enough to recompute and check it (the packs by hash) and to see its
// outcome, without the rules' texts (those are in the packs) or any fact
// value. Its shape is fixed, so it is written directly, keys in RFC 8785
// order: through encoding/json and a canonicalising parser it cost more
// than the classification itself. TestLogContentMatchesEarlierEncoding
// checks it against that encoding. A framework whose outcome rests on
// withheld inputs names them under "withheld" (left out when none, so a
// classification that withholds nothing is logged as it always was).
func (c *classification) logContent() ([]byte, error) {
	fws := c.result.Frameworks
	b := make([]byte, 0, 256+320*len(fws))
	str := accord.AppendCanonicalString
	list := func(b []byte, key string, n int, at func(int) string) []byte {
		if n == 0 {
			return b // left out when empty, as omitempty did
		}
		b = append(b, `,"`...)
		b = append(b, key...)
		b = append(b, `":[`...)
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			b = str(b, at(i))
		}
		return append(b, ']')
	}
	// objects writes one object per framework, or null for none (a nil
	// slice, as encoding/json wrote it).
	objects := func(b []byte, object func([]byte, *rules.Framework) []byte) []byte {
		if len(fws) == 0 {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i := range fws {
			if i > 0 {
				b = append(b, ',')
			}
			b = object(b, &fws[i])
		}
		return append(b, ']')
	}
	b = append(b, `{"as_of":`...)
	b = str(b, string(c.result.AsOf))
	b = append(b, `,"frameworks":`...)
	b = objects(b, func(b []byte, fw *rules.Framework) []byte {
		b = append(b, `{"applicable":`...)
		b = str(b, fw.Applicable)
		if fw.Baseline != "" {
			b = append(b, `,"baseline":`...)
			b = str(b, fw.Baseline)
		}
		b = list(b, "cancelled", len(fw.Cancelled), func(i int) string { return fw.Cancelled[i].Rule })
		b = list(b, "fired", len(fw.Fired), func(i int) string { return fw.Fired[i].Rule })
		b = list(b, "missing", len(fw.Missing), func(i int) string { return fw.Missing[i] })
		b = list(b, "obligations", len(fw.Obligations), func(i int) string { return fw.Obligations[i].Rule + "/" + fw.Obligations[i].ID })
		b = append(b, `,"pack":`...)
		b = str(b, fw.Pack)
		b = append(b, `,"tier":`...)
		b = str(b, fw.Tier)
		b = list(b, "withheld", len(fw.Withheld), func(i int) string { return fw.Withheld[i] })
		return append(b, '}')
	})
	b = append(b, `,"level":`...)
	b = str(b, c.result.Summary.Level)
	b = append(b, `,"packs":`...)
	b = objects(b, func(b []byte, fw *rules.Framework) []byte {
		b = append(b, `{"hash":`...)
		b = str(b, fw.Hash)
		b = append(b, `,"id":`...)
		b = str(b, fw.Pack)
		b = append(b, `,"version":`...)
		b = str(b, fw.Version)
		return append(b, '}')
	})
	return append(b, '}'), nil
}

// ClassificationContent is what a system.classified log entry holds of a
// classification result (ClassificationView.Filed has its shape). Whoever
// holds the full classification of a version, as filed, and the salt of the
// entry's commitment can check it against the log:
// Commitment(salt, ClassificationContent(result)) is the commitment.
func ClassificationContent(r rules.Result) ([]byte, error) {
	return (&classification{result: r}).logContent()
}

// levels returns the baseline level and each applicable framework's tier.
func (c *classification) levels() (string, map[string]string) {
	if c == nil {
		return "", nil
	}
	tiers := map[string]string{}
	for _, fw := range c.result.Frameworks {
		if fw.Applicable != rules.NotApplicable {
			tiers[fw.Pack] = fw.Tier
		}
	}
	return c.result.Summary.Level, tiers
}

// facets are the classification's search facets: the baseline level, the
// frameworks that apply and each one's tier.
func (c *classification) facets() []string {
	if c == nil {
		return nil
	}
	return accord.ClassFacets(c.levels())
}

// ParseAsOf reads an as_of date (YYYY-MM-DD); empty is the zero time.
func ParseAsOf(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, accord.FieldErrorf("as_of", "%q is not a date: write YYYY-MM-DD, e.g. 2026-08-02", s)
	}
	return t, nil
}

// Package demo holds the demonstration registry that `accord serve --demo`
// loads: organizations (providers, deployers, authorities) and AI-system
// filings from every continent, with multilingual text, version histories,
// withdrawn and confidential filings, and a few deliberately incomplete ones.
//
// # Real and fictional entries
//
// Most entries are fictional. The convention, checked by the tests:
//
//   - A fictional organization's English name, and a fictional system's
//     English trade name, end with " (fictional)" (FictionalMarker). Their
//     names in other languages carry no marker. Their web addresses and e-mail
//     addresses are under example.org, and their documents are not real (the
//     SHA-256 values are of placeholder text).
//   - A real product has a non-empty Sources list: the public pages its facts
//     come from. Its filing states only publicly documented facts (negatives
//     only where they follow plainly from the documented function) and leaves
//     everything else unstated; it carries no documents, because we cannot
//     vouch for their hashes. Its text says that the entry was compiled by the
//     Accord project from public sources and not filed by the provider.
//   - A real organization (no marker) appears only as the provider of real
//     products. No prohibited practice is attributed to a real organization.
//
// # Deliberately undetermined filings
//
// Two fictional filings leave out a fact a rule needs, so the classifier's
// "undetermined" outcome can be shown: falkenwacht-live (real-time remote
// biometric identification in public spaces) omits
// biometric_law_enforcement_exception, and pragya-examguard (exam proctoring)
// omits emotion_recognition. The real products leave out whatever their
// providers have not published (for example training compute).
package demo

import (
	_ "embed"
	"fmt"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/strictjson"
)

// FictionalMarker ends the English name of every fictional organization and
// the English trade name of every fictional system.
const FictionalMarker = " (fictional)"

//go:embed organizations.json
var organizationsJSON []byte

//go:embed systems.json
var systemsJSON []byte

// Org is a demo organization: a stable key that systems refer to, and the
// registration request. The registration's fields are inline in JSON:
// {"key": "...", "name": {...}, "kind": "...", "country": "...", "contact": {...}}.
type Org struct {
	Key string `json:"key"`
	accord.NewOrganization
}

// System is a demo AI system and its history.
type System struct {
	Key      string          `json:"key"`               // stable short key
	Provider string          `json:"provider"`          // an Org key
	Filing   accord.Filing   `json:"filing"`            // version 1
	Updates  []accord.Filing `json:"updates,omitempty"` // later versions, in order (each a full filing)
	// BuiltOn is the key of the demo model (listed earlier) the system is
	// built on: the loader names its registry id in each version's built_on.
	BuiltOn string `json:"built_on,omitempty"`
	// Withdraw, if set, is the reason with which the filing is withdrawn
	// after all its versions have been filed.
	Withdraw string `json:"withdraw,omitempty"`
	// Sources lists the public sources of the facts about a real product;
	// it is empty for fictional systems.
	Sources []string `json:"sources,omitempty"`
}

// Organizations returns the demo organizations, in load order. Each call
// decodes afresh, so callers may modify the result.
func Organizations() ([]Org, error) {
	var orgs []Org
	if err := decodeStrict(organizationsJSON, &orgs); err != nil {
		return nil, fmt.Errorf("demo: organizations.json: %w", err)
	}
	return orgs, nil
}

// Systems returns the demo systems, in load order. Each call decodes afresh,
// so callers may modify the result.
func Systems() ([]System, error) {
	var systems []System
	if err := decodeStrict(systemsJSON, &systems); err != nil {
		return nil, fmt.Errorf("demo: systems.json: %w", err)
	}
	return systems, nil
}

// decodeStrict decodes one JSON value as the API decodes a body.
func decodeStrict(data []byte, v any) error { return strictjson.Decode(data, v) }

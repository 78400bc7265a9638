package accord

import (
	"net/mail"
	"strings"
	"time"
)

// Organization kinds.
var OrganizationKinds = Vocabulary{
	{"provider", "Provider", "Develops an AI system or model, or has it developed, and places it on the market or puts it into service under its own name.", "EU AI Act Art. 3(3); CAC 服务提供者"},
	{"deployer", "Deployer", "Uses an AI system under its authority in a professional activity.", "EU AI Act Art. 3(4)"},
	{"authority", "Authority", "A regulator, market-surveillance or supervisory authority, or an inter-governmental body. Authorities may read confidential fields.", "EU AI Act Art. 3(26), Art. 74"},
}

// Organization is a provider, deployer or authority known to the node.
type Organization struct {
	ID      string    `json:"id"`
	Name    Text      `json:"name"`
	Kind    string    `json:"kind"`
	Country string    `json:"country"`
	Contact Contact   `json:"contact"`
	Created time.Time `json:"created"`
	// Home is the member whose node holds the organization, for a foreign
	// one (mirrored, read-only here); empty for this node's own.
	Home string `json:"home,omitempty"`
}

// Contact is how to reach an organization (EU AI Act Annex VIII A.1: name,
// address and contact details; CAC filing: entity information).
type Contact struct {
	Email   string `json:"email,omitempty"`
	Website string `json:"website,omitempty"`
	Address string `json:"address,omitempty"`
}

// NewOrganization is the request to register an organization.
type NewOrganization struct {
	Name    Text    `json:"name"`
	Kind    string  `json:"kind"`
	Country string  `json:"country"`
	Contact Contact `json:"contact"`
}

// Normalize validates a registration and returns it in canonical form.
func (o NewOrganization) Normalize() (NewOrganization, error) {
	var p Problems
	o.Name = o.Name.normalize("name", Line, true, maxShortLen, &p)
	if !OrganizationKinds.Has(o.Kind) {
		p.Add("kind", "%q is not an organization kind: use provider, deployer or authority", o.Kind)
	}
	if !ValidCountry(o.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code (e.g. FR, CN, KE)", o.Country)
	}
	o.Contact.Email = strings.TrimSpace(o.Contact.Email)
	if o.Contact.Email != "" {
		if msg := CheckText(o.Contact.Email, Line); msg != "" {
			p.Add("contact.email", "%s", msg)
		} else if a, err := mail.ParseAddress(o.Contact.Email); err != nil || a.Address != o.Contact.Email {
			p.Add("contact.email", "%q is not an e-mail address", o.Contact.Email)
		}
	}
	if o.Contact.Website != "" {
		o.Contact.Website = checkURL("contact.website", o.Contact.Website, &p)
	}
	o.Contact.Address = textField("contact.address", o.Contact.Address, LongText, maxShortLen, false, &p)
	return o, p.Err()
}

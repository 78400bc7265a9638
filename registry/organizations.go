package registry

import (
	"context"

	"github.com/accord-gov/accord"
)

// NewToken is a freshly issued token: its secret is shown only here, once.
type NewToken struct {
	Token   accord.Token    `json:"token"`
	Secret  string          `json:"secret"`
	Receipt *accord.Receipt `json:"receipt,omitempty"`
}

// RegisteredOrganization is the answer to registering an organization.
type RegisteredOrganization struct {
	Organization accord.Organization `json:"organization"`
	Token        NewToken            `json:"token"`
	Receipt      accord.Receipt      `json:"receipt"`
}

// RegisterOrganization registers an organization (admin only) and issues its first token.
func (s *Service) RegisterOrganization(ctx context.Context, c *Caller, req accord.NewOrganization) (*RegisteredOrganization, error) {
	if err := requireAuth(c); err != nil {
		return nil, err
	}
	if !c.Admin() {
		return nil, accord.Errorf(accord.EForbidden, "only the node's admin can register organizations")
	}
	req, err := req.Normalize()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	org := accord.Organization{ID: newID("org"), Name: req.Name, Kind: req.Kind, Country: req.Country, Contact: req.Contact, Created: now}
	secret := NewSecret()
	tok := accord.Token{ID: newID("tok"), Org: org.ID, Label: "initial", Created: now}
	receipts, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		if err := tx.CreateOrganization(ctx, org); err != nil {
			return nil, err
		}
		if err := tx.CreateToken(ctx, tok, TokenHash(secret)); err != nil {
			return nil, err
		}
		e1, err := event(accord.LogOrganizationRegistered, org.ID, 1, now, c, org, nil)
		if err != nil {
			return nil, err
		}
		e2, err := event(accord.LogTokenIssued, tok.ID, 1, now, c, tok, nil)
		if err != nil {
			return nil, err
		}
		return [][]byte{e1, e2}, nil
	})
	if err != nil {
		return nil, err
	}
	return &RegisteredOrganization{Organization: org, Token: NewToken{Token: tok, Secret: secret, Receipt: &receipts[1]}, Receipt: receipts[0]}, nil
}

// Organization returns one organization. Organizations never change once
// registered, so they are cached: every filing needs its provider's.
func (s *Service) Organization(ctx context.Context, id string) (*accord.Organization, error) {
	if o, ok := s.orgs.Load(id); ok {
		return o.(*accord.Organization), nil
	}
	var o *accord.Organization
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		o, err = tx.Organization(ctx, id)
		return err
	})
	if err == nil {
		s.orgs.Store(id, o)
	}
	return o, err
}

// Organizations lists organizations.
func (s *Service) Organizations(ctx context.Context, q accord.OrganizationQuery) (*accord.OrganizationPage, error) {
	var probs accord.Problems
	for _, f := range [][2]string{{"kind", q.Kind}, {"country", q.Country}, {"cursor", q.Cursor}} {
		if msg := accord.CheckText(f[1], accord.Line); msg != "" {
			probs.Add(f[0], "%s", msg)
		}
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if q.Kind != "" && !accord.OrganizationKinds.Has(q.Kind) {
		return nil, accord.FieldErrorf("kind", "%q is not an organization kind: use provider, deployer or authority", q.Kind)
	}
	if q.Country != "" && !accord.ValidCountry(q.Country) {
		return nil, accord.FieldErrorf("country", "%q is not an ISO 3166-1 alpha-2 country code", q.Country)
	}
	var p *accord.OrganizationPage
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		var err error
		p, err = tx.Organizations(ctx, q)
		return err
	})
	return p, err
}

// canManage reports whether the caller may manage an organization's tokens.
func canManage(c *Caller, org string) error {
	if err := requireAuth(c); err != nil {
		return err
	}
	if !c.Admin() && c.Org() != org {
		return accord.Errorf(accord.EForbidden, "a token of organization %s cannot manage organization %s", c.Org(), org)
	}
	return nil
}

// maxLabelLen bounds a token's label, in characters.
const maxLabelLen = 100

// IssueToken issues a new token for an organization.
func (s *Service) IssueToken(ctx context.Context, c *Caller, org, label string) (*NewToken, error) {
	if err := canManage(c, org); err != nil {
		return nil, err
	}
	label, err := accord.TextField("label", label, accord.Line, maxLabelLen, false)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	secret := NewSecret()
	tok := accord.Token{ID: newID("tok"), Org: org, Label: label, Created: now}
	receipts, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		if o, err := tx.Organization(ctx, org); err != nil {
			return nil, err
		} else if accord.Foreign(o.Home) {
			return nil, foreignError("organization", org, o.Home)
		}
		if err := tx.CreateToken(ctx, tok, TokenHash(secret)); err != nil {
			return nil, err
		}
		e, err := event(accord.LogTokenIssued, tok.ID, 1, now, c, tok, nil)
		return [][]byte{e}, err
	})
	if err != nil {
		return nil, err
	}
	return &NewToken{Token: tok, Secret: secret, Receipt: &receipts[0]}, nil
}

// Tokens lists an organization's tokens (never their secrets).
func (s *Service) Tokens(ctx context.Context, c *Caller, org string) ([]accord.Token, error) {
	if err := canManage(c, org); err != nil {
		return nil, err
	}
	var out []accord.Token
	err := s.store.View(ctx, func(tx accord.ReadTx) error {
		if _, err := tx.Organization(ctx, org); err != nil {
			return err
		}
		var err error
		out, err = tx.Tokens(ctx, org)
		return err
	})
	return out, err
}

// RevokeToken revokes one of an organization's tokens.
func (s *Service) RevokeToken(ctx context.Context, c *Caller, org, id string) (*accord.Receipt, error) {
	if err := canManage(c, org); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	receipts, err := s.log.Append(ctx, func(ctx context.Context, tx accord.WriteTx, next int64) ([][]byte, error) {
		if err := authorized(ctx, tx, c); err != nil {
			return nil, err
		}
		toks, err := tx.Tokens(ctx, org)
		if err != nil {
			return nil, err
		}
		var tok *accord.Token
		for i := range toks {
			if toks[i].ID == id {
				tok = &toks[i]
			}
		}
		if tok == nil {
			return nil, accord.Errorf(accord.ENotFound, "organization %s has no token %s", org, id)
		}
		if tok.Revoked != nil {
			return nil, accord.Errorf(accord.EConflict, "token %s is already revoked", id)
		}
		if err := tx.RevokeToken(ctx, id, now); err != nil {
			return nil, err
		}
		tok.Revoked = &now
		e, err := event(accord.LogTokenRevoked, id, 2, now, c, tok, nil)
		return [][]byte{e}, err
	})
	if err != nil {
		return nil, err
	}
	return &receipts[0], nil
}

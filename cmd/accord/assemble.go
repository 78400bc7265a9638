package main

import (
	"context"

	"github.com/accord-gov/accord/node"
	"github.com/accord-gov/accord/web"
)

// parts holds what a node gets beyond the registry itself.
type parts struct {
	secureCookies bool   // the web UI's cookies are always Secure (--secure-cookies)
	baseURL       string // the node's public URL when the operator gave one (--public-url): pages link their language versions with it
}

// assemble completes a node's configuration with the packages cmd/accord joins.
func assemble(cfg *node.Config) (*parts, error) {
	// The UI's catalogues, templates and assets are embedded: a failure
	// here is a broken build, reported before the node opens anything.
	if err := web.Ready(); err != nil {
		return nil, err
	}
	return &parts{}, nil
}

// http returns the HTTP parts: the web UI at /.
func (p *parts) http(n *node.Node) node.HTTPOptions {
	return node.HTTPOptions{Web: web.New(web.Config{
		Registry:      n.Registry,
		VerifierKey:   n.VerifierKey,
		Logger:        n.Config.Logger,
		SecureCookies: p.secureCookies,
		BaseURL:       p.baseURL,
		Federation:    n.Federation,
		Mirror:        n.Mirror,

		// governance
		Governance: n.Governance,

		// consent
		Consent: n.Consent,

		// incidents
		Incidents: n.Incidents,

		// resources
		Resources: n.Resources,
	})}
}

func loadDemo(ctx context.Context, n *node.Node) (int, error) { return n.LoadDemo(ctx) }

package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/accord-gov/accord"
)

// Governance: the charter, proposals, comments, ballots and tallies.

// Charter returns the charter in force at the node.
func (c *Client) Charter(ctx context.Context) (*accord.SignedCharter, error) {
	var out accord.SignedCharter
	_, err := c.do(ctx, http.MethodGet, "/v1/governance/charter", nil, nil, &out)
	return &out, err
}

// Charters lists the charters installed at the node.
func (c *Client) Charters(ctx context.Context) ([]accord.SignedCharter, error) {
	var out struct {
		Charters []accord.SignedCharter `json:"charters"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/governance/charters", nil, nil, &out)
	return out.Charters, err
}

// InstallCharter installs the next charter (admin).
func (c *Client) InstallCharter(ctx context.Context, req accord.CharterInstall) (*accord.GovernanceReceipt, error) {
	var out accord.GovernanceReceipt
	_, err := c.do(ctx, http.MethodPost, "/v1/governance/charters", nil, req, &out)
	return &out, err
}

// Proposals lists the proposals the node holds.
func (c *Client) Proposals(ctx context.Context) (*accord.ProposalList, error) {
	var out accord.ProposalList
	_, err := c.do(ctx, http.MethodGet, "/v1/governance/proposals", nil, nil, &out)
	return &out, err
}

// Propose files a proposal of the node's member (admin).
func (c *Client) Propose(ctx context.Context, req accord.NewProposal) (*accord.GovernanceReceipt, error) {
	var out accord.GovernanceReceipt
	_, err := c.do(ctx, http.MethodPost, "/v1/governance/proposals", nil, req, &out)
	return &out, err
}

// Proposal returns a proposal with its live tally.
func (c *Client) Proposal(ctx context.Context, id string) (*accord.ProposalView, error) {
	var out accord.ProposalView
	_, err := c.do(ctx, http.MethodGet, "/v1/governance/proposals/"+url.PathEscape(id), nil, nil, &out)
	return &out, err
}

// ProposalDiff returns a proposal's rule-by-rule diff.
func (c *Client) ProposalDiff(ctx context.Context, id string) (*accord.PackDiff, error) {
	var out accord.PackDiff
	_, err := c.do(ctx, http.MethodGet, "/v1/governance/proposals/"+url.PathEscape(id)+"/diff", nil, nil, &out)
	return &out, err
}

// Comment comments on a proposal.
func (c *Client) Comment(ctx context.Context, id string, req accord.NewComment) (*accord.GovernanceReceipt, error) {
	var out accord.GovernanceReceipt
	_, err := c.do(ctx, http.MethodPost, "/v1/governance/proposals/"+url.PathEscape(id)+"/comments", nil, req, &out)
	return &out, err
}

// Vote casts the node's member's signed ballot (admin).
func (c *Client) Vote(ctx context.Context, id string, req accord.NewBallot) (*accord.GovernanceReceipt, error) {
	var out accord.GovernanceReceipt
	_, err := c.do(ctx, http.MethodPost, "/v1/governance/proposals/"+url.PathEscape(id)+"/ballots", nil, req, &out)
	return &out, err
}

// FrameworkHash returns the hash of the version of a pack in force at the
// node (GET /v1/frameworks/{id}).
func (c *Client) FrameworkHash(ctx context.Context, id string) (string, error) {
	var out struct {
		Hash    string `json:"hash"`
		Version string `json:"version"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/frameworks/"+url.PathEscape(id), nil, nil, &out)
	return out.Hash, err
}

// Impact returns a proposal's impact preview (State "running" while it is
// computed); query holds the filters (country, to, cursor, limit).
func (c *Client) Impact(ctx context.Context, id string, query url.Values) (*accord.Impact, error) {
	var out accord.Impact
	path := "/v1/governance/proposals/" + url.PathEscape(id) + "/impact"
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	_, err := c.do(ctx, http.MethodGet, path, nil, nil, &out)
	return &out, err
}

// PackVersions lists the node's pack versions and their adoption records.
func (c *Client) PackVersions(ctx context.Context) ([]accord.PackVersion, error) {
	var out struct {
		Versions []accord.PackVersion `json:"versions"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/governance/packs", nil, nil, &out)
	return out.Versions, err
}

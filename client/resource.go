package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/accord-gov/accord"
)

// The shared-resources catalogue.

// PublishResource publishes a resource with the client's organization token.
func (c *Client) PublishResource(ctx context.Context, f accord.ResourceFiling) (*accord.ResourceView, error) {
	var out accord.ResourceView
	_, err := c.do(ctx, http.MethodPost, "/v1/resources", nil, f, &out)
	return &out, err
}

// UpdateResource files a new version; etag is the current version's.
func (c *Client) UpdateResource(ctx context.Context, id, etag string, f accord.ResourceFiling) (*accord.ResourceView, error) {
	var out accord.ResourceView
	_, err := c.do(ctx, http.MethodPut, "/v1/resources/"+url.PathEscape(id), http.Header{"If-Match": {etag}}, f, &out)
	return &out, err
}

// WithdrawResource withdraws a resource.
func (c *Client) WithdrawResource(ctx context.Context, id, reason string) (*accord.ResourceView, error) {
	var out accord.ResourceView
	_, err := c.do(ctx, http.MethodPost, "/v1/resources/"+url.PathEscape(id)+"/withdraw", nil, accord.Withdrawal{Reason: reason}, &out)
	return &out, err
}

// Resource reads a resource.
func (c *Client) Resource(ctx context.Context, id string) (*accord.ResourceView, error) {
	var out accord.ResourceView
	_, err := c.do(ctx, http.MethodGet, "/v1/resources/"+url.PathEscape(id), nil, nil, &out)
	return &out, err
}

// SearchResources searches the catalogue.
func (c *Client) SearchResources(ctx context.Context, q accord.ResourceSearch) (*accord.ResourcePage, error) {
	v := url.Values{}
	for k, s := range map[string]string{"q": q.Text, "kind": q.Kind, "licence": q.Licence, "language": q.Language, "country": q.Country,
		"mode": q.Mode, "free_for": q.FreeFor, "usable_by": q.UsableBy, "sector": q.Sector, "provider": q.Provider, "node": q.Node, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.OSAID {
		v.Set("osaid", "true")
	}
	if q.MOF != 0 {
		v.Set("mof", strconv.Itoa(q.MOF))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	path := "/v1/resources"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out accord.ResourcePage
	_, err := c.do(ctx, http.MethodGet, path, nil, nil, &out)
	return &out, err
}

// PostNeed posts a need; the answer carries the node's suggestions.
func (c *Client) PostNeed(ctx context.Context, f accord.NeedFiling) (*accord.NeedView, error) {
	var out accord.NeedView
	_, err := c.do(ctx, http.MethodPost, "/v1/needs", nil, f, &out)
	return &out, err
}

// Need reads a need with its suggestions and matches.
func (c *Client) Need(ctx context.Context, id string) (*accord.NeedView, error) {
	var out accord.NeedView
	_, err := c.do(ctx, http.MethodGet, "/v1/needs/"+url.PathEscape(id), nil, nil, &out)
	return &out, err
}

// Needs lists needs (org and status optional).
func (c *Client) Needs(ctx context.Context, org, status string) (*accord.NeedPage, error) {
	v := url.Values{}
	if org != "" {
		v.Set("org", org)
	}
	if status != "" {
		v.Set("status", status)
	}
	path := "/v1/needs"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out accord.NeedPage
	_, err := c.do(ctx, http.MethodGet, path, nil, nil, &out)
	return &out, err
}

// CloseNeed closes a need.
func (c *Client) CloseNeed(ctx context.Context, id, reason string) (*accord.NeedView, error) {
	var out accord.NeedView
	_, err := c.do(ctx, http.MethodPost, "/v1/needs/"+url.PathEscape(id)+"/close", nil, accord.Withdrawal{Reason: reason}, &out)
	return &out, err
}

// ProposeMatch proposes a resource for a need.
func (c *Client) ProposeMatch(ctx context.Context, p accord.MatchProposal) (*accord.MatchView, error) {
	var out accord.MatchView
	_, err := c.do(ctx, http.MethodPost, "/v1/matches", nil, p, &out)
	return &out, err
}

// SetMatch accepts, declines or completes a match.
func (c *Client) SetMatch(ctx context.Context, id string, ch accord.MatchChange) (*accord.MatchView, error) {
	var out accord.MatchView
	_, err := c.do(ctx, http.MethodPost, "/v1/matches/"+url.PathEscape(id)+"/status", nil, ch, &out)
	return &out, err
}

// LinkSystem says that a system is built on a resource.
func (c *Client) LinkSystem(ctx context.Context, system string, l accord.SystemLinkRequest) (*accord.LinkView, error) {
	var out accord.LinkView
	_, err := c.do(ctx, http.MethodPost, "/v1/systems/"+url.PathEscape(system)+"/built-on", nil, l, &out)
	return &out, err
}

// BuiltOn lists the resources a system is built on.
func (c *Client) BuiltOn(ctx context.Context, system string) ([]accord.SystemResourceLink, error) {
	var out struct {
		BuiltOn []accord.SystemResourceLink `json:"built_on"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/systems/"+url.PathEscape(system)+"/built-on", nil, nil, &out)
	return out.BuiltOn, err
}

// ImportResource turns a card or Croissant document into a filing (nothing is stored).
func (c *Client) ImportResource(ctx context.Context, req accord.ResourceImport) (*accord.ResourceFiling, error) {
	var out accord.ResourceFiling
	_, err := c.do(ctx, http.MethodPost, "/v1/resource-imports", nil, req, &out)
	return &out, err
}

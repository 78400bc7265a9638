// Package client is a Go client of the Accord REST API. The CLI talks to
// nodes only through it, and end-to-end tests use it too.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
)

// Client talks to one node.
type Client struct {
	Server string // base URL, e.g. http://127.0.0.1:8080
	Token  string // API token; empty for public reads
	HTTP   *http.Client
}

// New returns a client for the node at server.
func New(server, token string) *Client {
	return &Client{Server: strings.TrimSuffix(server, "/"), Token: token, HTTP: &http.Client{Timeout: 60 * time.Second}}
}

// Error is a problem the node answered with.
type Error struct {
	Status int
	Code   string
	Detail string
	Fields []accord.FieldError
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (HTTP %d)", e.Detail, e.Status)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return b.String()
}

// v1Semantics decodes answers as encoding/json does, in about half the
// time (go-json-experiment's decoder, with encoding/json's options): a
// filing's answer (the version and its receipts, 3.6 KB) took 41 µs to
// decode, more than the server took to encode it.
var v1Semantics = jsonv1.DefaultOptionsV1()

// do sends a request and decodes a JSON answer into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, hdr http.Header, body, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Server+path, rd)
	if err != nil {
		return nil, fmt.Errorf("server address %q: %w", c.Server, err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the node at %s: %w", c.Server, err)
	}
	defer resp.Body.Close()
	data, err := readBody(resp, 64<<20)
	if err != nil {
		return nil, fmt.Errorf("read answer from %s: %w", c.Server, err)
	}
	if resp.StatusCode >= 400 {
		var p struct {
			Code   string              `json:"code"`
			Detail string              `json:"detail"`
			Errors []accord.FieldError `json:"errors"`
		}
		if json.Unmarshal(data, &p) != nil || p.Detail == "" {
			p.Detail = strings.TrimSpace(string(data))
			if p.Detail == "" {
				p.Detail = resp.Status
			}
		}
		return resp.Header, &Error{Status: resp.StatusCode, Code: p.Code, Detail: p.Detail, Fields: p.Errors}
	}
	if out != nil {
		if s, ok := out.(*string); ok {
			*s = string(data)
			return resp.Header, nil
		}
		if err := jsonv2.Unmarshal(data, out, v1Semantics); err != nil {
			return resp.Header, fmt.Errorf("decode answer from %s %s: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

// readBody reads an answer of at most limit bytes into a buffer of its
// announced length (io.ReadAll would grow one six times for a filing's).
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= limit {
		buf := make([]byte, n) // net/http ends the body at its length
		_, err := io.ReadFull(resp.Body, buf)
		return buf, err
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit))
}

// FileSystem files a new system. provider is needed only when the admin files.
func (c *Client) FileSystem(ctx context.Context, provider string, f accord.Filing, idempotencyKey string) (*registry.SystemView, error) {
	hdr := http.Header{}
	if idempotencyKey != "" {
		hdr.Set("Idempotency-Key", idempotencyKey)
	}
	body := struct {
		Provider string `json:"provider,omitempty"`
		accord.Filing
	}{provider, f}
	var v registry.SystemView
	_, err := c.do(ctx, http.MethodPost, "/v1/systems", hdr, body, &v)
	return &v, err
}

// UpdateSystem files a new version; etag is the ETag of the version read.
func (c *Client) UpdateSystem(ctx context.Context, id, etag string, f accord.Filing) (*registry.SystemView, error) {
	hdr := http.Header{}
	hdr.Set("If-Match", etag)
	var v registry.SystemView
	_, err := c.do(ctx, http.MethodPut, "/v1/systems/"+url.PathEscape(id), hdr, f, &v)
	return &v, err
}

// WithdrawSystem withdraws a filing.
func (c *Client) WithdrawSystem(ctx context.Context, id, reason string) (*registry.SystemView, error) {
	var v registry.SystemView
	_, err := c.do(ctx, http.MethodPost, "/v1/systems/"+url.PathEscape(id)+"/withdraw", nil, map[string]string{"reason": reason}, &v)
	return &v, err
}

// System returns a system's current version.
func (c *Client) System(ctx context.Context, id string) (*registry.SystemView, error) {
	var v registry.SystemView
	_, err := c.do(ctx, http.MethodGet, "/v1/systems/"+url.PathEscape(id), nil, nil, &v)
	return &v, err
}

// SystemVersion returns one version of a system.
func (c *Client) SystemVersion(ctx context.Context, id string, version int) (*registry.SystemView, error) {
	var v registry.SystemView
	_, err := c.do(ctx, http.MethodGet, "/v1/systems/"+url.PathEscape(id)+"/versions/"+strconv.Itoa(version), nil, nil, &v)
	return &v, err
}

// Versions lists a system's versions.
func (c *Client) Versions(ctx context.Context, id string) ([]registry.VersionView, error) {
	var out struct {
		Versions []registry.VersionView `json:"versions"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/systems/"+url.PathEscape(id)+"/versions", nil, nil, &out)
	return out.Versions, err
}

// Receipt fetches a fresh receipt for a version.
func (c *Client) Receipt(ctx context.Context, id string, version int) (*accord.Receipt, error) {
	var r accord.Receipt
	_, err := c.do(ctx, http.MethodGet, "/v1/systems/"+url.PathEscape(id)+"/versions/"+strconv.Itoa(version)+"/receipt", nil, nil, &r)
	return &r, err
}

// Search finds systems.
func (c *Client) Search(ctx context.Context, q accord.SystemQuery) (*accord.SystemPage, error) {
	v := url.Values{}
	for k, s := range map[string]string{"q": q.Q, "country": q.Country, "domain": q.Domain, "provider": q.Provider, "status": q.Status, "kind": q.Kind, "built_on": q.BuiltOn, "framework": q.Framework, "tier": q.Tier, "node": q.Node, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var p accord.SystemPage
	_, err := c.do(ctx, http.MethodGet, "/v1/systems?"+v.Encode(), nil, nil, &p)
	return &p, err
}

// RegisterOrganization registers an organization (admin token).
func (c *Client) RegisterOrganization(ctx context.Context, o accord.NewOrganization) (*registry.RegisteredOrganization, error) {
	var r registry.RegisteredOrganization
	_, err := c.do(ctx, http.MethodPost, "/v1/organizations", nil, o, &r)
	return &r, err
}

// Organization returns an organization.
func (c *Client) Organization(ctx context.Context, id string) (*accord.Organization, error) {
	var o accord.Organization
	_, err := c.do(ctx, http.MethodGet, "/v1/organizations/"+url.PathEscape(id), nil, nil, &o)
	return &o, err
}

// Organizations lists organizations.
func (c *Client) Organizations(ctx context.Context, q accord.OrganizationQuery) (*accord.OrganizationPage, error) {
	v := url.Values{}
	for k, s := range map[string]string{"kind": q.Kind, "country": q.Country, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var p accord.OrganizationPage
	_, err := c.do(ctx, http.MethodGet, "/v1/organizations?"+v.Encode(), nil, nil, &p)
	return &p, err
}

// IssueToken issues a token for an organization.
func (c *Client) IssueToken(ctx context.Context, org, label string) (*registry.NewToken, error) {
	var t registry.NewToken
	_, err := c.do(ctx, http.MethodPost, "/v1/organizations/"+url.PathEscape(org)+"/tokens", nil, map[string]string{"label": label}, &t)
	return &t, err
}

// Tokens lists an organization's tokens.
func (c *Client) Tokens(ctx context.Context, org string) ([]accord.Token, error) {
	var out struct {
		Tokens []accord.Token `json:"tokens"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/organizations/"+url.PathEscape(org)+"/tokens", nil, nil, &out)
	return out.Tokens, err
}

// RevokeToken revokes a token.
func (c *Client) RevokeToken(ctx context.Context, org, id string) error {
	_, err := c.do(ctx, http.MethodPost, "/v1/organizations/"+url.PathEscape(org)+"/tokens/"+url.PathEscape(id)+"/revoke", nil, nil, nil)
	return err
}

// LogInfo describes the node's log.
type LogInfo struct {
	Origin      string `json:"origin"`
	VerifierKey string `json:"verifier_key"`
	Size        int64  `json:"size"`
	Checkpoint  string `json:"checkpoint"`
}

// Log returns the node's log identity and latest checkpoint.
func (c *Client) Log(ctx context.Context) (*LogInfo, error) {
	var l LogInfo
	_, err := c.do(ctx, http.MethodGet, "/v1/log", nil, nil, &l)
	return &l, err
}

// Get fetches any path's raw bytes (used for /log/ tiles).
func (c *Client) Get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Server+path, nil)
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %w", c.Server, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &Error{Status: resp.StatusCode, Code: "http", Detail: fmt.Sprintf("GET %s: %s", path, strings.TrimSpace(string(data)))}
	}
	return data, nil
}

// Classify classifies a filing without storing it. asOf is YYYY-MM-DD or "".
func (c *Client) Classify(ctx context.Context, f accord.Filing, asOf string) (*rules.Result, error) {
	path := "/v1/classify"
	if asOf != "" {
		path += "?as_of=" + url.QueryEscape(asOf)
	}
	var r rules.Result
	_, err := c.do(ctx, http.MethodPost, path, nil, f, &r)
	return &r, err
}

// Classification returns a system's classification (version 0: current;
// asOf "": as filed).
func (c *Client) Classification(ctx context.Context, id string, version int, asOf string) (*registry.ClassificationView, error) {
	path := "/v1/systems/" + url.PathEscape(id)
	if version > 0 {
		path += "/versions/" + strconv.Itoa(version)
	}
	path += "/classification"
	if asOf != "" {
		path += "?as_of=" + url.QueryEscape(asOf)
	}
	var v registry.ClassificationView
	_, err := c.do(ctx, http.MethodGet, path, nil, nil, &v)
	return &v, err
}

package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/accord-gov/accord"
)

// Node returns the node's identity.
func (c *Client) Node(ctx context.Context) (*accord.NodeIdentity, error) {
	var id accord.NodeIdentity
	_, err := c.do(ctx, http.MethodGet, "/v1/node", nil, nil, &id)
	return &id, err
}

// Peers lists the node's peers.
func (c *Client) Peers(ctx context.Context) ([]accord.Peer, error) {
	var out struct {
		Peers []accord.Peer `json:"peers"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/peers", nil, nil, &out)
	return out.Peers, err
}

// Peer returns one peer.
func (c *Client) Peer(ctx context.Context, name string) (*accord.Peer, error) {
	var p accord.Peer
	_, err := c.do(ctx, http.MethodGet, "/v1/peers/"+url.PathEscape(name), nil, nil, &p)
	return &p, err
}

// AddPeer adds a peer (admin).
func (c *Client) AddPeer(ctx context.Context, p accord.NewPeer) (*accord.PeerChange, error) {
	var out accord.PeerChange
	_, err := c.do(ctx, http.MethodPost, "/v1/peers", nil, p, &out)
	return &out, err
}

// SetPeerState moves a peer to active or read-only (admin).
func (c *Client) SetPeerState(ctx context.Context, name string, ch accord.PeerStateChange) (*accord.PeerChange, error) {
	var out accord.PeerChange
	_, err := c.do(ctx, http.MethodPost, "/v1/peers/"+url.PathEscape(name)+"/state", nil, ch, &out)
	return &out, err
}

// RetirePeer retires a peer for good (admin).
func (c *Client) RetirePeer(ctx context.Context, name, reason string) (*accord.PeerChange, error) {
	path := "/v1/peers/" + url.PathEscape(name)
	if reason != "" {
		path += "?reason=" + url.QueryEscape(reason)
	}
	var out accord.PeerChange
	_, err := c.do(ctx, http.MethodDelete, path, nil, nil, &out)
	return &out, err
}

// Witnesses lists the node's external witnesses.
func (c *Client) Witnesses(ctx context.Context) ([]accord.ExternalWitness, error) {
	var out struct {
		Witnesses []accord.ExternalWitness `json:"witnesses"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/witnesses", nil, nil, &out)
	return out.Witnesses, err
}

// AddWitness adds an external witness (admin).
func (c *Client) AddWitness(ctx context.Context, w accord.NewExternalWitness) (*accord.WitnessChange, error) {
	var out accord.WitnessChange
	_, err := c.do(ctx, http.MethodPost, "/v1/witnesses", nil, w, &out)
	return &out, err
}

// RemoveWitness removes an external witness (admin).
func (c *Client) RemoveWitness(ctx context.Context, name string) (*accord.WitnessChange, error) {
	var out accord.WitnessChange
	_, err := c.do(ctx, http.MethodDelete, "/v1/witnesses/"+url.PathEscape(name), nil, nil, &out)
	return &out, err
}

// Policy returns the federation's default C2SP tlog-policy for the node's log.
func (c *Client) Policy(ctx context.Context) (string, error) {
	var text string
	_, err := c.do(ctx, http.MethodGet, "/v1/policy", nil, nil, &text)
	return text, err
}

package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/accord-gov/accord"
)

// Mirrors reports how mirroring each of the node's peers goes.
func (c *Client) Mirrors(ctx context.Context) ([]accord.MirrorStatus, error) {
	var out struct {
		Mirrors []accord.MirrorStatus `json:"mirrors"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/mirrors", nil, nil, &out)
	return out.Mirrors, err
}

// Alarms lists the split views the node detected, with their evidence;
// origin "" lists every log's.
func (c *Client) Alarms(ctx context.Context, origin string) ([]accord.Alarm, error) {
	path := "/v1/alarms"
	if origin != "" {
		path += "?origin=" + url.QueryEscape(origin)
	}
	var out struct {
		Alarms []accord.Alarm `json:"alarms"`
	}
	_, err := c.do(ctx, http.MethodGet, path, nil, nil, &out)
	return out.Alarms, err
}

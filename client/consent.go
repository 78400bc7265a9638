package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/accord-gov/accord"
)

// subjectHeader carries a person's identifier on /v1/consent/me routes.
const subjectHeader = "Accord-Subject"

// PublishConsentNotice publishes a new version of a system's notice (its provider).
func (c *Client) PublishConsentNotice(ctx context.Context, system string, n accord.NewConsentNotice) (*accord.ConsentNoticeChange, error) {
	var out accord.ConsentNoticeChange
	_, err := c.do(ctx, http.MethodPut, "/v1/systems/"+url.PathEscape(system)+"/consent-notice", nil, n, &out)
	return &out, err
}

// ConsentNotice returns a system's notice (version 0: the current one).
func (c *Client) ConsentNotice(ctx context.Context, system string, version int) (*accord.ConsentNotice, error) {
	path := "/v1/systems/" + url.PathEscape(system) + "/consent-notice"
	if version > 0 {
		path += "?version=" + strconv.Itoa(version)
	}
	var out accord.ConsentNotice
	_, err := c.do(ctx, http.MethodGet, path, nil, nil, &out)
	return &out, err
}

// ConsentNotices lists every system's current notice.
func (c *Client) ConsentNotices(ctx context.Context) ([]accord.ConsentNotice, error) {
	var out struct {
		Notices []accord.ConsentNotice `json:"notices"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/consent/notices", nil, nil, &out)
	return out.Notices, err
}

// ConsentKeys returns the keys receipts verify against.
func (c *Client) ConsentKeys(ctx context.Context) (*accord.ConsentKeys, error) {
	var out accord.ConsentKeys
	_, err := c.do(ctx, http.MethodGet, "/v1/consent/key", nil, nil, &out)
	return &out, err
}

// RecordConsent records an event; gpc sends Sec-GPC: 1.
func (c *Client) RecordConsent(ctx context.Context, req accord.ConsentRequest, gpc bool) (*accord.ConsentWrite, error) {
	var hdr http.Header
	if gpc {
		hdr = http.Header{"Sec-Gpc": {"1"}}
	}
	var out accord.ConsentWrite
	_, err := c.do(ctx, http.MethodPost, "/v1/consent/events", hdr, req, &out)
	return &out, err
}

// CheckConsent asks whether a system may use a subject's data for a
// purpose; token (may be "") is a consistency token.
func (c *Client) CheckConsent(ctx context.Context, chk accord.ConsentCheck, token string) (*accord.ConsentDecision, error) {
	q := url.Values{"system": {chk.System}, "purpose": {chk.Purpose}, "subject": {chk.Subject}}
	if token != "" {
		q.Set("token", token)
	}
	if chk.Data != "" {
		q.Set("data", chk.Data)
	}
	if chk.At != nil {
		q.Set("at", chk.At.Format("2006-01-02T15:04:05.999999999Z07:00"))
	}
	var out accord.ConsentDecision
	_, err := c.do(ctx, http.MethodGet, "/v1/consent/check?"+q.Encode(), nil, nil, &out)
	return &out, err
}

// CheckConsentBatch runs many checks at one token.
func (c *Client) CheckConsentBatch(ctx context.Context, b accord.ConsentBatch) ([]accord.ConsentDecision, error) {
	var out struct {
		Decisions []accord.ConsentDecision `json:"decisions"`
	}
	_, err := c.do(ctx, http.MethodPost, "/v1/consent/check", nil, b, &out)
	return out.Decisions, err
}

// ConsentHistory returns a person's history.
func (c *Client) ConsentHistory(ctx context.Context, subject string) (*accord.ConsentHistory, error) {
	var out accord.ConsentHistory
	_, err := c.do(ctx, http.MethodGet, "/v1/consent/me", http.Header{subjectHeader: {subject}}, nil, &out)
	return &out, err
}

// ConsentReceipts exports a person's history as signed receipts.
func (c *Client) ConsentReceipts(ctx context.Context, subject string) ([]accord.ConsentReceipt, error) {
	var out []accord.ConsentReceipt
	_, err := c.do(ctx, http.MethodGet, "/v1/consent/me/receipts", http.Header{subjectHeader: {subject}}, nil, &out)
	return out, err
}

// EraseConsent erases a person's consent record.
func (c *Client) EraseConsent(ctx context.Context, subject string) (*accord.ConsentErasure, error) {
	var out accord.ConsentErasure
	_, err := c.do(ctx, http.MethodPost, "/v1/consent/me/erase", http.Header{subjectHeader: {subject}}, nil, &out)
	return &out, err
}

// ProcessingRecords returns a provider's GDPR Art. 30 records.
func (c *Client) ProcessingRecords(ctx context.Context, org string) ([]accord.ProcessingRecord, error) {
	var out struct {
		Records []accord.ProcessingRecord `json:"records"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/organizations/"+url.PathEscape(org)+"/processing-records", nil, nil, &out)
	return out.Records, err
}

// ConsentStats returns a system's consent counts.
func (c *Client) ConsentStats(ctx context.Context, system string) (*accord.ConsentStats, error) {
	var out accord.ConsentStats
	_, err := c.do(ctx, http.MethodGet, "/v1/systems/"+url.PathEscape(system)+"/consent-stats", nil, nil, &out)
	return &out, err
}

package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/accord-gov/accord"
)

// FileIncidentReport files a report (without a token: a complaint from the public).
func (c *Client) FileIncidentReport(ctx context.Context, r accord.NewIncidentReport) (*accord.IncidentReportView, error) {
	var v accord.IncidentReportView
	_, err := c.do(ctx, http.MethodPost, "/v1/incidents", nil, r, &v)
	return &v, err
}

// FileIncidentReportOnce files a report with an Idempotency-Key: a retry
// with the same key and report returns the report filed the first time.
func (c *Client) FileIncidentReportOnce(ctx context.Context, r accord.NewIncidentReport, key string) (*accord.IncidentReportView, error) {
	var v accord.IncidentReportView
	_, err := c.do(ctx, http.MethodPost, "/v1/incidents", http.Header{"Idempotency-Key": {key}}, r, &v)
	return &v, err
}

// IncidentReceipt proves a report version's entry against the node's latest checkpoint.
func (c *Client) IncidentReceipt(ctx context.Context, id string, version int) (*accord.Receipt, error) {
	var rc accord.Receipt
	_, err := c.do(ctx, http.MethodGet, "/v1/incident-reports/"+url.PathEscape(id)+"/versions/"+strconv.Itoa(version)+"/receipt", nil, nil, &rc)
	return &rc, err
}

// AddIncidentReportVersion files the next version (follow-up, final) of one's own report.
func (c *Client) AddIncidentReportVersion(ctx context.Context, id string, r accord.NewIncidentReport) (*accord.IncidentReportView, error) {
	var v accord.IncidentReportView
	_, err := c.do(ctx, http.MethodPost, "/v1/incident-reports/"+url.PathEscape(id)+"/versions", nil, r, &v)
	return &v, err
}

// Incident reads an incident (a merged id follows its redirect).
func (c *Client) Incident(ctx context.Context, id string) (*accord.IncidentView, error) {
	var v accord.IncidentView
	_, err := c.do(ctx, http.MethodGet, "/v1/incidents/"+url.PathEscape(id), nil, nil, &v)
	return &v, err
}

// IncidentReport reads a report's version (0: the latest).
func (c *Client) IncidentReport(ctx context.Context, id string, version int) (*accord.IncidentReportView, error) {
	p := "/v1/incident-reports/" + url.PathEscape(id)
	if version > 0 {
		p += "/versions/" + strconv.Itoa(version)
	}
	var v accord.IncidentReportView
	_, err := c.do(ctx, http.MethodGet, p, nil, nil, &v)
	return &v, err
}

// IncidentReportVersions lists a report's versions.
func (c *Client) IncidentReportVersions(ctx context.Context, id string) ([]accord.IncidentReport, error) {
	var v struct {
		Versions []accord.IncidentReport `json:"versions"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/incident-reports/"+url.PathEscape(id)+"/versions", nil, nil, &v)
	return v.Versions, err
}

// SearchIncidents searches public incidents.
func (c *Client) SearchIncidents(ctx context.Context, q accord.IncidentQuery) (*accord.IncidentPage, error) {
	v := url.Values{}
	for k, s := range map[string]string{"q": q.Q, "system": q.System, "provider": q.Provider, "country": q.Country, "harm": q.Harm,
		"severity": q.Severity, "kind": q.Kind, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.DateOnly))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.Format(time.DateOnly))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var p accord.IncidentPage
	_, err := c.do(ctx, http.MethodGet, "/v1/incidents?"+v.Encode(), nil, nil, &p)
	return &p, err
}

// SuggestIncidents lists incidents that may be the same event as a draft.
func (c *Client) SuggestIncidents(ctx context.Context, r accord.NewIncidentReport) ([]accord.DuplicateSuggestion, error) {
	var v struct {
		Duplicates []accord.DuplicateSuggestion `json:"duplicates"`
	}
	_, err := c.do(ctx, http.MethodPost, "/v1/incident-suggestions", nil, r, &v)
	return v.Duplicates, err
}

// IncidentDeadlines previews the deadlines of a draft report.
func (c *Client) IncidentDeadlines(ctx context.Context, r accord.NewIncidentReport) ([]accord.Deadline, error) {
	var v struct {
		Deadlines []accord.Deadline `json:"deadlines"`
	}
	_, err := c.do(ctx, http.MethodPost, "/v1/incident-deadlines/preview", nil, r, &v)
	return v.Deadlines, err
}

// MergeIncident merges incident from into another (an authority's token).
func (c *Client) MergeIncident(ctx context.Context, from string, m accord.IncidentMerge) (*accord.IncidentMergeView, error) {
	var v accord.IncidentMergeView
	_, err := c.do(ctx, http.MethodPost, "/v1/incidents/"+url.PathEscape(from)+"/merge", nil, m, &v)
	return &v, err
}

// IncidentDashboard reads the authority's dashboard ("" country: its own).
func (c *Client) IncidentDashboard(ctx context.Context, country, status, cursor string, limit int) (*accord.DashboardView, error) {
	v := url.Values{}
	for k, s := range map[string]string{"country": country, "status": status, "cursor": cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var d accord.DashboardView
	_, err := c.do(ctx, http.MethodGet, "/v1/incident-deadlines?"+v.Encode(), nil, nil, &d)
	return &d, err
}

// IncidentTaxonomies reads the harm vocabularies and duties.
func (c *Client) IncidentTaxonomies(ctx context.Context) (json.RawMessage, error) {
	var v json.RawMessage
	_, err := c.do(ctx, http.MethodGet, "/v1/incident-taxonomies", nil, nil, &v)
	return v, err
}

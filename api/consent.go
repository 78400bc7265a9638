package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/consent"
	"github.com/accord-gov/accord/registry"
)

// Consent's routes: systems' notices (provider writes, public reads),
// people's events (the subject with a key: identifier, or a provider on a
// person's instruction), objections by machine-readable signal (Sec-GPC),
// providers' checks (single and batch, with consistency tokens), the change
// stream (server-sent events), a person's history, receipts and erasure,
// records of processing and statistics. Without a consent service they
// answer 503.

// SubjectHeader carries a person's identifier on the /v1/consent/me
// routes, so that it never appears in a URL.
const SubjectHeader = "Accord-Subject"

func (a *API) consentRoutes() {
	for pattern, h := range map[string]handlerFunc{
		"PUT /v1/systems/{id}/consent-notice":           a.putConsentNotice,
		"GET /v1/systems/{id}/consent-notice":           a.getConsentNotice,
		"GET /v1/systems/{id}/consent-stats":            a.consentStats,
		"GET /v1/organizations/{id}/processing-records": a.processingRecords,
		"GET /v1/consent/notices":                       a.listConsentNotices,
		"GET /v1/consent/key":                           a.consentKey,
		"POST /v1/consent/events":                       a.recordConsent,
		"POST /v1/consent/objections":                   a.recordObjection,
		"GET /v1/consent/check":                         a.checkConsent,
		"POST /v1/consent/check":                        a.checkConsentBatch,
		"GET /v1/consent/stream":                        a.consentStream,
		"GET /v1/consent/me":                            a.consentHistory,
		"GET /v1/consent/me/receipts":                   a.consentReceipts,
		"POST /v1/consent/me/erase":                     a.eraseConsent,
	} {
		a.handle(pattern, func(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
			if a.consent == nil {
				return accord.Errorf(accord.EUnavailable, "this node runs without consent")
			}
			return h(w, r, c)
		})
	}
}

func (a *API) putConsentNotice(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var req accord.NewConsentNotice
	if err := decode(w, r, &req); err != nil {
		return err
	}
	res, err := a.consent.PublishNotice(r.Context(), c, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/v1/systems/%s/consent-notice?version=%d", res.Notice.System, res.Notice.Version))
	writeJSON(w, r, http.StatusCreated, res)
	return nil
}

func (a *API) getConsentNotice(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r, "version"); err != nil {
		return err
	}
	v, err := queryInt(r, "version")
	if err != nil {
		return err
	}
	if v < 0 {
		return accord.FieldErrorf("version", "must be a version number (1, 2, …)")
	}
	n, err := a.consent.Notice(r.Context(), r.PathValue("id"), v)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, n)
	return nil
}

func (a *API) listConsentNotices(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	ns, err := a.consent.Notices(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"notices": ns})
	return nil
}

func (a *API) consentKey(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, accord.ConsentKeys{ConsentKey: a.consent.VerifierKey(), LogKey: a.verifierKey, MaxStalenessMS: consent.MaxStaleness.Milliseconds()})
	return nil
}

// channel says how an event came: a provider's token, or the person
// through the API (a Sec-GPC: 1 header makes it a signal).
func channel(r *http.Request) consent.Channel {
	if r.Header.Get("Sec-GPC") == "1" {
		return consent.Channel{Method: accord.MethodSignal, Signal: "Sec-GPC"}
	}
	return consent.Channel{Method: accord.MethodAPI}
}

func (a *API) recordConsent(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var req accord.ConsentRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	res, err := a.consent.Record(r.Context(), c, req, channel(r))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusCreated, res)
	return nil
}

// consentObjection is the body of POST /v1/consent/objections: what a
// browser extension or an agent sends (GDPR Art. 21(5)).
type consentObjection struct {
	Subject string `json:"subject"`
	accord.ConsentScope
	Purpose string `json:"purpose,omitempty"` // default *
}

func (a *API) recordObjection(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var o consentObjection
	if err := decode(w, r, &o); err != nil {
		return err
	}
	if o.Purpose == "" {
		o.Purpose = "*"
	}
	res, err := a.consent.Record(r.Context(), c, accord.ConsentRequest{Subject: o.Subject, Action: accord.ActionObject, ConsentScope: o.ConsentScope, Purpose: o.Purpose}, channel(r))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusCreated, res)
	return nil
}

func parseAt(r *http.Request) (*time.Time, error) {
	s := r.URL.Query().Get("at")
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, accord.FieldErrorf("at", "must be an RFC 3339 time (2026-12-01T12:00:00Z), not %q", s)
	}
	return &t, nil
}

func (a *API) checkConsent(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r, "system", "purpose", "subject", "at", "token", "data"); err != nil {
		return err
	}
	at, err := parseAt(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d, err := a.consent.Check(r.Context(), c, accord.ConsentCheck{System: q.Get("system"), Purpose: q.Get("purpose"), Subject: q.Get("subject"), Data: q.Get("data"), At: at}, q.Get("token"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, d)
	return nil
}

func (a *API) checkConsentBatch(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var b accord.ConsentBatch
	if err := decode(w, r, &b); err != nil {
		return err
	}
	ds, err := a.consent.CheckBatch(r.Context(), c, b)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"decisions": ds, "token": a.consent.Token()})
	return nil
}

// Stream limits: a heartbeat comment keeps proxies from closing an idle
// stream; a stream ends after streamMax and the client resumes with
// Last-Event-ID.
const (
	streamHeartbeat = 15 * time.Second
	streamMax       = 10 * time.Minute
	streamPage      = 500
)

func (a *API) consentStream(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r, "after"); err != nil {
		return err
	}
	if c == nil {
		return accord.Errorf(accord.EUnauthorized, "the change stream needs the provider's token")
	}
	after := int64(-1)
	from := r.Header.Get("Last-Event-ID")
	field := "Last-Event-ID"
	if from == "" {
		from, field = r.URL.Query().Get("after"), "after"
	}
	if from != "" {
		t, err := accord.ParseConsentToken(from)
		if err != nil {
			return accord.FieldErrorf(field, "%v", err)
		}
		after = t
	}
	// Check the caller before the stream starts, so errors are problem bodies.
	changes, wait, err := a.consent.Changes(r.Context(), c, after, streamPage)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 1000\n\n")
	ctx := r.Context()
	end := time.After(streamMax)
	beat := time.NewTicker(streamHeartbeat)
	defer beat.Stop()
	for {
		for _, ch := range changes {
			after = ch.Seq
			if ch.Action == "checkpoint" {
				fmt.Fprintf(w, "id: %s\n\n", accord.ConsentToken(ch.Seq))
				continue
			}
			b, _ := json.Marshal(ch)
			fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", accord.ConsentToken(ch.Seq), ch.Action, b)
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		if len(changes) == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-end:
				return nil
			case <-beat.C:
				fmt.Fprintf(w, ": heartbeat %s\n\n", a.consent.Token())
			case <-wait:
			}
		}
		if changes, wait, err = a.consent.Changes(ctx, c, after, streamPage); err != nil {
			fmt.Fprintf(w, "event: error\ndata: %s\n\n", strconv.Quote(accord.ErrorMessage(err)))
			rc.Flush()
			return nil
		}
	}
}

// subjectOf reads a person's identifier from the Accord-Subject header.
func subjectOf(r *http.Request) (string, error) {
	s := strings.TrimSpace(r.Header.Get(SubjectHeader))
	if s == "" {
		return "", accord.FieldErrorf(SubjectHeader, "is required: send your identifier (key:…) in the %s header", SubjectHeader)
	}
	if msg := accord.CheckText(s, accord.Line); msg != "" {
		return "", accord.FieldErrorf(SubjectHeader, "%s", msg)
	}
	return s, nil
}

func (a *API) consentHistory(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	id, err := subjectOf(r)
	if err != nil {
		return err
	}
	p, es, err := a.consent.History(r.Context(), c, id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, http.StatusOK, accord.ConsentHistory{Subject: p, Events: es})
	return nil
}

func (a *API) consentReceipts(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	id, err := subjectOf(r)
	if err != nil {
		return err
	}
	rs, err := a.consent.Export(r.Context(), c, id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="consent-receipts.json"`)
	writeJSON(w, r, http.StatusOK, rs)
	return nil
}

func (a *API) eraseConsent(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	id, err := subjectOf(r)
	if err != nil {
		return err
	}
	res, err := a.consent.Erase(r.Context(), c, id)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, res)
	return nil
}

func (a *API) processingRecords(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	rs, err := a.consent.Records(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"records": rs})
	return nil
}

func (a *API) consentStats(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	st, err := a.consent.Stats(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, st)
	return nil
}

// Package api is the node's REST API under /v1: JSON in and out, RFC 9457
// problem details for every error, and a hand-written OpenAPI 3.1 document
// (openapi.yaml) that tests hold the handlers to.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/compress"
)

// statusOf maps error codes to HTTP statuses, in one place.
var statusOf = map[string]int{
	accord.EInvalid:              http.StatusUnprocessableEntity,
	accord.ENotFound:             http.StatusNotFound,
	accord.EConflict:             http.StatusConflict,
	accord.EPreconditionFailed:   http.StatusPreconditionFailed,
	accord.EPreconditionRequired: http.StatusPreconditionRequired,
	accord.EUnauthorized:         http.StatusUnauthorized,
	accord.EForbidden:            http.StatusForbidden,
	accord.ETooLarge:             http.StatusRequestEntityTooLarge,
	accord.EUnavailable:          http.StatusServiceUnavailable,
	accord.EInternal:             http.StatusInternalServerError,
	errBadRequest:                http.StatusBadRequest,
	errUnsupportedMedia:          http.StatusUnsupportedMediaType,
	errMethodNotAllowed:          http.StatusMethodNotAllowed,
	ErrTooManyRequests:           http.StatusTooManyRequests,
}

// Codes only the HTTP layer produces.
const (
	errBadRequest       = "bad_request" // the body is not JSON, or not UTF-8
	errUnsupportedMedia = "unsupported_media_type"
	errMethodNotAllowed = "method_not_allowed"
	// ErrTooManyRequests: a client went over one of the node's limits
	// (node.Limits), which answer before the API sees the request.
	ErrTooManyRequests = "too_many_requests"
)

// Problem is an RFC 9457 problem details body, extended with the
// machine-readable error code and the fields at fault.
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail"`
	Instance string              `json:"instance,omitempty"`
	Code     string              `json:"code"`
	Errors   []accord.FieldError `json:"errors,omitempty"`
}

// ProblemType is the URI that documents an error code.
func ProblemType(code string) string { return "https://accord.dev/problems/" + code }

// writeError answers with a problem body. Internal errors are logged and
// reported without detail.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	code := accord.ErrorCode(err)
	if errors.Is(err, context.Canceled) {
		code = accord.EUnavailable
	}
	var fields []accord.FieldError
	var e *accord.Error
	if errors.As(err, &e) {
		fields = e.Fields
	}
	if code == accord.EInternal || code == accord.EUnavailable {
		logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := Problem{
		Type: ProblemType(code), Title: http.StatusText(status), Status: status,
		Detail: accord.ErrorMessage(err), Instance: r.URL.Path, Code: code, Errors: fields,
	}
	if code == accord.EUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// TooManyRequests answers 429 with Retry-After (whole seconds, at least
// one) and a problem body that says which limit and when to come back.
func TooManyRequests(w http.ResponseWriter, r *http.Request, retry time.Duration, detail string) {
	secs := max(1, int(math.Ceil(retry.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusTooManyRequests)
	json.NewEncoder(w).Encode(Problem{
		Type: ProblemType(ErrTooManyRequests), Title: http.StatusText(http.StatusTooManyRequests), Status: http.StatusTooManyRequests,
		Detail: fmt.Sprintf("%s; retry after %d s", detail, secs), Instance: r.URL.Path, Code: ErrTooManyRequests,
	})
}

// writeJSON answers with a JSON body; a read's answer is compressed when
// the client accepts it. The body is encoded whole first, so that it goes out in one write with
// its length (no chunked encoding), and an encoding error is still a
// problem response rather than half a body.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 { // keep no huge buffer alive
			jsonBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Not expected: every response type encodes. The default logger,
		// since the API's is not at hand here.
		writeError(w, r, slog.Default(), fmt.Errorf("encode the response: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// A write's answer is mostly its receipt (hashes, signatures):
		// gzip halves its 3–4 KB but costs more CPU than the rest of the
		// HTTP layer of the write, on the path every filing takes.
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		w.WriteHeader(status)
		w.Write(buf.Bytes())
		return
	}
	compress.Write(w, r, status, buf.Bytes())
}

var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

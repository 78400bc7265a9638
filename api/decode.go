package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/internal/strictjson"
)

// MaxBodyBytes bounds request bodies. A filing must fit in one 64 KiB log
// entry anyway; the margin allows for JSON escapes and confidential fields.
const MaxBodyBytes = 256 << 10

// decode reads a JSON request body into v, strictly: the content type must be
// JSON, the body valid UTF-8 within MaxBodyBytes, with no duplicate,
// case-variant or unknown keys, wrong types or trailing data. Errors name the
// field at fault.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &accord.Error{Code: errUnsupportedMedia, Message: fmt.Sprintf("Content-Type %q: send application/json", ct)}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return accord.Errorf(accord.ETooLarge, "the request body is larger than %d bytes", MaxBodyBytes)
		}
		return &accord.Error{Code: errBadRequest, Message: "could not read the request body: " + err.Error()}
	}
	return decodeBytes(body, v)
}

// decodeBytes is decode's strict JSON decoding (internal/strictjson: no
// duplicate or case-variant keys, no lone surrogate escapes, no unknown
// fields), shared with the fuzz test. A body that is not JSON is a 400; JSON
// that does not fit the request is a 422 naming every key at fault.
func decodeBytes(body []byte, v any) error {
	err := strictjson.Decode(body, v)
	var se *strictjson.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	if se.Malformed() {
		p := se.Problems[0]
		e := &accord.Error{Code: errBadRequest, Message: "the request body " + p.Msg}
		if p.Path != "" {
			e.Message = "the request body is not valid JSON: " + p.Path + ": " + p.Msg
			e.Fields = []accord.FieldError{{Field: p.Path, Message: p.Msg}}
		}
		return e
	}
	var probs accord.Problems
	for _, p := range se.Problems {
		field, msg := p.Path, p.Msg
		if field == "" {
			field = "(body)"
		}
		if p.Kind == strictjson.Unknown {
			msg = "is not a field of this request: check its spelling against GET /v1/openapi.json"
			if p.Near != "" {
				msg = fmt.Sprintf("is not a field of this request (did you mean %s?): check its spelling against GET /v1/openapi.json", p.Near)
			}
		}
		probs.Add(field, "%s", msg)
	}
	return probs.Err()
}

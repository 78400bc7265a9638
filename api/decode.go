package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/accord-gov/accord"
)

// MaxBodyBytes bounds request bodies. A filing must fit in one 64 KiB log
// entry anyway; the margin allows for JSON escapes and confidential fields.
const MaxBodyBytes = 256 << 10

// decode reads a JSON request body into v, strictly: the content type must be
// JSON, the body valid UTF-8 within MaxBodyBytes, with no unknown fields,
// wrong types or trailing data. Errors name the field at fault.
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

// decodeBytes is decode's strict JSON decoding, shared with the fuzz test.
func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &accord.Error{Code: errBadRequest, Message: "the request body is empty: send a JSON object"}
	}
	if !utf8.Valid(body) {
		off := 0
		for off < len(body) {
			r, size := utf8.DecodeRune(body[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return &accord.Error{Code: errBadRequest, Message: fmt.Sprintf("the request body is not valid UTF-8 (first bad byte at offset %d)", off)}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			// encoding/json names the field but not where it is: find every
			// unknown field with its full path.
			var generic any
			if json.Unmarshal(body, &generic) == nil {
				var p accord.Problems
				for _, path := range unknownFields(generic, reflect.TypeOf(v), "") {
					p.Add(path, "is not a field of this request: check its spelling against GET /v1/openapi.json")
				}
				if len(p) > 0 {
					return p.Err()
				}
			}
		}
		return jsonError(err)
	}
	if dec.More() {
		return &accord.Error{Code: errBadRequest, Message: "the request body has data after its JSON value"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &accord.Error{Code: errBadRequest, Message: "the request body has data after its JSON value"}
	}
	return nil
}

// jsonError turns encoding/json's errors into problems naming the field.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &accord.Error{Code: errBadRequest, Message: fmt.Sprintf("the request body is not valid JSON (at byte %d): %v", se.Offset, se)}
	case errors.As(err, &te):
		field := jsonPath(te.Field)
		if field == "" {
			field = "(body)"
		}
		return accord.FieldErrorf(field, "must be %s, not a JSON %s", jsonTypeName(te.Type.Kind().String(), te.Type.String()), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &accord.Error{Code: errBadRequest, Message: "the request body is truncated JSON"}
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return accord.FieldErrorf(f, "is not a field of this request: check its spelling against GET /v1/openapi.json")
	}
	return &accord.Error{Code: errBadRequest, Message: "the request body could not be decoded: " + msg}
}

func jsonTypeName(kind, typ string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32":
		return "an integer"
	case "float64", "float32":
		return "a number"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	case "ptr":
		switch typ {
		case "*bool":
			return "true or false"
		case "*float64":
			return "a number"
		case "*int64":
			return "an integer"
		case "*string":
			return "a string"
		}
	}
	return "a " + typ
}

// jsonPath drops the Go names of embedded structs from encoding/json's field
// paths ("Filing.facts.x" → "facts.x"): JSON names here are lower case.
func jsonPath(p string) string {
	parts := strings.Split(p, ".")
	out := parts[:0]
	for _, s := range parts {
		if s != "" && (s[0] < 'A' || s[0] > 'Z') {
			out = append(out, s)
		}
	}
	return strings.Join(out, ".")
}

// unknownFields lists the paths of keys in a decoded JSON value that the Go
// type t has no field for.
func unknownFields(v any, t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		var out []string
		for k, x := range obj {
			ft, ok := fields[k]
			if !ok {
				out = append(out, join(k))
				continue
			}
			out = append(out, unknownFields(x, ft, join(k))...)
		}
		return out
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		var out []string
		for i, x := range arr {
			out = append(out, unknownFields(x, t.Elem(), fmt.Sprintf("%s[%d]", prefix, i))...)
		}
		return out
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		var out []string
		for k, x := range obj {
			out = append(out, unknownFields(x, t.Elem(), join(k))...)
		}
		return out
	}
	return nil
}

// collectFields maps JSON names to field types, flattening embedded structs.
func collectFields(t reflect.Type, into map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			collectFields(f.Type, into)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		into[name] = f.Type
	}
}

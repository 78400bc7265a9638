package accord

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. The API maps them to HTTP statuses in one place (api/problem.go).
const (
	EInvalid              = "invalid"               // the request is malformed or a field is wrong
	ENotFound             = "not_found"             // no such resource
	EConflict             = "conflict"              // the request conflicts with stored state
	EPreconditionFailed   = "precondition_failed"   // If-Match does not match the current version
	EPreconditionRequired = "precondition_required" // an update came without If-Match
	EUnauthorized         = "unauthorized"          // no valid credential
	EForbidden            = "forbidden"             // valid credential, not allowed to do this
	ETooLarge             = "too_large"             // body or record over a size limit
	EUnavailable          = "unavailable"           // a dependency (the database) is down
	EInternal             = "internal"              // a bug or an unexpected failure
)

// FieldError names one field at fault, by its JSON path (e.g. "trade_name.zh-Hans").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an application error: a machine-readable code, a human message, and the
// fields at fault. Anything else that reaches the API is reported as EInternal.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("accord: %s: %s", e.Code, e.Message)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return fmt.Sprintf("accord: %s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EInvalid error naming one field.
func FieldErrorf(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EInvalid, Message: field + ": " + msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

// ErrorCode returns the code of an *Error in err's chain, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// ErrorMessage returns the message of an *Error in err's chain; internal
// errors get a generic message so that no implementation detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Problems collects field errors during validation.
type Problems []FieldError

// Add records a problem with a field.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil if there were no problems, else one EInvalid error naming every field.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	msg := p[0].Field + ": " + p[0].Message
	if len(p) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(p)-1)
	}
	return &Error{Code: EInvalid, Message: msg, Fields: p}
}

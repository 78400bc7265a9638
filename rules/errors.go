package rules

import (
	"errors"
	"strconv"
)

// LoadError is one problem found in a pack file. Load and LoadAll return
// every problem they find, joined with errors.Join; use Problems to list them.
type LoadError struct {
	File string // the name given to Load
	Line int    // 1-based; 0 when the problem concerns the whole file
	Rule string // the rule, tier, obligation or exclusion at fault, if any
	Msg  string
}

func (e *LoadError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	s += ": "
	if e.Rule != "" {
		s += e.Rule + ": "
	}
	return s + e.Msg
}

// Problems flattens an error returned by Load or LoadAll into its problems,
// in file and line order.
func Problems(err error) []*LoadError {
	var out []*LoadError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if le, ok := err.(*LoadError); ok {
			out = append(out, le)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if u := errors.Unwrap(err); u != nil {
			walk(u)
			return
		}
		var le *LoadError
		if errors.As(err, &le) {
			out = append(out, le)
			return
		}
		out = append(out, &LoadError{Msg: err.Error()})
	}
	walk(err)
	return out
}

func joinErrors(errs []*LoadError) error {
	if len(errs) == 0 {
		return nil
	}
	es := make([]error, len(errs))
	for i, e := range errs {
		es[i] = e
	}
	return errors.Join(es...)
}

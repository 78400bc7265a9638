package accord

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Pagination cursors are opaque to clients; inside they hold the position
// (a store's row sequence number) after which the next page starts.

// EncodeCursor makes a cursor from a position.
func EncodeCursor(pos int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("p" + strconv.FormatInt(pos, 10)))
}

// DecodeCursor reads a cursor; "" means the first page.
func DecodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if s, ok := strings.CutPrefix(string(b), "p"); ok {
			if pos, err := strconv.ParseInt(s, 10, 64); err == nil && pos > 0 {
				return pos, nil
			}
		}
	}
	return 0, FieldErrorf("cursor", "is not a cursor this node issued: use the \"next\" value of a previous page")
}

// PageLimit clamps a requested page size to [1, 100], defaulting to 20.
func PageLimit(n int) int {
	switch {
	case n <= 0:
		return 20
	case n > 100:
		return 100
	}
	return n
}

// PageRows is what paging reads of a query's result; database/sql's and
// pgx's rows both have it.
type PageRows interface {
	Next() bool
	Scan(dest ...any) error
}

// ReadPage reads one page from rows queried with LIMIT limit+1 in page
// order: read scans a row into its position and item. It returns at most
// limit items (never nil) and, when a further row shows there is more, the
// cursor of the next page. Errors from read are returned as they are; the
// caller checks its rows' Err.
func ReadPage[T any](rows PageRows, limit int, read func(PageRows) (int64, T, error)) ([]T, string, error) {
	items := []T{}
	var last int64
	for rows.Next() {
		if len(items) == limit {
			return items, EncodeCursor(last), nil
		}
		pos, item, err := read(rows)
		if err != nil {
			return nil, "", err
		}
		items = append(items, item)
		last = pos
	}
	return items, "", nil
}

// JSONRow reads a page row of a position and a stored JSON value (what
// names it in messages). scanErr wraps a failed scan as the store reports
// database errors.
func JSONRow[T any](what string, scanErr func(error) error) func(PageRows) (int64, T, error) {
	return func(r PageRows) (int64, T, error) {
		var pos int64
		var data []byte
		var v T
		if err := r.Scan(&pos, &data); err != nil {
			return 0, v, scanErr(err)
		}
		if err := json.Unmarshal(data, &v); err != nil {
			return 0, v, fmt.Errorf("decode stored %s: %w", what, err)
		}
		return pos, v, nil
	}
}

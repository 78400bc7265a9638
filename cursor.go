package accord

import (
	"encoding/base64"
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

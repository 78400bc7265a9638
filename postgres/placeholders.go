package postgres

import (
	"strconv"
	"strings"
)

// dollar rewrites a query's ? placeholders as $1, $2, … . The SQL the
// capabilities share with SQLite (internal/govsql, consentsql, incidentsql,
// resourcesql) is written with ?, which PostgreSQL does not take; it has no
// ? inside literals.
func dollar(query string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

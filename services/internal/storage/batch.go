package storage

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// InChunk bounds the values of one IN list that QueryIn sends. Both
// engines take far more bound parameters, but SQLite matches each numbered
// placeholder against those before it while preparing, so a few hundred
// keeps the statement quick to prepare and the round trips few.
const InChunk = 250

// Queryer runs a query; *sql.DB and *sql.Tx are both one.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// QueryIn runs query, which must end in "IN ", once per chunk of values,
// with the chunk's placeholders appended, and hands every row to scan: a
// batch reads what it needs in a few statements rather than one per item.
func QueryIn[T any](ctx context.Context, q Queryer, query string, values []T, scan func(*sql.Rows) error) error {
	for len(values) > 0 {
		n := min(len(values), InChunk)
		args := make([]any, n)
		for i, v := range values[:n] {
			args[i] = v
		}
		values = values[n:]
		rows, err := q.QueryContext(ctx, query+Placeholders(1, n), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Placeholders returns rows groups of width numbered placeholders, for a
// multi-row VALUES or an IN list: "($1,$2),($3,$4)" for 2 rows of 2.
func Placeholders(rows, width int) string {
	var b strings.Builder
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range width {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteString("$" + strconv.Itoa(n))
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// seqBlock is the step of the works sequence on PostgreSQL (see the
// migration): each value of the sequence stands for the block of seqBlock
// values that starts at it.
const seqBlock = 1024

// copyCreate inserts every work of the plan with COPY, in one SERIALIZABLE
// transaction on a raw pgx connection. It reads nothing first: a chosen id
// that is taken, or a request that is a retry, fails on a unique
// constraint, and the caller then takes the exact path. Rows are built as
// COPY asks for them, so that building them overlaps with PostgreSQL
// storing the ones already sent.
func (s *SQL) copyCreate(ctx context.Context, p *plan) error {
	var fresh []*item
	var chosen []string
	for i := range p.items {
		if it := &p.items[i]; it.inserts() {
			fresh = append(fresh, it)
			if it.Work.ID != "" {
				chosen = append(chosen, it.w.ID)
			}
		}
	}
	return s.db.PgxConn(ctx, func(c *pgx.Conn) error {
		return serializable(ctx, c, func(tx pgx.Tx) error {
			if len(chosen) > 0 {
				// No constraint keeps a retired id out (see retireIfHeld).
				var id string
				err := tx.QueryRow(ctx, "SELECT id FROM retired_works WHERE id = ANY($1) LIMIT 1", chosen).Scan(&id)
				if err == nil {
					return retired(id)
				}
				if !errors.Is(err, pgx.ErrNoRows) {
					return err
				}
			}
			seqs, err := reserveSeqs(ctx, tx, len(fresh))
			if err != nil {
				return err
			}
			for i, it := range fresh {
				it.w.Seq = seqs[i]
			}
			i := -1
			works := pgx.CopyFromFunc(func() ([]any, error) {
				if i++; i == len(fresh) {
					return nil, nil
				}
				r, err := workRow(fresh[i].w)
				return append([]any{fresh[i].w.Seq}, r...), err
			})
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"works"}, append([]string{"seq"}, worksCols...), works); err != nil {
				return fmt.Errorf("copy into works: %w", err)
			}
			var bands, requests [][]any
			n, pending := -1, [][]any(nil)
			terms := pgx.CopyFromFunc(func() ([]any, error) {
				for len(pending) == 0 {
					if n++; n == len(fresh) {
						return nil, nil
					}
					var b, r [][]any
					pending, b, r = p.sideRows(fresh[n])
					bands, requests = append(bands, b...), append(requests, r...)
				}
				row := pending[0]
				pending = pending[1:]
				return row, nil
			})
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"work_terms"}, termsCols, terms); err != nil {
				return fmt.Errorf("copy into work_terms: %w", err)
			}
			for _, t := range []struct {
				table string
				cols  []string
				rows  [][]any
			}{{"work_iscc_bands", bandCols, bands}, {"requests", requestCols, requests}} {
				if len(t.rows) == 0 {
					continue
				}
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.table}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
					return fmt.Errorf("copy into %s: %w", t.table, err)
				}
			}
			return nil
		})
	})
}

// reserveSeqs takes n values for new works, in increasing order, so that
// the side tables can name the works before they exist: one block of the
// sequence per seqBlock works.
func reserveSeqs(ctx context.Context, tx pgx.Tx, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, "SELECT nextval(pg_get_serial_sequence('works', 'seq')) FROM generate_series(1, $1)", (n+seqBlock-1)/seqBlock)
	if err != nil {
		return nil, fmt.Errorf("reserve %d sequence values: %w", n, err)
	}
	starts, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("reserve %d sequence values: %w", n, err)
	}
	slices.Sort(starts)
	seqs := make([]int64, 0, n)
	for _, start := range starts {
		for j := int64(0); j < seqBlock && len(seqs) < n; j++ {
			seqs = append(seqs, start+j)
		}
	}
	return seqs, nil
}

// serializable runs fn in a SERIALIZABLE transaction on c, retried with
// jittered backoff when it loses a race (serialization failure, deadlock),
// as storage.DB.Tx does for database/sql transactions.
func serializable(ctx context.Context, c *pgx.Conn, fn func(pgx.Tx) error) error {
	backoff := 2 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := pgx.BeginTxFunc(ctx, c, pgx.TxOptions{IsoLevel: pgx.Serializable}, fn)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || (pgErr.Code != "40001" && pgErr.Code != "40P01") || attempt == 8 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff/2 + rand.N(backoff)):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

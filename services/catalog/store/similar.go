package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"modernc.org/sqlite"

	"github.com/stemma-registry/stemma/services/catalog/similarity"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/storage"
)

// SimilarQuery asks for the works with a unit within MaxDistance of one of
// Units (of its kind).
type SimilarQuery struct {
	Units       []similarity.Unit
	MaxDistance int
}

// Match is one work a similarity search found: its nearest unit's distance
// and kind, and the work's code that unit came from.
type Match struct {
	Work     *work.Work
	Distance int
	Kind     similarity.Kind
	Code     string
}

// SQLite has no popcount: a probe's distance check calls this.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("hamming_distance", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		a, aok := args[0].(int64)
		b, bok := args[1].(int64)
		if !aok || !bok {
			return nil, fmt.Errorf("hamming_distance(%T, %T): want two integers", args[0], args[1])
		}
		return int64(similarity.Distance(uint64(a), uint64(b))), nil
	})
}

// bandCols are the columns of work_iscc_bands.
var bandCols = []string{"key", "code", "work_seq"}

// band is one row of work_iscc_bands, less the work.
type band struct {
	key  int64
	code int64
}

// bandsOf returns the band rows of a work's codes, without duplicates.
func bandsOf(w *work.Work) []band {
	var out []band
	for _, u := range w.SimilarityUnits() {
		for _, k := range similarity.Keys(u.Unit) {
			if b := (band{k, int64(u.Bits)}); !slices.Contains(out, b) {
				out = append(out, b)
			}
		}
	}
	return out
}

func bandRows(w *work.Work) [][]any {
	var out [][]any
	for _, b := range bandsOf(w) {
		out = append(out, []any{b.key, b.code, w.Seq})
	}
	return out
}

// replaceBands rewrites a work's band rows when its codes change.
func (s *SQL) replaceBands(ctx context.Context, tx *sql.Tx, old, w *work.Work, f work.Fields) error {
	if !f.Has(work.FieldISCCCodes) || slices.Equal(old.ISCCCodes, w.ISCCCodes) {
		return nil
	}
	if err := deleteBands(ctx, tx, old); err != nil {
		return err
	}
	return s.insertRows(ctx, tx, "work_iscc_bands", bandCols, bandRows(w), "", nil)
}

// deleteBands deletes a work's band rows by their whole key.
func deleteBands(ctx context.Context, tx *sql.Tx, w *work.Work) error {
	return execEach(ctx, tx, "DELETE FROM work_iscc_bands WHERE key = $1 AND code = $2 AND work_seq = $3", bandRows(w))
}

// Similar returns a page of the works near the query's units, nearest
// first, then oldest first. The page cursor is a match's distance and
// sequence in one integer (distance<<56 | seq).
func (s *SQL) Similar(ctx context.Context, q SimilarQuery, p Page) ([]Match, int64, error) {
	type hit struct {
		seq  int64
		dist int
		unit similarity.Unit
	}
	// No transaction: a work deleted between the two reads is left out,
	// and a search costs two round trips, not four.
	best := map[int64]hit{}
	for _, u := range q.Units {
		if err := s.probe(ctx, u, q.MaxDistance, func(code, seq int64) {
			d := similarity.Distance(uint64(code), u.Bits)
			if h, seen := best[seq]; !seen || d < h.dist {
				best[seq] = hit{seq, d, similarity.Unit{Kind: u.Kind, Bits: uint64(code)}}
			}
		}); err != nil {
			return nil, 0, s.db.Classify(fmt.Errorf("search similar works: %w", err))
		}
	}
	hits := make([]hit, 0, len(best))
	for _, h := range best {
		if similarCursor(h.dist, h.seq) > p.After {
			hits = append(hits, h)
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Compare(similarCursor(a.dist, a.seq), similarCursor(b.dist, b.seq))
	})
	page := hits[:min(len(hits), p.limit()+1)]
	seqs := make([]any, len(page))
	for i, h := range page {
		seqs[i] = h.seq
	}
	works := make(map[int64]*work.Work, len(page))
	for per, start := s.paramsPerStatement(), 0; start < len(seqs); start += per {
		c := seqs[start:min(start+per, len(seqs))]
		ws, err := queryWorks(ctx, s.db.Routed(), "SELECT "+workColumns+" FROM works w WHERE w.seq IN ("+placeholders(1, len(c))+")", c...)
		if err != nil {
			return nil, 0, s.db.Classify(fmt.Errorf("search similar works: %w", err))
		}
		for _, w := range ws {
			works[w.Seq] = w
		}
	}
	page, next := pageOf(page, p.limit(), func(h hit) int64 { return similarCursor(h.dist, h.seq) })
	out := make([]Match, 0, len(page))
	for _, h := range page {
		w, ok := works[h.seq]
		if !ok {
			continue
		}
		m := Match{Work: w, Distance: h.dist, Kind: h.unit.Kind}
		for _, cu := range w.SimilarityUnits() {
			if cu.Unit == h.unit {
				m.Code = cu.Code
				break
			}
		}
		out = append(out, m)
	}
	return out, next, nil
}

// similarCursor orders matches by distance, then sequence.
func similarCursor(dist int, seq int64) int64 { return int64(dist)<<56 | seq }

// probe reads the band rows under every key Probes gives for u whose code
// is within maxDistance of u's, calling fn with each one's code and work:
// one statement whatever the number of keys (up to 548). The distance is
// checked in the statement, so that of the thousand or so candidates a
// probe at the default distance reads among a million works only the few
// matches travel back (docs/iscc.md, "The index"). PostgreSQL takes the
// keys as one array parameter; SQLite, which has no arrays, as integers
// written into the statement (computed, never the caller's text), where
// parameters would need several statements.
func (s *SQL) probe(ctx context.Context, u similarity.Unit, maxDistance int, fn func(code, seq int64)) error {
	keys := similarity.Probes(u, maxDistance)
	query := "SELECT code, work_seq FROM work_iscc_bands WHERE key = ANY($1) AND bit_count((code # $2)::bit(64)) <= $3"
	args := []any{keys, int64(u.Bits), maxDistance}
	if s.db.Engine == storage.SQLite {
		lits := make([]string, len(keys))
		for i, k := range keys {
			lits[i] = strconv.FormatInt(k, 10)
		}
		query = "SELECT code, work_seq FROM work_iscc_bands WHERE key IN (" + strings.Join(lits, ", ") + ") AND hamming_distance(code, $1) <= $2"
		args = args[1:]
	}
	rows, err := s.db.Routed().QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var code, seq int64
		if err := rows.Scan(&code, &seq); err != nil {
			return err
		}
		fn(code, seq)
	}
	return rows.Err()
}

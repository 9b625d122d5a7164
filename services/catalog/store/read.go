package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/filter"
	"github.com/stemma-registry/stemma/services/internal/storage"
)

// Get returns the work with the id.
func (s *SQL) Get(ctx context.Context, id string) (*work.Work, error) {
	w, err := scanWork(s.db.Routed().QueryRowContext(ctx, "SELECT "+workColumns+" FROM works w WHERE w.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFoundf("works/" + id)
	}
	if err == nil {
		err = s.settle(ctx, s.db.Routed(), []*work.Work{w})
	}
	if err != nil {
		return nil, s.db.Classify(fmt.Errorf("get works/%s: %w", id, err))
	}
	return w, nil
}

// Version returns the work's sequence and generation.
func (s *SQL) Version(ctx context.Context, id string) (Version, error) {
	var v Version
	var pendingUs int64
	err := s.db.Routed().QueryRowContext(ctx, "SELECT seq, generation, licence_pending_us FROM works WHERE id = $1", id).Scan(&v.Seq, &v.Generation, &pendingUs)
	v.LicencePending = fromMicrosOrZero(pendingUs)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, apierr.NotFoundf("works/" + id)
	}
	if err != nil {
		return Version{}, s.db.Classify(fmt.Errorf("version of works/%s: %w", id, err))
	}
	return v, nil
}

// BatchGet returns the works with the ids that exist.
func (s *SQL) BatchGet(ctx context.Context, ids []string) (map[string]*work.Work, error) {
	out := make(map[string]*work.Work, len(ids))
	err := chunks(ids, s.paramsPerStatement(), func(c []string) error {
		ws, err := queryWorks(ctx, s.db.Routed(), "SELECT "+workColumns+" FROM works w WHERE w.id IN ("+placeholders(1, len(c))+")", anys(c)...)
		for _, w := range ws {
			out[w.ID] = w
		}
		if err != nil {
			return err
		}
		return s.settle(ctx, s.db.Routed(), ws)
	})
	if err != nil {
		return nil, s.db.Classify(fmt.Errorf("batch get %d works: %w", len(ids), err))
	}
	return out, nil
}

// listStatement is the query List runs, and its parameters.
func listStatement(f filter.Expr, p Page) (string, []any, error) {
	q := &query{}
	where, err := q.where(f)
	if err != nil {
		return "", nil, err
	}
	return "SELECT " + workColumns + " FROM works w WHERE " + where +
		" AND w.seq > " + q.arg(p.After) + " ORDER BY w.seq LIMIT " + q.arg(p.limit()+1), q.args, nil
}

// List returns a page of the works matching f.
func (s *SQL) List(ctx context.Context, f filter.Expr, p Page) ([]*work.Work, int64, error) {
	stmt, args, err := listStatement(f, p)
	if err != nil {
		return nil, 0, err
	}
	ws, err := queryWorks(ctx, s.db.Routed(), stmt, s.db.PlanForValues(args)...)
	if err == nil {
		err = s.settle(ctx, s.db.Routed(), ws)
	}
	if err != nil {
		return nil, 0, s.db.Classify(fmt.Errorf("list works: %w", err))
	}
	ws, next := pageOf(ws, p.limit(), func(w *work.Work) int64 { return w.Seq })
	return ws, next, nil
}

// Lookup returns a page of the works that carry the key.
func (s *SQL) Lookup(ctx context.Context, k Key, p Page) ([]*work.Work, int64, error) {
	ws, err := queryWorks(ctx, s.db.Routed(), "SELECT "+workColumns+
		" FROM work_terms t JOIN works w ON w.seq = t.work_seq"+
		" WHERE t.field = $1 AND t.term = $2 AND t.work_seq > $3 ORDER BY t.work_seq LIMIT $4",
		int(k.field), k.term, p.After, p.limit()+1)
	if err == nil {
		err = s.settle(ctx, s.db.Routed(), ws)
	}
	if err != nil {
		return nil, 0, s.db.Classify(fmt.Errorf("look works up: %w", err))
	}
	ws, next := pageOf(ws, p.limit(), func(w *work.Work) int64 { return w.Seq })
	return ws, next, nil
}

// LicenceChanges returns a page of the work's licence history in
// effective-time order. The cursor is a position in that order: a change
// recorded between two pages at an earlier effective time shifts the rest
// by one, which a history (a handful of entries) makes a rare, harmless
// repeat.
func (s *SQL) LicenceChanges(ctx context.Context, id string, p Page) ([]work.LicenceChange, int64, error) {
	var h history
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		w, err := scanWork(tx.QueryRowContext(ctx, "SELECT "+workColumns+" FROM works w WHERE w.id = $1", id))
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFoundf("works/" + id)
		}
		if err != nil {
			return err
		}
		h, err = historyOf(ctx, tx, w)
		return err
	})
	if err != nil {
		return nil, 0, s.db.Classify(fmt.Errorf("licence changes of works/%s: %w", id, err))
	}
	from := min(int(p.After), len(h))
	to := min(from+p.limit(), len(h))
	out := make([]work.LicenceChange, 0, to-from)
	for i := from; i < to; i++ {
		c := h[i].change
		c.PreviousLicence = ""
		if i > 0 {
			c.PreviousLicence = h[i-1].lic.Expression
		}
		out = append(out, c)
	}
	var next int64
	if to < len(h) {
		next = int64(to)
	}
	return out, next, nil
}

// Liens returns a page of the work's liens.
func (s *SQL) Liens(ctx context.Context, id string, p Page) ([]work.Lien, int64, error) {
	type row struct {
		seq int64
		l   work.Lien
	}
	var rows []row
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		ws, err := workSeq(ctx, tx, id)
		if err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, "SELECT seq, lien_id, origin, reason, creator, create_us"+
			" FROM liens WHERE work_seq = $1 AND seq > $2 ORDER BY seq LIMIT $3", ws, p.After, p.limit()+1)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var (
				r        row
				createUs int64
			)
			if err := rs.Scan(&r.seq, &r.l.ID, &r.l.Origin, &r.l.Reason, &r.l.Creator, &createUs); err != nil {
				return err
			}
			r.l.WorkID, r.l.CreateTime = id, storage.FromMicros(createUs)
			rows = append(rows, r)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, 0, s.db.Classify(fmt.Errorf("liens of works/%s: %w", id, err))
	}
	rows, next := pageOf(rows, p.limit(), func(r row) int64 { return r.seq })
	out := make([]work.Lien, len(rows))
	for i, r := range rows {
		out[i] = r.l
	}
	return out, next, nil
}

// workSeq returns the sequence of the work with the id; NotFound if there
// is none.
func workSeq(ctx context.Context, q queryer, id string) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, "SELECT seq FROM works WHERE id = $1", id).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apierr.NotFoundf("works/" + id)
	}
	return seq, err
}

// pageOf cuts a result fetched with one row too many down to size and
// returns the cursor of the next page: the key of the last row kept, or 0
// when there was no extra row.
func pageOf[T any](items []T, size int, key func(T) int64) ([]T, int64) {
	if len(items) <= size {
		return items, 0
	}
	items = items[:size]
	return items, key(items[size-1])
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/storage"
)

// plan is a create laid out for writing: the works to insert, in order,
// and which items repeat an earlier item's request.
type plan struct {
	owner string
	now   time.Time
	items []item
}

type item struct {
	NewWork
	w *work.Work // what to insert: the work with its id, owner and times
	// same is the index of an earlier item with the same request id, whose
	// work this item returns; -1 for none.
	same int
	// replay is the sequence of the work an earlier call made for this
	// request; 0 for none.
	replay int64
}

// inserts reports whether the item inserts a work.
func (it *item) inserts() bool { return it.same < 0 && it.replay == 0 }

// copyMin is the smallest number of works PostgreSQL creates with COPY;
// fewer go through INSERT, which costs fewer round trips.
const copyMin = 16

// Create registers works.
func (s *SQL) Create(ctx context.Context, owner string, ws []NewWork) ([]*work.Work, error) {
	p, err := s.plan(owner, ws)
	if err != nil {
		return nil, err
	}
	if s.db.Engine == storage.Postgres && len(ws) >= copyMin {
		err := s.copyCreate(ctx, p)
		if err == nil {
			return p.results(nil), nil
		}
		if !storage.IsUniqueViolation(err) {
			return nil, s.db.Classify(fmt.Errorf("create %d works: %w", len(ws), err))
		}
		// A chosen id is taken or a request is a retry: the exact path
		// below says which, or replays it.
		if p, err = s.plan(owner, ws); err != nil {
			return nil, err
		}
	}
	var replays map[int64]*work.Work
	// A unique violation here means another transaction inserted the same
	// id or request id after this one looked: look again.
	for attempt := 1; ; attempt++ {
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			replays, err = s.insertTx(ctx, tx, p)
			return err
		})
		if err == nil || !storage.IsUniqueViolation(err) || attempt == 3 {
			break
		}
		if p, err = s.plan(owner, ws); err != nil {
			return nil, err
		}
	}
	if storage.IsUniqueViolation(err) {
		return nil, &apierr.Error{Kind: apierr.Aborted, Reason: "CONCURRENT_CREATE",
			Message: "the same works were being created concurrently; retry", Err: err}
	}
	if err != nil {
		return nil, s.db.Classify(fmt.Errorf("create %d works: %w", len(ws), err))
	}
	return p.results(replays), nil
}

// plan checks the works against each other and lays them out.
func (s *SQL) plan(owner string, ws []NewWork) (*plan, error) {
	p := &plan{owner: owner, now: s.clock(), items: make([]item, len(ws))}
	ids := make(map[string]bool, len(ws))
	requests := make(map[string]int, len(ws))
	for i, nw := range ws {
		it := item{NewWork: nw, same: -1}
		if nw.RequestID != "" {
			if j, seen := requests[nw.RequestID]; seen {
				if ws[j].Fingerprint != nw.Fingerprint {
					return nil, requestReused(nw.Field)
				}
				it.same = j
				p.items[i] = it
				continue
			}
			requests[nw.RequestID] = i
		}
		w := *nw.Work
		if w.ID == "" {
			w.ID = work.NewID()
		}
		if ids[w.ID] {
			return nil, apierr.Exists("works/"+w.ID, "works/%s appears twice in the request", w.ID)
		}
		ids[w.ID] = true
		w.Owner, w.Generation, w.CreateTime, w.UpdateTime = owner, 1, p.now, p.now
		it.w = &w
		p.items[i] = it
	}
	return p, nil
}

func requestReused(field string) error {
	return &apierr.Error{
		Kind: apierr.InvalidArgument, Reason: "REQUEST_ID_REUSED", Field: field + "request_id",
		Message: field + "request_id: already used by this principal for a request with other content; use a new request_id",
	}
}

// results returns the works in request order.
func (p *plan) results(replays map[int64]*work.Work) []*work.Work {
	out := make([]*work.Work, len(p.items))
	for i, it := range p.items {
		switch {
		case it.same >= 0:
			out[i] = out[it.same]
		case it.replay != 0:
			out[i] = replays[it.replay]
		default:
			out[i] = it.w
		}
	}
	return out
}

// insertTx finds retried requests and taken ids, then inserts the new
// works. It returns the works of the retried requests by sequence.
func (s *SQL) insertTx(ctx context.Context, tx *sql.Tx, p *plan) (map[int64]*work.Work, error) {
	if err := p.findReplays(ctx, tx, s.paramsPerStatement()); err != nil {
		return nil, err
	}
	var chosen []string
	for _, it := range p.items {
		if it.inserts() && it.Work.ID != "" {
			chosen = append(chosen, it.w.ID)
		}
	}
	// A retired id is one a force-deleted work had (see retireIfHeld).
	for _, table := range []string{"works", "retired_works"} {
		taken, err := s.firstIn(ctx, tx, table, chosen)
		switch {
		case err != nil:
			return nil, err
		case taken != "" && table == "works":
			return nil, apierr.Exists("works/"+taken, "works/%s already exists", taken)
		case taken != "":
			return nil, retired(taken)
		}
	}
	if err := s.insertWorks(ctx, tx, p); err != nil {
		return nil, err
	}
	var seqs []any
	for _, it := range p.items {
		if it.replay != 0 {
			seqs = append(seqs, it.replay)
		}
	}
	replays := make(map[int64]*work.Work, len(seqs))
	for per, start := s.paramsPerStatement(), 0; start < len(seqs); start += per {
		c := seqs[start:min(start+per, len(seqs))]
		ws, err := queryWorks(ctx, tx, "SELECT "+workColumns+" FROM works w WHERE w.seq IN ("+placeholders(1, len(c))+")", c...)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			replays[w.Seq] = w
		}
	}
	return replays, nil
}

// retired refuses a work with the id of one force-deleted while liens held
// it.
func retired(id string) error {
	return apierr.Exists("works/"+id, "works/%s was force-deleted while derivations named it; its id is not given again", id)
}

// firstIn returns one of ids that the table's id column holds, or "".
func (s *SQL) firstIn(ctx context.Context, tx *sql.Tx, table string, ids []string) (string, error) {
	var found string
	err := chunks(ids, s.paramsPerStatement(), func(c []string) error {
		err := tx.QueryRowContext(ctx, "SELECT id FROM "+table+" WHERE id IN ("+placeholders(1, len(c))+") LIMIT 1", anys(c)...).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return found, err
}

// findReplays marks the items whose request was made before, and refuses
// a request id that comes back with other content.
func (p *plan) findReplays(ctx context.Context, tx *sql.Tx, per int) error {
	byID := map[string]int{}
	var rids []string
	for i, it := range p.items {
		if it.RequestID != "" && it.same < 0 {
			byID[it.RequestID] = i
			rids = append(rids, it.RequestID)
		}
	}
	return chunks(rids, per-1, func(c []string) error {
		rows, err := tx.QueryContext(ctx, "SELECT request_id, fingerprint, work_seq FROM requests WHERE principal = $1 AND request_id IN ("+
			placeholders(2, len(c))+")", append([]any{p.owner}, anys(c)...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				rid, fp string
				seq     int64
			)
			if err := rows.Scan(&rid, &fp, &seq); err != nil {
				return err
			}
			it := &p.items[byID[rid]]
			if fp != it.Fingerprint {
				return requestReused(it.Field)
			}
			it.replay = seq
		}
		return rows.Err()
	})
}

// The columns of the tables a create writes, in the order of the rows
// below.
var (
	worksCols   = []string{"id", "kind", "title", "title_fold", "description", "version", "licence", "licence_status", "lists", "owner", "generation", "create_us", "update_us"}
	termsCols   = []string{"field", "term", "work_seq"}
	requestCols = []string{"principal", "request_id", "fingerprint", "work_seq"}
)

func workRow(w *work.Work) ([]any, error) {
	l, err := encodeLists(w)
	if err != nil {
		return nil, err
	}
	return []any{w.ID, int(w.Kind), w.Title, strings.ToLower(w.Title), w.Description, w.Version,
		w.Licence.Expression, int(w.Licence.Status), l, w.Owner,
		w.Generation, storage.Micros(w.CreateTime), storage.Micros(w.UpdateTime)}, nil
}

// sideRows returns the rows of the other tables for a new work: its terms,
// its codes' bands and its request. Its licence history starts with no row: until the
// licence changes, the history is the one entry the work's row implies
// (see LicenceChanges), and so a bulk load writes one table less.
func (p *plan) sideRows(it *item) (terms, bands, requests [][]any) {
	w := it.w
	for _, t := range termsOf(w, work.AllFields) {
		terms = append(terms, []any{int(t.field), t.term, w.Seq})
	}
	if it.RequestID != "" {
		requests = [][]any{{p.owner, it.RequestID, it.Fingerprint, w.Seq}}
	}
	return terms, bandRows(w), requests
}

// insertWorks inserts the new works with multi-row INSERTs and sets their
// sequences.
func (s *SQL) insertWorks(ctx context.Context, tx *sql.Tx, p *plan) error {
	byID := map[string]*work.Work{}
	var rows [][]any
	for _, it := range p.items {
		if !it.inserts() {
			continue
		}
		r, err := workRow(it.w)
		if err != nil {
			return err
		}
		rows = append(rows, r)
		byID[it.w.ID] = it.w
	}
	err := s.insertRows(ctx, tx, "works", worksCols, rows, " RETURNING id, seq", func(rs *sql.Rows) error {
		var (
			id  string
			seq int64
		)
		if err := rs.Scan(&id, &seq); err != nil {
			return err
		}
		byID[id].Seq = seq
		return nil
	})
	if err != nil {
		return err
	}
	var terms, bands, requests [][]any
	for i := range p.items {
		if it := &p.items[i]; it.inserts() {
			t, b, r := p.sideRows(it)
			terms, bands, requests = append(terms, t...), append(bands, b...), append(requests, r...)
		}
	}
	if err := s.insertRows(ctx, tx, "work_terms", termsCols, terms, "", nil); err != nil {
		return err
	}
	if err := s.insertRows(ctx, tx, "work_iscc_bands", bandCols, bands, "", nil); err != nil {
		return err
	}
	return s.insertRows(ctx, tx, "requests", requestCols, requests, "", nil)
}

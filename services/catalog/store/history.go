package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/storage"
)

// A work's licence history is in effective-time order: the entry its
// registration implies first (it holds from the start of the record,
// before every dated change, even one dated before the registration), then
// every change by its effective time, ties by the order they were
// recorded. The licence in force at a time is that of the last entry whose
// effective time is not after it. A work whose licence never changed has
// no rows: its row is its whole history.

// entry is one row of a work's licence history.
type entry struct {
	seq     int64
	initial bool
	lic     work.Licence
	change  work.LicenceChange
}

// before orders entries as the history lists them.
func before(a, b entry) int {
	if a.initial != b.initial {
		if a.initial {
			return -1
		}
		return 1
	}
	return cmp.Or(a.lic.Effective.Compare(b.lic.Effective), cmp.Compare(a.seq, b.seq))
}

// history is a work's licence history in effective-time order.
type history []entry

// inForce returns the licence in force at t.
func (h history) inForce(t time.Time) work.Licence {
	var at work.Licence
	for _, e := range h {
		if !e.initial && e.lic.Effective.After(t) {
			break
		}
		at = e.lic
	}
	return at
}

// pendingAfter returns the effective time of the first change after t;
// zero when there is none.
func (h history) pendingAfter(t time.Time) time.Time {
	for _, e := range h {
		if !e.initial && e.lic.Effective.After(t) {
			return e.lic.Effective
		}
	}
	return time.Time{}
}

// historyColumns are the columns scanEntry reads, in its order.
const historyColumns = "work_seq, seq, initial_entry, licence, licence_status, licence_ids, previous_licence, effective_us, record_us, actor, note"

// histories returns the licence histories of the works with the
// sequences, in effective-time order; a work without rows is absent.
func histories(ctx context.Context, q queryer, seqs []int64, per int) (map[int64]history, error) {
	out := map[int64]history{}
	for start := 0; start < len(seqs); start += per {
		c := seqs[start:min(start+per, len(seqs))]
		rows, err := q.QueryContext(ctx, "SELECT "+historyColumns+" FROM licence_changes WHERE work_seq IN ("+placeholders(1, len(c))+")", anys(c)...)
		if err != nil {
			return nil, fmt.Errorf("read licence histories: %w", err)
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				ws, e, err := scanEntry(rows)
				if err != nil {
					return err
				}
				out[ws] = append(out[ws], e)
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, fmt.Errorf("read licence histories: %w", err)
		}
	}
	for _, h := range out {
		slices.SortFunc(h, before)
	}
	return out, nil
}

func scanEntry(r scanner) (int64, entry, error) {
	var (
		e                     entry
		workSeq               int64
		initial, status       int
		ids                   string
		effectiveUs, recordUs int64
	)
	if err := r.Scan(&workSeq, &e.seq, &initial, &e.lic.Expression, &status, &ids, &e.change.PreviousLicence,
		&effectiveUs, &recordUs, &e.change.Actor, &e.change.Note); err != nil {
		return 0, entry{}, err
	}
	if err := json.Unmarshal([]byte(ids), &e.lic.IDs); err != nil {
		return 0, entry{}, fmt.Errorf("decode the licence ids of a licence change: %w", err)
	}
	e.initial, e.lic.Status = initial == 1, work.LicenceStatus(status)
	e.change.Licence = e.lic.Expression
	e.change.EffectiveTime, e.change.RecordTime = storage.FromMicros(effectiveUs), storage.FromMicros(recordUs)
	if !e.initial {
		e.lic.Effective = e.change.EffectiveTime
	}
	return workSeq, e, nil
}

// entryRow returns the licence_changes row of an entry of work seq.
func entryRow(seq int64, e entry) ([]any, error) {
	ids, err := json.Marshal(e.lic.IDs)
	if err != nil {
		return nil, err
	}
	if e.lic.IDs == nil {
		ids = []byte("[]")
	}
	initial := 0
	if e.initial {
		initial = 1
	}
	c := e.change
	return []any{seq, initial, c.Licence, int(e.lic.Status), string(ids), c.PreviousLicence,
		storage.Micros(c.EffectiveTime), storage.Micros(c.RecordTime), c.Actor, c.Note}, nil
}

// insertEntries inserts history rows one statement each, so that their
// sequence follows their order.
func insertEntries(ctx context.Context, tx *sql.Tx, seq int64, es ...entry) error {
	cols := strings.TrimPrefix(historyColumns, "work_seq, seq, ")
	for _, e := range es {
		r, err := entryRow(seq, e)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO licence_changes (work_seq, "+cols+") VALUES ("+placeholders(1, len(r))+")", r...); err != nil {
			return fmt.Errorf("insert into licence_changes: %w", err)
		}
	}
	return nil
}

// initialEntry is the history entry a work's registration implies.
func initialEntry(w *work.Work) entry {
	lic := w.Licence
	lic.Effective = time.Time{}
	return entry{initial: true, lic: lic, change: work.LicenceChange{
		Licence: lic.Expression, EffectiveTime: w.CreateTime, RecordTime: w.CreateTime, Actor: w.Owner,
	}}
}

// historyOf returns the history of one work: its rows, or the entry its
// registration implies when it has none.
func historyOf(ctx context.Context, q queryer, w *work.Work) (history, error) {
	hs, err := histories(ctx, q, []int64{w.Seq}, 1)
	if err != nil {
		return nil, err
	}
	if h, ok := hs[w.Seq]; ok {
		return h, nil
	}
	return history{initialEntry(w)}, nil
}

// AsOf shows each work with the licence in force at t. Works whose licence
// never changed are as they are.
func (s *SQL) AsOf(ctx context.Context, ws []*work.Work, t time.Time) error {
	if err := s.showAt(ctx, s.db.Routed(), ws, t, false); err != nil {
		return s.db.Classify(fmt.Errorf("works as of %s: %w", t.Format(time.RFC3339), err))
	}
	return nil
}

// settle shows the works whose row a licence change coming due has
// outdated (the promoter has not written it yet) with the licence in
// force now, so that no read serves a licence past its time.
func (s *SQL) settle(ctx context.Context, q queryer, ws []*work.Work) error {
	return s.showAt(ctx, q, ws, s.clock(), true)
}

// showAt sets the licence of the works (of those with a change due, if
// dueOnly) to the licence in force at t.
func (s *SQL) showAt(ctx context.Context, q queryer, ws []*work.Work, t time.Time, dueOnly bool) error {
	bySeq := map[int64]*work.Work{}
	var seqs []int64
	for _, w := range ws {
		if dueOnly && !w.LicenceDue(t) {
			continue
		}
		// A work whose row says its licence holds from the start and that
		// nothing is pending has no other entry.
		if w.Licence.Effective.IsZero() && w.LicencePending.IsZero() {
			continue
		}
		if _, ok := bySeq[w.Seq]; !ok {
			seqs = append(seqs, w.Seq)
		}
		bySeq[w.Seq] = w
	}
	if len(seqs) == 0 {
		return nil
	}
	hs, err := histories(ctx, q, seqs, s.paramsPerStatement())
	if err != nil {
		return err
	}
	for _, w := range ws {
		if h, ok := hs[w.Seq]; ok && bySeq[w.Seq] != nil {
			w.Licence, w.LicencePending = h.inForce(t), h.pendingAfter(t)
		}
	}
	return nil
}

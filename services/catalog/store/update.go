package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/storage"
)

// Update changes some fields of a work.
func (s *SQL) Update(ctx context.Context, u Update) (*work.Work, error) {
	var out *work.Work
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		w, err := scanWork(tx.QueryRowContext(ctx, "SELECT "+workColumns+" FROM works w WHERE w.id = $1"+s.forUpdate(), u.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFoundf("works/" + u.ID)
		}
		if err != nil {
			return err
		}
		if err := mayChange(u.Actor, w, u.Etag); err != nil {
			return err
		}
		old := *w
		w.Apply(u.Values, u.Fields)
		now := s.clock()
		fields := u.Fields
		if u.Fields.Has(work.FieldLicence) || old.LicenceDue(now) {
			// The row's licence is what the history says is in force now,
			// whatever the change asked for.
			if err := s.changeLicence(ctx, tx, &old, w, u, now); err != nil {
				return err
			}
			fields |= work.FieldLicence
		}
		w.UpdateTime = now
		if err := s.writeRow(ctx, tx, w, &old, fields); err != nil {
			return err
		}
		out = w
		return nil
	})
	if err != nil {
		return nil, s.db.Classify(fmt.Errorf("update works/%s: %w", u.ID, err))
	}
	return out, nil
}

// forUpdate locks the row an update reads on PostgreSQL, so that
// concurrent updates of one work queue at their first read rather than
// each reading the licence history and losing at the write (SQLite has
// one writer, and no FOR UPDATE).
func (s *SQL) forUpdate() string {
	if s.db.Engine == storage.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// writeRow writes a changed work over its old row, as a new generation,
// and the terms and similarity bands of the fields f names.
func (s *SQL) writeRow(ctx context.Context, tx *sql.Tx, w, old *work.Work, f work.Fields) error {
	w.Generation = old.Generation + 1
	lists, err := encodeLists(w)
	if err != nil {
		return err
	}
	// The generation guard makes a lost race visible even where the
	// isolation level would not.
	res, err := tx.ExecContext(ctx, "UPDATE works SET kind = $1, title = $2, title_fold = $3, description = $4, version = $5,"+
		" licence = $6, licence_status = $7, lists = $8, generation = $9, update_us = $10,"+
		" licence_effective_us = $11, licence_pending_us = $12"+
		" WHERE seq = $13 AND generation = $14",
		int(w.Kind), w.Title, strings.ToLower(w.Title), w.Description, w.Version, w.Licence.Expression,
		int(w.Licence.Status), lists, w.Generation, storage.Micros(w.UpdateTime),
		microsOrZero(w.Licence.Effective), microsOrZero(w.LicencePending), w.Seq, old.Generation)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(err, apierr.StaleEtag("works/"+w.ID))
	}
	if err := s.replaceTerms(ctx, tx, old, w, f); err != nil {
		return err
	}
	return s.replaceBands(ctx, tx, old, w, f)
}

// changeLicence records a licence change at its effective time, if it
// changes the licence in force then, and sets w's licence to the one in
// force now. The first change also records the entry the work's
// registration implies, which until then only the work's row held.
func (s *SQL) changeLicence(ctx context.Context, tx *sql.Tx, old, w *work.Work, u Update, now time.Time) error {
	h, err := historyOf(ctx, tx, old)
	if err != nil {
		return err
	}
	if u.Fields.Has(work.FieldLicence) {
		effective := u.LicenceEffective
		if effective.IsZero() {
			effective = now
		}
		prior := h.inForce(effective)
		if w.Licence.Expression != prior.Expression {
			lic := w.Licence
			lic.Effective = effective
			e := entry{lic: lic, change: work.LicenceChange{Licence: lic.Expression, PreviousLicence: prior.Expression,
				EffectiveTime: effective, RecordTime: now, Actor: u.Actor.Name, Note: u.LicenceNote}}
			var add []entry
			if h[0].seq == 0 {
				add = append(add, h[0])
			}
			if err := insertEntries(ctx, tx, w.Seq, append(add, e)...); err != nil {
				return err
			}
			// The event is written with the change, in its transaction: a
			// change recorded is a change announced (docs/events.md).
			if err := appendOutbox(ctx, tx, work.LicenceEvent{ID: uuid.NewString(), WorkID: w.ID, Change: e.change}); err != nil {
				return err
			}
			h = append(h, e)
			slices.SortStableFunc(h, before)
		}
	}
	w.Licence, w.LicencePending = h.inForce(now), h.pendingAfter(now)
	return nil
}

// PromoteDue writes the licence changes that have come due into their
// works' rows.
func (s *SQL) PromoteDue(ctx context.Context, limit int) (int, error) {
	now := s.clock()
	var ids []string
	err := func() error {
		rows, err := s.db.Reader().QueryContext(ctx, "SELECT id FROM works WHERE licence_pending_us > 0 AND licence_pending_us <= $1"+
			" ORDER BY licence_pending_us LIMIT $2", storage.Micros(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	}()
	if err != nil {
		return 0, s.db.Classify(fmt.Errorf("find licence changes due: %w", err))
	}
	n := 0
	for _, id := range ids {
		var promoted bool
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			promoted = false
			w, err := scanWork(tx.QueryRowContext(ctx, "SELECT "+workColumns+" FROM works w WHERE w.id = $1"+s.forUpdate(), id))
			if errors.Is(err, sql.ErrNoRows) {
				return nil // deleted since
			}
			if err != nil || !w.LicenceDue(now) {
				return err // or promoted by another replica
			}
			old := *w
			h, err := historyOf(ctx, tx, w)
			if err != nil {
				return err
			}
			w.Licence, w.LicencePending, w.UpdateTime = h.inForce(now), h.pendingAfter(now), now
			promoted = true
			return s.writeRow(ctx, tx, w, &old, work.FieldLicence)
		})
		if promoted && err == nil {
			n++
		}
		if err != nil {
			return n, s.db.Classify(fmt.Errorf("promote the licence change due of works/%s: %w", id, err))
		}
	}
	return n, nil
}

// mayChange checks that the actor may change the work and that the etag,
// if given, is current.
func mayChange(actor auth.Principal, w *work.Work, etag string) error {
	if !actor.CanActOn(w.Owner) {
		return apierr.Denied("works/%s belongs to %s; only its owner or an admin may change it", w.ID, w.Owner)
	}
	if etag != "" && etag != w.Etag() {
		return apierr.StaleEtag("works/" + w.ID)
	}
	return nil
}

// replaceTerms rewrites the terms of the fields f names: it deletes the
// terms the old work had and the new one lacks, and inserts the new ones.
func (s *SQL) replaceTerms(ctx context.Context, tx *sql.Tx, old, w *work.Work, f work.Fields) error {
	before, after := termsOf(old, f), termsOf(w, f)
	if err := deleteTerms(ctx, tx, w.Seq, without(before, after)); err != nil {
		return err
	}
	var rows [][]any
	for _, t := range without(after, before) {
		rows = append(rows, []any{int(t.field), t.term, w.Seq})
	}
	return s.insertRows(ctx, tx, "work_terms", termsCols, rows, "", nil)
}

// without returns the terms of a that are not in b.
func without(a, b []term) []term {
	in := make(map[term]bool, len(b))
	for _, t := range b {
		in[t] = true
	}
	var out []term
	for _, t := range a {
		if !in[t] {
			out = append(out, t)
		}
	}
	return out
}

// deleteTerms deletes a work's terms by their whole key, which the primary
// key of work_terms serves.
func deleteTerms(ctx context.Context, tx *sql.Tx, seq int64, ts []term) error {
	rows := make([][]any, len(ts))
	for i, t := range ts {
		rows[i] = []any{int(t.field), t.term, seq}
	}
	return execEach(ctx, tx, "DELETE FROM work_terms WHERE field = $1 AND term = $2 AND work_seq = $3", rows)
}

// execEach runs one prepared statement with each row's arguments.
func execEach(ctx context.Context, tx *sql.Tx, stmt string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, stmt)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, r := range rows {
		if _, err := st.ExecContext(ctx, r...); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// maxLienViolations bounds the liens a refused delete names.
const maxLienViolations = 20

// Delete deletes a work.
func (s *SQL) Delete(ctx context.Context, d Delete) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		w, err := scanWork(tx.QueryRowContext(ctx, "SELECT "+workColumns+" FROM works w WHERE w.id = $1", d.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFoundf("works/" + d.ID)
		}
		if err != nil {
			return err
		}
		if err := mayChange(d.Actor, w, d.Etag); err != nil {
			return err
		}
		if d.Force && !d.Actor.Admin {
			return apierr.Denied("force deletes a work that liens hold; only an admin may force it")
		}
		if !d.Force {
			if err := noLiens(ctx, tx, w); err != nil {
				return err
			}
		} else if err := retireIfHeld(ctx, tx, w, s.clock()); err != nil {
			return err
		}
		if err := deleteTerms(ctx, tx, w.Seq, termsOf(w, work.AllFields)); err != nil {
			return err
		}
		if err := deleteBands(ctx, tx, w); err != nil {
			return err
		}
		for _, table := range []string{"licence_changes", "liens", "requests"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE work_seq = $1", w.Seq); err != nil {
				return fmt.Errorf("delete from %s: %w", table, err)
			}
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM works WHERE seq = $1", w.Seq)
		return err
	})
	if err != nil {
		return s.db.Classify(fmt.Errorf("delete works/%s: %w", d.ID, err))
	}
	return nil
}

// retireIfHeld retires the id of a work liens hold: what they stand for
// (derivations, in the lineage store) outlives the forced delete, and a
// work created later with the id would inherit it.
func retireIfHeld(ctx context.Context, tx *sql.Tx, w *work.Work, now time.Time) error {
	var held bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM liens WHERE work_seq = $1)", w.Seq).Scan(&held); err != nil {
		return err
	}
	if !held {
		return nil
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO retired_works (id, retire_us) VALUES ($1, $2)", w.ID, storage.Micros(now))
	return err
}

// noLiens refuses the delete of a work that liens hold, naming them. It
// runs in the deleting transaction, so a lien placed concurrently either
// is seen here or fails for want of the work.
func noLiens(ctx context.Context, tx *sql.Tx, w *work.Work) error {
	rows, err := tx.QueryContext(ctx, "SELECT lien_id, origin, reason FROM liens WHERE work_seq = $1 ORDER BY seq LIMIT $2", w.Seq, maxLienViolations)
	if err != nil {
		return err
	}
	defer rows.Close()
	var vs []apierr.Violation
	for rows.Next() {
		var id, origin, reason string
		if err := rows.Scan(&id, &origin, &reason); err != nil {
			return err
		}
		desc := "works/" + w.ID + "/liens/" + id + " holds the work"
		if reason != "" {
			desc += ": " + reason
		}
		vs = append(vs, apierr.Violation{Type: "LIEN", Subject: origin, Description: desc})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(vs) == 0 {
		return nil
	}
	subjects := make([]string, len(vs))
	for i, v := range vs {
		subjects[i] = v.Subject
	}
	return apierr.Precondition("WORK_HAS_LIENS",
		fmt.Sprintf("works/%s cannot be deleted while liens hold it (%s); remove what they stand for first, or have an admin force the delete",
			w.ID, strings.Join(subjects, ", ")), vs...)
}

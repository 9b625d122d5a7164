package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
		w, err := scanWork(tx.QueryRowContext(ctx, "SELECT "+workColumns+" FROM works w WHERE w.id = $1", u.ID))
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
		previous, generation := w.Licence.Expression, w.Generation
		w.Apply(u.Values, u.Fields)
		now := s.clock()
		w.Generation, w.UpdateTime = generation+1, now
		lists, err := encodeLists(w)
		if err != nil {
			return err
		}
		// The generation guard makes a lost race visible even where the
		// isolation level would not.
		res, err := tx.ExecContext(ctx, "UPDATE works SET kind = $1, title = $2, title_fold = $3, description = $4, version = $5,"+
			" licence = $6, licence_status = $7, lists = $8, generation = $9, update_us = $10"+
			" WHERE seq = $11 AND generation = $12",
			int(w.Kind), w.Title, strings.ToLower(w.Title), w.Description, w.Version, w.Licence.Expression,
			int(w.Licence.Status), lists, w.Generation, storage.Micros(now), w.Seq, generation)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, apierr.StaleEtag("works/"+u.ID))
		}
		if err := s.replaceTerms(ctx, tx, &old, w, u.Fields); err != nil {
			return err
		}
		if u.Fields.Has(work.FieldLicence) && w.Licence.Expression != previous {
			if err := appendLicenceChange(ctx, tx, &old, w, u, now); err != nil {
				return err
			}
		}
		out = w
		return nil
	})
	if err != nil {
		return nil, s.db.Classify(fmt.Errorf("update works/%s: %w", u.ID, err))
	}
	return out, nil
}

// appendLicenceChange records a licence change in the history. The first
// change also records the entry the work's creation implies, which until
// then only the work's row held (see LicenceChanges).
func appendLicenceChange(ctx context.Context, tx *sql.Tx, old, w *work.Work, u Update, now time.Time) error {
	effective := u.LicenceEffective
	if effective.IsZero() {
		effective = now
	}
	change := []any{w.Seq, w.Licence.Expression, old.Licence.Expression, storage.Micros(effective), storage.Micros(now), u.Actor.Name, u.LicenceNote}
	var recorded bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM licence_changes WHERE work_seq = $1)", w.Seq).Scan(&recorded); err != nil {
		return err
	}
	rows := [][]any{change}
	if !recorded {
		rows = [][]any{creationEntry(old), change}
	}
	if err := insertOrdered(ctx, tx, rows); err != nil {
		return err
	}
	return appendOutbox(ctx, tx, work.LicenceEvent{ID: uuid.NewString(), WorkID: w.ID, Change: work.LicenceChange{
		Licence: w.Licence.Expression, PreviousLicence: old.Licence.Expression, EffectiveTime: effective, RecordTime: now,
		Actor: u.Actor.Name, Note: u.LicenceNote}})
}

// creationEntry is the history entry a work's creation implies.
func creationEntry(w *work.Work) []any {
	at := storage.Micros(w.CreateTime)
	return []any{w.Seq, w.Licence.Expression, "", at, at, w.Owner, ""}
}

// insertOrdered inserts history rows one statement each, so that their
// sequence follows their order.
func insertOrdered(ctx context.Context, tx *sql.Tx, rows [][]any) error {
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, "INSERT INTO licence_changes ("+strings.Join(historyCols, ", ")+") VALUES ($1, $2, $3, $4, $5, $6, $7)", r...); err != nil {
			return fmt.Errorf("insert into licence_changes: %w", err)
		}
	}
	return nil
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
	if len(ts) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, "DELETE FROM work_terms WHERE field = $1 AND term = $2 AND work_seq = $3")
	if err != nil {
		return err
	}
	defer st.Close()
	for _, t := range ts {
		if _, err := st.ExecContext(ctx, int(t.field), t.term, seq); err != nil {
			return fmt.Errorf("delete a term: %w", err)
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

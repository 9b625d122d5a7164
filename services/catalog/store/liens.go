package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/storage"
)

// CreateLien places a lien, or returns the one that stands with its id and
// origin.
func (s *SQL) CreateLien(ctx context.Context, l work.Lien) (*work.Lien, error) {
	ls, err := s.CreateLiens(ctx, []work.Lien{l})
	if err != nil {
		return nil, err
	}
	return ls[0], nil
}

// CreateLiens places liens in one transaction, as CreateLien places each:
// all of them or none.
func (s *SQL) CreateLiens(ctx context.Context, ls []work.Lien) ([]*work.Lien, error) {
	var out []*work.Lien
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		out = make([]*work.Lien, len(ls))
		for i, l := range ls {
			made, err := s.createLien(ctx, tx, l)
			if err != nil {
				return fmt.Errorf("create works/%s/liens/%s: %w", l.WorkID, l.ID, err)
			}
			out[i] = made
		}
		return nil
	})
	if err != nil {
		return nil, s.db.Classify(err)
	}
	return out, nil
}

func (s *SQL) createLien(ctx context.Context, tx *sql.Tx, l work.Lien) (*work.Lien, error) {
	seq, err := workSeq(ctx, tx, l.WorkID)
	if err != nil {
		return nil, err
	}
	out := work.Lien{WorkID: l.WorkID, ID: l.ID}
	var createUs int64
	err = tx.QueryRowContext(ctx, "SELECT origin, reason, creator, create_us FROM liens WHERE work_seq = $1 AND lien_id = $2", seq, l.ID).
		Scan(&out.Origin, &out.Reason, &out.Creator, &createUs)
	switch {
	case err == nil:
		if out.Origin != l.Origin {
			name := "works/" + l.WorkID + "/liens/" + l.ID
			return nil, apierr.Exists(name, "%s already exists with origin %s", name, out.Origin)
		}
		out.CreateTime = storage.FromMicros(createUs)
		return &out, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	out = l
	out.CreateTime = s.clock()
	_, err = tx.ExecContext(ctx, "INSERT INTO liens (work_seq, lien_id, origin, reason, creator, create_us) VALUES ($1, $2, $3, $4, $5, $6)",
		seq, l.ID, l.Origin, l.Reason, l.Creator, storage.Micros(out.CreateTime))
	return &out, err
}

// DeleteLien lifts a lien.
func (s *SQL) DeleteLien(ctx context.Context, workID, lienID string) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		seq, err := workSeq(ctx, tx, workID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM liens WHERE work_seq = $1 AND lien_id = $2", seq, lienID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, apierr.NotFoundf("works/"+workID+"/liens/"+lienID))
		}
		return nil
	})
	if err != nil {
		return s.db.Classify(fmt.Errorf("delete works/%s/liens/%s: %w", workID, lienID, err))
	}
	return nil
}

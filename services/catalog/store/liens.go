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
// all of them or none. The works and the liens that stand are read once
// for the whole batch and the new liens written in multi-row statements,
// so that an SBOM import's thousand liens are a few round trips.
func (s *SQL) CreateLiens(ctx context.Context, ls []work.Lien) ([]*work.Lien, error) {
	var out []*work.Lien
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		out = make([]*work.Lien, len(ls))
		ids := make([]string, 0, len(ls))
		for _, l := range ls {
			ids = append(ids, l.WorkID)
		}
		seqs := map[string]int64{}
		err := storage.QueryIn(ctx, tx, "SELECT id, seq FROM works WHERE id IN ", ids, func(rows *sql.Rows) error {
			var id string
			var seq int64
			err := rows.Scan(&id, &seq)
			seqs[id] = seq
			return err
		})
		if err != nil {
			return err
		}
		type key struct {
			seq int64
			id  string
		}
		standing := map[key]*work.Lien{}
		var workSeqs []int64
		for _, l := range ls {
			seq, ok := seqs[l.WorkID]
			if !ok {
				return fmt.Errorf("create works/%s/liens/%s: %w", l.WorkID, l.ID, apierr.NotFoundf("works/"+l.WorkID))
			}
			workSeqs = append(workSeqs, seq)
		}
		err = storage.QueryIn(ctx, tx, "SELECT work_seq, lien_id, origin, reason, creator, create_us FROM liens WHERE work_seq IN ", workSeqs, func(rows *sql.Rows) error {
			var k key
			var l work.Lien
			var createUs int64
			if err := rows.Scan(&k.seq, &k.id, &l.Origin, &l.Reason, &l.Creator, &createUs); err != nil {
				return err
			}
			l.ID, l.CreateTime = k.id, storage.FromMicros(createUs)
			standing[k] = &l
			return nil
		})
		if err != nil {
			return err
		}
		var rows []any
		for i, l := range ls {
			k := key{seqs[l.WorkID], l.ID}
			if st, ok := standing[k]; ok {
				if st.Origin != l.Origin {
					name := "works/" + l.WorkID + "/liens/" + l.ID
					return fmt.Errorf("create %s: %w", name, apierr.Exists(name, "%s already exists with origin %s", name, st.Origin))
				}
				made := *st
				made.WorkID = l.WorkID
				out[i] = &made
				continue
			}
			made := l
			made.CreateTime = s.clock()
			out[i] = &made
			standing[k] = &made
			rows = append(rows, k.seq, l.ID, l.Origin, l.Reason, l.Creator, storage.Micros(made.CreateTime))
		}
		for len(rows) > 0 {
			n := min(len(rows)/6, lienRows)
			if _, err := tx.ExecContext(ctx, "INSERT INTO liens (work_seq, lien_id, origin, reason, creator, create_us) VALUES "+
				storage.Placeholders(n, 6), rows[:n*6]...); err != nil {
				return err
			}
			rows = rows[n*6:]
		}
		return nil
	})
	if err != nil {
		return nil, s.db.Classify(err)
	}
	return out, nil
}

// lienRows bounds the rows of one multi-row insert of liens (six values a
// row; see storage.InChunk for why not more).
const lienRows = 100

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

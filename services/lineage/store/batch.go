package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// CreateMany records derivations in one transaction, for an SBOM import:
// all of them or none. An edge that exists already (the same derivative,
// source and relation) is not recorded again; existing[i] is the
// derivation that holds ds[i]'s edge, nil when ds[i] was recorded. A
// derivation that would close a cycle, with the graph as it is or with
// the derivations before it in ds, fails the whole call with
// FAILED_PRECONDITION "CYCLE"; an id already taken with ALREADY_EXISTS.
//
// It bumps the graph epoch once, first, which serialises it against every
// other edge write as Create explains.
func (s *SQL) CreateMany(ctx context.Context, ds []*graph.Derivation) (existing []*graph.Derivation, err error) {
	type encoded struct{ body, digest string }
	checks := make([]encoded, len(ds))
	for i, d := range ds {
		body, digest, err := encodeCheck(d.Check)
		if err != nil {
			return nil, err
		}
		checks[i] = encoded{string(body), digest}
	}
	err = s.graphTx(ctx, func(tx *sql.Tx) error {
		existing = make([]*graph.Derivation, len(ds))
		if len(ds) == 0 {
			return nil
		}
		if err := bumpEpoch(ctx, tx); err != nil {
			return err
		}
		for i, d := range ds {
			var id string
			err := tx.QueryRowContext(ctx, `SELECT id FROM derivations WHERE derivative = $1 AND source = $2 AND relation = $3`,
				d.Derivative, d.Source, d.Relation).Scan(&id)
			if err == nil {
				if existing[i], err = get(ctx, tx, id); err != nil {
					return err
				}
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err := checkNew(ctx, tx, d); err != nil {
				return err
			}
			if err := checkAcyclic(ctx, tx, d); err != nil {
				return err
			}
			if err := insert(ctx, tx, d, checks[i].body, checks[i].digest); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return existing, nil
}

// insert writes a derivation and its licence check (stored once per
// digest); the caller has checked that it may.
func insert(ctx context.Context, tx *sql.Tx, d *graph.Derivation, check, digest string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO licence_checks (digest, body) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING`,
		digest, check); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO derivations (id, derivative, source, relation, licence_use, note, portion,
			source_licence, derivative_licence, verdict, conflict, check_digest, recorder, create_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		d.ID, d.Derivative, d.Source, d.Relation, d.Use, d.Note, d.Portion, d.SourceLicence, d.DerivativeLicence,
		d.Check.Verdict, d.Conflict, digest, d.Recorder, storage.Micros(d.CreateTime))
	return err
}

package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/storage"
)

// Policy is a stored licence policy at its latest revision.
type Policy struct {
	ID         string
	Owner      string
	Document   string
	Revision   int64
	CreateTime time.Time
	UpdateTime time.Time
}

// Etag returns the policy's entity tag: it changes with every revision.
func (p *Policy) Etag() string {
	sum := sha256.Sum256([]byte(p.ID + "\x00" + strconv.FormatInt(p.Revision, 10) + "\x00" + strconv.FormatInt(p.UpdateTime.UnixMicro(), 10)))
	return hex.EncodeToString(sum[:10])
}

// PolicyRevision is one revision of a policy's document.
type PolicyRevision struct {
	PolicyID   string
	Revision   int64
	Document   string
	Author     string
	CreateTime time.Time
}

// Policies keeps licence policies and their revisions.
type Policies interface {
	// CreatePolicy records p as revision 1; ALREADY_EXISTS if its id is
	// taken.
	CreatePolicy(ctx context.Context, p *Policy) error
	// GetPolicy returns a policy, or NOT_FOUND.
	GetPolicy(ctx context.Context, id string) (*Policy, error)
	// ListPolicies returns at most limit policies with ids after after, by
	// id.
	ListPolicies(ctx context.Context, after string, limit int) ([]*Policy, error)
	// UpdatePolicy records a new revision of a policy whose latest
	// revision is revision: ABORTED if another came first, NOT_FOUND if
	// there is no such policy.
	UpdatePolicy(ctx context.Context, id string, revision int64, document, author string, at time.Time) (*Policy, error)
	// DeletePolicy deletes a policy whose latest revision is revision
	// (any when zero) and its revisions; NOT_FOUND or ABORTED otherwise.
	DeletePolicy(ctx context.Context, id string, revision int64) error
	// ListPolicyRevisions returns at most limit revisions of a policy,
	// newest first, below before (all when zero); NOT_FOUND if there is
	// no such policy.
	ListPolicyRevisions(ctx context.Context, id string, before int64, limit int) ([]*PolicyRevision, error)
}

var _ Policies = (*SQL)(nil)

func policyName(id string) string { return "policies/" + id }

// CreatePolicy records a policy and its first revision.
func (s *SQL) CreatePolicy(ctx context.Context, p *Policy) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		at := storage.Micros(p.CreateTime)
		if _, err := tx.ExecContext(ctx, `INSERT INTO policies (id, owner, document, revision, create_time, update_time)
			VALUES ($1, $2, $3, 1, $4, $4)`, p.ID, p.Owner, p.Document, at); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO policy_revisions (policy_id, revision, document, author, create_time)
			VALUES ($1, 1, $2, $3, $4)`, p.ID, p.Document, p.Owner, at)
		return err
	})
	if storage.IsUniqueViolation(err) {
		return apierr.Exists(policyName(p.ID), "%s exists already; update it instead", policyName(p.ID))
	}
	if err == nil {
		p.Revision, p.UpdateTime = 1, p.CreateTime
	}
	return err
}

const policyColumns = `id, owner, document, revision, create_time, update_time`

func scanPolicy(row scanner) (*Policy, error) {
	var (
		p      Policy
		ct, ut int64
	)
	if err := row.Scan(&p.ID, &p.Owner, &p.Document, &p.Revision, &ct, &ut); err != nil {
		return nil, err
	}
	p.CreateTime, p.UpdateTime = storage.FromMicros(ct), storage.FromMicros(ut)
	return &p, nil
}

func getPolicy(ctx context.Context, q querier, id string) (*Policy, error) {
	p, err := scanPolicy(q.QueryRowContext(ctx, `SELECT `+policyColumns+` FROM policies WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFoundf(policyName(id))
	}
	return p, err
}

// GetPolicy returns a policy.
func (s *SQL) GetPolicy(ctx context.Context, id string) (*Policy, error) {
	p, err := getPolicy(ctx, s.db.Reader(), id)
	return p, s.db.Classify(err)
}

// ListPolicies lists policies by id.
func (s *SQL) ListPolicies(ctx context.Context, after string, limit int) ([]*Policy, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+policyColumns+` FROM policies WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, s.db.Classify(err)
	}
	defer rows.Close()
	var out []*Policy
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, s.db.Classify(rows.Err())
}

// UpdatePolicy records a new revision, compare-and-set on the revision.
func (s *SQL) UpdatePolicy(ctx context.Context, id string, revision int64, document, author string, at time.Time) (*Policy, error) {
	var p *Policy
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE policies SET document = $1, revision = revision + 1, update_time = $2
			WHERE id = $3 AND revision = $4`, document, storage.Micros(at), id, revision)
		if err != nil {
			return err
		}
		if err := changed(ctx, tx, res, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_revisions (policy_id, revision, document, author, create_time)
			VALUES ($1, $2, $3, $4, $5)`, id, revision+1, document, author, storage.Micros(at)); err != nil {
			return err
		}
		p, err = getPolicy(ctx, tx, id)
		return err
	})
	return p, err
}

// changed turns an update or delete that touched no row into NOT_FOUND
// (no such policy) or ABORTED (another revision came first).
func changed(ctx context.Context, tx *sql.Tx, res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	if _, err := getPolicy(ctx, tx, id); err != nil {
		return err
	}
	return apierr.StaleEtag(policyName(id))
}

// DeletePolicy deletes a policy and its revisions.
func (s *SQL) DeletePolicy(ctx context.Context, id string, revision int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM policies WHERE id = $1 AND ($2 = 0 OR revision = $2)`, id, revision)
		if err != nil {
			return err
		}
		if err := changed(ctx, tx, res, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM policy_revisions WHERE policy_id = $1`, id)
		return err
	})
}

// ListPolicyRevisions lists a policy's revisions, newest first.
func (s *SQL) ListPolicyRevisions(ctx context.Context, id string, before int64, limit int) ([]*PolicyRevision, error) {
	var out []*PolicyRevision
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		out = nil
		if _, err := getPolicy(ctx, tx, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT revision, document, author, create_time FROM policy_revisions
			WHERE policy_id = $1 AND ($2 = 0 OR revision < $2) ORDER BY revision DESC LIMIT $3`, id, before, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r := &PolicyRevision{PolicyID: id}
			var ct int64
			if err := rows.Scan(&r.Revision, &r.Document, &r.Author, &ct); err != nil {
				return err
			}
			r.CreateTime = storage.FromMicros(ct)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

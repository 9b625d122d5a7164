package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/lineage/events"
)

// CurationState is where a curation stands; the values are those of
// stemma.lineage.v1.CurationState.
type CurationState int

// The curation states.
const (
	CurationProposed CurationState = 1
	CurationAccepted CurationState = 2
	CurationRejected CurationState = 3
)

// Curation is a stored licence curation with its history.
type Curation struct {
	ID             string
	Purl           string
	Versions       string // a vers: range; empty for every version
	Work           string // works/{id}
	Licence        string
	EvidenceURL    string
	EvidenceDigest string
	EvidenceNote   string
	Proposer       string
	State          CurationState
	Reviewer       string
	CreateTime     time.Time
	UpdateTime     time.Time
	History        []CurationEvent
}

// CurationEvent is one step of a curation's history.
type CurationEvent struct {
	State CurationState
	Actor string
	Note  string
	Time  time.Time
}

// Curations keeps licence curations.
type Curations interface {
	// CreateCuration records c, proposed by c.Proposer at c.CreateTime.
	CreateCuration(ctx context.Context, c *Curation) error
	// GetCuration returns a curation and its history, or NOT_FOUND.
	GetCuration(ctx context.Context, id string) (*Curation, error)
	// ListCurations returns at most limit curations with ids after after,
	// by id, with their histories.
	ListCurations(ctx context.Context, after string, limit int) ([]*Curation, error)
	// AcceptedCurations returns every accepted curation, by id, without
	// its history: it is read on every import and evaluation.
	AcceptedCurations(ctx context.Context) ([]*Curation, error)
	// ReviewCuration moves a curation from state from to state to:
	// ABORTED if it is no longer in from, NOT_FOUND if there is none.
	ReviewCuration(ctx context.Context, id string, from CurationState, e CurationEvent) (*Curation, error)
}

var _ Curations = (*SQL)(nil)

func curationName(id string) string { return "curations/" + id }

// CreateCuration records a curation and its first event.
func (s *SQL) CreateCuration(ctx context.Context, c *Curation) error {
	c.State, c.UpdateTime = CurationProposed, c.CreateTime
	c.History = []CurationEvent{{State: CurationProposed, Actor: c.Proposer, Note: c.EvidenceNote, Time: c.CreateTime}}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		at := storage.Micros(c.CreateTime)
		if _, err := tx.ExecContext(ctx, `INSERT INTO curations (id, purl, versions, work, licence, evidence_url,
			evidence_digest, evidence_note, proposer, state, reviewer, create_time, update_time)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11, $11)`,
			c.ID, c.Purl, c.Versions, c.Work, c.Licence, c.EvidenceURL, c.EvidenceDigest, c.EvidenceNote,
			c.Proposer, int(c.State), at); err != nil {
			return err
		}
		return insertEvent(ctx, tx, c.ID, 1, c.History[0])
	})
	if storage.IsUniqueViolation(err) {
		return apierr.Exists(curationName(c.ID), "%s exists already", curationName(c.ID))
	}
	return s.db.Classify(err)
}

func insertEvent(ctx context.Context, tx *sql.Tx, id string, seq int, e CurationEvent) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO curation_events (curation_id, seq, state, actor, note, time)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, seq, int(e.State), e.Actor, e.Note, storage.Micros(e.Time))
	return err
}

const curationColumns = `id, purl, versions, work, licence, evidence_url, evidence_digest, evidence_note,
	proposer, state, reviewer, create_time, update_time`

func scanCuration(row scanner) (*Curation, error) {
	var (
		c      Curation
		state  int
		ct, ut int64
	)
	if err := row.Scan(&c.ID, &c.Purl, &c.Versions, &c.Work, &c.Licence, &c.EvidenceURL, &c.EvidenceDigest,
		&c.EvidenceNote, &c.Proposer, &state, &c.Reviewer, &ct, &ut); err != nil {
		return nil, err
	}
	c.State, c.CreateTime, c.UpdateTime = CurationState(state), storage.FromMicros(ct), storage.FromMicros(ut)
	return &c, nil
}

// queryCurations runs a query of curationColumns and, withHistory, loads
// each one's history.
func queryCurations(ctx context.Context, q querier, withHistory bool, query string, args ...any) ([]*Curation, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+curationColumns+` FROM curations `+query, args...)
	if err != nil {
		return nil, err
	}
	var out []*Curation
	for rows.Next() {
		c, err := scanCuration(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	if !withHistory {
		return out, nil
	}
	for _, c := range out {
		if err := loadHistory(ctx, q, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func loadHistory(ctx context.Context, q querier, c *Curation) error {
	rows, err := q.QueryContext(ctx, `SELECT state, actor, note, time FROM curation_events
		WHERE curation_id = $1 ORDER BY seq`, c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	c.History = nil
	for rows.Next() {
		var (
			e     CurationEvent
			state int
			at    int64
		)
		if err := rows.Scan(&state, &e.Actor, &e.Note, &at); err != nil {
			return err
		}
		e.State, e.Time = CurationState(state), storage.FromMicros(at)
		c.History = append(c.History, e)
	}
	return rows.Err()
}

func getCuration(ctx context.Context, q querier, id string) (*Curation, error) {
	cs, err := queryCurations(ctx, q, true, `WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, apierr.NotFoundf(curationName(id))
	}
	return cs[0], nil
}

// GetCuration returns a curation.
func (s *SQL) GetCuration(ctx context.Context, id string) (*Curation, error) {
	var c *Curation
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) (err error) {
		c, err = getCuration(ctx, tx, id)
		return err
	})
	return c, s.db.Classify(err)
}

// ListCurations lists curations by id.
func (s *SQL) ListCurations(ctx context.Context, after string, limit int) ([]*Curation, error) {
	var out []*Curation
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) (err error) {
		out, err = queryCurations(ctx, tx, true, `WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
		return err
	})
	return out, s.db.Classify(err)
}

// AcceptedCurations returns the accepted curations.
func (s *SQL) AcceptedCurations(ctx context.Context) ([]*Curation, error) {
	var out []*Curation
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) (err error) {
		out, err = queryCurations(ctx, tx, false, `WHERE state = $1 ORDER BY id`, int(CurationAccepted))
		return err
	})
	return out, s.db.Classify(err)
}

// ReviewCuration changes a curation's state, compare-and-set on it.
func (s *SQL) ReviewCuration(ctx context.Context, id string, from CurationState, e CurationEvent) (*Curation, error) {
	var c *Curation
	eventID := NewEventID()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE curations SET state = $1, reviewer = $2, update_time = $3
			WHERE id = $4 AND state = $5`, int(e.State), e.Actor, storage.Micros(e.Time), id, int(from))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			if _, err := getCuration(ctx, tx, id); err != nil {
				return err
			}
			return &apierr.Error{Kind: apierr.Aborted, Reason: "CURATION_CHANGED", Resource: curationName(id),
				Message: curationName(id) + " was reviewed meanwhile; read it again"}
		}
		var seq int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM curation_events WHERE curation_id = $1`, id).Scan(&seq); err != nil {
			return err
		}
		if err := insertEvent(ctx, tx, id, seq+1, e); err != nil {
			return err
		}
		if c, err = getCuration(ctx, tx, id); err != nil || e.State != CurationAccepted {
			return err
		}
		return appendNewEvents(ctx, tx, []*events.Event{{ID: eventID, Kind: events.CurationAccepted, Time: e.Time,
			Curation: &events.Curation{Name: curationName(c.ID), Work: strings.TrimPrefix(c.Work, "works/"), Licence: c.Licence}}})
	})
	return c, s.db.Classify(err)
}

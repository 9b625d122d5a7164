package store

import (
	"context"
	"database/sql"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/lineage/events"
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
	eventIDs := make([]string, len(ds))
	for i, d := range ds {
		eventIDs[i] = NewEventID()
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
		// What the graph holds, read once for the whole batch rather than
		// a few queries per edge: a batch of a thousand edges would
		// otherwise spend most of its time in round trips.
		r, err := readBatch(ctx, tx, ds)
		if err != nil {
			return err
		}
		// Inserts wait in pending and go in multi-row statements: before a
		// cycle check, which must see them, and at the end.
		var pending []int
		flush := func() error {
			err := insertMany(ctx, tx, ds, pending, func(i int) (string, string) { return checks[i].body, checks[i].digest })
			pending = pending[:0]
			return err
		}
		for i, d := range ds {
			key := edgeKey{d.Derivative, d.Source, d.Relation}
			if id, ok := r.edges[key]; ok {
				if err := flush(); err != nil {
					return err
				}
				if existing[i], err = get(ctx, tx, id); err != nil {
					return err
				}
				continue
			}
			if r.ids[d.ID] {
				return apierr.Exists("derivations/"+d.ID, "derivations/%s already exists", d.ID)
			}
			// Only a derivative that something derives from can close a
			// cycle; most of a batch's derivatives (new works) have none,
			// and the walk that checks is skipped for them.
			if d.Derivative == d.Source || r.sources[d.Derivative] {
				if err := flush(); err != nil {
					return err
				}
				if err := checkAcyclic(ctx, tx, d); err != nil {
					return err
				}
			}
			pending = append(pending, i)
			r.edges[key], r.ids[d.ID], r.sources[d.Source] = d.ID, true, true
		}
		if err := flush(); err != nil {
			return err
		}
		var es []*events.Event
		for i, d := range ds {
			if existing[i] == nil {
				es = append(es, derivationEvent(eventIDs[i], events.DerivationCreated, d, d.CreateTime))
			}
		}
		return appendNewEvents(ctx, tx, es)
	})
	if err != nil {
		return nil, err
	}
	return existing, nil
}

// derivationColumns are the columns insertMany writes, one placeholder
// each per row.
const derivationColumns = `id, derivative, source, relation, licence_use, note, portion,
	source_licence, derivative_licence, verdict, conflict, check_digest, recorder, create_time, source_time`

// insertRows bounds the rows of one multi-row insert. SQLite matches each
// numbered placeholder against those before it when it prepares a
// statement, so a statement of thousands of them costs more to prepare
// than the round trips it saves; 50 rows of 15 values is a few hundred.
const insertRows = 50

// insertMany writes the derivations ds[i] for i in idx, and their licence
// checks (stored once per digest), in multi-row statements; the caller has
// checked that it may.
func insertMany(ctx context.Context, tx *sql.Tx, ds []*graph.Derivation, idx []int, check func(int) (body, digest string)) error {
	for len(idx) > 0 {
		chunk := idx[:min(len(idx), insertRows)]
		idx = idx[len(chunk):]
		var checks, rows []any
		seen := map[string]bool{}
		for _, i := range chunk {
			d := ds[i]
			body, digest := check(i)
			if !seen[digest] {
				seen[digest] = true
				checks = append(checks, digest, body)
			}
			rows = append(rows, d.ID, d.Derivative, d.Source, d.Relation, d.Use, d.Note, d.Portion, d.SourceLicence,
				d.DerivativeLicence, d.Check.Verdict, d.Conflict, digest, d.Recorder, storage.Micros(d.CreateTime),
				sourceMicros(d))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO licence_checks (digest, body) VALUES `+storage.Placeholders(len(checks)/2, 2)+
			` ON CONFLICT (digest) DO NOTHING`, checks...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO derivations (`+derivationColumns+`) VALUES `+storage.Placeholders(len(chunk), 15), rows...); err != nil {
			return err
		}
	}
	return nil
}

type edgeKey struct {
	derivative, source string
	relation           graph.Relation
}

// batchState is what a batch's checks need of the graph: the edges its
// derivatives already have, the ids it would reuse, and which of its
// derivatives are already the source of an edge. The loop adds to it what
// it inserts.
type batchState struct {
	edges   map[edgeKey]string
	ids     map[string]bool
	sources map[string]bool
}

func readBatch(ctx context.Context, tx *sql.Tx, ds []*graph.Derivation) (*batchState, error) {
	r := &batchState{edges: map[edgeKey]string{}, ids: map[string]bool{}, sources: map[string]bool{}}
	var derivatives, ids []string
	seen := map[string]bool{}
	for _, d := range ds {
		if !seen[d.Derivative] {
			seen[d.Derivative] = true
			derivatives = append(derivatives, d.Derivative)
		}
		ids = append(ids, d.ID)
	}
	err := storage.QueryIn(ctx, tx, `SELECT id, derivative, source, relation FROM derivations WHERE derivative IN `, derivatives, func(rows *sql.Rows) error {
		var id string
		var k edgeKey
		if err := rows.Scan(&id, &k.derivative, &k.source, &k.relation); err != nil {
			return err
		}
		r.edges[k] = id
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = storage.QueryIn(ctx, tx, `SELECT id FROM derivations WHERE id IN `, ids, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		r.ids[id] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = storage.QueryIn(ctx, tx, `SELECT DISTINCT source FROM derivations WHERE source IN `, derivatives, func(rows *sql.Rows) error {
		var w string
		if err := rows.Scan(&w); err != nil {
			return err
		}
		r.sources[w] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// insert writes one derivation and its licence check.
// sourceMicros is the source_time column of a derivation: 0 when it is
// its create time, as a bulk load leaves it.
func sourceMicros(d *graph.Derivation) int64 {
	if d.SourceTime.IsZero() || d.SourceTime.Equal(d.CreateTime) {
		return 0
	}
	return storage.Micros(d.SourceTime)
}

func insert(ctx context.Context, tx *sql.Tx, d *graph.Derivation, check, digest string) error {
	return insertMany(ctx, tx, []*graph.Derivation{d}, []int{0}, func(int) (string, string) { return check, digest })
}

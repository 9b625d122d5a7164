package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/lineage/events"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// SQL is the Store over a storage.DB, either engine.
type SQL struct {
	db *storage.DB
	// writes queues this process's graph writes. Every one updates the
	// one graph-epoch row, so on PostgreSQL concurrent ones can only abort
	// each other and retry (under load some ran out of retries); queued
	// here, they leave conflicts to writes from other replicas.
	writes chan struct{}
	// writeWait bounds both how long a graph write waits for its turn and
	// how long it may keep it (zero: no bound). Without it one large SBOM
	// import, or a slow database, would hold every other write of the
	// process for as long as it lasts, each waiting as long as its client
	// cares to.
	writeWait time.Duration
}

// New returns the store over db, which must be migrated with Migrations.
func New(db *storage.DB) *SQL { return &SQL{db: db, writes: make(chan struct{}, 1)} }

// WithWriteWait bounds graph writes by d (see SQL.writeWait) and returns
// the store. Bulk loads leave it unset: they run alone, and take long.
func (s *SQL) WithWriteWait(d time.Duration) *SQL {
	s.writeWait = d
	return s
}

// graphTx runs fn in a write transaction that bumps the graph epoch, one
// at a time per process. With a write bound, a write that waits longer
// for its turn fails UNAVAILABLE (nothing was tried: retry), and one that
// takes longer is rolled back, ABORTED (nothing was written).
func (s *SQL) graphTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var timeout <-chan time.Time
	if s.writeWait > 0 {
		t := time.NewTimer(s.writeWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case s.writes <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-timeout:
		return &apierr.Error{Kind: apierr.Unavailable, Reason: "GRAPH_WRITES_BUSY",
			Message: fmt.Sprintf("other lineage writes held the graph for over %s; nothing was written; retry later", s.writeWait)}
	}
	defer func() { <-s.writes }()
	if s.writeWait == 0 {
		return s.db.Tx(ctx, fn)
	}
	hold, cancel := context.WithTimeout(ctx, s.writeWait)
	defer cancel()
	err := s.db.Tx(hold, fn)
	if err != nil && ctx.Err() == nil && errors.Is(hold.Err(), context.DeadlineExceeded) {
		return &apierr.Error{Kind: apierr.Aborted, Reason: "GRAPH_WRITE_TIMEOUT", Err: err,
			Message: fmt.Sprintf("the write took over %s and was rolled back, so as not to hold other writes; nothing was written; retry, or import a smaller document", s.writeWait)}
	}
	return err
}

// walkColumns are a derivation's columns but its licence check.
const walkColumns = `d.id, d.derivative, d.source, d.relation, d.licence_use, d.note, d.portion,
	d.source_licence, d.derivative_licence, d.conflict, d.recorder, d.create_time, d.source_time`

const columns = walkColumns + `, c.body`

const fromDerivations = ` FROM derivations d JOIN licence_checks c ON c.digest = d.check_digest`

type scanner interface{ Scan(dest ...any) error }

// scanDerivation scans columns, or walkColumns without withCheck.
func scanDerivation(row scanner, withCheck bool) (*graph.Derivation, error) {
	var (
		d         graph.Derivation
		check     string
		us, srcUs int64
	)
	dest := []any{&d.ID, &d.Derivative, &d.Source, &d.Relation, &d.Use, &d.Note, &d.Portion,
		&d.SourceLicence, &d.DerivativeLicence, &d.Conflict, &d.Recorder, &us, &srcUs}
	if withCheck {
		dest = append(dest, &check)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if withCheck {
		if err := json.Unmarshal([]byte(check), &d.Check); err != nil {
			return nil, fmt.Errorf("store: licence check of derivation %s: %w", d.ID, err)
		}
	}
	d.CreateTime, d.SourceTime = storage.FromMicros(us), storage.FromMicros(srcUs)
	if srcUs == 0 {
		d.SourceTime = d.CreateTime
	}
	return &d, nil
}

// querier is what reads run on: the routed reads (storage.Routed) or a
// transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func get(ctx context.Context, q querier, id string) (*graph.Derivation, error) {
	d, err := scanDerivation(q.QueryRowContext(ctx, `SELECT `+columns+fromDerivations+` WHERE d.id = $1`, id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFoundf("derivations/" + id)
	}
	return d, err
}

// Get returns one derivation.
func (s *SQL) Get(ctx context.Context, id string) (*graph.Derivation, error) {
	d, err := get(ctx, s.db.Routed(), id)
	return d, s.db.Classify(err)
}

func byRequest(ctx context.Context, q querier, req Request) (*graph.Derivation, error) {
	var id, fingerprint string
	err := q.QueryRowContext(ctx, `SELECT derivation_id, fingerprint FROM requests WHERE principal = $1 AND request_id = $2`,
		req.Principal, req.ID).Scan(&id, &fingerprint)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFoundf("requests/" + req.ID)
	}
	if err != nil {
		return nil, err
	}
	if fingerprint != req.Fingerprint {
		return nil, &apierr.Error{
			Kind: apierr.InvalidArgument, Reason: "REQUEST_ID_REUSED", Field: "request_id",
			Message: "request_id: already used by this principal for a request with other content; use a new request_id",
		}
	}
	return get(ctx, q, id)
}

// ByRequest returns the derivation a request created.
func (s *SQL) ByRequest(ctx context.Context, req Request) (*graph.Derivation, error) {
	d, err := byRequest(ctx, s.db.Routed(), req)
	return d, s.db.Classify(err)
}

// Create records a derivation in one transaction that checks the request,
// bumps the graph epoch, checks the edge's uniqueness and acyclicity, then
// inserts.
//
// Acyclicity under concurrency: two edges that each pass the cycle check
// alone can close a cycle together (A->B and B->A in flight at once).
// SQLite has one writer, so the second sees the first. On PostgreSQL every
// edge write updates the one epoch row first; SERIALIZABLE makes a
// transaction that updates a row a concurrent transaction committed fail
// with a serialization error, and storage.DB.Tx retries it from the start,
// when it sees the other edge. This does not depend on how precisely
// PostgreSQL tracks the reads of the cycle check (its predicate locks are
// page- and relation-grained and differ on the distributed engines), at
// the price of serialising edge writes, which are rare next to reads.
func (s *SQL) Create(ctx context.Context, d *graph.Derivation, req Request) (stored *graph.Derivation, created bool, err error) {
	check, digest, err := encodeCheck(d.Check)
	if err != nil {
		return nil, false, err
	}
	eventID := NewEventID()
	err = s.graphTx(ctx, func(tx *sql.Tx) error {
		stored, created = nil, false
		if req.ID != "" {
			prev, err := byRequest(ctx, tx, req)
			if err == nil {
				stored = prev
				return nil
			}
			if !apierr.Is(err, apierr.NotFound) {
				return err
			}
		}
		// A request recorded concurrently after the check above makes the
		// bump fail and the transaction start again, so the check is exact.
		if err := bumpEpoch(ctx, tx); err != nil {
			return err
		}
		if err := checkNew(ctx, tx, d); err != nil {
			return err
		}
		if err := checkAcyclic(ctx, tx, d); err != nil {
			return err
		}
		if err := insert(ctx, tx, d, string(check), digest); err != nil {
			return err
		}
		if req.ID != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO requests (principal, request_id, fingerprint, derivation_id) VALUES ($1, $2, $3, $4)`,
				req.Principal, req.ID, req.Fingerprint, d.ID); err != nil {
				return err
			}
		}
		c := *d
		c.CreateTime = storage.FromMicros(storage.Micros(d.CreateTime))
		c.SourceTime = storage.FromMicros(storage.Micros(cmp.Or(c.SourceTime, c.CreateTime)))
		stored, created = &c, true
		return appendNewEvents(ctx, tx, []*events.Event{derivationEvent(eventID, events.DerivationCreated, &c, c.CreateTime)})
	})
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// encodeCheck returns a licence check's stored form and the digest it is
// stored under.
func encodeCheck(c graph.Check) (body []byte, digest string, err error) {
	body, err = json.Marshal(c)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(body)
	return body, base64.RawURLEncoding.EncodeToString(sum[:18]), nil
}

func bumpEpoch(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE graph_epoch SET epoch = epoch + 1 WHERE id = 1`)
	return err
}

// checkNew refuses a derivation whose id is taken, or an edge that exists
// with the same relation. The epoch bump before it keeps it race-free.
func checkNew(ctx context.Context, tx *sql.Tx, d *graph.Derivation) error {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM derivations WHERE id = $1`, d.ID).Scan(&id)
	if err == nil {
		return apierr.Exists("derivations/"+d.ID, "derivations/%s already exists", d.ID)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	err = tx.QueryRowContext(ctx, `SELECT id FROM derivations WHERE derivative = $1 AND source = $2 AND relation = $3`,
		d.Derivative, d.Source, d.Relation).Scan(&id)
	if err == nil {
		return apierr.Exists("derivations/"+id, "works/%s already derives from works/%s by that relation: derivations/%s",
			d.Derivative, d.Source, id)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

// upward lists every work the start work derives from, each once, however
// deep: UNION drops a work already found, so the walk ends on a DAG and
// costs one index probe per ancestor. The recursion starts from the
// table rather than from the parameter so that its column takes the id
// columns' collation (PostgreSQL requires both terms to agree).
const upward = `WITH RECURSIVE up (node) AS (
		SELECT d.source FROM derivations d WHERE d.derivative = $1
	UNION
		SELECT d.source FROM up JOIN derivations d ON d.derivative = up.node
	)`

// checkAcyclic refuses d if its derivative already is an ancestor of its
// source (or is its source), naming the cycle.
func checkAcyclic(ctx context.Context, tx *sql.Tx, d *graph.Derivation) error {
	if d.Derivative == d.Source {
		return graph.CycleError([]string{d.Derivative, d.Source})
	}
	var one int
	err := tx.QueryRowContext(ctx, upward+` SELECT 1 FROM up WHERE node = $2 LIMIT 1`, d.Source, d.Derivative).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	// A cycle: find the shortest way back from the source to the
	// derivative, to name it.
	rows, err := tx.QueryContext(ctx, upward+` SELECT d.id, d.derivative, d.source, d.relation FROM derivations d WHERE d.derivative = $1
		UNION ALL SELECT d.id, d.derivative, d.source, d.relation FROM up JOIN derivations d ON d.derivative = up.node`, d.Source)
	if err != nil {
		return err
	}
	edges, err := scanEdges(rows)
	if err != nil {
		return err
	}
	c := graph.NewClosure(graph.Walk{Root: d.Source, Direction: graph.Up, MaxDepth: len(edges) + 1}, edges)
	i, ok := c.Index()[d.Derivative]
	if !ok {
		return fmt.Errorf("store: cycle through %s not found again", d.Derivative)
	}
	works, _, _ := c.Path(i)
	return graph.CycleError(append([]string{d.Derivative}, works...))
}

func scanEdges(rows *sql.Rows) ([]graph.Edge, error) {
	defer rows.Close()
	var edges []graph.Edge
	for rows.Next() {
		var e graph.Edge
		if err := rows.Scan(&e.ID, &e.Derivative, &e.Source, &e.Relation); err != nil {
			return nil, err
		}
		edges = append(edges, e)
	}
	return edges, rows.Err()
}

// List returns a page of derivations. Its SQL names only the filters set,
// so that PostgreSQL plans each shape with the index it needs rather than
// one generic plan for all.
func (s *SQL) List(ctx context.Context, q ListQuery) ([]*graph.Derivation, int64, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	in := func(column string, ids []string) {
		if len(ids) == 0 {
			return
		}
		marks := make([]string, len(ids))
		for i, id := range ids {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, column+" IN ("+strings.Join(marks, ", ")+")")
	}
	in("d.derivative", q.Derivatives)
	in("d.source", q.Sources)
	if q.RelationMask != 0 {
		add("(CAST($%d AS BIGINT) >> d.relation) & 1 = 1", q.RelationMask)
	}
	if q.ConflictsOnly {
		where = append(where, "d.conflict")
	}
	add("d.seq > $%d", q.After)
	args = append(args, q.Limit+1)
	query := `SELECT d.seq, ` + columns + fromDerivations + ` WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(` ORDER BY d.seq LIMIT $%d`, len(args))
	rows, err := s.db.Routed().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, s.db.Classify(err)
	}
	defer rows.Close()
	var (
		out  []*graph.Derivation
		seqs []int64
	)
	for rows.Next() {
		var seq int64
		d, err := scanDerivation(seqScanner{rows, &seq}, true)
		if err != nil {
			return nil, 0, s.db.Classify(err)
		}
		out = append(out, d)
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.db.Classify(err)
	}
	if len(out) > q.Limit {
		return out[:q.Limit], seqs[q.Limit-1], nil
	}
	return out, 0, nil
}

// seqScanner scans a leading seq column before a derivation's columns.
type seqScanner struct {
	rows *sql.Rows
	seq  *int64
}

func (s seqScanner) Scan(dest ...any) error { return s.rows.Scan(append([]any{s.seq}, dest...)...) }

// Delete deletes a derivation and bumps the epoch.
func (s *SQL) Delete(ctx context.Context, id, etag string) (*graph.Derivation, error) {
	var d *graph.Derivation
	eventID := NewEventID()
	err := s.graphTx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = get(ctx, tx, id); err != nil {
			return err
		}
		if etag != "" && etag != d.Etag() {
			return apierr.StaleEtag("derivations/" + id)
		}
		if err := bumpEpoch(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM derivations WHERE id = $1`, id); err != nil {
			return err
		}
		// A retry of the request that created it may create it again.
		if _, err := tx.ExecContext(ctx, `DELETE FROM requests WHERE derivation_id = $1`, id); err != nil {
			return err
		}
		return appendNewEvents(ctx, tx, []*events.Event{derivationEvent(eventID, events.DerivationDeleted, d, time.Now())})
	})
	return d, err
}

// Epoch returns the graph epoch.
func (s *SQL) Epoch(ctx context.Context) (int64, error) {
	var e int64
	err := s.db.Routed().QueryRowContext(ctx, `SELECT epoch FROM graph_epoch WHERE id = 1`).Scan(&e)
	return e, s.db.Classify(err)
}

// walkSQL returns the recursive query of a walk: every (work, depth) pair
// reachable within the bound ($2) over the relations of the mask ($3),
// then every edge leaving the root ($1) or those works. UNION keeps each
// pair once, so the walk does work in proportion to the pairs, not to the
// paths, which grow exponentially in a DAG. As in upward, the recursion
// starts from the table (the root's own derivations, at depth 1); the
// root is never among the works found, the graph being acyclic.
func walkSQL(dir graph.Direction, selected string) string {
	from, to := "derivative", "source"
	if dir == graph.Down {
		from, to = to, from
	}
	mask := `(CAST($3 AS BIGINT) >> d.relation) & 1 = 1`
	return `WITH RECURSIVE walk (node, depth) AS (
			SELECT d.` + to + `, 1 FROM derivations d WHERE d.` + from + ` = $1 AND ` + mask + `
		UNION
			SELECT d.` + to + `, w.depth + 1
			FROM walk w JOIN derivations d ON d.` + from + ` = w.node
			WHERE w.depth < $2 AND ` + mask + `
		)
		SELECT ` + selected + ` FROM derivations d WHERE d.` + from + ` = $1 AND ` + mask + `
		UNION ALL
		SELECT ` + selected + `
		FROM (SELECT DISTINCT node FROM walk) n
		JOIN derivations d ON d.` + from + ` = n.node
		WHERE ` + mask
}

// Walk returns the edges of a walk.
func (s *SQL) Walk(ctx context.Context, w graph.Walk) ([]graph.Edge, error) {
	rows, err := s.db.Routed().QueryContext(ctx, walkSQL(w.Direction, `d.id, d.derivative, d.source, d.relation`),
		w.Root, w.MaxDepth, w.RelationMask())
	if err != nil {
		return nil, s.db.Classify(err)
	}
	edges, err := scanEdges(rows)
	return edges, s.db.Classify(err)
}

// WalkDerivations returns the derivations of a walk.
func (s *SQL) WalkDerivations(ctx context.Context, w graph.Walk) ([]*graph.Derivation, error) {
	rows, err := s.db.Routed().QueryContext(ctx, walkSQL(w.Direction, walkColumns), w.Root, w.MaxDepth, w.RelationMask())
	if err != nil {
		return nil, s.db.Classify(err)
	}
	defer rows.Close()
	var out []*graph.Derivation
	for rows.Next() {
		d, err := scanDerivation(rows, false)
		if err != nil {
			return nil, s.db.Classify(err)
		}
		out = append(out, d)
	}
	return out, s.db.Classify(rows.Err())
}

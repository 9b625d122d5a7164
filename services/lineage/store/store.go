// Package store keeps the lineage service's derivations: one SQL
// implementation for SQLite and PostgreSQL (internal/storage's dialect),
// with migrations per engine under migrations/.
//
// Every transaction that adds or removes an edge bumps the graph epoch, a
// one-row counter, in the same transaction. Caches put the epoch in their
// keys, so a new edge makes every older closure unreachable at once, on
// every replica. The bump also makes any two edge writes conflict on one
// row, which is what keeps the graph acyclic under concurrent writes: see
// Create.
package store

import (
	"context"
	"embed"
	"io/fs"

	"github.com/stemma-registry/stemma/services/lineage/graph"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the migrations, as storage.Open wants them.
func Migrations() fs.FS { return migrations }

// Service names the lineage database: its SQLite file and its PostgreSQL
// schema.
const Service = "lineage"

// Request identifies a create request for idempotent retries (AIP-155):
// the principal, its request_id and a digest of the request's content, to
// tell a retry from a reuse of the id.
type Request struct {
	Principal   string
	ID          string
	Fingerprint string
}

// ListQuery selects derivations for List. At least one derivative or
// source must be given.
type ListQuery struct {
	Derivatives   []string // any of these derivatives; none means any
	Sources       []string // any of these sources; none means any
	RelationMask  int64    // graph.Walk.RelationMask's form; zero means all
	ConflictsOnly bool
	After         int64 // the cursor List returned for the previous page
	Limit         int
}

// Store keeps derivations and walks the graph they form.
type Store interface {
	Events
	Subscriptions
	// Create records d (with its ID and CreateTime set) and, if req.ID is
	// set, the request that made it. If req was already recorded it
	// returns the derivation that request created and created=false, or
	// INVALID_ARGUMENT "REQUEST_ID_REUSED" if the request had other
	// content. It returns FAILED_PRECONDITION "CYCLE" (naming the cycle)
	// if the edge would close a cycle, ALREADY_EXISTS if the id is taken
	// or the derivative already derives from the source by the same
	// relation.
	Create(ctx context.Context, d *graph.Derivation, req Request) (stored *graph.Derivation, created bool, err error)
	// CreateMany records derivations in one transaction, all or none; an
	// edge that exists already is not recorded again, and existing names
	// the derivation that holds it (see SQL.CreateMany).
	CreateMany(ctx context.Context, ds []*graph.Derivation) (existing []*graph.Derivation, err error)
	// ByRequest returns the derivation a request created, NOT_FOUND if
	// there is none, INVALID_ARGUMENT "REQUEST_ID_REUSED" if it had other
	// content.
	ByRequest(ctx context.Context, req Request) (*graph.Derivation, error)
	// Get returns one derivation, or NOT_FOUND.
	Get(ctx context.Context, id string) (*graph.Derivation, error)
	// List returns derivations matching q, oldest first, and the cursor of
	// the next page (zero on the last page).
	List(ctx context.Context, q ListQuery) (ds []*graph.Derivation, next int64, err error)
	// Delete deletes a derivation whose etag matches (any etag when etag is
	// empty) and returns it; NOT_FOUND or ABORTED otherwise.
	Delete(ctx context.Context, id, etag string) (*graph.Derivation, error)
	// Epoch returns the graph epoch: it changes whenever an edge is added
	// or removed.
	Epoch(ctx context.Context) (int64, error)
	// Walk returns every edge that leaves a work reachable from w.Root
	// within w.MaxDepth, following w.Relations; graph.NewClosure and
	// graph.Paths compute over them.
	Walk(ctx context.Context, w graph.Walk) ([]graph.Edge, error)
	// WalkDerivations is Walk returning the derivations, all but their
	// licence checks: walks feed audits (which check afresh) and
	// attributions (which do not read them), and decoding thousands of
	// checks would cost more than the walk.
	WalkDerivations(ctx context.Context, w graph.Walk) ([]*graph.Derivation, error)
}

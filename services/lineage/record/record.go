// Package record holds lineage's write use cases: recording one derivation
// and importing an SBOM as works and derivations. It reaches the catalog,
// the licences service, the lineage store and the watch hub through the
// small ports below and knows nothing of gRPC: the adapters that implement
// the ports rewrite what a called service answers into a *ServiceError, the
// use cases answer with this package's errors, and the transport rewrites
// those into the API's error contract. Errors of the lineage store pass
// through as they are: the store speaks that contract already.
package record

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/stemma-registry/stemma/services/lineage/audit"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/store"
	"github.com/stemma-registry/stemma/services/lineage/watch"
)

// Work is a catalogued work as the use cases read it.
type Work struct {
	ID      string
	Owner   string
	Kind    Kind
	Title   string
	Version string
	Licence string
	// CreateTime is when the catalog registered it.
	CreateTime time.Time
}

// Kind is the catalog's name of a work's kind.
type Kind string

// The kinds an import registers, and the one a training derivation needs.
const (
	KindSoftware Kind = "WORK_KIND_SOFTWARE"
	KindDataset  Kind = "WORK_KIND_DATASET"
	KindModel    Kind = "WORK_KIND_MODEL"
)

// NewWork is a work an import registers.
type NewWork struct {
	Kind        Kind
	Title       string
	Version     string
	Description string
	Licence     string
	SourceURIs  []string
	Declared    []Declared
	PURL        string
	Digests     []string
	Creators    []string
	// RequestID makes the registration idempotent: a retry gets the work
	// the first attempt registered.
	RequestID string
}

// Declared is one licence statement a work records as its source declared
// it, with what it was resolved to and how.
type Declared struct {
	Statement  string
	Expression string
	Method     string
	Confidence float64
}

// Lookup names what an existing work is found by: a purl, else a digest.
type Lookup struct {
	PURL   string
	Digest string
}

// Lien holds a work while a derivation stands on it: the catalog refuses
// to delete a work with liens.
type Lien struct {
	Work   string
	ID     string
	Origin string
	Reason string
}

// Catalog is the catalog as lineage itself (not the caller) reads and
// holds its works.
type Catalog interface {
	// Works returns the works by id as the catalog shows them as of at
	// (their licences then), now when at is zero; ids it does not have
	// are absent.
	Works(ctx context.Context, ids []string, at time.Time) (map[string]*Work, error)
	// Lookup returns, for each lookup, the works that carry its identity,
	// oldest first.
	Lookup(ctx context.Context, ls []Lookup) ([][]*Work, error)
	// PlaceLiens places the liens all or none; placing one that exists
	// with the same origin succeeds.
	PlaceLiens(ctx context.Context, ls []Lien) error
	// LiftLien lifts one lien; a *ServiceError of fault Missing when it
	// is gone.
	LiftLien(ctx context.Context, work, id string) error
	// DeleteWork deletes a work; a *ServiceError of fault Missing when it
	// is gone.
	DeleteWork(ctx context.Context, id string) error
}

// Registry registers works as the caller, who then owns them.
type Registry interface {
	// CreateWorks registers the works all or none, in their order; a
	// refused one is a *ServiceError whose Index names it.
	CreateWorks(ctx context.Context, ws []NewWork) ([]*Work, error)
}

// Expression is a licence expression as the licences service reads it.
type Expression struct {
	Canonical string
	// IDs are the licence ids it names.
	IDs []string
}

// Suggestion is a licence that can carry all the inbound material of a
// product.
type Suggestion struct {
	Licence string
	// Category is the licences service's name of the licence's category.
	Category   string
	Verdict    graph.Verdict
	Reasons    []graph.Reason
	Conditions []string
}

// Licences answers licence questions.
type Licences interface {
	Check(ctx context.Context, qs []audit.Question) ([]graph.Check, error)
	// Parse reads an expression; one it cannot read is a *ServiceError of
	// fault Invalid.
	Parse(ctx context.Context, expr string) (Expression, error)
	// Suggest returns the candidates that can carry all the inbound
	// material, and the inbound licences no candidate can.
	Suggest(ctx context.Context, inbound []string, use graph.Use, candidates []string) (allowed []Suggestion, blocking []string, err error)
}

// Curated is an accepted curation: the licence that replaces the one a
// package declares.
type Curated struct {
	ID      string
	Licence string
}

// Curations reads the accepted curations.
type Curations interface {
	// ForPackages returns the curation of a package and version, if any,
	// as the accepted curations stand when it is called.
	ForPackages(ctx context.Context) (func(purl, version string) (Curated, bool), error)
}

// Store is the lineage store as the use cases write it.
type Store interface {
	Create(ctx context.Context, d *graph.Derivation, req store.Request) (stored *graph.Derivation, created bool, err error)
	CreateMany(ctx context.Context, ds []*graph.Derivation) (existing []*graph.Derivation, err error)
	ByRequest(ctx context.Context, req store.Request) (*graph.Derivation, error)
	Get(ctx context.Context, id string) (*graph.Derivation, error)
	List(ctx context.Context, q store.ListQuery) ([]*graph.Derivation, int64, error)
}

// Events tells watchers of a committed change.
type Events interface {
	Publish(ctx context.Context, e watch.Event)
}

// Recorder runs the use cases over its ports. Registry may be nil: imports
// are then refused with ErrNoRegistry.
type Recorder struct {
	Catalog   Catalog
	Registry  Registry
	Licences  Licences
	Curations Curations
	Store     Store
	Events    Events
	// MaxBatch bounds every batch call made.
	MaxBatch int
	Log      *slog.Logger
}

// cleanupTimeout bounds the clean-up after a failed write.
const cleanupTimeout = 10 * time.Second

// background returns a context for clean-up that must outlive the request
// (a caller that gave up must not leave liens or works behind).
func background(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
}

// Fault says how a called service failed, independently of its transport.
type Fault int

// The faults.
const (
	Failed      Fault = iota // anything else: a fault of the service
	Unavailable              // down: a retry may succeed
	Aborted                  // a concurrent write won; nothing was written, a retry may succeed
	Exhausted                // a rate limit or size bound of the service
	Invalid                  // it refused what it was given as malformed
	Missing                  // what was asked for does not exist
	Denied                   // the caller may not
	Exists                   // a duplicate
	Refused                  // a precondition of the service does not hold
)

// ServiceError is a called service's failure, as the adapters rewrite it.
type ServiceError struct {
	Service string // "catalog", "licences"
	Fault   Fault
	// Reason is the service's machine-readable reason, if it gave one.
	Reason  string
	Message string
	// Index is the request of a batch call the error names, -1 for none.
	Index int
	Err   error
}

func (e *ServiceError) Error() string { return fmt.Sprintf("%s: %s", e.Service, e.Message) }

func (e *ServiceError) Unwrap() error { return e.Err }

// faultOf returns the fault of a called service's error, Failed for an
// error that is not one.
func faultOf(err error) (Fault, bool) {
	var se *ServiceError
	if errors.As(err, &se) {
		return se.Fault, true
	}
	return Failed, false
}

// ErrNoRegistry refuses an import in a process without a registry.
var ErrNoRegistry = errors.New("record: SBOM import is not configured in this process")

// NotFoundError names a work the catalog does not have.
type NotFoundError struct{ Work string }

func (e *NotFoundError) Error() string { return "record: work " + e.Work + " not found" }

// DeniedError refuses a derivation on a derivative the principal may not
// change.
type DeniedError struct{ Work string }

func (e *DeniedError) Error() string { return "record: not allowed to change work " + e.Work }

// KindError refuses a training derivation whose derivative is no model.
type KindError struct {
	Work string
	Kind Kind
}

func (e *KindError) Error() string {
	return fmt.Sprintf("record: a training derivation needs a model, and work %s is %s", e.Work, e.Kind)
}

// ExistsError refuses a derivation id that is taken.
type ExistsError struct{ Derivation string }

func (e *ExistsError) Error() string { return "record: derivation " + e.Derivation + " exists" }

// ConflictError refuses a derivation whose licences conflict.
type ConflictError struct{ Derivation *graph.Derivation }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("record: the licence of %s (%s) does not allow %s's (%s)", e.Derivation.Source,
		e.Derivation.SourceLicence, e.Derivation.Derivative, e.Derivation.DerivativeLicence)
}

// ImportConflictError refuses an import whose new derivations conflict.
type ImportConflictError struct{ Edges []*Edge }

func (e *ImportConflictError) Error() string {
	return fmt.Sprintf("record: %d dependencies' licences conflict", len(e.Edges))
}

// InvalidError refuses what a request carries: Field names it in the
// request ("sbom.<path>", "product_licence").
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string { return "record: " + e.Field + ": " + e.Message }

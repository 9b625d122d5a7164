// Package lineageservice implements stemma.lineage.v1.LineageService: the
// gRPC handlers over the lineage store, the catalog (works, liens) and the
// licences service (verdicts), with closures, audits and attributions
// cached under keys that carry the graph epoch.
package lineageservice

import (
	"context"
	"errors"
	"log/slog"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/cache"
	"github.com/stemma-registry/stemma/services/internal/names"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/record"
	"github.com/stemma-registry/stemma/services/lineage/store"
	"github.com/stemma-registry/stemma/services/lineage/watch"
)

// Deps are what the service is built from. Every field but CallerCatalog
// is required.
type Deps struct {
	// Catalog and Licences are clients that carry the internal key, which
	// lets the service place and lift liens on works it does not own.
	Catalog  catalogv1.CatalogServiceClient
	Licences licencesv1.LicenceServiceClient
	// CallerCatalog is a catalog client without the internal key: a call
	// made with it carries the caller's own key, so that the works an SBOM
	// import registers belong to the importer. Only ImportSbom uses it; nil
	// makes ImportSbom UNIMPLEMENTED.
	CallerCatalog catalogv1.CatalogServiceClient
	Store         store.Store
	Cache         cache.Cache
	Hub           *watch.Hub
	Pages         paging.Bounds
	// MaxDepth bounds every walk's depth, MaxClosure its width (works
	// besides the root; zero for none); MaxBatch every batch call made or
	// taken.
	MaxDepth   int
	MaxClosure int
	MaxBatch   int
	// WatchesPerClient and MaxWatches bound the open watch streams of one
	// principal or anonymous address, and of the process; zero for none.
	WatchesPerClient int
	MaxWatches       int
	// ClientAddr names an anonymous caller for WatchesPerClient (the
	// rate limiter's view of it); nil uses the gRPC peer's address.
	ClientAddr func(context.Context) string
	// Metrics registers the service's metrics; nil keeps them unregistered.
	Metrics prometheus.Registerer
	// Stopping is closed when the process shuts down: watch streams end.
	Stopping <-chan struct{}
	Log      *slog.Logger
}

// Service is the lineage service.
type Service struct {
	lineagev1.UnimplementedLineageServiceServer
	Deps
	checker *Checker
	// rec runs the write use cases, CreateDerivation's and ImportSbom's.
	rec     *record.Recorder
	watches *watchLimits
	walks   *eventWalks
}

// New returns the service.
func New(d Deps) (*Service, error) {
	switch {
	case d.Catalog == nil, d.Licences == nil, d.Store == nil, d.Cache == nil, d.Hub == nil, d.Stopping == nil, d.Log == nil:
		return nil, errors.New("lineageservice: a dependency is missing")
	case d.MaxDepth < 1, d.MaxBatch < 1, d.MaxClosure < 0, d.WatchesPerClient < 0, d.MaxWatches < 0, d.Pages.Default < 1, d.Pages.Max < d.Pages.Default:
		return nil, errors.New("lineageservice: bad bounds")
	}
	walks, err := newEventWalks(d.Metrics)
	if err != nil {
		return nil, err
	}
	s := &Service{Deps: d, checker: NewChecker(d.Licences, d.MaxBatch),
		watches: newWatchLimits(d.WatchesPerClient, d.MaxWatches), walks: walks}
	s.rec = s.recorder()
	return s, nil
}

// workID returns the id in a work name.
func workID(field, name string) (string, error) { return names.Parse(field, name, "works") }

func workName(id string) string { return "works/" + id }

func derivationName(id string) string { return "derivations/" + id }

// depth returns the depth bound of a walk: the configured one for zero,
// never more than it.
func (s *Service) depth(field string, asked int32) (int, error) {
	switch {
	case asked < 0:
		return 0, apierr.Invalid(field, "must not be negative (got %d)", asked)
	case asked == 0 || int(asked) > s.MaxDepth:
		return s.MaxDepth, nil
	}
	return int(asked), nil
}

func relations(field string, rs []lineagev1.Relation) ([]graph.Relation, error) {
	if len(rs) > len(graph.Relations) {
		return nil, apierr.Invalid(field, "at most %d relations", len(graph.Relations))
	}
	out := make([]graph.Relation, len(rs))
	for i, r := range rs {
		out[i] = graph.Relation(r)
		if !out[i].Valid() {
			return nil, apierr.Invalid(field, "unknown relation %v", r)
		}
	}
	return out, nil
}

// walk builds the walk a graph query asks for.
func (s *Service) walk(work string, maxDepth int32, rs []lineagev1.Relation, dir graph.Direction) (graph.Walk, error) {
	id, err := workID("work", work)
	if err != nil {
		return graph.Walk{}, err
	}
	d, err := s.depth("max_depth", maxDepth)
	if err != nil {
		return graph.Walk{}, err
	}
	r, err := relations("relations", rs)
	if err != nil {
		return graph.Walk{}, err
	}
	return graph.Walk{Root: id, Direction: dir, MaxDepth: d, Relations: r, MaxNodes: s.MaxClosure}, nil
}

// query is the paging query of a walk: the method and what shapes its
// result.
func query(method string, w graph.Walk, extra ...string) paging.Query {
	return paging.NewQuery(method, append([]string{w.Root, strconv.Itoa(w.MaxDepth), strconv.FormatInt(w.RelationMask(), 16)}, extra...)...)
}

// offset decodes a page token that carries an offset.
func offset(q paging.Query, token string) (int64, error) {
	cur, err := paging.Decode(q, token)
	if err != nil || cur == "" {
		return 0, err
	}
	n, err := strconv.ParseInt(cur, 10, 64)
	if err != nil || n < 0 {
		return 0, apierr.Invalid("page_token", "not a page token this request issued; start again without one")
	}
	return n, nil
}

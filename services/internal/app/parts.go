package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/redis/go-redis/v9"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stemma-registry/stemma/gateway"
	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/catalog/cachedstore"
	"github.com/stemma-registry/stemma/services/catalog/catalogservice"
	catalogstore "github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/cache"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/licences/compat"
	"github.com/stemma-registry/stemma/services/licences/identify"
	"github.com/stemma-registry/stemma/services/licences/licenceservice"
	"github.com/stemma-registry/stemma/services/licences/spdx"
	"github.com/stemma-registry/stemma/services/lineage/events"
	"github.com/stemma-registry/stemma/services/lineage/lineageservice"
	lineagestore "github.com/stemma-registry/stemma/services/lineage/store"
	"github.com/stemma-registry/stemma/services/lineage/watch"
)

const servingStatus = healthpb.HealthCheckResponse_SERVING

// Services are the descriptors of Stemma's gRPC services.
func Services() []protoreflect.ServiceDescriptor {
	return []protoreflect.ServiceDescriptor{
		licencesv1.File_stemma_licences_v1_licences_proto.Services().ByName("LicenceService"),
		catalogv1.File_stemma_catalog_v1_catalog_proto.Services().ByName("CatalogService"),
		lineagev1.File_stemma_lineage_v1_lineage_proto.Services().ByName("LineageService"),
		lineagev1.File_stemma_lineage_v1_policy_proto.Services().ByName("PolicyService"),
		lineagev1.File_stemma_lineage_v1_curation_proto.Services().ByName("CurationService"),
		lineagev1.File_stemma_lineage_v1_subscription_proto.Services().ByName("SubscriptionService"),
		catalogv1.File_stemma_catalog_v1_outbox_proto.Services().ByName("CatalogEventService"),
	}
}

// Policy returns the access policy of Stemma's API: reads are public, and
// so is the licences service, a pure computation; every other method needs
// a principal.
func Policy() *auth.Policy {
	return auth.NewPolicy(Services(), protoreflect.FullName(licencesv1.LicenceService_ServiceDesc.ServiceName))
}

// start builds one part. Its dependencies are resolved here, by name, and
// handed to its constructor as typed arguments.
func (a *App) start(ctx context.Context, name string) (*part, error) {
	switch name {
	case config.PartLicences:
		engine, err := compat.New(spdx.Default())
		if err != nil {
			return nil, err
		}
		licencesv1.RegisterLicenceServiceServer(a.grpc, licenceservice.New(engine, a.pages(), a.cfg.MaxBatchSize))
		// The licence text index takes a fraction of a second to build;
		// built while the process starts, not on the first text asked.
		go identify.Prepare()
		return &part{name: name, services: []string{ServiceOf(name)}}, nil

	case config.PartCatalog:
		return a.startCatalog(ctx, name)

	case config.PartLineage:
		return a.startLineage(ctx, name)

	case config.PartGateway:
		lic, err := a.conn(config.PartLicences, false)
		if err != nil {
			return nil, err
		}
		cat, err := a.conn(config.PartCatalog, false)
		if err != nil {
			return nil, err
		}
		lin, err := a.conn(config.PartLineage, false)
		if err != nil {
			return nil, err
		}
		h, err := gateway.New(ctx, gateway.Options{
			Licences: lic, Catalog: cat, Lineage: lin,
			MaxBodyBytes: a.cfg.MaxBodyBytes, Logger: a.log,
		})
		if err != nil {
			return nil, err
		}
		a.api = h
		return &part{name: name}, nil
	}
	return nil, fmt.Errorf("unknown part %q", name)
}

// ServiceOf returns the gRPC service name of a part ("" for the gateway).
func ServiceOf(part string) string {
	switch part {
	case config.PartLicences:
		return licencesv1.LicenceService_ServiceDesc.ServiceName
	case config.PartCatalog:
		return catalogv1.CatalogService_ServiceDesc.ServiceName
	case config.PartLineage:
		return lineagev1.LineageService_ServiceDesc.ServiceName
	}
	return ""
}

// startLineage builds the lineage service: clients of the catalog and the
// licences service carrying the internal key (liens need it), its store,
// the cache, and the watch hub, on Redis pub/sub when the cache is Redis.
func (a *App) startLineage(ctx context.Context, name string) (*part, error) {
	// SBOM imports identify licence texts in this process.
	go identify.Prepare()
	cat, err := a.conn(config.PartCatalog, true)
	if err != nil {
		return nil, err
	}
	lic, err := a.conn(config.PartLicences, true)
	if err != nil {
		return nil, err
	}
	callerCat, err := a.conn(config.PartCatalog, false)
	if err != nil {
		return nil, err
	}
	db, err := storage.Open(ctx, a.storeOptions(lineagestore.Service, lineagestore.Migrations()))
	if err != nil {
		return nil, err
	}
	var pubsub redis.UniversalClient
	var mac *cache.MAC
	if r, ok := a.cache.(*cache.Redis); ok {
		pubsub, mac = r.Client(), r.MAC()
	}
	hub := watch.New(pubsub, a.cfg.RedisPrefix+"lineage:events", mac, a.log)
	st := lineagestore.New(db).WithWriteWait(a.cfg.GraphWriteWait)
	svc, err := lineageservice.New(lineageservice.Deps{
		Catalog: catalogv1.NewCatalogServiceClient(cat), Licences: licencesv1.NewLicenceServiceClient(lic),
		CallerCatalog: catalogv1.NewCatalogServiceClient(callerCat),
		Store:         st, Cache: a.cache, Hub: hub, Pages: a.pages(),
		MaxDepth: a.cfg.MaxDepth, MaxClosure: a.cfg.MaxClosure, MaxBatch: a.cfg.MaxBatchSize,
		WatchesPerClient: a.cfg.WatchesPerClient, MaxWatches: a.cfg.MaxWatches, ClientAddr: a.limiter.ClientAddr,
		Metrics:  a.reg,
		Stopping: a.Stopping(), Log: a.log,
	})
	if err != nil {
		hub.Close()
		db.Close()
		return nil, err
	}
	lineagev1.RegisterLineageServiceServer(a.grpc, svc)
	lineagev1.RegisterPolicyServiceServer(a.grpc, lineageservice.NewPolicies(svc, st))
	lineagev1.RegisterCurationServiceServer(a.grpc, lineageservice.NewCurations(svc, st))
	allow, err := events.ParseAllowList(a.cfg.WebhookAllow)
	if err != nil {
		hub.Close()
		db.Close()
		return nil, err
	}
	lineagev1.RegisterSubscriptionServiceServer(a.grpc, lineageservice.NewSubscriptions(svc, allow))
	dispatchCtx, stopDispatch := context.WithCancel(context.Background())
	dispatched := make(chan struct{})
	d := &lineageservice.Dispatcher{
		Store: st, Catalog: catalogv1.NewCatalogEventServiceClient(cat), Holder: lineageservice.NewHolder(),
		Allow: allow, Client: lineageservice.WebhookClient(10 * time.Second),
		Interval: 500 * time.Millisecond, LeaseTTL: 10 * time.Second, MaxAttempts: a.cfg.WebhookAttempts, Backoff: a.cfg.WebhookBackoff,
		MaxDepth: a.cfg.MaxDepth, Log: a.log,
	}
	go func() { defer close(dispatched); d.Run(dispatchCtx) }()
	return &part{name: name, services: []string{ServiceOf(name), lineagev1.PolicyService_ServiceDesc.ServiceName,
		lineagev1.CurationService_ServiceDesc.ServiceName, lineagev1.SubscriptionService_ServiceDesc.ServiceName}, close: func() error {
		stopDispatch()
		<-dispatched
		return errors.Join(hub.Close(), db.Close())
	}}, nil
}

// storeOptions says how a service opens its store: the configured
// database, its read replicas, and whether to migrate.
func (a *App) storeOptions(service string, migrations fs.FS) storage.Options {
	return storage.Options{
		DatabaseURL: a.cfg.DatabaseURL, DataDir: a.cfg.DataDir, Service: service,
		Migrations: migrations, Logger: a.log, NoMigrate: !a.cfg.Migrate,
		ReadURLs: a.cfg.DatabaseReadURLs, MaxReplicaLag: a.cfg.MaxReplicaLag, Metrics: a.reg,
	}
}

// startCatalog builds the catalog service: a client of the licences
// service (which validates expressions), its store with works by id cached
// under versioned keys, and the deployment's bounds.
func (a *App) startCatalog(ctx context.Context, name string) (*part, error) {
	lic, err := a.conn(config.PartLicences, true)
	if err != nil {
		return nil, err
	}
	works, err := a.worksCache()
	if err != nil {
		return nil, err
	}
	db, err := storage.Open(ctx, a.storeOptions(catalogstore.Service, catalogstore.Migrations()))
	if err != nil {
		works.Close()
		return nil, err
	}
	stored := catalogstore.New(db)
	if missing, err := stored.TitleIndexMissing(ctx); err != nil || missing {
		a.log.Warn("title filters scan every work: no trigram index (PostgreSQL lacks pg_trgm, or this role may not create it; docs/catalog.md)", "err", err)
	}
	s := cachedstore.New(stored, works)
	catalogv1.RegisterCatalogServiceServer(a.grpc, catalogservice.New(s, licencesv1.NewLicenceServiceClient(lic), a.pages(), a.cfg.MaxBatchSize))
	catalogv1.RegisterCatalogEventServiceServer(a.grpc, catalogservice.NewEvents(stored, a.pages()))
	return &part{name: name, services: []string{ServiceOf(name), catalogv1.CatalogEventService_ServiceDesc.ServiceName}, close: func() error {
		return errors.Join(db.Close(), works.Close())
	}}, nil
}

// worksCache returns the cache of works by id: in process, even where
// Redis is configured. Its keys carry the version read from the store on
// every read, so each replica's own cache is as current as a shared one,
// and BenchmarkGet (services/catalog/cachedstore) shows Redis's round trip
// making a cached read slower than no cache (docs/catalog.md). Closing it
// leaves the process's cache open.
func (a *App) worksCache() (cache.Cache, error) {
	if _, shared := a.cache.(*cache.Redis); !shared {
		return unclosed{a.cache}, nil
	}
	if a.cfg.CacheEntries == 0 {
		return cache.None{}, nil
	}
	return cache.NewLocal(a.cfg.CacheEntries, a.cacheMetrics)
}

// unclosed is a cache whose Close leaves it open, for a part that uses the
// process's cache, which the process closes.
type unclosed struct{ cache.Cache }

func (unclosed) Close() error { return nil }

package app

import (
	"context"
	"errors"
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

// partSpec describes one part of the suite, once: its name and the parts
// it calls (what the configuration checks), the gRPC services it serves
// (what health, the access policy and the API contract read) and its
// constructor. The table is in start order: a part calls only parts before
// it.
type partSpec struct {
	config.Part
	// summary says what the part does, for `stemma serve --list-targets`.
	summary string
	// services are the gRPC services it serves, the first its own (the
	// name its health is checked by); none for the gateway.
	services []protoreflect.ServiceDescriptor
	// start builds the part with what it depends on resolved by name.
	start func(a *App, ctx context.Context) (closer, error)
}

// closer releases what a part holds; nil when it holds nothing.
type closer func() error

var partTable = []partSpec{
	{
		Part:    config.Part{Name: config.PartLicences},
		summary: "the SPDX licence list, expressions, compatibility verdicts",
		services: []protoreflect.ServiceDescriptor{
			licencesv1.File_stemma_licences_v1_licences_proto.Services().ByName("LicenceService"),
		},
		start: (*App).startLicences,
	},
	{
		Part:    config.Part{Name: config.PartCatalog, Needs: []string{config.PartLicences}},
		summary: "works, their licences and licence history, licence events",
		services: []protoreflect.ServiceDescriptor{
			catalogv1.File_stemma_catalog_v1_catalog_proto.Services().ByName("CatalogService"),
			catalogv1.File_stemma_catalog_v1_outbox_proto.Services().ByName("CatalogEventService"),
		},
		start: (*App).startCatalog,
	},
	{
		Part:    config.Part{Name: config.PartLineage, Needs: []string{config.PartLicences, config.PartCatalog}},
		summary: "derivations, graph queries, audits, policies, curations, events and subscriptions",
		services: []protoreflect.ServiceDescriptor{
			lineagev1.File_stemma_lineage_v1_lineage_proto.Services().ByName("LineageService"),
			lineagev1.File_stemma_lineage_v1_policy_proto.Services().ByName("PolicyService"),
			lineagev1.File_stemma_lineage_v1_curation_proto.Services().ByName("CurationService"),
			lineagev1.File_stemma_lineage_v1_subscription_proto.Services().ByName("SubscriptionService"),
		},
		start: (*App).startLineage,
	},
	{
		Part:    config.Part{Name: config.PartGateway, Needs: []string{config.PartLicences, config.PartCatalog, config.PartLineage}},
		summary: "REST/JSON for every RPC, the OpenAPI documents, the web explorer",
		start:   (*App).startGateway,
	},
}

// Parts returns the parts of the suite, in start order, as the
// configuration checks them.
func Parts() []config.Part {
	ps := make([]config.Part, len(partTable))
	for i, s := range partTable {
		ps[i] = s.Part
		ps[i].GRPC = len(s.services) > 0
	}
	return ps
}

// Target is one line of `stemma serve --list-targets`.
type Target struct {
	Name, Summary   string
	Services, Calls []string
}

// Targets describes every part --target accepts, in start order.
func Targets() []Target {
	ts := make([]Target, len(partTable))
	for i, s := range partTable {
		ts[i] = Target{Name: s.Name, Summary: s.summary, Calls: s.Needs}
		for _, d := range s.services {
			ts[i].Services = append(ts[i].Services, string(d.FullName()))
		}
	}
	return ts
}

// Services are the descriptors of Stemma's gRPC services.
func Services() []protoreflect.ServiceDescriptor {
	var ds []protoreflect.ServiceDescriptor
	for _, s := range partTable {
		ds = append(ds, s.services...)
	}
	return ds
}

// Policy returns the access policy of Stemma's API: reads are public, and
// so is the licences service, a pure computation; every other method needs
// a principal.
func Policy() *auth.Policy {
	return auth.NewPolicy(Services(), protoreflect.FullName(licencesv1.LicenceService_ServiceDesc.ServiceName))
}

// specOf returns the part's row of the table.
func specOf(name string) (partSpec, bool) {
	for _, s := range partTable {
		if s.Name == name {
			return s, true
		}
	}
	return partSpec{}, false
}

// ServiceOf returns the gRPC service name a part's health is checked by
// ("" for the gateway).
func ServiceOf(name string) string {
	if s, ok := specOf(name); ok && len(s.services) > 0 {
		return string(s.services[0].FullName())
	}
	return ""
}

// startLicences builds the licences service, a pure computation over the
// embedded licence list.
func (a *App) startLicences(context.Context) (closer, error) {
	engine, err := compat.New(spdx.Default())
	if err != nil {
		return nil, err
	}
	licencesv1.RegisterLicenceServiceServer(a.grpc, licenceservice.New(engine, a.pages(), a.cfg.MaxBatchSize))
	// The licence text index takes a fraction of a second to build;
	// built while the process starts, not on the first text asked.
	go identify.Prepare()
	return nil, nil
}

// startGateway builds the REST gateway over clients of the three services.
func (a *App) startGateway(ctx context.Context) (closer, error) {
	lic, err := a.gatewayConn(config.PartLicences)
	if err != nil {
		return nil, err
	}
	cat, err := a.gatewayConn(config.PartCatalog)
	if err != nil {
		return nil, err
	}
	lin, err := a.gatewayConn(config.PartLineage)
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
	return nil, nil
}

// startLineage builds the lineage service: clients of the catalog and the
// licences service carrying the internal key (liens need it), its store,
// the cache, and the watch hub, on Redis pub/sub when the cache is Redis.
func (a *App) startLineage(ctx context.Context) (closer, error) {
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
	subs := lineageservice.NewSubscriptions(svc, allow)
	lineagev1.RegisterSubscriptionServiceServer(a.grpc, subs)
	dispatchCtx, stopDispatch := context.WithCancel(context.Background())
	dispatched := make(chan struct{})
	d := &lineageservice.Dispatcher{
		Store: st, Catalog: catalogv1.NewCatalogEventServiceClient(cat), Holder: lineageservice.NewHolder(),
		Allow: allow, Client: lineageservice.WebhookClient(10 * time.Second),
		Interval: 100 * time.Millisecond, LeaseTTL: 10 * time.Second, MaxAttempts: a.cfg.WebhookAttempts, Backoff: a.cfg.WebhookBackoff,
		MaxDepth: a.cfg.MaxDepth, Appended: subs.Appended, Log: a.log,
	}
	go func() { defer close(dispatched); d.Run(dispatchCtx) }()
	return func() error {
		stopDispatch()
		<-dispatched
		return errors.Join(hub.Close(), db.Close())
	}, nil
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
func (a *App) startCatalog(ctx context.Context) (closer, error) {
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
	pctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	promoted := make(chan struct{})
	go func() {
		defer close(promoted)
		catalogservice.Promote(pctx, stored, a.cfg.LicencePromoteEvery, a.log)
	}()
	return func() error {
		stop()
		<-promoted
		return errors.Join(db.Close(), works.Close())
	}, nil
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

package app

import (
	"context"
	"fmt"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stemma-registry/stemma/gateway"
	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/catalog/catalogservice"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/licences/compat"
	"github.com/stemma-registry/stemma/services/licences/licenceservice"
	"github.com/stemma-registry/stemma/services/licences/spdx"
	"github.com/stemma-registry/stemma/services/lineage/lineageservice"
)

const servingStatus = healthpb.HealthCheckResponse_SERVING

// Services are the descriptors of Stemma's gRPC services.
func Services() []protoreflect.ServiceDescriptor {
	return []protoreflect.ServiceDescriptor{
		licencesv1.File_stemma_licences_v1_licences_proto.Services().ByName("LicenceService"),
		catalogv1.File_stemma_catalog_v1_catalog_proto.Services().ByName("CatalogService"),
		lineagev1.File_stemma_lineage_v1_lineage_proto.Services().ByName("LineageService"),
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
		return &part{name: name, services: []string{ServiceOf(name)}}, nil

	case config.PartCatalog:
		catalogv1.RegisterCatalogServiceServer(a.grpc, catalogservice.New())
		return &part{name: name, services: []string{ServiceOf(name)}}, nil

	case config.PartLineage:
		lineagev1.RegisterLineageServiceServer(a.grpc, lineageservice.New())
		return &part{name: name, services: []string{ServiceOf(name)}}, nil

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

// Package catalogservice implements stemma.catalog.v1.CatalogService.
package catalogservice

import catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"

// Service is the catalog service. Its methods answer UNIMPLEMENTED until
// the catalog issue lands.
type Service struct {
	catalogv1.UnimplementedCatalogServiceServer
}

// New returns the catalog service.
func New() *Service { return &Service{} }

// Package lineageservice implements stemma.lineage.v1.LineageService.
package lineageservice

import lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"

// Service is the lineage service. Its methods answer UNIMPLEMENTED until
// the lineage issue lands.
type Service struct {
	lineagev1.UnimplementedLineageServiceServer
}

// New returns the lineage service.
func New() *Service { return &Service{} }

// Package catalogservice implements stemma.catalog.v1.CatalogService: it
// authenticates and authorises each call, validates and normalises what it
// is sent (licences through the licences service), and maps between the
// API's messages and the catalog's domain, which a store.Store keeps.
package catalogservice

import (
	"strconv"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/paging"
)

// Service is the catalog service.
type Service struct {
	catalogv1.UnimplementedCatalogServiceServer
	store    store.Store
	licences licencesv1.LicenceServiceClient
	pages    paging.Bounds
	maxBatch int
}

// New returns the catalog service over a store. licences validates and
// normalises licence expressions; pages and maxBatch are the deployment's
// bounds.
func New(s store.Store, licences licencesv1.LicenceServiceClient, pages paging.Bounds, maxBatch int) *Service {
	return &Service{store: s, licences: licences, pages: pages, maxBatch: maxBatch}
}

// page returns the store page a list request asks for: its size bounded,
// its token decoded against the query it must belong to.
func (s *Service) page(q paging.Query, size int32, token string) (store.Page, error) {
	n, err := s.pages.Size(size)
	if err != nil {
		return store.Page{}, err
	}
	cursor, err := paging.Decode(q, token)
	if err != nil {
		return store.Page{}, err
	}
	p := store.Page{Size: n}
	if cursor != "" {
		if p.After, err = strconv.ParseInt(cursor, 10, 64); err != nil || p.After <= 0 {
			return store.Page{}, apierr.Invalid("page_token", "not a page token this request issued; start again without one")
		}
	}
	return p, nil
}

// nextToken returns the token of the page after cursor next (0: none).
func nextToken(q paging.Query, next int64) string {
	if next == 0 {
		return ""
	}
	return paging.Encode(q, strconv.FormatInt(next, 10))
}

// batchSize checks the number of items of a batch call.
func (s *Service) batchSize(field string, n int) error {
	if n == 0 {
		return apierr.Missing(field)
	}
	if n > s.maxBatch {
		return apierr.Invalid(field, "%d items; at most %d in one call", n, s.maxBatch)
	}
	return nil
}

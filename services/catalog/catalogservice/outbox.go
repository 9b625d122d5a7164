package catalogservice

import (
	"context"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/paging"
)

// Events implements stemma.catalog.v1.CatalogEventService: the catalog's
// outbox as a change feed, which the lineage service relays into its event
// log (docs/events.md).
type Events struct {
	catalogv1.UnimplementedCatalogEventServiceServer
	store store.Reader
	pages paging.Bounds
}

// NewEvents returns the change feed over a store.
func NewEvents(s store.Reader, pages paging.Bounds) *Events { return &Events{store: s, pages: pages} }

// ListLicenceEvents lists the outbox after a sequence.
func (e *Events) ListLicenceEvents(ctx context.Context, req *catalogv1.ListLicenceEventsRequest) (*catalogv1.ListLicenceEventsResponse, error) {
	if req.GetAfterSequence() < 0 {
		return nil, apierr.Invalid("after_sequence", "must not be negative (got %d)", req.GetAfterSequence())
	}
	size, err := e.pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	es, err := e.store.LicenceEvents(ctx, req.GetAfterSequence(), size)
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.ListLicenceEventsResponse{}
	for _, le := range es {
		resp.Events = append(resp.Events, &catalogv1.LicenceEvent{Id: le.ID, Sequence: le.Seq, Work: "works/" + le.WorkID, Change: toLicenceChange(le.Change)})
	}
	return resp, nil
}

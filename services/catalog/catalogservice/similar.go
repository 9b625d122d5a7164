package catalogservice

import (
	"context"
	"strconv"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/catalog/similarity"
	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/paging"
)

// SearchSimilarWorks finds the works whose codes are near an ISCC, with
// whether each one's licence differs from the one the request names.
func (s *Service) SearchSimilarWorks(ctx context.Context, req *catalogv1.SearchSimilarWorksRequest) (*catalogv1.SearchSimilarWorksResponse, error) {
	code, units, err := work.NormaliseISCC("iscc", req.GetIscc())
	if err != nil {
		return nil, err
	}
	d := similarity.DefaultDistance
	if req.MaxDistance != nil {
		d = int(req.GetMaxDistance())
		if d < 0 || d > similarity.MaxDistance {
			return nil, apierr.Invalid("max_distance", "%d; want 0 to %d bits", d, similarity.MaxDistance)
		}
	}
	var lic work.Licence
	if req.GetLicence() != "" {
		if lic, err = s.licence(ctx, "licence", req.GetLicence()); err != nil {
			return nil, err
		}
	}
	q := paging.NewQuery("SearchSimilarWorks", code, strconv.Itoa(d), lic.Expression)
	p, err := s.page(q, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	ms, next, err := s.store.Similar(ctx, store.SimilarQuery{Units: units, MaxDistance: d}, p)
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.SearchSimilarWorksResponse{NextPageToken: nextToken(q, next)}
	for _, m := range ms {
		resp.Matches = append(resp.Matches, &catalogv1.SimilarWork{
			Work:           toWork(m.Work),
			Distance:       int32(m.Distance),
			Unit:           m.Kind.String(),
			Iscc:           m.Code,
			LicenceDiffers: req.GetLicence() != "" && m.Work.Licence.Expression != lic.Expression,
		})
	}
	return resp, nil
}

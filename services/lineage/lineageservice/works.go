package lineageservice

import (
	"context"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// works returns the catalog's works by id, asked for in batches of the
// configured bound; ids the catalog does not have are absent.
func (s *Service) works(ctx context.Context, ids []string) (map[string]*catalogv1.Work, error) {
	return s.worksAt(ctx, ids, time.Time{})
}

// worksAt returns the works as the catalog shows them as of t (their
// licences then): now when t is zero.
func (s *Service) worksAt(ctx context.Context, ids []string, t time.Time) (map[string]*catalogv1.Work, error) {
	var asOf *timestamppb.Timestamp
	if !t.IsZero() {
		asOf = timestamppb.New(t)
	}
	out := make(map[string]*catalogv1.Work, len(ids))
	seen := make(map[string]bool, len(ids))
	var names []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			names = append(names, workName(id))
		}
	}
	for start := 0; start < len(names); start += s.MaxBatch {
		resp, err := s.Catalog.BatchGetWorks(ctx, &catalogv1.BatchGetWorksRequest{
			Names: names[start:min(start+s.MaxBatch, len(names))], AllowMissing: true, AsOf: asOf,
		})
		if err != nil {
			return nil, err
		}
		for _, w := range resp.GetWorks() {
			out[strings.TrimPrefix(w.GetName(), "works/")] = w
		}
	}
	return out, nil
}

// mustExist returns NOT_FOUND naming the first of the works the catalog
// does not have.
func (s *Service) mustExist(ctx context.Context, ids ...string) error {
	ws, err := s.works(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if ws[id] == nil {
			return apierr.NotFoundf(workName(id))
		}
	}
	return nil
}

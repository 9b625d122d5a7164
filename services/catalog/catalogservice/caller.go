package catalogservice

import (
	"context"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/auth"
)

// GetCaller answers with the principal the request was authenticated as;
// a request without a key is nobody's, which is not an error: reads are
// public.
func (s *Service) GetCaller(ctx context.Context, _ *catalogv1.GetCallerRequest) (*catalogv1.Caller, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return &catalogv1.Caller{}, nil
	}
	return &catalogv1.Caller{Principal: p.Name, Admin: p.Admin, Reviewer: p.Reviewer}, nil
}

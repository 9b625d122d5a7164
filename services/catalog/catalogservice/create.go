package catalogservice

import (
	"context"
	"fmt"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/input"
	"github.com/stemma-registry/stemma/services/internal/names"
)

// CreateWork registers a work owned by the caller.
func (s *Service) CreateWork(ctx context.Context, req *catalogv1.CreateWorkRequest) (*catalogv1.Work, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	nw, err := s.newWork(ctx, req, "", newLicences())
	if err != nil {
		return nil, err
	}
	ws, err := s.store.Create(ctx, p.Name, []store.NewWork{nw})
	if err != nil {
		return nil, err
	}
	return toWork(ws[0]), nil
}

// BatchCreateWorks registers many works owned by the caller, all or none.
func (s *Service) BatchCreateWorks(ctx context.Context, req *catalogv1.BatchCreateWorksRequest) (*catalogv1.BatchCreateWorksResponse, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.batchSize("requests", len(req.GetRequests())); err != nil {
		return nil, err
	}
	// Batches repeat a few licences; each is validated once.
	lics := newLicences()
	nws := make([]store.NewWork, len(req.GetRequests()))
	for i, r := range req.GetRequests() {
		if nws[i], err = s.newWork(ctx, r, fmt.Sprintf("requests[%d].", i), lics); err != nil {
			return nil, err
		}
	}
	ws, err := s.store.Create(ctx, p.Name, nws)
	if err != nil {
		return nil, err
	}
	return &catalogv1.BatchCreateWorksResponse{Works: toWorks(ws)}, nil
}

// licences remembers the expressions a request has validated.
type licences map[string]work.Licence

func newLicences() licences { return licences{} }

// newWork validates one create request; prefix names it in errors.
func (s *Service) newWork(ctx context.Context, req *catalogv1.CreateWorkRequest, prefix string, lics licences) (store.NewWork, error) {
	if req.GetWork() == nil {
		return store.NewWork{}, apierr.Missing(prefix + "work")
	}
	w := fromWork(req.GetWork())
	if id := req.GetWorkId(); id != "" {
		if err := names.ValidID(prefix+"work_id", id); err != nil {
			return store.NewWork{}, err
		}
		w.ID = id
	}
	if err := input.RequestID(prefix+"request_id", req.GetRequestId()); err != nil {
		return store.NewWork{}, err
	}
	if err := work.Normalise(w, work.AllFields, prefix+"work."); err != nil {
		return store.NewWork{}, err
	}
	expr := req.GetWork().GetLicence()
	lic, seen := lics[expr]
	if !seen {
		var err error
		if lic, err = s.licence(ctx, prefix+"work.licence", expr); err != nil {
			return store.NewWork{}, err
		}
		lics[expr] = lic
	}
	w.Licence = lic
	nw := store.NewWork{Work: w, RequestID: req.GetRequestId(), Field: prefix}
	if nw.RequestID != "" {
		fp, err := input.Fingerprint(req)
		if err != nil {
			return store.NewWork{}, apierr.Invalid(prefix+"work", "cannot be encoded: %v", err)
		}
		nw.Fingerprint = fp
	}
	return nw, nil
}

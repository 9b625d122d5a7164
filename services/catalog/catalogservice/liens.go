package catalogservice

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"google.golang.org/protobuf/types/known/emptypb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/input"
	"github.com/stemma-registry/stemma/services/internal/names"
	"github.com/stemma-registry/stemma/services/internal/paging"
)

// ListLicenceChanges lists a work's licence history, oldest first.
func (s *Service) ListLicenceChanges(ctx context.Context, req *catalogv1.ListLicenceChangesRequest) (*catalogv1.ListLicenceChangesResponse, error) {
	id, err := names.Parse("parent", req.GetParent(), "works")
	if err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListLicenceChanges", id)
	p, err := s.page(q, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	cs, next, err := s.store.LicenceChanges(ctx, id, p)
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.ListLicenceChangesResponse{NextPageToken: nextToken(q, next)}
	for _, c := range cs {
		resp.LicenceChanges = append(resp.LicenceChanges, toLicenceChange(c))
	}
	return resp, nil
}

// mayHoldWorks refuses anyone but Stemma's own services and admins: liens
// stand for derivations, which only the lineage service records.
func mayHoldWorks(ctx context.Context) (auth.Principal, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return auth.Principal{}, err
	}
	if !p.Internal && !p.Admin {
		return auth.Principal{}, apierr.Denied("only Stemma's services and admins may place or lift liens")
	}
	return p, nil
}

// CreateLien places a lien on a work, or returns the lien with its id if
// it stands for the same origin.
func (s *Service) CreateLien(ctx context.Context, req *catalogv1.CreateLienRequest) (*catalogv1.Lien, error) {
	p, err := mayHoldWorks(ctx)
	if err != nil {
		return nil, err
	}
	l, err := parseLien("", req, p)
	if err != nil {
		return nil, err
	}
	made, err := s.store.CreateLien(ctx, l)
	if err != nil {
		return nil, err
	}
	return toLien(made), nil
}

// BatchCreateLiens places many liens in one transaction, so that an SBOM
// import holds the works of all its derivations in one call.
func (s *Service) BatchCreateLiens(ctx context.Context, req *catalogv1.BatchCreateLiensRequest) (*catalogv1.BatchCreateLiensResponse, error) {
	p, err := mayHoldWorks(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.batchSize("requests", len(req.GetRequests())); err != nil {
		return nil, err
	}
	ls := make([]work.Lien, len(req.GetRequests()))
	for i, r := range req.GetRequests() {
		if ls[i], err = parseLien(fmt.Sprintf("requests[%d].", i), r, p); err != nil {
			return nil, err
		}
	}
	made, err := s.store.CreateLiens(ctx, ls)
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.BatchCreateLiensResponse{Liens: make([]*catalogv1.Lien, len(made))}
	for i, l := range made {
		resp.Liens[i] = toLien(l)
	}
	return resp, nil
}

// parseLien validates a request to place a lien; prefix names the request
// within a batch.
func parseLien(prefix string, req *catalogv1.CreateLienRequest, p auth.Principal) (work.Lien, error) {
	workID, err := names.Parse(prefix+"parent", req.GetParent(), "works")
	if err != nil {
		return work.Lien{}, err
	}
	if req.GetLienId() == "" {
		return work.Lien{}, apierr.Missing(prefix + "lien_id")
	}
	if err := names.ValidID(prefix+"lien_id", req.GetLienId()); err != nil {
		return work.Lien{}, err
	}
	if req.GetLien() == nil {
		return work.Lien{}, apierr.Missing(prefix + "lien")
	}
	origin, err := input.Text(prefix+"lien.origin", req.GetLien().GetOrigin(), work.MaxLienOrigin, false)
	if err != nil {
		return work.Lien{}, err
	}
	if origin == "" {
		return work.Lien{}, apierr.Missing(prefix + "lien.origin")
	}
	if strings.ContainsFunc(origin, unicode.IsSpace) {
		return work.Lien{}, apierr.Invalid(prefix+"lien.origin", "want a resource name such as derivations/{id}, without spaces")
	}
	reason, err := input.Text(prefix+"lien.reason", req.GetLien().GetReason(), work.MaxLienReason, false)
	if err != nil {
		return work.Lien{}, err
	}
	return work.Lien{WorkID: workID, ID: req.GetLienId(), Origin: origin, Reason: reason, Creator: p.Name}, nil
}

// DeleteLien lifts a lien.
func (s *Service) DeleteLien(ctx context.Context, req *catalogv1.DeleteLienRequest) (*emptypb.Empty, error) {
	if _, err := mayHoldWorks(ctx); err != nil {
		return nil, err
	}
	workID, lienID, err := lienName(req.GetName())
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteLien(ctx, workID, lienID); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// lienName parses "works/{work}/liens/{lien}".
func lienName(name string) (workID, lienID string, err error) {
	if name == "" {
		return "", "", apierr.Missing("name")
	}
	parent, lien, ok := strings.Cut(name, "/liens/")
	if !ok {
		return "", "", apierr.Invalid("name", "want works/{work}/liens/{lien}")
	}
	if workID, err = names.Parse("name", parent, "works"); err != nil {
		return "", "", err
	}
	if err := names.ValidID("name", lien); err != nil {
		return "", "", err
	}
	return workID, lien, nil
}

// ListLiens lists the liens on a work, oldest first.
func (s *Service) ListLiens(ctx context.Context, req *catalogv1.ListLiensRequest) (*catalogv1.ListLiensResponse, error) {
	id, err := names.Parse("parent", req.GetParent(), "works")
	if err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListLiens", id)
	p, err := s.page(q, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	ls, next, err := s.store.Liens(ctx, id, p)
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.ListLiensResponse{NextPageToken: nextToken(q, next)}
	for i := range ls {
		resp.Liens = append(resp.Liens, toLien(&ls[i]))
	}
	return resp, nil
}

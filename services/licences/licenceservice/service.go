// Package licenceservice implements stemma.licences.v1.LicenceService over
// the SPDX list built into the binary.
package licenceservice

import (
	"context"
	"sort"
	"strings"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/filter"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/licences/spdx"
)

// Service is the licences service.
type Service struct {
	licencesv1.UnimplementedLicenceServiceServer
	list  *spdx.List
	pages paging.Bounds
}

// New returns the service over the list.
func New(list *spdx.List, pages paging.Bounds) *Service {
	return &Service{list: list, pages: pages}
}

// licenceID returns the SPDX id in a name "licences/{id}". SPDX ids are not
// AIP-122 ids (they have capitals, dots and '+'), so they get a check of
// their own: the characters an SPDX idstring may hold.
func licenceID(field, name, collection string) (string, error) {
	if name == "" {
		return "", apierr.Missing(field)
	}
	id, ok := strings.CutPrefix(name, collection+"/")
	if !ok || id == "" || len(id) > 128 {
		return "", apierr.Invalid(field, "want %s/{id}", collection)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '+') {
			return "", apierr.Invalid(field, "%q is not an SPDX identifier", id)
		}
	}
	return id, nil
}

// GetLicence returns one licence.
func (s *Service) GetLicence(_ context.Context, req *licencesv1.GetLicenceRequest) (*licencesv1.Licence, error) {
	id, err := licenceID("name", req.GetName(), "licences")
	if err != nil {
		return nil, err
	}
	l, ok := s.list.Licence(id)
	if !ok {
		return nil, apierr.NotFoundf("licences/" + id)
	}
	return toLicence(l), nil
}

var licenceFilter = filter.Schema{
	"osi_approved": {Type: filter.Bool},
	"fsf_libre":    {Type: filter.Bool},
	"deprecated":   {Type: filter.Bool},
	"licence_id":   {Type: filter.String},
	"title":        {Type: filter.String},
}

func licenceValues(l spdx.Licence) func(string) []string {
	return func(field string) []string {
		switch field {
		case "osi_approved":
			return []string{boolString(l.OSIApproved)}
		case "fsf_libre":
			return []string{boolString(l.FSFLibre)}
		case "deprecated":
			return []string{boolString(l.Deprecated)}
		case "licence_id":
			return []string{l.ID}
		case "title":
			return []string{l.Name}
		}
		return nil
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// ListLicences lists the licences matching the filter, by identifier.
func (s *Service) ListLicences(_ context.Context, req *licencesv1.ListLicencesRequest) (*licencesv1.ListLicencesResponse, error) {
	size, err := s.pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	f, err := filter.Parse(req.GetFilter(), licenceFilter)
	if err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListLicences", req.GetFilter())
	after, err := paging.Decode(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &licencesv1.ListLicencesResponse{}
	more := false
	for _, l := range s.list.Licences() {
		if !filter.Match(f, licenceValues(l)) {
			continue
		}
		resp.TotalSize++
		if after != "" && strings.ToLower(l.ID) <= after {
			continue
		}
		if len(resp.Licences) == size {
			more = true
			continue
		}
		resp.Licences = append(resp.Licences, toLicence(l))
	}
	if more {
		resp.NextPageToken = paging.Encode(q, strings.ToLower(resp.Licences[len(resp.Licences)-1].LicenceId))
	}
	return resp, nil
}

// GetException returns one exception.
func (s *Service) GetException(_ context.Context, req *licencesv1.GetExceptionRequest) (*licencesv1.LicenceException, error) {
	id, err := licenceID("name", req.GetName(), "exceptions")
	if err != nil {
		return nil, err
	}
	e, ok := s.list.Exception(id)
	if !ok {
		return nil, apierr.NotFoundf("exceptions/" + id)
	}
	return toException(e), nil
}

// ListExceptions lists the exceptions, by identifier.
func (s *Service) ListExceptions(_ context.Context, req *licencesv1.ListExceptionsRequest) (*licencesv1.ListExceptionsResponse, error) {
	size, err := s.pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListExceptions")
	after, err := paging.Decode(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	all := s.list.Exceptions()
	start := sort.Search(len(all), func(i int) bool { return after != "" && strings.ToLower(all[i].ID) > after })
	end := min(start+size, len(all))
	resp := &licencesv1.ListExceptionsResponse{TotalSize: int32(len(all))}
	for _, e := range all[start:end] {
		resp.Exceptions = append(resp.Exceptions, toException(e))
	}
	if end < len(all) {
		resp.NextPageToken = paging.Encode(q, strings.ToLower(all[end-1].ID))
	}
	return resp, nil
}

func toLicence(l spdx.Licence) *licencesv1.Licence {
	return &licencesv1.Licence{
		Name:         "licences/" + l.ID,
		LicenceId:    l.ID,
		Title:        l.Name,
		OsiApproved:  l.OSIApproved,
		FsfLibre:     l.FSFLibre,
		Deprecated:   l.Deprecated,
		ReplacedBy:   l.ReplacedBy,
		SeeAlso:      l.SeeAlso,
		ReferenceUrl: l.Reference,
	}
}

func toException(e spdx.Exception) *licencesv1.LicenceException {
	return &licencesv1.LicenceException{
		Name:         "exceptions/" + e.ID,
		ExceptionId:  e.ID,
		Title:        e.Name,
		Deprecated:   e.Deprecated,
		SeeAlso:      e.SeeAlso,
		ReferenceUrl: e.Reference,
	}
}

package catalogservice

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/filter"
	"github.com/stemma-registry/stemma/services/internal/names"
	"github.com/stemma-registry/stemma/services/internal/paging"
)

// GetWork returns one work.
func (s *Service) GetWork(ctx context.Context, req *catalogv1.GetWorkRequest) (*catalogv1.Work, error) {
	id, err := names.Parse("name", req.GetName(), "works")
	if err != nil {
		return nil, err
	}
	at, err := asOf(req.GetAsOf())
	if err != nil {
		return nil, err
	}
	w, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.showAt(ctx, at, w); err != nil {
		return nil, err
	}
	return toWork(w), nil
}

// asOf checks the as_of of a read; the zero time for none.
func asOf(ts *timestamppb.Timestamp) (time.Time, error) {
	if ts == nil {
		return time.Time{}, nil
	}
	if err := ts.CheckValid(); err != nil {
		return time.Time{}, apierr.Invalid("as_of", "%v", err)
	}
	return ts.AsTime().Truncate(time.Microsecond), nil
}

// showAt shows works with the licence in force at t; zero t leaves them
// as they are now.
func (s *Service) showAt(ctx context.Context, t time.Time, ws ...*work.Work) error {
	if t.IsZero() || len(ws) == 0 {
		return nil
	}
	return s.store.AsOf(ctx, ws, t)
}

// BatchGetWorks returns works in the order asked; a name may repeat.
func (s *Service) BatchGetWorks(ctx context.Context, req *catalogv1.BatchGetWorksRequest) (*catalogv1.BatchGetWorksResponse, error) {
	if err := s.batchSize("names", len(req.GetNames())); err != nil {
		return nil, err
	}
	at, err := asOf(req.GetAsOf())
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(req.GetNames()))
	for i, n := range req.GetNames() {
		id, err := names.Parse(fmt.Sprintf("names[%d]", i), n, "works")
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	found, err := s.store.BatchGet(ctx, ids)
	if err != nil {
		return nil, err
	}
	if err := s.showAt(ctx, at, slices.Collect(maps.Values(found))...); err != nil {
		return nil, err
	}
	resp := &catalogv1.BatchGetWorksResponse{}
	for _, id := range ids {
		w, ok := found[id]
		switch {
		case ok:
			resp.Works = append(resp.Works, toWork(w))
		case req.GetAllowMissing():
			resp.Missing = append(resp.Missing, "works/"+id)
		default:
			return nil, apierr.NotFoundf("works/" + id)
		}
	}
	return resp, nil
}

// ListWorks lists works, filtered, oldest first.
func (s *Service) ListWorks(ctx context.Context, req *catalogv1.ListWorksRequest) (*catalogv1.ListWorksResponse, error) {
	f, err := filter.Parse(req.GetFilter(), store.FilterSchema)
	if err != nil {
		return nil, err
	}
	at, err := asOf(req.GetAsOf())
	if err != nil {
		return nil, err
	}
	if f, err = s.canonicalLicences(ctx, f); err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListWorks", req.GetFilter())
	p, err := s.page(q, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	ws, next, err := s.store.List(ctx, f, p)
	if err != nil {
		return nil, err
	}
	if err := s.showAt(ctx, at, ws...); err != nil {
		return nil, err
	}
	return &catalogv1.ListWorksResponse{Works: toWorks(ws), NextPageToken: nextToken(q, next)}, nil
}

// canonicalLicences rewrites the licence and licence_id comparisons of a
// filter into the forms works store ("mit" is "MIT", "GPL-2.0+" is
// "GPL-2.0-or-later"), so that a filter matches however it spells them. A
// licence comparison also gains one licence_id comparison per licence the
// expression names: they let an index find the candidates, and the
// expression itself is then checked on each (docs/catalog.md).
func (s *Service) canonicalLicences(ctx context.Context, e filter.Expr) (filter.Expr, error) {
	switch x := e.(type) {
	case filter.And:
		terms, err := s.canonicalTerms(ctx, x.Terms)
		return filter.And{Terms: terms}, err
	case filter.Or:
		terms, err := s.canonicalTerms(ctx, x.Terms)
		return filter.Or{Terms: terms}, err
	case filter.Not:
		inner, err := s.canonicalLicences(ctx, x.X)
		return filter.Not{X: inner}, err
	case filter.Comparison:
		if (x.Field != "licence" && x.Field != "licence_id") || x.Op == ":" {
			return x, nil
		}
		lic, err := s.licence(ctx, "filter", x.Value)
		if err != nil {
			return nil, err
		}
		if x.Field == "licence_id" {
			if len(lic.IDs) > 1 || (len(lic.IDs) == 1 && lic.IDs[0] != lic.Expression) {
				return nil, apierr.Invalid("filter", "licence_id %q: want one licence identifier; filter whole expressions with licence", x.Value)
			}
			x.Value = lic.Expression
			return x, nil
		}
		ids := lic.IDs
		if lic.Expression == "" {
			ids = []string{""} // a work without a licence has the empty id
		}
		match := filter.And{Terms: []filter.Expr{filter.Comparison{Field: "licence", Op: "=", Value: lic.Expression}}}
		for _, id := range ids {
			match.Terms = append(match.Terms, filter.Comparison{Field: "licence_id", Op: "=", Value: id})
		}
		if x.Op == "!=" {
			return filter.Not{X: match}, nil
		}
		return match, nil
	}
	return e, nil
}

func (s *Service) canonicalTerms(ctx context.Context, terms []filter.Expr) ([]filter.Expr, error) {
	out := make([]filter.Expr, len(terms))
	for i, t := range terms {
		var err error
		if out[i], err = s.canonicalLicences(ctx, t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LookupWorks finds the works that carry a digest or an identifier.
func (s *Service) LookupWorks(ctx context.Context, req *catalogv1.LookupWorksRequest) (*catalogv1.LookupWorksResponse, error) {
	q, key, err := lookupKey(req)
	if err != nil {
		return nil, err
	}
	p, err := s.page(q, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	ws, next, err := s.store.Lookup(ctx, key, p)
	if err != nil {
		return nil, err
	}
	return &catalogv1.LookupWorksResponse{Works: toWorks(ws), NextPageToken: nextToken(q, next)}, nil
}

// BatchLookupWorks runs many lookups in one call, each answering its
// first page. Every key is checked before any is looked up, so that a
// bad one costs no store reads.
func (s *Service) BatchLookupWorks(ctx context.Context, req *catalogv1.BatchLookupWorksRequest) (*catalogv1.BatchLookupWorksResponse, error) {
	n := len(req.GetRequests())
	if err := s.batchSize("requests", n); err != nil {
		return nil, err
	}
	type lookup struct {
		q   paging.Query
		key store.Key
		p   store.Page
	}
	lookups := make([]lookup, n)
	for i, r := range req.GetRequests() {
		field := fmt.Sprintf("requests[%d]", i)
		if r.GetPageToken() != "" {
			return nil, apierr.Invalid(field+".page_token", "a batch answers first pages only; page on with LookupWorks")
		}
		q, key, err := lookupKey(r)
		if err != nil {
			return nil, within(field, err)
		}
		p, err := s.page(q, r.GetPageSize(), "")
		if err != nil {
			return nil, within(field, err)
		}
		lookups[i] = lookup{q, key, p}
	}
	resp := &catalogv1.BatchLookupWorksResponse{Responses: make([]*catalogv1.LookupWorksResponse, n)}
	for i, l := range lookups {
		ws, next, err := s.store.Lookup(ctx, l.key, l.p)
		if err != nil {
			return nil, err
		}
		resp.Responses[i] = &catalogv1.LookupWorksResponse{Works: toWorks(ws), NextPageToken: nextToken(l.q, next)}
	}
	return resp, nil
}

// within names a batch entry in an INVALID_ARGUMENT about one of its
// fields: "requests[3].purl" rather than "purl".
func within(prefix string, err error) error {
	e, ok := apierr.As(err)
	if !ok || e.Kind != apierr.InvalidArgument {
		return err
	}
	out := *e
	if out.Field != "" {
		out.Field = prefix + "." + out.Field
	} else {
		out.Field = prefix
	}
	out.Message = prefix + "." + e.Message
	return &out
}

// lookupKey returns the paging query and store key of a lookup, which
// must set exactly one key.
func lookupKey(req *catalogv1.LookupWorksRequest) (paging.Query, store.Key, error) {
	keys := []struct{ field, value string }{
		{"digest", req.GetDigest()},
		{work.DOI, req.GetDoi()},
		{work.SWHID, req.GetSwhid()},
		{work.PURL, req.GetPurl()},
		{work.ISBN, req.GetIsbn()},
		{work.URL, req.GetUrl()},
		{work.ISCC, req.GetIscc()},
	}
	var set []string
	var key store.Key
	var normal string
	for _, k := range keys {
		if k.value == "" {
			continue
		}
		set = append(set, k.field)
		if k.field == "digest" {
			d, err := work.NormaliseDigest("digest", k.value)
			if err != nil {
				return "", store.Key{}, err
			}
			key, normal = store.DigestKey(d), d
			continue
		}
		id, err := work.IdentifierValue(k.field, k.field, k.value)
		if err != nil {
			return "", store.Key{}, err
		}
		key, normal = store.IdentifierKey(id), id.Key()
	}
	if len(set) != 1 {
		return "", store.Key{}, apierr.Invalid("digest", "set exactly one of digest, doi, swhid, purl, isbn, url, iscc (got %d: %s)", len(set), strings.Join(set, ", "))
	}
	return paging.NewQuery("LookupWorks", set[0], normal), key, nil
}

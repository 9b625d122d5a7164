package licenceservice

import (
	"context"
	"fmt"
	"strings"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/licences/identify"
)

// methods maps the identify package's methods to the API's enum.
var methods = map[identify.Method]licencesv1.IdentifyMethod{
	identify.MethodSPDXID:     licencesv1.IdentifyMethod_IDENTIFY_METHOD_SPDX_ID,
	identify.MethodExpression: licencesv1.IdentifyMethod_IDENTIFY_METHOD_EXPRESSION,
	identify.MethodName:       licencesv1.IdentifyMethod_IDENTIFY_METHOD_NAME,
	identify.MethodAlias:      licencesv1.IdentifyMethod_IDENTIFY_METHOD_ALIAS,
	identify.MethodURL:        licencesv1.IdentifyMethod_IDENTIFY_METHOD_URL,
	identify.MethodText:       licencesv1.IdentifyMethod_IDENTIFY_METHOD_TEXT,
	identify.MethodNone:       licencesv1.IdentifyMethod_IDENTIFY_METHOD_NONE,
}

// IdentifyLicence identifies one licence text, name or URL.
func (s *Service) IdentifyLicence(_ context.Context, req *licencesv1.IdentifyLicenceRequest) (*licencesv1.IdentifyLicenceResponse, error) {
	return s.identify("", req)
}

// BatchIdentifyLicences identifies many; like BatchCheckCompatibility, a
// malformed request fails the batch, naming its index, so that the answers
// always line up with the requests.
func (s *Service) BatchIdentifyLicences(_ context.Context, req *licencesv1.BatchIdentifyLicencesRequest) (*licencesv1.BatchIdentifyLicencesResponse, error) {
	reqs := req.GetRequests()
	if len(reqs) == 0 {
		return nil, apierr.Missing("requests")
	}
	if len(reqs) > s.maxBatch {
		return nil, apierr.Invalid("requests", "%d requests; at most %d per call", len(reqs), s.maxBatch)
	}
	resp := &licencesv1.BatchIdentifyLicencesResponse{Responses: make([]*licencesv1.IdentifyLicenceResponse, len(reqs))}
	for i, r := range reqs {
		a, err := s.identify(fmt.Sprintf("requests[%d].", i), r)
		if err != nil {
			return nil, err
		}
		resp.Responses[i] = a
	}
	return resp, nil
}

func (s *Service) identify(prefix string, req *licencesv1.IdentifyLicenceRequest) (*licencesv1.IdentifyLicenceResponse, error) {
	// Exactly one input: a request with two would otherwise be answered
	// for one of them, and the caller could not tell which.
	inputs := []struct {
		field, value string
		max          int
	}{
		{"text", req.GetText(), identify.MaxText},
		{"name", req.GetName(), identify.MaxInput},
		{"url", req.GetUrl(), identify.MaxInput},
	}
	set := -1
	for i, in := range inputs {
		if strings.TrimSpace(in.value) == "" {
			continue
		}
		if set >= 0 {
			return nil, apierr.Invalid(prefix+in.field, "%s is set too; set exactly one of text, name and url", inputs[set].field)
		}
		set = i
	}
	if set < 0 {
		e := apierr.Missing(prefix + "text")
		e.Message = prefix + "text, " + prefix + "name or " + prefix + "url: set exactly one"
		return nil, e
	}
	in := inputs[set]
	if len(in.value) > in.max {
		return nil, apierr.Invalid(prefix+in.field, "%d bytes; at most %d", len(in.value), in.max)
	}
	var r identify.Result
	switch in.field {
	case "name":
		r = identify.Name(in.value)
	case "url":
		r = identify.URL(in.value)
	case "text":
		r = identify.Text(in.value)
	}
	return toIdentified(r), nil
}

func toIdentified(r identify.Result) *licencesv1.IdentifyLicenceResponse {
	return &licencesv1.IdentifyLicenceResponse{
		Expression:   r.Expression,
		Confidence:   r.Confidence,
		Method:       methods[r.Method],
		Alternatives: r.Alternatives,
		Warnings:     r.Warnings,
	}
}

package catalogservice

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/input"
)

// licence validates a licence expression with the licences service and
// returns its canonical form, the licence ids it names and whether Stemma
// can reason about it. The empty expression is no licence. A syntax error
// is INVALID_ARGUMENT on field, with the position and token of the
// offending part; a licences service that cannot be reached is
// UNAVAILABLE.
func (s *Service) licence(ctx context.Context, field, expr string) (work.Licence, error) {
	expr, err := input.Text(field, expr, work.MaxLicence, false)
	if err != nil {
		return work.Licence{}, err
	}
	if expr == "" {
		return work.Licence{Status: work.LicenceNone}, nil
	}
	resp, err := s.licences.ParseExpression(ctx, &licencesv1.ParseExpressionRequest{Expression: expr})
	if err != nil {
		return work.Licence{}, licenceError(field, err)
	}
	status := work.LicenceKnown
	if namesReference(resp.GetTree()) {
		status = work.LicenceUnknown
	}
	return work.Licence{Expression: resp.GetCanonical(), IDs: resp.GetLicenceIds(), Status: status}, nil
}

// namesReference reports whether an expression names a licence or an
// exception that is not on the SPDX list (LicenseRef-, DocumentRef-,
// AdditionRef-) and whose terms Stemma does not model.
func namesReference(n *licencesv1.ExpressionNode) bool {
	if n == nil {
		return false
	}
	unmodelled := strings.HasPrefix(n.GetLicenceId(), "LicenseRef-") && !n.GetModelled()
	if n.GetDocumentRef() != "" || unmodelled || strings.Contains(n.GetExceptionId(), "AdditionRef-") {
		return true
	}
	for _, o := range n.GetOperands() {
		if namesReference(o) {
			return true
		}
	}
	return false
}

// licenceError turns the licences service's answer into the catalog's: its
// INVALID_ARGUMENT about "expression" becomes one about field, keeping the
// reason and the position and token of the bad part.
func licenceError(field string, err error) error {
	st := status.Convert(err)
	switch st.Code() {
	case codes.InvalidArgument:
		e := &apierr.Error{Kind: apierr.InvalidArgument, Reason: "BAD_EXPRESSION", Field: field,
			Message: field + ": " + strings.TrimPrefix(st.Message(), "expression: "), Metadata: map[string]string{}}
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok {
				e.Reason = info.GetReason()
				for _, k := range []string{"position", "token"} {
					if v, ok := info.GetMetadata()[k]; ok {
						e.Metadata[k] = v
					}
				}
			}
		}
		return e
	case codes.Unavailable, codes.ResourceExhausted:
		return apierr.UnavailableErr("the licences service", err)
	case codes.Canceled:
		return context.Canceled
	case codes.DeadlineExceeded:
		return context.DeadlineExceeded
	}
	return fmt.Errorf("licences service: parse expression: %w", err)
}

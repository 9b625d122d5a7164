package lineageservice

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// What a called service answers reaches the caller of a write through two
// rewrites, the adapter's (into record's faults) and the handler's (into
// the API's errors). A dependency that is down, which the loopback tests
// cannot make happen mid-request, is UNAVAILABLE with a retry delay; a
// refusal keeps its code and reason; a context's end stays one.
func TestCalledServicesErrorsReachTheCaller(t *testing.T) {
	refused, _ := status.New(codes.FailedPrecondition, "works/a is being deleted").
		WithDetails(&errdetails.ErrorInfo{Reason: "WORK_DELETING", Domain: apierr.Domain})
	lost, _ := status.New(codes.Aborted, "the write lost to concurrent transactions; send it again").
		WithDetails(&errdetails.ErrorInfo{Reason: "CONCURRENT_UPDATE", Domain: apierr.Domain})
	for _, tc := range []struct {
		name   string
		in     error
		code   codes.Code
		reason string
	}{
		{"down", status.Error(codes.Unavailable, "connection refused"), codes.Unavailable, "UNAVAILABLE"},
		{"lost a race", lost.Err(), codes.Aborted, "CONCURRENT_UPDATE"},
		{"aborted", status.Error(codes.Aborted, "serialization failure"), codes.Aborted, "ABORTED"},
		{"rate limited", status.Error(codes.ResourceExhausted, "slow down"), codes.ResourceExhausted, "RESOURCE_EXHAUSTED"},
		{"refused", refused.Err(), codes.FailedPrecondition, "WORK_DELETING"},
		{"denied", status.Error(codes.PermissionDenied, "not yours"), codes.PermissionDenied, "PERMISSION_DENIED"},
		{"in process", apierr.NotFoundf("works/a"), codes.NotFound, "NOT_FOUND"},
		{"broken", status.Error(codes.Internal, "boom"), codes.Internal, ""},
		{"gave up", status.Error(codes.Canceled, "context canceled"), codes.Canceled, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := apierr.ToStatus(apiError(serviceError("catalog", tc.in)))
			if st.Code() != tc.code {
				t.Fatalf("code %v (%s); want %v", st.Code(), st.Message(), tc.code)
			}
			var reason string
			var retry bool
			for _, d := range st.Details() {
				switch d := d.(type) {
				case *errdetails.ErrorInfo:
					reason = d.GetReason()
				case *errdetails.RetryInfo:
					retry = true
				}
			}
			if reason != tc.reason || retry != (tc.code == codes.Unavailable || tc.code == codes.ResourceExhausted) {
				t.Errorf("reason %q, retry info %v; want %q", reason, retry, tc.reason)
			}
		})
	}
	if err := serviceError("licences", status.Error(codes.DeadlineExceeded, "")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a deadline: %v", err)
	}
}

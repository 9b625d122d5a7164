package apierr

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestToStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code codes.Code
		msg  string
	}{
		{"invalid", Invalid("licence", "bad token %q at position %d", "Foo", 5), codes.InvalidArgument, `licence: bad token "Foo" at position 5`},
		{"wrapped", fmt.Errorf("create: %w", NotFoundf("works/a")), codes.NotFound, "works/a not found"},
		{"exists", Exists("works/a", "works/a exists"), codes.AlreadyExists, "works/a exists"},
		{"stale", StaleEtag("works/a"), codes.Aborted, ""},
		{"cycle", Precondition("CYCLE", "would close a cycle", Violation{Type: "CYCLE", Subject: "works/a"}), codes.FailedPrecondition, "would close a cycle"},
		{"unauthenticated", Unauthenticatedf("no key"), codes.Unauthenticated, "no key"},
		{"denied", Denied("not yours"), codes.PermissionDenied, "not yours"},
		{"exhausted", Exhausted("RATE_LIMITED", "slow down"), codes.ResourceExhausted, "slow down"},
		{"unavailable hides the cause", UnavailableErr("database", errors.New("dial tcp 10.0.0.1:5432: secret detail")), codes.Unavailable, "database is unavailable; retry later"},
		{"status passes through", status.Error(codes.NotFound, "upstream"), codes.NotFound, "upstream"},
		{"canceled", context.Canceled, codes.Canceled, ""},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), codes.DeadlineExceeded, ""},
		{"anything else is internal and says nothing", errors.New("pq: password=hunter2"), codes.Internal, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := ToStatus(tt.err)
			if st.Code() != tt.code {
				t.Fatalf("code = %v, want %v", st.Code(), tt.code)
			}
			if tt.msg != "" && st.Message() != tt.msg {
				t.Fatalf("message = %q, want %q", st.Message(), tt.msg)
			}
		})
	}
}

func TestDetails(t *testing.T) {
	st := ToStatus(Invalid("expression", "unknown licence").With("position", "4"))
	var info *errdetails.ErrorInfo
	var br *errdetails.BadRequest
	for _, d := range st.Details() {
		switch x := d.(type) {
		case *errdetails.ErrorInfo:
			info = x
		case *errdetails.BadRequest:
			br = x
		}
	}
	if info == nil || info.Domain != Domain || info.Metadata["position"] != "4" || info.Metadata["field"] != "expression" {
		t.Errorf("ErrorInfo = %v", info)
	}
	if br == nil || len(br.FieldViolations) != 1 || br.FieldViolations[0].Field != "expression" {
		t.Errorf("BadRequest = %v", br)
	}
	st = ToStatus(Precondition("CYCLE", "cycle", Violation{Type: "CYCLE", Subject: "works/a", Description: "a -> b -> a"}))
	found := false
	for _, d := range st.Details() {
		if pf, ok := d.(*errdetails.PreconditionFailure); ok && pf.Violations[0].Description == "a -> b -> a" {
			found = true
		}
	}
	if !found {
		t.Error("PreconditionFailure detail missing")
	}
}

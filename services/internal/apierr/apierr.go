// Package apierr is the error vocabulary shared by Stemma's domain code and
// its transports. Domain and storage code return *Error values, which know
// nothing of gRPC; the server rewrites them once, in an interceptor, into a
// google.rpc.Status with the matching code and details (see ToStatus), so
// that the REST gateway's HTTP mapping is right and no domain error escapes
// as UNKNOWN.
package apierr

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Domain is the ErrorInfo domain of every Stemma error.
const Domain = "stemma.dev"

// Kind says what went wrong, independently of any transport.
type Kind int

// The kinds, each mapped to one gRPC code (and, through the gateway, one
// HTTP status).
const (
	InvalidArgument    Kind = iota + 1 // malformed input: 400
	NotFound                           // unknown resource: 404
	AlreadyExists                      // duplicate: 409
	Aborted                            // stale etag or lost race: 409
	FailedPrecondition                 // cycle, licence conflict, lien: 400
	Unauthenticated                    // missing or bad credentials: 401
	PermissionDenied                   // not yours: 403
	ResourceExhausted                  // rate limit or size bound: 429
	Unavailable                        // store or dependency down: 503
)

var kindCodes = map[Kind]codes.Code{
	InvalidArgument:    codes.InvalidArgument,
	NotFound:           codes.NotFound,
	AlreadyExists:      codes.AlreadyExists,
	Aborted:            codes.Aborted,
	FailedPrecondition: codes.FailedPrecondition,
	Unauthenticated:    codes.Unauthenticated,
	PermissionDenied:   codes.PermissionDenied,
	ResourceExhausted:  codes.ResourceExhausted,
	Unavailable:        codes.Unavailable,
}

// Error is a domain error.
type Error struct {
	Kind Kind
	// Reason is a stable UPPER_SNAKE_CASE identifier of the error, for
	// machines (google.rpc.ErrorInfo.reason).
	Reason string
	// Message is for people.
	Message string
	// Field names the offending request field for InvalidArgument.
	Field string
	// Metadata adds machine-readable facts, for example the position of a
	// bad token in an expression.
	Metadata map[string]string
	// Violations are the failed preconditions, for FailedPrecondition.
	Violations []Violation
	// Resource names the resource, for NotFound, AlreadyExists and Aborted.
	Resource string
	// RetryAfter, for ResourceExhausted and Unavailable, says when a retry
	// may succeed (google.rpc.RetryInfo); zero means a second.
	RetryAfter time.Duration
	// Err is the underlying cause, if any; it is logged, never sent.
	Err error
}

// Violation is one failed precondition.
type Violation struct {
	Type        string // e.g. "CYCLE", "LICENCE_CONFLICT"
	Subject     string // e.g. "works/a"
	Description string
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// With returns a copy of e with one more metadata entry.
func (e *Error) With(key, value string) *Error {
	c := *e
	c.Metadata = make(map[string]string, len(e.Metadata)+1)
	for k, v := range e.Metadata {
		c.Metadata[k] = v
	}
	c.Metadata[key] = value
	return &c
}

// Invalid reports a malformed request field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: InvalidArgument, Reason: "INVALID_ARGUMENT", Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// Missing reports a required field left empty.
func Missing(field string) *Error {
	return &Error{Kind: InvalidArgument, Reason: "REQUIRED_FIELD", Field: field, Message: field + ": required"}
}

// NotFoundf reports an unknown resource.
func NotFoundf(resource string) *Error {
	return &Error{Kind: NotFound, Reason: "NOT_FOUND", Resource: resource, Message: resource + " not found"}
}

// Exists reports a duplicate.
func Exists(resource, format string, args ...any) *Error {
	return &Error{Kind: AlreadyExists, Reason: "ALREADY_EXISTS", Resource: resource, Message: fmt.Sprintf(format, args...)}
}

// StaleEtag reports an etag that no longer matches.
func StaleEtag(resource string) *Error {
	return &Error{Kind: Aborted, Reason: "ETAG_MISMATCH", Resource: resource, Message: resource + " has changed since it was read (etag mismatch); read it again and retry"}
}

// Precondition reports a refused change, with the violations that explain it.
func Precondition(reason, message string, v ...Violation) *Error {
	return &Error{Kind: FailedPrecondition, Reason: reason, Message: message, Violations: v}
}

// Unauthenticatedf reports missing or bad credentials.
func Unauthenticatedf(format string, args ...any) *Error {
	return &Error{Kind: Unauthenticated, Reason: "UNAUTHENTICATED", Message: fmt.Sprintf(format, args...)}
}

// Denied reports a principal acting on what is not theirs.
func Denied(format string, args ...any) *Error {
	return &Error{Kind: PermissionDenied, Reason: "PERMISSION_DENIED", Message: fmt.Sprintf(format, args...)}
}

// Exhausted reports a rate limit or size bound.
func Exhausted(reason, format string, args ...any) *Error {
	return &Error{Kind: ResourceExhausted, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// UnavailableErr reports a dependency that is down; the request may be
// retried.
func UnavailableErr(what string, err error) *Error {
	return &Error{Kind: Unavailable, Reason: "UNAVAILABLE", Message: what + " is unavailable; retry later", Err: err}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err is an *Error of kind k.
func Is(err error, k Kind) bool {
	e, ok := As(err)
	return ok && e.Kind == k
}

// ToStatus turns any error into a gRPC status. An *Error keeps its kind and
// gains its details; a status error (from a call to another service) passes
// through; a context error becomes CANCELED or DEADLINE_EXCEEDED; anything
// else is INTERNAL with a generic message, because its text may hold
// details not meant for callers (the caller of ToStatus logs it).
func ToStatus(err error) *status.Status {
	if err == nil {
		return nil
	}
	if e, ok := As(err); ok {
		return e.status()
	}
	if s, ok := status.FromError(err); ok {
		return s
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "request canceled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, "deadline exceeded")
	}
	return status.New(codes.Internal, "internal error")
}

func (e *Error) status() *status.Status {
	code, ok := kindCodes[e.Kind]
	if !ok {
		code = codes.Internal
	}
	s := status.New(code, e.Message)
	md := map[string]string{}
	for k, v := range e.Metadata {
		md[k] = v
	}
	if e.Resource != "" {
		md["resource"] = e.Resource
	}
	if e.Field != "" {
		md["field"] = e.Field
	}
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: e.Reason, Domain: Domain, Metadata: md}}
	switch e.Kind {
	case InvalidArgument:
		if e.Field != "" {
			details = append(details, &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{
				Field: e.Field, Description: e.Message, Reason: e.Reason,
			}}})
		}
	case FailedPrecondition:
		pf := &errdetails.PreconditionFailure{}
		for _, v := range e.Violations {
			pf.Violations = append(pf.Violations, &errdetails.PreconditionFailure_Violation{Type: v.Type, Subject: v.Subject, Description: v.Description})
		}
		if len(pf.Violations) > 0 {
			details = append(details, pf)
		}
	case NotFound, AlreadyExists, Aborted:
		if e.Resource != "" {
			details = append(details, &errdetails.ResourceInfo{ResourceName: e.Resource, Description: e.Message})
		}
	case Unavailable, ResourceExhausted:
		delay := e.RetryAfter
		if delay <= 0 {
			delay = time.Second
		}
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(delay)})
	}
	ws, err := s.WithDetails(details...)
	if err != nil {
		return s
	}
	return ws
}

// Position formats a 0-based offset for error metadata.
func Position(offset int) string { return strconv.Itoa(offset) }

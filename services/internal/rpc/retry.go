package rpc

import (
	"context"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stemma-registry/stemma/services/internal/auth"
)

// writeAttempts bounds the attempts of a write retried with its request_id.
const writeAttempts = 4

// retryWrites retries a write that failed with UNAVAILABLE when its request
// carries a request_id, on whichever replica the balancer picks next. The
// server answers a request_id it has seen with the first attempt's result
// (AIP-155), so a write that may or may not have happened before a replica
// died is safe to send again. Writes without one are never retried: only
// their caller can tell whether a second attempt would duplicate the
// first. Reads are retried by the service config's policy instead.
func retryWrites(p *auth.Policy) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if p == nil || p.Public(method) || !hasRequestID(req) {
			return invoker(ctx, method, req, reply, cc, opts...)
		}
		backoff := 50 * time.Millisecond
		for attempt := 1; ; attempt++ {
			err := invoker(ctx, method, req, reply, cc, opts...)
			if status.Code(err) != codes.Unavailable || attempt == writeAttempts {
				return err
			}
			select {
			case <-ctx.Done():
				return err
			case <-time.After(backoff/2 + rand.N(backoff)):
			}
			backoff *= 2
		}
	}
}

// hasRequestID reports whether req is a message with a non-empty
// request_id field.
func hasRequestID(req any) bool {
	m, ok := req.(proto.Message)
	if !ok {
		return false
	}
	r := m.ProtoReflect()
	f := r.Descriptor().Fields().ByName("request_id")
	return f != nil && f.Kind() == protoreflect.StringKind && !f.IsList() && r.Get(f).String() != ""
}

package consistency

import (
	"context"
	"net/http"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// newest returns the largest valid token among vals; malformed ones are
// left out, which only costs their sender a read from the primary.
func newest(vals []string) LSN {
	var lsn LSN
	for _, v := range vals {
		if l, err := ParseLSN(v); err == nil {
			lsn = max(lsn, l)
		}
	}
	return lsn
}

// serverContext gives a call a tracker holding the caller's token.
func serverContext(ctx context.Context) (context.Context, *Tracker) {
	md, _ := metadata.FromIncomingContext(ctx)
	return With(ctx, newest(md.Get(MetadataKey)))
}

// UnaryServerInterceptor reads the caller's token and returns the newest
// the call knows (its own writes included) in the response header.
func UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, t := serverContext(ctx)
		resp, err := handler(ctx, req)
		if lsn := t.LSN(); lsn > 0 {
			_ = grpc.SetHeader(ctx, metadata.Pairs(MetadataKey, lsn.String()))
		}
		return resp, err
	}
}

// StreamServerInterceptor reads the caller's token and returns the newest
// the stream knows in its trailer: the header may be gone before a write.
func StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, t := serverContext(ss.Context())
		err := handler(srv, &stream{ServerStream: ss, ctx: ctx})
		if lsn := t.LSN(); lsn > 0 {
			ss.SetTrailer(metadata.Pairs(MetadataKey, lsn.String()))
		}
		return err
	}
}

type stream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *stream) Context() context.Context { return s.ctx }

// outgoing sends the request's token to the service called.
func outgoing(ctx context.Context) context.Context {
	if lsn := From(ctx).LSN(); lsn > 0 {
		return metadata.AppendToOutgoingContext(ctx, MetadataKey, lsn.String())
	}
	return ctx
}

// UnaryClientInterceptor passes the request's token on to the service
// called, and takes in the token it returns: a write made there is one
// this request's later reads must see.
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		t := From(ctx)
		if t == nil {
			return invoker(ctx, method, req, reply, cc, opts...)
		}
		var header metadata.MD
		err := invoker(outgoing(ctx), method, req, reply, cc, append(opts, grpc.Header(&header))...)
		t.Observe(newest(header.Get(MetadataKey)))
		return err
	}
}

// StreamClientInterceptor passes the request's token on to the service
// called.
func StreamClientInterceptor() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return streamer(outgoing(ctx), desc, cc, method, opts...)
	}
}

// Middleware gives a REST request carrying a Stemma-Consistency header a
// tracker holding its token, which the gateway's client sends on to the
// service it calls (the gateway returns the call's token under the same
// header).
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if lsn := newest(r.Header.Values(Header)); lsn > 0 {
			ctx, _ := With(r.Context(), lsn)
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

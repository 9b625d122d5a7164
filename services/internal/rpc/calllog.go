package rpc

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// A finished call is logged at the level its code calls for, and its
// fields are built only when that level is enabled: a busy server's
// successful calls, logged at debug level and usually not at all, cost a
// level check. (go-grpc-middleware's logging interceptor builds its fields
// and a derived context for every call before it knows the level; on the
// REST compatibility check that was a fifth of the gateway handler's CPU,
// docs/performance.md.)

func logUnary(l *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		logCall(ctx, l, info.FullMethod, "unary", start, err)
		return resp, err
	}
}

func logStream(l *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		err := handler(srv, ss)
		kind := "server_stream"
		switch {
		case info.IsClientStream && info.IsServerStream:
			kind = "bidi_stream"
		case info.IsClientStream:
			kind = "client_stream"
		}
		logCall(ss.Context(), l, info.FullMethod, kind, start, err)
		return err
	}
}

func logCall(ctx context.Context, l *slog.Logger, fullMethod, kind string, start time.Time, err error) {
	code := status.Code(err)
	level := codeToLevel(code)
	if !l.Enabled(ctx, level) {
		return
	}
	service, method, _ := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String("protocol", "grpc"),
		slog.String("grpc.component", "server"),
		slog.String("grpc.service", service),
		slog.String("grpc.method", method),
		slog.String("grpc.method_type", kind),
		slog.String("grpc.code", code.String()),
		slog.Float64("grpc.time_ms", float64(time.Since(start).Microseconds())/1000),
	)
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		attrs = append(attrs, slog.String("peer.address", p.Addr.String()))
	}
	if err != nil {
		attrs = append(attrs, slog.String("grpc.error", err.Error()))
	}
	l.LogAttrs(ctx, level, "finished call", attrs...)
}

// codeToLevel logs successful calls at debug level, so that the log of a
// busy server is its problems, not its traffic; client errors at info;
// server errors at error.
func codeToLevel(c codes.Code) slog.Level {
	switch c {
	case codes.OK:
		return slog.LevelDebug
	case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unimplemented:
		return slog.LevelError
	case codes.Unavailable, codes.DeadlineExceeded:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

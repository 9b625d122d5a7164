package rpc

import (
	"context"
	"fmt"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/stemma-registry/stemma/services/internal/auth"
)

// RegisterService registers a service with the gRPC server and keeps its
// unary methods for InProcess.
func (s *Server) RegisterService(desc *grpc.ServiceDesc, impl any) {
	s.Server.RegisterService(desc, impl)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.methods == nil {
		s.methods = map[string]unaryMethod{}
	}
	for _, m := range desc.Methods {
		s.methods["/"+desc.ServiceName+"/"+m.MethodName] = unaryMethod{impl: impl, handler: m.Handler}
	}
}

type unaryMethod struct {
	impl    any
	handler grpc.MethodHandler
}

func (s *Server) method(name string) (unaryMethod, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.methods[name]
	return m, ok
}

// InProcess returns a connection to s for a caller in the same process
// (the gateway) that hands unary calls to the service without a
// transport: no HTTP/2 framing, no protobuf encoding, no goroutine hand-off
// per message, which over the in-process listener cost the REST edge more
// than the call itself (docs/performance.md). The call still passes through
// fallback's client interceptors and the server's whole interceptor chain
// (request id, consistency token, metrics, logging, error mapping,
// recovery, authentication, rate limits), sees the peer a call over the
// in-process listener sees, and gets copies of its request and response,
// so neither side can observe the other's later changes. Streams, and the
// methods of services registered elsewhere (health), go over fallback, a
// connection to the in-process listener. maxMsgBytes bounds requests and
// responses as the listener's connection does.
func (s *Server) InProcess(fallback *grpc.ClientConn, addr net.Addr, maxMsgBytes int, p *auth.Policy) grpc.ClientConnInterface {
	return &inProcess{
		srv:      s,
		fallback: fallback,
		peer:     &peer.Peer{Addr: addr, LocalAddr: auth.InternalAddr(addr)},
		max:      maxMsgBytes,
		client:   chainClient(clientUnary(p)),
	}
}

type inProcess struct {
	srv      *Server
	fallback *grpc.ClientConn
	peer     *peer.Peer
	max      int
	client   grpc.UnaryClientInterceptor
}

func (c *inProcess) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	m, ok := c.srv.method(method)
	if !ok {
		return c.fallback.Invoke(ctx, method, args, reply, opts...)
	}
	return c.client(ctx, method, args, reply, c.fallback, func(ctx context.Context, method string, args, reply any, _ *grpc.ClientConn, opts ...grpc.CallOption) error {
		return c.serve(ctx, m, method, args, reply, opts)
	}, opts...)
}

func (c *inProcess) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return c.fallback.NewStream(ctx, desc, method, opts...)
}

// serve runs one call as the server would have received it: a fresh
// incoming context (the caller's outgoing metadata become the call's
// incoming metadata and are not sent on by the service's own calls),
// the request decoded into the method's own message.
func (c *inProcess) serve(ctx context.Context, m unaryMethod, method string, args, reply any, opts []grpc.CallOption) error {
	in, ok := args.(proto.Message)
	out, ok2 := reply.(proto.Message)
	if !ok || !ok2 {
		return status.Errorf(codes.Internal, "in-process call %s: messages are not protobuf", method)
	}
	if c.max > 0 && proto.Size(in) > c.max {
		return status.Errorf(codes.ResourceExhausted, "trying to send message larger than max (%d vs. %d)", proto.Size(in), c.max)
	}
	md, _ := metadata.FromOutgoingContext(ctx)
	sts := &transportStream{method: method}
	ctx = metadata.NewOutgoingContext(ctx, nil)
	ctx = metadata.NewIncomingContext(ctx, md)
	ctx = peer.NewContext(ctx, c.peer)
	ctx = grpc.NewContextWithServerTransportStream(ctx, sts)
	dec := func(v any) error {
		proto.Merge(v.(proto.Message), in)
		return nil
	}
	resp, err := m.handler(m.impl, ctx, dec, c.srv.unary)
	sts.deliver(opts)
	if err != nil {
		return err
	}
	r, ok := resp.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "in-process call %s: response %T is not protobuf", method, resp)
	}
	if c.max > 0 && proto.Size(r) > c.max {
		return status.Errorf(codes.ResourceExhausted, "received message larger than max (%d vs. %d)", proto.Size(r), c.max)
	}
	proto.Reset(out)
	proto.Merge(out, r)
	return nil
}

// transportStream collects the header and trailer a handler sets, for the
// caller's grpc.Header and grpc.Trailer options.
type transportStream struct {
	method string
	mu     sync.Mutex
	header metadata.MD
	sent   bool
	trail  metadata.MD
}

func (t *transportStream) Method() string { return t.method }

func (t *transportStream) SetHeader(md metadata.MD) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sent {
		return fmt.Errorf("rpc: header already sent")
	}
	t.header = metadata.Join(t.header, md)
	return nil
}

func (t *transportStream) SendHeader(md metadata.MD) error {
	if err := t.SetHeader(md); err != nil {
		return err
	}
	t.mu.Lock()
	t.sent = true
	t.mu.Unlock()
	return nil
}

func (t *transportStream) SetTrailer(md metadata.MD) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.trail = metadata.Join(t.trail, md)
	return nil
}

func (t *transportStream) deliver(opts []grpc.CallOption) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, o := range opts {
		switch o := o.(type) {
		case grpc.HeaderCallOption:
			*o.HeaderAddr = t.header.Copy()
		case grpc.TrailerCallOption:
			*o.TrailerAddr = t.trail.Copy()
		}
	}
}

// chainUnary composes server interceptors, the first outermost, as
// grpc.ChainUnaryInterceptor does for the server's own calls.
func chainUnary(ics []grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		next := handler
		for i := len(ics) - 1; i >= 0; i-- {
			ic, inner := ics[i], next
			next = func(ctx context.Context, req any) (any, error) { return ic(ctx, req, info, inner) }
		}
		return next(ctx, req)
	}
}

// chainClient composes client interceptors, the first outermost.
func chainClient(ics []grpc.UnaryClientInterceptor) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		next := invoker
		for i := len(ics) - 1; i >= 0; i-- {
			ic, inner := ics[i], next
			next = func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
				return ic(ctx, method, req, reply, cc, inner, opts...)
			}
		}
		return next(ctx, method, req, reply, cc, opts...)
	}
}

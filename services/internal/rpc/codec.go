package rpc

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// lenientCodec is gRPC's proto codec, except that a request it cannot
// decode is not an error at decoding time. grpc-go answers a decode error
// with INTERNAL, before any interceptor runs, so a malformed request would
// look like the server's fault (and escape the logs and metrics). Instead
// the codec leaves the message empty and notes the error, and the
// interceptors below answer INVALID_ARGUMENT inside the usual chain.
type lenientCodec struct {
	encoding.CodecV2
	// undecodable maps a request message to why it could not be decoded,
	// until the interceptor that answers for it takes the entry.
	undecodable *sync.Map
}

func newLenientCodec() lenientCodec {
	return lenientCodec{CodecV2: encoding.GetCodecV2("proto"), undecodable: &sync.Map{}}
}

func (c lenientCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	m, isMessage := v.(proto.Message)
	if err == nil || !isMessage {
		return err
	}
	proto.Reset(m)
	c.undecodable.Store(m, err)
	return nil
}

// failure returns the refusal of req if it could not be decoded.
func (c lenientCodec) failure(req any) error {
	cause, bad := c.undecodable.LoadAndDelete(req)
	if !bad {
		return nil
	}
	return &apierr.Error{Kind: apierr.InvalidArgument, Reason: "MALFORMED_REQUEST",
		Message: "the request is not a valid protobuf message of this method", Err: cause.(error)}
}

func (c lenientCodec) unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := c.failure(req); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

func (c lenientCodec) stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, decodedStream{ServerStream: ss, codec: c})
	}
}

type decodedStream struct {
	grpc.ServerStream
	codec lenientCodec
}

func (s decodedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.codec.failure(m)
}

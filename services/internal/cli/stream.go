package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// stream calls the server-streaming method m with req and hands each
// message, decoded into a fresh newResp(), to each, until the server ends
// the stream, ctx ends or each returns an error (which stream returns).
// A stream has no deadline: it lasts until it is stopped. Over REST the
// gateway sends the messages as newline-delimited {"result": ...} objects
// and an error in the middle as {"error": <google.rpc.Status>}.
func (c *client) stream(ctx context.Context, m protoreflect.MethodDescriptor, req proto.Message,
	newResp func() proto.Message, each func(proto.Message) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if c.conn != nil {
		if c.key != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.key)
		}
		s, err := c.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, fullMethod(m))
		if err != nil {
			return err
		}
		// A failed send is reported by the receive that follows.
		if err := s.SendMsg(req); err != nil && err != io.EOF {
			return err
		}
		if err := s.CloseSend(); err != nil {
			return err
		}
		for {
			resp := newResp()
			if err := s.RecvMsg(resp); err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
			if err := each(resp); err != nil {
				return err
			}
		}
	}
	hreq, err := c.restRequest(ctx, m, req)
	if err != nil {
		return err
	}
	hresp, err := (&http.Client{Transport: c.http.Transport}).Do(hreq)
	if err != nil {
		return status.Error(codes.Unavailable, err.Error())
	}
	defer hresp.Body.Close()
	if hresp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(hresp.Body, 1<<20))
		return restError(hresp.StatusCode, b)
	}
	sc := bufio.NewScanner(hresp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var frame struct {
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(line, &frame); err != nil {
			return status.Errorf(codes.Internal, "a line of the stream is not JSON: %v", err)
		}
		if frame.Error != nil {
			return restError(http.StatusInternalServerError, frame.Error)
		}
		resp := newResp()
		if err := decodeAnswer(frame.Result, resp); err != nil {
			return err
		}
		if err := each(resp); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return status.Error(codes.Unavailable, "reading the stream: "+err.Error())
	}
	return nil
}

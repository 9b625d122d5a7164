package stress

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/stemma-registry/stemma/services/internal/consistency"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Reply is what one REST request got back.
type Reply struct {
	Status int
	Body   []byte
	// Token is the consistency token the reply carried, if any: the
	// position of a write that later reads must see.
	Token string
}

// REST sends one request to base (http://host:port) and reads the whole
// reply. key, when set, goes in the Authorization header; token, when
// set, in the Stemma-Consistency header.
func REST(ctx context.Context, client *http.Client, base, verb, pathQuery, key, token string, body []byte) (Reply, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, verb, base+pathQuery, rd)
	if err != nil {
		return Reply{}, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if token != "" {
		req.Header.Set(consistency.Header, token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return Reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return Reply{Status: resp.StatusCode, Body: b, Token: resp.Header.Get(consistency.Header)}, err
}

// ErrorBody is the JSON error every Stemma error has (DESIGN.md).
type ErrorBody struct {
	Code    *int              `json:"code"`
	Message *string           `json:"message"`
	Details []json.RawMessage `json:"details"`
}

// CheckError checks that r is an error in the contract's shape: a JSON
// {"code", "message", "details"} whose gRPC code matches the HTTP status
// (the gateway's mapping; 413 and 405 are the gateway's own), and whose
// ErrorInfo, if any, is in Stemma's domain. A streaming route frames its
// error as a line {"error": {...}} of its newline-delimited stream.
func CheckError(r Reply) error {
	var e ErrorBody
	if err := json.Unmarshal(r.Body, &e); err != nil {
		return fmt.Errorf("HTTP %d: body is not a JSON error: %v: %.200q", r.Status, err, r.Body)
	}
	var framed struct {
		Error *ErrorBody `json:"error"`
	}
	if e.Code == nil && json.Unmarshal(r.Body, &framed) == nil && framed.Error != nil {
		e = *framed.Error
	}
	if e.Code == nil || e.Message == nil || e.Details == nil {
		return fmt.Errorf("HTTP %d: error body lacks code, message or details: %.200s", r.Status, r.Body)
	}
	code := codes.Code(*e.Code)
	want := runtime.HTTPStatusFromCode(code)
	switch {
	case r.Status == http.StatusRequestEntityTooLarge && code == codes.InvalidArgument,
		r.Status == http.StatusMethodNotAllowed && code == codes.Unimplemented:
	case want != r.Status:
		return fmt.Errorf("HTTP %d with gRPC code %v (which maps to %d): %.200s", r.Status, code, want, r.Body)
	}
	for _, d := range e.Details {
		var info struct {
			Type   string `json:"@type"`
			Domain string `json:"domain"`
		}
		if json.Unmarshal(d, &info) == nil && info.Type == "type.googleapis.com/google.rpc.ErrorInfo" && info.Domain != "stemma.dev" {
			return fmt.Errorf("ErrorInfo domain %q, want stemma.dev: %.200s", info.Domain, r.Body)
		}
	}
	return nil
}

// GRPCServerFault reports whether a gRPC code is one no bad input may
// cause.
func GRPCServerFault(c codes.Code) bool {
	switch c {
	case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unimplemented:
		return true
	}
	return false
}

// Dial connects to one gRPC server without retries or balancing: the
// tests want each reply as the server gave it.
func Dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

// Invoke calls a method with key as the bearer key (none when empty) and
// returns the status of the reply.
func Invoke(ctx context.Context, conn *grpc.ClientConn, fullMethod string, req, resp any, key string, opts ...grpc.CallOption) *status.Status {
	if key != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return status.Convert(conn.Invoke(ctx, fullMethod, req, resp, opts...))
}

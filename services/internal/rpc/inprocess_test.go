package rpc_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/requestid"
	"github.com/stemma-registry/stemma/services/internal/rpc"
)

// An in-process call answers as the same call over the in-process listener
// does, through the same interceptors: authentication refuses a bad key,
// the request id comes back in the header, and the reply is the caller's
// own copy.
func TestInProcessCallsMatchTheListener(t *testing.T) {
	srv, _ := replica(t)
	lis := bufconn.Listen(1 << 20)
	go srv.Serve(auth.InternalListener(lis))
	conn, err := rpc.Dial(rpc.Target{Local: lis, Policy: app.Policy(), MaxMsgBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	inproc := srv.InProcess(conn, lis.Addr(), 1<<20, app.Policy())
	ctx := context.Background()
	req := &licencesv1.CheckCompatibilityRequest{Inbound: "GPL-3.0-only", Outbound: "MIT"}

	want, err := licencesv1.NewLicenceServiceClient(conn).CheckCompatibility(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	client := licencesv1.NewLicenceServiceClient(inproc)
	var header metadata.MD
	got, err := client.CheckCompatibility(requestid.With(ctx, "req-inproc-1"), req, grpc.Header(&header))
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, want) {
		t.Fatalf("in process: %v\nover the listener: %v", got, want)
	}
	if ids := header.Get(requestid.MetadataKey); len(ids) != 1 || ids[0] != "req-inproc-1" {
		t.Errorf("header %s = %v; want the caller's request id", requestid.MetadataKey, ids)
	}
	got.Reasons = nil
	again, err := client.CheckCompatibility(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(again, want) {
		t.Errorf("changing a reply changed the next one: %v", again)
	}

	bad := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer not-a-key")
	if _, err := client.CheckCompatibility(bad, req); status.Code(err) != codes.Unauthenticated {
		t.Errorf("a bad key in process: %v; want UNAUTHENTICATED", err)
	}
	big := &licencesv1.CheckCompatibilityRequest{Inbound: string(make([]byte, 2<<20)), Outbound: "MIT"}
	if _, err := client.CheckCompatibility(ctx, big); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("a request over the message bound in process: %v; want RESOURCE_EXHAUSTED", err)
	}
}

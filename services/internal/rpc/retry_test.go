package rpc_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/rpc"
)

// flaky fails every other CreateWork with UNAVAILABLE, as a replica that
// dies mid-call does.
type flaky struct {
	catalogv1.UnimplementedCatalogServiceServer
	calls atomic.Int32
}

func (f *flaky) CreateWork(context.Context, *catalogv1.CreateWorkRequest) (*catalogv1.Work, error) {
	if f.calls.Add(1)%2 == 1 {
		return nil, status.Error(codes.Unavailable, "replica going away")
	}
	return &catalogv1.Work{Name: "works/a"}, nil
}

// A write is retried on UNAVAILABLE when, and only when, it carries a
// request_id that makes the retry safe.
func TestWritesRetriedOnlyWithRequestID(t *testing.T) {
	srv := rpc.NewServer(rpc.ServerOptions{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Keys:   auth.NewKeys(map[string]string{"alice": "key-alice-1"}, nil, ""), Policy: app.Policy(), MaxMsgBytes: 1 << 20,
	})
	f := &flaky{}
	catalogv1.RegisterCatalogServiceServer(srv, f)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := rpc.Dial(rpc.Target{Addrs: []string{lis.Addr().String()}, Policy: app.Policy(), Key: "key-alice-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := catalogv1.NewCatalogServiceClient(conn)
	ctx := metadata.NewOutgoingContext(context.Background(), nil)

	if _, err := client.CreateWork(ctx, &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{}, RequestId: "r1"}); err != nil {
		t.Fatalf("with a request_id: %v", err)
	}
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("with a request_id: %d calls, want 2 (one failure, one retry)", n)
	}
	_, err = client.CreateWork(ctx, &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{}})
	if status.Code(err) != codes.Unavailable || f.calls.Load() != 3 {
		t.Fatalf("without a request_id: %v after %d calls; want UNAVAILABLE after one call", err, f.calls.Load()-2)
	}
}

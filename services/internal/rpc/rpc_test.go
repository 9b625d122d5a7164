package rpc_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/internal/rpc"
	"github.com/stemma-registry/stemma/services/licences/compat"
	"github.com/stemma-registry/stemma/services/licences/licenceservice"
	"github.com/stemma-registry/stemma/services/licences/spdx"
)

func replica(t *testing.T) (*rpc.Server, string) {
	t.Helper()
	return replicaLogging(t, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func replicaLogging(t *testing.T, log *slog.Logger) (*rpc.Server, string) {
	t.Helper()
	srv := rpc.NewServer(rpc.ServerOptions{
		Logger: log,
		Keys:   auth.NewKeys(nil, nil, ""), Policy: app.Policy(), MaxMsgBytes: 1 << 20,
	})
	engine, err := compat.New(spdx.Default())
	if err != nil {
		t.Fatal(err)
	}
	licencesv1.RegisterLicenceServiceServer(srv, licenceservice.New(engine, paging.Bounds{Default: 10, Max: 100}, 100))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return srv, lis.Addr().String()
}

// A client given two replicas keeps answering reads when one goes away.
func TestReadsRideOverALostReplica(t *testing.T) {
	a, addrA := replica(t)
	_, addrB := replica(t)
	conn, err := rpc.Dial(rpc.Target{Addrs: []string{addrA, addrB}, Policy: app.Policy()})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := licencesv1.NewLicenceServiceClient(conn)
	ctx := context.Background()
	get := func() error {
		_, err := client.GetLicence(ctx, &licencesv1.GetLicenceRequest{Name: "licences/MIT"})
		return err
	}
	for i := 0; i < 10; i++ {
		if err := get(); err != nil {
			t.Fatalf("before: %v", err)
		}
	}
	a.Stop()
	for i := 0; i < 50; i++ {
		if err := get(); err != nil {
			t.Fatalf("call %d after a replica stopped: %v", i, err)
		}
	}
}

package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// A part that cannot start (here: the gRPC port is taken) makes New
// return an error after releasing what it had opened, not panic.
func TestNewReportsAFailedStart(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := apptest.Config(t)
	cfg.GRPCAddr = busy.Addr().String()
	if err := cfg.Validate(app.Parts()); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || a != nil || !strings.Contains(err.Error(), "grpc-addr") {
		t.Fatalf("New on a taken port = %v, %v; want an error naming --grpc-addr", a, err)
	}
}

package app_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
)

// syncBuffer is a log destination the servers' goroutines share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRequestIDEndToEnd sends a REST request with an id of the caller's
// through a gateway process to a catalog in another process: both log it,
// and the answer carries it back. A request without one, or with one that
// could break a log line, gets a fresh id; a gRPC caller gets its id back
// in the header metadata.
func TestRequestIDEndToEnd(t *testing.T) {
	var backLog, frontLog syncBuffer
	back := apptest.StartLogging(t, apptest.Config(t, config.PartLicences, config.PartCatalog), &backLog)
	cfg := apptest.Config(t, config.PartLineage, config.PartGateway)
	cfg.LicencesAddr, cfg.CatalogAddr = back.InternalGRPCAddr(), back.InternalGRPCAddr()
	front := apptest.StartLogging(t, cfg, &frontLog)

	post := func(path, body, id string) *http.Response {
		req, err := http.NewRequest("POST", front.BaseURL()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+apptest.AliceKey)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		resp, err := front.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
		return resp
	}
	const work = `{"kind":"WORK_KIND_TEXT","title":"Traced","licence":"MIT"}`
	post("/v1/works?workId=source", work, "")
	post("/v1/works?workId=derivative", work, "")
	// The derivation is checked by the lineage service in the gateway's
	// process, which reads both works from the catalog in the other.
	const id = "trace-abc.123"
	if got := post("/v1/derivations", `{"derivative":"works/derivative","source":"works/source","relation":"RELATION_ADAPTATION"}`, id).Header.Get("X-Request-Id"); got != id {
		t.Errorf("X-Request-Id answered %q; want the caller's %q", got, id)
	}
	for name, log := range map[string]*syncBuffer{"lineage": &frontLog, "catalog": &backLog} {
		if !strings.Contains(log.String(), "request_id="+id) {
			t.Errorf("the %s process logged nothing with request_id=%s:\n%.3000s", name, id, log.String())
		}
	}
	for _, bad := range []string{"", "two words", strings.Repeat("x", 200)} {
		got := post("/v1/works", work, bad).Header.Get("X-Request-Id")
		if got == "" || got == bad || len(got) != 32 {
			t.Errorf("X-Request-Id %q answered %q; want a fresh id", bad, got)
		}
	}

	var header metadata.MD
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "grpc-caller-7")
	if _, err := catalogv1.NewCatalogServiceClient(back.Conn(t)).ListWorks(ctx, &catalogv1.ListWorksRequest{}, grpc.Header(&header)); err != nil {
		t.Fatal(err)
	}
	if got := header.Get("x-request-id"); len(got) != 1 || got[0] != "grpc-caller-7" {
		t.Errorf("gRPC header x-request-id = %q; want the caller's", got)
	}
}

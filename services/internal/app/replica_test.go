package app_test

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// TestReadReplicaConsistencyEndToEnd runs the catalog in one process and
// lineage with the gateway in another, both reading from a streaming
// replica whose replay is paused. A write's Stemma-Consistency token,
// sent back with later requests, reaches the catalog through the gateway
// and lineage, so that the derivation's check and the reads see the works
// the replica has not; the same reads without the token are served the
// replica's older state. Once replay resumes, reads with the token go to
// the replica.
func TestReadReplicaConsistencyEndToEnd(t *testing.T) {
	primary := testenv.StartPostgres(t)
	replica := primary.StartReplica()
	withReplica := func(c config.Config) config.Config {
		c.DatabaseURL, c.DatabaseReadURLs = primary.URL(), []string{replica.URL()}
		c.MaxReplicaLag = time.Hour // the paused replica stays in use, for reads without a token
		return c
	}
	back := apptest.Start(t, withReplica(apptest.Config(t, config.PartLicences, config.PartCatalog)))
	cfg := withReplica(apptest.Config(t, config.PartLineage, config.PartGateway))
	cfg.LicencesAddr, cfg.CatalogAddr = back.InternalGRPCAddr(), back.InternalGRPCAddr()
	front := apptest.Start(t, cfg)

	call := func(method, path, token, body string) (int, string) {
		t.Helper()
		header := http.Header{}
		if token != "" {
			header.Set("Stemma-Consistency", token)
		}
		resp, _ := front.DoHeader(t, method, path, apptest.AliceKey, body, header)
		return resp.StatusCode, resp.Header.Get("Stemma-Consistency")
	}
	replicaReads := func() float64 { return readsOn(t, back, "catalog", "replica") }

	eventually(t, "catalog reads go to the replica", func() bool {
		call("GET", "/v1/works", "", "")
		return replicaReads() > 0
	})
	replica.PauseReplay()

	const work = `{"kind":"WORK_KIND_TEXT","title":"Replicated","licence":"MIT"}`
	code, token := call("POST", "/v1/works?workId=source", "", work)
	if code != http.StatusOK || token == "" {
		t.Fatalf("create work: %d, Stemma-Consistency %q; want 200 and a token", code, token)
	}
	if code, _ := call("GET", "/v1/works/source", "", ""); code != http.StatusNotFound {
		t.Fatalf("read without the token from the paused replica: %d, want 404 (its state before the write)", code)
	}
	if code, _ := call("GET", "/v1/works/source", token, ""); code != http.StatusOK {
		t.Fatalf("read with the write's token: %d, want 200", code)
	}
	code, token = call("POST", "/v1/works?workId=derivative", token, work)
	if code != http.StatusOK {
		t.Fatalf("create work: %d", code)
	}
	// Lineage checks both works in the catalog, with the token it was given.
	code, token = call("POST", "/v1/derivations", token, `{"derivative":"works/derivative","source":"works/source","relation":"RELATION_ADAPTATION"}`)
	if code != http.StatusOK || token == "" {
		t.Fatalf("create derivation with the token: %d, Stemma-Consistency %q; want 200 and a token", code, token)
	}

	// gRPC callers get and give the token as x-stemma-consistency.
	catalog := catalogv1.NewCatalogServiceClient(back.Conn(t))
	var header metadata.MD
	if _, err := catalog.CreateWork(apptest.As(apptest.AliceKey), &catalogv1.CreateWorkRequest{WorkId: "grpc",
		Work: &catalogv1.Work{Kind: catalogv1.WorkKind_WORK_KIND_TEXT, Title: "Replicated", Licence: "MIT"}},
		grpc.Header(&header)); err != nil {
		t.Fatal(err)
	}
	grpcToken := header.Get("x-stemma-consistency")
	if len(grpcToken) != 1 {
		t.Fatalf("gRPC header x-stemma-consistency = %q; want the write's token", grpcToken)
	}
	ctx := metadata.AppendToOutgoingContext(apptest.As(apptest.AliceKey), "x-stemma-consistency", grpcToken[0])
	if _, err := catalog.GetWork(ctx, &catalogv1.GetWorkRequest{Name: "works/grpc"}); err != nil {
		t.Fatalf("gRPC read with the token: %v", err)
	}

	replica.ResumeReplay()
	eventually(t, "after replay resumed, reads with the token go to the replica", func() bool {
		before := replicaReads()
		code, _ := call("GET", "/v1/works/source", token, "")
		return code == http.StatusOK && replicaReads() > before
	})
}

// readsOn returns the reads the instance's service sent to target, from
// its /metrics.
func readsOn(t *testing.T, i *apptest.Instance, service, target string) float64 {
	t.Helper()
	resp, err := i.HTTPClient().Get(i.BaseURL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	want := `stemma_db_reads_total{service="` + service + `",target="` + target + `"} `
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), want); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	return 0
}

// eventually retries cond until it holds, failing the test after a
// minute: replay and the poller's view of it take their time.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still not so after a minute: %s", what)
		}
	}
}

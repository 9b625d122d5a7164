package catalogservice_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/loadgen"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/internal/testenv"
	"github.com/stemma-registry/stemma/services/internal/testproc"
)

// TestLoad measures bulk registration end to end: BatchCreateWorks of
// 1000 works a call, over gRPC, into a real `stemma serve` process on
// PostgreSQL (validation, licences through the licences service, COPY),
// from two concurrent callers; and, alternating with it in the same run, a
// raw pgx COPY of the same work rows from two connections into an
// unindexed scratch table. It reports the medians of works per second and
// their ratio. It runs in `make bench` (STEMMA_LOAD=1), not in `make test`.
func TestLoad(t *testing.T) {
	if os.Getenv("STEMMA_LOAD") == "" {
		t.Skip("load benchmark; run with STEMMA_LOAD=1 (make bench)")
	}
	dbURL := testenv.Database(t, "stemma_catalog")
	p := testproc.Serve(t, []string{"--log-level=warn", "--rate-limit=0"},
		[]string{"STEMMA_DATABASE_URL=" + dbURL, "STEMMA_API_KEYS=loader=key-loader-0001", "STEMMA_DATA_DIR=" + t.TempDir()})
	conn, err := grpc.NewClient(p.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16<<20)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := catalogv1.NewCatalogServiceClient(conn)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer key-loader-0001")

	const batch, workers, rounds = 1000, 2, 5
	const each = 4 * time.Second
	var serial atomic.Int64
	create := func(ctx context.Context) error {
		reqs := make([]*catalogv1.CreateWorkRequest, batch)
		for i := range reqs {
			k := serial.Add(1)
			reqs[i] = &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{
				Kind: catalogv1.WorkKind_WORK_KIND_SOFTWARE, Title: fmt.Sprintf("package-%d", k),
				Description: "A package registered by the load test.",
				Creators:    []*catalogv1.Creator{{Name: fmt.Sprintf("Maintainer %d", k%5000), Role: "author"}},
				Identifiers: []*catalogv1.Identifier{{Type: "purl", Value: fmt.Sprintf("pkg:npm/package-%d@1.0.0", k)}},
				Digests:     []string{fmt.Sprintf("sha256:%064x", k)},
				Version:     "1.0.0",
				Licence:     []string{"MIT", "Apache-2.0", "GPL-3.0-or-later", "BSD-3-Clause"}[k%4],
			}}
		}
		_, err := client.BatchCreateWorks(ctx, &catalogv1.BatchCreateWorksRequest{Requests: reqs})
		return err
	}
	if err := create(ctx); err != nil {
		t.Fatal(err)
	}

	// The raw baseline copies rows shaped like the works the server wrote.
	conns := make(chan *pgx.Conn, workers)
	for i := 0; i < workers; i++ {
		c, err := pgx.Connect(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		conns <- c
	}
	sample, err := client.ListWorks(ctx, &catalogv1.ListWorksRequest{PageSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	setup := <-conns
	if _, err := setup.Exec(context.Background(), "CREATE TABLE catalog.raw_copy (LIKE catalog.works)"); err != nil {
		t.Fatal(err)
	}
	conns <- setup
	rows := make([][]any, len(sample.GetWorks()))
	for i, w := range sample.GetWorks() {
		lists := fmt.Sprintf(`{"c":[{"name":%q,"role":"author"}],"i":[{"type":"purl","value":%q}],"d":[%q],"l":[%q]}`,
			w.GetCreators()[0].GetName(), w.GetIdentifiers()[0].GetValue(), w.GetDigests()[0], w.GetLicence())
		rows[i] = []any{int64(i + 1), strings.TrimPrefix(w.GetName(), "works/"), int16(w.GetKind()), w.GetTitle(), strings.ToLower(w.GetTitle()),
			w.GetDescription(), w.GetVersion(), w.GetLicence(), int16(w.GetLicenceStatus()), lists, w.GetOwner(), int64(1),
			storage.Micros(w.GetCreateTime().AsTime()), storage.Micros(w.GetUpdateTime().AsTime())}
	}
	cols := []string{"seq", "id", "kind", "title", "title_fold", "description", "version", "licence",
		"licence_status", "lists", "owner", "generation", "create_us", "update_us"}
	rawCopy := func(ctx context.Context) error {
		c := <-conns
		defer func() { conns <- c }()
		_, err := c.CopyFrom(ctx, pgx.Identifier{"catalog", "raw_copy"}, cols, pgx.CopyFromRows(rows))
		return err
	}

	var created, copied []float64
	for r := 0; r < rounds; r++ {
		st := loadgen.Run(ctx, workers, each, create)
		if st.Errors > 0 {
			t.Fatalf("BatchCreateWorks: %d errors of %d, first: %v", st.Errors, st.Requests, st.FirstError)
		}
		created = append(created, st.PerSecond*batch)
		st = loadgen.Run(ctx, workers, each, rawCopy)
		if st.Errors > 0 {
			t.Fatalf("raw COPY: %d errors of %d, first: %v", st.Errors, st.Requests, st.FirstError)
		}
		copied = append(copied, st.PerSecond*float64(len(rows)))
	}
	fmt.Printf("\nBatchCreateWorks over gRPC into PostgreSQL, %d works a call, %d callers, %d rounds of %v, medians:\n\n", batch, workers, rounds, each)
	fmt.Println("| scenario | works/s | ratio to raw COPY |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| raw pgx COPY of the work rows | %.0f | 1.00 |\n", loadgen.Median(copied))
	fmt.Printf("| BatchCreateWorks (gRPC, validated, COPY) | %.0f | %.2f |\n", loadgen.Median(created), loadgen.Median(created)/loadgen.Median(copied))
}

package licenceservice_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/loadgen"
	"github.com/stemma-registry/stemma/services/internal/testproc"
)

// TestLoad measures, against a real `stemma serve` process on loopback,
// the throughput of CheckCompatibility over gRPC and over REST, each as a
// ratio to a no-op call made the same way in the same run (the gRPC health
// check; the gateway's /v1/health route, which makes that call). The
// scenarios alternate over several rounds and the medians are reported,
// with each as a ratio to a plain net/http handler on the same server
// (/livez, a fixed JSON body).
// It runs in `make bench` (STEMMA_LOAD=1), not in `make test`: it measures
// rather than checks, and takes a minute.
func TestLoad(t *testing.T) {
	if os.Getenv("STEMMA_LOAD") == "" {
		t.Skip("load benchmark; run with STEMMA_LOAD=1 (make bench)")
	}
	p := testproc.Serve(t, []string{"--data-dir=" + t.TempDir(), "--log-level=warn", "--anonymous-rate-limit=0"}, nil)
	conn, err := grpc.NewClient(p.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lic := licencesv1.NewLicenceServiceClient(conn)
	hc := healthpb.NewHealthClient(conn)
	httpc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	base := "http://" + p.HTTPAddr
	check := &licencesv1.CheckCompatibilityRequest{Inbound: "MIT", Outbound: "GPL-3.0-only"}
	const body = `{"inbound":"MIT","outbound":"GPL-3.0-only"}`

	rest := func(method, url, body string) func(context.Context) error {
		return func(ctx context.Context) error {
			req, _ := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
			resp, err := httpc.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		}
	}
	scenarios := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"grpc no-op (Health/Check)", func(ctx context.Context) error {
			_, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: "stemma.licences.v1.LicenceService"})
			return err
		}},
		{"grpc CheckCompatibility", func(ctx context.Context) error {
			_, err := lic.CheckCompatibility(ctx, check)
			return err
		}},
		{"rest no-op (GET /v1/health)", rest("GET", base+"/v1/health?service=stemma.licences.v1.LicenceService", "")},
		{"rest CheckCompatibility", rest("POST", base+"/v1/compatibility:check", body)},
		// The plainest handler on the same HTTP server: net/http writing a
		// fixed JSON body, the cost of the HTTP round trip alone.
		{"plain net/http, fixed JSON (GET /livez)", rest("GET", base+"/livez", "")},
	}
	const rounds, workers = 5, 16
	const each = 3 * time.Second
	perSec := make([][]float64, len(scenarios))
	p50 := make([][]time.Duration, len(scenarios))
	p99 := make([][]time.Duration, len(scenarios))
	for _, s := range scenarios { // warm up
		loadgen.Run(context.Background(), workers, 500*time.Millisecond, s.fn)
	}
	for r := 0; r < rounds; r++ {
		for i, s := range scenarios {
			st := loadgen.Run(context.Background(), workers, each, s.fn)
			if st.Errors > 0 {
				t.Fatalf("%s: %d errors of %d, first: %v", s.name, st.Errors, st.Requests, st.FirstError)
			}
			perSec[i] = append(perSec[i], st.PerSecond)
			p50[i] = append(p50[i], st.P50)
			p99[i] = append(p99[i], st.P99)
		}
	}
	fmt.Printf("\n%d rounds of %v per scenario, %d concurrent callers, medians:\n\n", rounds, each, workers)
	fmt.Println("| scenario | requests/s | p50 | p99 | ratio to its no-op | ratio to plain net/http |")
	fmt.Println("|---|---|---|---|---|---|")
	plain := loadgen.Median(perSec[len(scenarios)-1])
	for i, s := range scenarios {
		noop := loadgen.Median(perSec[i-i%2])
		if i == len(scenarios)-1 {
			noop = plain
		}
		fmt.Printf("| %s | %.0f | %v | %v | %.2f | %.2f |\n", s.name, loadgen.Median(perSec[i]),
			loadgen.Median(p50[i]).Round(time.Microsecond), loadgen.Median(p99[i]).Round(time.Microsecond),
			loadgen.Median(perSec[i])/noop, loadgen.Median(perSec[i])/plain)
	}
}

package lineageservice_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/loadgen"
)

// BenchmarkWorkNotice measures the NOTICE of a work whose ancestry holds
// 1,000 works (benchSBOM's product, imported), with an accepted curation
// of one package so that the curation lookup is part of what is timed:
// the median (p50) of the notices the loop asks for.
func BenchmarkWorkNotice(b *testing.B) {
	conn := apptest.Start(b, apptest.Config(b)).Conn(b)
	lineage, curations := lineagev1.NewLineageServiceClient(conn), lineagev1.NewCurationServiceClient(conn)
	rep, err := lineage.ImportSbom(alice, &lineagev1.ImportSbomRequest{
		Sbom: &httpbody.HttpBody{ContentType: "application/json", Data: benchSBOM(0)}, ProductLicence: "Apache-2.0"})
	if err != nil {
		b.Fatal(err)
	}
	c, err := curations.CreateCuration(alice, &lineagev1.CreateCurationRequest{Curation: &lineagev1.Curation{
		Purl: "pkg:npm/bench-0-7", Licence: "MIT", Evidence: &lineagev1.CurationEvidence{Url: "https://example.com/bench-0-7"}}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := curations.AcceptCuration(as(apptest.BobKey), &lineagev1.AcceptCurationRequest{Name: c.GetName()}); err != nil {
		b.Fatal(err)
	}
	var took []time.Duration
	for b.Loop() {
		t0 := time.Now()
		n, err := lineage.GetWorkNotice(alice, &lineagev1.GetWorkNoticeRequest{Work: rep.GetProduct()})
		if err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(t0))
		if len(n.GetEntries()) != benchComponents-1 || !strings.Contains(n.GetText(), "Curated by "+c.GetName()) {
			b.Fatalf("%d entries, want %d; the curation named: %t", len(n.GetEntries()), benchComponents-1, strings.Contains(n.GetText(), c.GetName()))
		}
	}
	b.ReportMetric(float64(loadgen.Median(took).Microseconds())/1000, "ms/notice-p50")
}

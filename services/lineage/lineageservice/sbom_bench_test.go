package lineageservice_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/loadgen"
	"github.com/stemma-registry/stemma/services/lineage/internal/lineagetest"
)

// benchComponents is the size of the benchmark's SBOM: the product and its
// dependencies, as many as one import takes at the default batch size.
const benchComponents = 1000

// benchLicences are the licences the benchmark's components carry, the
// way a real npm or Go dependency tree mixes them, all compatible with the
// product's Apache-2.0 so that the import writes.
var benchLicences = []string{"MIT", "Apache-2.0", "BSD-3-Clause", "ISC", "BSD-2-Clause", "0BSD"}

// benchSBOM returns a CycloneDX 1.6 document whose product depends on
// every other component, a tenth of them through another one, with purls
// made from round so that every round's components are new works.
func benchSBOM(round int) []byte {
	type licence struct {
		License struct {
			ID string `json:"id"`
		} `json:"license"`
	}
	type component struct {
		Type     string    `json:"type"`
		Ref      string    `json:"bom-ref"`
		Name     string    `json:"name"`
		Version  string    `json:"version"`
		PURL     string    `json:"purl"`
		Licenses []licence `json:"licenses"`
	}
	type dependency struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	}
	comp := func(i int) component {
		name := fmt.Sprintf("bench-%d-%d", round, i)
		var l licence
		l.License.ID = benchLicences[i%len(benchLicences)]
		return component{Type: "library", Ref: name, Name: name, Version: "1.0.0",
			PURL: "pkg:npm/" + name + "@1.0.0", Licenses: []licence{l}}
	}
	product := comp(0)
	product.Type = "application"
	var comps []component
	deps := []dependency{{Ref: product.Ref}}
	for i := 1; i < benchComponents; i++ {
		c := comp(i)
		comps = append(comps, c)
		if i%10 == 0 {
			// Every tenth component comes in through the one before it.
			prev := len(deps) - 1
			deps[prev].DependsOn = append(deps[prev].DependsOn, c.Ref)
			continue
		}
		deps[0].DependsOn = append(deps[0].DependsOn, c.Ref)
		deps = append(deps, dependency{Ref: c.Ref, DependsOn: []string{}})
	}
	doc, err := json.Marshal(map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
		"metadata":   map[string]any{"component": product},
		"components": comps, "dependencies": deps,
	})
	if err != nil {
		panic(err)
	}
	return doc
}

// benchWorks returns the works an import of benchSBOM(round) creates, for
// the baseline: the same rows registered with one BatchCreateWorks.
func benchWorks(round int) *catalogv1.BatchCreateWorksRequest {
	req := &catalogv1.BatchCreateWorksRequest{}
	for i := range benchComponents {
		name := fmt.Sprintf("base-%d-%d", round, i)
		req.Requests = append(req.Requests, &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{
			Kind: catalogv1.WorkKind_WORK_KIND_SOFTWARE, Title: name, Version: "1.0.0",
			Licence:     benchLicences[i%len(benchLicences)],
			Identifiers: []*catalogv1.Identifier{{Type: "purl", Value: "pkg:npm/" + name + "@1.0.0"}},
		}})
	}
	return req
}

// BenchmarkImportSbom measures the import of a 1,000-component SBOM over
// gRPC, validate-only and writing, on SQLite and on PostgreSQL, and in the
// same loop the baseline: one BatchCreateWorks of the same number of works,
// the least a writing import must do. Rounds alternate the two so that both
// see the same machine; the ratio is of the medians.
func BenchmarkImportSbom(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		for _, mode := range []string{"validate", "write"} {
			b.Run(engine+"/"+mode, func(b *testing.B) {
				cfg := apptest.Config(b)
				if engine == "postgres" {
					cfg.DatabaseURL = lineagetest.Database(b)
				}
				inst := apptest.Start(b, cfg)
				conn := inst.Conn(b)
				lineage, catalog := lineagev1.NewLineageServiceClient(conn), catalogv1.NewCatalogServiceClient(conn)
				var imports, baseline []time.Duration
				for round := 0; b.Loop(); round++ {
					req := &lineagev1.ImportSbomRequest{
						Sbom:           &httpbody.HttpBody{ContentType: "application/json", Data: benchSBOM(round)},
						ProductLicence: "Apache-2.0", ValidateOnly: mode == "validate",
					}
					t0 := time.Now()
					rep, err := lineage.ImportSbom(alice, req)
					if err != nil {
						b.Fatal(err)
					}
					imports = append(imports, time.Since(t0))
					if want := int32(benchComponents); rep.GetWorksCreated() != want {
						b.Fatalf("the import created %d works; want %d", rep.GetWorksCreated(), want)
					}
					t0 = time.Now()
					if _, err := catalog.BatchCreateWorks(alice, benchWorks(round)); err != nil {
						b.Fatal(err)
					}
					baseline = append(baseline, time.Since(t0))
				}
				imp, base := loadgen.Median(imports), loadgen.Median(baseline)
				b.ReportMetric(float64(imp.Microseconds())/1000, "ms/import")
				b.ReportMetric(float64(base.Microseconds())/1000, "ms/batch-create")
				b.ReportMetric(float64(imp)/float64(base), "ratio")
			})
		}
	}
}

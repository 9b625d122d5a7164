package lineageservice_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// A walk that reaches more works than --max-closure answers with exactly
// that many, flagged truncated; one within the bound is whole and not
// flagged. Audits, attributions and traces over a cut closure say so too.
func TestClosureBound(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.MaxClosure = 4
	s := start(t, cfg)
	k := apptest.AliceKey
	// wide has six derivatives and six sources; narrow three derivatives.
	wide := s.work(t, k, "wide", "TEXT", "CC0-1.0")
	narrow := s.work(t, k, "narrow", "TEXT", "CC0-1.0")
	var sources []string
	for i := range 6 {
		d := s.work(t, k, fmt.Sprintf("down%d", i), "TEXT", "CC0-1.0")
		s.derive(t, k, d, wide, "ADAPTATION", "")
		src := s.work(t, k, fmt.Sprintf("up%d", i), "TEXT", "CC0-1.0")
		s.derive(t, k, wide, src, "REMIX", "")
		sources = append(sources, src)
		if i < 3 {
			n := s.work(t, k, fmt.Sprintf("narrow%d", i), "TEXT", "CC0-1.0")
			s.derive(t, k, n, narrow, "ADAPTATION", "")
		}
	}

	var desc lineagev1.ListDescendantsResponse
	s.ok(t, "GET", "/v1/"+wide+"/descendants", "", "", &desc)
	if !desc.GetTruncated() || desc.GetTotalSize() != 4 || len(desc.GetDescendants()) != 4 {
		t.Errorf("wide descendants: truncated %v, total %d, %d listed; want true, 4, 4",
			desc.GetTruncated(), desc.GetTotalSize(), len(desc.GetDescendants()))
	}
	s.ok(t, "GET", "/v1/"+narrow+"/descendants", "", "", &desc)
	if desc.GetTruncated() || desc.GetTotalSize() != 3 {
		t.Errorf("narrow descendants: truncated %v, total %d; want false, 3", desc.GetTruncated(), desc.GetTotalSize())
	}
	var anc lineagev1.ListAncestorsResponse
	s.ok(t, "GET", "/v1/"+wide+"/ancestors", "", "", &anc)
	if !anc.GetTruncated() || anc.GetTotalSize() != 4 {
		t.Errorf("wide ancestors: truncated %v, total %d; want true, 4", anc.GetTruncated(), anc.GetTotalSize())
	}
	// narrow0 has one ancestor: within the bound.
	s.ok(t, "GET", "/v1/"+narrow+"0/ancestors", "", "", &anc)
	if anc.GetTruncated() || anc.GetTotalSize() != 1 {
		t.Errorf("narrow0 ancestors: truncated %v, total %d; want false, 1", anc.GetTruncated(), anc.GetTotalSize())
	}

	var audit lineagev1.AuditWorkResponse
	s.ok(t, "GET", "/v1/"+wide+":audit", "", "", &audit)
	if !audit.GetTruncated() || audit.GetDerivationsChecked() != 4 {
		t.Errorf("audit of wide: truncated %v, %d checked; want true, 4", audit.GetTruncated(), audit.GetDerivationsChecked())
	}
	var at lineagev1.Attribution
	s.ok(t, "GET", "/v1/"+wide+"/attribution", "", "", &at)
	if !at.GetTruncated() || len(at.GetCredits()) != 4 {
		t.Errorf("attribution of wide: truncated %v, %d credits; want true, 4", at.GetTruncated(), len(at.GetCredits()))
	}

	// The closure keeps up0..up3: a path to up0 is found, none to up5.
	var tr lineagev1.TraceToResponse
	s.ok(t, "GET", "/v1/"+wide+":traceTo?ancestor="+sources[0], "", "", &tr)
	if !tr.GetTruncated() || len(tr.GetPaths()) != 1 {
		t.Errorf("trace to up0: truncated %v, %d paths; want true, 1", tr.GetTruncated(), len(tr.GetPaths()))
	}
	s.ok(t, "GET", "/v1/"+wide+":traceTo?ancestor="+sources[5], "", "", &tr)
	if !tr.GetTruncated() || len(tr.GetPaths()) != 0 {
		t.Errorf("trace to up5: truncated %v, %d paths; want true, 0", tr.GetTruncated(), len(tr.GetPaths()))
	}
	var d0 lineagev1.TraceToResponse
	s.ok(t, "GET", "/v1/"+narrow+"0:traceTo?ancestor="+narrow, "", "", &d0)
	if d0.GetTruncated() || len(d0.GetPaths()) != 1 {
		t.Errorf("trace narrow0 to narrow: truncated %v, %d paths; want false, 1", d0.GetTruncated(), len(d0.GetPaths()))
	}
}

// An SBOM import matches its components with one BatchLookupWorks per
// chunk of the batch bound, not a LookupWorks per component. A document
// holds at most the batch bound of components, product included, so that
// is one call.
func TestImportSbomBatchesLookups(t *testing.T) {
	s := start(t, apptest.Config(t))
	// The product and five components, each with a purl: six lookups.
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
		"metadata":{"component":{"type":"application","bom-ref":"app","name":"app","version":"1","purl":"pkg:npm/app@1","licenses":[{"expression":"MIT"}]}},
		"components":[`
	deps := ""
	for i := range 5 {
		if i > 0 {
			doc += ","
			deps += ","
		}
		doc += fmt.Sprintf(`{"type":"library","bom-ref":"l%d","name":"lib%d","version":"1","purl":"pkg:npm/lib%d@1","licenses":[{"expression":"MIT"}]}`, i, i, i)
		deps += fmt.Sprintf(`"l%d"`, i)
	}
	doc += `],"dependencies":[{"ref":"app","dependsOn":[` + deps + `]}]}`
	single := grpcCalls(t, s, "LookupWorks")
	batched := grpcCalls(t, s, "BatchLookupWorks")
	code, resp := post(t, s.Instance, "/v1/sboms:import", apptest.AliceKey, []byte(doc))
	if code != 200 || count(resp, "worksCreated") != 6 {
		t.Fatalf("import: %d %v", code, resp)
	}
	if n := grpcCalls(t, s, "LookupWorks") - single; n != 0 {
		t.Errorf("%v LookupWorks calls; want none", n)
	}
	if n := grpcCalls(t, s, "BatchLookupWorks") - batched; n != 1 {
		t.Errorf("%v BatchLookupWorks calls for six lookups; want 1", n)
	}
}

// grpcCalls sums the calls the server handled of a catalog method, from
// its /metrics.
func grpcCalls(t *testing.T, s *suite, method string) float64 {
	t.Helper()
	resp, err := http.Get(s.BaseURL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "grpc_server_handled_total{") || !strings.Contains(line, `grpc_method="`+method+`"`) ||
			!strings.Contains(line, `grpc_service="stemma.catalog.v1.CatalogService"`) {
			continue
		}
		f, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatal(err)
		}
		sum += f
	}
	return sum
}

// An SBOM import whose graph write outlasts --graph-write-wait is rolled
// back with ABORTED GRAPH_WRITE_TIMEOUT rather than holding every other
// graph write of the process; nothing of its graph is written.
func TestImportSbomWriteTimeout(t *testing.T) {
	cfg := apptest.Config(t)
	// A thousand derivations cannot be written within a millisecond.
	cfg.GraphWriteWait = time.Millisecond
	s := start(t, cfg)
	_, err := s.lineage.ImportSbom(alice, &lineagev1.ImportSbomRequest{
		Sbom:           &httpbody.HttpBody{ContentType: "application/json", Data: benchSBOM(0)},
		ProductLicence: "Apache-2.0",
	})
	grpcCode(t, "a slow import", err, codes.Aborted, "GRAPH_WRITE_TIMEOUT")
	// The product's record may remain (works are the catalog's); its
	// derivations must not.
	found, err := s.catalog.LookupWorks(anyone, &catalogv1.LookupWorksRequest{Purl: "pkg:npm/bench-0-0@1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range found.GetWorks() {
		ds, err := s.lineage.ListDerivations(anyone, &lineagev1.ListDerivationsRequest{Derivative: w.GetName()})
		if err != nil || len(ds.GetDerivations()) != 0 {
			t.Errorf("derivations of %s after the rolled-back import: %v, %v", w.GetName(), ds.GetDerivations(), err)
		}
	}
}

package lineageservice_test

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/api/httpbody"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// benchPolicy is a policy of 50 rules of every kind, none of which denies
// benchSBOM's licences, so that every rule is tried on every licence.
func benchPolicy() string {
	var b strings.Builder
	b.WriteString("id: bench\nrules:\n")
	cats := []string{"strong-copyleft", "network-copyleft", "weak-copyleft", "share-alike", "non-commercial", "no-derivatives", "proprietary"}
	for i := range 50 {
		fmt.Fprintf(&b, "  - id: r%d\n    action: %s\n", i, []string{"deny", "review"}[i%2])
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "    categories: [%s]\n", cats[i%len(cats)])
		case 1:
			fmt.Fprintf(&b, "    licences: [\"GPL-%d.*\", \"AGPL-*\"]\n", i)
		case 2:
			b.WriteString("    obligations: [network-use]\n    uses: [network-service]\n")
		case 3:
			b.WriteString("    unknown: true\n    kinds: [model, dataset]\n")
		default:
			b.WriteString("    incompatible: true\n")
		}
	}
	return b.String()
}

// BenchmarkEvaluatePolicy measures a 50-rule policy's evaluation of a
// 1,000-component SBOM against its baseline, a validate-only import of
// the same SBOM in the same run (the goal: at most 1.2 times it).
func BenchmarkEvaluatePolicy(b *testing.B) {
	conn := apptest.Start(b, apptest.Config(b)).Conn(b)
	lineage, ps := lineagev1.NewLineageServiceClient(conn), lineagev1.NewPolicyServiceClient(conn)
	ctx := as(apptest.AliceKey)
	if _, err := ps.CreatePolicy(ctx, &lineagev1.CreatePolicyRequest{Policy: &lineagev1.Policy{Document: benchPolicy()}}); err != nil {
		b.Fatal(err)
	}
	doc := benchSBOM(0)
	b.Run("validate-only import", func(b *testing.B) {
		for b.Loop() {
			if _, err := lineage.ImportSbom(ctx, &lineagev1.ImportSbomRequest{
				Sbom: &httpbody.HttpBody{ContentType: "application/json", Data: doc}, ValidateOnly: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("evaluate", func(b *testing.B) {
		for b.Loop() {
			r, err := ps.EvaluatePolicy(ctx, &lineagev1.EvaluatePolicyRequest{Name: "policies/bench", Sbom: doc})
			if err != nil || r.GetSubjectsEvaluated() != benchComponents-1 {
				b.Fatal(r.GetSubjectsEvaluated(), err)
			}
		}
	})
}

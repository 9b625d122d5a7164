package lineageservice

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/lineage/audit"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// Checker answers licence questions through the licences service, in
// batches of at most maxBatch questions.
type Checker struct {
	client   licencesv1.LicenceServiceClient
	maxBatch int
	rules    *rules
}

var _ audit.Checker = (*Checker)(nil)

// NewChecker returns a checker over a licences client.
func NewChecker(client licencesv1.LicenceServiceClient, maxBatch int) *Checker {
	return &Checker{client: client, maxBatch: max(maxBatch, 1), rules: &rules{client: client, now: time.Now}}
}

// noLicence is the answer when a side has no licence expression: without
// one nothing is granted, but whether the work really has none or its
// licence was never recorded, Stemma cannot tell, so it does not refuse.
func noLicence(q audit.Question) graph.Check {
	side := "source"
	if q.Inbound != "" {
		side = "derivative"
	}
	return graph.Check{
		Verdict: graph.Unknown, Use: q.Use, Inbound: q.Inbound, Outbound: q.Outbound,
		Reasons: []graph.Reason{{
			Rule: "licence-missing", Verdict: graph.Unknown, Inbound: q.Inbound, Outbound: q.Outbound,
			Message: "the " + side + " has no licence expression recorded, so what it allows is unknown",
		}},
	}
}

// Check answers the questions, those with a missing licence locally.
func (c *Checker) Check(ctx context.Context, qs []audit.Question) ([]graph.Check, error) {
	out := make([]graph.Check, len(qs))
	var ask []int
	for i, q := range qs {
		if q.Inbound == "" || q.Outbound == "" {
			out[i] = noLicence(q)
			continue
		}
		ask = append(ask, i)
	}
	for start := 0; start < len(ask); start += c.maxBatch {
		batch := ask[start:min(start+c.maxBatch, len(ask))]
		req := &licencesv1.BatchCheckCompatibilityRequest{Checks: make([]*licencesv1.CheckCompatibilityRequest, len(batch))}
		for j, i := range batch {
			req.Checks[j] = &licencesv1.CheckCompatibilityRequest{Inbound: qs[i].Inbound, Outbound: qs[i].Outbound, Use: licencesv1.Use(qs[i].Use)}
		}
		var md metadata.MD
		resp, err := c.client.BatchCheckCompatibility(ctx, req, grpc.Header(&md))
		if err != nil {
			return nil, err
		}
		recordVersion(ctx, c.rules.observe(md))
		for j, r := range resp.GetResults() {
			if j >= len(batch) {
				break
			}
			out[batch[j]] = graph.Check{
				Verdict: graph.Verdict(r.GetVerdict()), Reasons: fromReasons(r.GetReasons()), Conditions: r.GetConditions(),
				Use: graph.Use(r.GetUse()), Inbound: r.GetCanonicalInbound(), Outbound: r.GetCanonicalOutbound(),
			}
		}
	}
	return out, nil
}

// RulesVersion returns the version of the licence rules the licences
// service answers with, "" when it cannot be learnt.
func (c *Checker) RulesVersion(ctx context.Context) string { return c.rules.current(ctx) }

// Combinable asks whether any licence can carry all the inbound material.
func (c *Checker) Combinable(ctx context.Context, inbound []string, use graph.Use) (graph.Verdict, error) {
	var md metadata.MD
	resp, err := c.client.SuggestOutbound(ctx, &licencesv1.SuggestOutboundRequest{Inbound: inbound, Use: licencesv1.Use(use), PageSize: 1}, grpc.Header(&md))
	if err == nil {
		recordVersion(ctx, c.rules.observe(md))
	}
	switch {
	case err != nil:
		return 0, err
	case len(resp.GetSuggestions()) > 0:
		return graph.Compatible, nil
	case len(resp.GetBlocking()) > 0:
		return graph.Unknown, nil
	}
	return graph.Incompatible, nil
}

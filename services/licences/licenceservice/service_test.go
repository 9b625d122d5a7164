package licenceservice_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/licences/compat"
	"github.com/stemma-registry/stemma/services/licences/licenceservice"
	"github.com/stemma-registry/stemma/services/licences/spdx"
)

// start runs the whole suite once for the package's tests and returns a
// gRPC client of the licences service and the REST base URL.
func start(t *testing.T) (licencesv1.LicenceServiceClient, string) {
	t.Helper()
	inst := apptest.Start(t, apptest.Config(t))
	return licencesv1.NewLicenceServiceClient(inst.Conn(t)), inst.BaseURL()
}

func TestLicences(t *testing.T) {
	client, base := start(t)
	ctx := context.Background()

	t.Run("profile", func(t *testing.T) {
		l, err := client.GetLicence(ctx, &licencesv1.GetLicenceRequest{Name: "licences/gpl-3.0-or-later"})
		if err != nil {
			t.Fatal(err)
		}
		if l.GetLicenceId() != "GPL-3.0-or-later" || l.GetFamily() != "GPL" || l.GetVersion() != "3.0" ||
			l.GetCategory() != licencesv1.Category_CATEGORY_STRONG_COPYLEFT || !l.GetModelled() ||
			!slices.Contains(l.GetObligations(), licencesv1.Obligation_OBLIGATION_DISCLOSE_SOURCE) {
			t.Errorf("GetLicence(gpl-3.0-or-later) = %v", l)
		}
	})

	t.Run("AI model licence outside the SPDX list", func(t *testing.T) {
		l, err := client.GetLicence(ctx, &licencesv1.GetLicenceRequest{Name: "licences/LicenseRef-Llama-3.1"})
		if err != nil {
			t.Fatal(err)
		}
		if l.GetTitle() != "Llama 3.1 Community License Agreement" || !l.GetModelled() || len(l.GetSources()) == 0 ||
			l.GetReferenceUrl() != "https://github.com/meta-llama/llama-models/blob/main/models/llama3_1/LICENSE" {
			t.Errorf("GetLicence(LicenseRef-Llama-3.1) = %v", l)
		}
		r, err := client.CheckCompatibility(ctx, &licencesv1.CheckCompatibilityRequest{Inbound: "LicenseRef-Llama-3.1", Outbound: "Apache-2.0"})
		if err != nil || r.GetVerdict() != licencesv1.Verdict_VERDICT_INCOMPATIBLE || r.GetReasons()[0].GetRule() != "model-agreement-travels" {
			t.Errorf("Llama 3.1 fine-tune under Apache-2.0: %v, %v", r, err)
		}
		r, err = client.CheckCompatibility(ctx, &licencesv1.CheckCompatibilityRequest{Inbound: "LicenseRef-Llama-3.1", Outbound: "LicenseRef-Llama-3.1"})
		if err != nil || r.GetVerdict() != licencesv1.Verdict_VERDICT_CONDITIONAL || len(r.GetConditions()) < 5 {
			t.Errorf("Llama 3.1 fine-tune under its licence: %v, %v", r, err)
		}
	})

	t.Run("filter by category and flags", func(t *testing.T) {
		resp, err := client.ListLicences(ctx, &licencesv1.ListLicencesRequest{
			Filter: "category = NETWORK_COPYLEFT AND osi_approved = true", PageSize: 100,
		})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, l := range resp.GetLicences() {
			ids = append(ids, l.GetLicenceId())
			if l.GetCategory() != licencesv1.Category_CATEGORY_NETWORK_COPYLEFT || !l.GetOsiApproved() {
				t.Errorf("%s does not match the filter", l.GetLicenceId())
			}
		}
		if !slices.Contains(ids, "AGPL-3.0-only") {
			t.Errorf("network copyleft, OSI-approved = %v; want AGPL-3.0-only among them", ids)
		}
		_, err = client.ListLicences(ctx, &licencesv1.ListLicencesRequest{Filter: "category = VIRAL"})
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("unknown category: %v", err)
		}
	})

	t.Run("exception", func(t *testing.T) {
		e, err := client.GetException(ctx, &licencesv1.GetExceptionRequest{Name: "exceptions/Classpath-exception-2.0"})
		if err != nil || !e.GetModelled() || e.GetEffect() == "" {
			t.Errorf("GetException(Classpath) = %v, %v", e, err)
		}
	})

	t.Run("parse", func(t *testing.T) {
		p, err := client.ParseExpression(ctx, &licencesv1.ParseExpressionRequest{Expression: "mit or (gpl-2.0+ and Apache-2.0 WITH LLVM-exception)"})
		if err != nil {
			t.Fatal(err)
		}
		if p.GetCanonical() != "MIT OR GPL-2.0-or-later AND Apache-2.0 WITH LLVM-exception" {
			t.Errorf("canonical = %q", p.GetCanonical())
		}
		if !slices.Equal(p.GetLicenceIds(), []string{"Apache-2.0", "GPL-2.0-or-later", "MIT"}) || !slices.Equal(p.GetExceptionIds(), []string{"LLVM-exception"}) {
			t.Errorf("ids = %v, %v", p.GetLicenceIds(), p.GetExceptionIds())
		}
		if p.GetTree().GetKind() != licencesv1.ExpressionNode_KIND_OR || len(p.GetTree().GetOperands()) != 2 ||
			p.GetTree().GetOperands()[1].GetKind() != licencesv1.ExpressionNode_KIND_AND {
			t.Errorf("tree = %v", p.GetTree())
		}
		if len(p.GetWarnings()) == 0 {
			t.Error("no warning for the deprecated GPL-2.0+")
		}
	})

	t.Run("parse errors name the token and position", func(t *testing.T) {
		_, err := client.ParseExpression(ctx, &licencesv1.ParseExpressionRequest{Expression: "MIT AND Foo-1.0"})
		st := status.Convert(err)
		if st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), `"Foo-1.0" at position 8`) {
			t.Fatalf("error = %v", err)
		}
		var info *errdetails.ErrorInfo
		for _, d := range st.Details() {
			if x, ok := d.(*errdetails.ErrorInfo); ok {
				info = x
			}
		}
		if info == nil || info.GetMetadata()["position"] != "8" || info.GetMetadata()["token"] != "Foo-1.0" {
			t.Errorf("ErrorInfo = %v", info)
		}
	})

	t.Run("checks", func(t *testing.T) {
		tests := []struct {
			in, out string
			use     licencesv1.Use
			want    licencesv1.Verdict
			choice  string
		}{
			{"MIT", "GPL-2.0-only", 0, licencesv1.Verdict_VERDICT_COMPATIBLE, ""},
			{"GPL-2.0-only", "MIT", 0, licencesv1.Verdict_VERDICT_INCOMPATIBLE, ""},
			{"GPL-2.0-or-later", "GPL-3.0-only", licencesv1.Use_USE_INCORPORATE, licencesv1.Verdict_VERDICT_COMPATIBLE, ""},
			{"GPL-2.0-only", "GPL-3.0-only", licencesv1.Use_USE_LINK_DYNAMIC, licencesv1.Verdict_VERDICT_INCOMPATIBLE, ""},
			{"GPL-2.0-only WITH Classpath-exception-2.0", "Apache-2.0", licencesv1.Use_USE_LINK_STATIC, licencesv1.Verdict_VERDICT_COMPATIBLE, ""},
			{"LGPL-2.1-only", "Apache-2.0", licencesv1.Use_USE_LINK_DYNAMIC, licencesv1.Verdict_VERDICT_COMPATIBLE, ""},
			{"LGPL-2.1-only", "Apache-2.0", licencesv1.Use_USE_LINK_STATIC, licencesv1.Verdict_VERDICT_CONDITIONAL, ""},
			{"AGPL-3.0-only", "MIT", licencesv1.Use_USE_NETWORK_SERVICE, licencesv1.Verdict_VERDICT_CONDITIONAL, ""},
			{"GPL-3.0-only", "MIT", licencesv1.Use_USE_AGGREGATE, licencesv1.Verdict_VERDICT_COMPATIBLE, ""},
			{"CC-BY-SA-4.0", "GPL-3.0-only", 0, licencesv1.Verdict_VERDICT_COMPATIBLE, ""},
			{"GPL-3.0-only", "CC-BY-SA-4.0", 0, licencesv1.Verdict_VERDICT_INCOMPATIBLE, ""},
			{"CC-BY-ND-4.0", "CC-BY-4.0", 0, licencesv1.Verdict_VERDICT_INCOMPATIBLE, ""},
			{"GPL-2.0-only OR MIT", "Apache-2.0", 0, licencesv1.Verdict_VERDICT_COMPATIBLE, "MIT"},
			{"MIT", "MIT OR GPL-2.0-only", 0, licencesv1.Verdict_VERDICT_COMPATIBLE, ""},
			{"Apache-2.0", "MIT OR GPL-2.0-only", 0, licencesv1.Verdict_VERDICT_INCOMPATIBLE, ""},
			{"LicenseRef-mine", "MIT", 0, licencesv1.Verdict_VERDICT_UNKNOWN, ""},
			{"CC-BY-NC-4.0", "MIT", licencesv1.Use_USE_TRAINING, licencesv1.Verdict_VERDICT_CONDITIONAL, ""},
		}
		for _, tt := range tests {
			r, err := client.CheckCompatibility(ctx, &licencesv1.CheckCompatibilityRequest{Inbound: tt.in, Outbound: tt.out, Use: tt.use})
			if err != nil {
				t.Errorf("%s -> %s: %v", tt.in, tt.out, err)
				continue
			}
			if r.GetVerdict() != tt.want || r.GetInboundChoice() != tt.choice {
				t.Errorf("%s -> %s (%v) = %v choice %q; want %v choice %q", tt.in, tt.out, tt.use, r.GetVerdict(), r.GetInboundChoice(), tt.want, tt.choice)
			}
			if len(r.GetReasons()) == 0 || r.GetReasons()[0].GetRule() == "" || len(r.GetReasons()[0].GetSources()) == 0 {
				t.Errorf("%s -> %s: reasons %v; every verdict carries a rule and its sources", tt.in, tt.out, r.GetReasons())
			}
			if r.GetVerdict() == licencesv1.Verdict_VERDICT_CONDITIONAL && len(r.GetConditions()) == 0 {
				t.Errorf("%s -> %s: CONDITIONAL without conditions", tt.in, tt.out)
			}
			if tt.use == 0 && r.GetUse() != licencesv1.Use_USE_INCORPORATE {
				t.Errorf("%s -> %s: use %v; an unset use is USE_INCORPORATE", tt.in, tt.out, r.GetUse())
			}
		}
	})

	t.Run("check over REST has DESIGN's shape", func(t *testing.T) {
		resp, err := http.Post(base+"/v1/compatibility:check", "application/json",
			strings.NewReader(`{"inbound":"GPL-2.0-only","outbound":"MIT","use":"USE_INCORPORATE"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Verdict string
			Reasons []struct{ Rule, Message string }
		}
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &body); err != nil || resp.StatusCode != 200 || body.Verdict != "VERDICT_INCOMPATIBLE" || len(body.Reasons) == 0 {
			t.Fatalf("POST /v1/compatibility:check = %d %s", resp.StatusCode, b)
		}
		for _, bad := range []string{
			`{"inbound":"MIT","outbound":"MIT","use":"USE_TELEPATHY"}`,
			`{"inbound":"MIT"}`,
			`{"inbound":"MIT AND","outbound":"MIT"}`,
			`{"inbound":"MIT","outbound":"MIT","licence":"x"}`,
			`{"inbound":42,"outbound":"MIT"}`,
		} {
			resp, err := http.Post(base+"/v1/compatibility:check", "application/json", strings.NewReader(bad))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 400 || !bytes.Contains(b, []byte(`"code":3`)) {
				t.Errorf("%s = %d %s; want 400 INVALID_ARGUMENT", bad, resp.StatusCode, b)
			}
		}
	})

	t.Run("batch", func(t *testing.T) {
		r, err := client.BatchCheckCompatibility(ctx, &licencesv1.BatchCheckCompatibilityRequest{Checks: []*licencesv1.CheckCompatibilityRequest{
			{Inbound: "MIT", Outbound: "GPL-3.0-only"},
			{Inbound: "GPL-3.0-only", Outbound: "MIT"},
		}})
		if err != nil || len(r.GetResults()) != 2 ||
			r.GetResults()[0].GetVerdict() != licencesv1.Verdict_VERDICT_COMPATIBLE ||
			r.GetResults()[1].GetVerdict() != licencesv1.Verdict_VERDICT_INCOMPATIBLE {
			t.Fatalf("batch = %v, %v", r, err)
		}
		_, err = client.BatchCheckCompatibility(ctx, &licencesv1.BatchCheckCompatibilityRequest{Checks: []*licencesv1.CheckCompatibilityRequest{
			{Inbound: "MIT", Outbound: "MIT"}, {Inbound: "MIT", Outbound: "Nope", Strict: true},
		}})
		if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "checks[1].outbound") {
			t.Errorf("bad batch: %v; want INVALID_ARGUMENT naming checks[1].outbound", err)
		}
	})

	// An identifier off the SPDX list is one unknown leaf, not a refused
	// question: an OR whose other branch settles it still does, and strict
	// brings back the refusal.
	t.Run("unlisted identifiers", func(t *testing.T) {
		r, err := client.CheckCompatibility(ctx, &licencesv1.CheckCompatibilityRequest{Inbound: "NONESUCH OR X11", Outbound: "MIT"})
		if err != nil || r.GetVerdict() != licencesv1.Verdict_VERDICT_COMPATIBLE || r.GetInboundChoice() != "X11" {
			t.Fatalf("NONESUCH OR X11 into MIT = %v, %v; want COMPATIBLE choosing X11", r, err)
		}
		if !slices.ContainsFunc(r.GetWarnings(), func(w string) bool { return strings.Contains(w, `"NONESUCH" is not on the SPDX licence list`) }) {
			t.Errorf("no warning names NONESUCH: %q", r.GetWarnings())
		}
		r, err = client.CheckCompatibility(ctx, &licencesv1.CheckCompatibilityRequest{Inbound: "NONESUCH", Outbound: "MIT"})
		if err != nil || r.GetVerdict() != licencesv1.Verdict_VERDICT_UNKNOWN || len(r.GetReasons()) == 0 ||
			!strings.Contains(r.GetReasons()[0].GetMessage(), "NONESUCH") {
			t.Fatalf("NONESUCH into MIT = %v, %v; want UNKNOWN, saying why", r, err)
		}
		r, err = client.CheckCompatibility(ctx, &licencesv1.CheckCompatibilityRequest{Inbound: "MIT WITH Nonesuch-exception", Outbound: "MIT"})
		if err != nil || r.GetVerdict() != licencesv1.Verdict_VERDICT_UNKNOWN {
			t.Fatalf("MIT WITH an unlisted exception into MIT = %v, %v; want UNKNOWN", r, err)
		}
		_, err = client.CheckCompatibility(ctx, &licencesv1.CheckCompatibilityRequest{Inbound: "NONESUCH OR X11", Outbound: "MIT", Strict: true})
		if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "inbound") {
			t.Errorf("strict check naming NONESUCH: %v; want INVALID_ARGUMENT naming inbound", err)
		}
		resp, err := http.Post(base+"/v1/compatibility:check", "application/json",
			strings.NewReader(`{"inbound":"NONESUCH","outbound":"MIT","strict":true}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("strict check over REST = %d; want 400", resp.StatusCode)
		}
		sg, err := client.SuggestOutbound(ctx, &licencesv1.SuggestOutboundRequest{Inbound: []string{"MIT", "NONESUCH"}})
		if err != nil || !slices.Contains(sg.GetBlocking(), "NONESUCH") {
			t.Errorf("suggest with NONESUCH = %v, %v; want it blocking", sg, err)
		}
		if _, err := client.SuggestOutbound(ctx, &licencesv1.SuggestOutboundRequest{Inbound: []string{"NONESUCH"}, Strict: true}); status.Code(err) != codes.InvalidArgument {
			t.Errorf("strict suggest with NONESUCH: %v; want INVALID_ARGUMENT", err)
		}
		if _, err := client.ParseExpression(ctx, &licencesv1.ParseExpressionRequest{Expression: "NONESUCH"}); status.Code(err) != codes.InvalidArgument {
			t.Errorf("ParseExpression(NONESUCH): %v; parsing stays strict", err)
		}
	})

	t.Run("suggest", func(t *testing.T) {
		r, err := client.SuggestOutbound(ctx, &licencesv1.SuggestOutboundRequest{Inbound: []string{"MIT", "Apache-2.0", "LGPL-2.1-or-later"}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range r.GetSuggestions() {
			got = append(got, s.GetLicence())
			if len(s.GetReasons()) == 0 {
				t.Errorf("suggestion %s has no reasons", s.GetLicence())
			}
		}
		if !slices.Contains(got, "GPL-3.0-only") || slices.Contains(got, "GPL-2.0-only") || slices.Contains(got, "MIT") {
			t.Errorf("suggestions for MIT + Apache-2.0 + LGPL-2.1-or-later = %v; want GPL-3.0 among them, not GPL-2.0-only or MIT", got)
		}
		for i := 1; i < len(r.GetSuggestions()); i++ {
			if r.GetSuggestions()[i].GetCategory() < r.GetSuggestions()[i-1].GetCategory() {
				t.Fatalf("suggestions not ranked most permissive first: %v then %v", got[i-1], got[i])
			}
		}
		r, err = client.SuggestOutbound(ctx, &licencesv1.SuggestOutboundRequest{Inbound: []string{"GPL-2.0-only", "Apache-2.0"}})
		if err != nil || len(r.GetSuggestions()) != 0 {
			t.Errorf("GPL-2.0-only + Apache-2.0: %v, %v; want no licence at all", r.GetSuggestions(), err)
		}
	})
}

// Every answer that depends on the rules says which rules gave it, over
// gRPC (metadata) and REST (a header), so that clients caching answers
// can key them by it.
func TestRulesVersionHeader(t *testing.T) {
	client, base := start(t)
	want := testEngine(t).RulesVersion()
	var md metadata.MD
	if _, err := client.CheckCompatibility(context.Background(), &licencesv1.CheckCompatibilityRequest{Inbound: "MIT", Outbound: "GPL-3.0-only"}, grpc.Header(&md)); err != nil {
		t.Fatal(err)
	}
	if got := md.Get(licenceservice.RulesVersionHeader); len(got) != 1 || got[0] != want {
		t.Errorf("gRPC %s = %v; want %q", licenceservice.RulesVersionHeader, got, want)
	}
	md = nil
	if _, err := client.ListLicences(context.Background(), &licencesv1.ListLicencesRequest{PageSize: 1}, grpc.Header(&md)); err != nil {
		t.Fatal(err)
	}
	if got := md.Get(licenceservice.RulesVersionHeader); len(got) != 1 || got[0] != want {
		t.Errorf("ListLicences: gRPC %s = %v; want %q", licenceservice.RulesVersionHeader, got, want)
	}
	resp, err := http.Post(base+"/v1/compatibility:check", "application/json", strings.NewReader(`{"inbound":"MIT","outbound":"Apache-2.0"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Grpc-Metadata-Stemma-Rules-Version"); got != want {
		t.Errorf("REST Grpc-Metadata-Stemma-Rules-Version = %q; want %q", got, want)
	}
}

func testEngine(t *testing.T) *compat.Engine {
	t.Helper()
	e, err := compat.New(spdx.Default())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

package licenceservice_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// fieldViolation returns the field the error's BadRequest detail names.
func fieldViolation(err error) string {
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 {
			return br.GetFieldViolations()[0].GetField()
		}
	}
	return ""
}

func TestIdentifyLicence(t *testing.T) {
	cfg := apptest.Config(t)
	// A small batch bound, so that the test of the bound sends a few
	// requests rather than a thousand.
	cfg.MaxBatchSize = 4
	inst := apptest.Start(t, cfg)
	client := licencesv1.NewLicenceServiceClient(inst.Conn(t))
	ctx := context.Background()
	const (
		spdxID = licencesv1.IdentifyMethod_IDENTIFY_METHOD_SPDX_ID
		expr   = licencesv1.IdentifyMethod_IDENTIFY_METHOD_EXPRESSION
		name   = licencesv1.IdentifyMethod_IDENTIFY_METHOD_NAME
		alias  = licencesv1.IdentifyMethod_IDENTIFY_METHOD_ALIAS
		url    = licencesv1.IdentifyMethod_IDENTIFY_METHOD_URL
		text   = licencesv1.IdentifyMethod_IDENTIFY_METHOD_TEXT
		none   = licencesv1.IdentifyMethod_IDENTIFY_METHOD_NONE
	)

	t.Run("names and URLs", func(t *testing.T) {
		tests := []struct {
			req      *licencesv1.IdentifyLicenceRequest
			want     string
			method   licencesv1.IdentifyMethod
			alt      string // an alternative the answer must offer
			warnings bool
		}{
			{&licencesv1.IdentifyLicenceRequest{Name: "mit"}, "MIT", spdxID, "", false},
			{&licencesv1.IdentifyLicenceRequest{Name: "GPL-2.0+"}, "GPL-2.0-or-later", spdxID, "", true},
			{&licencesv1.IdentifyLicenceRequest{Name: "mit or apache-2.0"}, "MIT OR Apache-2.0", expr, "", false},
			{&licencesv1.IdentifyLicenceRequest{Name: "GNU General Public License v3.0 only"}, "GPL-3.0-only", name, "", false},
			{&licencesv1.IdentifyLicenceRequest{Name: "GPLv3"}, "GPL-3.0-only", alias, "", false},
			{&licencesv1.IdentifyLicenceRequest{Name: "BSD"}, "BSD-3-Clause", alias, "BSD-2-Clause", true},
			{&licencesv1.IdentifyLicenceRequest{Url: "https://www.apache.org/licenses/LICENSE-2.0"}, "Apache-2.0", url, "", false},
			{&licencesv1.IdentifyLicenceRequest{Url: "https://www.gnu.org/licenses/gpl-3.0-standalone.html"}, "GPL-3.0-only", url, "GPL-3.0-or-later", false},
			{&licencesv1.IdentifyLicenceRequest{Name: "  Some Licence Nobody Wrote  "}, "", none, "", false},
			{&licencesv1.IdentifyLicenceRequest{Url: "https://example.com/LICENSE"}, "", none, "", false},
		}
		for _, tt := range tests {
			r, err := client.IdentifyLicence(ctx, tt.req)
			if err != nil {
				t.Errorf("IdentifyLicence(%v): %v", tt.req, err)
				continue
			}
			if r.GetExpression() != tt.want || r.GetMethod() != tt.method {
				t.Errorf("IdentifyLicence(%v) = %q by %v; want %q by %v", tt.req, r.GetExpression(), r.GetMethod(), tt.want, tt.method)
			}
			if tt.alt != "" && !slices.Contains(r.GetAlternatives(), tt.alt) {
				t.Errorf("IdentifyLicence(%v): alternatives %v; want %s among them", tt.req, r.GetAlternatives(), tt.alt)
			}
			if tt.warnings != (len(r.GetWarnings()) > 0) {
				t.Errorf("IdentifyLicence(%v): warnings %q; want some: %v", tt.req, r.GetWarnings(), tt.warnings)
			}
		}
	})

	// The repository's own LICENSE is the Apache-2.0 text with its
	// appendix; a design document is prose about licences, not one.
	apache, err := os.ReadFile("../../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	prose, err := os.ReadFile("../../../docs/licences.md")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("texts", func(t *testing.T) {
		r, err := client.IdentifyLicence(ctx, &licencesv1.IdentifyLicenceRequest{Text: string(apache)})
		if err != nil || r.GetExpression() != "Apache-2.0" || r.GetMethod() != text || r.GetConfidence() < 0.9 || r.GetConfidence() > 1 {
			t.Errorf("IdentifyLicence(LICENSE) = %v, %v; want Apache-2.0 by text, confidence at least 0.9", r, err)
		}
		r, err = client.IdentifyLicence(ctx, &licencesv1.IdentifyLicenceRequest{Text: string(prose)})
		if err != nil || r.GetExpression() != "" || r.GetMethod() != none || r.GetConfidence() >= 0.8 {
			t.Errorf("IdentifyLicence(docs/licences.md) = %v, %v; want none, confidence below 0.8", r.GetMethod(), err)
		}
		r, err = client.IdentifyLicence(ctx, &licencesv1.IdentifyLicenceRequest{Name: "MIT"})
		if err != nil || r.GetConfidence() != 1 {
			t.Errorf("IdentifyLicence(name MIT) = %v, %v; an exact lookup is confidence 1", r, err)
		}
	})

	t.Run("exactly one input", func(t *testing.T) {
		long := strings.Repeat("x", 1025)
		tests := []struct {
			req   *licencesv1.IdentifyLicenceRequest
			field string
		}{
			{&licencesv1.IdentifyLicenceRequest{}, "text"},
			{&licencesv1.IdentifyLicenceRequest{Name: " \t"}, "text"},
			{&licencesv1.IdentifyLicenceRequest{Name: "MIT", Url: "https://opensource.org/licenses/MIT"}, "url"},
			{&licencesv1.IdentifyLicenceRequest{Text: "MIT License", Name: "MIT"}, "name"},
			{&licencesv1.IdentifyLicenceRequest{Name: long}, "name"},
			{&licencesv1.IdentifyLicenceRequest{Url: "https://" + long}, "url"},
			{&licencesv1.IdentifyLicenceRequest{Text: strings.Repeat("Permission is hereby granted. ", 9000)}, "text"},
		}
		for _, tt := range tests {
			_, err := client.IdentifyLicence(ctx, tt.req)
			if status.Code(err) != codes.InvalidArgument || fieldViolation(err) != tt.field {
				t.Errorf("IdentifyLicence(%.60v) = %v (field %q); want INVALID_ARGUMENT on %s", tt.req, err, fieldViolation(err), tt.field)
			}
		}
	})

	t.Run("batch", func(t *testing.T) {
		r, err := client.BatchIdentifyLicences(ctx, &licencesv1.BatchIdentifyLicencesRequest{Requests: []*licencesv1.IdentifyLicenceRequest{
			{Name: "GPLv2"}, {Name: "nothing at all"}, {Url: "https://opensource.org/licenses/MIT"}, {Text: string(apache)},
		}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range r.GetResponses() {
			got = append(got, a.GetExpression()+"/"+a.GetMethod().String())
		}
		want := []string{"GPL-2.0-only/IDENTIFY_METHOD_ALIAS", "/IDENTIFY_METHOD_NONE", "MIT/IDENTIFY_METHOD_URL", "Apache-2.0/IDENTIFY_METHOD_TEXT"}
		if !slices.Equal(got, want) {
			t.Errorf("batch = %v; want %v, in the order asked", got, want)
		}
		_, err = client.BatchIdentifyLicences(ctx, &licencesv1.BatchIdentifyLicencesRequest{Requests: []*licencesv1.IdentifyLicenceRequest{
			{Name: "MIT"}, {Name: "MIT", Url: "https://opensource.org/licenses/MIT"},
		}})
		if status.Code(err) != codes.InvalidArgument || fieldViolation(err) != "requests[1].url" {
			t.Errorf("bad batch: %v; want INVALID_ARGUMENT naming requests[1].url", err)
		}
		for _, n := range []int{0, 5} {
			reqs := make([]*licencesv1.IdentifyLicenceRequest, n)
			for i := range reqs {
				reqs[i] = &licencesv1.IdentifyLicenceRequest{Name: "MIT"}
			}
			_, err = client.BatchIdentifyLicences(ctx, &licencesv1.BatchIdentifyLicencesRequest{Requests: reqs})
			if status.Code(err) != codes.InvalidArgument || fieldViolation(err) != "requests" {
				t.Errorf("batch of %d with a bound of 4: %v; want INVALID_ARGUMENT on requests", n, err)
			}
		}
	})

	t.Run("REST", func(t *testing.T) {
		code, b := inst.Do(t, "POST", "/v1/licences:identify", "", `{"name":"BSD"}`)
		var body struct {
			Expression   string   `json:"expression"`
			Method       string   `json:"method"`
			Alternatives []string `json:"alternatives"`
			Warnings     []string `json:"warnings"`
		}
		if err := json.Unmarshal(b, &body); err != nil || code != 200 || body.Expression != "BSD-3-Clause" ||
			body.Method != "IDENTIFY_METHOD_ALIAS" || !slices.Contains(body.Alternatives, "BSD-2-Clause") || len(body.Warnings) == 0 {
			t.Errorf("POST /v1/licences:identify = %d %s", code, b)
		}
		code, b = inst.Do(t, "POST", "/v1/licences:batchIdentify", "", `{"requests":[{"url":"https://www.apache.org/licenses/LICENSE-2.0"},{"name":"GPLv3+"}]}`)
		var batch struct {
			Responses []struct{ Expression string } `json:"responses"`
		}
		if err := json.Unmarshal(b, &batch); err != nil || code != 200 || len(batch.Responses) != 2 ||
			batch.Responses[0].Expression != "Apache-2.0" || batch.Responses[1].Expression != "GPL-3.0-or-later" {
			t.Errorf("POST /v1/licences:batchIdentify = %d %s", code, b)
		}
		textBody, _ := json.Marshal(map[string]string{"text": string(apache)})
		code, b = inst.Do(t, "POST", "/v1/licences:identify", "", string(textBody))
		var byText struct {
			Expression string  `json:"expression"`
			Method     string  `json:"method"`
			Confidence float64 `json:"confidence"`
		}
		if err := json.Unmarshal(b, &byText); err != nil || code != 200 || byText.Expression != "Apache-2.0" ||
			byText.Method != "IDENTIFY_METHOD_TEXT" || byText.Confidence < 0.9 {
			t.Errorf("POST /v1/licences:identify with LICENSE = %d %s", code, b)
		}
		for _, bad := range []string{`{}`, `{"name":"MIT","url":"https://x"}`, `{"name":42}`, `{"licence":"MIT"}`} {
			code, b := inst.Do(t, "POST", "/v1/licences:identify", "", bad)
			if code != 400 || !strings.Contains(string(b), `"code":3`) {
				t.Errorf("POST /v1/licences:identify %s = %d %s; want 400 INVALID_ARGUMENT", bad, code, b)
			}
		}
	})
}

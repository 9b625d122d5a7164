package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stemma-registry/stemma/proto/httprule"
	"github.com/stemma-registry/stemma/proto/openapi/openapi31"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
)

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// Every part boots on its own, finding the parts it calls by address, and
// reports healthy: the microservices mode of the one binary.
func TestEveryTargetBootsAlone(t *testing.T) {
	backend := apptest.Start(t, apptest.Config(t, config.PartLicences, config.PartCatalog, config.PartLineage))
	for _, p := range app.Parts() {
		part := p.Name
		t.Run(part, func(t *testing.T) {
			cfg := apptest.Config(t, part)
			cfg.LicencesAddr = backend.InternalGRPCAddr()
			cfg.CatalogAddr = backend.InternalGRPCAddr()
			cfg.LineageAddr = backend.InternalGRPCAddr()
			inst := apptest.Start(t, cfg)
			code, body := get(t, inst.BaseURL()+"/healthz")
			if code != http.StatusOK {
				t.Fatalf("/healthz = %d %s", code, body)
			}
			if part == config.PartGateway {
				if code, body := get(t, inst.BaseURL()+"/v1/licences/MIT"); code != http.StatusOK || !bytes.Contains(body, []byte(`"licenceId":"MIT"`)) {
					t.Fatalf("GET /v1/licences/MIT through a separate gateway = %d %s", code, body)
				}
				return
			}
			resp, err := healthpb.NewHealthClient(inst.Conn(t)).Check(context.Background(),
				&healthpb.HealthCheckRequest{Service: app.ServiceOf(part)})
			if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				t.Fatalf("gRPC health of %s = %v, %v", part, resp, err)
			}
		})
	}
}

// The thread through everything: one process, the licence list over gRPC
// and REST, health, metrics and the OpenAPI document.
func TestAllInOne(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	base := inst.BaseURL()

	t.Run("licence over REST", func(t *testing.T) {
		code, body := get(t, base+"/v1/licences/mit")
		var l struct {
			Name, LicenceID string
			OsiApproved     bool
		}
		if err := json.Unmarshal(body, &l); err != nil || code != 200 || l.Name != "licences/MIT" || !l.OsiApproved {
			t.Fatalf("GET /v1/licences/mit = %d %s", code, body)
		}
	})
	t.Run("licence over gRPC", func(t *testing.T) {
		l, err := licencesv1.NewLicenceServiceClient(inst.Conn(t)).GetLicence(context.Background(),
			&licencesv1.GetLicenceRequest{Name: "licences/GPL-2.0"})
		if err != nil || !l.GetDeprecated() || l.GetReplacedBy() != "GPL-2.0-only" {
			t.Fatalf("GetLicence(GPL-2.0) = %v, %v", l, err)
		}
	})
	t.Run("list pages through all licences", func(t *testing.T) {
		seen := 0
		token := ""
		for pages := 0; ; pages++ {
			code, body := get(t, base+"/v1/licences?pageSize=200&pageToken="+token)
			var resp struct {
				Licences      []json.RawMessage
				NextPageToken string
				TotalSize     int
			}
			if err := json.Unmarshal(body, &resp); err != nil || code != 200 {
				t.Fatalf("list = %d %s", code, body)
			}
			seen += len(resp.Licences)
			if resp.NextPageToken == "" {
				if seen != 729 || resp.TotalSize != 729 {
					t.Fatalf("paged through %d licences (total %d); want 729", seen, resp.TotalSize)
				}
				return
			}
			token = resp.NextPageToken
			if pages > 10 {
				t.Fatal("paging does not end")
			}
		}
	})
	t.Run("errors carry code, message and details", func(t *testing.T) {
		tests := []struct {
			method, path, body string
			status             int
			code               codes.Code
		}{
			{"GET", "/v1/licences/No-Such-Licence", "", 404, codes.NotFound},
			{"GET", "/v1/licences/a%2F..%2Fb", "", 404, codes.NotFound},
			{"GET", "/v1/licences/MIT%27%20OR%201=1", "", 400, codes.InvalidArgument},
			{"GET", "/v1/licences?pageSize=-5", "", 400, codes.InvalidArgument},
			{"GET", "/v1/licences?filter=colour%3Dred", "", 400, codes.InvalidArgument},
			{"GET", "/v1/licences?pageToken=forged", "", 400, codes.InvalidArgument},
			{"POST", "/v1/works", `{"title":"x"}`, 401, codes.Unauthenticated},
			{"POST", "/v1/works", `{"title":`, 400, codes.InvalidArgument},
			{"GET", "/v1/nowhere", "", 404, codes.NotFound},
			{"PUT", "/v1/licences/MIT", "{}", 405, codes.Unimplemented},
			{"POST", "/v1/compatibility:check", strings.Repeat("x", 5<<20), 413, codes.InvalidArgument},
		}
		for _, tt := range tests {
			req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var st struct {
				Code    int
				Message string
				Details []json.RawMessage
			}
			if err := json.Unmarshal(b, &st); err != nil {
				t.Errorf("%s %s: body %q is not a JSON status", tt.method, tt.path, b)
				continue
			}
			if resp.StatusCode != tt.status || codes.Code(st.Code) != tt.code || st.Message == "" || st.Details == nil {
				t.Errorf("%s %s = %d %s; want %d with code %v", tt.method, tt.path, resp.StatusCode, b, tt.status, tt.code)
			}
		}
	})
	t.Run("gRPC errors", func(t *testing.T) {
		_, err := licencesv1.NewLicenceServiceClient(inst.Conn(t)).GetLicence(context.Background(),
			&licencesv1.GetLicenceRequest{Name: "works/x"})
		if status.Code(err) != codes.InvalidArgument {
			t.Fatalf("GetLicence(works/x): %v; want INVALID_ARGUMENT", err)
		}
	})
	t.Run("metrics count RPCs", func(t *testing.T) {
		_, body := get(t, base+"/metrics")
		for _, want := range []string{
			`grpc_server_handled_total{grpc_code="OK",grpc_method="GetLicence",grpc_service="stemma.licences.v1.LicenceService",grpc_type="unary"}`,
			`grpc_server_handling_seconds_bucket{grpc_method="GetLicence"`,
			`stemma_http_requests_total{code="200",method="get"}`,
		} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
	t.Run("healthz", func(t *testing.T) {
		code, body := get(t, base+"/healthz")
		if code != 200 || !bytes.Contains(body, []byte(`"status":"SERVING"`)) {
			t.Fatalf("/healthz = %d %s", code, body)
		}
	})
}

// The gateway serves the OpenAPI 3.1 document at /openapi.json and its
// Swagger 2.0 form at /openapi-v2.json. Each lists every route of every
// RPC, with the HTTP method the proto gives it, and every operation's
// errors as google.rpc.Status.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	for _, d := range []struct{ path, version, status string }{
		{"/openapi.json", openapi31.Version, "#/components/schemas/rpcStatus"},
		{"/openapi-v2.json", "2.0", "#/definitions/rpcStatus"},
	} {
		t.Run(d.path, func(t *testing.T) {
			code, body := get(t, inst.BaseURL()+d.path)
			var doc struct {
				Swagger, OpenAPI string
				Paths            map[string]map[string]struct {
					Responses map[string]json.RawMessage
				}
			}
			if err := json.Unmarshal(body, &doc); err != nil || code != 200 || doc.Swagger+doc.OpenAPI != d.version {
				t.Fatalf("%s = %d, version %q%q, %v; want %s", d.path, code, doc.Swagger, doc.OpenAPI, err, d.version)
			}
			for _, sd := range app.Services() {
				for i := 0; i < sd.Methods().Len(); i++ {
					md := sd.Methods().Get(i)
					method, path := httpRule(t, md)
					if d.version == openapi31.Version {
						path, _ = openapi31.SingularPath(path)
					}
					op, ok := doc.Paths[path][strings.ToLower(method)]
					if !ok {
						t.Errorf("%s: %s %s missing from the document", md.FullName(), method, path)
						continue
					}
					if !bytes.Contains(op.Responses["default"], []byte(`"`+d.status+`"`)) {
						t.Errorf("%s: %s %s: default response %s; want %s", md.FullName(), method, path, op.Responses["default"], d.status)
					}
				}
			}
		})
	}
}

func httpRule(t *testing.T, md protoreflect.MethodDescriptor) (method, path string) {
	b, ok := httprule.Of(md)
	if !ok {
		t.Fatalf("%s: no HTTP rule", md.FullName())
	}
	return b.Method, openapiPath(b.Path)
}

// openapiPath returns the path protoc-gen-openapiv2 writes for an HTTP rule's
// template with expand_slashed_path_patterns: {name=works/*/liens/*} becomes
// works/{work}/liens/{lien}, each wildcard named after the collection before it.
func openapiPath(template string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(template, '{')
		if open < 0 {
			b.WriteString(template)
			return b.String()
		}
		b.WriteString(template[:open])
		end := strings.IndexByte(template[open:], '}') + open
		_, pattern, _ := strings.Cut(template[open+1:end], "=")
		segs := strings.Split(pattern, "/")
		for i, s := range segs {
			if s == "*" && i > 0 {
				segs[i] = "{" + strings.TrimSuffix(segs[i-1], "s") + "}"
			}
		}
		b.WriteString(strings.Join(segs, "/"))
		template = template[end+1:]
	}
}

// A stop with nothing in flight is quick and clean.
func TestStopIsQuickWhenIdle(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	start := time.Now()
	if err := inst.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("idle stop took %v; want under a second", d)
	}
}

// docs/api.md lists every RPC, so the reference a newcomer reads is whole.
func TestAPIDocListsEveryRPC(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, sd := range app.Services() {
		for i := 0; i < sd.Methods().Len(); i++ {
			want := string(sd.Name()) + "/" + string(sd.Methods().Get(i).Name())
			if !bytes.Contains(doc, []byte(want)) {
				t.Errorf("docs/api.md does not mention %s", want)
			}
		}
	}
}

func newRequest(method, url, key string) (*http.Request, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return req, nil
}

// The table of parts is in start order: a part calls only parts started
// before it, and every part it calls serves gRPC.
func TestPartTableInStartOrder(t *testing.T) {
	started := map[string]bool{}
	grpc := map[string]bool{}
	for _, p := range app.Parts() {
		for _, dep := range p.Needs {
			if !started[dep] || !grpc[dep] {
				t.Errorf("%s calls %s, which is not a gRPC part started before it", p.Name, dep)
			}
		}
		started[p.Name], grpc[p.Name] = true, p.GRPC
	}
	if len(started) == 0 {
		t.Fatal("no parts")
	}
}

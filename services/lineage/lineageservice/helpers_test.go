package lineageservice_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/internal/testenv"
	"github.com/stemma-registry/stemma/services/lineage/internal/lineagetest"
)

// suite is a running instance with gRPC clients of its services.
type suite struct {
	*apptest.Instance
	lineage lineagev1.LineageServiceClient
	catalog catalogv1.CatalogServiceClient
}

func start(t *testing.T, cfg config.Config) *suite {
	t.Helper()
	inst := apptest.Start(t, cfg)
	conn := inst.Conn(t)
	return &suite{Instance: inst, lineage: lineagev1.NewLineageServiceClient(conn), catalog: catalogv1.NewCatalogServiceClient(conn)}
}

// withRedis returns cfg caching, and publishing watch events, in a Redis
// key space of the test's own.
func withRedis(t *testing.T, cfg config.Config) config.Config {
	t.Helper()
	cfg.RedisURL, cfg.RedisPrefix = testenv.RedisURL(t), testenv.UniquePrefix(t)
	return cfg
}

// replicas starts the licences and catalog services on a PostgreSQL
// database of the test's own, and returns a function that starts lineage
// replicas (each with a gateway) over that database, sharing one Redis key
// space (shared's RedisURL and RedisPrefix) and calling the backend's
// internal listener; edit, when not nil, adjusts a replica's configuration
// first.
func replicas(t *testing.T) (backend *suite, replica func(edit func(*config.Config)) *suite, shared config.Config) {
	t.Helper()
	dbURL := lineagetest.Database(t)
	cfg := apptest.Config(t, config.PartLicences, config.PartCatalog)
	cfg.DatabaseURL = dbURL
	backend = start(t, cfg)
	shared = withRedis(t, apptest.Config(t, config.PartLineage, config.PartGateway))
	return backend, func(edit func(*config.Config)) *suite {
		cfg := apptest.Config(t, config.PartLineage, config.PartGateway)
		cfg.DatabaseURL, cfg.RedisURL, cfg.RedisPrefix = dbURL, shared.RedisURL, shared.RedisPrefix
		cfg.LicencesAddr, cfg.CatalogAddr = backend.InternalGRPCAddr(), backend.InternalGRPCAddr()
		if edit != nil {
			edit(&cfg)
		}
		return start(t, cfg)
	}, shared
}

var as = apptest.As

var (
	alice  = as(apptest.AliceKey)
	bob    = as(apptest.BobKey)
	root   = as(apptest.RootKey)
	anyone = context.Background()
)

// apiError is the JSON body of a REST error.
type apiError struct {
	Code    codes.Code
	Message string
	Details []struct {
		Type       string `json:"@type"`
		Reason     string
		Metadata   map[string]string
		Violations []struct{ Type, Subject, Description string }
	}
}

// reason returns the ErrorInfo reason of a REST error.
func (e apiError) reason() string {
	for _, d := range e.Details {
		if strings.HasSuffix(d.Type, "ErrorInfo") {
			return d.Reason
		}
	}
	return ""
}

func (e apiError) metadata(key string) string {
	for _, d := range e.Details {
		if strings.HasSuffix(d.Type, "ErrorInfo") {
			return d.Metadata[key]
		}
	}
	return ""
}

func (e apiError) violations() []struct{ Type, Subject, Description string } {
	for _, d := range e.Details {
		if strings.HasSuffix(d.Type, "PreconditionFailure") {
			return d.Violations
		}
	}
	return nil
}

// call makes a REST call as curl would. A 2xx answer is decoded into out
// (a proto message, strictly); any other into the returned apiError.
func (s *suite) call(t *testing.T, method, path, key, body string, out proto.Message) (int, apiError) {
	t.Helper()
	code, raw := s.Do(t, method, path, key, body)
	var e apiError
	if code/100 != 2 {
		if err := json.Unmarshal(raw, &e); err != nil || e.Message == "" {
			t.Fatalf("%s %s: %d with body %q, not an error status", method, path, code, raw)
		}
		return code, e
	}
	if out != nil {
		if err := protojson.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return code, e
}

// ok makes a REST call that must succeed.
func (s *suite) ok(t *testing.T, method, path, key, body string, out proto.Message) {
	t.Helper()
	if code, e := s.call(t, method, path, key, body, out); code != http.StatusOK {
		t.Fatalf("%s %s = %d %+v", method, path, code, e)
	}
}

// fails makes a REST call that must fail with the HTTP status and reason.
func (s *suite) fails(t *testing.T, method, path, key, body string, httpStatus int, reason string) apiError {
	t.Helper()
	code, e := s.call(t, method, path, key, body, nil)
	if code != httpStatus || (reason != "" && e.reason() != reason) {
		t.Fatalf("%s %s %s = %d %s %q; want %d %s", method, path, body, code, e.reason(), e.Message, httpStatus, reason)
	}
	return e
}

// work registers a work with a chosen id over REST and returns its name.
func (s *suite) work(t *testing.T, key, id, kind, licence string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"kind": "WORK_KIND_" + kind, "title": strings.ToUpper(id[:1]) + id[1:] + " work", "licence": licence,
		"creators": []map[string]string{{"name": "Maker of " + id}}, "sourceUris": []string{"https://example.org/" + id}})
	var w catalogv1.Work
	s.ok(t, "POST", "/v1/works?workId="+id, key, string(body), &w)
	return w.GetName()
}

// derive records a derivation over REST and returns it.
func (s *suite) derive(t *testing.T, key, derivative, source, relation, query string) *lineagev1.Derivation {
	t.Helper()
	var d lineagev1.Derivation
	s.ok(t, "POST", "/v1/derivations"+query, key, derivation(derivative, source, relation), &d)
	return &d
}

func derivation(derivative, source, relation string) string {
	return `{"derivative":"` + derivative + `","source":"` + source + `","relation":"RELATION_` + relation + `"}`
}

// grpcCode fails unless err has the code and, when set, the reason.
func grpcCode(t *testing.T, what string, err error, code codes.Code, reason string) *status.Status {
	t.Helper()
	st := status.Convert(err)
	got := ""
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			got = info.GetReason()
		}
	}
	if st.Code() != code || (reason != "" && got != reason) {
		t.Fatalf("%s: %v (reason %q); want %v %s", what, err, got, code, reason)
	}
	return st
}

func names(rs []*lineagev1.Relative) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.GetWork())
	}
	return strings.Join(out, " ")
}

func mask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

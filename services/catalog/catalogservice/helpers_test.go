package catalogservice_test

import (
	"context"
	"encoding/json"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
)

// instance is a running suite and a gRPC client of its catalog.
type instance struct {
	*apptest.Instance
	client catalogv1.CatalogServiceClient
}

func start(t *testing.T, cfg config.Config) *instance {
	t.Helper()
	inst := apptest.Start(t, cfg)
	return &instance{Instance: inst, client: catalogv1.NewCatalogServiceClient(inst.Conn(t))}
}

var as = apptest.As

var (
	alice    = as(apptest.AliceKey)
	bob      = as(apptest.BobKey)
	root     = as(apptest.RootKey)
	internal = as(apptest.InternalKey)
	anyone   = context.Background()
)

// wantCode fails unless err has the code; for INVALID_ARGUMENT it also
// checks the field the error names, when field is set.
func wantCode(t *testing.T, what string, err error, code codes.Code, field string) *status.Status {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != code {
		t.Fatalf("%s: %v; want %v", what, err, code)
	}
	if field != "" {
		if got := fieldOf(st); got != field {
			t.Fatalf("%s: field %q; want %q (%v)", what, got, field, err)
		}
	}
	return st
}

func fieldOf(st *status.Status) string {
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 {
			return br.GetFieldViolations()[0].GetField()
		}
	}
	return ""
}

func errorInfo(st *status.Status) *errdetails.ErrorInfo {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// rest makes a REST call, as curl would, and decodes the JSON answer.
func rest(t *testing.T, inst *instance, method, path, key, body string) (int, map[string]any) {
	t.Helper()
	code, raw := inst.Do(t, method, path, key, body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d, body %q is not JSON", method, path, code, raw)
		}
	}
	return code, out
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func list(m map[string]any, key string) []any {
	l, _ := m[key].([]any)
	return l
}

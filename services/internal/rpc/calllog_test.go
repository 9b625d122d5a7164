package rpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/rpc"
)

// Each finished call is one log line at the level its code calls for, and
// a call whose level is not enabled writes nothing.
func TestFinishedCallsAreLoggedByCode(t *testing.T) {
	for _, tc := range []struct {
		level   slog.Level
		licence string
		want    []map[string]any // the lines, by field
	}{
		{slog.LevelInfo, "licences/MIT", nil},
		{slog.LevelInfo, "licences/No-Such-Licence", []map[string]any{{
			"level": "INFO", "msg": "finished call", "grpc.service": "stemma.licences.v1.LicenceService",
			"grpc.method": "GetLicence", "grpc.method_type": "unary", "grpc.code": "NotFound",
		}}},
		{slog.LevelDebug, "licences/MIT", []map[string]any{{
			"level": "DEBUG", "msg": "finished call", "grpc.method": "GetLicence", "grpc.code": "OK",
		}}},
		{slog.LevelWarn, "licences/No-Such-Licence", nil},
	} {
		var out bytes.Buffer
		_, addr := replicaLogging(t, slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: tc.level})))
		conn, err := rpc.Dial(rpc.Target{Addrs: []string{addr}, Policy: app.Policy()})
		if err != nil {
			t.Fatal(err)
		}
		_, callErr := licencesv1.NewLicenceServiceClient(conn).GetLicence(context.Background(), &licencesv1.GetLicenceRequest{Name: tc.licence})
		conn.Close()
		if (callErr == nil) != (tc.licence == "licences/MIT") {
			t.Fatalf("%s: %v", tc.licence, callErr)
		}
		var lines []map[string]any
		for _, raw := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var line map[string]any
			if raw == "" {
				continue
			}
			if err := json.Unmarshal([]byte(raw), &line); err != nil {
				t.Fatalf("log line %q: %v", raw, err)
			}
			if line["msg"] == "finished call" {
				lines = append(lines, line)
			}
		}
		if len(lines) != len(tc.want) {
			t.Fatalf("level %v, %s: %d finished-call lines, want %d:\n%s", tc.level, tc.licence, len(lines), len(tc.want), out.String())
		}
		for i, want := range tc.want {
			for k, v := range want {
				if lines[i][k] != v {
					t.Errorf("level %v, %s: %s = %v, want %v", tc.level, tc.licence, k, lines[i][k], v)
				}
			}
			if _, ok := lines[i]["grpc.time_ms"].(float64); !ok {
				t.Errorf("level %v, %s: no grpc.time_ms in %v", tc.level, tc.licence, lines[i])
			}
			if _, ok := lines[i]["peer.address"].(string); !ok {
				t.Errorf("level %v, %s: no peer.address in %v", tc.level, tc.licence, lines[i])
			}
		}
	}
}

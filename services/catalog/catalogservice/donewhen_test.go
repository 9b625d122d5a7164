package catalogservice_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

const digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// The "done when", over REST as curl would make the calls: create
// a work with a key, read it back, look it up by digest, retry the create
// with the same request id and get the same work, and see 401, 403, 409
// and 400 for a missing key, a foreign owner, a stale etag and a bad
// expression. It runs on SQLite, the default, and on PostgreSQL.
func TestDoneWhen(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { doneWhen(t, apptest.Config(t)) })
	t.Run("postgres", func(t *testing.T) {
		cfg := apptest.Config(t)
		cfg.DatabaseURL = testenv.Database(t, "stemma_catalog")
		doneWhen(t, cfg)
	})
}

func doneWhen(t *testing.T, cfg config.Config) {
	inst := start(t, cfg)
	body := `{"kind": "WORK_KIND_SOFTWARE", "title": "left-pad", "licence": "mit OR apache-2.0",
		"creators": [{"name": "Azer Koçulu", "role": "author"}],
		"identifiers": [{"type": "purl", "value": "pkg:npm/left-pad@1.3.0"}],
		"digests": ["` + strings.ToUpper(digest[:7]) + digest[7:] + `"]}`

	code, got := rest(t, inst, "POST", "/v1/works?requestId=req-1", "", body)
	if code != http.StatusUnauthorized {
		t.Fatalf("create without a key = %d %v; want 401", code, got)
	}

	code, made := rest(t, inst, "POST", "/v1/works?requestId=req-1", apptest.AliceKey, body)
	name := str(made, "name")
	if code != http.StatusOK || !strings.HasPrefix(name, "works/") || str(made, "owner") != "alice" ||
		str(made, "licence") != "MIT OR Apache-2.0" || str(made, "licenceStatus") != "LICENCE_STATUS_KNOWN" ||
		list(made, "digests")[0] != digest || str(made, "etag") == "" {
		t.Fatalf("create = %d %v", code, made)
	}

	code, got = rest(t, inst, "GET", "/v1/"+name, "", "")
	if code != http.StatusOK || str(got, "etag") != str(made, "etag") || str(got, "title") != "left-pad" {
		t.Fatalf("read back = %d %v", code, got)
	}

	code, got = rest(t, inst, "GET", "/v1/works:lookup?digest="+digest, "", "")
	if code != http.StatusOK || len(list(got, "works")) != 1 || str(list(got, "works")[0].(map[string]any), "name") != name {
		t.Fatalf("lookup by digest = %d %v", code, got)
	}

	code, got = rest(t, inst, "POST", "/v1/works?requestId=req-1", apptest.AliceKey, body)
	if code != http.StatusOK || str(got, "name") != name {
		t.Fatalf("create retried with the same request id = %d %v; want %s again", code, got, name)
	}
	if code, got = rest(t, inst, "GET", "/v1/works", "", ""); code != http.StatusOK || len(list(got, "works")) != 1 {
		t.Fatalf("list after the retry = %d %v; want one work", code, got)
	}

	patch := `{"title": "left-pad (renamed)", "etag": "` + str(made, "etag") + `"}`
	if code, got = rest(t, inst, "PATCH", "/v1/"+name, apptest.BobKey, patch); code != http.StatusForbidden {
		t.Fatalf("update by a foreign principal = %d %v; want 403", code, got)
	}
	code, updated := rest(t, inst, "PATCH", "/v1/"+name, apptest.AliceKey, patch)
	if code != http.StatusOK || str(updated, "title") != "left-pad (renamed)" || str(updated, "licence") != "MIT OR Apache-2.0" {
		t.Fatalf("update by the owner = %d %v", code, updated)
	}
	if code, got = rest(t, inst, "PATCH", "/v1/"+name, apptest.AliceKey, patch); code != http.StatusConflict {
		t.Fatalf("update with a stale etag = %d %v; want 409", code, got)
	}

	bad := `{"kind": "WORK_KIND_TEXT", "title": "x", "licence": "MIT AND OR GPL-2.0-only"}`
	code, got = rest(t, inst, "POST", "/v1/works", apptest.AliceKey, bad)
	if code != http.StatusBadRequest || !strings.Contains(str(got, "message"), "work.licence") {
		t.Fatalf("create with a bad expression = %d %v; want 400 on work.licence", code, got)
	}
	details := fmt.Sprint(got["details"])
	if !strings.Contains(details, "position") || !strings.Contains(details, "work.licence") {
		t.Errorf("the bad expression's error lacks the field or the position: %v", details)
	}
}

package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// openapiDocument is the committed OpenAPI 3.1 document the gateway serves
// at /openapi.json, which the generated clients are made from.
const openapiDocument = repoRoot + "/proto/openapi/stemma.openapi.json"

// A TypeScript client typed by openapi-typescript from the OpenAPI 3.1
// document type-checks under tsc's strict options and, with openapi-fetch,
// works against a live server: tools/clients/typescript/src/client.ts
// creates works, records a derivation, reads ancestors and an audit, and
// gets the documented error for a bad licence expression. The types are
// generated here, from the committed document, rather than committed
// themselves: they are only ever read by tsc, and the test then checks the
// document that is served, not a copy that could drift from it.
func TestTypeScriptClient(t *testing.T) {
	src := filepath.Join(repoRoot, "tools/clients/typescript")
	node := requireCommand(t, "node")
	modules := requireFile(t, filepath.Join(src, "node_modules"), "make typescript-client")
	generate := requireFile(t, filepath.Join(src, "node_modules/openapi-typescript/bin/cli.js"), "make typescript-client")
	tsc := requireFile(t, filepath.Join(src, "node_modules/typescript/bin/tsc"), "make typescript-client")
	doc, err := filepath.Abs(openapiDocument)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	for _, f := range []string{"package.json", "tsconfig.json", "src/client.ts"} {
		copyFile(t, filepath.Join(src, f), filepath.Join(dir, f))
	}
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	runIn(t, dir, nil, node, generate, doc, "-o", "src/stemma.d.ts")
	runIn(t, dir, nil, node, tsc, "-p", ".")

	inst := apptest.Start(t, apptest.Config(t))
	out := runIn(t, dir, []string{"STEMMA_URL=" + inst.BaseURL(), "STEMMA_KEY=" + apptest.AliceKey}, node, "out/client.js")
	var got struct {
		Ancestors []string
		Error     struct {
			Code    int
			Message string
		}
	}
	if err := json.Unmarshal(out, &got); err != nil || len(got.Ancestors) != 1 || got.Error.Code != 3 || got.Error.Message == "" {
		t.Fatalf("client.js printed %s (%v); want one ancestor and an INVALID_ARGUMENT error", out, err)
	}
	t.Logf("client.js: %s", out)
}

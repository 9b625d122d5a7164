package layers_test

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const (
	module   = "github.com/stemma-registry/stemma/services"
	internal = module + "/internal/"
)

// plumbing are the packages every service may use: none of them may
// import a service or an assembly package, so that a service never
// depends, through its plumbing, on how processes are put together.
var plumbing = []string{
	"apierr", "auth", "cache", "consistency", "filter", "input", "names", "paging", "ratelimit",
	"requestid", "rpc", "storage", "tracing",
	// What tests and benchmarks of any package use.
	"storage/storagetest", "testenv", "testproc", "loadgen",
}

// assembly are the packages that put services and plumbing together:
// settings, the parts of a process and their wiring, the command line,
// registry-wide export and restore, and the tests of whole processes. No
// service and no plumbing may import them.
var assembly = []string{
	"config", "app", "app/apptest", "cli", "export", "stress", "contract", "layers",
}

// useCases are packages of use cases that reach other services only
// through ports of their own: they import neither gRPC nor the generated
// code, so that the adapters are the one place a called service's answer
// is read.
var useCases = []string{module + "/lineage/record"}

// The layers hold: every package of services/internal is in one of them,
// plumbing imports only plumbing (and the contract module), nothing below
// assembly imports it, and use cases import no transport. Only the packages' own imports count: a
// plumbing package's tests may start a whole process.
func TestLayers(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.Bytes())
	}
	layer := func(pkg string) string {
		rel, ok := strings.CutPrefix(pkg, internal)
		switch {
		case !strings.HasPrefix(pkg, module+"/"):
			return "outside"
		case pkg == module+"/cmd/stemma":
			return "command"
		case !ok:
			return "service"
		case slices.Contains(plumbing, rel):
			return "plumbing"
		case slices.Contains(assembly, rel):
			return "assembly"
		}
		return ""
	}
	seen := 0
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		from := layer(pkg)
		if from == "" {
			t.Errorf("%s is in no layer: add it to plumbing or assembly here, and to docs/architecture.md", pkg)
			continue
		}
		seen++
		for _, imp := range imports {
			to := layer(imp)
			switch {
			case from == "plumbing" && (to == "service" || to == "assembly" || to == "command"):
				t.Errorf("plumbing %s imports %s %s", pkg, to, imp)
			case from == "plumbing" && to == "outside" && strings.HasPrefix(imp, "github.com/stemma-registry/stemma/gateway"):
				t.Errorf("plumbing %s imports the gateway", pkg)
			case from == "service" && (to == "assembly" || to == "command"):
				t.Errorf("service package %s imports %s %s", pkg, to, imp)
			case slices.Contains(useCases, pkg) && (strings.HasPrefix(imp, "google.golang.org/grpc") ||
				strings.HasPrefix(imp, "github.com/stemma-registry/stemma/proto/")):
				t.Errorf("use cases %s import the transport %s; reach it through a port", pkg, imp)
			}
		}
	}
	if seen < len(plumbing)+len(assembly) {
		t.Fatalf("go list named %d packages; the layers alone list %d", seen, len(plumbing)+len(assembly))
	}
}

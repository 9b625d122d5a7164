package app_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// The Python grpcio example (tools/clients/python-grpc) runs against the
// suite as a gRPC user would: nothing generated, the services and their
// messages found through server reflection, a write with the key in the
// call's metadata, a refusal read as a status code.
func TestPythonGRPCClientByReflection(t *testing.T) {
	py := python(t, "grpc", "google.protobuf")
	inst := apptest.Start(t, apptest.Config(t))
	script := requireFile(t, filepath.Join(repoRoot, "tools", "clients", "python-grpc", "stemma_grpc.py"), "the checkout")
	out := runIn(t, "", []string{"STEMMA_API_KEY=" + apptest.AliceKey},
		py, script, "--target", inst.GRPCAddr(), "--work-id", "grpcio-notes")
	got := labelled(t, string(out))

	services := got["SERVICES"]
	if services["reflection"] != "grpc.reflection.v1" {
		t.Errorf("reflection version = %v, want grpc.reflection.v1", services["reflection"])
	}
	var names []string
	for _, s := range services["services"].([]any) {
		names = append(names, s.(string))
	}
	var want []string
	for _, sd := range app.Services() {
		want = append(want, string(sd.FullName()))
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("services by reflection = %v, want %v", names, want)
	}
	if methods, _ := got["METHODS"]["stemma.lineage.v1.LineageService"].([]any); !slices.Contains(methods, any("WatchDerivations")) {
		t.Errorf("LineageService's methods by reflection = %v, want WatchDerivations among them", methods)
	}
	if v := got["CheckCompatibility"]["verdict"]; v != "VERDICT_COMPATIBLE" {
		t.Errorf("CheckCompatibility(MIT into GPL-3.0-only) verdict = %v", v)
	}
	work := got["CreateWork"]
	if work["name"] != "works/grpcio-notes" || work["owner"] != "alice" || work["licence"] != "CC-BY-4.0" {
		t.Errorf("CreateWork = %v, want works/grpcio-notes owned by alice under CC-BY-4.0", work)
	}
	if code := got["Refused"]["code"]; code != "INVALID_ARGUMENT" {
		t.Errorf("CreateWork with licence %q: code %v, want INVALID_ARGUMENT", "MIT AND", code)
	}
	// The write went through: the REST side sees it.
	if code, body := inst.Do(t, http.MethodGet, "/v1/works/grpcio-notes", "", ""); code != http.StatusOK {
		t.Errorf("GET /v1/works/grpcio-notes after the Python CreateWork = %d %s", code, body)
	}
}

// A gRPC user builds Stemma's protos with buf straight from a checkout:
// the repository is a buf workspace whose only dependency, google/api, is
// vendored, so nothing comes from the Buf Schema Registry (no buf.lock,
// an empty cache, no credentials). The image holds every service and
// method the servers implement, and `buf generate` with the consumer's
// own template and plugin produces their code.
func TestBufConsumerBuildsFromCheckout(t *testing.T) {
	root := requireFile(t, repoRoot, "the checkout")
	bin := filepath.Join(root, ".bin")
	buf := requireFile(t, filepath.Join(bin, "buf"), "make tools")
	if _, err := os.Stat(filepath.Join(root, "buf.lock")); err == nil {
		t.Fatal("buf.lock exists: the module has registry dependencies; vendor them under proto/third_party instead")
	}
	consumer := t.TempDir()
	env := []string{"BUF_CACHE_DIR=" + filepath.Join(consumer, "cache"), "HOME=" + consumer, "BUF_TOKEN=",
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	image := filepath.Join(consumer, "stemma.binpb")
	runIn(t, consumer, env, buf, "build", root, "-o", image)

	raw, err := os.ReadFile(image)
	if err != nil {
		t.Fatal(err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		t.Fatalf("the image does not link: %v", err)
	}
	for _, served := range []protoreflect.FileDescriptor{catalogv1.File_stemma_catalog_v1_catalog_proto,
		licencesv1.File_stemma_licences_v1_licences_proto, lineagev1.File_stemma_lineage_v1_lineage_proto} {
		for i := range served.Services().Len() {
			want := served.Services().Get(i)
			d, err := files.FindDescriptorByName(want.FullName())
			if err != nil {
				t.Errorf("%s is not in the image: %v", want.FullName(), err)
				continue
			}
			got := d.(protoreflect.ServiceDescriptor)
			for j := range want.Methods().Len() {
				wm := want.Methods().Get(j)
				gm := got.Methods().ByName(wm.Name())
				if gm == nil || gm.Input().FullName() != wm.Input().FullName() || gm.Output().FullName() != wm.Output().FullName() ||
					gm.IsStreamingServer() != wm.IsStreamingServer() {
					t.Errorf("%s differs in the image from the served contract", wm.FullName())
				}
			}
		}
	}

	template := `{"version":"v2","managed":{"enabled":true,"override":[{"file_option":"go_package_prefix","value":"example.com/consumer/gen"}],
"disable":[{"path":"google/api"}]},"plugins":[{"local":"protoc-gen-go","out":"gen","opt":"paths=source_relative"},
{"local":"protoc-gen-go-grpc","out":"gen","opt":"paths=source_relative"}]}`
	runIn(t, consumer, env, buf, "generate", root, "--template", template, "--path", filepath.Join(root, "proto", "stemma"))
	for _, f := range []string{"catalog/v1/catalog_grpc.pb.go", "licences/v1/licences.pb.go", "lineage/v1/lineage_grpc.pb.go"} {
		b, err := os.ReadFile(filepath.Join(consumer, "gen", "stemma", f))
		if err != nil {
			t.Errorf("buf generate: %v", err)
		} else if f == "licences/v1/licences.pb.go" && !strings.Contains(string(b), "example.com/consumer/gen") {
			t.Errorf("%s does not take the consumer's go_package_prefix", f)
		}
	}
}

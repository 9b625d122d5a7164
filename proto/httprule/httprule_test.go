package httprule

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
)

func TestOf(t *testing.T) {
	methods := catalogv1.File_stemma_catalog_v1_catalog_proto.Services().ByName("CatalogService").Methods()
	tests := []struct {
		method string
		want   Binding
		vars   []string
	}{
		{"GetWork", Binding{"GET", "/v1/{name=works/*}", ""}, []string{"name"}},
		{"CreateWork", Binding{"POST", "/v1/works", "work"}, nil},
		{"UpdateWork", Binding{"PATCH", "/v1/{work.name=works/*}", "work"}, []string{"work.name"}},
		{"DeleteLien", Binding{"DELETE", "/v1/{name=works/*/liens/*}", ""}, []string{"name"}},
		{"BatchCreateWorks", Binding{"POST", "/v1/works:batchCreate", "*"}, nil},
	}
	for _, tt := range tests {
		b, ok := Of(methods.ByName(protoreflect.Name(tt.method)))
		if !ok || b != tt.want || !slices.Equal(b.Variables(), tt.vars) {
			t.Errorf("%s: %+v %v, variables %v; want %+v %v", tt.method, b, ok, b.Variables(), tt.want, tt.vars)
		}
	}
}

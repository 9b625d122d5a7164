package cli

import (
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

// The services the client commands call, from the contract itself: their
// methods' HTTP rules give the REST routes.
var (
	licenceService = licencesv1.File_stemma_licences_v1_licences_proto.Services().ByName("LicenceService")
	catalogService = catalogv1.File_stemma_catalog_v1_catalog_proto.Services().ByName("CatalogService")
	lineageService = lineagev1.File_stemma_lineage_v1_lineage_proto.Services().ByName("LineageService")
)

// invoke connects to the server, calls the method and fills resp; any
// failure is an exit-2 error naming what went wrong.
func (o *clientOptions) invoke(cmd *cobra.Command, svc protoreflect.ServiceDescriptor, name string, req, resp proto.Message) error {
	c, err := o.connect()
	if err != nil {
		return err
	}
	defer c.close()
	if err := c.call(cmd.Context(), svc.Methods().ByName(protoreflect.Name(name)), req, resp); err != nil {
		return failed(err)
	}
	return nil
}

package cli

import (
	"os"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/api/httpbody"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

// writeDocument writes a document to file, or to standard output when
// file is empty or "-".
func writeDocument(cmd *cobra.Command, file string, data []byte) error {
	if file == "" || file == "-" {
		_, err := cmd.OutOrStdout().Write(data)
		return err
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return usageErrorf("%v", err)
	}
	return nil
}

func newNoticeCmd() *cobra.Command {
	var o clientOptions
	var maxDepth int32
	var file, sbomFile string
	cmd := &cobra.Command{
		Use:   "notice (<work> | --sbom <file>)",
		Short: "Print the third-party notices (a NOTICE file) a work owes its ancestry, or an SBOM's product its components, with every licence's full text",
		Long: `Notice prints the NOTICE a release of the work ships: every work its
attribution credits, with its creators, identifiers and the licence it was
used under, then the full text of each licence used, once (the SPDX texts;
a LicenseRef- or an exception is named with a note that its text is not
held). With --sbom it does the same for an SBOM's components, licences
resolved as "stemma import" resolves them, importing nothing (needs
STEMMA_API_KEY, as every POST). --output json prints the same as data.`,
		Example: "  stemma notice works/app --file NOTICE\n  stemma notice works/app --output json\n  stemma notice --sbom sbom.cdx.json > THIRD-PARTY-NOTICES",
		Args: func(cmd *cobra.Command, a []string) error {
			if sbomFile != "" {
				return args()(cmd, a)
			}
			return args("work")(cmd, a)
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			resp := &lineagev1.Notice{}
			if sbomFile != "" {
				data, err := os.ReadFile(sbomFile)
				if err != nil {
					return usageErrorf("%v", err)
				}
				req := &lineagev1.BuildSbomNoticeRequest{Sbom: &httpbody.HttpBody{ContentType: sbomContentType(data), Data: data}}
				if err := o.invoke(cmd, lineageService, "BuildSbomNotice", req, resp); err != nil {
					return err
				}
			} else {
				req := &lineagev1.GetWorkNoticeRequest{Work: resourceName("works", a[0]), MaxDepth: maxDepth}
				if err := o.invoke(cmd, lineageService, "GetWorkNotice", req, resp); err != nil {
					return err
				}
			}
			if o.output == "json" {
				return writeJSON(cmd.OutOrStdout(), resp)
			}
			return writeDocument(cmd, file, []byte(resp.GetText()))
		},
	}
	addClientFlags(cmd, &o)
	cmd.Flags().Int32Var(&maxDepth, "max-depth", 0, "how far up to credit (0: the server's bound)")
	cmd.Flags().StringVarP(&file, "file", "f", "", "write the notice to this file instead of standard output")
	cmd.Flags().StringVar(&sbomFile, "sbom", "", "build the notice of this SBOM's product instead of a work's")
	return cmd
}

func newSbomCmd() *cobra.Command {
	var o clientOptions
	var file string
	req := &lineagev1.ExportWorkSbomRequest{}
	cmd := &cobra.Command{
		Use:   "sbom <work>",
		Short: "Export a work and its ancestry as an SBOM (CycloneDX 1.6 or SPDX 2.3 JSON)",
		Long: `Sbom writes the work and every work upstream of it as an SBOM whose
product is the work: each work a component with its licence as the concluded
licence, each derivation a dependency. "stemma import" reads it back as the
same works and derivations. The document is written as the server made it,
whatever --output says.`,
		Example: "  stemma sbom works/app --format cyclonedx --file app.cdx.json\n  stemma sbom works/app --format spdx > app.spdx.json",
		Args:    args("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			switch strings.ToLower(req.Format) {
			case "cyclonedx", "spdx":
			default:
				return usageErrorf("--format %q: want cyclonedx or spdx", req.Format)
			}
			req.Work = resourceName("works", a[0])
			resp := &httpbody.HttpBody{}
			if err := o.invoke(cmd, lineageService, "ExportWorkSbom", req, resp); err != nil {
				return err
			}
			data := resp.GetData()
			if len(data) > 0 && data[len(data)-1] != '\n' {
				data = append(data, '\n')
			}
			return writeDocument(cmd, file, data)
		},
	}
	addClientFlags(cmd, &o)
	cmd.Flags().StringVar(&req.Format, "format", "cyclonedx", "cyclonedx (CycloneDX 1.6 JSON) or spdx (SPDX 2.3 JSON)")
	cmd.Flags().Int32Var(&req.MaxDepth, "max-depth", 0, "how far up to go (0: the server's bound)")
	cmd.Flags().StringVarP(&file, "file", "f", "", "write the SBOM to this file instead of standard output")
	return cmd
}

package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/export"
)

func newImportCmd() *cobra.Command {
	var o clientOptions
	var strict, asExport bool
	var store export.Options
	req := &lineagev1.ImportSbomRequest{}
	cmd := &cobra.Command{
		Use:   "import <sbom.json>",
		Short: "Import an SBOM (CycloneDX 1.4-1.6 or SPDX 2.3 JSON) and print its compliance report (needs STEMMA_API_KEY)",
		Long: `Import records an SBOM's components as works and its dependencies as
derivations, all or nothing, and prints the compliance report: each
component's licence and its verdict against the product's licence, the
conflicts with their paths, the components whose licence is unknown and the
licences the product may be released under. Components are matched by purl and
version, so importing the same SBOM again creates nothing. "-" reads the SBOM
from standard input.

Exit code: 0 when no component conflicts with the product's licence, 1 when
one does (or, with --strict, when a licence is unknown), 2 on an error (a
malformed SBOM, or a conflict refused without --allow-conflict).`,
		Example: `  cyclonedx-gomod app -json -licenses -assert-licenses -output sbom.json .
  stemma import sbom.json --product-licence Apache-2.0
  stemma import sbom.json --dry-run --output json`,
		Args: args("sbom.json"),
		RunE: func(cmd *cobra.Command, a []string) error {
			if asExport {
				return restore(cmd, a[0], store)
			}
			var data []byte
			var err error
			if a[0] == "-" {
				data, err = io.ReadAll(cmd.InOrStdin())
			} else {
				data, err = os.ReadFile(a[0])
			}
			if err != nil {
				return usageErrorf("%v", err)
			}
			if first, _, _ := bytes.Cut(data, []byte("\n")); export.IsExport(first) {
				return usageErrorf("%s is a Stemma export, not an SBOM: restore it with \"stemma restore\" (or \"stemma import --export\")", a[0])
			}
			req.Sbom = &httpbody.HttpBody{ContentType: "application/json", Data: data}
			c, err := o.connect()
			if err != nil {
				return err
			}
			defer c.close()
			resp := &lineagev1.ImportSbomResponse{}
			stop := progress(cmd.ErrOrStderr(), fmt.Sprintf("importing %s (%s)", a[0], byteSize(len(data))))
			err = c.call(cmd.Context(), lineageService.Methods().ByName("ImportSbom"), req, resp)
			stop()
			if isCode(err, codes.FailedPrecondition) {
				return &exitError{code: exitFailed, err: fmt.Errorf("import refused, nothing imported: %s\n  (--allow-conflict records conflicting dependencies marked as conflicts)", describe(err))}
			}
			if err != nil {
				return failed(err)
			}
			if err := o.show(cmd, resp, func(w io.Writer) { importReport(w, resp, req.GetValidateOnly()) }); err != nil {
				return err
			}
			if len(resp.GetConflicts()) > 0 || strict && len(resp.GetUnknownLicences()) > 0 {
				return answeredNo
			}
			return nil
		},
	}
	addClientFlags(cmd, &o)
	f := cmd.Flags()
	f.StringVar(&req.ProductLicence, "product-licence", "", "the licence the product is released under (default: the SBOM's own declaration)")
	f.BoolVar(&req.AllowConflict, "allow-conflict", false, "record dependencies whose licences conflict, marked as conflicts, instead of refusing the import")
	f.BoolVar(&req.ValidateOnly, "dry-run", false, "report what the import would do without writing anything")
	f.StringVar(&req.RequestId, "request-id", "", "an idempotency key for the import")
	f.BoolVar(&strict, "strict", false, "exit 1 when a component's licence is unknown too")
	f.BoolVar(&asExport, "export", false, `the file is a Stemma export: restore it into the stores, as "stemma restore" does`)
	addStoreFlags(cmd, &store)
	return cmd
}

func importReport(w io.Writer, r *lineagev1.ImportSbomResponse, dryRun bool) {
	verb := ""
	if dryRun {
		verb = " (dry run: nothing written)"
	}
	fmt.Fprintf(w, "FORMAT\t%s\n", r.GetFormat())
	fmt.Fprintf(w, "PRODUCT\t%s\n", orDash(r.GetProduct()))
	fmt.Fprintf(w, "PRODUCT LICENCE\t%s\n", orDash(r.GetProductLicence()))
	fmt.Fprintf(w, "WORKS\t%d created, %d matched%s\n", r.GetWorksCreated(), r.GetWorksMatched(), verb)
	fmt.Fprintf(w, "DERIVATIONS\t%d created, %d matched%s\n", r.GetDerivationsCreated(), r.GetDerivationsMatched(), verb)
	fmt.Fprintf(w, "CONFLICTS\t%d\n", len(r.GetConflicts()))
	fmt.Fprintf(w, "UNKNOWN LICENCES\t%d\n", len(r.GetUnknownLicences()))
	// Compatible licences first; a conditional one says so.
	var allowed, conditional []string
	for _, s := range r.GetAllowedLicences() {
		if s.GetVerdict() == licencesv1.Verdict_VERDICT_COMPATIBLE {
			allowed = append(allowed, s.GetLicence())
		} else {
			conditional = append(conditional, s.GetLicence()+" (conditional)")
		}
	}
	allowed = append(allowed, conditional...)
	const shown = 8
	more := ""
	if len(allowed) > shown {
		more = fmt.Sprintf(" and %d more", len(allowed)-shown)
		allowed = allowed[:shown]
	}
	fmt.Fprintf(w, "MAY BE RELEASED UNDER\t%s%s\n", orDash(strings.Join(allowed, ", ")), more)

	fmt.Fprintf(w, "\nCOMPONENT\tVERSION\tLICENCE\tVERDICT\tNEW\n")
	for _, c := range r.GetComponents() {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%v\n", c.GetName(), orDash(c.GetVersion()), orDash(c.GetLicence()),
			verdictWord(c.GetCheck().GetVerdict()), c.GetCreated())
	}
	conflictsTable(w, r.GetConflicts())
	if len(r.GetUnknownLicences()) > 0 {
		fmt.Fprintf(w, "\nUNKNOWN LICENCE\n")
		for _, u := range r.GetUnknownLicences() {
			fmt.Fprintf(w, "%s\n", u)
		}
	}
	if len(r.GetWarnings()) > 0 {
		fmt.Fprintf(w, "\nWARNING\n")
		for _, wr := range r.GetWarnings() {
			fmt.Fprintf(w, "%s\n", wr)
		}
	}
}

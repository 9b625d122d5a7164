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
		Use:   "import <sbom>",
		Short: "Import an SBOM (CycloneDX JSON or XML, SPDX 2 JSON, YAML or tag-value, SPDX 3 JSON-LD; gzip or not) or a model or dataset card, and print its compliance report (needs STEMMA_API_KEY)",
		Long: `Import records an SBOM's components as works and its dependencies as
derivations, all or nothing, and prints the compliance report: each
component's licence and its verdict against the product's licence, the
conflicts with their paths, the components whose licence is unknown and the
licences the product may be released under. Components are matched by purl and
version, so importing the same SBOM again creates nothing. "-" reads the SBOM
from standard input.

The SBOM may be CycloneDX 1.2-1.6 in JSON or XML, SPDX 2.2-2.3 in JSON, YAML
or tag-value, or SPDX 3.0 JSON-LD, each also gzip-compressed; or a Hugging
Face-style model or dataset card (a README.md with YAML front matter, or the
JSON a hub API returns for the repository), whose base models become
derivations and whose datasets training edges. The server tells which from
the content, whatever the file is called. Licence names, URLs and
the document's own LicenseRef- licences are resolved to SPDX licences; each
statement is recorded on the work with how it was resolved, and those nothing
resolves are named in the warnings.

Exit code: 0 when no component conflicts with the product's licence, 1 when
one does (or, with --strict, when a licence is unknown), 2 on an error (a
malformed SBOM, or a conflict refused without --allow-conflict).`,
		Example: `  cyclonedx-gomod app -json -licenses -assert-licenses -output sbom.json .
  stemma import sbom.json --product-licence Apache-2.0
  stemma import sbom.json --dry-run --output json
  stemma import README.md --dry-run
  syft scan dir:. -o spdx-tag-value | gzip | stemma import - --dry-run`,
		Args: args("sbom"),
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
			req.Sbom = &httpbody.HttpBody{ContentType: sbomContentType(data), Data: data}
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

// sbomContentType is the media type of an SBOM or card, told from its first bytes
// as the server tells its format (it reads the content, not this header;
// the header is for proxies and logs on the way, which should not be told
// that XML or gzip is JSON).
func sbomContentType(data []byte) string {
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		return "application/gzip"
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\ufeff")), " \t\r\n")
	switch {
	case len(text) == 0 || text[0] == '{' || text[0] == '[':
		return "application/json"
	case text[0] == '<':
		return "application/xml"
	}
	for line := range bytes.Lines(text) {
		switch {
		case bytes.HasPrefix(line, []byte("SPDXVersion:")):
			return "text/spdx"
		case bytes.HasPrefix(line, []byte("spdxVersion:")):
			return "application/yaml"
		}
	}
	// A model or dataset card: a README.md whose YAML front matter opens
	// it (SPDX YAML, which may open with "---" too, was told above).
	if line, _, _ := bytes.Cut(text, []byte("\n")); string(bytes.TrimRight(line, " \t\r")) == "---" {
		return "text/markdown"
	}
	return "text/plain"
}

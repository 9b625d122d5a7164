package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
)

func newLicencesSuggestCmd(o *clientOptions) *cobra.Command {
	var use string
	req := &licencesv1.SuggestOutboundRequest{}
	cmd := &cobra.Command{
		Use:   "suggest <expression>...",
		Short: "List the licences a work combining material under these expressions may carry",
		Long: `Suggest lists the licences a work may go out under when it combines material
under every given expression, most permissive first, with the conditions of
each. Exit code 1 when no licence can carry them all, or some expression
cannot be judged (listed as blocking).`,
		Example: `  stemma licences suggest MIT Apache-2.0 LGPL-2.1-or-later
  stemma licences suggest GPL-2.0-only MIT --candidate GPL-3.0-or-later --candidate MIT --output json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			req.Inbound = a
			if use != "" {
				n, err := parseEnum(licencesv1.Use(0).Descriptor(), "use", use)
				if err != nil {
					return err
				}
				req.Use = licencesv1.Use(n)
			}
			resp := &licencesv1.SuggestOutboundResponse{}
			if err := o.invoke(cmd, licenceService, "SuggestOutbound", req, resp); err != nil {
				return err
			}
			if err := o.show(cmd, resp, func(w io.Writer) {
				suggestionsTable(w, resp.GetSuggestions())
				if len(resp.GetBlocking()) > 0 {
					fmt.Fprintf(w, "\nBLOCKING\t%s\n", strings.Join(resp.GetBlocking(), "; "))
				}
				for _, warning := range resp.GetWarnings() {
					fmt.Fprintf(w, "WARNING\t%s\n", warning)
				}
			}); err != nil {
				return err
			}
			if len(resp.GetSuggestions()) == 0 || len(resp.GetBlocking()) > 0 {
				return answeredNo
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&use, "use", "", "how the material is used: incorporate, link-static, link-dynamic, aggregate, network-service, training")
	f.StringArrayVar(&req.Candidates, "candidate", nil, "consider only this outbound licence (repeatable)")
	f.Int32Var(&req.PageSize, "page-size", 0, "at most this many suggestions (0: all)")
	f.BoolVar(&req.Strict, "strict", false, "refuse an identifier that is not on the SPDX list instead of answering it as unknown")
	return cmd
}

func newLicencesParseCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "parse <expression>",
		Short: "Parse an SPDX licence expression: its canonical form, licences and exceptions",
		Long: `Parse checks an SPDX licence expression against the SPDX list and prints its
canonical form (identifiers as SPDX spells them, deprecated ones replaced),
the licences and exceptions it names, and what normalisation changed. A
malformed expression exits 2 with the offending token and its position.`,
		Example: "  stemma licences parse 'gpl-2.0+ WITH classpath-exception-2.0 OR mit'",
		Args:    args("expression"),
		RunE: func(cmd *cobra.Command, a []string) error {
			resp := &licencesv1.ParseExpressionResponse{}
			if err := o.invoke(cmd, licenceService, "ParseExpression", &licencesv1.ParseExpressionRequest{Expression: a[0]}, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "CANONICAL\t%s\n", resp.GetCanonical())
				fmt.Fprintf(w, "LICENCES\t%s\n", orDash(strings.Join(resp.GetLicenceIds(), " ")))
				fmt.Fprintf(w, "EXCEPTIONS\t%s\n", orDash(strings.Join(resp.GetExceptionIds(), " ")))
				for _, warning := range resp.GetWarnings() {
					fmt.Fprintf(w, "WARNING\t%s\n", warning)
				}
			})
		},
	}
}

package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
)

func newCheckCmd() *cobra.Command {
	var o clientOptions
	var use string
	var strict bool
	cmd := &cobra.Command{
		Use:   "check <inbound> <outbound>",
		Short: "Check whether material under one licence may be used in a work under another",
		Long: `Check answers one directional question: may material under <inbound> be used,
in the way --use says, in a work distributed under <outbound>? Both are SPDX
licence expressions. The answer comes with the rules behind it.

Exit code: 0 when the use is compatible, or compatible on conditions (printed;
--strict makes conditions exit 1); 1 when it is incompatible, or when Stemma
does not know (a licence it has not modelled: never read as a yes); 2 on an
error.`,
		Example: `  stemma check MIT GPL-3.0-only
  stemma check GPL-2.0-only MIT --output json
  stemma check LGPL-2.1-only Apache-2.0 --use link-static --strict`,
		Args: args("inbound", "outbound"),
		RunE: func(cmd *cobra.Command, a []string) error {
			req := &licencesv1.CheckCompatibilityRequest{Inbound: a[0], Outbound: a[1]}
			if use != "" {
				n, err := parseEnum(licencesv1.Use(0).Descriptor(), "use", use)
				if err != nil {
					return err
				}
				req.Use = licencesv1.Use(n)
			}
			resp := &licencesv1.CheckCompatibilityResponse{}
			if err := o.invoke(cmd, licenceService, "CheckCompatibility", req, resp); err != nil {
				return err
			}
			if err := o.show(cmd, resp, func(w io.Writer) { checkTable(w, resp) }); err != nil {
				return err
			}
			switch resp.GetVerdict() {
			case licencesv1.Verdict_VERDICT_COMPATIBLE:
				return nil
			case licencesv1.Verdict_VERDICT_CONDITIONAL:
				if !strict {
					return nil
				}
			}
			return answeredNo
		},
	}
	addClientFlags(cmd, &o)
	cmd.Flags().StringVar(&use, "use", "", "how the material is used: incorporate (default), link-static, link-dynamic, aggregate, network-service, training")
	cmd.Flags().BoolVar(&strict, "strict", false, "exit 1 for a conditional verdict too")
	return cmd
}

func checkTable(w io.Writer, r *licencesv1.CheckCompatibilityResponse) {
	fmt.Fprintf(w, "VERDICT\t%s\n", verdictWord(r.GetVerdict()))
	fmt.Fprintf(w, "INBOUND\t%s\n", r.GetCanonicalInbound())
	fmt.Fprintf(w, "OUTBOUND\t%s\n", r.GetCanonicalOutbound())
	fmt.Fprintf(w, "USE\t%s\n", enumWord(r.GetUse().Descriptor(), r.GetUse().Number()))
	if r.GetInboundChoice() != "" {
		fmt.Fprintf(w, "CHOICE\t%s\n", r.GetInboundChoice())
	}
	for _, c := range r.GetConditions() {
		fmt.Fprintf(w, "CONDITION\t%s\n", c)
	}
	for _, wr := range r.GetWarnings() {
		fmt.Fprintf(w, "WARNING\t%s\n", wr)
	}
	reasonsTable(w, r.GetReasons())
}

// reasonsTable lists the rules behind a verdict with the first public
// source of each.
func reasonsTable(w io.Writer, reasons []*licencesv1.Reason) {
	if len(reasons) == 0 {
		return
	}
	fmt.Fprintf(w, "\nRULE\tVERDICT\tREASON\tSOURCE\n")
	for _, r := range reasons {
		src := "-"
		if s := r.GetSources(); len(s) > 0 {
			src = strings.TrimSpace(s[0].GetTitle() + " " + s[0].GetClause())
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.GetRule(), verdictWord(r.GetVerdict()), r.GetMessage(), src)
	}
}

func verdictWord(v licencesv1.Verdict) string {
	return enumWord(v.Descriptor(), v.Number())
}

package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
)

func newExceptionsCmd() *cobra.Command {
	var o clientOptions
	cmd := &cobra.Command{
		Use:   "exceptions",
		Short: "Show the licence exceptions of the SPDX list (the part after WITH)",
		Args:  args(),
	}
	addClientFlags(cmd, &o)
	cmd.AddCommand(newExceptionsShowCmd(&o), newExceptionsListCmd(&o))
	return cmd
}

func newExceptionsShowCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "show <exception-id>",
		Short:   "Show one exception: what it changes and the sources behind it",
		Example: "  stemma exceptions show Classpath-exception-2.0\n  stemma exceptions show exceptions/LLVM-exception --output json",
		Args:    args("exception-id"),
		RunE: func(cmd *cobra.Command, a []string) error {
			resp := &licencesv1.LicenceException{}
			req := &licencesv1.GetExceptionRequest{Name: resourceName("exceptions", a[0])}
			if err := o.invoke(cmd, licenceService, "GetException", req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "EXCEPTION\t%s\n", resp.GetExceptionId())
				fmt.Fprintf(w, "TITLE\t%s\n", resp.GetTitle())
				fmt.Fprintf(w, "MODELLED\t%v\n", resp.GetModelled())
				fmt.Fprintf(w, "EFFECT\t%s\n", orDash(resp.GetEffect()))
				fmt.Fprintf(w, "DEPRECATED\t%v\n", resp.GetDeprecated())
				fmt.Fprintf(w, "REFERENCE\t%s\n", orDash(resp.GetReferenceUrl()))
				for _, s := range resp.GetSources() {
					fmt.Fprintf(w, "SOURCE\t%s\n", strings.TrimSpace(s.GetTitle()+" "+s.GetClause()+" "+s.GetUrl()))
				}
			})
		},
	}
}

func newExceptionsListCmd(o *clientOptions) *cobra.Command {
	var req licencesv1.ListExceptionsRequest
	var all bool
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the exceptions, paginated",
		Example: "  stemma exceptions list\n  stemma exceptions list --all --output json | jq -r '.exceptions[].exceptionId'",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := &licencesv1.ListExceptionsResponse{}
			for {
				resp := &licencesv1.ListExceptionsResponse{}
				if err := o.invoke(cmd, licenceService, "ListExceptions", &req, resp); err != nil {
					return err
				}
				out.Exceptions = append(out.Exceptions, resp.GetExceptions()...)
				out.TotalSize, out.NextPageToken = resp.GetTotalSize(), resp.GetNextPageToken()
				if !all || resp.GetNextPageToken() == "" {
					break
				}
				req.PageToken = resp.GetNextPageToken()
			}
			return o.show(cmd, out, func(w io.Writer) {
				fmt.Fprintf(w, "EXCEPTION\tMODELLED\tDEPRECATED\tTITLE\n")
				for _, e := range out.GetExceptions() {
					fmt.Fprintf(w, "%s\t%v\t%v\t%s\n", e.GetExceptionId(), e.GetModelled(), e.GetDeprecated(), e.GetTitle())
				}
				if out.GetNextPageToken() != "" {
					fmt.Fprintf(w, "\n%d of %d shown; more with --page-token %s or --all\n", len(out.GetExceptions()), out.GetTotalSize(), out.GetNextPageToken())
				}
			})
		},
	}
	cmd.Flags().Int32Var(&req.PageSize, "page-size", 0, "exceptions per page (0: the server's default)")
	cmd.Flags().StringVar(&req.PageToken, "page-token", "", "the page to start from, as a previous list printed it")
	cmd.Flags().BoolVar(&all, "all", false, "follow every page")
	return cmd
}

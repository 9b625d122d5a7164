package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
)

func newLicencesCmd() *cobra.Command {
	var o clientOptions
	cmd := &cobra.Command{
		Use:     "licences",
		Aliases: []string{"licenses"},
		Short:   "Show licences of the SPDX list with Stemma's properties",
		Args:    args(),
	}
	addClientFlags(cmd, &o)
	cmd.AddCommand(newLicencesShowCmd(&o), newLicencesListCmd(&o))
	return cmd
}

func newLicencesShowCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "show <licence-id>",
		Short:   "Show one licence: its category, obligations and the sources they rest on",
		Example: "  stemma licences show GPL-3.0-or-later",
		Args:    args("licence-id"),
		RunE: func(cmd *cobra.Command, a []string) error {
			resp := &licencesv1.Licence{}
			req := &licencesv1.GetLicenceRequest{Name: resourceName("licences", a[0])}
			if err := o.invoke(cmd, licenceService, "GetLicence", req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) { licenceTable(w, resp) })
		},
	}
}

func licenceTable(w io.Writer, l *licencesv1.Licence) {
	var obligations []string
	for _, ob := range l.GetObligations() {
		obligations = append(obligations, enumWord(ob.Descriptor(), ob.Number()))
	}
	rows := [][2]string{
		{"LICENCE", l.GetLicenceId()},
		{"TITLE", l.GetTitle()},
		{"CATEGORY", enumWord(l.GetCategory().Descriptor(), l.GetCategory().Number())},
		{"DOMAIN", enumWord(l.GetDomain().Descriptor(), l.GetDomain().Number())},
		{"OBLIGATIONS", orDash(strings.Join(obligations, ", "))},
		{"PATENTS", enumWord(l.GetPatentTerms().Descriptor(), l.GetPatentTerms().Number())},
		{"OSI APPROVED", fmt.Sprint(l.GetOsiApproved())},
		{"FSF LIBRE", fmt.Sprint(l.GetFsfLibre())},
		{"MODELLED", fmt.Sprint(l.GetModelled())},
		{"DEPRECATED", fmt.Sprint(l.GetDeprecated())},
		{"REPLACED BY", orDash(l.GetReplacedBy())},
		{"REFERENCE", l.GetReferenceUrl()},
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\n", r[0], r[1])
	}
	for _, s := range l.GetSources() {
		fmt.Fprintf(w, "SOURCE\t%s\n", strings.TrimSpace(s.GetTitle()+" "+s.GetClause()+" "+s.GetUrl()))
	}
	if l.GetNotes() != "" {
		fmt.Fprintf(w, "NOTES\t%s\n", l.GetNotes())
	}
}

func newLicencesListCmd(o *clientOptions) *cobra.Command {
	var filter, pageToken string
	var pageSize int32
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List licences, filtered and paginated",
		Example: `  stemma licences list --filter 'category = STRONG_COPYLEFT AND osi_approved = true'
  stemma licences list --all --output json`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := &licencesv1.ListLicencesRequest{Filter: filter, PageSize: pageSize, PageToken: pageToken}
			out := &licencesv1.ListLicencesResponse{}
			for {
				resp := &licencesv1.ListLicencesResponse{}
				if err := o.invoke(cmd, licenceService, "ListLicences", req, resp); err != nil {
					return err
				}
				out.Licences = append(out.Licences, resp.GetLicences()...)
				out.TotalSize, out.NextPageToken = resp.GetTotalSize(), resp.GetNextPageToken()
				if !all || resp.GetNextPageToken() == "" {
					break
				}
				req.PageToken = resp.GetNextPageToken()
			}
			return o.show(cmd, out, func(w io.Writer) {
				fmt.Fprintf(w, "LICENCE\tCATEGORY\tOSI\tMODELLED\tTITLE\n")
				for _, l := range out.GetLicences() {
					fmt.Fprintf(w, "%s\t%s\t%v\t%v\t%s\n", l.GetLicenceId(),
						enumWord(l.GetCategory().Descriptor(), l.GetCategory().Number()),
						l.GetOsiApproved(), l.GetModelled(), l.GetTitle())
				}
				if out.GetNextPageToken() != "" {
					fmt.Fprintf(w, "\n%d of %d shown; more with --page-token %s or --all\n", len(out.GetLicences()), out.GetTotalSize(), out.GetNextPageToken())
				}
			})
		},
	}
	cmd.Flags().StringVar(&filter, "filter", "", "AIP-160 filter over category, domain, family, osi_approved, fsf_libre, deprecated, modelled, obligations")
	cmd.Flags().Int32Var(&pageSize, "page-size", 0, "licences per page (0: the server's default)")
	cmd.Flags().StringVar(&pageToken, "page-token", "", "the page to start from, as a previous list printed it")
	cmd.Flags().BoolVar(&all, "all", false, "follow every page")
	return cmd
}

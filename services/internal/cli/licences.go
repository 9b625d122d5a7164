package cli

import (
	"fmt"
	"io"
	"strconv"
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
	cmd.AddCommand(newLicencesShowCmd(&o), newLicencesListCmd(&o), newLicencesIdentifyCmd(&o),
		newLicencesSuggestCmd(&o), newLicencesParseCmd(&o), newLicencesIdentifyBatchCmd(&o))
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

// maxIdentifyText is the server's bound on a licence text (256 KiB); the
// command reads one byte more so that it can say a file is too long
// instead of sending a truncated text that might still match.
const maxIdentifyText = 256 << 10

func newLicencesIdentifyCmd(o *clientOptions) *cobra.Command {
	var name, url string
	cmd := &cobra.Command{
		Use:   "identify [FILE | --name NAME | --url URL]",
		Short: "Say which SPDX licence a licence file, a licence name or a licence URL is",
		Long: `Identify resolves one of: the text of a licence file (FILE, "-" for standard
input, at most 256 KiB), a licence as package metadata names it (--name: an
SPDX identifier or expression, a full name, or an alias such as "GPLv3"), or
a URL where a licence is published (--url). It prints the SPDX expression,
how it was found, how sure the match is, and other licences the input could
mean.

Exit code: 0 when a licence was identified; 1 when none was; 2 on an error.`,
		Example: `  stemma licences identify LICENSE
  cat COPYING | stemma licences identify -
  stemma licences identify --name 'Apache License, Version 2.0'
  stemma licences identify --url https://www.gnu.org/licenses/gpl-3.0.html --output json`,
		Args: func(cmd *cobra.Command, a []string) error {
			given := len(a)
			for _, f := range []string{"name", "url"} {
				if cmd.Flags().Changed(f) {
					given++
				}
			}
			if len(a) > 1 || given != 1 {
				return usageErrorf("give exactly one of FILE, --name and --url")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			req := &licencesv1.IdentifyLicenceRequest{Name: name, Url: url}
			if len(a) == 1 {
				text, err := readLicenceFile(cmd, a[0])
				if err != nil {
					return err
				}
				req.Text = text
			}
			resp := &licencesv1.IdentifyLicenceResponse{}
			if err := o.invoke(cmd, licenceService, "IdentifyLicence", req, resp); err != nil {
				return err
			}
			if err := o.show(cmd, resp, func(w io.Writer) { identifyTable(w, resp) }); err != nil {
				return err
			}
			if resp.GetMethod() == licencesv1.IdentifyMethod_IDENTIFY_METHOD_NONE {
				return answeredNo
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "a licence name, alias, SPDX identifier or expression")
	cmd.Flags().StringVar(&url, "url", "", "a URL where a licence is published")
	return cmd
}

// readLicenceFile reads a licence file ("-": standard input) of at most the
// server's bound.
func readLicenceFile(cmd *cobra.Command, file string) (string, error) {
	r, err := openArg(cmd, file)
	if err != nil {
		return "", err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, maxIdentifyText+1))
	if err != nil {
		return "", usageErrorf("%s: %v", file, err)
	}
	if len(b) > maxIdentifyText {
		return "", usageErrorf("%s: longer than %d bytes; no licence text is that long", file, maxIdentifyText)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", usageErrorf("%s: empty", file)
	}
	return string(b), nil
}

func identifyTable(w io.Writer, r *licencesv1.IdentifyLicenceResponse) {
	fmt.Fprintf(w, "EXPRESSION\t%s\n", orDash(r.GetExpression()))
	fmt.Fprintf(w, "METHOD\t%s\n", enumWord(r.GetMethod().Descriptor(), r.GetMethod().Number()))
	fmt.Fprintf(w, "CONFIDENCE\t%s\n", strconv.FormatFloat(r.GetConfidence(), 'f', 2, 64))
	for _, a := range r.GetAlternatives() {
		fmt.Fprintf(w, "ALTERNATIVE\t%s\n", a)
	}
	for _, wr := range r.GetWarnings() {
		fmt.Fprintf(w, "WARNING\t%s\n", wr)
	}
}

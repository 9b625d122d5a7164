package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

var curationService = lineagev1.File_stemma_lineage_v1_curation_proto.Services().ByName("CurationService")

func newCurationsCmd() *cobra.Command {
	var o clientOptions
	cmd := &cobra.Command{
		Use:   "curations",
		Short: "Propose, review and list licence curations",
		Long: `A curation claims that a work, or a package over a range of versions, is
under another licence than the one it declares, with evidence. Anyone with
a key may propose one; a reviewer (--reviewers) or an admin other than its
proposer accepts or rejects it. An accepted curation replaces the declared
licence in SBOM imports and policy checks, which say so (docs/curations.md).`,
	}
	addClientFlags(cmd, &o)
	cmd.AddCommand(newCurationsProposeCmd(&o), newCurationsListCmd(&o), newCurationsShowCmd(&o),
		newCurationsReviewCmd(&o, "accept", "AcceptCuration"), newCurationsReviewCmd(&o, "reject", "RejectCuration"))
	return cmd
}

func curationState(s lineagev1.CurationState) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "CURATION_STATE_"))
}

// curationSubject is what a curation is about: its work, or its package
// and versions.
func curationSubject(c *lineagev1.Curation) string {
	if c.GetWork() != "" {
		return c.GetWork()
	}
	if c.GetVersions() != "" {
		return c.GetPurl() + " " + c.GetVersions()
	}
	return c.GetPurl()
}

// showCuration prints one curation with its history.
func showCuration(w io.Writer, c *lineagev1.Curation) {
	fmt.Fprintf(w, "NAME\t%s\nSUBJECT\t%s\nLICENCE\t%s\nSTATE\t%s\nPROPOSER\t%s\n", c.GetName(), curationSubject(c),
		c.GetLicence(), curationState(c.GetState()), c.GetProposer())
	if c.GetReviewer() != "" {
		fmt.Fprintf(w, "REVIEWER\t%s\n", c.GetReviewer())
	}
	fmt.Fprintf(w, "EVIDENCE\t%s\n", c.GetEvidence().GetUrl())
	for _, e := range c.GetHistory() {
		line := fmt.Sprintf("%s %s by %s", e.GetTime().AsTime().Format(time.RFC3339), curationState(e.GetState()), e.GetActor())
		if e.GetNote() != "" {
			line += ": " + e.GetNote()
		}
		fmt.Fprintf(w, "HISTORY\t%s\n", line)
	}
}

func newCurationsProposeCmd(o *clientOptions) *cobra.Command {
	c := &lineagev1.Curation{Evidence: &lineagev1.CurationEvidence{}}
	cmd := &cobra.Command{
		Use:   "propose (--purl P [--versions RANGE] | --work W) --licence EXPR --evidence URL",
		Short: "Propose a curation of a package's or a work's licence (needs STEMMA_API_KEY)",
		Example: `  stemma curations propose --purl pkg:npm/left-pad --versions 'vers:npm/<2.0.0' --licence MIT \
      --evidence https://github.com/left-pad/left-pad/blob/v1.3.0/LICENSE
  stemma curations propose --work works/abc --licence CC-BY-4.0 --evidence https://example.com/terms --output json`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (c.GetPurl() == "") == (c.GetWork() == "") {
				return usageErrorf("give exactly one of --purl and --work")
			}
			if c.GetLicence() == "" || c.GetEvidence().GetUrl() == "" {
				return usageErrorf("--licence and --evidence are required")
			}
			if c.Work != "" {
				c.Work = resourceName("works", c.Work)
			}
			resp := &lineagev1.Curation{}
			if err := o.invoke(cmd, curationService, "CreateCuration", &lineagev1.CreateCurationRequest{Curation: c}, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) { showCuration(w, resp) })
		},
	}
	cmd.Flags().StringVar(&c.Purl, "purl", "", "the package: a package URL, without a version (all, or --versions) or with one")
	cmd.Flags().StringVar(&c.Versions, "versions", "", "the versions of --purl, a vers: range (vers:npm/>=1.0.0|<2.0.0)")
	cmd.Flags().StringVar(&c.Work, "work", "", "the work (works/{id})")
	cmd.Flags().StringVar(&c.Licence, "licence", "", "the licence expression claimed")
	cmd.Flags().StringVar(&c.Evidence.Url, "evidence", "", "where the evidence is (an http or https URL)")
	cmd.Flags().StringVar(&c.Evidence.TextDigest, "text-digest", "", "the digest of the licence text found there (sha256:<hex>)")
	cmd.Flags().StringVar(&c.Evidence.Note, "note", "", "a note for the reviewer")
	return cmd
}

func newCurationsListCmd(o *clientOptions) *cobra.Command {
	var req lineagev1.ListCurationsRequest
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List curations, by a filter",
		Example: `  stemma curations list --filter 'state = PROPOSED'
  stemma curations list --filter 'purl : "left-pad"' --output json`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			resp := &lineagev1.ListCurationsResponse{}
			if err := o.invoke(cmd, curationService, "ListCurations", &req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "NAME\tSTATE\tSUBJECT\tLICENCE\tPROPOSER\tREVIEWER\n")
				for _, c := range resp.GetCurations() {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", c.GetName(), curationState(c.GetState()), curationSubject(c),
						c.GetLicence(), c.GetProposer(), c.GetReviewer())
				}
				if resp.GetNextPageToken() != "" {
					fmt.Fprintf(w, "\nmore with --page-token %s\n", resp.GetNextPageToken())
				}
			})
		},
	}
	cmd.Flags().StringVar(&req.Filter, "filter", "", "an AIP-160 filter over state, purl, work, licence, proposer and reviewer")
	cmd.Flags().Int32Var(&req.PageSize, "page-size", 0, "curations per page (0: the server's default)")
	cmd.Flags().StringVar(&req.PageToken, "page-token", "", "the page to start from")
	return cmd
}

func newCurationsShowCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "show <curation>",
		Short:   "Show a curation and its history",
		Example: "  stemma curations show curations/abc",
		Args:    args("curation"),
		RunE: func(cmd *cobra.Command, a []string) error {
			resp := &lineagev1.Curation{}
			if err := o.invoke(cmd, curationService, "GetCuration", &lineagev1.GetCurationRequest{Name: resourceName("curations", a[0])}, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) { showCuration(w, resp) })
		},
	}
}

// newCurationsReviewCmd is accept or reject: the two take the same
// arguments and answer the same.
func newCurationsReviewCmd(o *clientOptions, verb, method string) *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:     verb + " <curation>",
		Short:   strings.ToUpper(verb[:1]) + verb[1:] + " a curation (a reviewer or an admin, not its proposer)",
		Example: "  stemma curations " + verb + " curations/abc --note 'the LICENSE file says so'",
		Args:    args("curation"),
		RunE: func(cmd *cobra.Command, a []string) error {
			name := resourceName("curations", a[0])
			var req proto.Message
			if verb == "accept" {
				req = &lineagev1.AcceptCurationRequest{Name: name, Note: note}
			} else {
				req = &lineagev1.RejectCurationRequest{Name: name, Note: note}
			}
			resp := &lineagev1.Curation{}
			if err := o.invoke(cmd, curationService, method, req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) { showCuration(w, resp) })
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "why, kept in the curation's history")
	return cmd
}

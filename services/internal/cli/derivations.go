package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/emptypb"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

func newDerivationsCmd() *cobra.Command {
	var o clientOptions
	cmd := &cobra.Command{
		Use:   "derivations",
		Short: "List, show and delete derivations (record one with stemma derive)",
		Args:  args(),
	}
	addClientFlags(cmd, &o)
	cmd.AddCommand(newDerivationsListCmd(&o), newDerivationsShowCmd(&o), newDerivationsDeleteCmd(&o))
	return cmd
}

func newDerivationsListCmd(o *clientOptions) *cobra.Command {
	var req lineagev1.ListDerivationsRequest
	var derivative, source string
	var g graphFlags
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List derivations, by derivative, source, relation or conflict",
		Example: `  stemma derivations list --derivative works/app
  stemma derivations list --source works/libfoo --conflicts-only --all --output json`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			rels, err := g.parse()
			if err != nil {
				return err
			}
			req.Relations = rels
			if derivative != "" {
				req.Derivative = resourceName("works", derivative)
			}
			if source != "" {
				req.Source = resourceName("works", source)
			}
			out := &lineagev1.ListDerivationsResponse{}
			for {
				resp := &lineagev1.ListDerivationsResponse{}
				if err := o.invoke(cmd, lineageService, "ListDerivations", &req, resp); err != nil {
					return err
				}
				out.Derivations = append(out.Derivations, resp.GetDerivations()...)
				out.NextPageToken = resp.GetNextPageToken()
				if !all || out.NextPageToken == "" {
					break
				}
				req.PageToken = out.NextPageToken
			}
			return o.show(cmd, out, func(w io.Writer) {
				fmt.Fprintf(w, "NAME\tDERIVATIVE\tSOURCE\tRELATION\tVERDICT\tCONFLICT\n")
				for _, d := range out.GetDerivations() {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%t\n", d.GetName(), d.GetDerivative(), d.GetSource(),
						enumWord(d.GetRelation().Descriptor(), d.GetRelation().Number()), verdictWord(d.GetVerdict().GetVerdict()), d.GetConflict())
				}
				if out.GetNextPageToken() != "" {
					fmt.Fprintf(w, "\nmore with --page-token %s or --all\n", out.GetNextPageToken())
				}
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&derivative, "derivative", "", "only derivations whose derivative is this work")
	f.StringVar(&source, "source", "", "only derivations whose source is this work")
	f.StringArrayVar(&g.relations, "relation", nil, "only derivations of this relation (repeatable)")
	f.BoolVar(&req.ConflictsOnly, "conflicts-only", false, "only derivations recorded as licence conflicts")
	f.Int32Var(&req.PageSize, "page-size", 0, "derivations per page (0: the server's default)")
	f.StringVar(&req.PageToken, "page-token", "", "the page to start from")
	f.BoolVar(&all, "all", false, "follow every page")
	return cmd
}

func newDerivationsShowCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "show <derivation>",
		Short:   "Show one derivation with its verdict and reasons",
		Example: "  stemma derivations show derivations/abc --output json",
		Args:    args("derivation"),
		RunE: func(cmd *cobra.Command, a []string) error {
			resp := &lineagev1.Derivation{}
			if err := o.invoke(cmd, lineageService, "GetDerivation", &lineagev1.GetDerivationRequest{Name: resourceName("derivations", a[0])}, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) { derivationTable(w, resp) })
		},
	}
}

func newDerivationsDeleteCmd(o *clientOptions) *cobra.Command {
	var etag string
	cmd := &cobra.Command{
		Use:     "delete <derivation>",
		Short:   "Delete a derivation of a work you own (needs STEMMA_API_KEY)",
		Example: "  stemma derivations delete derivations/abc",
		Args:    args("derivation"),
		RunE: func(cmd *cobra.Command, a []string) error {
			name := resourceName("derivations", a[0])
			resp := &emptypb.Empty{}
			if err := o.invoke(cmd, lineageService, "DeleteDerivation", &lineagev1.DeleteDerivationRequest{Name: name, Etag: etag}, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) { fmt.Fprintf(w, "deleted %s\n", name) })
		},
	}
	cmd.Flags().StringVar(&etag, "etag", "", "delete only if the derivation is still at this etag")
	return cmd
}

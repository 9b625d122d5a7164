package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

// graphFlags are the flags of the commands that walk the graph.
type graphFlags struct {
	maxDepth  int32
	relations []string
}

func (g *graphFlags) add(cmd *cobra.Command) {
	cmd.Flags().Int32Var(&g.maxDepth, "max-depth", 0, "how far to go (0: the server's bound)")
	cmd.Flags().StringArrayVar(&g.relations, "relation", nil, "follow only derivations of this relation (repeatable)")
}

func (g *graphFlags) parse() ([]lineagev1.Relation, error) {
	var out []lineagev1.Relation
	for _, r := range g.relations {
		n, err := parseEnum(lineagev1.Relation(0).Descriptor(), "relation", r)
		if err != nil {
			return nil, err
		}
		out = append(out, lineagev1.Relation(n))
	}
	return out, nil
}

func newAuditCmd() *cobra.Command {
	var o clientOptions
	var maxDepth int32
	var strict bool
	cmd := &cobra.Command{
		Use:   "audit <work>",
		Short: "Find every licence conflict in a work's ancestry, with the path to it",
		Long: `Audit checks every derivation upstream of <work> and lists the licence
conflicts, each with the path from <work> to where it arises and the rules
that found it, and the derivations whose verdict is unknown. Sources
relicensed since their material was taken are listed as information: each
derivation is judged by the licence in force when its material was taken.

Exit code: 0 when there is no conflict, 1 when there is one (or, with
--strict, an unknown verdict), 2 on an error.`,
		Example: "  stemma audit works/app\n  stemma audit works/app --strict --output json",
		Args:    args("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			req := &lineagev1.AuditWorkRequest{Work: resourceName("works", a[0]), MaxDepth: maxDepth}
			out := &lineagev1.AuditWorkResponse{}
			for {
				resp := &lineagev1.AuditWorkResponse{}
				if err := o.invoke(cmd, lineageService, "AuditWork", req, resp); err != nil {
					return err
				}
				out.Work, out.DerivationsChecked, out.Unknown, out.Truncated = resp.GetWork(), resp.GetDerivationsChecked(), resp.GetUnknown(), resp.GetTruncated()
				out.Relicensed, out.Conditional = resp.GetRelicensed(), resp.GetConditional()
				out.Conflicts = append(out.Conflicts, resp.GetConflicts()...)
				if resp.GetNextPageToken() == "" {
					break
				}
				req.PageToken = resp.GetNextPageToken()
			}
			if err := o.show(cmd, out, func(w io.Writer) { auditTable(w, out) }); err != nil {
				return err
			}
			if len(out.GetConflicts()) > 0 || strict && len(out.GetUnknown()) > 0 {
				return answeredNo
			}
			return nil
		},
	}
	addClientFlags(cmd, &o)
	cmd.Flags().Int32Var(&maxDepth, "max-depth", 0, "how far up to look (0: the server's bound)")
	cmd.Flags().BoolVar(&strict, "strict", false, "exit 1 for unknown verdicts too")
	return cmd
}

func auditTable(w io.Writer, r *lineagev1.AuditWorkResponse) {
	fmt.Fprintf(w, "WORK\t%s\n", r.GetWork())
	fmt.Fprintf(w, "DERIVATIONS CHECKED\t%d\n", r.GetDerivationsChecked())
	fmt.Fprintf(w, "CONFLICTS\t%d\n", len(r.GetConflicts()))
	fmt.Fprintf(w, "UNKNOWN\t%s\n", orDash(strings.Join(r.GetUnknown(), " ")))
	if r.GetTruncated() {
		fmt.Fprintf(w, "TRUNCATED\tthe depth bound cut the ancestry short\n")
	}
	conflictsTable(w, r.GetConflicts())
	for _, c := range r.GetConditional() {
		for _, cond := range c.GetCheck().GetConditions() {
			fmt.Fprintf(w, "CONDITION\t%s from %s: %s\n", c.GetDerivative(), c.GetSource(), cond)
		}
	}
	if len(r.GetRelicensed()) > 0 {
		fmt.Fprintf(w, "\nRELICENSED SINCE TAKEN (information)\nDERIVATIVE\tSOURCE\tTAKEN\tFROM\tTO\tEFFECTIVE\tPATH\n")
		for _, x := range r.GetRelicensed() {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.GetDerivative(), x.GetSource(), x.GetSourceTime().AsTime().Format(time.RFC3339),
				orDash(x.GetFromLicence()), orDash(x.GetToLicence()), x.GetEffectiveTime().AsTime().Format(time.RFC3339), strings.Join(x.GetPath(), " -> "))
		}
	}
}

// conflictsTable lists licence conflicts with their paths and first reason.
func conflictsTable(w io.Writer, cs []*lineagev1.Conflict) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintf(w, "\nDERIVATIVE\tSOURCE\tINBOUND\tOUTBOUND\tVERDICT\tPATH\tREASON\n")
	for _, c := range cs {
		source := c.GetSource()
		if c.GetOtherSource() != "" {
			source += " + " + c.GetOtherSource()
		}
		reason := "-"
		if rs := c.GetCheck().GetReasons(); len(rs) > 0 {
			reason = rs[0].GetMessage()
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.GetDerivative(), source, orDash(c.GetCheck().GetInbound()),
			orDash(c.GetCheck().GetOutbound()), verdictWord(c.GetCheck().GetVerdict()), strings.Join(c.GetPath(), " -> "), reason)
	}
}

func newAttributionCmd() *cobra.Command {
	var o clientOptions
	var maxDepth int32
	var markdown bool
	cmd := &cobra.Command{
		Use:     "attribution <work>",
		Short:   "Print the credits a work owes to everything upstream of it",
		Example: "  stemma attribution works/remix --markdown > CREDITS.md",
		Args:    args("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			resp := &lineagev1.Attribution{}
			req := &lineagev1.GetAttributionRequest{Work: resourceName("works", a[0]), MaxDepth: maxDepth}
			if err := o.invoke(cmd, lineageService, "GetAttribution", req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				text := resp.GetText()
				if markdown {
					text = resp.GetMarkdown()
				}
				fmt.Fprint(w, text)
				if !strings.HasSuffix(text, "\n") {
					fmt.Fprintln(w)
				}
				if resp.GetTruncated() {
					fmt.Fprintln(w, "(the depth bound cut the ancestry short)")
				}
			})
		},
	}
	addClientFlags(cmd, &o)
	cmd.Flags().Int32Var(&maxDepth, "max-depth", 0, "how far up to credit (0: the server's bound)")
	cmd.Flags().BoolVar(&markdown, "markdown", false, "print the credits as Markdown instead of plain text")
	return cmd
}

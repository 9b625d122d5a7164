package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

func newDeriveCmd() *cobra.Command {
	var o clientOptions
	var relation, use, sourceTime string
	req := &lineagev1.CreateDerivationRequest{Derivation: &lineagev1.Derivation{}}
	cmd := &cobra.Command{
		Use:   "derive <derivative> <source> --relation <relation>",
		Short: "Record that one work derives from another (needs STEMMA_API_KEY)",
		Long: `Derive records that <derivative> derives from <source>. The source's licence is
checked against the derivative's for the relation; when they conflict the
derivation is refused (exit 1) with the reasons, unless --allow-conflict
records it marked as a conflict. A derivation that would close a cycle is
refused too (exit 1). --source-time says when the material was taken (a
fork's branch point): the source is judged by its licence in force then.`,
		Example: `  stemma derive works/remix works/photo --relation remix --note "cropped and recoloured"
  stemma derive works/app works/libfoo --relation inclusion --use link-static
  stemma derive works/opentofu works/terraform --relation fork --source-time 2023-08-09T00:00:00Z`,
		Args: args("derivative", "source"),
		RunE: func(cmd *cobra.Command, a []string) error {
			d := req.Derivation
			d.Derivative, d.Source = resourceName("works", a[0]), resourceName("works", a[1])
			if relation == "" {
				return usageErrorf("--relation is required: adaptation, translation, remix, fork, inclusion, copy, dependency or training")
			}
			n, err := parseEnum(lineagev1.Relation(0).Descriptor(), "relation", relation)
			if err != nil {
				return err
			}
			d.Relation = lineagev1.Relation(n)
			if d.SourceTime, err = timeFlag("source-time", sourceTime); err != nil {
				return err
			}
			if use != "" {
				n, err := parseEnum(licencesv1.Use(0).Descriptor(), "use", use)
				if err != nil {
					return err
				}
				d.Use = licencesv1.Use(n)
			}
			c, err := o.connect()
			if err != nil {
				return err
			}
			defer c.close()
			resp := &lineagev1.Derivation{}
			err = c.call(cmd.Context(), lineageService.Methods().ByName("CreateDerivation"), req, resp)
			if isCode(err, codes.FailedPrecondition) {
				// A refusal is the answer "no", not a failure to answer.
				fmt.Fprintln(cmd.ErrOrStderr(), "stemma: refused:", describe(err))
				return answeredNo
			}
			if err != nil {
				return failed(err)
			}
			return o.show(cmd, resp, func(w io.Writer) { derivationTable(w, resp) })
		},
	}
	addClientFlags(cmd, &o)
	f := cmd.Flags()
	f.StringVar(&relation, "relation", "", "adaptation, translation, remix, fork, inclusion, copy, dependency or training")
	f.StringVar(&use, "use", "", "how the source is used (for inclusion, the link kind): incorporate, link-static, link-dynamic, aggregate, network-service, training")
	f.StringVar(&req.Derivation.Note, "note", "", "what was done, for the attribution")
	f.StringVar(&req.Derivation.Portion, "portion", "", "which part of the source was used, if not all")
	f.StringVar(&sourceTime, "source-time", "", "when the material was taken (RFC 3339); now when not given")
	f.BoolVar(&req.AllowConflict, "allow-conflict", false, "record the derivation even when the licences conflict, marked as a conflict")
	f.StringVar(&req.RequestId, "request-id", "", "an idempotency key: repeating the command returns the first result")
	f.StringVar(&req.DerivationId, "id", "", "the derivation's id (the server chooses one when empty)")
	return cmd
}

func derivationTable(w io.Writer, d *lineagev1.Derivation) {
	rows := [][2]string{
		{"NAME", d.GetName()},
		{"DERIVATIVE", d.GetDerivative()},
		{"SOURCE", d.GetSource()},
		{"RELATION", enumWord(d.GetRelation().Descriptor(), d.GetRelation().Number())},
		{"USE", enumWord(d.GetVerdict().GetUse().Descriptor(), d.GetVerdict().GetUse().Number())},
		{"SOURCE LICENCE", orDash(d.GetSourceLicence())},
		{"SOURCE TIME", d.GetSourceTime().AsTime().Format(time.RFC3339)},
		{"DERIVATIVE LICENCE", orDash(d.GetDerivativeLicence())},
		{"VERDICT", verdictWord(d.GetVerdict().GetVerdict())},
		{"CONFLICT", fmt.Sprint(d.GetConflict())},
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\n", r[0], r[1])
	}
	for _, c := range d.GetVerdict().GetConditions() {
		fmt.Fprintf(w, "CONDITION\t%s\n", c)
	}
	reasonsTable(w, d.GetVerdict().GetReasons())
}

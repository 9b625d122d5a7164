package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/catalog/iscc"
	"github.com/stemma-registry/stemma/services/catalog/similarity"
)

func newSimilarCmd() *cobra.Command {
	var (
		o    clientOptions
		req  catalogv1.SearchSimilarWorksRequest
		dist int32
	)
	cmd := &cobra.Command{
		Use:   "similar <file>",
		Short: "Find registered works whose content is near a file's: resized, re-encoded, reflowed copies",
		Long: `Similar computes the file's ISCC-CODE here, as stemma fingerprint does, and
asks the registry for the works whose Content-Code (of the same kind: text,
image) or Data-Code is within --max-distance bits of the file's, nearest
first, with their licences. With --licence (the licence you know the file
under), a copy registered under another licence is marked "differs"; without
it, a match is marked when its licence differs from the nearest match's.
--iscc searches for a code computed elsewhere instead of a file.

Exit code: 0 when works were found, 1 when none were, 2 on an error.`,
		Example: `  stemma similar photo-small.png
  stemma similar chapter.txt --max-distance 4 --licence CC-BY-SA-4.0
  stemma similar --iscc ISCC:EEAYHJGUD3LC2LAA --output json`,
		Args: func(cmd *cobra.Command, a []string) error {
			if (len(a) == 1) == (req.Iscc != "") {
				return usageErrorf("give one file, or --iscc and no file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			if len(a) == 1 {
				fp, err := fingerprintFile(cmd, a[0], iscc.Options{})
				if err != nil {
					return err
				}
				req.Iscc = fp.ISCC.String()
			}
			if cmd.Flags().Changed("max-distance") {
				req.MaxDistance = &dist
			}
			resp := &catalogv1.SearchSimilarWorksResponse{}
			if err := o.invoke(cmd, catalogService, "SearchSimilarWorks", &req, resp); err != nil {
				return err
			}
			if err := o.show(cmd, resp, func(w io.Writer) { similarTable(w, resp, req.Licence != "") }); err != nil {
				return err
			}
			if len(resp.GetMatches()) == 0 {
				return answeredNo
			}
			return nil
		},
	}
	addClientFlags(cmd, &o)
	f := cmd.Flags()
	f.StringVar(&req.Iscc, "iscc", "", "an ISCC-CODE or Content-/Data-Code to search for instead of a file's")
	f.Int32Var(&dist, "max-distance", similarity.DefaultDistance, fmt.Sprintf("the most bits of 64 a match may differ in (0 to %d)", similarity.MaxDistance))
	f.StringVar(&req.Licence, "licence", "", "the licence you know the content under: matches under another are marked")
	f.Int32Var(&req.PageSize, "page-size", 0, "matches per page (0: the server's default)")
	f.StringVar(&req.PageToken, "page-token", "", "the page to start from")
	return cmd
}

// similarTable writes the matches nearest first. Without a licence asked
// for, the nearest match's licence is the reference: a copy of a work is
// usually registered after it, and further from the file.
func similarTable(w io.Writer, resp *catalogv1.SearchSimilarWorksResponse, asked bool) {
	ms := resp.GetMatches()
	if len(ms) == 0 {
		fmt.Fprintln(w, "no similar works")
		return
	}
	fmt.Fprintf(w, "DISTANCE\tUNIT\tNAME\tTITLE\tLICENCE\t\n")
	for _, m := range ms {
		differs := m.GetLicenceDiffers()
		if !asked {
			differs = m.GetWork().GetLicence() != ms[0].GetWork().GetLicence()
		}
		mark := ""
		if differs {
			mark = "licence differs"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", m.GetDistance(), m.GetUnit(), m.GetWork().GetName(),
			m.GetWork().GetTitle(), orDash(m.GetWork().GetLicence()), mark)
	}
	if next := resp.GetNextPageToken(); next != "" {
		fmt.Fprintf(w, "\nmore with --page-token %s\n", next)
	}
}

package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/stemma-registry/stemma/services/catalog/iscc"
)

// fingerprintJSON is what --output json writes: the codes in their
// canonical "ISCC:" form, named as the API names fields.
type fingerprintJSON struct {
	File        string `json:"file"`
	Size        int64  `json:"size"`
	ISCC        string `json:"iscc"`
	Meta        string `json:"meta,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Metahash    string `json:"metahash,omitempty"`
	Content     string `json:"content,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Characters  int    `json:"characters,omitempty"`
	ContentNote string `json:"contentNote,omitempty"`
	Data        string `json:"data"`
	Instance    string `json:"instance"`
	Datahash    string `json:"datahash"`
}

func newFingerprintCmd() *cobra.Command {
	var o iscc.Options
	var output string
	cmd := &cobra.Command{
		Use:   "fingerprint <file>",
		Short: "Compute a file's ISCC codes (ISO 24138) locally: Meta, Content, Data, Instance and the ISCC-CODE",
		Long: `Fingerprint computes the International Standard Content Codes of a file on
this machine, without a server: the Data-Code (similarity of the bytes) and
the Instance-Code (a BLAKE3 checksum) of any file; the Content-Code Text of a
UTF-8 text file or the Content-Code Image of a PNG, JPEG or GIF image (up to
64 MiB); the Meta-Code of --name and --description; and the ISCC-CODE that
joins them. The codes follow iscc-core, the reference implementation, and pass
its conformance data (docs/iscc.md). Codes of the same kind that differ in few
bits belong to similar files: a resized image, a reflowed text. "-" reads the
file from standard input.

Exit code: 0 when the codes were computed, 2 on an error (an unreadable file,
a bad flag).`,
		Example: `  stemma fingerprint photo.jpg
  stemma fingerprint novel.txt --name "Die Unendliche Geschichte" --description "Von Michael Ende"
  stemma fingerprint dataset.parquet --output json --bits 256`,
		Args: args("file"),
		RunE: func(cmd *cobra.Command, a []string) error {
			if output != "table" && output != "json" {
				return usageErrorf("--output %q: want table or json", output)
			}
			if o.Description != "" && o.Name == "" {
				return usageErrorf("--description needs --name: a Meta-Code is made of a name and a description")
			}
			fp, err := fingerprintFile(cmd, a[0], o)
			if err != nil {
				return err
			}
			out := fingerprintJSON{
				File: a[0], Size: fp.Size, ISCC: fp.ISCC.String(), ContentNote: fp.ContentNote,
				Data: fp.Data.String(), Instance: fp.Instance.String(), Datahash: fp.Datahash,
			}
			if fp.Meta != nil {
				out.Meta, out.Name, out.Description, out.Metahash = fp.Meta.Code.String(), fp.Meta.Name, fp.Meta.Description, fp.Meta.Metahash
			}
			if fp.Content != nil {
				out.Content, out.ContentType, out.Characters = fp.Content.String(), fp.Content.TypeName(), fp.Characters
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 2, ' ', 0)
			fingerprintTable(tw, out)
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", "", "the work's name or title, for the Meta-Code")
	f.StringVar(&o.Description, "description", "", "a description to tell works of one name apart, for the Meta-Code")
	f.IntVar(&o.Bits, "bits", 64, "the length of each unit in bits: a multiple of 32 from 32 to 256 (the ISCC-CODE takes 64 of each)")
	f.StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func fingerprintTable(w io.Writer, f fingerprintJSON) {
	fmt.Fprintf(w, "FILE\t%s\n", f.File)
	fmt.Fprintf(w, "SIZE\t%d bytes\n", f.Size)
	fmt.Fprintf(w, "ISCC\t%s\n", f.ISCC)
	if f.Meta != "" {
		fmt.Fprintf(w, "META\t%s\t%s\n", f.Meta, f.Name)
	}
	switch {
	case f.Content != "" && f.ContentType == "CONTENT-TEXT":
		fmt.Fprintf(w, "CONTENT\t%s\ttext, %d characters\n", f.Content, f.Characters)
	case f.Content != "":
		fmt.Fprintf(w, "CONTENT\t%s\timage\n", f.Content)
	default:
		fmt.Fprintf(w, "CONTENT\t-\t%s\n", f.ContentNote)
	}
	fmt.Fprintf(w, "DATA\t%s\n", f.Data)
	fmt.Fprintf(w, "INSTANCE\t%s\n", f.Instance)
	fmt.Fprintf(w, "DATAHASH\t%s\n", f.Datahash)
}

// fingerprintFile computes the codes of a file ("-": standard input), as
// fingerprint, similar and works create --fingerprint do.
func fingerprintFile(cmd *cobra.Command, path string, o iscc.Options) (iscc.Fingerprint, error) {
	in := cmd.InOrStdin()
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return iscc.Fingerprint{}, usageErrorf("%v", err)
		}
		defer f.Close()
		in = f
	}
	fp, err := iscc.Compute(in, o)
	if errors.Is(err, iscc.ErrNoName) {
		return iscc.Fingerprint{}, usageErrorf("--name %q is empty once normalised", o.Name)
	}
	if err != nil {
		return iscc.Fingerprint{}, usageErrorf("%s: %v", path, err)
	}
	return fp, nil
}

package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/catalog/iscc"
)

func newWorksCmd() *cobra.Command {
	var o clientOptions
	cmd := &cobra.Command{
		Use:   "works",
		Short: "Register, show, find and list works",
		Args:  args(),
	}
	addClientFlags(cmd, &o)
	cmd.AddCommand(newWorksCreateCmd(&o), newWorksShowCmd(&o), newWorksLookupCmd(&o), newWorksListCmd(&o),
		newWorksUpdateCmd(&o), newWorksDeleteCmd(&o), newWorksHistoryCmd(&o),
		newWorksBatchCreateCmd(&o), newWorksBatchShowCmd(&o), newWorksBatchLookupCmd(&o))
	return cmd
}

func newWorksCreateCmd(o *clientOptions) *cobra.Command {
	var (
		file, kind, id, requestID string
		w                         catalogv1.Work
		creators, ids, uris       []string
		fingerprints              []string
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Register a work (needs STEMMA_API_KEY)",
		Long: `Create registers a work, described by flags or by a JSON file in the API's
Work shape (--from-file, "-" for standard input); flags override the file.
With --request-id, running the same command again returns the work the first
run created instead of registering another. --fingerprint FILE computes the
file's ISCC-CODE here (as stemma fingerprint does) and stores it with the work,
so that stemma similar finds copies of it; --iscc stores a code computed
elsewhere.`,
		Example: `  stemma works create --kind text --title "Notes on a commons" --licence CC-BY-4.0 --creator "Ada Lovelace"
  stemma works create --kind software --title left-pad --version 1.3.0 --licence WTFPL \
    --identifier purl=pkg:npm/left-pad@1.3.0 --digest sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
  stemma works create --from-file work.json --request-id import-42
  stemma works create --kind image --title "Harbour at dawn" --licence CC-BY-4.0 --fingerprint harbour.png`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			work := &catalogv1.Work{}
			if file != "" {
				if err := readMessageFile(file, cmd.InOrStdin(), work); err != nil {
					return err
				}
			}
			f := cmd.Flags()
			if f.Changed("kind") {
				n, err := parseEnum(catalogv1.WorkKind(0).Descriptor(), "kind", kind)
				if err != nil {
					return err
				}
				work.Kind = catalogv1.WorkKind(n)
			}
			// Flags override the file, also when set to "".
			for _, field := range []struct {
				flag     string
				dst, src *string
			}{
				{"title", &work.Title, &w.Title}, {"licence", &work.Licence, &w.Licence},
				{"version", &work.Version, &w.Version}, {"description", &work.Description, &w.Description},
			} {
				if f.Changed(field.flag) {
					*field.dst = *field.src
				}
			}
			for _, c := range creators {
				work.Creators = append(work.Creators, &catalogv1.Creator{Name: c})
			}
			for _, s := range ids {
				typ, value, ok := strings.Cut(s, "=")
				if !ok {
					return usageErrorf("--identifier %q: want type=value, for example purl=pkg:npm/left-pad@1.3.0", s)
				}
				work.Identifiers = append(work.Identifiers, &catalogv1.Identifier{Type: typ, Value: value})
			}
			work.Digests = append(work.Digests, w.Digests...)
			work.SourceUris = append(work.SourceUris, uris...)
			work.IsccCodes = append(work.IsccCodes, w.IsccCodes...)
			for _, path := range fingerprints {
				fp, err := fingerprintFile(cmd, path, iscc.Options{})
				if err != nil {
					return err
				}
				work.IsccCodes = append(work.IsccCodes, fp.ISCC.String())
			}
			resp := &catalogv1.Work{}
			req := &catalogv1.CreateWorkRequest{Work: work, WorkId: id, RequestId: requestID}
			if err := o.invoke(cmd, catalogService, "CreateWork", req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(wr io.Writer) { workTable(wr, resp) })
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "from-file", "f", "", "a JSON file with the work (- for standard input)")
	f.StringVar(&kind, "kind", "", "software, text, image, audio, video, dataset, model or other")
	f.StringVar(&w.Title, "title", "", "the work's title")
	f.StringVar(&w.Licence, "licence", "", "its SPDX licence expression")
	f.StringVar(&w.Version, "version", "", "its version")
	f.StringVar(&w.Description, "description", "", "a description")
	f.StringArrayVar(&creators, "creator", nil, "a creator's name (repeatable)")
	f.StringArrayVar(&ids, "identifier", nil, "an identifier, type=value: purl, doi, swhid, isbn, iscc, url (repeatable)")
	f.StringArrayVar(&w.Digests, "digest", nil, "a content digest, algorithm:hex (repeatable)")
	f.StringArrayVar(&uris, "source-uri", nil, "where the work can be found (repeatable)")
	f.StringArrayVar(&w.IsccCodes, "iscc", nil, "an ISCC-CODE or Content-/Data-Code of the work's content (repeatable)")
	f.StringArrayVar(&fingerprints, "fingerprint", nil, "a file whose ISCC-CODE to compute and store (repeatable; - for standard input)")
	f.StringVar(&id, "id", "", "the work's id (the server chooses one when empty)")
	f.StringVar(&requestID, "request-id", "", "an idempotency key: repeating the command returns the first result")
	return cmd
}

func newWorksShowCmd(o *clientOptions) *cobra.Command {
	var asOf string
	cmd := &cobra.Command{
		Use:     "show <work>",
		Short:   "Show one work, as it is now or with its licence as of a time",
		Example: "  stemma works show works/abc\n  stemma works show abc --output json\n  stemma works show terraform --as-of 2023-08-09T00:00:00Z",
		Args:    args("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			req := &catalogv1.GetWorkRequest{Name: resourceName("works", a[0])}
			var err error
			if req.AsOf, err = timeFlag("as-of", asOf); err != nil {
				return err
			}
			resp := &catalogv1.Work{}
			if err := o.invoke(cmd, catalogService, "GetWork", req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) { workTable(w, resp) })
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "show the licence in force at this time (RFC 3339)")
	return cmd
}

// timeFlag reads an RFC 3339 time flag; nil when it is empty.
func timeFlag(flag, value string) (*timestamppb.Timestamp, error) {
	if value == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return nil, usageErrorf("--%s %q: want an RFC 3339 time, for example 2026-01-01T00:00:00Z", flag, value)
	}
	return timestamppb.New(t), nil
}

func workTable(w io.Writer, wk *catalogv1.Work) {
	var creators, ids []string
	for _, c := range wk.GetCreators() {
		creators = append(creators, c.GetName())
	}
	for _, id := range wk.GetIdentifiers() {
		ids = append(ids, id.GetType()+":"+id.GetValue())
	}
	rows := [][2]string{
		{"NAME", wk.GetName()},
		{"KIND", enumWord(wk.GetKind().Descriptor(), wk.GetKind().Number())},
		{"TITLE", wk.GetTitle()},
		{"VERSION", orDash(wk.GetVersion())},
		{"LICENCE", orDash(wk.GetLicence())},
		{"LICENCE STATUS", enumWord(wk.GetLicenceStatus().Descriptor(), wk.GetLicenceStatus().Number())},
		{"LICENCE SINCE", licenceSince(wk)},
		{"CREATORS", orDash(strings.Join(creators, ", "))},
		{"IDENTIFIERS", orDash(strings.Join(ids, " "))},
		{"DIGESTS", orDash(strings.Join(wk.GetDigests(), " "))},
		{"ISCC", orDash(strings.Join(wk.GetIsccCodes(), " "))},
		{"OWNER", orDash(wk.GetOwner())},
		{"CREATED", wk.GetCreateTime().AsTime().Format(time.RFC3339)},
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\n", r[0], r[1])
	}
}

// licenceSince says when a work's licence took effect.
func licenceSince(wk *catalogv1.Work) string {
	if wk.GetLicenceEffectiveTime() == nil {
		return "registration (in force from the start)"
	}
	return wk.GetLicenceEffectiveTime().AsTime().Format(time.RFC3339)
}

// worksList writes works one a line.
func worksList(w io.Writer, works []*catalogv1.Work, next string) {
	fmt.Fprintf(w, "NAME\tKIND\tTITLE\tVERSION\tLICENCE\tOWNER\n")
	for _, wk := range works {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", wk.GetName(), enumWord(wk.GetKind().Descriptor(), wk.GetKind().Number()),
			wk.GetTitle(), orDash(wk.GetVersion()), orDash(wk.GetLicence()), orDash(wk.GetOwner()))
	}
	if next != "" {
		fmt.Fprintf(w, "\nmore with --page-token %s or --all\n", next)
	}
}

func newWorksLookupCmd(o *clientOptions) *cobra.Command {
	var req catalogv1.LookupWorksRequest
	cmd := &cobra.Command{
		Use:   "lookup [<key>]",
		Short: "Find the works that carry a digest or an identifier",
		Long: `Lookup finds every work that carries a content digest or an identifier. The
key may be given by its flag, or bare, and then its form says what it is:
sha256:… a digest, pkg:… a purl, swh:… a SWHID, 10.… a DOI, http(s)://… a URL.`,
		Example: `  stemma works lookup pkg:npm/left-pad@1.3.0
  stemma works lookup --digest sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`,
		Args: func(cmd *cobra.Command, a []string) error {
			if len(a) > 1 {
				return usageErrorf("want at most one key, have %d", len(a))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			if len(a) == 1 {
				if err := setLookupKey(&req, a[0]); err != nil {
					return err
				}
			}
			resp := &catalogv1.LookupWorksResponse{}
			if err := o.invoke(cmd, catalogService, "LookupWorks", &req, resp); err != nil {
				return err
			}
			if err := o.show(cmd, resp, func(w io.Writer) { worksList(w, resp.GetWorks(), resp.GetNextPageToken()) }); err != nil {
				return err
			}
			if len(resp.GetWorks()) == 0 {
				return answeredNo
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Digest, "digest", "", "a content digest, algorithm:hex")
	f.StringVar(&req.Purl, "purl", "", "a package URL")
	f.StringVar(&req.Doi, "doi", "", "a DOI")
	f.StringVar(&req.Swhid, "swhid", "", "a Software Heritage identifier")
	f.StringVar(&req.Isbn, "isbn", "", "an ISBN")
	f.StringVar(&req.Url, "url", "", "a URL")
	f.StringVar(&req.Iscc, "iscc", "", "an ISCC")
	f.Int32Var(&req.PageSize, "page-size", 0, "works per page (0: the server's default)")
	f.StringVar(&req.PageToken, "page-token", "", "the page to start from")
	return cmd
}

// setLookupKey sets the lookup key a bare argument's form implies.
func setLookupKey(req *catalogv1.LookupWorksRequest, key string) error {
	lower := strings.ToLower(key)
	switch {
	case strings.HasPrefix(lower, "pkg:"):
		req.Purl = key
	case strings.HasPrefix(lower, "swh:"):
		req.Swhid = key
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		req.Url = key
	case strings.HasPrefix(lower, "10."):
		req.Doi = key
	case strings.HasPrefix(lower, "iscc:"):
		req.Iscc = key
	case strings.Contains(key, ":"):
		req.Digest = key
	default:
		return usageErrorf("cannot tell what %q is; use --digest, --purl, --doi, --swhid, --isbn, --url or --iscc", key)
	}
	return nil
}

func newWorksListCmd(o *clientOptions) *cobra.Command {
	var req catalogv1.ListWorksRequest
	var all bool
	var asOf string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List works, filtered and paginated, oldest first",
		Example: "  stemma works list --filter 'kind = SOFTWARE AND licence_id = \"MIT\"'\n  stemma works list --as-of 2020-01-01T00:00:00Z",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if req.AsOf, err = timeFlag("as-of", asOf); err != nil {
				return err
			}
			out := &catalogv1.ListWorksResponse{}
			for {
				resp := &catalogv1.ListWorksResponse{}
				if err := o.invoke(cmd, catalogService, "ListWorks", &req, resp); err != nil {
					return err
				}
				out.Works = append(out.Works, resp.GetWorks()...)
				out.NextPageToken = resp.GetNextPageToken()
				if !all || out.NextPageToken == "" {
					break
				}
				req.PageToken = out.NextPageToken
			}
			return o.show(cmd, out, func(w io.Writer) { worksList(w, out.GetWorks(), out.GetNextPageToken()) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Filter, "filter", "", "AIP-160 filter: kind, licence, licence_id, creator, identifier, owner, title")
	f.Int32Var(&req.PageSize, "page-size", 0, "works per page (0: the server's default)")
	f.StringVar(&req.PageToken, "page-token", "", "the page to start from")
	f.BoolVar(&all, "all", false, "follow every page")
	f.StringVar(&asOf, "as-of", "", "show each work's licence in force at this time (RFC 3339); the filter matches works as they are now")
	return cmd
}

func newWorksUpdateCmd(o *clientOptions) *cobra.Command {
	var (
		w          catalogv1.Work
		note, when string
		etag       string
	)
	cmd := &cobra.Command{
		Use:   "update <work>",
		Short: "Change a work you own: title, version, description or licence (needs STEMMA_API_KEY)",
		Long: `Update changes only the fields whose flags are given. A licence change is
kept in the work's licence history, with --note and --effective (RFC 3339)
when given. A change dated in the future leaves the licence as it is until
then; one dated before a later change already recorded is history only.`,
		Example: `  stemma works update works/abc --title "Notes on a commons, 2nd ed."
  stemma works update works/abc --licence CC-BY-SA-4.0 --note "relicensed by the authors" --effective 2026-01-01T00:00:00Z`,
		Args: args("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			w.Name, w.Etag = resourceName("works", a[0]), etag
			req := &catalogv1.UpdateWorkRequest{Work: &w, UpdateMask: &fieldmaskpb.FieldMask{}, LicenceChangeNote: note}
			for _, f := range []string{"title", "version", "description", "licence"} {
				if cmd.Flags().Changed(f) {
					req.UpdateMask.Paths = append(req.UpdateMask.Paths, f)
				}
			}
			if len(req.UpdateMask.Paths) == 0 {
				return usageErrorf("nothing to change: give --title, --version, --description or --licence")
			}
			var err error
			if req.LicenceEffectiveTime, err = timeFlag("effective", when); err != nil {
				return err
			}
			resp := &catalogv1.Work{}
			if err := o.invoke(cmd, catalogService, "UpdateWork", req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(wr io.Writer) { workTable(wr, resp) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&w.Title, "title", "", "the new title")
	f.StringVar(&w.Version, "version", "", "the new version")
	f.StringVar(&w.Description, "description", "", "the new description")
	f.StringVar(&w.Licence, "licence", "", "the new SPDX licence expression")
	f.StringVar(&note, "note", "", "why the licence changed, kept in its history")
	f.StringVar(&when, "effective", "", "when the licence change takes effect (RFC 3339), in the past or the future")
	f.StringVar(&etag, "etag", "", "update only if the work is still at this etag")
	return cmd
}

func newWorksDeleteCmd(o *clientOptions) *cobra.Command {
	req := &catalogv1.DeleteWorkRequest{}
	cmd := &cobra.Command{
		Use:   "delete <work>",
		Short: "Delete a work you own (needs STEMMA_API_KEY)",
		Long: `Delete removes a work. A work others derive from is held by liens and is
refused; an admin may --force it.`,
		Example: "  stemma works delete works/abc",
		Args:    args("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			req.Name = resourceName("works", a[0])
			resp := &emptypb.Empty{}
			if err := o.invoke(cmd, catalogService, "DeleteWork", req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) { fmt.Fprintf(w, "deleted %s\n", req.Name) })
		},
	}
	cmd.Flags().StringVar(&req.Etag, "etag", "", "delete only if the work is still at this etag")
	cmd.Flags().BoolVar(&req.Force, "force", false, "delete despite liens (admins only)")
	return cmd
}

func newWorksHistoryCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "history <work>",
		Short:   "List a work's licence changes, oldest first",
		Example: "  stemma works history works/abc --output json",
		Args:    args("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			req := &catalogv1.ListLicenceChangesRequest{Parent: resourceName("works", a[0])}
			out := &catalogv1.ListLicenceChangesResponse{}
			for {
				resp := &catalogv1.ListLicenceChangesResponse{}
				if err := o.invoke(cmd, catalogService, "ListLicenceChanges", req, resp); err != nil {
					return err
				}
				out.LicenceChanges = append(out.LicenceChanges, resp.GetLicenceChanges()...)
				if resp.GetNextPageToken() == "" {
					break
				}
				req.PageToken = resp.GetNextPageToken()
			}
			return o.show(cmd, out, func(w io.Writer) {
				fmt.Fprintf(w, "EFFECTIVE\tLICENCE\tPREVIOUS\tBY\tNOTE\n")
				for _, c := range out.GetLicenceChanges() {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.GetEffectiveTime().AsTime().Format(time.RFC3339), orDash(c.GetLicence()),
						orDash(c.GetPreviousLicence()), orDash(c.GetActor()), orDash(c.GetNote()))
				}
			})
		},
	}
}

func newWhoamiCmd() *cobra.Command {
	var o clientOptions
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Say whom STEMMA_API_KEY names, and its roles",
		Long: `whoami asks the server whom the bearer key names (GetCaller): the principal,
as a work's owner names it, and whether it is an admin or a curation reviewer.
Without a key the principal is empty: an anonymous caller.`,
		Example: "  STEMMA_API_KEY=… stemma whoami\n  stemma whoami --output json",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			resp := &catalogv1.Caller{}
			if err := o.invoke(cmd, catalogService, "GetCaller", &catalogv1.GetCallerRequest{}, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "PRINCIPAL\t%s\nADMIN\t%t\nREVIEWER\t%t\n", orDash(resp.GetPrincipal()), resp.GetAdmin(), resp.GetReviewer())
			})
		},
	}
	addClientFlags(cmd, &o)
	return cmd
}

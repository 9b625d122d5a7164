package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

// walk is one direction of the graph: its RPC, the field its answer lists
// the works in, and the help it shows.
type walk struct {
	use, short, example string
	method              string
	newReq, newResp     func() proto.Message
	field               protoreflect.Name
}

var walks = []walk{
	{
		use: "ancestors <work>", short: "List the works a work derives from, directly or not, nearest first",
		example: "  stemma ancestors works/remix\n  stemma ancestors works/app --relation inclusion --max-depth 2 --output json",
		method:  "ListAncestors", field: "ancestors",
		newReq:  func() proto.Message { return &lineagev1.ListAncestorsRequest{} },
		newResp: func() proto.Message { return &lineagev1.ListAncestorsResponse{} },
	},
	{
		use: "descendants <work>", short: "List the works that derive from a work, directly or not, nearest first",
		example: "  stemma descendants works/photo\n  stemma descendants works/libfoo --relation fork --output json",
		method:  "ListDescendants", field: "descendants",
		newReq:  func() proto.Message { return &lineagev1.ListDescendantsRequest{} },
		newResp: func() proto.Message { return &lineagev1.ListDescendantsResponse{} },
	},
}

// newWalkCmd builds the command of one direction. Both directions' requests
// and answers have the same fields, so one reflective loop serves them: it
// follows every page and prints the relatives with their paths.
func newWalkCmd(wk walk) *cobra.Command {
	var o clientOptions
	var g graphFlags
	var pageSize int32
	cmd := &cobra.Command{
		Use: wk.use, Short: wk.short, Example: wk.example, Args: args("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			rels, err := g.parse()
			if err != nil {
				return err
			}
			req := wk.newReq()
			r := req.ProtoReflect()
			fields := r.Descriptor().Fields()
			r.Set(fields.ByName("work"), protoreflect.ValueOfString(resourceName("works", a[0])))
			r.Set(fields.ByName("max_depth"), protoreflect.ValueOfInt32(g.maxDepth))
			r.Set(fields.ByName("page_size"), protoreflect.ValueOfInt32(pageSize))
			list := r.Mutable(fields.ByName("relations")).List()
			for _, rel := range rels {
				list.Append(protoreflect.ValueOfEnum(rel.Number()))
			}
			out := wk.newResp()
			all := out.ProtoReflect().Mutable(out.ProtoReflect().Descriptor().Fields().ByName(wk.field)).List()
			for {
				resp := wk.newResp()
				if err := o.invoke(cmd, lineageService, wk.method, req, resp); err != nil {
					return err
				}
				rr := resp.ProtoReflect()
				rf := rr.Descriptor().Fields()
				page := rr.Get(rf.ByName(wk.field)).List()
				for i := range page.Len() {
					all.Append(page.Get(i))
				}
				out.ProtoReflect().Set(rf.ByName("total_size"), rr.Get(rf.ByName("total_size")))
				if rr.Get(rf.ByName("truncated")).Bool() {
					out.ProtoReflect().Set(rf.ByName("truncated"), protoreflect.ValueOfBool(true))
				}
				next := rr.Get(rf.ByName("next_page_token")).String()
				if next == "" {
					break
				}
				r.Set(fields.ByName("page_token"), protoreflect.ValueOfString(next))
			}
			return o.show(cmd, out, func(w io.Writer) {
				fmt.Fprintf(w, "WORK\tDEPTH\tVIA\tPATH\n")
				for i := range all.Len() {
					rel := all.Get(i).Message().Interface().(*lineagev1.Relative)
					fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", rel.GetWork(), rel.GetDepth(), relationWords(rel.GetRelations()), strings.Join(rel.GetPath(), " -> "))
				}
				truncatedNote(w, out.ProtoReflect().Get(out.ProtoReflect().Descriptor().Fields().ByName("truncated")).Bool())
			})
		},
	}
	addClientFlags(cmd, &o)
	g.add(cmd)
	cmd.Flags().Int32Var(&pageSize, "page-size", 0, "works fetched per call (all pages are followed)")
	return cmd
}

// truncatedNote says that the server cut an answer short, or a cut list
// would read as the whole of it.
func truncatedNote(w io.Writer, truncated bool) {
	if truncated {
		fmt.Fprintf(w, "(cut short by the server's depth or closure bound: there are more)\n")
	}
}

func relationWords(rels []lineagev1.Relation) string {
	var via []string
	for _, rel := range rels {
		via = append(via, enumWord(rel.Descriptor(), rel.Number()))
	}
	return strings.Join(via, ",")
}

func newTraceCmd() *cobra.Command {
	var o clientOptions
	var g graphFlags
	cmd := &cobra.Command{
		Use:   "trace <work> <ancestor>",
		Short: "List the derivation paths from a work up to one of its ancestors",
		Long: `Trace lists every path of derivations from <work> up to <ancestor>, each
with the relation of every step. Exit code 1 when there is none.`,
		Example: "  stemma trace works/app works/libfoo\n  stemma trace works/remix works/photo --output json",
		Args:    args("work", "ancestor"),
		RunE: func(cmd *cobra.Command, a []string) error {
			rels, err := g.parse()
			if err != nil {
				return err
			}
			req := &lineagev1.TraceToRequest{Work: resourceName("works", a[0]), Ancestor: resourceName("works", a[1]), MaxDepth: g.maxDepth, Relations: rels}
			out := &lineagev1.TraceToResponse{}
			for {
				resp := &lineagev1.TraceToResponse{}
				if err := o.invoke(cmd, lineageService, "TraceTo", req, resp); err != nil {
					return err
				}
				out.Paths = append(out.Paths, resp.GetPaths()...)
				out.Truncated = out.Truncated || resp.GetTruncated()
				if resp.GetNextPageToken() == "" {
					break
				}
				req.PageToken = resp.GetNextPageToken()
			}
			if err := o.show(cmd, out, func(w io.Writer) {
				fmt.Fprintf(w, "PATH\n")
				for _, p := range out.GetPaths() {
					fmt.Fprintf(w, "%s\n", pathString(p))
				}
				truncatedNote(w, out.GetTruncated())
			}); err != nil {
				return err
			}
			if len(out.GetPaths()) == 0 {
				return answeredNo
			}
			return nil
		},
	}
	addClientFlags(cmd, &o)
	g.add(cmd)
	return cmd
}

// pathString writes a path as its works joined by the relation of each
// step: "works/app -inclusion-> works/libfoo".
func pathString(p *lineagev1.Path) string {
	var b strings.Builder
	for i, w := range p.GetWorks() {
		if i > 0 && i-1 < len(p.GetRelations()) {
			r := p.GetRelations()[i-1]
			fmt.Fprintf(&b, " -%s-> ", enumWord(r.Descriptor(), r.Number()))
		}
		b.WriteString(w)
	}
	return b.String()
}

// suggestionsTable lists outbound licence suggestions with their
// conditions.
func suggestionsTable(w io.Writer, ss []*licencesv1.OutboundSuggestion) {
	fmt.Fprintf(w, "LICENCE\tCATEGORY\tVERDICT\tCONDITIONS\n")
	for _, s := range ss {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.GetLicence(), enumWord(s.GetCategory().Descriptor(), s.GetCategory().Number()),
			verdictWord(s.GetVerdict()), orDash(strings.Join(s.GetConditions(), "; ")))
	}
}

func newSuggestCmd() *cobra.Command {
	var o clientOptions
	var pageSize int32
	cmd := &cobra.Command{
		Use:   "suggest <work>",
		Short: "List the licences a work may carry, given everything it derives from",
		Long: `Suggest gathers the licences of every source of <work> and lists the
licences the work may carry, most permissive first. Exit code 1 when its
current licence is not among them.`,
		Example: "  stemma suggest works/remix\n  stemma suggest works/app --page-size 5 --output json",
		Args:    args("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			resp := &lineagev1.SuggestLicencesResponse{}
			req := &lineagev1.SuggestLicencesRequest{Work: resourceName("works", a[0]), PageSize: pageSize}
			if err := o.invoke(cmd, lineageService, "SuggestLicences", req, resp); err != nil {
				return err
			}
			if err := o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "INBOUND\t%s\n", orDash(strings.Join(resp.GetInbound(), "; ")))
				fmt.Fprintf(w, "CURRENT LICENCE ALLOWED\t%t\n\n", resp.GetCurrentLicenceAllowed())
				suggestionsTable(w, resp.GetSuggestions())
			}); err != nil {
				return err
			}
			if !resp.GetCurrentLicenceAllowed() {
				return answeredNo
			}
			return nil
		},
	}
	addClientFlags(cmd, &o)
	cmd.Flags().Int32Var(&pageSize, "page-size", 0, "at most this many suggestions (0: all)")
	return cmd
}

package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
)

// The batch commands send one request for many items, as the batch RPCs
// take them: all or nothing for writes, at most the server's
// --max-batch-size items.

// readMessageFile fills msg from a JSON file in the API's shape ("-":
// standard input).
func readMessageFile(name string, stdin io.Reader, msg proto.Message) error {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return usageErrorf("%v", err)
	}
	if err := protojson.Unmarshal(b, msg); err != nil {
		return usageErrorf("%s: not a %s in the API's JSON: %v", name, msg.ProtoReflect().Descriptor().Name(), err)
	}
	return nil
}

func newWorksBatchCreateCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "batch-create <file>",
		Short: "Register many works in one all-or-nothing call (needs STEMMA_API_KEY)",
		Long: `Batch-create registers every work of the file, a BatchCreateWorksRequest in
the API's JSON ("-" for standard input): {"requests": [{"work": {...},
"workId": "...", "requestId": "..."}, ...]}. Either all are registered or, on
any error, none.`,
		Example: `  stemma works batch-create works.json
  jq '{requests: [.[] | {work: .}]}' list.json | stemma works batch-create - --output json`,
		Args: args("file"),
		RunE: func(cmd *cobra.Command, a []string) error {
			req := &catalogv1.BatchCreateWorksRequest{}
			if err := readMessageFile(a[0], cmd.InOrStdin(), req); err != nil {
				return err
			}
			resp := &catalogv1.BatchCreateWorksResponse{}
			if err := o.invoke(cmd, catalogService, "BatchCreateWorks", req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) { worksList(w, resp.GetWorks(), "") })
		},
	}
}

func newWorksBatchShowCmd(o *clientOptions) *cobra.Command {
	req := &catalogv1.BatchGetWorksRequest{}
	cmd := &cobra.Command{
		Use:   "batch-show <work>...",
		Short: "Show many works in one call",
		Long: `Batch-show fetches every work named. A work that does not exist is an error
(NOT_FOUND, exit 2), or with --allow-missing is listed as missing (exit 1).`,
		Example: `  stemma works batch-show photo remix
  stemma works batch-show works/a works/b --allow-missing --output json`,
		Args: atLeastOne("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			for _, n := range a {
				req.Names = append(req.Names, resourceName("works", n))
			}
			resp := &catalogv1.BatchGetWorksResponse{}
			if err := o.invoke(cmd, catalogService, "BatchGetWorks", req, resp); err != nil {
				return err
			}
			err := o.show(cmd, resp, func(w io.Writer) {
				worksList(w, resp.GetWorks(), "")
				for _, m := range resp.GetMissing() {
					fmt.Fprintf(w, "MISSING\t%s\n", m)
				}
			})
			if err == nil && len(resp.GetMissing()) > 0 {
				return answeredNo
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&req.AllowMissing, "allow-missing", false, "list works that do not exist instead of failing")
	return cmd
}

func newWorksBatchLookupCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "batch-lookup <key>...",
		Short: "Find the works carrying each of many digests or identifiers, in one call (needs STEMMA_API_KEY)",
		Long: `Batch-lookup looks every key up as "stemma works lookup" does (its form says
what it is: sha256:… a digest, pkg:… a purl, swh:… a SWHID, 10.… a DOI,
http(s)://… a URL, iscc:… an ISCC) and lists the works found for each (the
first page of each lookup).

Exit code: 0 when every key found a work; 1 when some found none; 2 on an error.`,
		Example: `  stemma works batch-lookup pkg:npm/left-pad@1.3.0 pkg:npm/react@18.2.0
  stemma works batch-lookup sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --output json`,
		Args: atLeastOne("key"),
		RunE: func(cmd *cobra.Command, a []string) error {
			req := &catalogv1.BatchLookupWorksRequest{}
			for _, k := range a {
				lr := &catalogv1.LookupWorksRequest{}
				if err := setLookupKey(lr, k); err != nil {
					return err
				}
				req.Requests = append(req.Requests, lr)
			}
			resp := &catalogv1.BatchLookupWorksResponse{}
			if err := o.invoke(cmd, catalogService, "BatchLookupWorks", req, resp); err != nil {
				return err
			}
			none := false
			err := o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "KEY\tNAME\tTITLE\tLICENCE\n")
				for i, r := range resp.GetResponses() {
					if len(r.GetWorks()) == 0 {
						fmt.Fprintf(w, "%s\t-\t(no work)\t-\n", item(a, i))
					}
					for _, wk := range r.GetWorks() {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", item(a, i), wk.GetName(), wk.GetTitle(), orDash(wk.GetLicence()))
					}
				}
			})
			for _, r := range resp.GetResponses() {
				none = none || len(r.GetWorks()) == 0
			}
			if err == nil && none {
				return answeredNo
			}
			return err
		},
	}
}

func newCheckBatchCmd() *cobra.Command {
	var o clientOptions
	var strict bool
	cmd := &cobra.Command{
		Use:   "check-batch <file>",
		Short: "Check many licence pairs in one call",
		Long: `Check-batch answers every question of the file, a BatchCheckCompatibilityRequest
in the API's JSON ("-" for standard input): {"checks": [{"inbound": "MIT",
"outbound": "GPL-3.0-only", "use": "USE_LINK_STATIC"}, ...]}, one line per
question, in order.

Exit code: 0 when every use is compatible, or compatible on conditions
(--strict: conditions fail too); 1 when any is incompatible or unknown; 2 on
an error.`,
		Example: `  stemma check-batch checks.json
  echo '{"checks":[{"inbound":"MIT","outbound":"GPL-3.0-only"},{"inbound":"GPL-3.0-only","outbound":"MIT"}]}' | stemma check-batch -`,
		Args: args("file"),
		RunE: func(cmd *cobra.Command, a []string) error {
			req := &licencesv1.BatchCheckCompatibilityRequest{}
			if err := readMessageFile(a[0], cmd.InOrStdin(), req); err != nil {
				return err
			}
			resp := &licencesv1.BatchCheckCompatibilityResponse{}
			if err := o.invoke(cmd, licenceService, "BatchCheckCompatibility", req, resp); err != nil {
				return err
			}
			no := false
			err := o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "#\tINBOUND\tOUTBOUND\tUSE\tVERDICT\tRULE\n")
				for i, r := range resp.GetResults() {
					rule := "-"
					if rs := r.GetReasons(); len(rs) > 0 {
						rule = rs[0].GetRule()
					}
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", i+1, r.GetCanonicalInbound(), r.GetCanonicalOutbound(),
						enumWord(r.GetUse().Descriptor(), r.GetUse().Number()), verdictWord(r.GetVerdict()), rule)
				}
			})
			for _, r := range resp.GetResults() {
				switch r.GetVerdict() {
				case licencesv1.Verdict_VERDICT_COMPATIBLE:
				case licencesv1.Verdict_VERDICT_CONDITIONAL:
					no = no || strict
				default:
					no = true
				}
			}
			if err == nil && no {
				return answeredNo
			}
			return err
		},
	}
	addClientFlags(cmd, &o)
	cmd.Flags().BoolVar(&strict, "strict", false, "exit 1 for a conditional verdict too")
	return cmd
}

func newLicencesIdentifyBatchCmd(o *clientOptions) *cobra.Command {
	var names, urls []string
	cmd := &cobra.Command{
		Use:   "identify-batch [FILE...] [--name NAME]... [--url URL]...",
		Short: "Say which SPDX licence each of many licence files, names or URLs is, in one call",
		Long: `Identify-batch resolves every input as "stemma licences identify" does, in one
call: licence files (at most 256 KiB each), --name and --url (repeatable),
and prints one line per input, in that order.

Exit code: 0 when every input was identified; 1 when some were not; 2 on an
error.`,
		Example: `  stemma licences identify-batch vendor/*/LICENSE
  stemma licences identify-batch --name GPLv2+ --name 'Apache License, Version 2.0' --url https://opensource.org/license/mit`,
		Args: func(cmd *cobra.Command, a []string) error {
			if len(a)+len(names)+len(urls) == 0 {
				return usageErrorf("give at least one FILE, --name or --url")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			req := &licencesv1.BatchIdentifyLicencesRequest{}
			var inputs []string
			for _, file := range a {
				text, err := readLicenceFile(cmd, file)
				if err != nil {
					return err
				}
				req.Requests = append(req.Requests, &licencesv1.IdentifyLicenceRequest{Text: text})
				inputs = append(inputs, file)
			}
			for _, n := range names {
				req.Requests = append(req.Requests, &licencesv1.IdentifyLicenceRequest{Name: n})
				inputs = append(inputs, n)
			}
			for _, u := range urls {
				req.Requests = append(req.Requests, &licencesv1.IdentifyLicenceRequest{Url: u})
				inputs = append(inputs, u)
			}
			resp := &licencesv1.BatchIdentifyLicencesResponse{}
			if err := o.invoke(cmd, licenceService, "BatchIdentifyLicences", req, resp); err != nil {
				return err
			}
			none := false
			err := o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "INPUT\tEXPRESSION\tMETHOD\tCONFIDENCE\n")
				for i, r := range resp.GetResponses() {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", item(inputs, i), orDash(r.GetExpression()),
						enumWord(r.GetMethod().Descriptor(), r.GetMethod().Number()), strconv.FormatFloat(r.GetConfidence(), 'f', 2, 64))
				}
			})
			for _, r := range resp.GetResponses() {
				none = none || r.GetMethod() == licencesv1.IdentifyMethod_IDENTIFY_METHOD_NONE
			}
			if err == nil && none {
				return answeredNo
			}
			return err
		},
	}
	cmd.Flags().StringArrayVar(&names, "name", nil, "a licence name, alias, SPDX identifier or expression (repeatable)")
	cmd.Flags().StringArrayVar(&urls, "url", nil, "a URL where a licence is published (repeatable)")
	return cmd
}

// item is the i-th input a batch answer's i-th result belongs to; a server
// answering more results than it was asked for gets "?" rather than a crash.
func item(inputs []string, i int) string {
	if i < len(inputs) {
		return inputs[i]
	}
	return "?"
}

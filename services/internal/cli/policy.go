package cli

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/lineage/policy"
)

var policyService = lineagev1.File_stemma_lineage_v1_policy_proto.Services().ByName("PolicyService")

func newPolicyCmd() *cobra.Command {
	var o clientOptions
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Keep licence policies and check SBOMs and works against them",
		Long: `A licence policy says which licences an organisation allows, denies or wants
reviewed, by licence id or pattern, category, obligation, use and work kind,
with exemptions that expire (docs/policy.md).`,
	}
	addClientFlags(cmd, &o)
	cmd.AddCommand(newPolicyApplyCmd(&o), newPolicyCheckCmd(&o), newPolicyShowCmd(&o), newPolicyListCmd(&o),
		newPolicyRevisionsCmd(&o), newPolicyDeleteCmd(&o))
	return cmd
}

// readInput reads a file, or standard input for "-".
func readInput(cmd *cobra.Command, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(cmd.InOrStdin())
	}
	return os.ReadFile(path)
}

func newPolicyApplyCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "apply <file>",
		Short: "Create a policy from a policy file, or update it to the file (a new revision)",
		Example: `  stemma policy apply no-strong-copyleft.yaml
  stemma policy apply policy.json --output json`,
		Args: args("file"),
		RunE: func(cmd *cobra.Command, a []string) error {
			doc, err := readInput(cmd, a[0])
			if err != nil {
				return usageErrorf("%v", err)
			}
			// Read here too, so that a mistake is named before any call.
			p, err := policy.Parse(doc)
			if err != nil {
				return usageErrorf("%s: %v", a[0], err)
			}
			c, err := o.connect()
			if err != nil {
				return err
			}
			defer c.close()
			name := "policies/" + p.ID
			got := &lineagev1.Policy{}
			err = c.call(cmd.Context(), policyService.Methods().ByName("GetPolicy"), &lineagev1.GetPolicyRequest{Name: name}, got)
			resp := &lineagev1.Policy{}
			switch {
			case status.Code(err) == codes.NotFound:
				err = c.call(cmd.Context(), policyService.Methods().ByName("CreatePolicy"),
					&lineagev1.CreatePolicyRequest{Policy: &lineagev1.Policy{Document: string(doc)}, PolicyId: p.ID}, resp)
			case err == nil:
				err = c.call(cmd.Context(), policyService.Methods().ByName("UpdatePolicy"),
					&lineagev1.UpdatePolicyRequest{Policy: &lineagev1.Policy{Name: name, Document: string(doc), Etag: got.GetEtag()}}, resp)
			}
			if err != nil {
				return failed(err)
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "NAME\t%s\n", resp.GetName())
				fmt.Fprintf(w, "REVISION\t%d\n", resp.GetRevisionId())
				fmt.Fprintf(w, "OWNER\t%s\n", resp.GetOwner())
				fmt.Fprintf(w, "RULES\t%s\n", strings.Join(resp.GetRuleIds(), ", "))
			})
		},
	}
}

func newPolicyCheckCmd(o *clientOptions) *cobra.Command {
	var work, productLicence, format string
	cmd := &cobra.Command{
		Use:   "check <policy> [<sbom>]",
		Short: "Evaluate a policy on an SBOM (not imported) or on a work's whole ancestry",
		Long: `Check evaluates a policy on an SBOM, read and resolved as an import would but
recorded nowhere, or with --work on a registered work and its whole ancestry.
Each finding names the component or derivation path, the rule that fired
and the licence verdict behind it.

--format: table (default), json, sarif (SARIF 2.1.0, for code-scanning
UIs) or junit (JUnit XML, for CI test reports).

Exit code: 0 when the policy passes; 1 when a finding denies or asks for
review; 2 on an error.`,
		Example: `  stemma policy check no-strong-copyleft bom.json --product-licence MIT
  stemma policy check no-strong-copyleft --work works/abc --format sarif > policy.sarif
  syft scan dir:. -o cyclonedx-json | stemma policy check no-strong-copyleft - --format junit`,
		Args: func(_ *cobra.Command, a []string) error {
			want := 2
			if work != "" {
				want = 1
			}
			if len(a) != want {
				return usageErrorf("want a policy and an SBOM, or a policy and --work")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			switch format {
			case "table", "json", "sarif", "junit":
			default:
				return usageErrorf("--format %q: want table, json, sarif or junit", format)
			}
			if o.output == "json" {
				format = "json"
			}
			req := &lineagev1.EvaluatePolicyRequest{Name: resourceName("policies", a[0]), ProductLicence: productLicence}
			var location string
			if work != "" {
				req.Work = resourceName("works", work)
				location = req.Work
			} else {
				data, err := readInput(cmd, a[1])
				if err != nil {
					return usageErrorf("%v", err)
				}
				req.Sbom, location = data, a[1]
			}
			resp := &lineagev1.EvaluatePolicyResponse{}
			if err := o.invoke(cmd, policyService, "EvaluatePolicy", req, resp); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			var err error
			switch format {
			case "json":
				err = writeJSON(out, resp)
			case "sarif":
				err = writeSARIF(out, resp, location)
			case "junit":
				err = writeJUnit(out, resp)
			default:
				err = o.show(cmd, resp, func(w io.Writer) { policyTable(w, resp) })
			}
			if err != nil {
				return err
			}
			if resp.GetOutcome() != lineagev1.PolicyOutcome_POLICY_OUTCOME_PASS {
				return answeredNo
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&work, "work", "", "evaluate a registered work and its ancestry (works/{id}) instead of an SBOM")
	cmd.Flags().StringVar(&productLicence, "product-licence", "", "the licence the SBOM's product is released under, when the SBOM does not say")
	cmd.Flags().StringVar(&format, "format", "table", "table, json, sarif or junit")
	return cmd
}

func actionWord(a lineagev1.PolicyAction) string {
	return strings.ToLower(strings.TrimPrefix(a.String(), "POLICY_ACTION_"))
}

// findingTitle names a finding's subject: its title and version, or its
// reference.
func findingTitle(f *lineagev1.PolicyFinding) string {
	s := f.GetTitle()
	if s == "" {
		s = f.GetSubject()
	}
	if f.GetVersion() != "" {
		s += "@" + f.GetVersion()
	}
	return s
}

// findingText is a finding in one sentence.
func findingText(f *lineagev1.PolicyFinding) string {
	s := fmt.Sprintf("%s: %s by rule %q: %s", findingTitle(f), actionWord(f.GetAction()), f.GetRule(), f.GetReason())
	if l := f.GetLicence(); l != "" {
		s += " (licence " + l + ")"
	}
	if v := f.GetCheck().GetVerdict(); v != 0 {
		s += "; verdict " + verdictWord(v)
		if rs := f.GetCheck().GetReasons(); len(rs) > 0 {
			s += ": " + rs[0].GetMessage()
		}
	}
	if len(f.GetPath()) > 1 {
		s += "; path " + strings.Join(f.GetPath(), " > ")
	}
	if f.GetExemption() != "" {
		s += "; exempted: " + f.GetExemption()
	}
	return s
}

func policyTable(w io.Writer, r *lineagev1.EvaluatePolicyResponse) {
	fmt.Fprintf(w, "POLICY\t%s (revision %d)\n", r.GetPolicy(), r.GetRevisionId())
	fmt.Fprintf(w, "OUTCOME\t%s\n", strings.ToLower(strings.TrimPrefix(r.GetOutcome().String(), "POLICY_OUTCOME_")))
	fmt.Fprintf(w, "EVALUATED\t%d\n", r.GetSubjectsEvaluated())
	if r.GetProductLicence() != "" {
		fmt.Fprintf(w, "PRODUCT LICENCE\t%s\n", r.GetProductLicence())
	}
	for _, wr := range r.GetWarnings() {
		fmt.Fprintf(w, "WARNING\t%s\n", wr)
	}
	if len(r.GetFindings()) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ACTION\tRULE\tSUBJECT\tLICENCE\tVERDICT\tREASON\tPATH")
	for _, f := range r.GetFindings() {
		act := actionWord(f.GetAction())
		if f.GetExemption() != "" {
			act += " (exempted)"
		}
		verdict := "-"
		if v := f.GetCheck().GetVerdict(); v != 0 {
			verdict = verdictWord(v)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", act, f.GetRule(), findingTitle(f), orDash(f.GetLicence()), verdict,
			f.GetReason(), strings.Join(f.GetPath(), " > "))
	}
}

// SARIF 2.1.0 (OASIS), the parts code-scanning UIs read: each rule that
// fired is a reportingDescriptor, each finding a result located at the
// SBOM (or the work) with the component as a logical location; an
// exempted finding carries a suppression with the exemption's reason.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	ShortDescription     sarifMessage `json:"shortDescription"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifMessage       `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
	} `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

// sarifLevel is the SARIF level of an action: a denial is an error, a
// review a warning.
func sarifLevel(a lineagev1.PolicyAction) string {
	if a == lineagev1.PolicyAction_POLICY_ACTION_DENY {
		return "error"
	}
	return "warning"
}

func writeSARIF(w io.Writer, r *lineagev1.EvaluatePolicyResponse, location string) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{
		Name: "stemma", Version: version(), InformationURI: "https://github.com/stemma-registry/stemma/blob/main/docs/policy.md",
		Rules: []sarifRule{},
	}}, Results: []sarifResult{}}
	index := map[string]int{}
	for _, f := range r.GetFindings() {
		key := f.GetRule()
		i, ok := index[key]
		if !ok {
			i = len(run.Tool.Driver.Rules)
			index[key] = i
			rule := sarifRule{ID: key, ShortDescription: sarifMessage{Text: fmt.Sprintf("%s rule %q of %s", actionWord(f.GetAction()), key, r.GetPolicy())}}
			rule.DefaultConfiguration.Level = sarifLevel(f.GetAction())
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, rule)
		}
		loc := sarifLocation{LogicalLocations: []sarifLogical{{
			Name: findingTitle(f), FullyQualifiedName: strings.Join(f.GetPath(), " > "), Kind: "module",
		}}}
		loc.PhysicalLocation.ArtifactLocation.URI = location
		res := sarifResult{
			RuleID: key, RuleIndex: i, Level: sarifLevel(f.GetAction()), Message: sarifMessage{Text: findingText(f)},
			Locations: []sarifLocation{loc},
			Properties: map[string]any{"policy": r.GetPolicy(), "subject": f.GetSubject(), "purl": f.GetPurl(),
				"licence": f.GetLicence(), "verdict": f.GetCheck().GetVerdict().String()},
		}
		if f.GetExemption() != "" {
			res.Suppressions = []sarifSuppression{{Kind: "external", Justification: f.GetExemption()}}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// JUnit XML, as CI test reports read it: one test case per finding (an
// exempted one skipped), or one passing case when there is none.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitFailure `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Type    string `xml:"type,attr,omitempty"`
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(w io.Writer, r *lineagev1.EvaluatePolicyResponse) error {
	s := junitSuite{Name: r.GetPolicy()}
	for _, f := range r.GetFindings() {
		c := junitCase{Name: fmt.Sprintf("%s [%s]", findingTitle(f), f.GetRule()), ClassName: r.GetPolicy()}
		msg := findingText(f)
		if f.GetExemption() != "" {
			c.Skipped = &junitFailure{Message: "exempted: " + f.GetExemption()}
			s.Skipped++
		} else {
			c.Failure = &junitFailure{Type: actionWord(f.GetAction()), Message: f.GetReason(), Text: msg}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	if len(s.Cases) == 0 {
		s.Cases = []junitCase{{Name: fmt.Sprintf("%d subjects pass", r.GetSubjectsEvaluated()), ClassName: r.GetPolicy()}}
	}
	s.Tests = len(s.Cases)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Name: "stemma policy", Tests: s.Tests, Failures: s.Failures, Suites: []junitSuite{s}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func newPolicyShowCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "show <policy>",
		Short:   "Show a policy with its document",
		Example: "  stemma policy show no-strong-copyleft --output json",
		Args:    args("policy"),
		RunE: func(cmd *cobra.Command, a []string) error {
			resp := &lineagev1.Policy{}
			if err := o.invoke(cmd, policyService, "GetPolicy", &lineagev1.GetPolicyRequest{Name: resourceName("policies", a[0])}, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "NAME\t%s\nREVISION\t%d\nOWNER\t%s\nRULES\t%s\n\n%s\n", resp.GetName(), resp.GetRevisionId(),
					resp.GetOwner(), strings.Join(resp.GetRuleIds(), ", "), resp.GetDocument())
			})
		},
	}
}

func newPolicyListCmd(o *clientOptions) *cobra.Command {
	var req lineagev1.ListPoliciesRequest
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the policies",
		Example: "  stemma policy list --output json",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			resp := &lineagev1.ListPoliciesResponse{}
			if err := o.invoke(cmd, policyService, "ListPolicies", &req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "NAME\tREVISION\tOWNER\tTITLE\n")
				for _, p := range resp.GetPolicies() {
					fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", p.GetName(), p.GetRevisionId(), p.GetOwner(), p.GetTitle())
				}
				if resp.GetNextPageToken() != "" {
					fmt.Fprintf(w, "\nmore with --page-token %s\n", resp.GetNextPageToken())
				}
			})
		},
	}
	cmd.Flags().Int32Var(&req.PageSize, "page-size", 0, "policies per page (0: the server's default)")
	cmd.Flags().StringVar(&req.PageToken, "page-token", "", "the page to start from")
	return cmd
}

func newPolicyRevisionsCmd(o *clientOptions) *cobra.Command {
	var req lineagev1.ListPolicyRevisionsRequest
	cmd := &cobra.Command{
		Use:     "revisions <policy>",
		Short:   "List a policy's revisions, newest first",
		Example: "  stemma policy revisions no-strong-copyleft",
		Args:    args("policy"),
		RunE: func(cmd *cobra.Command, a []string) error {
			req.Name = resourceName("policies", a[0])
			resp := &lineagev1.ListPolicyRevisionsResponse{}
			if err := o.invoke(cmd, policyService, "ListPolicyRevisions", &req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "NAME\tAUTHOR\tCREATED\n")
				for _, r := range resp.GetRevisions() {
					fmt.Fprintf(w, "%s\t%s\t%s\n", r.GetName(), r.GetAuthor(), r.GetCreateTime().AsTime().Format(time.RFC3339))
				}
			})
		},
	}
	cmd.Flags().Int32Var(&req.PageSize, "page-size", 0, "revisions per page (0: the server's default)")
	cmd.Flags().StringVar(&req.PageToken, "page-token", "", "the page to start from")
	return cmd
}

func newPolicyDeleteCmd(o *clientOptions) *cobra.Command {
	var etag string
	cmd := &cobra.Command{
		Use:     "delete <policy>",
		Short:   "Delete a policy you own (needs STEMMA_API_KEY)",
		Example: "  stemma policy delete no-strong-copyleft",
		Args:    args("policy"),
		RunE: func(cmd *cobra.Command, a []string) error {
			name := resourceName("policies", a[0])
			if err := o.invoke(cmd, policyService, "DeletePolicy", &lineagev1.DeletePolicyRequest{Name: name, Etag: etag}, &emptypb.Empty{}); err != nil {
				return err
			}
			return o.show(cmd, &emptypb.Empty{}, func(w io.Writer) { fmt.Fprintf(w, "deleted %s\n", name) })
		},
	}
	cmd.Flags().StringVar(&etag, "etag", "", "delete only if the policy is still at this etag")
	return cmd
}

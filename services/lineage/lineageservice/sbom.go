package lineageservice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/input"
	"github.com/stemma-registry/stemma/services/licences/identify"
	"github.com/stemma-registry/stemma/services/lineage/audit"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/sbom"
	"github.com/stemma-registry/stemma/services/lineage/store"
	"github.com/stemma-registry/stemma/services/lineage/watch"
)

// commonOutbound are licences a product is commonly released under; with
// the licences its components use, they are the candidates the report's
// advice weighs. Asking about every licence on the SPDX list would answer
// with hundreds, public-domain dedications first, which helps nobody
// choose.
var commonOutbound = []string{
	"MIT", "Apache-2.0", "BSD-3-Clause", "MPL-2.0", "LGPL-2.1-or-later", "LGPL-3.0-or-later",
	"GPL-2.0-or-later", "GPL-3.0-or-later", "AGPL-3.0-or-later",
}

// ImportSbom imports an SBOM as works and derivations and answers with a
// compliance report. The design, and where "all or nothing" across two
// services' stores stops, is in docs/sbom.md: everything is read, matched
// and checked before anything is written; then the new works in one
// catalog transaction, then the new derivations in one lineage
// transaction; if the second fails, the works the first created are
// deleted again.
func (s *Service) ImportSbom(ctx context.Context, req *lineagev1.ImportSbomRequest) (*lineagev1.ImportSbomResponse, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if s.CallerCatalog == nil {
		return nil, status.Error(codes.Unimplemented, "SBOM import is not configured in this process")
	}
	if err := input.RequestID("request_id", req.GetRequestId()); err != nil {
		return nil, err
	}
	im, err := s.newSbomImport(p, req)
	if err != nil {
		return nil, err
	}
	if err := im.plan(ctx); err != nil {
		return nil, err
	}
	if c := im.recordedConflicts(); len(c) > 0 && !req.GetAllowConflict() && !req.GetValidateOnly() {
		return nil, importConflict(c)
	}
	if !req.GetValidateOnly() {
		if err := im.write(ctx); err != nil {
			return nil, err
		}
	}
	return im.report(ctx)
}

// newSbomImport reads the SBOM of an import (or of a policy evaluation,
// which plans an import without writing it).
func (s *Service) newSbomImport(p auth.Principal, req *lineagev1.ImportSbomRequest) (*sbomImport, error) {
	doc, err := s.readSbom(req.GetSbom().GetData())
	if err != nil {
		return nil, err
	}
	return &sbomImport{s: s, p: p, doc: doc, req: req, digest: sha256.Sum256(req.GetSbom().GetData()), start: time.Now()}, nil
}

// sbomImport is one import: the document and what it resolves to.
type sbomImport struct {
	s      *Service
	p      auth.Principal
	doc    *sbom.Document
	req    *lineagev1.ImportSbomRequest
	digest [32]byte
	start  time.Time

	comps   []*component          // one per work, the product first
	byRef   map[string]*component // every ref, duplicates included
	edges   []*importEdge
	licence string          // the product's licence, canonical
	ids     map[string]bool // the SPDX licence ids the documents' expressions name
	// trees are the parsed licence expressions, by canonical form.
	trees    map[string]*licencesv1.ExpressionNode
	warnings []string
	// offline plans without the catalog and the store: no existing works
	// or derivations are matched (a policy evaluation reads the document
	// alone).
	offline bool
}

// component is one work of the import: a component of the SBOM (or several
// that name the same package).
type component struct {
	c       sbom.Component
	purl    string // the normalised purl, qualifiers dropped; "" if none
	licence string // canonical; "" when missing or unreadable
	// curation is the accepted curation that replaced the licence the
	// document declares, curations/{id}, and declaredLicence that licence.
	curation, declaredLicence string
	// declared are its licence statements, resolved, as its work records
	// them.
	declared []*catalogv1.DeclaredLicence
	work     *catalogv1.Work
	created  bool
	path     []*component // from the product, both included
	use      graph.Use    // how the product ends up using it
	rel      graph.Relation
	check    graph.Check // its licence against the product's
}

// label names a component in paths: its work, or its ref before it has one.
func (c *component) label() string {
	if c.work.GetName() != "" {
		return c.work.GetName()
	}
	return c.c.Ref
}

// importEdge is one dependency between two works.
type importEdge struct {
	from, to *component
	link     sbom.Link
	d        *graph.Derivation // the derivation to record, or that holds the edge
	existing bool
}

// readSbom reads an SBOM within the service's bounds; a malformed
// document is INVALID_ARGUMENT naming the field "sbom.<path>".
func (s *Service) readSbom(data []byte) (*sbom.Document, error) {
	if len(data) == 0 {
		return nil, apierr.Missing("sbom")
	}
	doc, err := sbom.Read(data, sbom.Limits{MaxComponents: s.MaxBatch, MaxEdges: 20 * s.MaxBatch})
	var se *sbom.Error
	if errors.As(err, &se) {
		field := "sbom"
		if se.Path != "" {
			field += "." + se.Path
		}
		return nil, apierr.Invalid(field, "%s", se.Msg)
	}
	return doc, err
}

// linkRelation is the relation and use a derivation records for each kind
// of link: linked code is included (with its link kind), a dependency of
// unstated kind is a dependency (used dynamically, the relation's default),
// a tool is a dependency whose material is not shipped (aggregate), a
// model's dataset is what it was trained or tested on. A card's base model
// is adapted, copied (quantized) or remixed (merged): its material is in
// the derivative (incorporate, the relations' default use).
func linkRelation(l sbom.Link) (graph.Relation, graph.Use) {
	switch l {
	case sbom.LinkAdaptation:
		return graph.Adaptation, graph.UseIncorporate
	case sbom.LinkCopy:
		return graph.Copy, graph.UseIncorporate
	case sbom.LinkRemix:
		return graph.Remix, graph.UseIncorporate
	case sbom.LinkStatic:
		return graph.Inclusion, graph.UseLinkStatic
	case sbom.LinkDynamic:
		return graph.Inclusion, graph.UseLinkDynamic
	case sbom.LinkContains:
		return graph.Inclusion, graph.UseIncorporate
	case sbom.LinkTool:
		return graph.Dependency, graph.UseAggregate
	case sbom.LinkTraining:
		return graph.Training, graph.UseTraining
	}
	return graph.Dependency, graph.UseLinkDynamic
}

// relationLink is the link an export writes a derivation as, the inverse
// of linkRelation as far as links go: what is kept is the use, which is
// what the licence checks of a re-import weigh (an adaptation, a fork or
// a copy incorporates its source, as a contained component does).
func relationLink(r graph.Relation, u graph.Use) sbom.Link {
	switch {
	case r == graph.Training:
		return sbom.LinkTraining
	case u == graph.UseAggregate:
		return sbom.LinkTool
	case u == graph.UseLinkStatic:
		return sbom.LinkStatic
	case u == graph.UseLinkDynamic && r == graph.Inclusion:
		return sbom.LinkDynamic
	case u == graph.UseIncorporate:
		return sbom.LinkContains
	}
	return sbom.LinkDepends
}

func (im *sbomImport) warn(format string, args ...any) {
	im.warnings = append(im.warnings, fmt.Sprintf(format, args...))
}

// plan resolves everything before anything is written: licences, identities,
// existing works and edges, cycles, paths and every licence check.
func (im *sbomImport) plan(ctx context.Context) error {
	im.warnings = append(im.warnings, im.doc.Warnings...)
	if err := im.identify(); err != nil {
		return err
	}
	if err := im.licences(ctx); err != nil {
		return err
	}
	edges, cycles := im.doc.Acyclic()
	if !im.offline {
		if err := im.match(ctx, edges); err != nil {
			return err
		}
	}
	for _, c := range cycles {
		im.warn("dependency cycle %s: its last edge is not recorded (the graph of works is acyclic)", im.doc.CycleString(c))
	}
	im.connect(edges)
	if !im.offline {
		if err := im.existingEdges(ctx); err != nil {
			return err
		}
	}
	return im.check(ctx)
}

// identify gives each component its identity: its purl without qualifiers
// (which describe a build or a download, not another package), or its ref
// when it has no purl. Components with one identity become one work.
func (im *sbomImport) identify() error {
	im.byRef = map[string]*component{}
	byKey := map[string]*component{}
	for _, c := range im.doc.Components {
		comp := &component{c: c}
		key := "ref:" + c.Ref
		if c.PURL != "" {
			id, err := work.IdentifierValue("sbom."+c.Path+".purl", work.PURL, c.PURL)
			if err != nil {
				return err
			}
			comp.purl = stripQualifiers(id.Value)
			key = comp.purl
		}
		if first, dup := byKey[key]; dup {
			im.warn("%s and %s are the same package (%s); imported once", first.c.Path, c.Path, key)
			im.byRef[c.Ref] = first
			continue
		}
		byKey[key] = comp
		im.byRef[c.Ref] = comp
		im.comps = append(im.comps, comp)
	}
	return nil
}

// curate replaces the declared licence of every component an accepted
// curation names (by purl and version) by the curated one, keeping the
// declared one for the report.
func (im *sbomImport) curate(ctx context.Context, parse func(string) (string, error)) error {
	cu, err := im.s.curator(ctx)
	if err != nil {
		return err
	}
	for _, c := range im.comps {
		cur := cu.forPackage(c.purl, c.c.Version)
		if cur == nil {
			continue
		}
		canon, err := parse(cur.Licence)
		if err != nil {
			return fmt.Errorf("lineage: curations/%s: licence %q no longer reads: %w", cur.ID, cur.Licence, err)
		}
		c.declaredLicence, c.licence, c.curation = c.licence, canon, "curations/"+cur.ID
	}
	return nil
}

// stripQualifiers drops a purl's ?qualifiers, keeping its #subpath.
func stripQualifiers(purl string) string {
	base, sub, hasSub := strings.Cut(purl, "#")
	base, _, _ = strings.Cut(base, "?")
	if hasSub {
		return base + "#" + sub
	}
	return base
}

// licences resolves every component's licence statements (ids,
// expressions, names, URLs, the document's own licences; see
// sbom.Resolver) in this process, then canonicalises each distinct
// expression once through the licences service, which owns the canonical
// form and names the licences it reads. A statement nothing resolves is
// kept as a LicenseRef-, named in a warning for curation: real SBOMs carry
// such statements, and refusing the whole document for one would help
// nobody. The product licence the request names must be readable.
func (im *sbomImport) licences(ctx context.Context) error {
	canonical := map[string]string{}
	im.ids, im.trees = map[string]bool{}, map[string]*licencesv1.ExpressionNode{}
	parse := func(expr string) (string, error) {
		if c, ok := canonical[expr]; ok {
			return c, nil
		}
		resp, err := im.s.Licences.ParseExpression(ctx, &licencesv1.ParseExpressionRequest{Expression: expr})
		if err != nil {
			return "", err
		}
		canonical[expr] = resp.GetCanonical()
		im.trees[resp.GetCanonical()] = resp.GetTree()
		for _, id := range resp.GetLicenceIds() {
			if !strings.Contains(id, "Ref-") {
				im.ids[id] = true
			}
		}
		return resp.GetCanonical(), nil
	}
	resolver := sbom.NewResolver(im.doc)
	for _, c := range im.comps {
		res := resolver.Resolve(c.c)
		c.declared = im.declared(c, res.Statements)
		if res.Expression == "" {
			continue
		}
		canon, err := parse(res.Expression)
		if status.Code(err) == codes.InvalidArgument {
			im.warn("%s: licence %q is not an SPDX expression Stemma reads (%s); recorded as unknown",
				c.c.Path, res.Expression, status.Convert(err).Message())
			continue
		}
		if err != nil {
			return err
		}
		c.licence = canon
	}
	im.warnings = append(im.warnings, resolver.Warnings()...)
	if err := im.curate(ctx, parse); err != nil {
		return err
	}
	im.licence = im.comps[0].licence
	if l := im.req.GetProductLicence(); l != "" {
		canon, err := parse(l)
		if status.Code(err) == codes.InvalidArgument {
			return apierr.Invalid("product_licence", "%s", status.Convert(err).Message())
		}
		if err != nil {
			return err
		}
		im.licence = canon
		if im.comps[0].licence == "" {
			im.comps[0].licence = canon
		}
	}
	return nil
}

// declared turns a component's resolved statements into the declared
// licences its work records, within the catalog's bounds: a statement
// longer than a licence field is clipped, and past the number a work
// holds the rest are left out, each with a warning.
func (im *sbomImport) declared(c *component, rs []sbom.Resolved) []*catalogv1.DeclaredLicence {
	var out []*catalogv1.DeclaredLicence
	for _, r := range rs {
		if len(out) == work.MaxDeclared {
			im.warn("%s: %d licence statements; the work records the first %d", c.c.Path, len(rs), work.MaxDeclared)
			break
		}
		st := r.Statement
		if n := utf8.RuneCountInString(st); n > work.MaxLicence {
			st = strings.TrimSpace(string([]rune(st)[:work.MaxLicence]))
			im.warn("%s: a licence statement of %d characters is recorded clipped to %d", c.c.Path, n, work.MaxLicence)
		}
		d := &catalogv1.DeclaredLicence{Statement: st, Method: string(r.Method), Confidence: r.Confidence}
		if r.Method != identify.MethodNone {
			d.Expression = r.Expression
		}
		out = append(out, d)
	}
	return out
}

// match finds the works that exist already: by purl and version, or, for a
// component without a purl, by its first digest with the same title and
// version. Which of them an import may use is the rule of docs/sbom.md
// "Whose works an import matches", in choose.
func (im *sbomImport) match(ctx context.Context, edges []sbom.Edge) error {
	derivative := map[*component]bool{im.comps[0]: true}
	for _, e := range edges {
		derivative[im.byRef[e.From]] = true
	}
	// One BatchLookupWorks per chunk of the batch bound, not a lookup per
	// component: a document of a thousand components costs one round trip.
	var (
		asked []*component
		reqs  []*catalogv1.LookupWorksRequest
	)
	for _, c := range im.comps {
		req := &catalogv1.LookupWorksRequest{Purl: c.purl}
		if c.purl == "" {
			if len(c.c.Hashes) == 0 {
				continue
			}
			req = &catalogv1.LookupWorksRequest{Digest: c.c.Hashes[0].Digest()}
		}
		asked, reqs = append(asked, c), append(reqs, req)
	}
	for start := 0; start < len(reqs); start += im.s.MaxBatch {
		end := min(start+im.s.MaxBatch, len(reqs))
		resp, err := im.s.Catalog.BatchLookupWorks(ctx, &catalogv1.BatchLookupWorksRequest{Requests: reqs[start:end]})
		if err != nil {
			return err
		}
		if len(resp.GetResponses()) != end-start {
			return fmt.Errorf("lineage: the catalog answered %d of %d lookups", len(resp.GetResponses()), end-start)
		}
		for i, r := range resp.GetResponses() {
			c := asked[start+i]
			var same []*catalogv1.Work
			for _, w := range r.GetWorks() {
				if w.GetVersion() == c.c.Version && (c.purl != "" || w.GetTitle() == c.c.Name) {
					same = append(same, w)
				}
			}
			c.work = im.choose(c, same, derivative[c])
		}
	}
	if p := im.comps[0]; p.work != nil && im.req.GetProductLicence() != "" && p.work.GetLicence() != im.licence {
		im.warn("the product %s is registered under %q; it is checked against %q as asked, and its record is left as it is",
			p.work.GetName(), p.work.GetLicence(), im.licence)
	}
	return nil
}

// choose picks, among the works (oldest first) that carry a component's
// identity, the one the import uses, or none: the importer's own first.
// A derivative (the product, or a component with dependencies) gets new
// derivations, so it may only be a work the importer may change, as in
// CreateDerivation. A source may be anyone's work, but only one whose
// record declares the licence the document declares: anyone may register
// any purl, and a record that disagrees would otherwise decide the
// importer's verdicts. Whatever is not matched becomes the importer's own
// work; each refused or foreign match is named in the warnings.
func (im *sbomImport) choose(c *component, ws []*catalogv1.Work, derivative bool) *catalogv1.Work {
	for _, w := range ws {
		if w.GetOwner() == im.p.Name {
			return w
		}
	}
	for _, w := range ws {
		if derivative && im.p.CanActOn(w.GetOwner()) || !derivative && c.licence != "" && w.GetLicence() == c.licence {
			im.warn("%s matched %s's %s", c.c.Path, w.GetOwner(), w.GetName())
			return w
		}
	}
	if len(ws) == 0 {
		return nil
	}
	w := ws[0]
	if derivative {
		im.warn("%s matches %s's %s, which %s may not record derivations on; the import registers a work of %s's for it",
			c.c.Path, w.GetOwner(), w.GetName(), im.p.Name, im.p.Name)
	} else {
		im.warn("%s matches %s's %s, registered under %q where the document declares %q; that record is not used, "+
			"the import registers a work of %s's for it", c.c.Path, w.GetOwner(), w.GetName(), w.GetLicence(), c.licence, im.p.Name)
	}
	return nil
}

// connect turns the document's acyclic edges into edges between works, and
// finds each component's shortest path from the product.
func (im *sbomImport) connect(edges []sbom.Edge) {
	seen := map[[2]*component]bool{}
	var kept []sbom.Edge
	for _, e := range edges {
		from, to := im.byRef[e.From], im.byRef[e.To]
		if from == to || seen[[2]*component{from, to}] {
			continue
		}
		seen[[2]*component{from, to}] = true
		kept = append(kept, e)
		im.edges = append(im.edges, &importEdge{from: from, to: to, link: e.Link})
	}
	into := map[*component]*importEdge{}
	paths := im.doc.ShortestPaths(kept)
	for _, e := range im.edges {
		if p, ok := paths[e.to.c.Ref]; ok && len(p) > 1 && im.byRef[p[len(p)-2]] == e.from && into[e.to] == nil {
			into[e.to] = e
		}
	}
	for _, c := range im.comps {
		for _, ref := range paths[c.c.Ref] {
			c.path = append(c.path, im.byRef[ref])
		}
		if e := into[c]; e != nil {
			c.rel, c.use = linkRelation(e.link)
		}
	}
}

// existingEdges marks the edges between existing works that the lineage
// store holds already. It asks for the derivations between the edges'
// derivatives and sources in chunks of the batch bound, a page at a time,
// rather than once per edge.
func (im *sbomImport) existingEdges(ctx context.Context) error {
	byPair := map[[2]string][]*importEdge{}
	var pairs [][2]string
	for _, e := range im.edges {
		if e.from.work == nil || e.to.work == nil {
			continue
		}
		pair := [2]string{workID0(e.from), workID0(e.to)}
		if byPair[pair] == nil {
			pairs = append(pairs, pair)
		}
		byPair[pair] = append(byPair[pair], e)
	}
	per := max(im.s.MaxBatch, 1)
	for start := 0; start < len(pairs); start += per {
		q := store.ListQuery{Limit: 1000}
		for _, pair := range pairs[start:min(start+per, len(pairs))] {
			q.Derivatives, q.Sources = append(q.Derivatives, pair[0]), append(q.Sources, pair[1])
		}
		for {
			ds, next, err := im.s.Store.List(ctx, q)
			if err != nil {
				return err
			}
			for _, d := range ds {
				for _, e := range byPair[[2]string{d.Derivative, d.Source}] {
					if rel, _ := linkRelation(e.link); d.Relation == rel && !e.existing {
						e.d, e.existing = d, true
					}
				}
			}
			if next == 0 {
				break
			}
			q.After = next
		}
	}
	return nil
}

func workID0(c *component) string { return strings.TrimPrefix(c.work.GetName(), "works/") }

// workLicence is the licence a component's work carries: its record's if it
// exists, else the one it will be registered with.
func (c *component) workLicence() string {
	if c.work != nil {
		return c.work.GetLicence()
	}
	return c.licence
}

// check asks every licence question at once: each new derivation's (source
// against derivative, as CreateDerivation would) and each component's
// against the product's licence, for the use its inclusion implies.
func (im *sbomImport) check(ctx context.Context) error {
	var qs []audit.Question
	var newEdges []*importEdge
	for _, e := range im.edges {
		if e.existing {
			continue
		}
		_, use := linkRelation(e.link)
		qs = append(qs, audit.Question{Inbound: e.to.workLicence(), Outbound: e.from.workLicence(), Use: use})
		newEdges = append(newEdges, e)
	}
	for _, c := range im.comps[1:] {
		qs = append(qs, audit.Question{Inbound: c.licence, Outbound: im.licence, Use: c.use})
	}
	checks, err := im.s.checker.Check(ctx, qs)
	if err != nil {
		return err
	}
	note := fmt.Sprintf("imported from an SBOM (%s)", im.doc.FormatName())
	if f := im.doc.Format; f == sbom.ModelCard || f == sbom.DatasetCard {
		note = "imported from a " + strings.TrimPrefix(string(f), "Hugging Face ")
	}
	for i, e := range newEdges {
		rel, use := linkRelation(e.link)
		e.d = &graph.Derivation{
			ID: newID(), Relation: rel, Use: use, Note: note + ", " + e.link.String(),
			SourceLicence: e.to.workLicence(), DerivativeLicence: e.from.workLicence(),
			Check: checks[i], Conflict: checks[i].Verdict == graph.Incompatible,
		}
	}
	for i, c := range im.comps[1:] {
		c.check = checks[len(newEdges)+i]
	}
	return nil
}

// recordedConflicts are the new derivations whose licences conflict, which
// CreateDerivation would refuse.
func (im *sbomImport) recordedConflicts() []*importEdge {
	var out []*importEdge
	for _, e := range im.edges {
		if !e.existing && e.d.Conflict {
			out = append(out, e)
		}
	}
	return out
}

// importConflict refuses an import whose derivations conflict, naming each.
func importConflict(es []*importEdge) error {
	vs := make([]apierr.Violation, len(es))
	for i, e := range es {
		reason := ""
		if len(e.d.Check.Reasons) > 0 {
			reason = ": " + e.d.Check.Reasons[0].Message
		}
		vs[i] = apierr.Violation{
			Type: "LICENCE_CONFLICT", Subject: e.from.c.Name + " -> " + e.to.c.Name,
			Description: fmt.Sprintf("%s (%s) may not be used in %s (%s)%s", e.to.c.Name, orNone(e.d.SourceLicence),
				e.from.c.Name, orNone(e.d.DerivativeLicence), reason),
		}
	}
	return apierr.Precondition("LICENCE_CONFLICT", fmt.Sprintf("%d dependencies' licences conflict; nothing was imported "+
		"(allow_conflict records them marked as conflicts)", len(es)), vs...)
}

func orNone(s string) string {
	if s == "" {
		return "no licence"
	}
	return s
}

// write records the import: the new works in one catalog transaction,
// the liens in batches, then the new derivations in one lineage
// transaction. A failure
// after the works were created deletes them again.
func (im *sbomImport) write(ctx context.Context) (err error) {
	if err := im.createWorks(ctx); err != nil {
		return err
	}
	var placed []*graph.Derivation
	defer func() {
		if err == nil {
			return
		}
		for _, d := range placed {
			im.s.liftLiens(ctx, d)
		}
		im.compensate(ctx)
	}()
	var ds []*graph.Derivation
	for _, e := range im.edges {
		if e.existing {
			continue
		}
		e.d.Derivative, e.d.Source = workID0(e.from), workID0(e.to)
		e.d.Recorder, e.d.CreateTime = im.p.Name, time.Now()
		ds = append(ds, e.d)
	}
	if err := im.s.placeLiens(ctx, ds...); err != nil {
		return err
	}
	placed = ds
	existing, err := im.s.Store.CreateMany(ctx, ds)
	if err != nil {
		return err
	}
	i := 0
	for _, e := range im.edges {
		if e.existing {
			continue
		}
		if prev := existing[i]; prev != nil {
			// Recorded meanwhile by someone else: this import's liens hold
			// nothing.
			im.s.liftLiens(ctx, e.d)
			e.d, e.existing = prev, true
		} else {
			im.s.Hub.Publish(ctx, watch.Event{Type: watch.Created, Derivation: e.d, Time: e.d.CreateTime})
		}
		i++
	}
	return nil
}

// createWorks registers the components that matched no work, in one
// catalog transaction, as the caller (who then owns them). Each request's
// id derives from the document and the component, so that a retried import
// gets the works its first attempt created rather than new ones.
func (im *sbomImport) createWorks(ctx context.Context) error {
	var reqs []*catalogv1.CreateWorkRequest
	var fresh []*component
	doc := hex.EncodeToString(im.digest[:12])
	for _, c := range im.comps {
		if c.work != nil {
			continue
		}
		ref := sha256.Sum256([]byte(c.c.Ref))
		reqs = append(reqs, &catalogv1.CreateWorkRequest{
			Work:      newWork(c),
			RequestId: "sbom-" + doc + "-" + hex.EncodeToString(ref[:12]) + suffix(im.req.GetRequestId()),
		})
		fresh = append(fresh, c)
	}
	if len(reqs) == 0 {
		return nil
	}
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if keys := md.Get("authorization"); len(keys) > 0 {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", keys[0])
		}
	}
	resp, err := im.s.CallerCatalog.BatchCreateWorks(ctx, &catalogv1.BatchCreateWorksRequest{Requests: reqs})
	if err != nil {
		return im.workError(err, fresh)
	}
	for i, w := range resp.GetWorks() {
		fresh[i].work = w
		// A replayed request returns the work an earlier import of the same
		// document created (a component with nothing to match it by): that
		// work existed before this import started. This reads the catalog's
		// clock against this process's; docs/sbom.md says what skew does.
		fresh[i].created = !w.GetCreateTime().AsTime().Before(im.start)
	}
	return nil
}

func suffix(requestID string) string {
	if requestID == "" {
		return ""
	}
	h := sha256.Sum256([]byte(requestID))
	return "-" + hex.EncodeToString(h[:6])
}

// newWork is the work a component becomes.
func newWork(c *component) *catalogv1.Work {
	w := &catalogv1.Work{
		Kind: catalogv1.WorkKind_WORK_KIND_SOFTWARE, Title: c.c.Name, Version: c.c.Version,
		Description: c.c.Description, Licence: c.licence, SourceUris: c.c.URLs,
		DeclaredLicences: c.declared,
	}
	switch c.c.Kind {
	case "dataset":
		w.Kind = catalogv1.WorkKind_WORK_KIND_DATASET
	case "model":
		w.Kind = catalogv1.WorkKind_WORK_KIND_MODEL
	}
	if c.purl != "" {
		w.Identifiers = []*catalogv1.Identifier{{Type: work.PURL, Value: c.purl}}
	}
	for _, h := range c.c.Hashes {
		w.Digests = append(w.Digests, h.Digest())
	}
	for _, name := range c.c.Creators {
		w.Creators = append(w.Creators, &catalogv1.Creator{Name: name})
	}
	return w
}

// workError names the component a refused work came from: the catalog
// names requests[i].work.<field>.
func (im *sbomImport) workError(err error, fresh []*component) error {
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		return err
	}
	for i, c := range fresh {
		prefix := fmt.Sprintf("requests[%d].", i)
		if strings.Contains(st.Message(), prefix) {
			return apierr.Invalid("sbom."+c.c.Path, "component %s: %s", c.c.Name,
				strings.ReplaceAll(st.Message(), prefix, ""))
		}
	}
	return err
}

// compensate deletes the works this import created, after a later step
// failed; what it cannot delete is logged.
func (im *sbomImport) compensate(ctx context.Context) {
	ctx, cancel := background(ctx)
	defer cancel()
	for _, c := range im.comps {
		if !c.created {
			continue
		}
		if _, err := im.s.Catalog.DeleteWork(ctx, &catalogv1.DeleteWorkRequest{Name: c.work.GetName()}); err != nil && status.Code(err) != codes.NotFound {
			im.s.Log.WarnContext(ctx, "SBOM import failed and a work it created could not be deleted", "work", c.work.GetName(), "err", err)
		}
		c.created, c.work = false, nil
	}
}

// report assembles the compliance report.
func (im *sbomImport) report(ctx context.Context) (*lineagev1.ImportSbomResponse, error) {
	prod := im.comps[0]
	r := &lineagev1.ImportSbomResponse{
		Format: im.doc.FormatName(), Product: prod.work.GetName(), ProductLicence: im.licence,
	}
	for _, c := range im.comps {
		if c.created || c.work == nil {
			r.WorksCreated++
		} else {
			r.WorksMatched++
		}
	}
	for _, e := range im.edges {
		if e.existing {
			r.DerivationsMatched++
		} else {
			r.DerivationsCreated++
		}
	}
	var inbound []string
	var uses []graph.Use
	unknown := 0
	for _, c := range im.comps[1:] {
		cr := &lineagev1.ComponentReport{
			Work: c.work.GetName(), Ref: c.c.Ref, Name: c.c.Name, Version: c.c.Version, Purl: c.purl,
			Licence: c.licence, Check: toCheck(c.check), Created: c.created || c.work == nil,
			DeclaredLicences: c.declared, DeclaredLicence: c.declaredLicence, Curation: c.curation,
		}
		for _, p := range c.path {
			cr.Path = append(cr.Path, p.label())
		}
		r.Components = append(r.Components, cr)
		switch {
		case c.check.Verdict == graph.Incompatible:
			r.Conflicts = append(r.Conflicts, &lineagev1.Conflict{
				Kind: lineagev1.Conflict_KIND_DERIVATION, Derivative: prod.label(), Source: c.label(),
				Relation: lineagev1.Relation(c.rel), Check: toCheck(c.check), Path: cr.Path,
			})
		case c.check.Verdict == graph.Unknown:
			r.UnknownLicences = append(r.UnknownLicences, unknownLabel(c))
		}
		if c.use == graph.UseAggregate {
			continue // a tool: not part of what is shipped
		}
		if c.licence == "" {
			unknown++
			continue
		}
		inbound = append(inbound, c.licence)
		uses = append(uses, c.use)
	}
	for _, e := range im.edges {
		if e.from == prod || e.existing || !e.d.Conflict {
			continue
		}
		var path []string
		for _, p := range e.from.path {
			path = append(path, p.label())
		}
		r.Conflicts = append(r.Conflicts, &lineagev1.Conflict{
			Kind: lineagev1.Conflict_KIND_DERIVATION, Derivative: e.from.label(), Source: e.to.label(),
			Derivation: derivationName(e.d.ID), Relation: lineagev1.Relation(e.d.Relation), Check: toCheck(e.d.Check),
			Path: path, Recorded: !im.req.GetValidateOnly(),
		})
	}
	if len(inbound) > 0 {
		candidates := append([]string{}, commonOutbound...)
		for id := range im.ids {
			candidates = append(candidates, id)
		}
		slices.Sort(candidates)
		resp, err := im.s.Licences.SuggestOutbound(ctx, &licencesv1.SuggestOutboundRequest{
			Inbound: dedupe(inbound), Use: licencesv1.Use(strongest(uses)), Candidates: slices.Compact(candidates),
		})
		if err != nil {
			return nil, err
		}
		r.AllowedLicences = resp.GetSuggestions()
		for _, b := range resp.GetBlocking() {
			im.warn("no outbound licence can carry material under %s, or Stemma has not modelled it", b)
		}
	}
	if unknown > 0 {
		im.warn("%d components without a known licence were left out of the licences the product may be released under", unknown)
	}
	r.Warnings = im.warnings
	return r, nil
}

func unknownLabel(c *component) string {
	s := c.c.Name
	if c.c.Version != "" {
		s += "@" + c.c.Version
	}
	if c.licence == "" {
		return s + " (no licence)"
	}
	return s + " (" + c.licence + ")"
}

// strongest is the use that binds most among those given, for the advice
// on the product's licence: incorporating binds more than linking
// statically, which binds more than linking dynamically.
func strongest(uses []graph.Use) graph.Use {
	rank := map[graph.Use]int{graph.UseIncorporate: 4, graph.UseLinkStatic: 3, graph.UseLinkDynamic: 2, graph.UseNetworkService: 1}
	best := graph.UseLinkDynamic
	for _, u := range uses {
		if rank[u] > rank[best] {
			best = u
		}
	}
	return best
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

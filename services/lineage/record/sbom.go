package record

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

	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/names"
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

// ImportRequest is a read SBOM and what the import of it asks for.
type ImportRequest struct {
	Principal auth.Principal
	Doc       *sbom.Document
	// Digest is the SHA-256 of the document as sent: with each
	// component's ref it names the work registered for it, so that a
	// retried import gets the works its first attempt registered.
	Digest         [32]byte
	ProductLicence string
	// RequestID, when set, keeps the works of this import apart from
	// those of another import of the same document.
	RequestID     string
	AllowConflict bool
	ValidateOnly  bool
}

// Import is one import: the document and what it resolves to.
type Import struct {
	Doc *sbom.Document
	// Components are one per work, the product first.
	Components []*Component
	Edges      []*Edge
	// Licence is the product's licence, canonical.
	Licence  string
	Warnings []string
	// Allowed are the licences the product may be released under, given
	// its components' (Import only, not Plan).
	Allowed []Suggestion

	r       *Recorder
	req     ImportRequest
	start   time.Time
	byRef   map[string]*Component // every ref, duplicates included
	ids     map[string]bool       // the SPDX licence ids the documents' expressions name
	offline bool
}

// Component is one work of an import: a component of the SBOM (or several
// that name the same package).
type Component struct {
	Entry sbom.Component
	// PURL is the normalised purl, qualifiers dropped; "" if none.
	PURL string
	// Licence is canonical; "" when missing or unreadable.
	Licence string
	// Curation is the accepted curation that replaced the licence the
	// document declares, curations/{id}, and DeclaredLicence that licence.
	Curation, DeclaredLicence string
	// Declared are its licence statements, resolved, as its work records
	// them.
	Declared []Declared
	Work     *Work
	// Created says this import registered its work.
	Created bool
	// Path runs from the product to it, both included.
	Path []*Component
	// Use is how the product ends up using it, through Relation.
	Use      graph.Use
	Relation graph.Relation
	// Check is its licence against the product's.
	Check graph.Check
}

// Label names a component in paths: its work, or its ref before it has one.
func (c *Component) Label() string {
	if c.Work != nil {
		return "works/" + c.Work.ID
	}
	return c.Entry.Ref
}

// Edge is one dependency between two works.
type Edge struct {
	From, To *Component
	Link     sbom.Link
	// Derivation is the derivation to record, or the one that holds the
	// edge when Existing.
	Derivation *graph.Derivation
	Existing   bool
}

// Import imports an SBOM as works and derivations and answers with what
// it found, for the compliance report. The design, and where "all or
// nothing" across two services' stores stops, is in docs/sbom.md:
// everything is read, matched and checked before anything is written;
// then the new works in one catalog transaction, then the new derivations
// in one lineage transaction; if the second fails, the works the first
// created are deleted again. It needs a Registry.
func (r *Recorder) Import(ctx context.Context, req ImportRequest) (*Import, error) {
	im := r.newImport(req)
	if err := im.plan(ctx); err != nil {
		return nil, err
	}
	if c := im.recordedConflicts(); len(c) > 0 && !req.AllowConflict && !req.ValidateOnly {
		return nil, &ImportConflictError{Edges: c}
	}
	if !req.ValidateOnly {
		if err := im.write(ctx); err != nil {
			return nil, err
		}
	}
	if err := im.advise(ctx); err != nil {
		return nil, err
	}
	return im, nil
}

// Plan plans the import of an SBOM without the catalog or the store (a
// policy evaluation reads the document alone): no existing works or
// derivations are matched, nothing is written.
func (r *Recorder) Plan(ctx context.Context, req ImportRequest) (*Import, error) {
	im := r.newImport(req)
	im.offline = true
	if err := im.plan(ctx); err != nil {
		return nil, err
	}
	return im, nil
}

func (r *Recorder) newImport(req ImportRequest) *Import {
	return &Import{r: r, req: req, Doc: req.Doc, start: time.Now()}
}

// LinkRelation is the relation and use a derivation records for each kind
// of link: linked code is included (with its link kind), a dependency of
// unstated kind is a dependency (used dynamically, the relation's default),
// a tool is a dependency whose material is not shipped (aggregate), a
// model's dataset is what it was trained or tested on. A card's base model
// is adapted, copied (quantized) or remixed (merged): its material is in
// the derivative (incorporate, the relations' default use).
func LinkRelation(l sbom.Link) (graph.Relation, graph.Use) {
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

// RelationLink is the link an export writes a derivation as, the inverse
// of LinkRelation as far as links go: what is kept is the use, which is
// what the licence checks of a re-import weigh (an adaptation, a fork or
// a copy incorporates its source, as a contained component does).
func RelationLink(r graph.Relation, u graph.Use) sbom.Link {
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

func (im *Import) warn(format string, args ...any) {
	im.Warnings = append(im.Warnings, fmt.Sprintf(format, args...))
}

// plan resolves everything before anything is written: licences, identities,
// existing works and edges, cycles, paths and every licence check.
func (im *Import) plan(ctx context.Context) error {
	im.Warnings = append(im.Warnings, im.Doc.Warnings...)
	if err := im.identify(); err != nil {
		return err
	}
	if err := im.licences(ctx); err != nil {
		return err
	}
	edges, cycles := im.Doc.Acyclic()
	if !im.offline {
		if err := im.match(ctx, edges); err != nil {
			return err
		}
	}
	for _, c := range cycles {
		im.warn("dependency cycle %s: its last edge is not recorded (the graph of works is acyclic)", im.Doc.CycleString(c))
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
func (im *Import) identify() error {
	im.byRef = map[string]*Component{}
	byKey := map[string]*Component{}
	for _, c := range im.Doc.Components {
		comp := &Component{Entry: c}
		key := "ref:" + c.Ref
		if c.PURL != "" {
			id, err := work.IdentifierValue("sbom."+c.Path+".purl", work.PURL, c.PURL)
			if err != nil {
				return err
			}
			comp.PURL = StripQualifiers(id.Value)
			key = comp.PURL
		}
		if first, dup := byKey[key]; dup {
			im.warn("%s and %s are the same package (%s); imported once", first.Entry.Path, c.Path, key)
			im.byRef[c.Ref] = first
			continue
		}
		byKey[key] = comp
		im.byRef[c.Ref] = comp
		im.Components = append(im.Components, comp)
	}
	return nil
}

// curate replaces the declared licence of every component an accepted
// curation names (by purl and version) by the curated one, keeping the
// declared one for the report.
func (im *Import) curate(ctx context.Context, parse func(string) (string, error)) error {
	curated, err := im.r.Curations.ForPackages(ctx)
	if err != nil {
		return err
	}
	for _, c := range im.Components {
		cur, ok := curated(c.PURL, c.Entry.Version)
		if !ok {
			continue
		}
		canon, err := parse(cur.Licence)
		if err != nil {
			return fmt.Errorf("lineage: curations/%s: licence %q no longer reads: %w", cur.ID, cur.Licence, err)
		}
		c.DeclaredLicence, c.Licence, c.Curation = c.Licence, canon, "curations/"+cur.ID
	}
	return nil
}

// StripQualifiers drops a purl's ?qualifiers, keeping its #subpath.
func StripQualifiers(purl string) string {
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
func (im *Import) licences(ctx context.Context) error {
	canonical := map[string]string{}
	im.ids = map[string]bool{}
	parse := func(expr string) (string, error) {
		if c, ok := canonical[expr]; ok {
			return c, nil
		}
		e, err := im.r.Licences.Parse(ctx, expr)
		if err != nil {
			return "", err
		}
		canonical[expr] = e.Canonical
		for _, id := range e.IDs {
			if !strings.Contains(id, "Ref-") {
				im.ids[id] = true
			}
		}
		return e.Canonical, nil
	}
	resolver := sbom.NewResolver(im.Doc)
	for _, c := range im.Components {
		res := resolver.Resolve(c.Entry)
		c.Declared = im.declared(c, res.Statements)
		if res.Expression == "" {
			continue
		}
		canon, err := parse(res.Expression)
		if msg, ok := unreadable(err); ok {
			im.warn("%s: licence %q is not an SPDX expression Stemma reads (%s); recorded as unknown",
				c.Entry.Path, res.Expression, msg)
			continue
		}
		if err != nil {
			return err
		}
		c.Licence = canon
	}
	im.Warnings = append(im.Warnings, resolver.Warnings()...)
	if err := im.curate(ctx, parse); err != nil {
		return err
	}
	im.Licence = im.Components[0].Licence
	if l := im.req.ProductLicence; l != "" {
		canon, err := parse(l)
		if msg, ok := unreadable(err); ok {
			return &InvalidError{Field: "product_licence", Message: msg}
		}
		if err != nil {
			return err
		}
		im.Licence = canon
		if im.Components[0].Licence == "" {
			im.Components[0].Licence = canon
		}
	}
	return nil
}

// unreadable returns why the licences service could not read an
// expression, if that is what err says.
func unreadable(err error) (string, bool) {
	var se *ServiceError
	if !errors.As(err, &se) || se.Fault != Invalid {
		return "", false
	}
	return se.Message, true
}

// declared turns a component's resolved statements into the declared
// licences its work records, within the catalog's bounds: a statement
// longer than a licence field is clipped, and past the number a work
// holds the rest are left out, each with a warning.
func (im *Import) declared(c *Component, rs []sbom.Resolved) []Declared {
	var out []Declared
	for _, r := range rs {
		if len(out) == work.MaxDeclared {
			im.warn("%s: %d licence statements; the work records the first %d", c.Entry.Path, len(rs), work.MaxDeclared)
			break
		}
		st := r.Statement
		if n := utf8.RuneCountInString(st); n > work.MaxLicence {
			st = strings.TrimSpace(string([]rune(st)[:work.MaxLicence]))
			im.warn("%s: a licence statement of %d characters is recorded clipped to %d", c.Entry.Path, n, work.MaxLicence)
		}
		d := Declared{Statement: st, Method: string(r.Method), Confidence: r.Confidence}
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
func (im *Import) match(ctx context.Context, edges []sbom.Edge) error {
	derivative := map[*Component]bool{im.Components[0]: true}
	for _, e := range edges {
		derivative[im.byRef[e.From]] = true
	}
	var (
		asked []*Component
		ls    []Lookup
	)
	for _, c := range im.Components {
		l := Lookup{PURL: c.PURL}
		if c.PURL == "" {
			if len(c.Entry.Hashes) == 0 {
				continue
			}
			l = Lookup{Digest: c.Entry.Hashes[0].Digest()}
		}
		asked, ls = append(asked, c), append(ls, l)
	}
	found, err := im.r.Catalog.Lookup(ctx, ls)
	if err != nil {
		return err
	}
	for i, ws := range found {
		c := asked[i]
		var same []*Work
		for _, w := range ws {
			if w.Version == c.Entry.Version && (c.PURL != "" || w.Title == c.Entry.Name) {
				same = append(same, w)
			}
		}
		c.Work = im.choose(c, same, derivative[c])
		// A component its document gives no licence is judged by its
		// matched work's: the record is all there is (a model card's
		// base_model names a repository, never its licence). Only the
		// importer's own works (or those it may act on) match such a
		// component (choose), so no stranger's record decides it.
		if c.Work != nil && c.Licence == "" && c.Work.Licence != "" {
			c.Licence = c.Work.Licence
			im.warn("%s declares no licence; its work works/%s is registered under %s, by which it is judged", c.Entry.Path, c.Work.ID, c.Licence)
		}
	}
	if p := im.Components[0]; p.Work != nil && im.req.ProductLicence != "" && p.Work.Licence != im.Licence {
		im.warn("the product works/%s is registered under %q; it is checked against %q as asked, and its record is left as it is",
			p.Work.ID, p.Work.Licence, im.Licence)
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
func (im *Import) choose(c *Component, ws []*Work, derivative bool) *Work {
	p := im.req.Principal
	for _, w := range ws {
		if w.Owner == p.Name {
			return w
		}
	}
	for _, w := range ws {
		if derivative && p.CanActOn(w.Owner) || !derivative && c.Licence != "" && w.Licence == c.Licence {
			im.warn("%s matched %s's works/%s", c.Entry.Path, w.Owner, w.ID)
			return w
		}
	}
	if len(ws) == 0 {
		return nil
	}
	w := ws[0]
	if derivative {
		im.warn("%s matches %s's works/%s, which %s may not record derivations on; the import registers a work of %s's for it",
			c.Entry.Path, w.Owner, w.ID, p.Name, p.Name)
	} else {
		im.warn("%s matches %s's works/%s, registered under %q where the document declares %q; that record is not used, "+
			"the import registers a work of %s's for it", c.Entry.Path, w.Owner, w.ID, w.Licence, c.Licence, p.Name)
	}
	return nil
}

// connect turns the document's acyclic edges into edges between works, and
// finds each component's shortest path from the product.
func (im *Import) connect(edges []sbom.Edge) {
	seen := map[[2]*Component]bool{}
	var kept []sbom.Edge
	for _, e := range edges {
		from, to := im.byRef[e.From], im.byRef[e.To]
		if from == to || seen[[2]*Component{from, to}] {
			continue
		}
		seen[[2]*Component{from, to}] = true
		kept = append(kept, e)
		im.Edges = append(im.Edges, &Edge{From: from, To: to, Link: e.Link})
	}
	into := map[*Component]*Edge{}
	paths := im.Doc.ShortestPaths(kept)
	for _, e := range im.Edges {
		if p, ok := paths[e.To.Entry.Ref]; ok && len(p) > 1 && im.byRef[p[len(p)-2]] == e.From && into[e.To] == nil {
			into[e.To] = e
		}
	}
	for _, c := range im.Components {
		for _, ref := range paths[c.Entry.Ref] {
			c.Path = append(c.Path, im.byRef[ref])
		}
		if e := into[c]; e != nil {
			c.Relation, c.Use = LinkRelation(e.Link)
		}
	}
}

// existingEdges marks the edges between existing works that the lineage
// store holds already. It asks for the derivations between the edges'
// derivatives and sources in chunks of the batch bound, a page at a time,
// rather than once per edge.
func (im *Import) existingEdges(ctx context.Context) error {
	byPair := map[[2]string][]*Edge{}
	var pairs [][2]string
	for _, e := range im.Edges {
		if e.From.Work == nil || e.To.Work == nil {
			continue
		}
		pair := [2]string{e.From.Work.ID, e.To.Work.ID}
		if byPair[pair] == nil {
			pairs = append(pairs, pair)
		}
		byPair[pair] = append(byPair[pair], e)
	}
	per := max(im.r.MaxBatch, 1)
	for start := 0; start < len(pairs); start += per {
		q := store.ListQuery{Limit: 1000}
		for _, pair := range pairs[start:min(start+per, len(pairs))] {
			q.Derivatives, q.Sources = append(q.Derivatives, pair[0]), append(q.Sources, pair[1])
		}
		for {
			ds, next, err := im.r.Store.List(ctx, q)
			if err != nil {
				return err
			}
			for _, d := range ds {
				for _, e := range byPair[[2]string{d.Derivative, d.Source}] {
					if rel, _ := LinkRelation(e.Link); d.Relation == rel && !e.Existing {
						e.Derivation, e.Existing = d, true
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

// workLicence is the licence a component's work carries: its record's if it
// exists, else the one it will be registered with.
func (c *Component) workLicence() string {
	if c.Work != nil {
		return c.Work.Licence
	}
	return c.Licence
}

// check asks every licence question at once: each new derivation's (source
// against derivative, as CreateDerivation would) and each component's
// against the product's licence, for the use its inclusion implies.
func (im *Import) check(ctx context.Context) error {
	var qs []audit.Question
	var newEdges []*Edge
	for _, e := range im.Edges {
		if e.Existing {
			continue
		}
		_, use := LinkRelation(e.Link)
		qs = append(qs, audit.Question{Inbound: e.To.workLicence(), Outbound: e.From.workLicence(), Use: use})
		newEdges = append(newEdges, e)
	}
	for _, c := range im.Components[1:] {
		qs = append(qs, audit.Question{Inbound: c.Licence, Outbound: im.Licence, Use: c.Use})
	}
	checks, err := im.r.Licences.Check(ctx, qs)
	if err != nil {
		return err
	}
	note := fmt.Sprintf("imported from an SBOM (%s)", im.Doc.FormatName())
	if f := im.Doc.Format; f == sbom.ModelCard || f == sbom.DatasetCard {
		note = "imported from a " + strings.TrimPrefix(string(f), "Hugging Face ")
	}
	for i, e := range newEdges {
		rel, use := LinkRelation(e.Link)
		e.Derivation = &graph.Derivation{
			ID: names.NewID(), Relation: rel, Use: use, Note: note + ", " + e.Link.String(),
			SourceLicence: e.To.workLicence(), DerivativeLicence: e.From.workLicence(),
			Check: checks[i], Conflict: checks[i].Verdict == graph.Incompatible,
		}
	}
	for i, c := range im.Components[1:] {
		c.Check = checks[len(newEdges)+i]
	}
	return nil
}

// recordedConflicts are the new derivations whose licences conflict, which
// CreateDerivation would refuse.
func (im *Import) recordedConflicts() []*Edge {
	var out []*Edge
	for _, e := range im.Edges {
		if !e.Existing && e.Derivation.Conflict {
			out = append(out, e)
		}
	}
	return out
}

// write records the import: the new works in one catalog transaction,
// the liens in batches, then the new derivations in one lineage
// transaction. A failure after the works were created deletes them again.
func (im *Import) write(ctx context.Context) (err error) {
	if err := im.createWorks(ctx); err != nil {
		return err
	}
	var placed []*graph.Derivation
	defer func() {
		if err == nil {
			return
		}
		for _, d := range placed {
			im.r.LiftLiens(ctx, d)
		}
		im.compensate(ctx)
	}()
	var ds []*graph.Derivation
	for _, e := range im.Edges {
		if e.Existing {
			continue
		}
		e.Derivation.Derivative, e.Derivation.Source = e.From.Work.ID, e.To.Work.ID
		e.Derivation.Recorder, e.Derivation.CreateTime = im.req.Principal.Name, time.Now()
		ds = append(ds, e.Derivation)
	}
	if err := im.r.placeLiens(ctx, ds...); err != nil {
		return err
	}
	placed = ds
	existing, err := im.r.Store.CreateMany(ctx, ds)
	if err != nil {
		return err
	}
	i := 0
	for _, e := range im.Edges {
		if e.Existing {
			continue
		}
		if prev := existing[i]; prev != nil {
			// Recorded meanwhile by someone else: this import's liens hold
			// nothing.
			im.r.LiftLiens(ctx, e.Derivation)
			e.Derivation, e.Existing = prev, true
		} else {
			im.r.Events.Publish(ctx, watch.Event{Type: watch.Created, Derivation: e.Derivation, Time: e.Derivation.CreateTime})
		}
		i++
	}
	return nil
}

// createWorks registers the components that matched no work, in one
// catalog transaction, as the caller (who then owns them). Each request's
// id derives from the document and the component, so that a retried import
// gets the works its first attempt created rather than new ones.
func (im *Import) createWorks(ctx context.Context) error {
	var ws []NewWork
	var fresh []*Component
	doc := hex.EncodeToString(im.req.Digest[:12])
	for _, c := range im.Components {
		if c.Work != nil {
			continue
		}
		ref := sha256.Sum256([]byte(c.Entry.Ref))
		w := newWork(c)
		w.RequestID = "sbom-" + doc + "-" + hex.EncodeToString(ref[:12]) + suffix(im.req.RequestID)
		ws = append(ws, w)
		fresh = append(fresh, c)
	}
	if len(ws) == 0 {
		return nil
	}
	created, err := im.r.Registry.CreateWorks(ctx, ws)
	if err != nil {
		return workError(err, fresh)
	}
	for i, w := range created {
		fresh[i].Work = w
		// A replayed request returns the work an earlier import of the same
		// document created (a component with nothing to match it by): that
		// work existed before this import started. This reads the catalog's
		// clock against this process's; docs/sbom.md says what skew does.
		fresh[i].Created = !w.CreateTime.Before(im.start)
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
func newWork(c *Component) NewWork {
	w := NewWork{
		Kind: KindSoftware, Title: c.Entry.Name, Version: c.Entry.Version,
		Description: c.Entry.Description, Licence: c.Licence, SourceURIs: c.Entry.URLs,
		Declared: c.Declared, PURL: c.PURL, Creators: c.Entry.Creators,
	}
	switch c.Entry.Kind {
	case "dataset":
		w.Kind = KindDataset
	case "model":
		w.Kind = KindModel
	}
	for _, h := range c.Entry.Hashes {
		w.Digests = append(w.Digests, h.Digest())
	}
	return w
}

// workError names the component a refused work came from.
func workError(err error, fresh []*Component) error {
	var se *ServiceError
	if !errors.As(err, &se) || se.Fault != Invalid || se.Index < 0 || se.Index >= len(fresh) {
		return err
	}
	c := fresh[se.Index]
	return &InvalidError{Field: "sbom." + c.Entry.Path, Message: fmt.Sprintf("component %s: %s", c.Entry.Name, se.Message)}
}

// compensate deletes the works this import created, after a later step
// failed; what it cannot delete is logged.
func (im *Import) compensate(ctx context.Context) {
	ctx, cancel := background(ctx)
	defer cancel()
	for _, c := range im.Components {
		if !c.Created {
			continue
		}
		err := im.r.Catalog.DeleteWork(ctx, c.Work.ID)
		if f, _ := faultOf(err); err != nil && f != Missing {
			im.r.Log.WarnContext(ctx, "SBOM import failed and a work it created could not be deleted", "work", "works/"+c.Work.ID, "err", err)
		}
		c.Created, c.Work = false, nil
	}
}

// advise finds the licences the product may be released under: those
// that can carry every shipped component's licence for its use (a tool is
// not shipped; a component without a known licence is left out, with a
// warning).
func (im *Import) advise(ctx context.Context) error {
	var inbound []string
	var uses []graph.Use
	unknown := 0
	for _, c := range im.Components[1:] {
		if c.Use == graph.UseAggregate {
			continue
		}
		if c.Licence == "" {
			unknown++
			continue
		}
		inbound = append(inbound, c.Licence)
		uses = append(uses, c.Use)
	}
	if len(inbound) > 0 {
		candidates := append([]string{}, commonOutbound...)
		for id := range im.ids {
			candidates = append(candidates, id)
		}
		slices.Sort(candidates)
		allowed, blocking, err := im.r.Licences.Suggest(ctx, dedupe(inbound), strongest(uses), slices.Compact(candidates))
		if err != nil {
			return err
		}
		im.Allowed = allowed
		for _, b := range blocking {
			im.warn("no outbound licence can carry material under %s, or Stemma has not modelled it", b)
		}
	}
	if unknown > 0 {
		im.warn("%d components without a known licence were left out of the licences the product may be released under", unknown)
	}
	return nil
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

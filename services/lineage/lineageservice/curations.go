package lineageservice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/filter"
	"github.com/stemma-registry/stemma/services/internal/input"
	"github.com/stemma-registry/stemma/services/internal/names"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/policy"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// Curations implements stemma.lineage.v1.CurationService: claims about
// the licence of works and packages, reviewed before they count. What an
// accepted one changes is what imports, audits, attributions, notices,
// SBOM exports and policy evaluations take a work's licence to be
// (curator).
type Curations struct {
	lineagev1.UnimplementedCurationServiceServer
	s     *Service
	store store.Curations
	now   func() time.Time
}

// NewCurations returns the curation service over the lineage service and
// a curation store.
func NewCurations(s *Service, st store.Curations) *Curations {
	return &Curations{s: s, store: st, now: time.Now}
}

// Bounds on what a curation holds, so that hostile input stays small.
const (
	maxCurationURL  = 2048
	maxCurationText = 4096
)

var curationFilter = filter.Schema{
	"state":    {Type: filter.Enum, Values: []string{"PROPOSED", "ACCEPTED", "REJECTED"}, Prefix: "CURATION_STATE_"},
	"purl":     {Type: filter.String},
	"work":     {Type: filter.String},
	"licence":  {Type: filter.String},
	"proposer": {Type: filter.String},
	"reviewer": {Type: filter.String},
}

func curationID(name string) (string, error) { return names.Parse("name", name, "curations") }

func toCuration(c *store.Curation) *lineagev1.Curation {
	out := &lineagev1.Curation{
		Name: "curations/" + c.ID, Purl: c.Purl, Versions: c.Versions, Work: c.Work, Licence: c.Licence,
		Evidence: &lineagev1.CurationEvidence{Url: c.EvidenceURL, TextDigest: c.EvidenceDigest, Note: c.EvidenceNote},
		State:    lineagev1.CurationState(c.State), Proposer: c.Proposer, Reviewer: c.Reviewer,
		CreateTime: timestamppb.New(c.CreateTime), UpdateTime: timestamppb.New(c.UpdateTime),
	}
	for _, e := range c.History {
		out.History = append(out.History, &lineagev1.CurationEvent{
			State: lineagev1.CurationState(e.State), Actor: e.Actor, Note: e.Note, Time: timestamppb.New(e.Time),
		})
	}
	return out
}

// CreateCuration records a proposed curation.
func (cs *Curations) CreateCuration(ctx context.Context, req *lineagev1.CreateCurationRequest) (*lineagev1.Curation, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	c := req.GetCuration()
	if c == nil {
		return nil, apierr.Missing("curation")
	}
	sc := &store.Curation{ID: names.NewID(), Proposer: pr.Name, CreateTime: cs.now().UTC()}
	switch {
	case (c.GetPurl() == "") == (c.GetWork() == ""):
		return nil, apierr.Invalid("curation.purl", "give exactly one of purl and work")
	case c.GetWork() != "":
		if _, err := names.Parse("curation.work", c.GetWork(), "works"); err != nil {
			return nil, err
		}
		if c.GetVersions() != "" {
			return nil, apierr.Invalid("curation.versions", "only with a purl")
		}
		sc.Work = c.GetWork()
	default:
		p, err := input.Text("curation.purl", c.GetPurl(), maxCurationURL, false)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(p, "pkg:") || !strings.Contains(p, "/") || strings.ContainsAny(p, " \t\r\n") {
			return nil, apierr.Invalid("curation.purl", "want a package URL, for example pkg:npm/left-pad or pkg:npm/left-pad@1.3.0")
		}
		if c.GetVersions() != "" {
			if _, err := policy.ParseRange(c.GetVersions()); err != nil {
				return nil, apierr.Invalid("curation.versions", "%s", err.Error())
			}
		}
		sc.Purl, sc.Versions = p, c.GetVersions()
	}
	if c.GetLicence() == "" {
		return nil, apierr.Missing("curation.licence")
	}
	licence, err := input.Text("curation.licence", c.GetLicence(), maxCurationURL, false)
	if err != nil {
		return nil, err
	}
	parsed, err := cs.s.Licences.ParseExpression(ctx, &licencesv1.ParseExpressionRequest{Expression: licence})
	if status.Code(err) == codes.InvalidArgument {
		return nil, apierr.Invalid("curation.licence", "%s", status.Convert(err).Message())
	}
	if err != nil {
		return nil, err
	}
	sc.Licence = parsed.GetCanonical()
	ev := c.GetEvidence()
	if ev.GetUrl() == "" {
		return nil, apierr.Missing("curation.evidence.url")
	}
	evidenceURL, err := input.Text("curation.evidence.url", ev.GetUrl(), maxCurationURL, false)
	if err != nil {
		return nil, err
	}
	if u, err := url.Parse(evidenceURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, apierr.Invalid("curation.evidence.url", "want an http or https URL")
	}
	if d := ev.GetTextDigest(); d != "" {
		hexd, ok := strings.CutPrefix(d, "sha256:")
		if _, err := hex.DecodeString(hexd); !ok || err != nil || len(hexd) != 64 {
			return nil, apierr.Invalid("curation.evidence.text_digest", "want sha256:<64 hex digits>")
		}
	}
	evidenceNote, err := input.Text("curation.evidence.note", ev.GetNote(), maxCurationText, true)
	if err != nil {
		return nil, err
	}
	sc.EvidenceURL, sc.EvidenceDigest, sc.EvidenceNote = evidenceURL, ev.GetTextDigest(), evidenceNote
	if err := cs.store.CreateCuration(ctx, sc); err != nil {
		return nil, err
	}
	return toCuration(sc), nil
}

// GetCuration returns a curation.
func (cs *Curations) GetCuration(ctx context.Context, req *lineagev1.GetCurationRequest) (*lineagev1.Curation, error) {
	id, err := curationID(req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := cs.store.GetCuration(ctx, id)
	if err != nil {
		return nil, err
	}
	return toCuration(c), nil
}

// ListCurations lists the curations a filter selects, by id; the page
// token carries the last id looked at. Curations are few: the filter is
// applied as they are read.
func (cs *Curations) ListCurations(ctx context.Context, req *lineagev1.ListCurationsRequest) (*lineagev1.ListCurationsResponse, error) {
	size, err := cs.s.Pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	f, err := filter.Parse(req.GetFilter(), curationFilter)
	if err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListCurations", req.GetFilter())
	after, err := paging.Decode(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &lineagev1.ListCurationsResponse{}
	for {
		batch, err := cs.store.ListCurations(ctx, after, size+1)
		if err != nil {
			return nil, err
		}
		for _, c := range batch {
			if len(resp.Curations) == size {
				// after is the last curation looked at, the page's last.
				resp.NextPageToken = paging.Encode(q, after)
				return resp, nil
			}
			after = c.ID
			if filter.Match(f, func(field string) []string { return curationValues(c, field) }) {
				resp.Curations = append(resp.Curations, toCuration(c))
			}
		}
		if len(batch) <= size {
			return resp, nil
		}
	}
}

// curationValues are the values of a curation's filterable field.
func curationValues(c *store.Curation, field string) []string {
	switch field {
	case "state":
		return []string{strings.TrimPrefix(lineagev1.CurationState(c.State).String(), "CURATION_STATE_")}
	case "purl":
		return []string{c.Purl}
	case "work":
		return []string{c.Work}
	case "licence":
		return []string{c.Licence}
	case "proposer":
		return []string{c.Proposer}
	case "reviewer":
		return []string{c.Reviewer}
	}
	return nil
}

// AcceptCuration accepts a proposed curation.
func (cs *Curations) AcceptCuration(ctx context.Context, req *lineagev1.AcceptCurationRequest) (*lineagev1.Curation, error) {
	return cs.review(ctx, req.GetName(), req.GetNote(), store.CurationAccepted, store.CurationProposed)
}

// RejectCuration rejects a proposed or accepted curation.
func (cs *Curations) RejectCuration(ctx context.Context, req *lineagev1.RejectCurationRequest) (*lineagev1.Curation, error) {
	return cs.review(ctx, req.GetName(), req.GetNote(), store.CurationRejected, store.CurationProposed, store.CurationAccepted)
}

// review moves a curation to state to from one of from: a reviewer or an
// admin may, but never the curation's proposer.
func (cs *Curations) review(ctx context.Context, name, note string, to store.CurationState, from ...store.CurationState) (*lineagev1.Curation, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	id, err := curationID(name)
	if err != nil {
		return nil, err
	}
	note, err = input.Text("note", note, maxCurationText, true)
	if err != nil {
		return nil, err
	}
	if !pr.CanReview() {
		return nil, apierr.Denied("only a reviewer (--reviewers) or an admin may review curations; %s is neither", pr.Name)
	}
	c, err := cs.store.GetCuration(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Proposer == pr.Name {
		return nil, apierr.Denied("curations/%s was proposed by %s, who may not review it", id, pr.Name)
	}
	ok := false
	for _, st := range from {
		ok = ok || c.State == st
	}
	if !ok {
		return nil, apierr.Precondition("CURATION_STATE", "curations/"+id+" is "+lineagev1.CurationState(c.State).String()+
			"; it cannot become "+lineagev1.CurationState(to).String())
	}
	c, err = cs.store.ReviewCuration(ctx, id, c.State, store.CurationEvent{State: to, Actor: pr.Name, Note: note, Time: cs.now().UTC()})
	if err != nil {
		return nil, err
	}
	return toCuration(c), nil
}

// curator replaces declared licences by those of accepted curations.
type curator struct {
	byPurl []curated
	byWork map[string]*store.Curation
}

type curated struct {
	c        *store.Curation
	versions *policy.Range
}

// loadCurator reads the accepted curations; a nil store curates nothing.
func loadCurator(ctx context.Context, st store.Curations) (*curator, error) {
	cu := &curator{byWork: map[string]*store.Curation{}}
	if st == nil {
		return cu, nil
	}
	cs, err := st.AcceptedCurations(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Work != "" {
			if prev := cu.byWork[c.Work]; prev == nil || c.UpdateTime.After(prev.UpdateTime) {
				cu.byWork[c.Work] = c
			}
			continue
		}
		cd := curated{c: c}
		if c.Versions != "" {
			// Ranges were read when proposed; one a later, stricter
			// reader refuses curates nothing.
			r, err := policy.ParseRange(c.Versions)
			if err != nil {
				continue
			}
			cd.versions = r
		}
		cu.byPurl = append(cu.byPurl, cd)
	}
	return cu, nil
}

// forPackage returns the accepted curation of a package, the most
// recently accepted when several match; nil when none does.
func (cu *curator) forPackage(purl, version string) *store.Curation {
	var best *store.Curation
	for _, cd := range cu.byPurl {
		if policy.MatchPurl(cd.c.Purl, cd.versions, purl, version) && (best == nil || cd.c.UpdateTime.After(best.UpdateTime)) {
			best = cd.c
		}
	}
	return best
}

// forWork returns the accepted curation of a registered work: one that
// names the work, else one that names its package.
func (cu *curator) forWork(work, purl, version string) *store.Curation {
	if c := cu.byWork[work]; c != nil {
		return c
	}
	return cu.forPackage(purl, version)
}

// ofWork returns the accepted curation of a work of an ancestry, by id,
// whose catalog record is w (nil when the catalog has none): one that
// names the work, else one that names its package at its version.
func (cu *curator) ofWork(id string, w *catalogv1.Work) *store.Curation {
	return cu.forWork(workName(id), workPurl(w), w.GetVersion())
}

// workPurl returns the package URL a work records, or "".
func workPurl(w *catalogv1.Work) string {
	for _, id := range w.GetIdentifiers() {
		if id.GetType() == work.PURL {
			return id.GetValue()
		}
	}
	return ""
}

// digest names the accepted curations and their acceptance, for cache
// keys of answers they change.
func (cu *curator) digest() string {
	ids := make([]string, 0, len(cu.byWork)+len(cu.byPurl))
	for _, c := range cu.byWork {
		ids = append(ids, c.ID+"@"+strconv.FormatInt(c.UpdateTime.UnixMicro(), 10))
	}
	for _, cd := range cu.byPurl {
		ids = append(ids, cd.c.ID+"@"+strconv.FormatInt(cd.c.UpdateTime.UnixMicro(), 10))
	}
	if len(ids) == 0 {
		return ""
	}
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(strings.Join(ids, ",")))
	return ":" + hex.EncodeToString(sum[:8])
}

// curateSources returns derivations whose sources (catalog records in ws)
// an accepted curation covers, copied with the curated licence as the
// source's, and the curation of each such derivation by id. The others
// are returned as they are: they may be shared with a cache.
func (cu *curator) curateSources(ds []*graph.Derivation, ws map[string]*catalogv1.Work) ([]*graph.Derivation, map[string]string) {
	if len(cu.byWork) == 0 && len(cu.byPurl) == 0 {
		return ds, nil
	}
	out := make([]*graph.Derivation, len(ds))
	curated := map[string]string{}
	for i, d := range ds {
		out[i] = d
		if c := cu.ofWork(d.Source, ws[d.Source]); c != nil && c.Licence != d.SourceLicence {
			cp := *d
			cp.SourceLicence = c.Licence
			out[i], curated[d.ID] = &cp, "curations/"+c.ID
		}
	}
	return out, curated
}

package profile

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/stemma-registry/stemma/services/licences/spdx"
)

//go:embed data/licences.tsv data/exceptions.tsv data/sources.tsv data/refs.tsv
var dataFS embed.FS

// Catalogue is the profile of every licence and exception of one SPDX list.
// It is immutable after New and safe for concurrent use.
type Catalogue struct {
	list       *spdx.List
	licences   []Profile
	exceptions []Exception
	licenceIdx map[string]int // lower-case id -> index
	excIdx     map[string]int
	sources    map[string]Source
	sourceKey  map[string]string // title -> key
	refs       []Profile         // licences outside the SPDX list (data/refs.tsv)
	refIdx     map[string]int    // lower-case LicenseRef- id -> index into refs
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalogue
)

// Default returns the catalogue for spdx.Default(). The embedded tables are
// checked by this package's tests, so a failure to load them is a build
// defect and panics.
func Default() *Catalogue {
	defaultOnce.Do(func() {
		c, err := New(spdx.Default())
		if err != nil {
			panic("profile: embedded tables: " + err.Error())
		}
		defaultCat = c
	})
	return defaultCat
}

// New builds the catalogue for list from the embedded tables. It fails if a
// licence or exception of the list has no row, or a row names an identifier
// the list does not have, so that a refreshed SPDX list cannot silently
// leave licences without properties.
func New(list *spdx.List) (*Catalogue, error) {
	c := &Catalogue{
		list:       list,
		licenceIdx: make(map[string]int),
		excIdx:     make(map[string]int),
		sources:    make(map[string]Source),
		sourceKey:  make(map[string]string),
	}
	if err := c.loadSources(); err != nil {
		return nil, err
	}
	if err := c.loadLicences(); err != nil {
		return nil, err
	}
	if err := c.loadExceptions(); err != nil {
		return nil, err
	}
	if err := c.loadRefs(); err != nil {
		return nil, err
	}
	return c, nil
}

// List returns the SPDX list the catalogue describes.
func (c *Catalogue) List() *spdx.List { return c.list }

// Licence returns the profile of a licence, looked up ignoring case: an
// SPDX licence, or one of the LicenseRef- licences Stemma models (Ref).
func (c *Catalogue) Licence(id string) (*Profile, bool) {
	i, ok := c.licenceIdx[strings.ToLower(id)]
	if !ok {
		return c.Ref(id)
	}
	return &c.licences[i], true
}

// Exception returns the profile of an exception, looked up ignoring case.
func (c *Catalogue) Exception(id string) (*Exception, bool) {
	i, ok := c.excIdx[strings.ToLower(id)]
	if !ok {
		return nil, false
	}
	return &c.exceptions[i], true
}

// Licences returns every licence profile in the SPDX list's order. The
// slice is shared: callers must not modify it.
func (c *Catalogue) Licences() []Profile { return c.licences }

// Exceptions returns every exception profile in the SPDX list's order. The
// slice is shared: callers must not modify it.
func (c *Catalogue) Exceptions() []Exception { return c.exceptions }

// Source returns the source data/sources.tsv defines under key, with clause
// set; rules use it so that every citation names one of the listed
// statements.
func (c *Catalogue) Source(key, clause string) (Source, bool) {
	s, ok := c.sources[key]
	if !ok {
		return Source{}, false
	}
	s.Clause = clause
	return s, true
}

// SourceKey returns the key data/sources.tsv gives the statement s cites
// (matched by title), so that a rule can tell which statement a licence's
// property rests on.
func (c *Catalogue) SourceKey(s Source) (string, bool) {
	k, ok := c.sourceKey[s.Title]
	return k, ok
}

func (c *Catalogue) loadSources() error {
	return readTSV("data/sources.tsv", 3, func(line int, f []string) error {
		if _, dup := c.sources[f[0]]; dup {
			return fmt.Errorf("source %q defined twice", f[0])
		}
		c.sources[f[0]] = Source{Title: f[1], URL: f[2]}
		c.sourceKey[f[1]] = f[0]
		return nil
	})
}

var (
	categoryByName = map[string]Category{
		"pd": PublicDomain, "permissive": Permissive, "weak-file": WeakCopyleftFile,
		"weak-library": WeakCopyleftLibrary, "strong": StrongCopyleft, "network": NetworkCopyleft,
		"share-alike": ShareAlike, "non-commercial": NonCommercial, "no-derivatives": NoDerivatives,
		"proprietary": ProprietaryOrUnknown,
	}
	obligationByName = map[string]Obligation{
		"attribution": Attribution, "notice": Notice, "state-changes": StateChanges,
		"disclose-source": DiscloseSource, "same-licence": SameLicence, "network-use": NetworkUse,
	}
	patentByName = map[string]PatentTerms{
		"unspecified": PatentUnspecified, "silent": PatentSilent, "grant": PatentGrant,
		"grant-retaliation": PatentGrantWithRetaliation, "withheld": PatentWithheld,
	}
	domainByName = map[string]Domain{
		"software": Software, "content": Content, "data": Data, "font": Font,
		"documentation": Documentation, "hardware": Hardware, "any": AnyDomain,
	}
	gplByName = map[string]GPLCompat{
		"?": GPLUnknown, "none": GPLNone, "v3": GPLv3Only, "v2+v3": GPLv2AndV3,
		"gnu": GPLFamily, "secondary": GPLSecondary,
	}
	restrictionByName = map[string]Restriction{
		"advertising": Advertising, "field-of-use": FieldOfUse, "noncommercial": NoncommercialUse,
		"no-derivatives": NoAdaptations, "source-available": SourceAvailable,
	}
	effectByName = map[string]ExceptionEffect{
		"none": EffectNone, "link-any": EffectLinkAny, "static-link": EffectStaticLink,
		"output": EffectOutput, "llvm": EffectLLVM, "syscall": EffectSyscall,
		"link-foss": EffectLinkFOSS, "named-library": EffectNamedLibrary,
		"target-code": EffectTargetCode,
		"scope":       EffectScope, "header": EffectHeader,
	}
)

// licence table columns.
const (
	colID = iota
	colFamily
	colVersion
	colCategory
	colObligations
	colPatent
	colDomain
	colGPL
	colRestrictions
	colModelled
	colBasis
	colNotes
	licenceCols
)

func (c *Catalogue) loadLicences() error {
	rows := make(map[string][]string)
	err := readTSV("data/licences.tsv", licenceCols, func(line int, f []string) error {
		if f[colID] == "id" {
			return nil // the header
		}
		if _, dup := rows[f[colID]]; dup {
			return fmt.Errorf("line %d: licence %q appears twice", line, f[colID])
		}
		rows[f[colID]] = f
		return nil
	})
	if err != nil {
		return err
	}
	for _, l := range c.list.Licences() {
		f, ok := rows[l.ID]
		if !ok {
			return fmt.Errorf("licence %q of the SPDX list has no row in data/licences.tsv", l.ID)
		}
		delete(rows, l.ID)
		p, err := c.profile(l, f)
		if err != nil {
			return fmt.Errorf("licence %q: %w", l.ID, err)
		}
		c.licenceIdx[strings.ToLower(l.ID)] = len(c.licences)
		c.licences = append(c.licences, p)
	}
	if len(rows) > 0 {
		return fmt.Errorf("data/licences.tsv names identifiers the SPDX list lacks: %s", strings.Join(sortedKeys(rows), ", "))
	}
	return nil
}

func (c *Catalogue) profile(l spdx.Licence, f []string) (Profile, error) {
	p := Profile{
		ID: l.ID, Name: l.Name, OSIApproved: l.OSIApproved, FSFLibre: l.FSFLibre,
		Deprecated: l.Deprecated, ReplacedBy: l.ReplacedBy, Notes: f[colNotes],
		OrLater: strings.HasSuffix(l.ID, "-or-later") || strings.HasSuffix(l.ID, "+"),
	}
	p.Family, p.Version, p.Port = Derive(l.ID)
	if f[colFamily] != "" {
		p.Family, p.Version = f[colFamily], f[colVersion]
	}
	err := properties{category: f[colCategory], obligations: f[colObligations], patent: f[colPatent],
		domain: f[colDomain], gpl: f[colGPL], restrictions: f[colRestrictions]}.apply(&p)
	if err != nil {
		return p, err
	}
	switch f[colModelled] {
	case "yes":
		p.Modelled = true
	case "no":
	default:
		return p, fmt.Errorf("modelled must be yes or no, not %q", f[colModelled])
	}
	srcs, err := c.basis(f[colBasis])
	if err != nil {
		return p, err
	}
	p.Sources = srcs
	return p, nil
}

// properties are the columns the table of SPDX licences and that of the
// licences outside the list share, as written.
type properties struct{ category, obligations, patent, domain, gpl, restrictions string }

// apply sets p's category, obligations, patent terms, domain, GPL class and
// restrictions from their names.
func (pr properties) apply(p *Profile) error {
	var ok bool
	if p.Category, ok = categoryByName[pr.category]; !ok {
		return fmt.Errorf("unknown category %q", pr.category)
	}
	if p.Patent, ok = patentByName[pr.patent]; !ok {
		return fmt.Errorf("unknown patent terms %q", pr.patent)
	}
	if p.Domain, ok = domainByName[pr.domain]; !ok {
		return fmt.Errorf("unknown domain %q", pr.domain)
	}
	if p.GPL, ok = gplByName[pr.gpl]; !ok {
		return fmt.Errorf("unknown gpl class %q", pr.gpl)
	}
	for _, name := range splitList(pr.obligations) {
		o, ok := obligationByName[name]
		if !ok {
			return fmt.Errorf("unknown obligation %q", name)
		}
		p.Obligations = append(p.Obligations, o)
	}
	for _, name := range splitList(pr.restrictions) {
		r, ok := restrictionByName[name]
		if !ok {
			return fmt.Errorf("unknown restriction %q", name)
		}
		p.Restricts |= r
	}
	return nil
}

func (c *Catalogue) basis(field string) ([]Source, error) {
	var out []Source
	for _, k := range splitList(field) {
		s, ok := c.sources[k]
		if !ok {
			return nil, fmt.Errorf("unknown source key %q", k)
		}
		out = append(out, s)
	}
	return out, nil
}

// exception table columns.
const (
	excID = iota
	excEffect
	excCondition
	excNamed
	excBasis
	excDescription
	exceptionCols
)

func (c *Catalogue) loadExceptions() error {
	rows := make(map[string][]string)
	err := readTSV("data/exceptions.tsv", exceptionCols, func(line int, f []string) error {
		if f[excID] == "id" {
			return nil
		}
		if _, dup := rows[f[excID]]; dup {
			return fmt.Errorf("line %d: exception %q appears twice", line, f[excID])
		}
		rows[f[excID]] = f
		return nil
	})
	if err != nil {
		return err
	}
	for _, x := range c.list.Exceptions() {
		f, ok := rows[x.ID]
		if !ok {
			return fmt.Errorf("exception %q of the SPDX list has no row in data/exceptions.tsv", x.ID)
		}
		delete(rows, x.ID)
		e := Exception{ID: x.ID, Name: x.Name, Deprecated: x.Deprecated, Condition: f[excCondition], Named: f[excNamed], Description: f[excDescription]}
		var ok2 bool
		if e.Effect, ok2 = effectByName[f[excEffect]]; !ok2 {
			return fmt.Errorf("exception %q: unknown effect %q", x.ID, f[excEffect])
		}
		e.Modelled = e.Effect != EffectNone
		if e.Modelled && e.Description == "" {
			return fmt.Errorf("exception %q: a modelled exception needs a description", x.ID)
		}
		if (e.Effect == EffectNamedLibrary) != (e.Named != "") {
			return fmt.Errorf("exception %q: 'named' goes with effect named-library and only with it", x.ID)
		}
		srcs, err := c.basis(f[excBasis])
		if err != nil {
			return fmt.Errorf("exception %q: %w", x.ID, err)
		}
		e.Sources = srcs
		c.excIdx[strings.ToLower(x.ID)] = len(c.exceptions)
		c.exceptions = append(c.exceptions, e)
	}
	if len(rows) > 0 {
		return fmt.Errorf("data/exceptions.tsv names identifiers the SPDX list lacks: %s", strings.Join(sortedKeys(rows), ", "))
	}
	return nil
}

var (
	// ccID splits a Creative Commons identifier into its elements, version
	// and jurisdiction port, e.g. CC-BY-NC-SA-2.0-UK.
	ccID = regexp.MustCompile(`^(CC-(?:BY(?:-NC)?(?:-SA|-ND)?|SA|PDM))-(\d+\.\d+)(?:-([A-Za-z]+))?$`)
	// versioned matches a trailing version: digits with dots, an optional
	// letter (LPPL-1.3c), or a date-like number.
	versioned = regexp.MustCompile(`^(.+?)-(\d+(?:\.\d+)+[a-z]?|\d{4,8})$`)
)

// Derive returns the family, version and Creative Commons port an SPDX
// identifier spells: "GPL-2.0-or-later" → ("GPL", "2.0", ""),
// "CC-BY-SA-3.0-DE" → ("CC-BY-SA", "3.0", "DE"), "MIT" → ("MIT", "", "").
// Rows of data/licences.tsv whose identifier does not spell them
// (GFDL-1.3-invariants-only) give them explicitly.
func Derive(id string) (family, version, port string) {
	if m := ccID.FindStringSubmatch(id); m != nil {
		return m[1], m[2], strings.ToUpper(m[3])
	}
	base := id
	for _, suffix := range []string{"-or-later", "-only", "+"} {
		if strings.HasSuffix(base, suffix) {
			base = strings.TrimSuffix(base, suffix)
			break
		}
	}
	if m := versioned.FindStringSubmatch(base); m != nil {
		return m[1], m[2], ""
	}
	return base, "", ""
}

func readTSV(name string, cols int, row func(line int, fields []string) error) error {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != cols {
			return fmt.Errorf("%s:%d: %d columns, want %d", name, line, len(f), cols)
		}
		if err := row(line, f); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
	return sc.Err()
}

func splitList(s string) []string {
	if s == "" || s == "-" {
		return nil
	}
	return strings.Split(s, ",")
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

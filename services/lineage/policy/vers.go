package policy

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Range is a version range in the vers: notation of the package-url
// project (github.com/package-url/purl-spec, VERSION-RANGE-SPEC):
// `vers:npm/>=1.2.0|<2.0.0`, `vers:pypi/<2.1|!=2.0.3`, `vers:golang/*`.
// The schemes whose versions are semantic versions (npm, golang, cargo,
// semver) compare by SemVer 2.0; pypi compares by PEP 440 (epochs,
// release segments, a/b/rc, post and dev releases; local labels ignored).
type Range struct {
	Scheme      string
	Any         bool // "*"
	Constraints []Constraint
	compare     func(a, b string) int
}

// Constraint is one comparator and version of a range.
type Constraint struct {
	Op      string // =, !=, <, <=, >, >=
	Version string
}

var schemes = map[string]struct {
	valid   func(string) bool
	compare func(a, b string) int
}{
	"npm":    {validSemver, compareSemver},
	"golang": {validSemver, compareSemver},
	"cargo":  {validSemver, compareSemver},
	"semver": {validSemver, compareSemver},
	"pypi":   {validPEP440, comparePEP440},
}

// ParseRange reads a vers: range.
func ParseRange(s string) (*Range, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "vers:")
	if !ok {
		return nil, errors.New(`want a vers: range, for example "vers:npm/>=1.0.0|<2.0.0"`)
	}
	scheme, cs, ok := strings.Cut(rest, "/")
	scheme = strings.ToLower(scheme)
	sc, known := schemes[scheme]
	switch {
	case !ok:
		return nil, errors.New(`want vers:<scheme>/<constraints>`)
	case !known:
		return nil, fmt.Errorf("scheme %q: Stemma compares versions of npm, golang, cargo, semver and pypi", clip(scheme))
	}
	r := &Range{Scheme: scheme, compare: sc.compare}
	cs = strings.TrimSpace(cs)
	if cs == "*" {
		r.Any = true
		return r, nil
	}
	parts := strings.Split(cs, "|")
	if len(parts) > MaxEntries {
		return nil, fmt.Errorf("%d constraints; at most %d", len(parts), MaxEntries)
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		c := Constraint{Op: "="}
		for _, op := range []string{">=", "<=", "!=", "<", ">", "="} {
			if v, ok := strings.CutPrefix(p, op); ok {
				c.Op, p = op, v
				break
			}
		}
		c.Version = strings.TrimSpace(p)
		if !sc.valid(c.Version) {
			return nil, fmt.Errorf("%q is not a %s version", clip(c.Version), scheme)
		}
		r.Constraints = append(r.Constraints, c)
	}
	slices.SortStableFunc(r.Constraints, func(a, b Constraint) int { return r.compare(a.Version, b.Version) })
	return r, nil
}

// Contains reports whether a version is in the range, by the algorithm of
// the vers spec: equal and not-equal constraints first, then the
// remaining constraints, in version order, as intervals.
func (r *Range) Contains(v string) bool {
	if r.Any {
		return true
	}
	if !schemes[r.Scheme].valid(v) {
		return false
	}
	var rest []Constraint
	for _, c := range r.Constraints {
		eq := r.compare(v, c.Version) == 0
		switch {
		case c.Op == "=" && eq:
			return true
		case c.Op == "!=" && eq:
			return false
		case c.Op != "=" && c.Op != "!=":
			rest = append(rest, c)
		}
	}
	holds := func(c Constraint) bool {
		d := r.compare(v, c.Version)
		switch c.Op {
		case "<":
			return d < 0
		case "<=":
			return d <= 0
		case ">":
			return d > 0
		case ">=":
			return d >= 0
		}
		return false
	}
	lower := func(c Constraint) bool { return c.Op == ">" || c.Op == ">=" }
	for i, c := range rest {
		switch {
		case i == 0 && !lower(c) && holds(c):
			return true
		case i == len(rest)-1 && lower(c) && holds(c):
			return true
		case lower(c) && i+1 < len(rest) && !lower(rest[i+1]) && holds(c) && holds(rest[i+1]):
			return true
		}
	}
	// Only != constraints: every other version is in.
	return len(rest) == 0 && !slices.ContainsFunc(r.Constraints, func(c Constraint) bool { return c.Op == "=" })
}

var semverRE = regexp.MustCompile(`^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`)

func validSemver(v string) bool { return len(v) <= maxShort && semverRE.MatchString(v) }

// compareSemver compares by SemVer 2.0 §11; a missing minor or patch is
// zero, a leading v is dropped (Go), build metadata is ignored.
func compareSemver(a, b string) int {
	ma, mb := semverRE.FindStringSubmatch(a), semverRE.FindStringSubmatch(b)
	if ma == nil || mb == nil {
		return strings.Compare(a, b)
	}
	for i := 1; i <= 3; i++ {
		if d := cmp.Compare(number(ma[i]), number(mb[i])); d != 0 {
			return d
		}
	}
	switch pa, pb := ma[4], mb[4]; {
	case pa == pb:
		return 0
	case pa == "":
		return 1
	case pb == "":
		return -1
	default:
		return comparePrerelease(strings.Split(pa, "."), strings.Split(pb, "."))
	}
}

func comparePrerelease(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		na, ea := strconv.ParseUint(a[i], 10, 64)
		nb, eb := strconv.ParseUint(b[i], 10, 64)
		var d int
		switch {
		case ea == nil && eb == nil:
			d = cmp.Compare(na, nb)
		case ea == nil:
			d = -1
		case eb == nil:
			d = 1
		default:
			d = strings.Compare(a[i], b[i])
		}
		if d != 0 {
			return d
		}
	}
	return cmp.Compare(len(a), len(b))
}

// number reads a version segment; an empty or overlong one is zero or the
// largest.
func number(s string) uint64 {
	if s == "" {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return ^uint64(0)
	}
	return n
}

var pep440RE = regexp.MustCompile(`^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|rc|c|alpha|beta|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$`)

func validPEP440(v string) bool {
	return len(v) <= maxShort && pep440RE.MatchString(strings.ToLower(v))
}

// pep440Key is what PEP 440 orders versions by.
type pep440Key struct {
	epoch   uint64
	release []uint64
	pre     [2]int64 // phase (-1 a dev release, 0-2 a/b/rc, 3 none), number
	post    int64    // -1 none
	dev     int64    // max none
}

func pep440(v string) pep440Key {
	m := pep440RE.FindStringSubmatch(strings.ToLower(v))
	k := pep440Key{epoch: number(m[1]), pre: [2]int64{3, 0}, post: -1, dev: 1<<63 - 1}
	for _, s := range strings.Split(m[2], ".") {
		k.release = append(k.release, number(s))
	}
	for len(k.release) > 1 && k.release[len(k.release)-1] == 0 {
		k.release = k.release[:len(k.release)-1]
	}
	if m[3] != "" {
		phase := map[string]int64{"a": 0, "alpha": 0, "b": 1, "beta": 1, "rc": 2, "c": 2, "pre": 2, "preview": 2}[m[3]]
		k.pre = [2]int64{phase, int64(number(m[4]) & (1<<62 - 1))}
	}
	switch {
	case m[5] != "":
		k.post = int64(number(m[5]) & (1<<62 - 1))
	case m[6] != "":
		k.post = int64(number(m[7]) & (1<<62 - 1))
	}
	if m[8] != "" {
		k.dev = int64(number(m[9]) & (1<<62 - 1))
		if m[3] == "" && k.post < 0 {
			k.pre = [2]int64{-1, 0} // 1.0.dev1 comes before 1.0a1
		}
	}
	return k
}

func comparePEP440(a, b string) int {
	if !validPEP440(a) || !validPEP440(b) {
		return strings.Compare(a, b)
	}
	ka, kb := pep440(a), pep440(b)
	return cmp.Or(cmp.Compare(ka.epoch, kb.epoch), slices.Compare(ka.release, kb.release),
		cmp.Compare(ka.pre[0], kb.pre[0]), cmp.Compare(ka.pre[1], kb.pre[1]),
		cmp.Compare(ka.post, kb.post), cmp.Compare(ka.dev, kb.dev))
}

// Package policy holds licence policies: what an organisation allows,
// denies or wants reviewed among the licences of the material it uses,
// read from a policy file (YAML or JSON) and evaluated over subjects (the
// components of an SBOM, the works of an ancestry, one licence check).
//
// The package is plain Go: the lineage service gives it the facts it needs
// (each licence's category and obligations, each subject's licence terms
// and verdict) and turns its findings into the API's messages.
package policy

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Action is what a rule does with what it matches. The values match
// stemma.lineage.v1.PolicyAction; they are ordered by severity, so that
// the worst of several is the largest.
type Action int

// The actions.
const (
	Allow Action = iota + 1
	Review
	Deny
)

var actionNames = map[Action]string{Allow: "allow", Review: "review", Deny: "deny"}

func (a Action) String() string {
	if s, ok := actionNames[a]; ok {
		return s
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Policy is a policy as its file states it, checked and normalised.
type Policy struct {
	ID          string
	Title       string
	Description string
	// Rules are the file's rules in order: the allow, review and deny
	// sections first (ids "allow", "review", "deny"), then its rules list.
	Rules      []Rule
	Exemptions []Exemption
}

// Rule is one rule: an action and what it matches.
//
// A rule matches a licence when one of its subject conditions (Licences,
// Categories, Obligations, Unknown) holds for it, or when it has none; and
// then only for the uses and work kinds it names, if it names any. Unknown
// and Incompatible also hold for a whole subject: one with no licence, or
// whose licence check gave no verdict (Unknown) or a refusal (Incompatible).
type Rule struct {
	ID          string
	Action      Action
	Description string
	// Licences are SPDX ids or patterns (`*` and `?`, ignoring case),
	// matched against each licence of an expression, with its exception
	// (`GPL-2.0-only WITH Classpath-exception-2.0`) or without.
	Licences []string
	// Categories are the licences service's categories, upper case
	// ("STRONG_COPYLEFT"); the file's names are mapped by Categories.
	Categories []string
	// Obligations are the licences service's obligations, upper case.
	Obligations []string
	// Uses ("USE_LINK_STATIC"…) and Kinds ("WORK_KIND_SOFTWARE"…) narrow
	// the rule; empty means any.
	Uses         []string
	Kinds        []string
	Unknown      bool
	Incompatible bool
}

// subject reports whether the rule names a subject condition.
func (r *Rule) subject() bool {
	return len(r.Licences)+len(r.Categories)+len(r.Obligations) > 0 || r.Unknown || r.Incompatible
}

// Exemption lifts rules from some works or packages, for a reason, until
// it expires.
type Exemption struct {
	Works []string // works/{id}
	// Purls are package URLs without a version (any version, or those
	// Versions allows) or with one (that version only).
	Purls    []string
	Versions *Range // nil: any version
	Rules    []string
	Reason   string
	Expires  time.Time // the first instant it no longer holds
}

// applies reports whether the exemption covers a subject and rule at t.
func (e *Exemption) applies(s *Subject, rule string, t time.Time) bool {
	if !t.Before(e.Expires) || len(e.Rules) > 0 && !slices.Contains(e.Rules, rule) {
		return false
	}
	if s.Work != "" && slices.Contains(e.Works, s.Work) {
		return true
	}
	for _, p := range e.Purls {
		if MatchPurl(p, e.Versions, s.Purl, s.Version) {
			return true
		}
	}
	return false
}

// MatchPurl reports whether a package, by its package URL and version
// (the purl's own version when it has one), is one a pattern names: a
// package URL with a version names that version only; one without, the
// versions of versions (every version when nil).
func MatchPurl(pattern string, versions *Range, purl, version string) bool {
	if purl == "" {
		return false
	}
	base, v := splitPurl(purl)
	if v != "" {
		version = v
	}
	pb, pv := splitPurl(pattern)
	switch {
	case !strings.EqualFold(pb, base):
		return false
	case pv != "":
		return pv == version
	case versions == nil:
		return true
	}
	return version != "" && versions.Contains(version)
}

// splitPurl splits a package URL (qualifiers and subpath dropped) into
// what names the package and its version.
func splitPurl(p string) (base, version string) {
	p, _, _ = strings.Cut(p, "#")
	p, _, _ = strings.Cut(p, "?")
	// The version follows the last @ after the last /: a namespace may
	// hold an @ (pkg:npm/%40scope is usual, but @scope is seen too).
	slash := strings.LastIndex(p, "/")
	if at := strings.LastIndex(p, "@"); at > slash {
		return p[:at], p[at+1:]
	}
	return p, ""
}

// matchLicence reports whether a licence term matches a pattern.
func matchLicence(pattern string, t Term) bool {
	pattern = strings.ToLower(pattern)
	for _, s := range []string{t.ID, t.String()} {
		if ok, err := path.Match(pattern, strings.ToLower(s)); ok && err == nil {
			return true
		}
	}
	return false
}

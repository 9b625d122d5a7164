package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/input"
	"github.com/stemma-registry/stemma/services/internal/names"
)

// Bounds of a policy file: it is read from outside, by the server on
// every create, update and evaluation.
const (
	MaxSize       = 64 << 10 // bytes of the file
	MaxRules      = 200      // rules, the sections included
	MaxExemptions = 500
	MaxEntries    = 200  // entries of one list
	maxShort      = 200  // bytes of an id, pattern or name
	maxText       = 2000 // bytes of a description or reason
)

// Error is a policy file that cannot be read: Field is the path of what
// is wrong ("deny.categories[1]"), empty for the file as a whole.
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

func errorf(field, format string, args ...any) *Error {
	return &Error{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// The file's shape. Unknown fields are errors: a misspelt "deny" must not
// leave a policy that allows everything.
type file struct {
	ID          string          `yaml:"id"`
	Title       string          `yaml:"title"`
	Description string          `yaml:"description"`
	Allow       *selector       `yaml:"allow"`
	Review      *selector       `yaml:"review"`
	Deny        *selector       `yaml:"deny"`
	Rules       []fileRule      `yaml:"rules"`
	Exemptions  []fileExemption `yaml:"exemptions"`
}

type selector struct {
	Licences     []string `yaml:"licences"`
	Categories   []string `yaml:"categories"`
	Obligations  []string `yaml:"obligations"`
	Uses         []string `yaml:"uses"`
	Kinds        []string `yaml:"kinds"`
	Unknown      bool     `yaml:"unknown"`
	Incompatible bool     `yaml:"incompatible"`
}

type fileRule struct {
	ID          string `yaml:"id"`
	Action      string `yaml:"action"`
	Description string `yaml:"description"`
	selector    `yaml:",inline"`
}

type fileExemption struct {
	Works    []string `yaml:"works"`
	Purls    []string `yaml:"purls"`
	Versions string   `yaml:"versions"`
	Rules    []string `yaml:"rules"`
	Reason   string   `yaml:"reason"`
	Expires  string   `yaml:"expires"`
}

// Categories maps the names a policy file may use to the licences
// service's categories. The enum's own names (strong_copyleft,
// STRONG_COPYLEFT, CATEGORY_STRONG_COPYLEFT) are accepted too.
var Categories = map[string][]string{
	"public-domain":          {"PUBLIC_DOMAIN"},
	"permissive":             {"PERMISSIVE"},
	"weak-copyleft":          {"WEAK_COPYLEFT_FILE", "WEAK_COPYLEFT_LIBRARY"},
	"weak-copyleft-file":     {"WEAK_COPYLEFT_FILE"},
	"weak-copyleft-library":  {"WEAK_COPYLEFT_LIBRARY"},
	"strong-copyleft":        {"STRONG_COPYLEFT"},
	"network-copyleft":       {"NETWORK_COPYLEFT"},
	"copyleft":               {"WEAK_COPYLEFT_FILE", "WEAK_COPYLEFT_LIBRARY", "STRONG_COPYLEFT", "NETWORK_COPYLEFT", "SHARE_ALIKE"},
	"share-alike":            {"SHARE_ALIKE"},
	"non-commercial":         {"NON_COMMERCIAL"},
	"no-derivatives":         {"NO_DERIVATIVES"},
	"proprietary":            {"PROPRIETARY_OR_UNKNOWN"},
	"proprietary-or-unknown": {"PROPRIETARY_OR_UNKNOWN"},
}

var (
	obligations = []string{"ATTRIBUTION", "NOTICE", "STATE_CHANGES", "DISCLOSE_SOURCE", "SAME_LICENCE", "NETWORK_USE"}
	uses        = []string{"INCORPORATE", "LINK_STATIC", "LINK_DYNAMIC", "AGGREGATE", "NETWORK_SERVICE", "TRAINING"}
	kinds       = []string{"SOFTWARE", "TEXT", "IMAGE", "AUDIO", "VIDEO", "DATASET", "MODEL", "OTHER"}
)

// licencePattern is what a licence entry may hold: SPDX id characters,
// glob wildcards, and " WITH " for an exception.
var licencePattern = regexp.MustCompile(`^[A-Za-z0-9.+*?-]+( (?i:with) [A-Za-z0-9.+*?-]+)?$`)

// Parse reads a policy file, YAML or JSON (JSON is YAML's subset), one
// document.
func Parse(b []byte) (*Policy, error) {
	if len(b) > MaxSize {
		return nil, errorf("", "%d bytes; at most %d", len(b), MaxSize)
	}
	if !utf8.Valid(b) {
		return nil, errorf("", "not UTF-8")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errorf("", "empty")
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f file
	if err := decode(dec, &f); err != nil {
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errorf("", "more than one document; a policy file holds one")
	}
	return f.policy()
}

// decode decodes, turning a panic of the YAML library on hostile input
// into an error: a server reads these files.
func decode(dec *yaml.Decoder, f *file) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errorf("", "unreadable YAML: %v", r)
		}
	}()
	if err := dec.Decode(f); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return errorf("", "%s", strings.Join(te.Errors, "; "))
		}
		return errorf("", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

func (f *file) policy() (*Policy, error) {
	if f.ID == "" {
		return nil, errorf("id", "missing")
	}
	if err := names.ValidID("id", f.ID); err != nil {
		var ae *apierr.Error
		if errors.As(err, &ae) {
			return nil, errorf("id", "%s", ae.Message)
		}
		return nil, err
	}
	p := &Policy{ID: f.ID}
	var err error
	if p.Title, err = text("title", f.Title, maxShort); err != nil {
		return nil, err
	}
	if p.Description, err = text("description", f.Description, maxText); err != nil {
		return nil, err
	}
	if len(f.Rules) > MaxRules {
		return nil, errorf("rules", "%d rules; at most %d", len(f.Rules), MaxRules)
	}
	seen := map[string]bool{}
	for _, sec := range []struct {
		id  string
		act Action
		sel *selector
	}{{"allow", Allow, f.Allow}, {"review", Review, f.Review}, {"deny", Deny, f.Deny}} {
		if sec.sel == nil {
			continue
		}
		r, err := sec.sel.rule(sec.id, sec.id, sec.act)
		if err != nil {
			return nil, err
		}
		seen[sec.id] = true
		p.Rules = append(p.Rules, r)
	}
	for i, fr := range f.Rules {
		field := fmt.Sprintf("rules[%d]", i)
		if fr.ID == "" {
			return nil, errorf(field+".id", "missing")
		}
		if err := names.ValidID(field+".id", fr.ID); err != nil {
			return nil, errorf(field+".id", "want lower-case letters, digits and hyphens, at most %d", names.MaxIDLength)
		}
		if seen[fr.ID] {
			return nil, errorf(field+".id", "%q names another rule too", fr.ID)
		}
		seen[fr.ID] = true
		act, ok := map[string]Action{"allow": Allow, "review": Review, "deny": Deny}[strings.ToLower(fr.Action)]
		if !ok {
			return nil, errorf(field+".action", "%q; want allow, review or deny", clip(fr.Action))
		}
		r, err := fr.selector.rule(field, fr.ID, act)
		if err != nil {
			return nil, err
		}
		if r.Description, err = text(field+".description", fr.Description, maxText); err != nil {
			return nil, err
		}
		p.Rules = append(p.Rules, r)
	}
	if len(f.Exemptions) > MaxExemptions {
		return nil, errorf("exemptions", "%d exemptions; at most %d", len(f.Exemptions), MaxExemptions)
	}
	for i, fe := range f.Exemptions {
		e, err := fe.exemption(fmt.Sprintf("exemptions[%d]", i), seen)
		if err != nil {
			return nil, err
		}
		p.Exemptions = append(p.Exemptions, e)
	}
	return p, nil
}

func (s *selector) rule(field, id string, act Action) (Rule, error) {
	r := Rule{ID: id, Action: act, Unknown: s.Unknown, Incompatible: s.Incompatible}
	var err error
	if r.Licences, err = list(field+".licences", s.Licences, func(v string) (string, bool) {
		return v, licencePattern.MatchString(v)
	}); err != nil {
		return r, err
	}
	if r.Categories, err = list(field+".categories", s.Categories, category); err != nil {
		return r, err
	}
	if r.Obligations, err = list(field+".obligations", s.Obligations, enum("OBLIGATION_", obligations)); err != nil {
		return r, err
	}
	if r.Uses, err = list(field+".uses", s.Uses, enum("USE_", uses)); err != nil {
		return r, err
	}
	if r.Kinds, err = list(field+".kinds", s.Kinds, enum("WORK_KIND_", kinds)); err != nil {
		return r, err
	}
	if act == Allow && (r.Unknown || r.Incompatible) {
		return r, errorf(field, "an allow rule cannot match unknown or incompatible licences; use an exemption")
	}
	return r, nil
}

// category maps a file's category name to the service's, several for the
// names that group some.
func category(v string) (string, bool) {
	key := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(strings.ToUpper(v), "CATEGORY_")), "_", "-")
	cs, ok := Categories[key]
	return strings.Join(cs, ","), ok
}

// enum maps a lower-case hyphenated name ("link-static") or the enum's own
// spelling, with or without its prefix, to the enum's name.
func enum(prefix string, values []string) func(string) (string, bool) {
	return func(v string) (string, bool) {
		u := strings.TrimPrefix(strings.ToUpper(strings.ReplaceAll(v, "-", "_")), prefix)
		for _, x := range values {
			if u == x {
				return prefix + x, true
			}
		}
		return "", false
	}
}

// list checks and maps each entry of a list; an entry that maps to several
// values (joined by commas) is split.
func list(field string, vs []string, valid func(string) (string, bool)) ([]string, error) {
	if len(vs) > MaxEntries {
		return nil, errorf(field, "%d entries; at most %d", len(vs), MaxEntries)
	}
	var out []string
	for i, v := range vs {
		v = strings.TrimSpace(v)
		m, ok := valid(v)
		if len(v) > maxShort || !ok {
			return nil, errorf(fmt.Sprintf("%s[%d]", field, i), "%q is not one this field takes", clip(v))
		}
		out = append(out, strings.Split(m, ",")...)
	}
	return out, nil
}

func (fe *fileExemption) exemption(field string, rules map[string]bool) (Exemption, error) {
	e := Exemption{}
	var err error
	if e.Reason, err = text(field+".reason", fe.Reason, maxText); err != nil {
		return e, err
	}
	if e.Reason == "" {
		return e, errorf(field+".reason", "missing: an exemption says why")
	}
	if fe.Expires == "" {
		return e, errorf(field+".expires", "missing: an exemption says until when (2027-01-31 or RFC 3339)")
	}
	if e.Expires, err = expiry(fe.Expires); err != nil {
		return e, errorf(field+".expires", "%q: want a date (2027-01-31) or an RFC 3339 time", clip(fe.Expires))
	}
	if len(fe.Works)+len(fe.Purls) == 0 {
		return e, errorf(field, "names no works and no purls")
	}
	if e.Works, err = list(field+".works", fe.Works, func(v string) (string, bool) {
		_, err := names.Parse("", v, "works")
		return v, err == nil
	}); err != nil {
		return e, err
	}
	if e.Purls, err = list(field+".purls", fe.Purls, func(v string) (string, bool) {
		return v, strings.HasPrefix(v, "pkg:") && strings.Contains(v, "/") && !strings.ContainsAny(v, " \t\n")
	}); err != nil {
		return e, err
	}
	if fe.Versions != "" {
		r, err := ParseRange(fe.Versions)
		if err != nil {
			return e, errorf(field+".versions", "%s", err.Error())
		}
		e.Versions = r
	}
	if e.Rules, err = list(field+".rules", fe.Rules, func(v string) (string, bool) { return v, rules[v] }); err != nil {
		return e, err
	}
	return e, nil
}

// expiry reads a date (the exemption holds through that day, UTC) or a
// time.
func expiry(s string) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.AddDate(0, 0, 1), nil
	}
	return time.Parse(time.RFC3339, s)
}

// text checks a free-text field by the rule of every request's (package
// input), as an error of the policy file.
func text(field, s string, max int) (string, error) {
	t, err := input.CleanText(s, max, true)
	if err != nil {
		return "", errorf(field, "%s", err)
	}
	return t, nil
}

// clip shortens what is echoed back in an error message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

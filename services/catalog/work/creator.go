package work

import (
	"strings"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/input"
)

// creatorURI checks a creator's URI. An ORCID iD, bare
// ("0000-0002-1825-0097") or as a URL on orcid.org, must carry a correct
// check digit and comes out as https://orcid.org/<iD>; any other absolute
// URI is accepted as it is.
func creatorURI(field, s string) (string, error) {
	s, err := input.Text(field, s, MaxURI, false)
	if err != nil {
		return "", err
	}
	if id, ok := orcidPath(s); ok {
		if !validORCID(id) {
			return "", apierr.Invalid(field, "%q is not a valid ORCID iD (wrong form or check digit)", clip(s))
		}
		return "https://orcid.org/" + strings.ToUpper(id), nil
	}
	return AbsoluteURI(field, s)
}

// orcidPath returns the iD part of a string that means to be an ORCID iD.
func orcidPath(s string) (string, bool) {
	lower := strings.ToLower(s)
	for _, p := range []string{"https://orcid.org/", "http://orcid.org/", "https://www.orcid.org/", "http://www.orcid.org/"} {
		if strings.HasPrefix(lower, p) {
			return strings.TrimSuffix(s[len(p):], "/"), true
		}
	}
	if len(s) == 19 && s[4] == '-' && s[9] == '-' && s[14] == '-' {
		return s, true
	}
	return "", false
}

// validORCID checks an ORCID iD: four groups of four characters, digits
// but for a final check character computed with ISO 7064 MOD 11-2.
func validORCID(id string) bool {
	digits := strings.ReplaceAll(id, "-", "")
	if len(id) != 19 || len(digits) != 16 || id[4] != '-' || id[9] != '-' || id[14] != '-' {
		return false
	}
	total := 0
	for i := 0; i < 15; i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return false
		}
		total = (total + int(c-'0')) * 2
	}
	check := (12 - total%11) % 11
	last := digits[15]
	if check == 10 {
		return last == 'X' || last == 'x'
	}
	return int(last-'0') == check
}

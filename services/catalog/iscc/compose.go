package iscc

import (
	"errors"
	"fmt"
	"sort"
)

// ErrCompose is returned by Compose for a set of units that makes no
// ISCC-CODE.
var ErrCompose = errors.New("iscc: cannot compose an ISCC-CODE")

// Compose joins units into an ISCC-CODE: one header and the first 64 bits
// of each unit, in the order of their main types. A Data-Code and an
// Instance-Code are required; a Meta-, Semantic- and Content-Code are
// optional, and the header's subtype is that of the Content- or
// Semantic-Code (SUM when there is none).
func Compose(units ...Code) (Code, error) {
	if len(units) < 2 {
		return Code{}, fmt.Errorf("%w: want at least a Data-Code and an Instance-Code", ErrCompose)
	}
	us := append([]Code(nil), units...)
	sort.SliceStable(us, func(i, j int) bool { return us[i].Type < us[j].Type })
	var set uint16
	sub, hasSub := SubSum, false
	for i, u := range us {
		if u.BodyBits() < 64 {
			return Code{}, fmt.Errorf("%w: %s is shorter than 64 bits", ErrCompose, u)
		}
		var flag uint16
		switch u.Type {
		case MainMeta:
			flag = 4
		case MainSemantic:
			flag = 2
		case MainContent:
			flag = 1
		case MainData, MainInstance:
			if (u.Type == MainData) != (i == len(us)-2) || (u.Type == MainInstance) != (i == len(us)-1) {
				return Code{}, fmt.Errorf("%w: want exactly one Data-Code and one Instance-Code", ErrCompose)
			}
			continue
		default:
			return Code{}, fmt.Errorf("%w: a %s code is not a unit", ErrCompose, u.Type)
		}
		if set&flag != 0 {
			return Code{}, fmt.Errorf("%w: two %s units", ErrCompose, u.Type)
		}
		set |= flag
		if u.Type != MainMeta {
			if hasSub && u.SubType != sub {
				return Code{}, fmt.Errorf("%w: the Semantic- and Content-Code differ in subtype", ErrCompose)
			}
			sub, hasSub = u.SubType, true
		}
	}
	if us[len(us)-1].Type != MainInstance || us[len(us)-2].Type != MainData {
		return Code{}, fmt.Errorf("%w: want a Data-Code and an Instance-Code", ErrCompose)
	}
	body := make([]byte, 0, 8*len(us))
	for _, u := range us {
		body = append(body, u.Body[:8]...)
	}
	return Code{Type: MainISCC, SubType: sub, Length: set, Body: body}, nil
}

// Units splits an ISCC-CODE into its 64-bit units, Meta, Semantic and
// Content first (those present), then Data and Instance; any other code
// is its own only unit.
func Units(c Code) []Code {
	if c.Type != MainISCC {
		return []Code{c}
	}
	var out []Code
	body := c.Body
	next := func(t MainType, sub uint8) {
		out = append(out, Code{Type: t, SubType: sub, Version: c.Version, Length: 1, Body: append([]byte(nil), body[:8]...)})
		body = body[8:]
	}
	sub := c.SubType
	if sub == SubSum || sub == SubNone {
		sub = 0
	}
	for _, u := range []struct {
		flag uint16
		t    MainType
	}{{4, MainMeta}, {2, MainSemantic}, {1, MainContent}} {
		if c.Length&u.flag != 0 {
			if u.t == MainMeta {
				next(u.t, 0)
			} else {
				next(u.t, sub)
			}
		}
	}
	next(MainData, 0)
	next(MainInstance, 0)
	return out
}

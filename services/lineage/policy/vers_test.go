package policy_test

import (
	"testing"

	"github.com/stemma-registry/stemma/services/lineage/policy"
)

func TestRanges(t *testing.T) {
	for _, c := range []struct {
		vers string
		in   []string
		out  []string
	}{
		{"vers:npm/>=1.2.0|<2.0.0", []string{"1.2.0", "1.10.3", "2.0.0-rc.1"}, []string{"1.1.9", "2.0.0", "1.2.0-beta"}},
		{"vers:npm/1.0.0|1.0.2", []string{"1.0.0", "1.0.2"}, []string{"1.0.1"}},
		{"vers:npm/<1.0.0|>=2.0.0|<3.0.0", []string{"0.9.0", "2.5.0"}, []string{"1.5.0", "3.0.0"}},
		{"vers:npm/!=1.0.1", []string{"1.0.0", "1.0.2"}, []string{"1.0.1"}},
		{"vers:npm/>=1.0.0|!=1.5.0", []string{"1.0.0", "9.0.0"}, []string{"1.5.0", "0.1.0"}},
		{"vers:npm/*", []string{"0.0.1", "12.3.4"}, nil},
		{"vers:golang/>=v1.2.0|<v1.3.0", []string{"v1.2.5", "v1.2.9"}, []string{"v1.3.0", "v1.1.0"}},
		{"vers:golang/<v0.0.0-20240101000000-abcdefabcdef|>=v1.0.0", []string{"v0.0.0-20230101000000-abcdefabcdef", "v1.0.0"}, []string{"v0.5.0"}},
		{"vers:pypi/>=1.0|<2.0", []string{"1.0", "1.0.post1", "1.9", "1.10", "2.0rc1", "2.0.dev3"}, []string{"1.0rc1", "1.0.dev1", "2.0", "0.9"}},
		{"vers:pypi/>1.0a1|<=1.0", []string{"1.0a2", "1.0b1", "1.0rc2", "1.0", "1.0.0"}, []string{"1.0a1", "1.0.post1", "1.0.dev1"}},
		{"vers:pypi/>=2!1.0", []string{"2!1.0", "3!0.1"}, []string{"1!9.0", "9.0"}},
	} {
		r, err := policy.ParseRange(c.vers)
		if err != nil {
			t.Errorf("%s: %v", c.vers, err)
			continue
		}
		for _, v := range c.in {
			if !r.Contains(v) {
				t.Errorf("%s should contain %s", c.vers, v)
			}
		}
		for _, v := range c.out {
			if r.Contains(v) {
				t.Errorf("%s should not contain %s", c.vers, v)
			}
		}
	}
}

func TestRangeRefuses(t *testing.T) {
	for _, s := range []string{"", "npm/>=1.0.0", "vers:npm", "vers:maven/>=1.0", "vers:npm/>=1.x", "vers:pypi/>=banana", "vers:npm/>=01.0.0"} {
		if _, err := policy.ParseRange(s); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}

package filter

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

var schema = Schema{
	"kind":         {Type: Enum, Values: []string{"SOFTWARE", "TEXT"}, Prefix: "WORK_KIND_"},
	"title":        {Type: String},
	"osi_approved": {Type: Bool},
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     Expr
	}{
		{"empty", "  ", nil},
		{"enum short", "kind = SOFTWARE", Comparison{"kind", "=", "SOFTWARE"}},
		{"enum long", "kind=WORK_KIND_TEXT", Comparison{"kind", "=", "TEXT"}},
		{"quoted", `title : "Deep \"Thought\""`, Comparison{"title", ":", `Deep "Thought"`}},
		{"bool", "osi_approved = TRUE", Comparison{"osi_approved", "=", "true"}},
		{"and", "kind = TEXT AND title = x", And{[]Expr{Comparison{"kind", "=", "TEXT"}, Comparison{"title", "=", "x"}}}},
		{"or binds tighter", "title = a AND kind = TEXT OR kind = SOFTWARE", And{[]Expr{
			Comparison{"title", "=", "a"},
			Or{[]Expr{Comparison{"kind", "=", "TEXT"}, Comparison{"kind", "=", "SOFTWARE"}}},
		}}},
		{"not and minus", "NOT kind = TEXT AND -title = x", And{[]Expr{
			Not{Comparison{"kind", "=", "TEXT"}}, Not{Comparison{"title", "=", "x"}},
		}}},
		{"parens", "(kind = TEXT)", Comparison{"kind", "=", "TEXT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in, schema)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, pos, msg string }{
		{"colour = red", "0", "unknown field"},
		{"kind = POEM", "7", "unknown value"},
		{"kind : TEXT", "5", "enumeration"},
		{"osi_approved = maybe", "15", "true or false"},
		{"title = ", "8", "expected a value"},
		{"title = 'x", "8", "unterminated"},
		{"(kind = TEXT", "12", `expected ")"`},
		{"kind = TEXT)", "11", "unexpected"},
		{"title > 3", "6", "not supported"},
		{"title = x; DROP TABLE works", "9", "unexpected character"},
		{strings.Repeat("(", 40) + "kind = TEXT" + strings.Repeat(")", 40), "17", "nested deeper"},
		{strings.TrimSuffix(strings.Repeat("title = x AND ", 70), " AND "), "896", "more than 64"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in, schema)
		e, ok := apierr.As(err)
		if !ok || e.Kind != apierr.InvalidArgument || e.Field != "filter" {
			t.Errorf("Parse(%q) = %v; want INVALID_ARGUMENT on filter", tt.in, err)
			continue
		}
		if e.Metadata["position"] != tt.pos || !strings.Contains(e.Message, tt.msg) {
			t.Errorf("Parse(%q): %q at %s; want %q at %s", tt.in, e.Message, e.Metadata["position"], tt.msg, tt.pos)
		}
	}
	if _, err := Parse(strings.Repeat("a", MaxLength+1), schema); !apierr.Is(err, apierr.InvalidArgument) {
		t.Errorf("over-long filter: %v", err)
	}
}

func TestMatch(t *testing.T) {
	rec := map[string][]string{"kind": {"TEXT"}, "title": {"The Deep Thought"}, "osi_approved": {"false"}}
	values := func(f string) []string { return rec[f] }
	tests := []struct {
		in   string
		want bool
	}{
		{"", true},
		{"kind = TEXT", true},
		{"kind != TEXT", false},
		{"title : deep", true},
		{"title = deep", false},
		{"kind = SOFTWARE OR title : thought", true},
		{"kind = TEXT AND osi_approved = true", false},
		{"NOT osi_approved = true", true},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in, schema)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := Match(e, values); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

package iscc

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

// conformance is testdata/data.json, iscc-core's conformance data: for
// each function, cases by name with their inputs and expected outputs.
type conformance map[string]map[string]struct {
	Inputs  []json.RawMessage          `json:"inputs"`
	Outputs map[string]json.RawMessage `json:"outputs"`
}

// notImplemented are the reference's functions Stemma does not compute
// (yet); every other function of the data must have a runner below, so
// that new conformance data cannot go unrun.
var notImplemented = []string{"gen_audio_code_v0", "gen_video_code_v0", "gen_mixed_code_v0"}

func loadConformance(t *testing.T) conformance {
	t.Helper()
	b, err := os.ReadFile("testdata/data.json")
	if err != nil {
		t.Fatal(err)
	}
	var c conformance
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return v
}

// stream decodes the reference's "stream:<hex>" inputs.
func stream(t *testing.T, raw json.RawMessage) []byte {
	t.Helper()
	s, ok := strings.CutPrefix(decode[string](t, raw), "stream:")
	if !ok {
		t.Fatalf("not a stream: %s", raw)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConformance(t *testing.T) {
	runners := map[string]func(t *testing.T, in []json.RawMessage, out map[string]json.RawMessage) string{
		"gen_meta_code_v0":     runMeta,
		"gen_text_code_v0":     runText,
		"gen_image_code_v0":    runImage,
		"gen_data_code_v0":     runData,
		"gen_instance_code_v0": runInstance,
		"gen_iscc_code_v0":     runComposite,
	}
	data := loadConformance(t)
	groups := make([]string, 0, len(data))
	for g := range data {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	ran := 0
	for _, g := range groups {
		run, ok := runners[g]
		if !ok {
			if !slices.Contains(notImplemented, g) {
				t.Errorf("conformance data for %s has no runner", g)
			}
			continue
		}
		t.Run(g, func(t *testing.T) {
			names := make([]string, 0, len(data[g]))
			for name := range data[g] {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				tc := data[g][name]
				t.Run(name, func(t *testing.T) {
					got := run(t, tc.Inputs, tc.Outputs)
					if want := decode[string](t, tc.Outputs["iscc"]); got != want {
						t.Errorf("got %s, want %s", got, want)
					}
					// Every code reads back to itself.
					c, err := Parse(got)
					if err != nil || c.String() != got {
						t.Errorf("Parse(%s) = %v, %v", got, c, err)
					}
				})
				ran++
			}
		})
	}
	if ran < 36 { // the vendored version has 36 cases for these functions
		t.Errorf("ran %d conformance cases; the data has more", ran)
	}
}

func runMeta(t *testing.T, in []json.RawMessage, out map[string]json.RawMessage) string {
	var meta []byte
	switch m := decode[any](t, in[2]).(type) {
	case nil:
	case map[string]any:
		// The reference canonicalises objects with JCS (RFC 8785); for
		// these objects of strings that is encoding/json's sorted keys.
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		meta = b
	case string:
		_, payload, ok := strings.Cut(m, ";base64,")
		if !ok {
			t.Fatalf("not a base64 data URL: %s", m)
		}
		b, err := base64.StdEncoding.DecodeString(payload)
		if err != nil {
			t.Fatal(err)
		}
		meta = b
	}
	m, err := MetaCode(decode[string](t, in[0]), decode[string](t, in[1]), meta, decode[int](t, in[3]))
	if err != nil {
		t.Fatal(err)
	}
	if want := decode[string](t, out["name"]); m.Name != want {
		t.Errorf("name %q, want %q", m.Name, want)
	}
	wantDesc := ""
	if raw, ok := out["description"]; ok {
		wantDesc = decode[string](t, raw)
	}
	if m.Description != wantDesc {
		t.Errorf("description %q, want %q", m.Description, wantDesc)
	}
	if want := decode[string](t, out["metahash"]); m.Metahash != want {
		t.Errorf("metahash %s, want %s", m.Metahash, want)
	}
	return m.Code.String()
}

func runText(t *testing.T, in []json.RawMessage, out map[string]json.RawMessage) string {
	c, chars, err := TextCode(decode[string](t, in[0]), decode[int](t, in[1]))
	if err != nil {
		t.Fatal(err)
	}
	if want := decode[int](t, out["characters"]); chars != want {
		t.Errorf("%d characters, want %d", chars, want)
	}
	return c.String()
}

func runImage(t *testing.T, in []json.RawMessage, _ map[string]json.RawMessage) string {
	c, err := ImageCode(decode[[]uint8](t, in[0]), decode[int](t, in[1]))
	if err != nil {
		t.Fatal(err)
	}
	return c.String()
}

func runData(t *testing.T, in []json.RawMessage, _ map[string]json.RawMessage) string {
	data, nbits := stream(t, in[0]), decode[int](t, in[1])
	whole := NewDataHasher()
	whole.Write(data)
	c, err := whole.Code(nbits)
	if err != nil {
		t.Fatal(err)
	}
	// Written in odd pieces, the data gives the same code.
	pieces := NewDataHasher()
	for p := data; len(p) > 0; p = p[min(len(p), 777):] {
		pieces.Write(p[:min(len(p), 777)])
	}
	if c2, _ := pieces.Code(nbits); c2.String() != c.String() {
		t.Errorf("in pieces %s, whole %s", c2, c)
	}
	return c.String()
}

func runInstance(t *testing.T, in []json.RawMessage, out map[string]json.RawMessage) string {
	data := stream(t, in[0])
	h := NewInstanceHasher()
	h.Write(data)
	if want := decode[string](t, out["datahash"]); h.Datahash() != want {
		t.Errorf("datahash %s, want %s", h.Datahash(), want)
	}
	if want := decode[int64](t, out["filesize"]); h.Size() != want {
		t.Errorf("size %d, want %d", h.Size(), want)
	}
	c, err := h.Code(decode[int](t, in[1]))
	if err != nil {
		t.Fatal(err)
	}
	return c.String()
}

func runComposite(t *testing.T, in []json.RawMessage, _ map[string]json.RawMessage) string {
	var units []Code
	for _, s := range decode[[]string](t, in[0]) {
		u, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		units = append(units, u)
	}
	c, err := Compose(units...)
	if err != nil {
		t.Fatal(err)
	}
	// Split again, the composite gives back each unit's first 64 bits.
	for _, u := range Units(c) {
		if !slices.ContainsFunc(units, func(x Code) bool {
			return x.Type == u.Type && x.SubType == u.SubType && string(x.Body[:8]) == string(u.Body)
		}) {
			t.Errorf("unit %s of %s is none of the inputs", u, c)
		}
	}
	return c.String()
}

package stress

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// corpus is testdata/corpus.json; its "about" says what each part means.
type corpus struct {
	Cases  []corpusCase `json:"cases"`
	Matrix []struct {
		Name     string       `json:"name"`
		Requests []corpusCase `json:"requests"`
		Body     string       `json:"body"`
		Values   []string     `json:"values"`
		Gen      *generated   `json:"gen"`
		Want     int          `json:"want"`
	} `json:"matrix"`
	GRPC struct {
		Payloads map[string]string `json:"payloads"`
	} `json:"grpc"`
}

type corpusCase struct {
	Name string     `json:"name"`
	Verb string     `json:"verb"`
	Path string     `json:"path"`
	Body string     `json:"body"`
	Gen  *generated `json:"gen"`
	Want int        `json:"want"`
}

// generated is text too long or too broken to write in the file.
type generated struct {
	Unit  string `json:"unit"`
	Times int    `json:"times"`
	Tail  string `json:"tail"`
	Hex   string `json:"hex"`
}

func (g *generated) text(t *testing.T) string {
	if g == nil {
		return ""
	}
	if g.Hex != "" {
		b, err := hex.DecodeString(strings.ReplaceAll(g.Hex, " ", ""))
		if err != nil {
			t.Fatalf("corpus: hex %q: %v", g.Hex, err)
		}
		return string(b)
	}
	return strings.Repeat(g.Unit, g.Times) + g.Tail
}

// expand returns every REST case of the corpus, the matrices crossed out.
func (c *corpus) expand() []corpusCase {
	out := append([]corpusCase(nil), c.Cases...)
	for _, m := range c.Matrix {
		for _, r := range m.Requests {
			for _, v := range m.Values {
				body := r.Body
				if body == "" {
					body = m.Body
				}
				out = append(out, corpusCase{
					Name: m.Name + " " + v + ": " + r.Verb + " " + r.Path,
					Verb: r.Verb,
					Path: strings.ReplaceAll(r.Path, "$X", v),
					Body: strings.ReplaceAll(body, "$X", v),
					Gen:  m.Gen, Want: m.Want,
				})
			}
		}
	}
	return out
}

func loadCorpus(t *testing.T) *corpus {
	b, err := os.ReadFile("testdata/corpus.json")
	if err != nil {
		t.Fatal(err)
	}
	var c corpus
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("testdata/corpus.json: %v", err)
	}
	return &c
}

// testCorpus sends every case of the bad-input corpus over REST and, where
// the request can be expressed as the method's protobuf message, over gRPC
// too; then the malformed protobuf payloads to every gRPC method. Each
// must be refused as the caller's mistake, in the error contract's shape,
// and leave the registry as it was.
func testCorpus(t *testing.T, s *suite) {
	c := loadCorpus(t)
	cases := c.expand()
	a := s.work("corpus A", "MIT")
	b := s.work("corpus B", "MIT")
	w := s.work("corpus W", "MIT")
	d := s.create("POST", "/v1/derivations", `{"derivative":"`+b+`","source":"`+a+`","relation":"RELATION_ADAPTATION"}`, "name")
	pol := s.create("POST", "/v1/policies", `{"document":"id: corpus-policy\nreview:\n  unknown: true\n"}`, "name")
	names := strings.NewReplacer("$WORK", w, "$DERIVATIONSOURCE", a, "$DERIVATIVE", b, "$DERIVATION", d, "$POLICY", pol)
	conn, err := Dial(s.p.GRPCAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	routes := Routes()
	before := s.snapshot()

	var restN, grpcN, refused int
	for _, cc := range cases {
		gen := cc.Gen.text(t)
		path := names.Replace(strings.ReplaceAll(cc.Path, "$GEN", gen))
		var body []byte
		if cc.Body != "" {
			body = []byte(names.Replace(strings.ReplaceAll(cc.Body, "$GEN", gen)))
		}
		got := s.do(cc.Verb, path, AliceKey, body)
		restN++
		switch {
		case got.Status < 400 || got.Status >= 500:
			t.Errorf("%s: %s %.120s: HTTP %d, want 4xx: %.300s", cc.Name, cc.Verb, path, got.Status, got.Body)
			continue
		case cc.Want != 0 && got.Status != cc.Want:
			t.Errorf("%s: HTTP %d, want %d: %.300s", cc.Name, got.Status, cc.Want, got.Body)
		}
		if err := CheckError(got); err != nil {
			t.Errorf("%s: %v", cc.Name, err)
		}
		refused++

		r, call, ok := Match(routes, cc.Verb, path)
		if !ok {
			continue
		}
		call.Body = string(body)
		req, err := r.Request(call)
		if err != nil {
			continue // not expressible as the method's message: the gateway's own refusal
		}
		st := Invoke(context.Background(), conn, r.FullMethod, req, r.Response(), AliceKey)
		grpcN++
		if st.Code() == codes.OK || GRPCServerFault(st.Code()) {
			t.Errorf("%s over gRPC %s: %v, want a client error", cc.Name, r.Name(), st.Err())
		}
	}

	var rawN int
	for _, r := range routes {
		payloads := map[string][]byte{}
		for name, h := range c.GRPC.Payloads {
			p, err := hex.DecodeString(h)
			if err != nil {
				t.Fatalf("corpus: payload %s: %v", name, err)
			}
			payloads[name] = p
		}
		if f := firstString(r.Method.Input()); f != nil {
			payloads["invalid UTF-8 in "+string(f.Name())] = protowire.AppendBytes(
				protowire.AppendTag(nil, f.Number(), protowire.BytesType), []byte{0xff, 0xfe})
		}
		for name, payload := range payloads {
			var out []byte
			st := Invoke(context.Background(), conn, r.FullMethod, payload, &out, AliceKey, grpc.ForceCodecV2(rawCodec{}))
			rawN++
			if st.Code() != codes.InvalidArgument {
				t.Errorf("%s to %s: %v, want InvalidArgument", name, r.Name(), st.Err())
			}
		}
	}
	if after := s.snapshot(); after != before {
		t.Errorf("the corpus changed the registry:\nbefore: %.2000s\nafter:  %.2000s", before, after)
	}
	t.Logf("corpus: %d REST cases (%d refused with 4xx), %d of them also over gRPC, %d malformed protobuf requests over %d methods",
		restN, refused, grpcN, rawN, len(routes))
	if restN < 300 {
		t.Errorf("the corpus has %d REST cases; the issue asks for at least 300", restN)
	}
}

// firstString returns the first string field of a message, if it has one.
func firstString(md protoreflect.MessageDescriptor) protoreflect.FieldDescriptor {
	fs := md.Fields()
	for i := range fs.Len() {
		if fs.Get(i).Kind() == protoreflect.StringKind {
			return fs.Get(i)
		}
	}
	return nil
}

// rawCodec sends bytes as they are, for requests that are not valid
// protobuf.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*(v.(*[]byte)) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }

package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stemma-registry/stemma/proto/httprule"
)

// streams names the server-streaming routes (GET /v1/derivations:watch):
// by "METHOD template", and by the custom verbs of their templates, which
// rule out every other route without building its template string.
type streams struct {
	routes map[string]bool
	verbs  map[string]bool
}

func streamingRoutes() streams {
	s := streams{routes: map[string]bool{}, verbs: map[string]bool{}}
	eachBinding(func(md protoreflect.MethodDescriptor, b httprule.Binding) {
		if md.IsStreamingServer() {
			s.routes[b.Method+" "+b.Path] = true
			_, verb, _ := strings.Cut(b.Path[strings.LastIndexByte(b.Path, '/')+1:], ":")
			s.verbs[verb] = true
		}
	})
	return s
}

func (s streams) has(r *http.Request, pat runtime.Pattern) bool {
	return s.verbs[pat.Verb()] && s.routes[r.Method+" "+pat.String()]
}

// plainStreamErrors gives a stream that fails before it starts the same
// error body as every other route ({"code","message","details"}), where
// grpc-gateway would frame it as {"error": ...} like an error in the middle
// of a stream. Once the stream has started (200 and newline-delimited
// {"result": ...} objects), an error stays framed: the client is reading
// the stream's lines.
func plainStreamErrors(streaming streams) runtime.Middleware {
	return func(next runtime.HandlerFunc) runtime.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
			pat, _ := runtime.HTTPPattern(r.Context())
			if !streaming.has(r, pat) {
				next(w, r, params)
				return
			}
			next(&unframing{ResponseWriter: w}, r, params)
		}
	}
}

type unframing struct {
	http.ResponseWriter
	failed bool
}

func (u *unframing) WriteHeader(code int) {
	u.failed = code >= 400
	u.ResponseWriter.WriteHeader(code)
}

func (u *unframing) Write(b []byte) (int, error) {
	if !u.failed {
		return u.ResponseWriter.Write(b)
	}
	var framed struct {
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(b), &framed); err != nil || framed.Error == nil {
		return u.ResponseWriter.Write(b)
	}
	if _, err := u.ResponseWriter.Write(framed.Error); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Flush lets the stream reach the client message by message.
func (u *unframing) Flush() {
	if f, ok := u.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

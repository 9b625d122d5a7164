package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stemma-registry/stemma/proto/httprule"
)

// streamingRoutes returns "METHOD template" for every server-streaming
// method (GET /v1/derivations:watch).
func streamingRoutes() map[string]bool {
	out := map[string]bool{}
	eachBinding(func(md protoreflect.MethodDescriptor, b httprule.Binding) {
		if md.IsStreamingServer() {
			out[b.Method+" "+b.Path] = true
		}
	})
	return out
}

// plainStreamErrors gives a stream that fails before it starts the same
// error body as every other route ({"code","message","details"}), where
// grpc-gateway would frame it as {"error": ...} like an error in the middle
// of a stream. Once the stream has started (200 and newline-delimited
// {"result": ...} objects), an error stays framed: the client is reading
// the stream's lines.
func plainStreamErrors(streaming map[string]bool) runtime.Middleware {
	return func(next runtime.HandlerFunc) runtime.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
			pat, _ := runtime.HTTPPattern(r.Context())
			if !streaming[r.Method+" "+pat.String()] {
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

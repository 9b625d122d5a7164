// Package httprule reads the google.api.http bindings of the API contract,
// so that the gateway, the access policy, the command-line client and the
// tests all derive routes from one reading of the proto options.
package httprule

import (
	"net/http"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Binding is how one RPC is reached over REST.
type Binding struct {
	Method string // the HTTP method, e.g. "GET"
	Path   string // the path template, e.g. "/v1/{name=works/*}"
	Body   string // the body field: "", "*" or a field name
}

// Of returns the binding of md; ok is false for a method without one.
func Of(md protoreflect.MethodDescriptor) (b Binding, ok bool) {
	rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
	if rule == nil {
		return Binding{}, false
	}
	b.Body = rule.GetBody()
	switch p := rule.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		b.Method, b.Path = http.MethodGet, p.Get
	case *annotations.HttpRule_Post:
		b.Method, b.Path = http.MethodPost, p.Post
	case *annotations.HttpRule_Patch:
		b.Method, b.Path = http.MethodPatch, p.Patch
	case *annotations.HttpRule_Put:
		b.Method, b.Path = http.MethodPut, p.Put
	case *annotations.HttpRule_Delete:
		b.Method, b.Path = http.MethodDelete, p.Delete
	default:
		return Binding{}, false
	}
	return b, true
}

// Variables returns the field paths the path template binds, in order
// ("name" for "/v1/{name=works/*}", "work.name" for "/v1/{work.name=works/*}").
func (b Binding) Variables() []string {
	var out []string
	t := b.Path
	for {
		open := strings.IndexByte(t, '{')
		if open < 0 {
			return out
		}
		end := strings.IndexByte(t[open:], '}')
		if end < 0 {
			return out
		}
		v, _, _ := strings.Cut(t[open+1:open+end], "=")
		out = append(out, v)
		t = t[open+end+1:]
	}
}

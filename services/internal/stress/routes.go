package stress

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/stemma-registry/stemma/proto/httprule"
	"github.com/stemma-registry/stemma/services/internal/app"
)

// Route is one RPC of the API with its REST binding, read from the
// contract's google.api.http rules, so that tests walking the routes cover
// every method the API has, including ones added later.
type Route struct {
	Method protoreflect.MethodDescriptor
	// FullMethod is the gRPC method name, "/pkg.Service/Method".
	FullMethod string
	Verb       string // GET, POST, PATCH, DELETE
	Template   string // "/v1/{name=works/*}"
	// Body is the request field the REST body fills: "" none, "*" the
	// whole request, else a field name.
	Body string
	// Write is true when the access policy asks for a key.
	Write bool
}

// Name returns the method's short name ("CreateWork").
func (r Route) Name() string { return string(r.Method.Name()) }

// Routes returns every Stemma RPC with its REST binding.
func Routes() []Route {
	policy := app.Policy()
	var out []Route
	for _, sd := range app.Services() {
		ms := sd.Methods()
		for i := range ms.Len() {
			md := ms.Get(i)
			r := Route{Method: md, FullMethod: fmt.Sprintf("/%s/%s", sd.FullName(), md.Name())}
			r.Write = !policy.Public(r.FullMethod)
			b, _ := httprule.Of(md)
			r.Verb, r.Template, r.Body = b.Method, b.Path, b.Body
			out = append(out, r)
		}
	}
	return out
}

var pathVar = regexp.MustCompile(`\{([^}=]+)(=[^}]*)?\}`)

// PathVars returns the field paths the route's template binds ("name",
// "work.name").
func (r Route) PathVars() []string {
	return httprule.Binding{Method: r.Verb, Path: r.Template, Body: r.Body}.Variables()
}

// Call is one request to a route, in a form both transports can send.
type Call struct {
	// Params binds the template's variables to resource names.
	Params map[string]string
	// Query holds query parameters by their JSON names.
	Query url.Values
	// Body is the REST body: JSON, or the raw body of an HttpBody field.
	Body string
	// Token is the consistency token to send: a read-your-writes probe
	// carries its write's.
	Token string
}

// Path returns the REST path and query of c.
func (r Route) Path(c Call) string {
	path := pathVar.ReplaceAllStringFunc(r.Template, func(v string) string {
		field := pathVar.FindStringSubmatch(v)[1]
		// Resource names keep their slashes; each segment is escaped.
		segs := strings.Split(c.Params[field], "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		return strings.Join(segs, "/")
	})
	if len(c.Query) > 0 {
		path += "?" + c.Query.Encode()
	}
	return path
}

// RawBody reports whether the route's REST body is an HttpBody, sent as
// is rather than as JSON.
func (r Route) RawBody() bool {
	if r.Body == "" || r.Body == "*" {
		return false
	}
	f := r.Method.Input().Fields().ByName(protoreflect.Name(r.Body))
	return f != nil && f.Message() != nil && f.Message().FullName() == "google.api.HttpBody"
}

// Request builds the gRPC request message for c as the gateway does: the
// body decoded with protojson where the rule puts it (so that what
// protojson refuses, such as invalid UTF-8, is an error here too), then
// the path variables and query parameters.
func (r Route) Request(c Call) (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(r.Method.Input().FullName())
	if err != nil {
		return nil, err
	}
	m := mt.New().Interface()
	switch {
	case c.Body == "":
	case r.Body == "*":
		err = protojson.Unmarshal([]byte(c.Body), m)
	case r.RawBody():
		err = protojson.Unmarshal(fmt.Appendf(nil, `{%q:{"contentType":"application/json","data":%q}}`,
			jsonName(r.Method.Input(), r.Body), base64.StdEncoding.EncodeToString([]byte(c.Body))), m)
	default:
		f := r.Method.Input().Fields().ByName(protoreflect.Name(r.Body))
		err = protojson.Unmarshal([]byte(c.Body), m.ProtoReflect().Mutable(f).Message().Interface())
	}
	if err != nil {
		return nil, fmt.Errorf("%s: body: %w", r.Name(), err)
	}
	// json.Marshal would quietly turn invalid UTF-8 into U+FFFD; protobuf
	// strings cannot hold it at all.
	for _, vs := range c.Query {
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return nil, fmt.Errorf("%s: query value %q is not UTF-8", r.Name(), v)
			}
		}
	}
	for _, v := range c.Params {
		if !utf8.ValidString(v) {
			return nil, fmt.Errorf("%s: path value %q is not UTF-8", r.Name(), v)
		}
	}
	obj := map[string]any{}
	for field, value := range c.Params {
		setPath(obj, r.Method.Input(), strings.Split(field, "."), []string{value})
	}
	for k, vs := range c.Query {
		if !setPath(obj, r.Method.Input(), strings.Split(k, "."), vs) {
			return nil, fmt.Errorf("%s: no field %q", r.Name(), k)
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	rest := mt.New().Interface()
	if err := protojson.Unmarshal(b, rest); err != nil {
		return nil, fmt.Errorf("%s: parameters %s: %w", r.Name(), b, err)
	}
	proto.Merge(m, rest)
	return m, nil
}

// Response returns an empty response message of the route's method.
func (r Route) Response() proto.Message {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(r.Method.Output().FullName())
	if err != nil {
		panic(err) // the generated packages register every message of the API
	}
	return mt.New().Interface()
}

func jsonName(md protoreflect.MessageDescriptor, field string) string {
	if f := md.Fields().ByName(protoreflect.Name(field)); f != nil {
		return f.JSONName()
	}
	return field
}

// setPath sets the field at path to values as the gateway reads query
// parameters: a list for a repeated field, else the last value, typed as
// the field is. It reports whether path names a field.
func setPath(obj map[string]any, md protoreflect.MessageDescriptor, path []string, values []string) bool {
	f := md.Fields().ByName(protoreflect.Name(path[0]))
	if f == nil {
		f = md.Fields().ByJSONName(path[0])
	}
	if f == nil || len(values) == 0 {
		return false
	}
	name := f.JSONName()
	if len(path) > 1 {
		if f.Message() == nil {
			return false
		}
		sub, _ := obj[name].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			obj[name] = sub
		}
		return setPath(sub, f.Message(), path[1:], values)
	}
	typed := make([]any, len(values))
	for i, v := range values {
		typed[i] = scalar(f, v)
	}
	if f.IsList() {
		obj[name] = typed
	} else {
		obj[name] = typed[len(typed)-1]
	}
	return true
}

// scalar turns a query parameter into the JSON value protojson reads for
// the field, parsed as the gateway parses it: booleans and numbers bare,
// a value the gateway would refuse as {} (which protojson refuses too),
// everything else as a string (field masks, timestamps, enum names).
func scalar(f protoreflect.FieldDescriptor, v string) any {
	switch f.Kind() {
	case protoreflect.BoolKind:
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
		return struct{}{}
	case protoreflect.EnumKind:
		if n, err := strconv.ParseInt(v, 10, 32); err == nil {
			return n
		}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if n, err := strconv.ParseInt(v, 10, 32); err == nil {
			return n
		}
		return struct{}{}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return v
		}
		return struct{}{}
	}
	return v
}

// Match finds the route a REST request goes to and the call it makes:
// the template's variables from the path, the query parameters as they
// are. Routes are tried as the gateway tries them (custom verbs on works
// before plain works), and ok is false when none matches.
func Match(routes []Route, verb, pathQuery string) (Route, Call, bool) {
	u, err := url.Parse(pathQuery)
	if err != nil {
		return Route{}, Call{}, false
	}
	for _, r := range routes {
		if r.Verb != verb {
			continue
		}
		m := r.pattern().FindStringSubmatch(u.EscapedPath())
		if m == nil {
			continue
		}
		c := Call{Params: map[string]string{}, Query: u.Query()}
		for i, v := range r.PathVars() {
			value, err := url.PathUnescape(m[i+1])
			if err != nil {
				return Route{}, Call{}, false
			}
			c.Params[v] = value
		}
		return r, c, true
	}
	return Route{}, Call{}, false
}

// pattern returns the regular expression of the route's template: a
// variable's "*" matches one path segment, "**" any number.
func (r Route) pattern() *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	rest := r.Template
	for _, loc := range pathVar.FindAllStringSubmatchIndex(r.Template, -1) {
		b.WriteString(regexp.QuoteMeta(r.Template[len(r.Template)-len(rest) : loc[0]]))
		rest = r.Template[loc[1]:]
		segs := "[^/]+"
		if loc[4] >= 0 {
			var parts []string
			for _, seg := range strings.Split(r.Template[loc[4]+1:loc[5]], "/") {
				switch seg {
				case "*":
					parts = append(parts, "[^/:]+")
				case "**":
					parts = append(parts, ".+")
				default:
					parts = append(parts, regexp.QuoteMeta(seg))
				}
			}
			segs = strings.Join(parts, "/")
		}
		b.WriteString("(" + segs + ")")
	}
	b.WriteString(regexp.QuoteMeta(rest) + "$")
	return regexp.MustCompile(b.String())
}

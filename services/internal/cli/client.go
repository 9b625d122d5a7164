package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/api/httpbody"
	_ "google.golang.org/genproto/googleapis/rpc/errdetails" // resolves the details of REST error bodies
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stemma-registry/stemma/proto/httprule"
)

// DefaultServer is where the client commands look for Stemma when neither
// --server nor STEMMA_SERVER says: the REST address of `make run`.
const DefaultServer = "http://127.0.0.1:8080"

// clientOptions are the flags every client command shares.
type clientOptions struct {
	server  string
	output  string
	timeout time.Duration
}

// addClientFlags defines the shared flags on a client command (and its
// subcommands).
func addClientFlags(cmd *cobra.Command, o *clientOptions) {
	server := os.Getenv("STEMMA_SERVER")
	if server == "" {
		server = DefaultServer
	}
	fs := cmd.PersistentFlags()
	fs.StringVar(&o.server, "server", server,
		"Stemma to talk to: http(s)://host:port for REST, grpc://host:port, grpcs://host:port or host:port for gRPC (env STEMMA_SERVER)")
	fs.StringVarP(&o.output, "output", "o", "table", "output format: table or json")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long to wait for the server")
}

// client calls Stemma's RPCs over REST or gRPC; commands build the same
// request messages either way and get the same responses and errors.
type client struct {
	key     string
	timeout time.Duration
	// REST
	base *url.URL
	http *http.Client
	// gRPC
	conn *grpc.ClientConn
}

// connect makes a client for o.server, with the key from STEMMA_API_KEY.
func (o *clientOptions) connect() (*client, error) {
	if o.output != "table" && o.output != "json" {
		return nil, usageErrorf("--output %q: want table or json", o.output)
	}
	c := &client{key: os.Getenv("STEMMA_API_KEY"), timeout: o.timeout}
	scheme, rest, hasScheme := strings.Cut(o.server, "://")
	if !hasScheme {
		scheme, rest = "grpc", o.server
	}
	switch scheme {
	case "http", "https":
		u, err := url.Parse(o.server)
		if err != nil || u.Host == "" {
			return nil, usageErrorf("--server %q: want http(s)://host:port", o.server)
		}
		c.base = u
		c.http = &http.Client{Timeout: o.timeout}
		return c, nil
	case "grpc", "grpcs":
		if rest == "" || strings.Contains(rest, "/") {
			return nil, usageErrorf("--server %q: want grpc://host:port", o.server)
		}
		creds := insecure.NewCredentials()
		if scheme == "grpcs" {
			creds = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
		}
		conn, err := grpc.NewClient(rest, grpc.WithTransportCredentials(creds))
		if err != nil {
			return nil, usageErrorf("--server %q: %v", o.server, err)
		}
		c.conn = conn
		return c, nil
	}
	return nil, usageErrorf("--server %q: want http://, https://, grpc:// or grpcs://", o.server)
}

func (c *client) close() {
	if c.conn != nil {
		_ = c.conn.Close()
	}
}

// call invokes the RPC m with req and fills resp. Failures are gRPC
// status errors whichever the transport.
func (c *client) call(ctx context.Context, m protoreflect.MethodDescriptor, req, resp proto.Message) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if c.conn != nil {
		if c.key != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.key)
		}
		return c.conn.Invoke(ctx, fullMethod(m), req, resp)
	}
	return c.rest(ctx, m, req, resp)
}

// fullMethod is m's gRPC method name: /package.Service/Method.
func fullMethod(m protoreflect.MethodDescriptor) string {
	return "/" + string(m.Parent().FullName()) + "/" + string(m.Name())
}

// rest transcodes the call to the REST route the method's google.api.http
// rule gives it and decodes the answer into resp.
func (c *client) rest(ctx context.Context, m protoreflect.MethodDescriptor, req, resp proto.Message) error {
	hreq, err := c.restRequest(ctx, m, req)
	if err != nil {
		return err
	}
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return status.Error(codes.Unavailable, err.Error())
	}
	defer hresp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(hresp.Body, 64<<20))
	if err != nil {
		return status.Error(codes.Unavailable, "reading the response: "+err.Error())
	}
	if hresp.StatusCode/100 != 2 {
		return restError(hresp.StatusCode, b)
	}
	if hb, ok := resp.(*httpbody.HttpBody); ok {
		// A document answered as itself (an SBOM export): the gateway
		// writes an HttpBody verbatim, with its media type.
		hb.ContentType, hb.Data = hresp.Header.Get("Content-Type"), b
		return nil
	}
	return decodeAnswer(b, resp)
}

// decodeAnswer reads a REST answer into resp, ignoring fields newer than
// this client.
func decodeAnswer(b []byte, resp proto.Message) error {
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, resp); err != nil {
		return status.Errorf(codes.Internal, "the server's answer is not a %s: %v", resp.ProtoReflect().Descriptor().FullName(), err)
	}
	return nil
}

// restRequest builds the request of the REST route of m as the gateway
// expects it: path parameters from the request, the body field (or the
// whole request) as JSON, every other set field as a query parameter.
func (c *client) restRequest(ctx context.Context, m protoreflect.MethodDescriptor, req proto.Message) (*http.Request, error) {
	rule, ok := httprule.Of(m)
	if !ok {
		return nil, fmt.Errorf("%s has no REST route", m.FullName())
	}
	path, used, err := expandPath(rule.Path, req.ProtoReflect())
	if err != nil {
		return nil, err
	}
	var body io.Reader
	contentType := "application/json"
	switch rule.Body {
	case "":
	case "*":
		b, err := protojson.Marshal(req)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
		used = nil // every field is in the body
	default:
		fd := req.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(rule.Body))
		if fd == nil {
			return nil, fmt.Errorf("%s: no body field %s", m.FullName(), rule.Body)
		}
		used[fd.FullName()] = true
		field := req.ProtoReflect().Get(fd).Message().Interface()
		if hb, ok := field.(*httpbody.HttpBody); ok {
			body = bytes.NewReader(hb.GetData())
			if hb.GetContentType() != "" {
				contentType = hb.GetContentType()
			}
		} else {
			b, err := protojson.Marshal(field)
			if err != nil {
				return nil, err
			}
			body = bytes.NewReader(b)
		}
	}
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	if used != nil {
		q := url.Values{}
		addQuery(q, "", req.ProtoReflect(), used)
		u.RawQuery = q.Encode()
	}
	hreq, err := http.NewRequestWithContext(ctx, rule.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		hreq.Header.Set("Content-Type", contentType)
	}
	hreq.Header.Set("Accept", "application/json")
	if c.key != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.key)
	}
	return hreq, nil
}

// expandPath fills a path template's variables ({name=works/*}) from the
// request and returns the fields it used.
func expandPath(template string, msg protoreflect.Message) (string, map[protoreflect.FullName]bool, error) {
	used := map[protoreflect.FullName]bool{}
	var b strings.Builder
	for {
		open := strings.IndexByte(template, '{')
		if open < 0 {
			b.WriteString(template)
			return b.String(), used, nil
		}
		end := strings.IndexByte(template, '}')
		b.WriteString(template[:open])
		fieldPath, _, _ := strings.Cut(template[open+1:end], "=")
		m := msg
		var value string
		for i, name := range strings.Split(fieldPath, ".") {
			fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
			if fd == nil {
				return "", nil, fmt.Errorf("path field %s not in %s", fieldPath, msg.Descriptor().FullName())
			}
			if i == 0 {
				used[fd.FullName()] = true
			}
			if fd.Kind() == protoreflect.MessageKind {
				m = m.Get(fd).Message()
				continue
			}
			value = m.Get(fd).String()
		}
		if value == "" {
			return "", nil, usageErrorf("%s is missing", fieldPath)
		}
		segs := strings.Split(value, "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		b.WriteString(strings.Join(segs, "/"))
		template = template[end+1:]
	}
}

// addQuery adds the set fields of msg, less the used ones, as query
// parameters named by their JSON names, dotted for nested messages.
func addQuery(q url.Values, prefix string, msg protoreflect.Message, used map[protoreflect.FullName]bool) {
	msg.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if used[fd.FullName()] {
			return true
		}
		name := prefix + fd.JSONName()
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				q.Add(name, scalar(fd, l.Get(i)))
			}
		case fd.Kind() == protoreflect.MessageKind:
			switch m := v.Message().Interface().(type) {
			case *fieldmaskpb.FieldMask:
				q.Set(name, strings.Join(m.GetPaths(), ","))
			case *timestamppb.Timestamp:
				q.Set(name, m.AsTime().Format(time.RFC3339Nano))
			default:
				addQuery(q, name+".", v.Message(), used)
			}
		default:
			q.Set(name, scalar(fd, v))
		}
		return true
	})
}

func scalar(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	switch fd.Kind() {
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
	case protoreflect.BytesKind:
		return base64.StdEncoding.EncodeToString(v.Bytes())
	}
	return v.String()
}

// restError turns a REST error answer into the gRPC status it carries: the
// gateway's body is a google.rpc.Status. Anything else (a proxy's page)
// gets the code its HTTP status means.
func restError(httpStatus int, body []byte) error {
	var st spb.Status
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(body, &st); err == nil && st.GetCode() != 0 {
		return status.ErrorProto(&st)
	}
	// Details of a type this client does not know fail the decoding above;
	// code and message still say what went wrong.
	var plain struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &plain); err == nil && plain.Code != 0 {
		return status.Error(codes.Code(plain.Code), plain.Message)
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return status.Errorf(httpCode(httpStatus), "HTTP %d: %s", httpStatus, msg)
}

func httpCode(s int) codes.Code {
	switch s {
	case http.StatusBadRequest:
		return codes.InvalidArgument
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusForbidden:
		return codes.PermissionDenied
	case http.StatusNotFound:
		return codes.NotFound
	case http.StatusConflict:
		return codes.Aborted
	case http.StatusTooManyRequests:
		return codes.ResourceExhausted
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		return codes.Unavailable
	}
	return codes.Unknown
}

// isCode reports whether err is a status error with code c.
func isCode(err error, c codes.Code) bool {
	st, ok := status.FromError(err)
	return ok && st.Code() == c
}

var errNoKey = errors.New("set STEMMA_API_KEY to a key of yours (make run prints a development key)")

package gateway

import (
	"io"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// marshaler is the gateway's JSON marshaler, extended both ways for
// google.api.HttpBody: a response HttpBody is written verbatim
// (grpc-gateway's HTTPBodyMarshaler), and a request whose body field is an
// HttpBody (POST /v1/sboms:import) receives the request body as it came,
// unparsed, so that a document such as an SBOM reaches the service exactly
// as its author wrote it.
type marshaler struct {
	runtime.HTTPBodyMarshaler
}

var jsonMarshaler = &marshaler{runtime.HTTPBodyMarshaler{Marshaler: JSON}}

// NewDecoder returns a decoder that reads raw bytes into an HttpBody and
// decodes JSON into anything else.
func (m *marshaler) NewDecoder(r io.Reader) runtime.Decoder {
	return rawOrJSON{r: r, json: m.HTTPBodyMarshaler.NewDecoder(r)}
}

type rawOrJSON struct {
	r    io.Reader
	json runtime.Decoder
}

func (d rawOrJSON) Decode(v any) error {
	var hb *httpbody.HttpBody
	switch x := v.(type) {
	case *httpbody.HttpBody:
		hb = x
	case **httpbody.HttpBody: // the generated handlers pass &req.Field
		if *x == nil {
			*x = &httpbody.HttpBody{}
		}
		hb = *x
	default:
		return d.json.Decode(v)
	}
	b, err := io.ReadAll(d.r)
	if err != nil {
		return err
	}
	hb.ContentType = "application/json"
	hb.Data = b
	return nil
}

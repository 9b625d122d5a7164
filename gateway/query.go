package gateway

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// strictQuery is grpc-gateway's query parameter parser, except that a
// parameter naming no field of the request is an error (400) rather than
// silently ignored: "?page_sise=10" or "?licence_id=MIT" on a method without
// that field must not quietly return something else than was asked.
type strictQuery struct{ runtime.DefaultQueryParser }

func (q strictQuery) Parse(msg proto.Message, values url.Values, filter *utilities.DoubleArray) error {
	desc := msg.ProtoReflect().Descriptor()
	for key := range values {
		if !hasFieldPath(desc, key) {
			return fmt.Errorf("unknown query parameter %q", key)
		}
	}
	return q.DefaultQueryParser.Parse(msg, values, filter)
}

// hasFieldPath reports whether a dotted path of proto or JSON field names
// ("page_size", "pageSize", "work.title") names a field of desc.
func hasFieldPath(desc protoreflect.MessageDescriptor, path string) bool {
	parts := strings.Split(path, ".")
	for i, part := range parts {
		fields := desc.Fields()
		f := fields.ByName(protoreflect.Name(part))
		if f == nil {
			f = fields.ByJSONName(part)
		}
		if f == nil {
			return false
		}
		if i < len(parts)-1 {
			if f.Message() == nil {
				return false
			}
			desc = f.Message()
		}
	}
	return true
}

package auth

import (
	"fmt"
	"strings"

	"net/http"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stemma-registry/stemma/proto/httprule"
)

// Policy says which methods anyone may call. It is derived from the API
// contract rather than listed by hand, so that a new write method cannot be
// left open by forgetting to list it: a Stemma method is public only if its
// HTTP binding is GET (a read) or its whole service is a pure computation.
// Methods outside Stemma's packages (gRPC health, reflection) are public.
type Policy struct {
	public map[string]bool // full method name -> public
}

// NewPolicy builds the policy for the given services. pure names services
// every method of which is a read-only computation (the licences service).
func NewPolicy(services []protoreflect.ServiceDescriptor, pure ...protoreflect.FullName) *Policy {
	p := &Policy{public: map[string]bool{}}
	isPure := map[protoreflect.FullName]bool{}
	for _, n := range pure {
		isPure[n] = true
	}
	for _, sd := range services {
		methods := sd.Methods()
		for i := 0; i < methods.Len(); i++ {
			md := methods.Get(i)
			full := fmt.Sprintf("/%s/%s", sd.FullName(), md.Name())
			b, _ := httprule.Of(md)
			p.public[full] = isPure[sd.FullName()] || b.Method == http.MethodGet
		}
	}
	return p
}

// Public reports whether fullMethod ("/pkg.Service/Method") may be called
// without credentials.
func (p *Policy) Public(fullMethod string) bool {
	if pub, known := p.public[fullMethod]; known {
		return pub
	}
	return !strings.HasPrefix(fullMethod, "/stemma.")
}

// Methods returns every Stemma method the policy knows and whether it is
// public, for tests that must cover every write.
func (p *Policy) Methods() map[string]bool {
	out := make(map[string]bool, len(p.public))
	for k, v := range p.public {
		out[k] = v
	}
	return out
}

// Package auth identifies the principal behind a request from its bearer key
// and decides which methods need one.
//
// Keys come from configuration and are kept only as SHA-256 digests; a
// presented key is hashed and compared with every known digest in constant
// time, so neither the keys nor the timing of a comparison leak.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// InternalPrincipal is the name of the principal the services use among
// themselves.
const InternalPrincipal = "stemma-internal"

// Principal is an authenticated caller.
type Principal struct {
	Name     string
	Admin    bool
	Reviewer bool // may accept or reject licence curations
	Internal bool // one of Stemma's own services
}

// CanReview reports whether p may accept or reject licence curations:
// reviewers and admins may.
func (p Principal) CanReview() bool { return p.Admin || p.Reviewer }

// CanActOn reports whether p may change a resource owned by owner.
func (p Principal) CanActOn(owner string) bool {
	return p.Admin || p.Internal || p.Name == owner
}

type entry struct {
	digest    [sha256.Size]byte
	principal Principal
}

// Keys verifies bearer keys.
type Keys struct {
	entries []entry
}

// NewKeys builds a verifier from principal -> key, the admins' names and the
// internal key (which may be empty).
func NewKeys(keys map[string]string, admins []string, internalKey string) *Keys {
	k := &Keys{}
	for name, key := range keys {
		k.entries = append(k.entries, entry{
			digest:    sha256.Sum256([]byte(key)),
			principal: Principal{Name: name, Admin: slices.Contains(admins, name)},
		})
	}
	if internalKey != "" {
		k.entries = append(k.entries, entry{
			digest:    sha256.Sum256([]byte(internalKey)),
			principal: Principal{Name: InternalPrincipal, Internal: true},
		})
	}
	return k
}

// WithReviewers marks the named principals as reviewers of licence
// curations.
func (k *Keys) WithReviewers(names []string) *Keys {
	for i := range k.entries {
		if slices.Contains(names, k.entries[i].principal.Name) {
			k.entries[i].principal.Reviewer = true
		}
	}
	return k
}

// Verify returns the principal whose key is key. It looks at every entry
// whatever it finds, so its timing does not depend on which key matched.
func (k *Keys) Verify(key string) (Principal, bool) {
	d := sha256.Sum256([]byte(key))
	var found Principal
	ok := 0
	for _, e := range k.entries {
		if subtle.ConstantTimeCompare(d[:], e.digest[:]) == 1 {
			found = e.principal
			ok = 1
		}
	}
	return found, ok == 1
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the authenticated principal of the request, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Require returns the authenticated principal or UNAUTHENTICATED.
func Require(ctx context.Context) (Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return Principal{}, apierr.Unauthenticatedf("this method needs a bearer key (Authorization: Bearer <key>)")
	}
	return p, nil
}

// bearer extracts the key from the request's authorization metadata. The
// gateway forwards the HTTP Authorization header under the same name.
func bearer(ctx context.Context) (key string, present bool, err error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) == 0 {
		return "", false, nil
	}
	if len(vals) > 1 {
		return "", true, apierr.Unauthenticatedf("more than one authorization header")
	}
	key, ok := ParseBearer(vals[0])
	if !ok {
		return "", true, apierr.Unauthenticatedf("authorization: want \"Bearer <key>\"")
	}
	return key, true, nil
}

// ParseBearer returns the key of an Authorization value "Bearer <key>".
func ParseBearer(authorization string) (key string, ok bool) {
	scheme, key, ok := strings.Cut(authorization, " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "bearer") || key == "" {
		return "", false
	}
	return key, true
}

// IsInternal reports whether key is the internal key. The REST edge asks,
// to refuse it: the internal key acts for every owner, so it must never
// be usable from where the public reaches.
func (k *Keys) IsInternal(key string) bool {
	p, ok := k.Verify(key)
	return ok && p.Internal
}

// InternalListener marks the connections l accepts as the parts' own: the
// internal key is accepted only on them. A process serves its in-process
// connection and, in a split deployment, --internal-grpc-addr this way;
// its public gRPC port refuses the key, so a leaked internal key is no
// master key to anyone who can reach only the public ports.
func InternalListener(l net.Listener) net.Listener { return internalListener{l} }

type internalListener struct{ net.Listener }

func (l internalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return internalConn{c}, nil
}

type internalConn struct{ net.Conn }

// LocalAddr is what gRPC records as the peer's local address, the only
// trace of the listener a call came in on that reaches an interceptor.
func (c internalConn) LocalAddr() net.Addr { return internalAddr{c.Conn.LocalAddr()} }

type internalAddr struct{ net.Addr }

// InternalAddr marks a as the local address of an internal listener, for a
// call made in process without one (rpc.Server.InProcess) that is the
// parts' own as a call over the in-process listener is.
func InternalAddr(a net.Addr) net.Addr { return internalAddr{a} }

func viaInternalListener(ctx context.Context) bool {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return false
	}
	_, ok = p.LocalAddr.(internalAddr)
	return ok
}

// authenticate puts the request's principal into ctx. A bad key is refused
// even on a public method: a caller who sent one expects it to count.
func (k *Keys) authenticate(ctx context.Context, fullMethod string, p *Policy) (context.Context, error) {
	key, present, err := bearer(ctx)
	if err != nil {
		return nil, err
	}
	if present {
		pr, ok := k.Verify(key)
		if !ok {
			return nil, apierr.Unauthenticatedf("unknown bearer key")
		}
		// Refused as an unknown key would be: to a caller on a public
		// listener the internal key is no key at all, and saying more
		// would confirm a guess.
		if pr.Internal && !viaInternalListener(ctx) {
			return nil, apierr.Unauthenticatedf("unknown bearer key")
		}
		return WithPrincipal(ctx, pr), nil
	}
	if !p.Public(fullMethod) {
		return nil, apierr.Unauthenticatedf("%s needs a bearer key (Authorization: Bearer <key>)", methodName(fullMethod))
	}
	return ctx, nil
}

func methodName(fullMethod string) string {
	if i := strings.LastIndexByte(fullMethod, '/'); i >= 0 {
		return fullMethod[i+1:]
	}
	return fullMethod
}

// UnaryInterceptor authenticates unary calls.
func (k *Keys) UnaryInterceptor(p *Policy) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := k.authenticate(ctx, info.FullMethod, p)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamInterceptor authenticates streaming calls.
func (k *Keys) StreamInterceptor(p *Policy) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := k.authenticate(ss.Context(), info.FullMethod, p)
		if err != nil {
			return err
		}
		return handler(srv, &wrappedStream{ServerStream: ss, ctx: ctx})
	}
}

type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w *wrappedStream) Context() context.Context { return w.ctx }

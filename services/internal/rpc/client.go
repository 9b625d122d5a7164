package rpc

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/test/bufconn"

	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/consistency"
	"github.com/stemma-registry/stemma/services/internal/requestid"
)

// Target says where a part's gRPC server is: in this process (Local) or at
// one or more addresses, one per replica.
type Target struct {
	Local *bufconn.Listener
	Addrs []string
	// Key, if set, is sent as the bearer key of every call: the internal
	// key, for calls between services.
	Key string
	// MaxMsgBytes bounds the messages the client sends and receives.
	MaxMsgBytes int
	// Policy marks the methods whose calls are reads, safe to retry.
	Policy *auth.Policy
	// TLS, when set, secures the connection.
	TLS *tls.Config
	// StatsHandler, when set, sees every call: the tracing client
	// handler, which sends the caller's trace along.
	StatsHandler stats.Handler
}

var resolverSeq atomic.Int64

// Dial returns a client connection to the target. With several addresses,
// calls are spread over them round robin and a replica that goes away is
// left out until it is back. Reads (the policy's public methods) that fail
// with UNAVAILABLE are retried on another replica; writes only when their
// request carries a request_id (see retryWrites).
func Dial(t Target) (*grpc.ClientConn, error) {
	creds := insecure.NewCredentials()
	if t.TLS != nil {
		creds = credentials.NewTLS(t.TLS)
	}
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultServiceConfig(serviceConfig(t.Policy)),
		grpc.WithChainUnaryInterceptor(clientUnary(t.Policy)...),
		grpc.WithChainStreamInterceptor(requestid.StreamClientInterceptor(), consistency.StreamClientInterceptor()),
	}
	if t.MaxMsgBytes > 0 {
		opts = append(opts, grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(t.MaxMsgBytes), grpc.MaxCallSendMsgSize(t.MaxMsgBytes)))
	}
	if t.Key != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(bearerCreds(t.Key)))
	}
	if t.StatsHandler != nil {
		opts = append(opts, grpc.WithStatsHandler(t.StatsHandler))
	}
	if t.Local != nil {
		opts = append(opts, grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return t.Local.DialContext(ctx)
		}))
		return grpc.NewClient("passthrough:///in-process", opts...)
	}
	if len(t.Addrs) == 0 {
		return nil, fmt.Errorf("rpc: no address")
	}
	scheme := fmt.Sprintf("stemma-replicas-%d", resolverSeq.Add(1))
	r := manual.NewBuilderWithScheme(scheme)
	addrs := make([]resolver.Address, len(t.Addrs))
	for i, a := range t.Addrs {
		addrs[i] = resolver.Address{Addr: a}
	}
	r.InitialState(resolver.State{Addresses: addrs})
	opts = append(opts, grpc.WithResolvers(r))
	return grpc.NewClient(scheme+":///"+strings.Join(t.Addrs, ","), opts...)
}

// clientUnary is the unary interceptor chain of every client: the request
// id and the consistency token passed on, writes with a request_id retried.
func clientUnary(p *auth.Policy) []grpc.UnaryClientInterceptor {
	return []grpc.UnaryClientInterceptor{requestid.UnaryClientInterceptor(), consistency.UnaryClientInterceptor(), retryWrites(p)}
}

// serviceConfig returns the gRPC service config: round robin over the
// replicas, and a retry policy for every read method.
func serviceConfig(p *auth.Policy) string {
	type name struct {
		Service string `json:"service"`
		Method  string `json:"method"`
	}
	var reads []name
	if p != nil {
		for full, public := range p.Methods() {
			if !public {
				continue
			}
			svc, method, _ := strings.Cut(strings.TrimPrefix(full, "/"), "/")
			reads = append(reads, name{svc, method})
		}
	}
	sort.Slice(reads, func(i, j int) bool {
		return reads[i].Service+reads[i].Method < reads[j].Service+reads[j].Method
	})
	cfg := map[string]any{
		"loadBalancingConfig": []any{map[string]any{"round_robin": map[string]any{}}},
	}
	if len(reads) > 0 {
		cfg["methodConfig"] = []any{map[string]any{
			"name": reads,
			"retryPolicy": map[string]any{
				"maxAttempts":          4,
				"initialBackoff":       "0.05s",
				"maxBackoff":           "0.5s",
				"backoffMultiplier":    2,
				"retryableStatusCodes": []string{"UNAVAILABLE"},
			},
		}}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // a fixed shape of maps and strings always marshals
	}
	return string(b)
}

type bearerCreds string

func (k bearerCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(k)}, nil
}

// RequireTransportSecurity is false: the internal key also travels over the
// in-process connection and over loopback in development; deployments that
// cross a network configure TLS (--tls-cert, --tls-ca).
func (bearerCreds) RequireTransportSecurity() bool { return false }

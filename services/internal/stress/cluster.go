package stress

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/testenv"
	"github.com/stemma-registry/stemma/services/internal/testproc"
)

// The principals of a cluster: alice and bob write, root is an admin.
const (
	AliceKey    = "stress-key-alice-0001"
	BobKey      = "stress-key-bob-000002"
	RootKey     = "stress-key-root-00003"
	InternalKey = "3d8f1b6e9a2c5f0d7b4e1a8c6f3d0b9e5a2c7f4d1b8e6a3c0f9d5b2e7a4c1f8d"
)

// Cluster is the suite run as an operator would run it, every part its own
// process, with a PostgreSQL, a streaming read replica of it and a Redis
// Cluster (three masters, three replicas) of its own: the harness may kill
// and restart any of them.
type Cluster struct {
	Postgres *testenv.PostgresServer
	// Replica is a hot standby of Postgres that the catalog and lineage
	// replicas read from (--database-read-url).
	Replica  *testenv.PostgresServer
	Redis    *testenv.RedisCluster
	Licences *testproc.Process
	Catalog  []*testproc.Process
	Lineage  []*testproc.Process
	Gateways []*testproc.Process
	// Hooks receives the webhooks of subscriptions; the lineage replicas'
	// allow-list (--webhook-allow) admits it and nothing else.
	Hooks *Receiver
}

// MaxReplicaLag is the lag past which the services stop reading from the
// replica: the lag fault pauses its replay for longer.
const MaxReplicaLag = time.Second

// Replicas says how many processes of each replicated part to run.
type Replicas struct {
	Catalog, Lineage, Gateways int
}

// StartCluster starts PostgreSQL and the Redis Cluster, then the licences service, the
// catalog and lineage replicas and the gateways, each finding the others
// through address lists. STEMMA_BIN, when set, is the binary to run;
// otherwise one is built. Everything stops when the test ends, also when
// it fails.
func StartCluster(t testing.TB, r Replicas) *Cluster {
	t.Helper()
	c := &Cluster{Postgres: testenv.StartPostgres(t), Redis: testenv.StartRedisCluster(t), Hooks: StartReceiver(t)}
	c.Replica = c.Postgres.StartReplica()
	bin := getenvBin()
	common := []string{
		"STEMMA_API_KEYS=alice=" + AliceKey + ",bob=" + BobKey + ",root=" + RootKey,
		"STEMMA_ADMINS=root",
		"STEMMA_INTERNAL_KEY=" + InternalKey,
		// The harness measures the suite, not the limiter (the access
		// tests do that); its anonymous reads come from one address
		// standing for many clients.
		"STEMMA_RATE_LIMIT=0",
		"STEMMA_ANONYMOUS_RATE_LIMIT=0",
		"STEMMA_LOG_LEVEL=info",
		"STEMMA_SHUTDOWN_TIMEOUT=20s",
	}
	stores := append([]string{
		"STEMMA_DATABASE_URL=" + c.Postgres.URL(),
		"STEMMA_DATABASE_READ_URL=" + c.Replica.URL(),
		"STEMMA_DATABASE_MAX_REPLICA_LAG=" + MaxReplicaLag.String(),
		"STEMMA_REDIS_URL=" + c.Redis.URL(),
	}, common...)
	start := func(name, target string, env []string, addrs map[string]string) *testproc.Process {
		var flags []string
		for _, part := range []string{"licences", "catalog", "lineage"} {
			if a := addrs[part]; a != "" {
				flags = append(flags, "--"+part+"-addr="+a)
			}
		}
		return testproc.Start(t, testproc.Options{
			Name: name, Binary: bin, Flags: append([]string{"--target=" + target}, flags...), Env: env,
			Internal: target != "gateway",
		})
	}
	c.Licences = start("licences", "licences", common, nil)
	// The parts find each other on their internal listeners, the only
	// ports taking the internal key, as deploy/ wires them.
	addrs := map[string]string{"licences": c.Licences.InternalGRPCAddr}
	for i := range r.Catalog {
		c.Catalog = append(c.Catalog, start(fmt.Sprintf("catalog-%d", i+1), "catalog", stores, addrs))
	}
	addrs["catalog"] = internalAddrs(c.Catalog)
	lineage := append([]string{"STEMMA_WEBHOOK_ALLOW=" + c.Hooks.Addr}, stores...)
	for i := range r.Lineage {
		c.Lineage = append(c.Lineage, start(fmt.Sprintf("lineage-%d", i+1), "lineage", lineage, addrs))
	}
	addrs["lineage"] = internalAddrs(c.Lineage)
	for i := range r.Gateways {
		c.Gateways = append(c.Gateways, start(fmt.Sprintf("gateway-%d", i+1), "gateway", common, addrs))
	}
	t.Cleanup(func() {
		if t.Failed() {
			c.saveLogs(t)
		}
	})
	return c
}

// saveLogs writes every process's log to a folder that outlives the test,
// for the diagnosis of a failed run.
func (c *Cluster) saveLogs(t testing.TB) {
	dir, err := os.MkdirTemp("", "stemma-stress-logs-")
	if err != nil {
		t.Log(err)
		return
	}
	for _, p := range c.Processes() {
		if err := os.WriteFile(filepath.Join(dir, p.Name()+".log"), []byte(p.Log()), 0o644); err != nil {
			t.Log(err)
		}
	}
	t.Logf("the processes' logs are in %s (PostgreSQL's: %s, its replica's: %s)", dir, c.Postgres.LogFile(), c.Replica.LogFile())
}

func grpcAddrs(ps []*testproc.Process) string {
	return joinAddrs(ps, func(p *testproc.Process) string { return p.GRPCAddr })
}

func internalAddrs(ps []*testproc.Process) string {
	return joinAddrs(ps, func(p *testproc.Process) string { return p.InternalGRPCAddr })
}

func joinAddrs(ps []*testproc.Process, addr func(*testproc.Process) string) string {
	a := make([]string, len(ps))
	for i, p := range ps {
		a[i] = addr(p)
	}
	return strings.Join(a, ",")
}

// CatalogAddrs returns the catalog replicas' gRPC addresses, comma-separated.
func (c *Cluster) CatalogAddrs() string { return grpcAddrs(c.Catalog) }

// LineageAddrs returns the lineage replicas' gRPC addresses, comma-separated.
func (c *Cluster) LineageAddrs() string { return grpcAddrs(c.Lineage) }

// Processes returns every stemma process of the cluster.
func (c *Cluster) Processes() []*testproc.Process {
	ps := []*testproc.Process{c.Licences}
	ps = append(ps, c.Catalog...)
	ps = append(ps, c.Lineage...)
	return append(ps, c.Gateways...)
}

// getenvBin returns the stemma binary the harness runs: STEMMA_BIN (`make
// stress` passes bin/stemma), or "" to build one.
func getenvBin() string { return os.Getenv("STEMMA_BIN") }

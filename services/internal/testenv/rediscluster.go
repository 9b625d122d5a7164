package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// NodeTimeout is the cluster-node-timeout of the clusters tests start:
// a master that does not answer for this long is marked failed and its
// replica promoted. Low, so that a failover takes a second or two rather
// than the default's fifteen.
const NodeTimeout = 1000 * time.Millisecond

// RedisCluster is a Redis Cluster of a test's own: three masters and three
// replicas, each a redis-server on a free loopback port, made with
// `redis-cli --cluster create`. The test may kill any node.
type RedisCluster struct {
	t     testing.TB
	Nodes []*RedisServer
}

// StartRedisCluster starts six cluster nodes, joins them into a cluster of
// three masters each with one replica, waits until every node reports
// cluster_state:ok and every replica is in sync, and kills them all when
// the test ends.
func StartRedisCluster(t testing.TB) *RedisCluster {
	t.Helper()
	for _, p := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(p); err != nil {
			Unavailable(t, p, err)
		}
	}
	c := &RedisCluster{t: t}
	addrs := make([]string, 6)
	for i := range addrs {
		dir := t.TempDir()
		s := &RedisServer{t: t, Port: FreePort(t)}
		// Killed before its folder is removed (cleanups run last first).
		t.Cleanup(s.Stop)
		// The bus port is the client port + 10000 unless set: past
		// 65535 for most free ports.
		s.args = []string{"--dir", dir, "--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(FreePort(t)),
			"--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", strconv.FormatInt(NodeTimeout.Milliseconds(), 10),
			// A cache is better served by the slots that are up than by
			// none while one master fails over (docs/operations.md).
			"--cluster-require-full-coverage", "no"}
		s.Start()
		c.Nodes = append(c.Nodes, s)
		addrs[i] = s.Addr()
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	out, err := exec.Command("redis-cli", append(args, "--cluster-replicas", "1", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	c.WaitHealthy()
	return c
}

// URL returns the cluster's URL, naming every node.
func (c *RedisCluster) URL() string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr()
	}
	return "redis://" + strings.Join(addrs, ",")
}

// Stop kills every node.
func (c *RedisCluster) Stop() {
	for _, n := range c.Nodes {
		n.Stop()
	}
}

// Start starts every stopped node again (each reads its nodes.conf and
// rejoins the cluster, its data gone) and waits until the cluster is
// healthy.
func (c *RedisCluster) Start() {
	c.t.Helper()
	for _, n := range c.Nodes {
		n.Start()
	}
	c.WaitHealthy()
}

// clusterNode is one line of CLUSTER NODES.
type clusterNode struct {
	addr           string
	master, failed bool
	slots          bool
}

// nodes returns the cluster's nodes as the first running node sees them.
func (c *RedisCluster) nodes(ctx context.Context) ([]clusterNode, error) {
	var lastErr error
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		client := redis.NewClient(&redis.Options{Addr: n.Addr(), MaxRetries: -1})
		text, err := client.ClusterNodes(ctx).Result()
		client.Close()
		if err != nil {
			lastErr = err
			continue
		}
		var ns []clusterNode
		for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
			f := strings.Fields(line)
			if len(f) < 8 {
				continue
			}
			addr, _, _ := strings.Cut(f[1], "@")
			flags := "," + f[2] + ","
			ns = append(ns, clusterNode{addr: addr, master: strings.Contains(flags, ",master,"),
				failed: strings.Contains(flags, "fail"), slots: len(f) > 8})
		}
		return ns, nil
	}
	return nil, fmt.Errorf("no running node answers CLUSTER NODES: %v", lastErr)
}

// Masters returns the running nodes that serve slots as masters.
func (c *RedisCluster) Masters() []*RedisServer {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ns, err := c.nodes(ctx)
	if err != nil {
		c.t.Fatalf("redis cluster: %v", err)
	}
	var ms []*RedisServer
	for _, n := range ns {
		if s := c.node(n.addr); n.master && n.slots && !n.failed && s != nil && s.Running() {
			ms = append(ms, s)
		}
	}
	return ms
}

func (c *RedisCluster) node(addr string) *RedisServer {
	for _, s := range c.Nodes {
		if s.Addr() == addr {
			return s
		}
	}
	return nil
}

// MasterOf returns the running master serving key's slot.
func (c *RedisCluster) MasterOf(key string) *RedisServer {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		client := redis.NewClient(&redis.Options{Addr: n.Addr(), MaxRetries: -1})
		slot, err := client.ClusterKeySlot(ctx, key).Result()
		var shards []redis.ClusterShard
		if err == nil {
			shards, err = client.ClusterShards(ctx).Result()
		}
		client.Close()
		if err != nil {
			continue
		}
		for _, sh := range shards {
			if !slices.ContainsFunc(sh.Slots, func(r redis.SlotRange) bool { return r.Start <= slot && slot <= r.End }) {
				continue
			}
			for _, m := range sh.Nodes {
				if s := c.node(net.JoinHostPort(m.IP, strconv.FormatInt(m.Port, 10))); m.Role == "master" && s != nil {
					return s
				}
			}
		}
	}
	c.t.Fatalf("redis cluster: no running master serves %q", key)
	return nil
}

// KillMasterOf kills the master serving key's slot with SIGKILL, as a
// crash would, and returns it; its replica is promoted once the others
// have not heard from it for NodeTimeout (WaitHealthy waits for that).
func (c *RedisCluster) KillMasterOf(key string) *RedisServer {
	c.t.Helper()
	m := c.MasterOf(key)
	m.Stop()
	return m
}

// WaitHealthy waits until every running node reports cluster_state:ok,
// three running masters, none marked failed, serve the slots, and every
// running replica is in sync with its master.
func (c *RedisCluster) WaitHealthy() {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := c.healthy()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("redis cluster not healthy after 60s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *RedisCluster) healthy() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ns, err := c.nodes(ctx)
	if err != nil {
		return err
	}
	masters := 0
	for _, n := range ns {
		s := c.node(n.addr)
		if n.master && n.slots {
			if n.failed || s == nil || !s.Running() {
				return fmt.Errorf("master %s serves slots but is down", n.addr)
			}
			masters++
		}
	}
	if masters != 3 {
		return fmt.Errorf("%d masters serve slots, want 3", masters)
	}
	for _, s := range c.Nodes {
		if !s.Running() {
			continue
		}
		client := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
		state, err := client.ClusterInfo(ctx).Result()
		info, err2 := client.Info(ctx, "replication").Result()
		client.Close()
		if err = errors.Join(err, err2); err != nil {
			return fmt.Errorf("%s: %w", s.Addr(), err)
		}
		if !strings.Contains(state, "cluster_state:ok") {
			return fmt.Errorf("%s: cluster state not ok", s.Addr())
		}
		if strings.Contains(info, "role:slave") && !strings.Contains(info, "master_link_status:up") {
			return fmt.Errorf("%s: replica not in sync with its master", s.Addr())
		}
	}
	return nil
}

package testenv

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
)

// The cluster a test starts serves every slot, and a killed master's
// replica takes over its slots.
func TestRedisClusterFailover(t *testing.T) {
	c := StartRedisCluster(t)
	if n := len(c.Masters()); n != 3 {
		t.Fatalf("%d masters, want 3", n)
	}
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{c.Nodes[0].Addr()}})
	defer client.Close()
	ctx := context.Background()
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, k := range keys {
		if err := client.Set(ctx, k, k, 0).Err(); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
	killed := c.KillMasterOf("a")
	c.WaitHealthy()
	for _, m := range c.Masters() {
		if m == killed {
			t.Fatal("the killed master still serves slots")
		}
	}
	// A client that asks the cluster for its slots now: ReloadState only
	// marks the old one's map stale, to be reloaded in the background, so
	// its next call could still go to the dead master.
	after := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{c.Masters()[0].Addr()}})
	defer after.Close()
	for _, k := range keys {
		if err := after.Set(ctx, k, k+"2", 0).Err(); err != nil {
			t.Errorf("set %s after the failover: %v", k, err)
		}
	}
	killed.Start()
	c.WaitHealthy()
}

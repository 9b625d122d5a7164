package stress

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Window is the span of one fault, in the run's time.
type Window struct {
	Name string
	// Start is when the fault was injected; Back when the part was back
	// and serving (restarted and healthy).
	Start, Back time.Duration
	// Failover marks the Redis master's kill, whose failure window the
	// report gives.
	Failover bool
	// Allows503 marks the fault whose 503 UNAVAILABLE answers are expected
	// (PostgreSQL down, and the recovery target after it).
	Allows503 bool
	// Kills are the instants a serving process was SIGKILLed: a request in
	// flight then that its client may not resend by itself (a write
	// without a request id, UpdateWork) ends UNAVAILABLE, its outcome
	// unknown, for the caller to retry.
	Kills []time.Duration
	// Note records what the fault showed besides the load's answers.
	Note string
	// Failed says what went wrong in the fault itself (a gateway that did
	// not exit 0), if anything.
	Failed string
}

// Plan is the fault schedule of a run.
type Plan struct {
	// Gap is the time between faults, and before the first.
	Gap          time.Duration
	RedisDown    time.Duration
	PostgresDown time.Duration
	CatalogDown  time.Duration
	// LineageDown is how long each lineage replica stays killed, one
	// after the other, so that whichever holds the events lease dies.
	LineageDown time.Duration
	// ReplicaDown is how long the read replica stays killed; ReplicaLag
	// how long its replay stays paused (longer than MaxReplicaLag).
	ReplicaDown, ReplicaLag time.Duration
	// Racers is the number of clients racing to add edges that would
	// close cycles, over RingSize works.
	Racers, RingSize int
}

// Faults injects the plan's faults into c while d's load runs, one after
// another, and returns their windows. It runs on the test's goroutine:
// restarts fail the test if a part does not come back.
func Faults(t *testing.T, c *Cluster, d *Driver, p Plan, race *RaceResult) []Window {
	t.Helper()
	var ws []Window
	fault := func(name string, inject func(w *Window)) {
		time.Sleep(p.Gap)
		w := Window{Name: name, Start: d.Since()}
		inject(&w)
		w.Back = d.Since()
		t.Logf("fault %q: %v to %v %s", name, w.Start.Round(time.Millisecond), w.Back.Round(time.Millisecond), w.Note)
		ws = append(ws, w)
	}
	fault("Redis master killed (SIGKILL), replica promoted", func(w *Window) {
		w.Failover = true
		// The master of the watch events' channel: its slot holds the
		// events as well as a third of the cache.
		killed := c.Redis.KillMasterOf("stemma:lineage:events")
		start := time.Now()
		c.Redis.WaitHealthy()
		promoted := time.Since(start)
		killed.Start() // back as a replica of the promoted one
		c.Redis.WaitHealthy()
		w.Note = fmt.Sprintf("(cluster healthy again %s after the kill; the old master rejoined as a replica)", seconds(promoted))
	})
	fault(fmt.Sprintf("Redis killed for %v (every node)", p.RedisDown), func(*Window) {
		c.Redis.Stop()
		time.Sleep(p.RedisDown)
		c.Redis.Start()
	})
	fault(fmt.Sprintf("PostgreSQL stopped for %v", p.PostgresDown), func(w *Window) {
		w.Allows503 = true
		c.Postgres.Stop()
		time.Sleep(p.PostgresDown)
		c.Postgres.Start()
	})
	fault(fmt.Sprintf("read replica killed (SIGKILL) for %v", p.ReplicaDown), func(w *Window) {
		before := c.ReadRouting(context.Background())
		c.Replica.Kill()
		time.Sleep(p.ReplicaDown)
		c.Replica.Start()
		w.Note = "(" + c.ReadRouting(context.Background()).Sub(before).String() + ")"
	})
	fault(fmt.Sprintf("read replica's replay paused for %v (lag)", p.ReplicaLag), func(w *Window) {
		before := c.ReadRouting(context.Background())
		c.Replica.PauseReplay()
		var lag time.Duration
		for end := time.Now().Add(p.ReplicaLag); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
			lag = max(lag, c.ReadRouting(context.Background()).MaxLag)
		}
		c.Replica.ResumeReplay()
		during := c.ReadRouting(context.Background()).Sub(before)
		// The services measure lag up to twice the bound: past it, the
		// replica is out either way.
		w.Note = fmt.Sprintf("(lag measured by the services: %s, their cap at twice the bound %s; %s)", seconds(lag), seconds(MaxReplicaLag), during)
	})
	fault(fmt.Sprintf("catalog-1 killed (SIGKILL) for %v", p.CatalogDown), func(w *Window) {
		w.Kills = append(w.Kills, d.Since())
		c.Catalog[0].Kill()
		time.Sleep(p.CatalogDown)
		c.Catalog[0].Restart()
	})
	// Every lineage replica in turn, so that the one holding the events
	// lease dies without giving it up, and every watch stream is cut. The
	// gap between them lets the clients' connection backoff find the
	// restarted one before its twin dies: two replicas, one down at a time.
	fault(fmt.Sprintf("each lineage replica killed (SIGKILL) for %v in turn, %v apart", p.LineageDown, p.Gap), func(w *Window) {
		for i, l := range c.Lineage {
			if i > 0 {
				time.Sleep(p.Gap)
			}
			w.Kills = append(w.Kills, d.Since())
			l.Kill()
			time.Sleep(p.LineageDown)
			l.Restart()
		}
	})
	fault("gateway-1 sent SIGTERM", func(w *Window) {
		gw := d.Vias[0]
		// Out of the rotation first, as a load balancer takes a pod out
		// before it is told to stop; what is in flight must still finish.
		gw.draining.Store(true)
		time.Sleep(20 * time.Millisecond)
		inflight := gw.inflight.Load()
		code := c.Gateways[0].Signal(syscall.SIGTERM, 30*time.Second)
		w.Note = fmt.Sprintf("(exit code %d, %d requests in flight at SIGTERM)", code, inflight)
		if code != 0 {
			w.Failed = fmt.Sprintf("gateway-1 exited with %d after SIGTERM, want 0", code)
		}
		c.Gateways[0].Restart()
		gw.draining.Store(false)
	})
	fault(fmt.Sprintf("%d clients racing to close cycles", p.Racers), func(w *Window) {
		*race = CycleRace(context.Background(), d, p.Racers, p.RingSize)
		w.Note = race.String()
	})
	time.Sleep(p.Gap)
	return ws
}

// RaceResult is what the cycle race got back.
type RaceResult struct {
	Attempts, Accepted, Cycles, Duplicates int
	// LostRaces counts refusals because the write lost every retry to
	// concurrent ones (ABORTED: nothing written, try again).
	LostRaces int
	// Others lists answers that were neither an acceptance nor a refusal
	// for a cycle or a duplicate.
	Others []string
}

func (r RaceResult) String() string {
	return fmt.Sprintf("(%d edges tried at once: %d accepted, %d refused as cycles, %d as duplicates, %d as lost races, %d other answers)",
		r.Attempts, r.Accepted, r.Cycles, r.Duplicates, r.LostRaces, len(r.Others))
}

// CycleRace makes a ring of works and has racers clients add, all at once
// and through every way in, the edges of the ring in both directions:
// every edge but one of the ring closes a cycle with the others, and
// every reversed edge closes one with its forward twin. The graph must
// stay acyclic whatever wins (Check verifies it against the store).
func CycleRace(ctx context.Context, d *Driver, racers, ring int) RaceResult {
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	var works []string
	for i := range ring {
		name, ok := d.CreateWork(ctx, rng, "alice", AliceKey, fmt.Sprintf("%s-ring-%d", d.RunID, i))
		if !ok {
			return RaceResult{Others: []string{"could not create the ring's works"}}
		}
		works = append(works, name)
	}
	var (
		mu  sync.Mutex
		res RaceResult
		wg  sync.WaitGroup
	)
	startGun := make(chan struct{})
	for i := range racers {
		from, to := i%ring, (i+1)%ring
		if (i/ring)%2 == 1 {
			from, to = to, from
		}
		v := d.Vias[i%len(d.Vias)]
		c := Call{Query: url.Values{"requestId": {fmt.Sprintf("%s-race-%d", d.RunID, i)}, "allowConflict": {"true"}},
			Token: newer(d.Ledger.token(works[from]), d.Ledger.token(works[to])),
			Body:  `{"derivative":"` + works[from] + `","source":"` + works[to] + `","relation":"RELATION_ADAPTATION"}`}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			a := v.call(ctx, d.routes["CreateDerivation"], c, AliceKey)
			mu.Lock()
			defer mu.Unlock()
			res.Attempts++
			switch {
			case a.Outcome == OK:
				res.Accepted++
				var got struct{ Name string }
				if json.Unmarshal(a.Body, &got) == nil {
					d.Ledger.addDerivation(LedgerDerivation{Name: got.Name, Derivative: works[from], Source: works[to], Owner: "alice", Attempts: 1}, a.Token)
				}
			case a.Outcome == LostRace:
				res.LostRaces++
			case a.Outcome == ClientError && strings.Contains(a.Detail, "(CYCLE)"):
				res.Cycles++
			case a.Outcome == ClientError && (strings.Contains(a.Detail, "409") || strings.Contains(a.Detail, "AlreadyExists")):
				res.Duplicates++
			default:
				res.Others = append(res.Others, fmt.Sprintf("%s via %s: %v %s", c.Body, v.Name, a.Outcome, a.Detail))
			}
		}()
	}
	close(startGun)
	wg.Wait()
	return res
}

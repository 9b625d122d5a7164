package lineageservice

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"
	"google.golang.org/grpc/peer"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/watch"
)

// sharedWalkTimeout bounds a walk that serves several watchers.
const sharedWalkTimeout = 10 * time.Second

// watchLimits counts open watch streams per client and in all. A stream
// holds a subscription (a buffer of watch.Buffer events) and, with
// descendants, costs a walk per event, so one client opening thousands
// would hold memory and make every write walk the graph for each.
type watchLimits struct {
	perClient, total int // zero: no bound

	mu   sync.Mutex
	open map[string]int
	all  int
}

func newWatchLimits(perClient, total int) *watchLimits {
	return &watchLimits{perClient: perClient, total: total, open: map[string]int{}}
}

// acquire counts a new stream of the client, or refuses it with
// RESOURCE_EXHAUSTED; release must follow an acquire that succeeded.
func (l *watchLimits) acquire(client string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total > 0 && l.all >= l.total {
		return apierr.Exhausted("WATCH_CAPACITY", "this server already serves %d watch streams, its bound; retry later or on another replica", l.all)
	}
	if l.perClient > 0 && l.open[client] >= l.perClient {
		return apierr.Exhausted("TOO_MANY_WATCHES", "%s already holds %d watch streams, the bound per client; close one, or watch several works in one stream", client, l.open[client])
	}
	l.open[client]++
	l.all++
	return nil
}

func (l *watchLimits) release(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all--
	if l.open[client]--; l.open[client] <= 0 {
		delete(l.open, client)
	}
}

// watchClient names the caller a watch stream is counted against: its
// principal, or for an anonymous caller its address.
func (s *Service) watchClient(ctx context.Context) string {
	if p, ok := auth.FromContext(ctx); ok {
		return "principal " + p.Name
	}
	if s.ClientAddr != nil {
		return "address " + s.ClientAddr(ctx)
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		if host, _, err := net.SplitHostPort(p.Addr.String()); err == nil {
			return "address " + host
		}
		return "address " + p.Addr.String()
	}
	return "address unknown"
}

// eventWalks shares the ancestry walk an event needs among every
// descendant watcher of this process: each watcher receives the event on
// its own goroutine, and without sharing a write watched by a thousand
// streams would walk the graph a thousand times. Walks in flight are
// joined (singleflight); finished ones are kept for the last recent
// events, since watchers that fell a little behind ask after the first
// walk has ended.
type eventWalks struct {
	group singleflight.Group
	walks prometheus.Counter

	mu     sync.Mutex
	done   map[string]*graph.Closure
	recent []string // keys of done, oldest first
}

// recentWalks is how many events' walks are kept. Watchers rarely lag
// far; each kept closure may hold --max-closure works, so keeping one per
// event of watch.Buffer could hold millions. A watcher further behind
// walks again, through the closure cache.
const recentWalks = 32

func newEventWalks(reg prometheus.Registerer) (*eventWalks, error) {
	w := &eventWalks{
		done: map[string]*graph.Closure{},
		walks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "stemma_lineage_watch_walks_total",
			Help: "Ancestry walks made for descendant watchers, one per event however many watch it.",
		}),
	}
	if reg != nil {
		if err := reg.Register(w.walks); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
			w.walks = are.ExistingCollector.(prometheus.Counter)
		}
	}
	return w, nil
}

func eventKey(e watch.Event) string {
	return fmt.Sprintf("%d/%s/%d", e.Type, e.Derivation.ID, e.Time.UnixNano())
}

func (w *eventWalks) cached(key string) (*graph.Closure, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.done[key]
	return c, ok
}

// eventAncestors returns the closure up from an event's source, walking it at
// most once per event in this process.
func (s *Service) eventAncestors(ctx context.Context, e watch.Event) (*graph.Closure, error) {
	key := eventKey(e)
	if c, ok := s.walks.cached(key); ok {
		return c, nil
	}
	v, err, _ := s.walks.group.Do(key, func() (any, error) {
		if c, ok := s.walks.cached(key); ok {
			return c, nil
		}
		// The walk serves every watcher waiting on it, so the first one
		// leaving must not cancel it; it is bounded on its own.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedWalkTimeout)
		defer cancel()
		s.walks.walks.Inc()
		a, err := s.ancestry(wctx, graph.Walk{Root: e.Derivation.Source, Direction: graph.Up, MaxDepth: s.MaxDepth, MaxNodes: s.MaxClosure}, false)
		if err != nil {
			return nil, err
		}
		s.walks.mu.Lock()
		defer s.walks.mu.Unlock()
		s.walks.done[key] = a.closure
		s.walks.recent = append(s.walks.recent, key)
		if len(s.walks.recent) > recentWalks {
			delete(s.walks.done, s.walks.recent[0])
			s.walks.recent = s.walks.recent[1:]
		}
		return a.closure, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*graph.Closure), nil
}

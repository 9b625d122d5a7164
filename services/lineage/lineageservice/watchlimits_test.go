package lineageservice_test

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// Watch streams are bounded per principal and in all; a closed stream
// frees its place.
func TestWatchLimits(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.WatchesPerClient, cfg.MaxWatches = 2, 3
	s := start(t, cfg)
	a := s.work(t, apptest.AliceKey, "a", "TEXT", "CC0-1.0")
	req := &lineagev1.WatchDerivationsRequest{Works: []string{a}}

	first := watchAs(t, alice, s.lineage, req)
	watchAs(t, alice, s.lineage, req)
	grpcCode(t, "alice's third watch", watchErr(alice, s.lineage, req), codes.ResourceExhausted, "TOO_MANY_WATCHES")
	// Bob is another client: his first watch fits the total...
	watchAs(t, bob, s.lineage, req)
	// ...which is now full, whoever asks.
	grpcCode(t, "root's watch past the total", watchErr(root, s.lineage, req), codes.ResourceExhausted, "WATCH_CAPACITY")
	grpcCode(t, "anonymous watch past the total", watchErr(anyone, s.lineage, req), codes.ResourceExhausted, "WATCH_CAPACITY")

	// Closing a stream frees its place (the server notices shortly).
	first.cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := watchErr(alice, s.lineage, req)
		if code := status.Code(err); code == codes.DeadlineExceeded {
			break // accepted, and nothing to send
		} else if code != codes.ResourceExhausted || time.Now().After(deadline) {
			t.Fatalf("alice's watch after closing one: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type openWatch struct {
	stream lineagev1.LineageService_WatchDerivationsClient
	cancel context.CancelFunc
}

// watchAs opens a watch as the caller of ctx and waits for its headers.
func watchAs(t *testing.T, ctx context.Context, client lineagev1.LineageServiceClient, req *lineagev1.WatchDerivationsRequest) openWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	stream, err := client.WatchDerivations(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatalf("watch: %v", err)
	}
	return openWatch{stream, cancel}
}

// Many descendant watchers of one work cost one ancestry walk per event,
// not one each.
func TestWatchWalksShared(t *testing.T) {
	s := start(t, apptest.Config(t))
	k := apptest.AliceKey
	a := s.work(t, k, "a", "TEXT", "CC0-1.0")
	b := s.work(t, k, "b", "TEXT", "CC0-1.0")
	c := s.work(t, k, "c", "TEXT", "CC0-1.0")
	s.derive(t, k, b, a, "ADAPTATION", "")
	before := metric(t, s, "stemma_lineage_watch_walks_total")

	const watchers = 12
	req := &lineagev1.WatchDerivationsRequest{Works: []string{a}, IncludeDescendants: true}
	streams := make([]<-chan event, watchers)
	for i := range streams {
		ctx := alice
		if i%2 == 1 {
			ctx = bob // two principals, within the per-client bound
		}
		streams[i] = events(watchAs(t, ctx, s.lineage, req).stream)
	}
	// c derives from b: b is not watched, so each watcher must walk up
	// from b to find a.
	s.derive(t, k, c, b, "ADAPTATION", "")
	// Each stream's events are buffered as they come: reading them one
	// stream after another does not serialise the watchers.
	for _, st := range streams {
		if e := next(t, st); e.GetWatchedWork() != a {
			t.Errorf("event for %s; want %s", e.GetWatchedWork(), a)
		}
	}
	if got := metric(t, s, "stemma_lineage_watch_walks_total") - before; got != 1 {
		t.Fatalf("%d watchers of one event made %v walks; want 1", watchers, got)
	}
}

// metric reads a counter from the instance's /metrics.
func metric(t *testing.T, s *suite, name string) float64 {
	t.Helper()
	resp, err := http.Get(s.BaseURL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return 0
}

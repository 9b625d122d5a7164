package lineageservice_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// watch opens a gRPC watch and waits until the server has subscribed.
func watch(t *testing.T, client lineagev1.LineageServiceClient, req *lineagev1.WatchDerivationsRequest) lineagev1.LineageService_WatchDerivationsClient {
	t.Helper()
	ctx, cancel := context.WithCancel(alice)
	t.Cleanup(cancel)
	stream, err := client.WatchDerivations(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatalf("watch %v: %v", req.GetWorks(), err)
	}
	return stream
}

// watchErr opens a watch and returns how it failed within a few seconds:
// the error of its headers or first message, or DeadlineExceeded if it
// was accepted and sent nothing.
func watchErr(ctx context.Context, client lineagev1.LineageServiceClient, req *lineagev1.WatchDerivationsRequest) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	stream, err := client.WatchDerivations(ctx, req)
	if err != nil {
		return err
	}
	if _, err := stream.Header(); err != nil {
		return err
	}
	_, err = stream.Recv()
	return err
}

type event struct {
	msg *lineagev1.WatchDerivationsResponse
	err error
}

// events receives a stream's events on a channel.
func events(stream lineagev1.LineageService_WatchDerivationsClient) <-chan event {
	c := make(chan event, 16)
	go func() {
		for {
			msg, err := stream.Recv()
			c <- event{msg, err}
			if err != nil {
				return
			}
		}
	}()
	return c
}

func next(t *testing.T, c <-chan event) *lineagev1.WatchDerivationsResponse {
	t.Helper()
	select {
	case e := <-c:
		if e.err != nil {
			t.Fatalf("watch ended: %v", e.err)
		}
		return e.msg
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return nil
}

func nothing(t *testing.T, c <-chan event) {
	t.Helper()
	select {
	case e := <-c:
		t.Fatalf("unexpected event %v, %v", e.msg, e.err)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestWatch(t *testing.T) {
	s := start(t, apptest.Config(t))
	k := apptest.AliceKey
	a := s.work(t, k, "a", "TEXT", "CC0-1.0")
	b := s.work(t, k, "b", "TEXT", "CC0-1.0")
	c := s.work(t, k, "c", "TEXT", "CC0-1.0")
	other := s.work(t, k, "other", "TEXT", "CC0-1.0")
	direct := events(watch(t, s.lineage, &lineagev1.WatchDerivationsRequest{Works: []string{a}}))
	deep := events(watch(t, s.lineage, &lineagev1.WatchDerivationsRequest{Works: []string{a}, IncludeDescendants: true}))

	ba := s.derive(t, k, b, a, "ADAPTATION", "")
	for _, c := range []<-chan event{direct, deep} {
		e := next(t, c)
		if e.GetType() != lineagev1.WatchDerivationsResponse_TYPE_CREATED || e.GetDerivation().GetName() != ba.GetName() ||
			e.GetWatchedWork() != a || e.GetEventTime() == nil {
			t.Fatalf("event = %v", e)
		}
	}
	// c derives from b, a descendant of a: only the deep watcher hears.
	cb := s.derive(t, k, c, b, "TRANSLATION", "")
	if e := next(t, deep); e.GetDerivation().GetName() != cb.GetName() || e.GetWatchedWork() != a {
		t.Fatalf("deep event = %v", e)
	}
	nothing(t, direct)
	s.derive(t, k, c, other, "REMIX", "")
	nothing(t, deep)
	if _, err := s.lineage.DeleteDerivation(alice, &lineagev1.DeleteDerivationRequest{Name: cb.GetName()}); err != nil {
		t.Fatal(err)
	}
	if e := next(t, deep); e.GetType() != lineagev1.WatchDerivationsResponse_TYPE_DELETED || e.GetDerivation().GetName() != cb.GetName() {
		t.Fatalf("deletion event = %v", e)
	}

	t.Run("over REST, as newline-delimited JSON", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		lines := ndjson(t, ctx, s, "/v1/derivations:watch?works="+b, "")
		// The REST response starts with the first event, so record
		// derivations until one arrives.
		for i := 0; ; i++ {
			d := s.work(t, k, "rest-"+string(rune('a'+i)), "TEXT", "CC0-1.0")
			s.derive(t, k, d, b, "REMIX", "")
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatal("the REST watch ended")
				}
				var chunk struct{ Result json.RawMessage }
				var e lineagev1.WatchDerivationsResponse
				if err := json.Unmarshal(line, &chunk); err != nil || protojson.Unmarshal(chunk.Result, &e) != nil ||
					e.GetWatchedWork() != b || e.GetDerivation().GetSource() != b {
					t.Fatalf("REST event %s", line)
				}
				return
			case <-time.After(300 * time.Millisecond):
				if i > 20 {
					t.Fatal("no REST event")
				}
			}
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		for _, req := range []*lineagev1.WatchDerivationsRequest{{}, {Works: []string{"works/ghost"}}, {Works: []string{"nope"}}} {
			stream, err := s.lineage.WatchDerivations(context.Background(), req)
			if err == nil {
				_, err = stream.Recv()
			}
			if code := status.Code(err); code != codes.InvalidArgument && code != codes.NotFound {
				t.Errorf("watch %v: %v", req.GetWorks(), err)
			}
		}
	})
}

// A descendant watch needs a key, over gRPC and REST; the plain watch
// stays public.
func TestWatchDescendantsNeedsKey(t *testing.T) {
	s := start(t, apptest.Config(t))
	a := s.work(t, apptest.AliceKey, "a", "TEXT", "CC0-1.0")
	// A refusal must come at once: were the watch accepted, Recv would
	// wait for an event, so the deadline turns that into a quick failure.
	if err := watchErr(anyone, s.lineage, &lineagev1.WatchDerivationsRequest{Works: []string{a}, IncludeDescendants: true}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("anonymous gRPC descendant watch: %v", err)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	resp, err := hc.Get(s.BaseURL() + "/v1/derivations:watch?includeDescendants=true&works=" + a)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous REST descendant watch: %s", resp.Status)
	}
}

// Shutdown ends watch streams, so that the server drains.
func TestWatchEndsAtShutdown(t *testing.T) {
	s := start(t, apptest.Config(t))
	a := s.work(t, apptest.AliceKey, "a", "TEXT", "CC0-1.0")
	c := events(watch(t, s.lineage, &lineagev1.WatchDerivationsRequest{Works: []string{a}}))
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop() }()
	select {
	case e := <-c:
		if e.err == nil {
			t.Fatalf("event %v at shutdown", e.msg)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("the watch did not end at shutdown")
	}
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

// Two lineage replicas on one PostgreSQL and one Redis: a derivation
// recorded through one reaches a watcher of the other, and a closure
// cached in Redis by one is not served stale after the other adds an edge.
func TestReplicas(t *testing.T) {
	_, start, _ := replicas(t)
	replica := func() (*suite, lineagev1.LineageServiceClient) {
		r := start(nil)
		return r, r.lineage
	}
	one, oneClient := replica()
	_, twoClient := replica()
	k := apptest.AliceKey
	a := one.work(t, k, "a", "TEXT", "CC0-1.0")
	b := one.work(t, k, "b", "TEXT", "CC0-1.0")
	c := one.work(t, k, "c", "TEXT", "CC0-1.0")
	one.derive(t, k, b, a, "ADAPTATION", "")

	// Replica two caches c's (empty) and b's ancestors.
	for _, w := range []string{b, c} {
		if _, err := twoClient.ListAncestors(context.Background(), &lineagev1.ListAncestorsRequest{Work: w}); err != nil {
			t.Fatal(err)
		}
	}
	stream := events(watch(t, twoClient, &lineagev1.WatchDerivationsRequest{Works: []string{a}, IncludeDescendants: true}))
	// Pub/sub subscriptions settle asynchronously: record until heard.
	var heard *lineagev1.WatchDerivationsResponse
	for i := 0; heard == nil; i++ {
		d := one.work(t, k, "d"+string(rune('a'+i)), "TEXT", "CC0-1.0")
		if _, err := oneClient.CreateDerivation(alice, &lineagev1.CreateDerivationRequest{Derivation: &lineagev1.Derivation{
			Derivative: d, Source: b, Relation: lineagev1.Relation_RELATION_REMIX}}); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-stream:
			if e.err != nil {
				t.Fatal(e.err)
			}
			heard = e.msg
		case <-time.After(300 * time.Millisecond):
			if i > 20 {
				t.Fatal("replica two never heard of replica one's derivations")
			}
		}
	}
	if heard.GetWatchedWork() != a || heard.GetDerivation().GetSource() != b {
		t.Fatalf("event = %v", heard)
	}
	// Read your writes across replicas: an edge recorded through one is
	// in the next answer of the other, whose cache held the old closure.
	if _, err := oneClient.CreateDerivation(alice, &lineagev1.CreateDerivationRequest{Derivation: &lineagev1.Derivation{
		Derivative: c, Source: b, Relation: lineagev1.Relation_RELATION_REMIX}}); err != nil {
		t.Fatal(err)
	}
	resp, err := twoClient.ListAncestors(context.Background(), &lineagev1.ListAncestorsRequest{Work: c})
	if err != nil || names(resp.GetAncestors()) != b+" "+a {
		t.Fatalf("c's ancestors through replica two = %v, %v", resp, err)
	}
}

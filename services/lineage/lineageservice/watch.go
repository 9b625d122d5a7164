package lineageservice

import (
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/lineage/watch"
)

// WatchDerivations streams the derivations recorded or deleted whose
// source is a watched work or, with include_descendants, a descendant of
// one. A descendant is resolved when its event arrives, against the graph
// as it then is, by one walk per event shared by every watcher of the
// process (see eventWalks). Streams are bounded per client and in all
// (Deps.WatchesPerClient, Deps.MaxWatches): beyond, RESOURCE_EXHAUSTED.
// The stream ends when the client leaves or the process shuts down.
func (s *Service) WatchDerivations(req *lineagev1.WatchDerivationsRequest, stream lineagev1.LineageService_WatchDerivationsServer) error {
	ctx := stream.Context()
	// A descendant watch costs an ancestry walk per event, so unlike the
	// plain watch (a GET, public by policy) it needs a key: anonymous
	// clients cannot make every write walk the graph for them.
	if req.GetIncludeDescendants() {
		if _, err := auth.Require(ctx); err != nil {
			return err
		}
	}
	if len(req.GetWorks()) == 0 {
		return apierr.Missing("works")
	}
	if len(req.GetWorks()) > s.MaxBatch {
		return apierr.Invalid("works", "%d works; at most %d", len(req.GetWorks()), s.MaxBatch)
	}
	watched := map[string]bool{}
	ids := make([]string, len(req.GetWorks()))
	for i, name := range req.GetWorks() {
		id, err := workID("works", name)
		if err != nil {
			return err
		}
		watched[id], ids[i] = true, id
	}
	if err := s.mustExist(ctx, ids...); err != nil {
		return err
	}
	client := s.watchClient(ctx)
	if err := s.watches.acquire(client); err != nil {
		return err
	}
	defer s.watches.release(client)
	sub := s.Hub.Subscribe()
	defer sub.Close()
	// Headers now: a client knows the watch has begun before any event.
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.Stopping:
			return nil
		case e, ok := <-sub.Events():
			if !ok {
				if sub.Overflowed() {
					return apierr.Exhausted("WATCH_OVERFLOW", "the watcher fell more than %d events behind; watch again, and list derivations to catch up", watch.Buffer)
				}
				return nil
			}
			work, err := s.concerns(stream, e, watched, req.GetIncludeDescendants())
			if err != nil {
				return err
			}
			if work == "" {
				continue
			}
			if err := stream.Send(&lineagev1.WatchDerivationsResponse{
				Type:        lineagev1.WatchDerivationsResponse_Type(e.Type),
				Derivation:  toDerivation(e.Derivation),
				WatchedWork: workName(work),
				EventTime:   timestamppb.New(e.Time),
			}); err != nil {
				return err
			}
		}
	}
}

// concerns returns the watched work an event concerns: its source, or
// with descendants the nearest watched ancestor of its source; "" if none.
func (s *Service) concerns(stream lineagev1.LineageService_WatchDerivationsServer, e watch.Event, watched map[string]bool, descendants bool) (string, error) {
	src := e.Derivation.Source
	if watched[src] {
		return src, nil
	}
	if !descendants {
		return "", nil
	}
	c, err := s.eventAncestors(stream.Context(), e)
	if err != nil {
		return "", err
	}
	for _, n := range c.Nodes {
		if watched[n.Work] {
			return n.Work, nil
		}
	}
	return "", nil
}

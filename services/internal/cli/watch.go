package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

// errEnough ends a watch that has printed the events --count asked for.
var errEnough = errors.New("enough events")

func newWatchCmd() *cobra.Command {
	var o clientOptions
	var req lineagev1.WatchDerivationsRequest
	var (
		count int
		ev    eventWatch
	)
	cmd := &cobra.Command{
		Use:   "watch <work>... | watch <work> [--scope ancestors|descendants] [--since SEQ] [--kinds K,...]",
		Short: "Print derivations as they are recorded or deleted from the works named, until stopped",
		Long: `Watch follows the derivations made from the works named (as sources) and
prints one line per event as it happens: its time, created or deleted, the
watched work and the derivation. With --descendants (needs STEMMA_API_KEY)
it also follows derivations from everything derived from them. --output json
prints one JSON object per line, the API's WatchDerivationsResponse.

With --scope, --since or --kinds it follows the event log instead
(docs/events.md): licence changes, derivations recorded or deleted and
curations accepted about one work, its ancestors or its descendants, each
line led by the event's sequence. --since SEQ first replays the events after
SEQ (0: from the log's start), so a watcher that reconnects with the last
sequence it printed misses nothing; an event seen twice has the same id.

Watch runs until it is interrupted (Ctrl-C, SIGTERM), the server ends the
stream, or --count events have been printed; then it exits 0. --timeout does
not apply: a watch has no deadline.`,
		Example: `  stemma watch photo
  stemma watch works/libfoo works/libbar --descendants --output json | jq -c .derivation.derivative
  stemma watch photo --count 1   # wait for the next derivation, then exit
  stemma watch opentofu --scope ancestors --kinds licence-changed --since 41`,
		Args: atLeastOne("work to watch"),
		RunE: func(cmd *cobra.Command, a []string) error {
			if count < 0 {
				return usageErrorf("--count %d: want 0 (no limit) or more", count)
			}
			if f := cmd.Flags(); f.Changed("scope") || f.Changed("since") || f.Changed("kinds") {
				return ev.run(cmd, &o, a, count, f.Changed("since"))
			}
			for _, w := range a {
				req.Works = append(req.Works, resourceName("works", w))
			}
			return follow(cmd, &o, lineageService.Methods().ByName("WatchDerivations"), &req, count,
				func() proto.Message { return &lineagev1.WatchDerivationsResponse{} },
				func(m proto.Message) string {
					e := m.(*lineagev1.WatchDerivationsResponse)
					d := e.GetDerivation()
					return fmt.Sprintf("%s  %s  %s  %s  %s -%s-> %s", e.GetEventTime().AsTime().Format(time.RFC3339),
						enumWord(e.GetType().Descriptor(), e.GetType().Number()), e.GetWatchedWork(), d.GetName(),
						d.GetDerivative(), enumWord(d.GetRelation().Descriptor(), d.GetRelation().Number()), d.GetSource())
				})
		},
	}
	addClientFlags(cmd, &o)
	f := cmd.Flags()
	f.BoolVar(&req.IncludeDescendants, "descendants", false, "also follow derivations from the works' descendants (needs STEMMA_API_KEY)")
	f.IntVar(&count, "count", 0, "stop after this many events (0: run until interrupted)")
	f.StringVar(&ev.scope, "scope", "", "follow the event log of the work (work), its ancestors or its descendants")
	f.Int64Var(&ev.since, "since", 0, "replay the event log after this sequence (0: from its start), then follow it")
	f.StringSliceVar(&ev.kinds, "kinds", nil, "event kinds: licence-changed, derivation-created, derivation-deleted, curation-accepted (default: all)")
	return cmd
}

// eventWatch is watch over the event log (WatchEvents).
type eventWatch struct {
	scope string
	since int64
	kinds []string
}

func (ev *eventWatch) run(cmd *cobra.Command, o *clientOptions, works []string, count int, since bool) error {
	if len(works) != 1 {
		return usageErrorf("the event log is watched for one work at a time; got %d", len(works))
	}
	req := &lineagev1.WatchEventsRequest{Work: resourceName("works", works[0])}
	var err error
	if req.Scope, err = eventScope(ev.scope); err != nil {
		return err
	}
	if req.Kinds, err = eventKinds(ev.kinds); err != nil {
		return err
	}
	if since {
		req.SinceSequence = &ev.since
	}
	return follow(cmd, o, subscriptionService.Methods().ByName("WatchEvents"), req, count,
		func() proto.Message { return &lineagev1.Event{} },
		func(m proto.Message) string {
			e := m.(*lineagev1.Event)
			return fmt.Sprintf("%d  %s  %s  %s  %s", e.GetSequence(), e.GetEventTime().AsTime().Format(time.RFC3339),
				enumWord(e.GetKind().Descriptor(), e.GetKind().Number()), strings.Join(e.GetWorks(), ","), eventSummary(e))
		})
}

// follow runs a watch: it prints each message of the stream, a line of
// text or (--output json) one JSON object a line, until it is
// interrupted, the server ends the stream or count messages were printed.
func follow(cmd *cobra.Command, o *clientOptions, method protoreflect.MethodDescriptor, req proto.Message, count int,
	newMsg func() proto.Message, line func(proto.Message) string) error {
	c, err := o.connect()
	if err != nil {
		return err
	}
	defer c.close()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := cmd.OutOrStdout()
	seen := 0
	err = c.stream(ctx, method, req, newMsg, func(m proto.Message) error {
		if o.output == "json" {
			b, err := protojson.MarshalOptions{EmitUnpopulated: true}.Marshal(m)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s\n", b)
		} else {
			fmt.Fprintln(out, line(m))
		}
		if seen++; count > 0 && seen >= count {
			return errEnough
		}
		return nil
	})
	if err == nil || errors.Is(err, errEnough) || ctx.Err() != nil {
		return nil
	}
	return failed(err)
}

// eventSummary is an event's detail on one line.
func eventSummary(e *lineagev1.Event) string {
	switch {
	case e.GetLicenceChange() != nil:
		l := e.GetLicenceChange()
		return fmt.Sprintf("%s -> %s effective %s", orDash(l.GetPreviousLicence()), orDash(l.GetLicence()), l.GetEffectiveTime().AsTime().Format(time.RFC3339))
	case e.GetDerivation() != nil:
		d := e.GetDerivation()
		return fmt.Sprintf("%s %s -%s-> %s", d.GetName(), d.GetDerivative(), enumWord(d.GetRelation().Descriptor(), d.GetRelation().Number()), d.GetSource())
	case e.GetCuration() != nil:
		return e.GetCuration().GetName() + " " + e.GetCuration().GetLicence()
	}
	return ""
}

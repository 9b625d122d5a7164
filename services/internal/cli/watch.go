package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

// errEnough ends a watch that has printed the events --count asked for.
var errEnough = errors.New("enough events")

func newWatchCmd() *cobra.Command {
	var o clientOptions
	var req lineagev1.WatchDerivationsRequest
	var count int
	cmd := &cobra.Command{
		Use:   "watch <work>...",
		Short: "Print derivations as they are recorded or deleted from the works named, until stopped",
		Long: `Watch follows the derivations made from the works named (as sources) and
prints one line per event as it happens: its time, created or deleted, the
watched work and the derivation. With --descendants (needs STEMMA_API_KEY)
it also follows derivations from everything derived from them. --output json
prints one JSON object per line, the API's WatchDerivationsResponse.

Watch runs until it is interrupted (Ctrl-C, SIGTERM), the server ends the
stream, or --count events have been printed; then it exits 0. --timeout does
not apply: a watch has no deadline.`,
		Example: `  stemma watch photo
  stemma watch works/libfoo works/libbar --descendants --output json | jq -c .derivation.derivative
  stemma watch photo --count 1   # wait for the next derivation, then exit`,
		Args: atLeastOne("work to watch"),
		RunE: func(cmd *cobra.Command, a []string) error {
			if count < 0 {
				return usageErrorf("--count %d: want 0 (no limit) or more", count)
			}
			for _, w := range a {
				req.Works = append(req.Works, resourceName("works", w))
			}
			c, err := o.connect()
			if err != nil {
				return err
			}
			defer c.close()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			seen := 0
			err = c.stream(ctx, lineageService.Methods().ByName("WatchDerivations"), &req,
				func() proto.Message { return &lineagev1.WatchDerivationsResponse{} },
				func(m proto.Message) error {
					e := m.(*lineagev1.WatchDerivationsResponse)
					if o.output == "json" {
						b, err := protojson.MarshalOptions{EmitUnpopulated: true}.Marshal(e)
						if err != nil {
							return err
						}
						fmt.Fprintf(out, "%s\n", b)
					} else {
						d := e.GetDerivation()
						fmt.Fprintf(out, "%s  %s  %s  %s  %s -%s-> %s\n", e.GetEventTime().AsTime().Format(time.RFC3339),
							enumWord(e.GetType().Descriptor(), e.GetType().Number()), e.GetWatchedWork(), d.GetName(),
							d.GetDerivative(), enumWord(d.GetRelation().Descriptor(), d.GetRelation().Number()), d.GetSource())
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
		},
	}
	addClientFlags(cmd, &o)
	f := cmd.Flags()
	f.BoolVar(&req.IncludeDescendants, "descendants", false, "also follow derivations from the works' descendants (needs STEMMA_API_KEY)")
	f.IntVar(&count, "count", 0, "stop after this many events (0: run until interrupted)")
	return cmd
}

package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/emptypb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

var (
	subscriptionService = lineagev1.File_stemma_lineage_v1_subscription_proto.Services().ByName("SubscriptionService")
	catalogEventService = catalogv1.File_stemma_catalog_v1_outbox_proto.Services().ByName("CatalogEventService")
)

func newSubscriptionsCmd() *cobra.Command {
	var o clientOptions
	cmd := &cobra.Command{
		Use:   "subscriptions",
		Short: "Create, list and delete subscriptions to licence and lineage events",
		Long: `A subscription follows the events of a work, of its ancestors or of its
descendants (licence changes, derivations recorded or deleted, curations
accepted) on the watch stream and, with --webhook, by signed HTTP POSTs.
Only its owner or an admin may read or delete it (docs/events.md).`,
	}
	addClientFlags(cmd, &o)
	cmd.AddCommand(newSubscriptionsCreateCmd(&o), newSubscriptionsListCmd(&o), newSubscriptionsShowCmd(&o),
		newSubscriptionsDeleteCmd(&o), newSubscriptionsDeliveriesCmd(&o))
	return cmd
}

// eventKinds reads --kinds words into event kinds.
func eventKinds(words []string) ([]lineagev1.EventKind, error) {
	var out []lineagev1.EventKind
	for _, w := range words {
		n, err := parseEnum(lineagev1.EventKind(0).Descriptor(), "kinds", w)
		if err != nil {
			return nil, err
		}
		out = append(out, lineagev1.EventKind(n))
	}
	return out, nil
}

// eventScope reads --scope.
func eventScope(word string) (lineagev1.Scope, error) {
	if word == "" {
		return lineagev1.Scope_SCOPE_WORK, nil
	}
	n, err := parseEnum(lineagev1.Scope(0).Descriptor(), "scope", word)
	return lineagev1.Scope(n), err
}

func showSubscription(w io.Writer, s *lineagev1.Subscription) {
	var kinds []string
	for _, k := range s.GetKinds() {
		kinds = append(kinds, enumWord(k.Descriptor(), k.Number()))
	}
	fmt.Fprintf(w, "NAME\t%s\nWORK\t%s\nSCOPE\t%s\nKINDS\t%s\nWEBHOOK\t%s\nOWNER\t%s\n", s.GetName(), s.GetWork(),
		enumWord(s.GetScope().Descriptor(), s.GetScope().Number()), orDash(strings.Join(kinds, ",")), orDash(s.GetWebhookUrl()), s.GetOwner())
	if s.GetSecret() != "" {
		fmt.Fprintf(w, "SECRET\t%s\t(shown once)\n", s.GetSecret())
	}
}

func newSubscriptionsCreateCmd(o *clientOptions) *cobra.Command {
	var (
		sub   lineagev1.Subscription
		scope string
		kinds []string
	)
	cmd := &cobra.Command{
		Use:   "create <work> [--scope ancestors|descendants] [--kinds K,...] [--webhook URL [--secret S]]",
		Short: "Subscribe to a work's events (needs STEMMA_API_KEY)",
		Example: `  stemma subscriptions create opentofu --scope ancestors --kinds licence-changed --webhook https://hooks.example.com/stemma
  stemma subscriptions create works/libfoo --scope descendants --output json`,
		Args: args("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			var err error
			sub.Work = resourceName("works", a[0])
			if sub.Scope, err = eventScope(scope); err != nil {
				return err
			}
			if sub.Kinds, err = eventKinds(kinds); err != nil {
				return err
			}
			resp := &lineagev1.Subscription{}
			if err := o.invoke(cmd, subscriptionService, "CreateSubscription", &lineagev1.CreateSubscriptionRequest{Subscription: &sub}, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) { showSubscription(w, resp) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&scope, "scope", "", "work (default), ancestors or descendants: which works around the target to follow")
	f.StringSliceVar(&kinds, "kinds", nil, "licence-changed, derivation-created, derivation-deleted, curation-accepted (default: all)")
	f.StringVar(&sub.WebhookUrl, "webhook", "", "POST events to this URL (the server's --webhook-allow must allow it)")
	f.StringVar(&sub.Secret, "secret", "", "the webhook's signing secret (default: the server makes one, shown once)")
	return cmd
}

func newSubscriptionsListCmd(o *clientOptions) *cobra.Command {
	var req lineagev1.ListSubscriptionsRequest
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List your subscriptions (an admin's: all)",
		Example: "  stemma subscriptions list --output json",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			resp := &lineagev1.ListSubscriptionsResponse{}
			if err := o.invoke(cmd, subscriptionService, "ListSubscriptions", &req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "NAME\tWORK\tSCOPE\tWEBHOOK\tOWNER\n")
				for _, s := range resp.GetSubscriptions() {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.GetName(), s.GetWork(), enumWord(s.GetScope().Descriptor(), s.GetScope().Number()),
						orDash(s.GetWebhookUrl()), s.GetOwner())
				}
				if resp.GetNextPageToken() != "" {
					fmt.Fprintf(w, "\nmore with --page-token %s\n", resp.GetNextPageToken())
				}
			})
		},
	}
	cmd.Flags().Int32Var(&req.PageSize, "page-size", 0, "subscriptions per page (0: the server's default)")
	cmd.Flags().StringVar(&req.PageToken, "page-token", "", "the page to start from")
	return cmd
}

func newSubscriptionsShowCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "show <subscription>",
		Short:   "Show one of your subscriptions",
		Example: "  stemma subscriptions show subscriptions/abc",
		Args:    args("subscription"),
		RunE: func(cmd *cobra.Command, a []string) error {
			resp := &lineagev1.Subscription{}
			req := &lineagev1.GetSubscriptionRequest{Name: resourceName("subscriptions", a[0])}
			if err := o.invoke(cmd, subscriptionService, "GetSubscription", req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) { showSubscription(w, resp) })
		},
	}
}

func newSubscriptionsDeleteCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "delete <subscription>",
		Short:   "Delete one of your subscriptions",
		Example: "  stemma subscriptions delete subscriptions/abc",
		Args:    args("subscription"),
		RunE: func(cmd *cobra.Command, a []string) error {
			name := resourceName("subscriptions", a[0])
			if err := o.invoke(cmd, subscriptionService, "DeleteSubscription", &lineagev1.DeleteSubscriptionRequest{Name: name}, &emptypb.Empty{}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %s\n", name)
			return nil
		},
	}
}

func newSubscriptionsDeliveriesCmd(o *clientOptions) *cobra.Command {
	var req lineagev1.ListDeliveriesRequest
	cmd := &cobra.Command{
		Use:     "deliveries <subscription>",
		Short:   "List a subscription's webhook delivery attempts",
		Example: "  stemma subscriptions deliveries subscriptions/abc",
		Args:    args("subscription"),
		RunE: func(cmd *cobra.Command, a []string) error {
			req.Parent = resourceName("subscriptions", a[0])
			resp := &lineagev1.ListDeliveriesResponse{}
			if err := o.invoke(cmd, subscriptionService, "ListDeliveries", &req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "TIME\tEVENT\tSEQUENCE\tATTEMPT\tSTATE\tHTTP\tERROR\n")
				for _, d := range resp.GetDeliveries() {
					fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%d\t%s\n", d.GetAttemptTime().AsTime().Format(time.RFC3339), d.GetEventId(),
						d.GetEventSequence(), d.GetAttempt(), enumWord(d.GetState().Descriptor(), d.GetState().Number()), d.GetHttpStatus(), orDash(d.GetError()))
				}
				if resp.GetNextPageToken() != "" {
					fmt.Fprintf(w, "\nmore with --page-token %s\n", resp.GetNextPageToken())
				}
			})
		},
	}
	cmd.Flags().Int32Var(&req.PageSize, "page-size", 0, "attempts per page (0: the server's default)")
	cmd.Flags().StringVar(&req.PageToken, "page-token", "", "the page to start from")
	return cmd
}

func newLicenceEventsCmd() *cobra.Command {
	var (
		o   clientOptions
		req catalogv1.ListLicenceEventsRequest
	)
	cmd := &cobra.Command{
		Use:   "licence-events",
		Short: "List the catalog's licence changes after a sequence (its outbox, as a change feed)",
		Example: `  stemma licence-events --after 0 --page-size 50
  stemma licence-events --after 120 --output json`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			resp := &catalogv1.ListLicenceEventsResponse{}
			if err := o.invoke(cmd, catalogEventService, "ListLicenceEvents", &req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "SEQUENCE\tWORK\tFROM\tTO\tEFFECTIVE\tACTOR\n")
				for _, e := range resp.GetEvents() {
					c := e.GetChange()
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", e.GetSequence(), e.GetWork(), orDash(c.GetPreviousLicence()), orDash(c.GetLicence()),
						c.GetEffectiveTime().AsTime().Format(time.RFC3339), c.GetActor())
				}
			})
		},
	}
	addClientFlags(cmd, &o)
	cmd.Flags().Int64Var(&req.AfterSequence, "after", 0, "list the changes after this sequence")
	cmd.Flags().Int32Var(&req.PageSize, "page-size", 0, "changes per page (0: the server's default)")
	return cmd
}

func newEventsCmd() *cobra.Command {
	var (
		o     clientOptions
		req   lineagev1.ListEventsRequest
		scope string
		kinds []string
	)
	cmd := &cobra.Command{
		Use:   "events <work>",
		Short: "List the events of a work, its ancestors or its descendants already in the log",
		Long: `events lists the event log's past for a work's scope, oldest first, up to
the log's head (ListEvents). To go on from there, pass the HEAD it prints to
stemma watch --since. A scope beyond the work needs STEMMA_API_KEY.`,
		Example: `  stemma events works/opentofu --scope ancestors --kinds licence-changed
  stemma events works/opentofu --scope ancestors --page-token TOKEN --output json`,
		Args: args("work"),
		RunE: func(cmd *cobra.Command, a []string) error {
			req.Work = resourceName("works", a[0])
			var err error
			if req.Scope, err = eventScope(scope); err != nil {
				return err
			}
			if req.Kinds, err = eventKinds(kinds); err != nil {
				return err
			}
			resp := &lineagev1.ListEventsResponse{}
			if err := o.invoke(cmd, subscriptionService, "ListEvents", &req, resp); err != nil {
				return err
			}
			return o.show(cmd, resp, func(w io.Writer) {
				fmt.Fprintf(w, "SEQUENCE\tTIME\tKIND\tWORKS\tDETAIL\n")
				for _, e := range resp.GetEvents() {
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", e.GetSequence(), e.GetEventTime().AsTime().Format(time.RFC3339),
						enumWord(e.GetKind().Descriptor(), e.GetKind().Number()), strings.Join(e.GetWorks(), ","), eventSummary(e))
				}
				fmt.Fprintf(w, "\nHEAD %d\n", resp.GetHeadSequence())
				if resp.GetNextPageToken() != "" {
					fmt.Fprintf(w, "more with --page-token %s\n", resp.GetNextPageToken())
				}
			})
		},
	}
	addClientFlags(cmd, &o)
	f := cmd.Flags()
	f.StringVar(&scope, "scope", "", "list the events of the work (work), its ancestors or its descendants")
	f.StringSliceVar(&kinds, "kinds", nil, "event kinds: licence-changed, derivation-created, derivation-deleted, curation-accepted (default: all)")
	f.Int32Var(&req.PageSize, "page-size", 0, "events per page (0: the server's default)")
	f.StringVar(&req.PageToken, "page-token", "", "the page to start from, as a previous list printed it")
	return cmd
}

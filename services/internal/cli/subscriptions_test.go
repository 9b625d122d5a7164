package cli

import (
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// From the command line: a relicensing upstream reaches `stemma watch
// --scope ancestors --since` downstream and is listed by `stemma events`,
// `stemma whoami` names the key's principal, and a subscription is
// created, listed, refused to another principal and deleted.
func TestWatchEventsAndSubscriptions(t *testing.T) {
	for transport, server := range servers(t) {
		t.Run(transport, func(t *testing.T) {
			t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
			up, down := "up-"+transport, "down-"+transport
			stemma(t, "works", "create", "--id", up, "--kind", "software", "--title", "Upstream", "--licence", "MPL-2.0", "--server", server).want(t, 0)
			stemma(t, "works", "create", "--id", down, "--kind", "software", "--title", "Downstream", "--licence", "MPL-2.0", "--server", server).want(t, 0)
			stemma(t, "derive", down, up, "--relation", "fork", "--server", server).want(t, 0)
			stemma(t, "works", "update", up, "--licence", "BUSL-1.1", "--server", server).want(t, 0)
			stemma(t, "watch", down, "--scope", "ancestors", "--kinds", "licence-changed", "--since", "0", "--count", "1", "--server", server).
				want(t, 0, "licence-changed", "works/"+up, "MPL-2.0 -> BUSL-1.1")
			stemma(t, "watch", down, "--scope", "sideways", "--server", server).want(t, 2, "--scope")
			// The watch above saw the change in the log, so the list has it.
			stemma(t, "events", down, "--scope", "ancestors", "--kinds", "licence-changed", "--server", server).
				want(t, 0, "licence-changed", "works/"+up, "MPL-2.0 -> BUSL-1.1", "HEAD ")
			stemma(t, "events", down, "--scope", "ancestors", "--server", "http://127.0.0.1:1").want(t, 2)
			stemma(t, "whoami", "--server", server).want(t, 0, "PRINCIPAL", "alice")

			r := stemma(t, "subscriptions", "create", down, "--scope", "ancestors", "--output", "json", "--server", server)
			r.want(t, 0, `"SCOPE_ANCESTORS"`)
			name, _ := r.json(t)["name"].(string)
			stemma(t, "subscriptions", "create", down, "--webhook", "http://10.0.0.1:80/x", "--server", server).want(t, 2, "webhook")
			stemma(t, "subscriptions", "list", "--server", server).want(t, 0, name)
			t.Setenv("STEMMA_API_KEY", apptest.BobKey)
			stemma(t, "subscriptions", "delete", name, "--server", server).want(t, 2, "PERMISSION_DENIED")
			t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
			stemma(t, "subscriptions", "deliveries", name, "--server", server).want(t, 0, "ATTEMPT")
			stemma(t, "subscriptions", "delete", name, "--server", server).want(t, 0, "deleted "+name)
			stemma(t, "licence-events", "--server", server).want(t, 0, "works/"+up)
		})
	}
}

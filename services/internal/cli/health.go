package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func newHealthCmd() *cobra.Command {
	var o clientOptions
	var service string
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Ask a Stemma process whether it is ready",
		Long: `Health asks a Stemma process whether it serves: GET /healthz over REST (every
part of the process, and for a gateway the services it calls), or the gRPC
health service (--service names one, for example
stemma.catalog.v1.CatalogService). Exit code 0 when it serves, 1 when it
answers that it does not, 2 when it cannot be reached. The container image has
no shell or curl, so its health checks run this.`,
		Example: "  stemma health --server http://127.0.0.1:8080\n  stemma health --server grpc://127.0.0.1:9090 --service stemma.lineage.v1.LineageService",
		Args:    args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.connect()
			if err != nil {
				return err
			}
			defer c.close()
			out := cmd.OutOrStdout()
			if c.conn != nil {
				ctx, cancel := context.WithTimeout(cmd.Context(), c.timeout)
				defer cancel()
				resp, err := healthpb.NewHealthClient(c.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
				if err != nil {
					return failed(err)
				}
				fmt.Fprintln(out, resp.GetStatus())
				if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
					return answeredNo
				}
				return nil
			}
			resp, err := c.http.Get(strings.TrimSuffix(c.base.String(), "/") + "/healthz")
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
			fmt.Fprintln(out, strings.TrimSpace(string(b)))
			if resp.StatusCode != http.StatusOK {
				return answeredNo
			}
			return nil
		},
	}
	addClientFlags(cmd, &o)
	cmd.Flags().StringVar(&service, "service", "", "over gRPC: the service to ask about (empty: the whole server)")
	return cmd
}

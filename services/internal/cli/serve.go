package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/config"
)

func newServeCmd() *cobra.Command {
	cfg := config.Default()
	var listTargets bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the services: all of them in one process, or the parts --target names",
		Long: `Run Stemma's services. With no flags, one process runs every part (licences,
catalog, lineage and the REST gateway) on SQLite under ./data with an
in-process cache, and prints a development key.

Every flag can also be set through an environment variable: --database-url
is STEMMA_DATABASE_URL, --api-keys is STEMMA_API_KEYS, and so on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if listTargets {
				return printTargets(cmd.OutOrStdout())
			}
			unknown, err := config.ApplyEnv(cmd.Flags(), os.Environ())
			if err != nil {
				return err
			}
			if err := cfg.Validate(app.Parts()); err != nil {
				return err
			}
			log, err := newLogger(cfg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			for _, name := range unknown {
				log.Warn("environment variable matches no flag; ignored", "name", name)
			}
			log.Info("configuration", "config", &cfg)
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			a, err := app.New(ctx, cfg, log)
			if err != nil {
				return err
			}
			if cfg.DevKey != "" {
				printDevKey(cmd.OutOrStdout(), cfg, a)
			}
			return a.Run(ctx)
		},
	}
	cfg.RegisterFlags(cmd.Flags())
	cmd.Flags().BoolVar(&listTargets, "list-targets", false, "list the parts --target accepts, in start order, and exit")
	return cmd
}

func newLogger(cfg config.Config, w io.Writer) (*slog.Logger, error) {
	level, err := config.ParseLevel(cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return slog.New(slog.NewJSONHandler(w, opts)), nil
}

// printDevKey shows the generated development key on standard output, for
// the person who ran `make run`; it never goes into the log.
func printDevKey(w io.Writer, cfg config.Config, a *app.App) {
	fmt.Fprintf(w, `
  Stemma is running with a generated development key (no STEMMA_API_KEYS set).
  Principal "dev" (an admin) may write with:

      Authorization: Bearer %s

  REST  http://%s/v1/   OpenAPI http://%s/openapi.json
  gRPC  %s

`, cfg.DevKey, a.HTTPAddr(), a.HTTPAddr(), a.GRPCAddr())
}

// printTargets lists the parts --target accepts, in start order: what each
// does, the gRPC services it serves and the parts it calls.
func printTargets(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PART\tCALLS\tWHAT\tSERVES")
	for _, t := range app.Targets() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, orDash(strings.Join(t.Calls, ",")), t.Summary, orDash(strings.Join(t.Services, ", ")))
	}
	return tw.Flush()
}

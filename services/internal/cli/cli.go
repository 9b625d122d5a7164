// Package cli holds the stemma command's subcommands: serve, which runs the
// services, and the client commands, which talk to a running Stemma over
// REST or gRPC (docs/cli.md).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Version is the version the binary reports; the Makefile sets it with
// -ldflags "-X ...cli.Version=...".
var Version = ""

// Main runs the stemma command with args and returns its exit code.
func Main(args []string) int {
	return run(context.Background(), args, os.Stdout, os.Stderr)
}

// run runs the command with its output going to stdout and stderr. Usage
// mistakes (an unknown command or flag, missing arguments) exit 2, like
// the client commands' errors, so that a typo in a CI script is never read
// as an answer; a failing serve exits 1.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitYes
	}
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		if ee.err != nil {
			fmt.Fprintln(stderr, "stemma:", ee.err)
		}
		return ee.code
	case strings.HasPrefix(err.Error(), "unknown command"):
		// cobra reports an unknown command with an untyped error.
		fmt.Fprintln(stderr, "stemma:", err)
		return exitFailed
	}
	fmt.Fprintln(stderr, "stemma:", err)
	return 1
}

// newRootCmd is the stemma command with every subcommand.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "stemma",
		Short:         "Stemma: a registry of works, their licences and how they derive from each other",
		SilenceUsage:  true,
		SilenceErrors: true,
		Long: `Stemma records works, the licences they carry and how they derive from each
other. "stemma serve" runs the services; the other commands talk to a
running Stemma over REST or gRPC (--server, STEMMA_SERVER) and write tables,
or JSON with --output json. Writes take the key in STEMMA_API_KEY.

Exit codes: 0 yes (compatible, no conflicts, done), 1 no (incompatible or
unknown, conflicts found), 2 error (usage, transport or server).`,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitFailed, err: err}
	})
	root.AddCommand(newServeCmd(), newVersionCmd(),
		newCheckCmd(), newCheckBatchCmd(), newLicencesCmd(), newExceptionsCmd(), newWorksCmd(), newDeriveCmd(),
		newWalkCmd(walks[0]), newWalkCmd(walks[1]), newTraceCmd(), newSuggestCmd(), newDerivationsCmd(), newAuditCmd(), newAttributionCmd(), newNoticeCmd(), newSbomCmd(), newImportCmd(), newWatchCmd(), newHealthCmd(),
		newExportCmd(), newRestoreCmd(), newBackupCmd(), newMigrateCmd(), newPolicyCmd(), newCurationsCmd(), newFingerprintCmd(), newSimilarCmd(),
		newSubscriptionsCmd(), newLicenceEventsCmd(), newEventsCmd(), newWhoamiCmd())
	return root
}

// args checks a command's positional arguments: exactly the names given.
func args(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, got []string) error {
		if len(got) != len(names) {
			return usageErrorf("want %d arguments (%s), have %d", len(names), strings.Join(names, ", "), len(got))
		}
		return nil
	}
}

// atLeastOne checks that a command taking a list got one item at least.
func atLeastOne(what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, got []string) error {
		if len(got) == 0 {
			return usageErrorf("name at least one %s", what)
		}
		return nil
	}
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), version())
		},
	}
}

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

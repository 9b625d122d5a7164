package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"

	"github.com/stemma-registry/stemma/services/internal/export"
)

// The operator commands export, restore and backup read and write the
// stores directly, as serve does, rather than talking to a running Stemma:
// they take serve's store flags, not --server.

func addStoreFlags(cmd *cobra.Command, o *export.Options) {
	dataDir := os.Getenv("STEMMA_DATA_DIR")
	if dataDir == "" {
		dataDir = "./data"
	}
	f := cmd.Flags()
	f.StringVar(&o.DataDir, "data-dir", dataDir, "SQLite files, one per service, when no database URL is set (env STEMMA_DATA_DIR)")
	f.StringVar(&o.DatabaseURL, "database-url", os.Getenv("STEMMA_DATABASE_URL"), "postgres://… selects PostgreSQL, one schema per service (env STEMMA_DATABASE_URL)")
}

// openArg opens a file argument for reading, "-" being standard input.
func openArg(cmd *cobra.Command, name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(cmd.InOrStdin()), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return f, nil
}

func newExportCmd() *cobra.Command {
	var o export.Options
	cmd := &cobra.Command{
		Use:   "export [file]",
		Short: "Write the whole registry as JSON lines (operator command: reads the stores directly)",
		Long: `Export writes the whole registry to the file (standard output when none is
given, or "-"): works with their owners, times and licence history, liens,
derivations with the licences and verdicts recorded when they were made,
and the request ids that make retries safe, as JSON lines whose first line
is the header {"stemma_export": 1, ...} and whose last counts the rows.
"stemma restore" reads it back into an empty instance, on SQLite or
PostgreSQL (docs/operations.md). It may run while Stemma serves: each
service is read in one consistent snapshot.`,
		Example: `  stemma export registry.jsonl --data-dir ./data
  stemma export --database-url "$STEMMA_DATABASE_URL" | gzip > registry.jsonl.gz`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			w := cmd.OutOrStdout()
			if len(a) == 1 && a[0] != "-" {
				f, err := createPrivate(a[0])
				if err != nil {
					return usageErrorf("%v", err)
				}
				defer f.Close()
				w = f
			}
			tr, err := export.Export(cmd.Context(), o, w)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			summary(cmd.ErrOrStderr(), "exported", tr)
			return nil
		},
	}
	addStoreFlags(cmd, &o)
	return cmd
}

func newRestoreCmd() *cobra.Command {
	var o export.Options
	cmd := &cobra.Command{
		Use:   "restore <export.jsonl>",
		Short: "Restore an export into an empty instance (operator command: writes the stores directly)",
		Long: `Restore reads an export made by "stemma export" ("-": standard input) into
the stores --data-dir or --database-url name, which must hold no registry:
a new data folder, or a new PostgreSQL database. Ids, owners, times,
licence history and derivations come back as they were, so the restored
instance answers every query as the original did. Everything is restored
or nothing: an export cut short is refused. Restore with the stemma version
that made the export, then upgrade. "stemma import --export" is the same
command.`,
		Example: `  stemma restore registry.jsonl --data-dir ./restored
  gunzip -c registry.jsonl.gz | stemma restore - --database-url postgres://…/fresh`,
		Args: args("export.jsonl"),
		RunE: func(cmd *cobra.Command, a []string) error {
			return restore(cmd, a[0], o)
		},
	}
	addStoreFlags(cmd, &o)
	return cmd
}

// restore runs a restore of the export in the named file.
func restore(cmd *cobra.Command, name string, o export.Options) error {
	r, err := openArg(cmd, name)
	if err != nil {
		return err
	}
	defer r.Close()
	tr, err := export.Import(cmd.Context(), o, bufio.NewReaderSize(r, 1<<16))
	if err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("restore: %w", err)}
	}
	summary(cmd.ErrOrStderr(), "restored", tr)
	return nil
}

func newBackupCmd() *cobra.Command {
	var o export.Options
	cmd := &cobra.Command{
		Use:   "backup <folder>",
		Short: "Copy the SQLite stores into a new folder while Stemma serves (operator command)",
		Long: `Backup copies every service's SQLite file under --data-dir into the folder
with SQLite's VACUUM INTO: a consistent snapshot taken while writers go on,
written compactly. The folder is a data directory of its own ("stemma serve
--data-dir <folder>" runs on it). PostgreSQL stores are backed up with
pg_dump, or with "stemma export" (docs/operations.md).`,
		Example: `  stemma backup /var/backups/stemma/$(date +%F) --data-dir /var/lib/stemma`,
		Args:    args("folder"),
		RunE: func(cmd *cobra.Command, a []string) error {
			// The folder is made private before SQLite writes into it, so
			// the copies are never readable by others, not even before
			// their own mode is narrowed below.
			if err := os.MkdirAll(a[0], 0o700); err != nil {
				return &exitError{code: exitFailed, err: fmt.Errorf("backup folder: %w", err)}
			}
			files, err := export.Backup(cmd.Context(), o, a[0])
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			for _, f := range files {
				if err := os.Chmod(f, privateMode); err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				fmt.Fprintln(cmd.OutOrStdout(), f)
			}
			return nil
		},
	}
	addStoreFlags(cmd, &o)
	return cmd
}

// summary reports the rows an export or a restore moved, by table.
func summary(w io.Writer, verb string, tr *export.Trailer) {
	keys := make([]string, 0, len(tr.Rows))
	var total int64
	for k, n := range tr.Rows {
		keys = append(keys, k)
		total += n
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "%s %d rows:", verb, total)
	for _, k := range keys {
		fmt.Fprintf(w, " %s %d", k, tr.Rows[k])
	}
	fmt.Fprintln(w)
}

// privateMode is the mode of export and backup files: they hold every
// principal's records, owners included, so only their writer reads them.
const privateMode os.FileMode = 0o600

// createPrivate creates or truncates the file at path with privateMode,
// narrowing the mode of a file that existed with a wider one.
func createPrivate(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, privateMode)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(privateMode); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func newMigrateCmd() *cobra.Command {
	var o export.Options
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the stores' schemas to this binary's version (operator command: opens the stores directly)",
		Long: `Migrate applies every schema migration this binary knows to each service's
store and prints the versions. "stemma serve" does the same at start unless
--migrate=false; run migrate as a role that may alter the schemas, and serve
as one that may only read and write rows (docs/operations.md).`,
		Example: `  stemma migrate --database-url "$STEMMA_ADMIN_DATABASE_URL"
  stemma migrate --data-dir ./data`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			schemas, err := export.Migrate(cmd.Context(), o)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			for _, s := range schemas {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\tschema version %d\n", s.Service, s.Version)
			}
			return nil
		},
	}
	addStoreFlags(cmd, &o)
	return cmd
}

package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Backup copies every service's SQLite store into the folder dir, which
// must not hold them already, while the stores keep serving: each copy is
// made by SQLite's VACUUM INTO, which reads one consistent snapshot (in
// WAL mode writers go on meanwhile) and writes a compact database. A copy
// is a data directory of its own: `stemma serve --data-dir=<dir>` runs
// on it. It returns the files it wrote. PostgreSQL stores are backed up
// with pg_dump, or with Export (docs/operations.md).
func Backup(ctx context.Context, o Options, dir string) ([]string, error) {
	if o.DatabaseURL != "" {
		return nil, errors.New("stemma backup copies SQLite stores; back up PostgreSQL with pg_dump or stemma export (docs/operations.md)")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("backup folder: %w", err)
	}
	var files []string
	for _, s := range services {
		dest, err := filepath.Abs(filepath.Join(dir, s.name+".db"))
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(dest); err == nil {
			return nil, fmt.Errorf("%s exists; back up into a new folder", dest)
		}
		db, err := o.open(ctx, s)
		if err != nil {
			return nil, err
		}
		_, err = db.Reader().ExecContext(ctx, "VACUUM INTO '"+strings.ReplaceAll(dest, "'", "''")+"'")
		db.Close()
		if err != nil {
			return nil, fmt.Errorf("back up %s: %w", s.name, err)
		}
		files = append(files, dest)
	}
	return files, nil
}

package export

import (
	"context"
	"fmt"
)

// Schema is one store's schema version after Migrate.
type Schema struct {
	Service string
	Version int64
}

// Migrate brings every store's schema to the newest version, as a serving
// process does at start unless told not to (serve --migrate=false): run it
// as a role that may alter the schemas, and serve as one that may not.
func Migrate(ctx context.Context, o Options) ([]Schema, error) {
	var out []Schema
	for _, s := range services {
		db, err := o.open(ctx, s)
		if err != nil {
			return out, err
		}
		current, _, err := db.Version(ctx, s.migrations)
		db.Close()
		if err != nil {
			return out, fmt.Errorf("the %s store's version: %w", s.name, err)
		}
		out = append(out, Schema{Service: s.name, Version: current})
	}
	return out, nil
}

package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/export"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// TestServeWithoutDDLRights migrates as the database's owner, then serves
// as a role that may only read and write rows: with --migrate=false the
// suite serves, with migration it cannot start, and over a schema that is
// behind it refuses to start, naming `stemma migrate`.
func TestServeWithoutDDLRights(t *testing.T) {
	ctx := context.Background()
	role := fmt.Sprintf("stemma_serve_%d", rand.IntN(1e9))
	admin, err := pgx.Connect(ctx, testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE ROLE "+role+" LOGIN"); err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the databases are dropped.
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, testenv.PostgresURL(t))
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP ROLE IF EXISTS "+role); err != nil {
			t.Error(err)
		}
	})
	owner := testenv.Database(t, "stemma_roles")
	schemas, err := export.Migrate(ctx, export.Options{DatabaseURL: owner})
	if err != nil || len(schemas) != 2 || schemas[0].Version == 0 {
		t.Fatalf("migrate = %v, %v", schemas, err)
	}
	db, err := pgx.Connect(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	for _, s := range []string{"catalog", "lineage"} {
		for _, grant := range []string{
			"GRANT USAGE ON SCHEMA %s TO %s",
			"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO %s",
			"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %s TO %s",
		} {
			if _, err := db.Exec(ctx, fmt.Sprintf(grant, s, role)); err != nil {
				t.Fatal(err)
			}
		}
	}
	u, err := url.Parse(owner)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	serving := u.String()

	cfg := apptest.Config(t)
	cfg.DatabaseURL, cfg.Migrate = serving, true
	if _, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("serve migrating as a role without DDL rights started")
	}

	cfg = apptest.Config(t)
	cfg.DatabaseURL, cfg.Migrate = serving, false
	inst := apptest.Start(t, cfg)
	if code, body := inst.Do(t, "POST", "/v1/works", apptest.AliceKey, `{"kind":"WORK_KIND_TEXT","title":"Served","licence":"MIT"}`); code != http.StatusOK {
		t.Fatalf("create a work as the serving role: %d %s", code, body)
	}

	cfg = apptest.Config(t)
	cfg.DatabaseURL, cfg.Migrate = testenv.Database(t, "stemma_unmigrated"), false
	_, err = app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "stemma migrate") {
		t.Fatalf("serve --migrate=false over an empty database: %v; want a refusal naming stemma migrate", err)
	}
}

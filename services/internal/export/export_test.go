package export_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	catalogstore "github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/export"
	"github.com/stemma-registry/stemma/services/internal/rpc"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/internal/testenv"
	"github.com/stemma-registry/stemma/services/lineage/generator"
	"github.com/stemma-registry/stemma/services/lineage/lineageservice"
	lineagestore "github.com/stemma-registry/stemma/services/lineage/store"
)

// commons is the generated registry of the round trip: a few thousand
// works, three derivations each on average, deep chains and one work with
// hundreds of ancestors.
var commons = generator.Config{Works: 3000, Edges: 9000, Seed: 9, Chains: 4, ChainDepth: 40,
	TargetAncestors: 300, TargetDepth: 60, TargetChain: 20}

// store is where an instance keeps its registry.
type store struct {
	name string
	opts export.Options
}

func (s store) instance(t *testing.T) *apptest.Instance {
	cfg := apptest.Config(t)
	cfg.DataDir, cfg.DatabaseURL, cfg.RateLimit = s.opts.DataDir, s.opts.DatabaseURL, 0
	return apptest.Start(t, cfg)
}

// TestRoundTrip exports a generated registry from a serving instance and
// restores it into an empty one, on SQLite and on PostgreSQL, and from
// each engine into the other: every ancestors, audit and attribution
// answer, every work and licence history, is the same before and after,
// and, within an engine, exporting the restored registry gives the same
// rows.
func TestRoundTrip(t *testing.T) {
	pg := testenv.StartPostgres(t)
	newStore := func(engine string) store {
		if engine == "postgres" {
			name := fmt.Sprintf("db%d", time.Now().UnixNano())
			return store{engine, export.Options{DatabaseURL: pg.CreateDatabase(name)}}
		}
		return store{engine, export.Options{DataDir: t.TempDir()}}
	}
	for _, pair := range [][2]string{{"sqlite", "sqlite"}, {"postgres", "postgres"}, {"sqlite", "postgres"}, {"postgres", "sqlite"}} {
		t.Run(pair[0]+" to "+pair[1], func(t *testing.T) {
			src, dst := newStore(pair[0]), newStore(pair[1])
			a := src.instance(t)
			works := load(t, a, src.opts)
			before := answers(t, a, works)
			var dump bytes.Buffer
			tr, err := export.Export(context.Background(), src.opts, &dump)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Stop(); err != nil {
				t.Fatal(err)
			}
			if _, err := export.Import(context.Background(), dst.opts, bytes.NewReader(dump.Bytes())); err != nil {
				t.Fatal(err)
			}
			b := dst.instance(t)
			after := answers(t, b, works)
			for q, want := range before {
				if after[q] != want {
					t.Errorf("%s after the round trip:\n got %.400s\nwant %.400s", q, after[q], want)
				}
			}
			var again bytes.Buffer
			if _, err := export.Export(context.Background(), dst.opts, &again); err != nil {
				t.Fatal(err)
			}
			// Across engines the rows differ in form (SQLite keeps booleans
			// as 0 and 1, and orders text its own way); the answers above
			// are what must not differ.
			if pair[0] == pair[1] && rows(dump.String()) != rows(again.String()) {
				t.Error("exporting the restored registry gives other rows than the original export")
			}
			t.Logf("%s to %s: %d rows (%d works, %d derivations), %d answers compared, all equal",
				pair[0], pair[1], strings.Count(dump.String(), "\n")-2,
				tr.Rows["catalog.works"], tr.Rows["lineage.derivations"], len(before))

			if _, err := export.Import(context.Background(), dst.opts, bytes.NewReader(dump.Bytes())); !errors.Is(err, export.ErrNotEmpty) {
				t.Errorf("a second restore into the same instance: %v, want ErrNotEmpty", err)
			}
		})
	}
}

// rows returns an export without its header, whose time differs.
func rows(dump string) string {
	_, rest, _ := strings.Cut(dump, "\n")
	return rest
}

// load fills the instance's stores with the generated commons (through the
// stores' bulk paths) and, through the API, with what only requests make:
// licence changes with their actors and effective times, works and a
// derivation with request ids, liens. It returns the works to ask about.
func load(t *testing.T, a *apptest.Instance, o export.Options) []string {
	t.Helper()
	ctx := context.Background()
	c := generator.Generate(commons)
	open := func(service string, m storage.Options) *storage.DB {
		m.DatabaseURL, m.DataDir, m.Service = o.DatabaseURL, o.DataDir, service
		db, err := storage.Open(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	catDB := open(catalogstore.Service, storage.Options{Migrations: catalogstore.Migrations()})
	linDB := open(lineagestore.Service, storage.Options{Migrations: lineagestore.Migrations()})
	if err := generator.LoadWorks(ctx, catalogstore.New(catDB), c, 1000); err != nil {
		t.Fatal(err)
	}
	conn, err := rpc.Dial(rpc.Target{Addrs: []string{a.GRPCAddr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := generator.LoadDerivations(ctx, lineagestore.New(linDB), c, lineageservice.NewChecker(licencesv1.NewLicenceServiceClient(conn), 1000)); err != nil {
		t.Fatal(err)
	}

	var works []string
	for i := 0; i < len(c.Works); i += 37 {
		works = append(works, generator.WorkID(int32(i)))
	}
	works = append(works, generator.WorkID(c.Target))
	for i, id := range works[:12] {
		call(t, a, "PATCH", "/v1/works/"+id+"?updateMask=licence&licenceChangeNote=relicensed&licenceEffectiveTime=2026-0"+
			fmt.Sprint(1+i%9)+"-01T00:00:00Z", apptest.RootKey, `{"licence":"Apache-2.0"}`)
	}
	x := call(t, a, "POST", "/v1/works?requestId=rt-1&workId=rt-x", apptest.AliceKey, `{"kind":"WORK_KIND_TEXT","title":"X","licence":"MIT"}`)
	y := call(t, a, "POST", "/v1/works?requestId=rt-2&workId=rt-y", apptest.AliceKey, `{"kind":"WORK_KIND_TEXT","title":"Y","licence":"MIT","creators":[{"name":"Ada"}]}`)
	call(t, a, "POST", "/v1/derivations?requestId=rt-3", apptest.AliceKey,
		`{"derivative":"works/rt-y","source":"works/rt-x","relation":"RELATION_TRANSLATION","note":"into Welsh"}`)
	if !strings.Contains(x, "rt-x") || !strings.Contains(y, "rt-y") {
		t.Fatalf("works made through the API: %s %s", x, y)
	}
	relayed(t, catDB, linDB)
	return append(works, "rt-x", "rt-y")
}

// relayed waits until the lineage service has relayed every event of the
// catalog's outbox into its event log, so that the export holds a settled
// registry: a restored one relays nothing more, and exports the same rows.
func relayed(t *testing.T, cat, lin *storage.DB) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var written, read int64
		if err := cat.Reader().QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM outbox").Scan(&written); err != nil {
			t.Fatal(err)
		}
		if err := lin.Reader().QueryRowContext(ctx, "SELECT COALESCE(MAX(position), 0) FROM relay_cursors").Scan(&read); err != nil {
			t.Fatal(err)
		}
		if read >= written {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the relay read the catalog's outbox up to %d of %d in 30s", read, written)
		}
	}
}

// call makes a REST call that must succeed and returns the answer.
func call(t *testing.T, a *apptest.Instance, verb, path, key, body string) string {
	t.Helper()
	code, b := a.Do(t, verb, path, key, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d: %s", verb, path, code, b)
	}
	return string(b)
}

// answers asks the instance everything about each work: the work, its
// licence history and liens, its ancestors, descendants, audit and
// attribution (first pages of a thousand).
func answers(t *testing.T, a *apptest.Instance, works []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, id := range works {
		for _, q := range []string{"", "/licenceChanges?pageSize=1000", "/liens?pageSize=1000", "/ancestors?pageSize=1000",
			"/descendants?pageSize=1000", ":audit?pageSize=1000", "/attribution"} {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				path := "/v1/works/" + id + q
				code, b := a.Do(t, "GET", path, "", "")
				mu.Lock()
				out[path] = fmt.Sprintf("%d %s", code, b)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return out
}

// TestTruncatedExportRestoresNothing: an export cut short is refused as a
// whole, and the target stays empty.
func TestTruncatedExportRestoresNothing(t *testing.T) {
	dump := smallExport(t)
	lines := strings.SplitAfter(strings.TrimSuffix(dump, "\n"), "\n")
	cut := strings.Join(lines[:len(lines)-1], "")
	dst := export.Options{DataDir: t.TempDir()}
	if _, err := export.Import(context.Background(), dst, strings.NewReader(cut)); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Fatalf("a truncated export: %v, want a refusal", err)
	}
	if _, err := export.Import(context.Background(), dst, strings.NewReader(dump)); err != nil {
		t.Fatalf("the whole export into the target the truncated one left: %v", err)
	}
	if !export.IsExport([]byte(lines[0])) || export.IsExport([]byte(`{"bomFormat":"CycloneDX"}`)) {
		t.Error("IsExport does not tell an export's header from an SBOM")
	}
}

// TestBackupWhileWriting backs up the SQLite stores while writers keep
// going: the copy is a sound database with every work committed before the
// backup began, and an instance serves from it.
func TestBackupWhileWriting(t *testing.T) {
	src := export.Options{DataDir: t.TempDir()}
	cfg := apptest.Config(t)
	cfg.DataDir, cfg.RateLimit = src.DataDir, 0
	a := apptest.Start(t, cfg)
	for i := range 20 {
		call(t, a, "POST", "/v1/works", apptest.AliceKey, fmt.Sprintf(`{"kind":"WORK_KIND_TEXT","title":"before %d"}`, i))
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	written := 0
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest("POST", a.BaseURL()+"/v1/works", strings.NewReader(`{"kind":"WORK_KIND_TEXT","title":"during"}`))
			req.Header.Set("Authorization", "Bearer "+apptest.AliceKey)
			resp, err := a.HTTPClient().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				written++
			}
		}
	}()
	time.Sleep(200 * time.Millisecond)
	dir := filepath.Join(t.TempDir(), "backup")
	files, err := export.Backup(context.Background(), src, dir)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("backup wrote %v", files)
	}
	restored := apptest.Config(t)
	restored.DataDir = dir
	b := apptest.Start(t, restored)
	got := call(t, b, "GET", "/v1/works?pageSize=1000", "", "")
	if n := strings.Count(got, `"title":"before `); n != 20 {
		t.Errorf("the backup has %d of the 20 works written before it", n)
	}
	t.Logf("backup taken while works were written: %d written in all, %d of them in the backup", written, strings.Count(got, `"title":"during"`))
	if _, err := export.Backup(context.Background(), src, dir); err == nil {
		t.Error("a backup over an existing one was not refused")
	}
}

// An export is a file anyone may have edited: a row for a table that is
// not the registry's (here the migration tool's version table) is refused,
// and nothing is restored.
func TestRestoreWritesOnlyItsTables(t *testing.T) {
	dump := smallExport(t)
	lines := strings.SplitAfter(dump, "\n")
	forged := `{"service":"catalog","table":"goose_db_version","row":{"id":1,"version_id":99,"is_applied":1,"tstamp":"2026-01-01 00:00:00"}}` + "\n"
	edited := lines[0] + forged + strings.Join(lines[1:], "")
	dst := export.Options{DataDir: t.TempDir()}
	if _, err := export.Import(context.Background(), dst, strings.NewReader(edited)); err == nil || !strings.Contains(err.Error(), "goose_db_version") {
		t.Fatalf("a row for the migration tool's table: %v, want a refusal naming it", err)
	}
	if _, err := export.Import(context.Background(), dst, strings.NewReader(dump)); err != nil {
		t.Fatalf("the export as written, into the target the forged one left: %v", err)
	}
}

// smallExport is the export of a registry of one work.
func smallExport(t *testing.T) string {
	t.Helper()
	cfg := apptest.Config(t)
	cfg.DataDir = t.TempDir()
	a := apptest.Start(t, cfg)
	call(t, a, "POST", "/v1/works", apptest.AliceKey, `{"kind":"WORK_KIND_TEXT","title":"kept","licence":"MIT"}`)
	var dump bytes.Buffer
	if _, err := export.Export(context.Background(), export.Options{DataDir: cfg.DataDir}, &dump); err != nil {
		t.Fatal(err)
	}
	return dump.String()
}

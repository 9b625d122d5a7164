package catalogservice_test

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// Many clients updating one work at once, some without etags (each
// relicensing it), some with (each adding a creator, retrying on
// ABORTED): every change lands and the history is one unbroken chain.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	c := start(t, apptest.Config(t)).client
	w, err := c.CreateWork(alice, &catalogv1.CreateWorkRequest{Work: software("contended", "MIT")})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 6, 5
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for g := 0; g < writers; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_, err := c.UpdateWork(alice, &catalogv1.UpdateWorkRequest{
					Work:       &catalogv1.Work{Name: w.GetName(), Licence: fmt.Sprintf("LicenseRef-w%d-%d", g, i)},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"licence"}},
				})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
		go func() {
			defer wg.Done()
			for {
				cur, err := c.GetWork(anyone, &catalogv1.GetWorkRequest{Name: w.GetName()})
				if err != nil {
					errs <- err
					return
				}
				_, err = c.UpdateWork(alice, &catalogv1.UpdateWorkRequest{
					Work: &catalogv1.Work{Name: w.GetName(), Etag: cur.GetEtag(),
						Creators: append(cur.GetCreators(), &catalogv1.Creator{Name: "writer " + strconv.Itoa(g)})},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"creators"}},
				})
				if status.Code(err) == codes.Aborted {
					continue
				}
				errs <- err
				return
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.GetWork(anyone, &catalogv1.GetWorkRequest{Name: w.GetName()})
	if err != nil || len(got.GetCreators()) != writers {
		t.Fatalf("creators after concurrent etag updates = %v, %v; want %d", got.GetCreators(), err, writers)
	}
	h, err := c.ListLicenceChanges(anyone, &catalogv1.ListLicenceChangesRequest{Parent: w.GetName(), PageSize: 1000})
	if err != nil || len(h.GetLicenceChanges()) != 1+writers*each {
		t.Fatalf("history = %d entries, %v; want %d", len(h.GetLicenceChanges()), err, 1+writers*each)
	}
	for i, ch := range h.GetLicenceChanges()[1:] {
		if ch.GetPreviousLicence() != h.GetLicenceChanges()[i].GetLicence() {
			t.Fatalf("history broken at entry %d: %v", i+1, ch)
		}
	}
	if last := h.GetLicenceChanges()[writers*each]; last.GetLicence() != got.GetLicence() {
		t.Errorf("the last history entry %q is not the work's licence %q", last.GetLicence(), got.GetLicence())
	}
}

// A Redis that dies while the suite runs costs latency, not errors: every
// request still succeeds, and a write is what the next read sees.
func TestRedisStoppedMidRun(t *testing.T) {
	srv := testenv.StartRedis(t)
	cfg := apptest.Config(t)
	cfg.RedisURL = srv.URL()
	inst := start(t, cfg)

	code, w := rest(t, inst, "POST", "/v1/works", apptest.AliceKey, `{"kind": "WORK_KIND_IMAGE", "title": "before"}`)
	if code != http.StatusOK {
		t.Fatalf("create = %d %v", code, w)
	}
	name := str(w, "name")
	if code, got := rest(t, inst, "GET", "/v1/"+name, "", ""); code != http.StatusOK || str(got, "title") != "before" {
		t.Fatalf("read = %d %v", code, got)
	}

	srv.Stop()
	for _, title := range []string{"during one", "during two"} {
		code, got := rest(t, inst, "PATCH", "/v1/"+name, apptest.AliceKey, `{"title": "`+title+`"}`)
		if code != http.StatusOK {
			t.Fatalf("update while Redis is down = %d %v", code, got)
		}
		if code, got := rest(t, inst, "GET", "/v1/"+name, "", ""); code != http.StatusOK || str(got, "title") != title {
			t.Fatalf("read while Redis is down = %d %v; want %q", code, got, title)
		}
	}
	if code, got := rest(t, inst, "POST", "/v1/works", apptest.BobKey, `{"kind": "WORK_KIND_IMAGE", "title": "new"}`); code != http.StatusOK {
		t.Fatalf("create while Redis is down = %d %v", code, got)
	}

	srv.Start()
	code, got := rest(t, inst, "PATCH", "/v1/"+name, apptest.AliceKey, `{"title": "after"}`)
	if code != http.StatusOK {
		t.Fatalf("update after Redis came back = %d %v", code, got)
	}
	if code, got := rest(t, inst, "GET", "/v1/"+name, "", ""); code != http.StatusOK || str(got, "title") != "after" {
		t.Fatalf("read after Redis came back = %d %v", code, got)
	}
}

// A catalog that cannot reach the licences service answers UNAVAILABLE
// for what needs a licence checked, and serves the rest.
func TestLicencesUnavailable(t *testing.T) {
	cfg := apptest.Config(t, config.PartCatalog)
	cfg.LicencesAddr = fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	c := start(t, cfg).client

	_, err := c.CreateWork(alice, &catalogv1.CreateWorkRequest{Work: software("x", "MIT")})
	wantCode(t, "create with a licence while the licences service is down", err, codes.Unavailable, "")
	if _, err := c.CreateWork(alice, &catalogv1.CreateWorkRequest{Work: software("x", "")}); err != nil {
		t.Fatalf("create without a licence: %v", err)
	}
}

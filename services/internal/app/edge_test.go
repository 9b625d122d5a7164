package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// TestRESTRefusesTheInternalKey presents the internal key to the gateway,
// on a read and on a write: it acts for every owner, so on the public port
// it must be as good as no key at all, and worse than an unknown one.
func TestRESTRefusesTheInternalKey(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/licences/MIT", ""},
		{"POST", "/v1/works", `{"kind":"WORK_KIND_TEXT","title":"Squatted","licence":"MIT"}`},
	} {
		if code, body := inst.Do(t, c.method, c.path, apptest.InternalKey, c.body); code != http.StatusUnauthorized {
			t.Errorf("%s %s with the internal key: %d %s; want 401", c.method, c.path, code, body)
		}
	}
	if code, body := inst.Do(t, "POST", "/v1/works", apptest.AliceKey, `{"kind":"WORK_KIND_TEXT","title":"Mine","licence":"MIT"}`); code != http.StatusOK {
		t.Fatalf("alice creates a work: %d %s", code, body)
	}
}

// TestGRPCTakesTheInternalKeyOnlyInternally presents the internal key on
// the public gRPC port, where it must count for nothing, and on the
// internal listener, where a lien (which only the parts may place) is
// placed with it. An ordinary key works on both.
func TestGRPCTakesTheInternalKeyOnlyInternally(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	public := catalogv1.NewCatalogServiceClient(inst.Conn(t))
	internal := catalogv1.NewCatalogServiceClient(inst.InternalConn(t))
	w, err := public.CreateWork(apptest.As(apptest.AliceKey), &catalogv1.CreateWorkRequest{
		Work: &catalogv1.Work{Kind: catalogv1.WorkKind_WORK_KIND_TEXT, Title: "Held", Licence: "MIT"}})
	if err != nil {
		t.Fatal(err)
	}
	lien := &catalogv1.CreateLienRequest{Parent: w.GetName(), LienId: "d1", Lien: &catalogv1.Lien{Origin: "derivations/d1"}}
	as := apptest.As(apptest.InternalKey)
	if _, err := public.GetWork(as, &catalogv1.GetWorkRequest{Name: w.GetName()}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("a read with the internal key on the public port: %v; want Unauthenticated", err)
	}
	if _, err := public.CreateLien(as, lien); status.Code(err) != codes.Unauthenticated {
		t.Errorf("a lien placed with the internal key on the public port: %v; want Unauthenticated", err)
	}
	if l, err := internal.CreateLien(as, lien); err != nil || l.GetCreator() != "stemma-internal" {
		t.Errorf("a lien placed with the internal key on the internal listener: %v, %v", l, err)
	}
	if _, err := internal.GetWork(apptest.As(apptest.BobKey), &catalogv1.GetWorkRequest{Name: w.GetName()}); err != nil {
		t.Errorf("bob reads on the internal listener: %v", err)
	}
}

// TestAnonymousLimitIgnoresForwardedFor rotates X-Forwarded-For on every
// anonymous request: the gateway's own view of the client is the same, so
// the requests share one bucket and the burst runs out.
func TestAnonymousLimitIgnoresForwardedFor(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.AnonymousRateLimit = 0.01
	cfg.AnonymousRateBurst = 3
	inst := apptest.Start(t, cfg)
	codes := map[int]int{}
	for i := range 10 {
		req, err := http.NewRequest("GET", inst.BaseURL()+"/v1/licences/MIT", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
		resp, err := inst.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes[resp.StatusCode]++
	}
	if codes[http.StatusOK] != 3 || codes[http.StatusTooManyRequests] != 7 {
		t.Fatalf("10 anonymous reads with rotated X-Forwarded-For and a burst of 3: %v; want 3 OK and 7 429", codes)
	}
}

// TestSlowBodyIsCut sends a request whose body never arrives: the read
// timeout must close the connection rather than hold it for as long as the
// client likes. The deadline on the client's side only bounds the test.
func TestSlowBodyIsCut(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.HTTPReadTimeout = 200 * time.Millisecond
	inst := apptest.Start(t, cfg)
	conn, err := net.Dial("tcp", inst.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/works HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server still held the connection of a body that never came after 30 s")
	}
}

// TestAuthFailuresAreLimited guesses keys from one address: after ten
// failures a minute the address is refused with 429 and Retry-After,
// whatever key it presents, so keys cannot be brute-forced. Calls that
// present no key are not guesses and do not count.
func TestAuthFailuresAreLimited(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	for range 20 {
		if code, body := inst.Do(t, "POST", "/v1/works", "", `{"kind":"WORK_KIND_TEXT","title":"x","licence":"MIT"}`); code != http.StatusUnauthorized {
			t.Fatalf("a write without a key: %d %s; want 401", code, body)
		}
	}
	for i := range 10 {
		if code, body := inst.Do(t, "GET", "/v1/works", fmt.Sprintf("guess-%04d-aaaaaaaa", i), ""); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s; want 401", i, code, body)
		}
	}
	if code, body := inst.Do(t, "GET", "/v1/works", "guess-0011-aaaaaaaa", ""); code != http.StatusTooManyRequests || !strings.Contains(string(body), "RetryInfo") {
		t.Fatalf("guess 11: %d %s; want 429 with a RetryInfo", code, body)
	}
	if code, _ := inst.Do(t, "GET", "/v1/works", apptest.AliceKey, ""); code != http.StatusTooManyRequests {
		t.Fatalf("a right key from the guessing address: %d; want 429 (refused unread)", code)
	}
}

// TestAdminListener moves /metrics and reflection to --admin-addr: the
// public listeners no longer serve them, the admin listener does.
func TestAdminListener(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.AdminAddr = "127.0.0.1:0"
	inst := apptest.Start(t, cfg)
	if code, body := get(t, inst.BaseURL()+"/metrics"); code != http.StatusNotFound || strings.Contains(string(body), "go_goroutines") {
		t.Errorf("public /metrics: %d %.200s; want 404", code, body)
	}
	if code, body := get(t, "http://"+inst.AdminAddr()+"/metrics"); code != http.StatusOK || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("admin /metrics: %d %.200s; want the metrics", code, body)
	}
	if _, err := listServices(t, inst.GRPCAddr()); status.Code(err) != codes.Unimplemented {
		t.Errorf("reflection on the public gRPC port: %v; want Unimplemented", err)
	}
	names, err := listServices(t, inst.AdminAddr())
	if err != nil || !slices.Contains(names, "stemma.catalog.v1.CatalogService") {
		t.Errorf("reflection on the admin listener: %v %v; want the catalog service listed", names, err)
	}
}

// listServices asks the reflection service at addr for the services it
// knows.
func listServices(t *testing.T, addr string) ([]string, error) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(context.Background())
	if err != nil {
		return nil, err
	}
	// A server that refuses the stream may end it before the request is
	// sent: Send then says only io.EOF, and Recv has the status.
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	return names, nil
}

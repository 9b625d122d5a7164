package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, returning
// their paths.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "stemma test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// With a certificate configured, gRPC and HTTP are served over TLS only,
// and the in-process gateway still reaches the services.
func TestTLS(t *testing.T) {
	certFile, keyFile := selfSigned(t)
	cfg := apptest.Config(t)
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	inst := apptest.Start(t, cfg)

	resp, err := inst.HTTPClient().Get(inst.BaseURL() + "/v1/licences/MIT")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET over HTTPS: %v %v", resp, err)
	}
	resp.Body.Close()

	creds, err := credentials.NewClientTLSFromFile(certFile, "")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(inst.GRPCAddr(), grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := licencesv1.NewLicenceServiceClient(conn).GetLicence(context.Background(), &licencesv1.GetLicenceRequest{Name: "licences/MIT"}); err != nil {
		t.Fatalf("gRPC over TLS: %v", err)
	}
	plain := inst.Conn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := licencesv1.NewLicenceServiceClient(plain).GetLicence(ctx, &licencesv1.GetLicenceRequest{Name: "licences/MIT"}); err == nil {
		t.Fatal("a plaintext gRPC call succeeded against a TLS server")
	}
	if _, err := tls.Dial("tcp", inst.HTTPAddr(), &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11}); err == nil { //nolint:gosec
		t.Error("TLS 1.1 accepted")
	}
}

// A principal over its rate gets RESOURCE_EXHAUSTED; others are not held
// back by it.
func TestRateLimitPerPrincipal(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.RateLimit, cfg.RateBurst = 1, 5
	inst := apptest.Start(t, cfg)
	client := licencesv1.NewLicenceServiceClient(inst.Conn(t))
	req := &licencesv1.GetLicenceRequest{Name: "licences/MIT"}
	var limited *status.Status
	for i := 0; i < 20 && limited == nil; i++ {
		_, err := client.GetLicence(apptest.As(apptest.AliceKey), req)
		switch st := status.Convert(err); st.Code() {
		case codes.OK:
		case codes.ResourceExhausted:
			limited = st
		default:
			t.Fatal(err)
		}
	}
	if limited == nil {
		t.Fatal("alice made 20 calls at once under a limit of 1/s with a burst of 5")
	}
	var reason string
	var retry *errdetails.RetryInfo
	for _, d := range limited.Details() {
		switch x := d.(type) {
		case *errdetails.ErrorInfo:
			reason = x.GetReason()
		case *errdetails.RetryInfo:
			retry = x
		}
	}
	if reason != "RATE_LIMITED" || retry == nil || retry.GetRetryDelay().AsDuration() <= 0 {
		t.Errorf("a limited call's details: reason %q, retry %v; want RATE_LIMITED and a delay", reason, retry)
	}
	if _, err := client.GetLicence(apptest.As(apptest.BobKey), req); err != nil {
		t.Errorf("bob was limited by alice's rate: %v", err)
	}
	resp, err := inst.HTTPClient().Get(inst.BaseURL() + "/v1/licences/MIT")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("anonymous REST call: %v %v", resp, err)
	}
	req2, _ := newRequest("GET", inst.BaseURL()+"/v1/licences/MIT", apptest.AliceKey)
	resp, err = inst.HTTPClient().Do(req2)
	if err != nil || resp.StatusCode != 429 {
		t.Errorf("alice over REST while limited: %v %v; want 429", resp, err)
	}
}

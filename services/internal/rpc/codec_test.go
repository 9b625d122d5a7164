package rpc_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
)

// raw sends its bytes as the request, whatever they are.
type raw struct{}

func (raw) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}
func (raw) Unmarshal(data mem.BufferSlice, v any) error {
	*(v.(*[]byte)) = data.Materialize()
	return nil
}
func (raw) Name() string { return "proto" }

// A request that is not valid protobuf is the caller's mistake:
// INVALID_ARGUMENT, where grpc-go alone answers INTERNAL. Afterwards the
// server still answers valid requests.
func TestMalformedRequestIsInvalidArgument(t *testing.T) {
	_, addr := replica(t)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for name, payload := range map[string][]byte{
		"truncated varint":     {0x08, 0xff},
		"length past the end":  {0x0a, 0x7f, 'M'},
		"invalid UTF-8 string": {0x0a, 0x02, 0xff, 0xfe},
		"group wire type":      {0x0b},
		"field number zero":    {0x00, 0x01},
	} {
		var out []byte
		err := conn.Invoke(context.Background(), licencesv1.LicenceService_GetLicence_FullMethodName, payload, &out, grpc.ForceCodecV2(raw{}))
		if got := status.Code(err); got != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", name, err)
		}
	}
	resp, err := licencesv1.NewLicenceServiceClient(conn).GetLicence(context.Background(), &licencesv1.GetLicenceRequest{Name: "licences/MIT"})
	if err != nil || resp.GetLicenceId() != "MIT" {
		t.Fatalf("valid request after malformed ones: %v %v", resp, err)
	}
}

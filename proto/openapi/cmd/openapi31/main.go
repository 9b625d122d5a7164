// Command openapi31 writes the OpenAPI 3.1 form of the Swagger 2.0 document
// protoc-gen-openapiv2 generated (see package openapi31). `make generate`
// and scripts/check-generated.sh run it between `buf generate` and
// tools/openapi/rawbody.mjs.
//
// Usage: go run ./proto/openapi/cmd/openapi31 IN.swagger.json OUT.json
package main

import (
	"fmt"
	"os"

	"github.com/stemma-registry/stemma/proto/openapi/openapi31"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: openapi31 IN.swagger.json OUT.json")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	doc, err := openapi31.Convert(b)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	return os.WriteFile(out, doc, 0o644)
}

// Command client calls a live Stemma server through the client oapi-codegen
// generates from the OpenAPI 3.1 document (client.gen.go, written beside
// this file by services/internal/app/client_go_test.go): it creates two
// works, records a derivation between them, reads the derivative's
// ancestors and licence audit, and checks the error a bad licence
// expression gets. It prints "ok" and what it saw, or fails.
//
// Usage: STEMMA_URL=http://127.0.0.1:8080 STEMMA_KEY=<key> client
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

func main() {
	if err := run(context.Background(), os.Getenv("STEMMA_URL"), os.Getenv("STEMMA_KEY")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, key string) error {
	if url == "" || key == "" {
		return errors.New("STEMMA_URL and STEMMA_KEY must be set")
	}
	c, err := NewClientWithResponses(url, WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+key)
		return nil
	}))
	if err != nil {
		return err
	}
	create := func(title, licence string) (*CatalogServiceCreateWorkResponse, error) {
		return c.CatalogServiceCreateWorkWithResponse(ctx, nil, V1Work{Kind: WORKKINDSOFTWARE, Title: title, Licence: &licence})
	}

	src, err := create("go-client source", "MIT")
	if err != nil {
		return fmt.Errorf("create source: %w", err)
	}
	if src.JSON200 == nil {
		return unexpected("create source", src.HTTPResponse, src.Body)
	}
	der, err := create("go-client derivative", "Apache-2.0")
	if err != nil {
		return fmt.Errorf("create derivative: %w", err)
	}
	if der.JSON200 == nil {
		return unexpected("create derivative", der.HTTPResponse, der.Body)
	}
	source, derivative := *src.JSON200.Name, *der.JSON200.Name
	id := strings.TrimPrefix(derivative, "works/")

	d, err := c.LineageServiceCreateDerivationWithResponse(ctx, nil, V1Derivation{
		Derivative: derivative, Source: source, Relation: V1RelationRELATIONADAPTATION,
	})
	if err != nil {
		return fmt.Errorf("create derivation: %w", err)
	}
	if d.JSON200 == nil || *d.JSON200.Conflict {
		return unexpected("create derivation", d.HTTPResponse, d.Body)
	}

	a, err := c.LineageServiceListAncestorsWithResponse(ctx, id, nil)
	if err != nil {
		return fmt.Errorf("ancestors: %w", err)
	}
	if !(a.JSON200 != nil && len(*a.JSON200.Ancestors) == 1 &&
		*(*a.JSON200.Ancestors)[0].Work == source) {
		return unexpected("ancestors", a.HTTPResponse, a.Body)
	}

	au, err := c.LineageServiceAuditWorkWithResponse(ctx, id, nil)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if !(au.JSON200 != nil && *au.JSON200.Work == derivative &&
		*au.JSON200.DerivationsChecked == 1) {
		return unexpected("audit", au.HTTPResponse, au.Body)
	}

	// The document gives 400 the google.rpc.Status schema with code,
	// message and details required, so they are plain values here.
	b, err := create("go-client bad licence", "MIT AND (")
	if err != nil {
		return fmt.Errorf("bad licence expression: %w", err)
	}
	if !(b.StatusCode() == http.StatusBadRequest && b.JSON400 != nil &&
		b.JSON400.Code == 3 && b.JSON400.Message != "" && b.JSON400.Details != nil) {
		return unexpected("bad licence expression", b.HTTPResponse, b.Body)
	}
	fmt.Printf("ok: %s derives from %s; audit checked %d; bad licence: %d %q\n",
		derivative, source, *au.JSON200.DerivationsChecked, b.JSON400.Code, b.JSON400.Message)
	return nil
}

// unexpected describes an answer that is not the one expected.
func unexpected(what string, resp *http.Response, body []byte) error {
	return fmt.Errorf("%s: unexpected answer %s: %s", what, resp.Status, body)
}

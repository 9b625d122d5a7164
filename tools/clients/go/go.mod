// The Go client test's own module (services/internal/app/client_go_test.go
// builds it in a scratch copy, with the generated client.gen.go), kept out
// of the workspace so that oapi-codegen's runtime is no dependency of the
// suite.
module github.com/stemma-registry/stemma/tools/clients/go

go 1.26.0

require github.com/oapi-codegen/runtime v1.9.0

require (
	github.com/apapsch/go-jsonmerge/v2 v2.0.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
)

# Stemma's Makefile. `make help` lists the targets.
#
# Every tool the targets need is installed by `make tools` into .bin/ at the
# version pinned below, so a fresh clone needs only Go (and, for the tests,
# the PostgreSQL and Redis that CI provides).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
# The npm package identify's licence texts come from (make licence-texts).
SPDX_LICENSE_LIST_VERSION ?= 6.12.0
BIN       := $(CURDIR)/.bin
export PATH := $(BIN):$(PATH)
export GOBIN := $(BIN)

MODULES   := proto gateway services
PKGS      := ./proto/... ./gateway/... ./services/...
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/stemma-registry/stemma/services/internal/cli.Version=$(VERSION)

# Pinned tools.
BUF_VERSION                := v1.75.0
PROTOC_GEN_GO_VERSION      := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.2
GRPC_GATEWAY_VERSION       := v2.33.0
STATICCHECK_VERSION        := v0.8.2
GRPCURL_VERSION            := v1.9.4
GOOGLE_PROTO_FILES_VERSION := 6.0.1
KUSTOMIZE_VERSION          := v5.8.2
OAPI_CODEGEN_VERSION       := v2.8.2

# Fuzzing inside `make test` is short; `make fuzz` runs long. Each entry is
# Target:package. Budgets are counts of executions, not durations: Go 1.26's
# fuzz coordinator can report its own -fuzztime deadline as a failure
# ("context deadline exceeded", no input written; golang/go#75804, fixed in
# Go 1.27), and a count never arms that deadline. Minimising a new input is
# bounded too: on the SBOM readers' large seeds Go's default (60 s) would use
# a short run up on it. Here a target runs 20-30 thousand executions a second.
FUZZ_TARGETS := FuzzParse:./services/licences/expression/ \
                FuzzFilter:./services/internal/filter/ \
                FuzzPageToken:./services/internal/paging/ \
                FuzzCycloneDX:./services/lineage/sbom/ \
                FuzzCard:./services/lineage/sbom/ \
                FuzzCycloneDXXML:./services/lineage/sbom/ \
                FuzzSPDX:./services/lineage/sbom/ \
                FuzzSPDXTagValue:./services/lineage/sbom/ \
                FuzzSPDXYAML:./services/lineage/sbom/ \
                FuzzSPDX3:./services/lineage/sbom/ \
                FuzzGzip:./services/lineage/sbom/ \
                FuzzWrite:./services/lineage/sbom/ \
                FuzzName:./services/licences/identify/ \
                FuzzText:./services/licences/identify/ \
                FuzzPolicy:./services/lineage/policy/ \
                FuzzParseLSN:./services/internal/consistency/ \
                FuzzDecode:./services/catalog/iscc/ \
                FuzzParse:./services/catalog/similarity/ \
                FuzzVerify:./services/lineage/events/ \
                FuzzAllowList:./services/lineage/events/
# fuzz-all runs every target for $(1) executions, minimising each new input
# for at most $(2) (a per-input bound inside the worker, untouched by that race).
define fuzz-all
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} for $(1)"; \
		$(GO) test -run='^$$' -fuzz="^$${t%%:*}\$$" -fuzztime=$(1) -fuzzminimizetime=$(2) $${t#*:} || exit 1; \
	done
endef
FUZZ_EXECS      ?= 200000x
LONG_FUZZ_EXECS ?= 10000000x

TOOLS := $(BIN)/.buf-$(BUF_VERSION) \
         $(BIN)/.protoc-gen-go-$(PROTOC_GEN_GO_VERSION) \
         $(BIN)/.protoc-gen-go-grpc-$(PROTOC_GEN_GO_GRPC_VERSION) \
         $(BIN)/.grpc-gateway-$(GRPC_GATEWAY_VERSION) \
         $(BIN)/.staticcheck-$(STATICCHECK_VERSION) \
         $(BIN)/.grpcurl-$(GRPCURL_VERSION) \
         $(BIN)/.kustomize-$(KUSTOMIZE_VERSION) \
         $(BIN)/.oapi-codegen-$(OAPI_CODEGEN_VERSION)

.PHONY: help
help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: tools
tools: $(TOOLS) ## Install the pinned tools into .bin/.

$(BIN)/.buf-$(BUF_VERSION):
	$(GO) install github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION)
	@touch $@
$(BIN)/.protoc-gen-go-$(PROTOC_GEN_GO_VERSION):
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	@touch $@
$(BIN)/.protoc-gen-go-grpc-$(PROTOC_GEN_GO_GRPC_VERSION):
	$(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
	@touch $@
$(BIN)/.grpc-gateway-$(GRPC_GATEWAY_VERSION):
	$(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$(GRPC_GATEWAY_VERSION) \
		github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$(GRPC_GATEWAY_VERSION)
	@touch $@
$(BIN)/.staticcheck-$(STATICCHECK_VERSION):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@touch $@
$(BIN)/.grpcurl-$(GRPCURL_VERSION):
	$(GO) install github.com/fullstorydev/grpcurl/cmd/grpcurl@$(GRPCURL_VERSION)
	@touch $@
$(BIN)/.kustomize-$(KUSTOMIZE_VERSION):
	$(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	@touch $@
# The Go client test (services/internal/app/client_go_test.go) generates its
# client with it.
$(BIN)/.oapi-codegen-$(OAPI_CODEGEN_VERSION):
	$(GO) install github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@$(OAPI_CODEGEN_VERSION)
	@touch $@

# Every folder with a package.json gets its node_modules from its lock file.
%/node_modules/.installed: %/package.json %/package-lock.json
	cd $* && npm ci --no-audit --no-fund
	@touch $@

# @redocly/cli, pinned in tools/openapi/package-lock.json.
OPENAPI_TOOLS := tools/openapi
OPENAPI_DOCS  := $(CURDIR)/proto/openapi/stemma.openapi.json $(CURDIR)/proto/openapi/stemma.swagger.json

.PHONY: openapi-lint
openapi-lint: $(OPENAPI_TOOLS)/node_modules/.installed ## Lint the OpenAPI documents (3.1 and 2.0) with Redocly CLI (rules: tools/openapi/redocly.yaml).
	cd $(OPENAPI_TOOLS) && npx --no-install redocly lint --config redocly.yaml $(OPENAPI_DOCS)

# openapi-typescript, openapi-fetch and tsc for the TypeScript client test
# (services/internal/app/client_typescript_test.go), pinned in its lock file.
TS_CLIENT := tools/clients/typescript

.PHONY: typescript-client
typescript-client: $(TS_CLIENT)/node_modules/.installed ## Install the TypeScript client test's packages (make test does).

.PHONY: deploy-check
deploy-check: tools ## Render the Kubernetes manifests with kustomize, load the compose file, build the image's static binary, and check them.
	@unformatted=$$(gofmt -l deploy); if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	cd deploy && GOWORK=off $(GO) vet ./... && GOWORK=off staticcheck ./...
	cd deploy && GOWORK=off KUSTOMIZE=$(BIN)/kustomize $(GO) test -count=1 ./...

.PHONY: sbom-fixtures
sbom-fixtures: ## Regenerate the SBOM corpus real generators make (cyclonedx-gomod, cyclonedx-npm, npm sbom, tools-golang).
	scripts/sbom-fixtures.sh

.PHONY: generate
generate: tools ## Regenerate Go, gRPC, gateway and OpenAPI code from proto/.
	buf lint
	buf generate
	$(GO) run ./proto/openapi/cmd/openapi31 proto/openapi/stemma.swagger.json proto/openapi/stemma.openapi.json
	node tools/openapi/rawbody.mjs proto/openapi/stemma.swagger.json

.PHONY: check-generated
check-generated: tools ## Fail if the committed generated code is not what the protos generate.
	scripts/check-generated.sh

# The web explorer (gateway/web): its node_modules come from the lock file,
# its build output (gateway/web/dist) is committed and embedded in the
# binary, and its end-to-end tests drive Debian's chromium.
WEB := gateway/web

.PHONY: web
web: $(WEB)/node_modules/.installed ## Rebuild the web explorer (gateway/web/dist) from its sources.
	cd $(WEB) && npm run build

.PHONY: check-web
check-web: $(WEB)/node_modules/.installed ## Fail if gateway/web/dist is not what the explorer's sources build.
	scripts/check-web.sh

.PHONY: chromium
chromium: ## Install Debian's chromium for the browser tests when it is missing.
	@command -v chromium >/dev/null 2>&1 || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

# The Python client tests (services/internal/app/client_*_test.go) run
# Debian's python3 with Debian's packages: PyPI is out of reach where Stemma
# is built, and the test skips locally (fails in CI) without them.
PYTHON_CLIENT_PACKAGES := python3-grpcio python3-protobuf

.PHONY: python-clients
python-clients: ## Install Debian's Python packages the client tests use (grpcio, protobuf) when missing.
	@/usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(PYTHON_CLIENT_PACKAGES); }

.PHONY: test-web
test-web: build chromium $(WEB)/node_modules/.installed ## The explorer's unit tests, and end-to-end tests in headless Chromium against bin/stemma.
	cd $(WEB) && npm test
	cd $(WEB) && STEMMA_BIN=$(CURDIR)/bin/stemma npm run e2e

.PHONY: build
build: ## Build bin/stemma.
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/stemma ./services/cmd/stemma

.PHONY: run
run: build ## Run the whole suite in one process on SQLite under ./data.
	bin/stemma serve

.PHONY: lint
lint: tools ## buf lint, gofmt, go vet (per module and through the workspace), staticcheck.
	buf lint
	@unformatted=$$(gofmt -l $(MODULES)); if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	for m in $(MODULES); do (cd $$m && GOWORK=off $(GO) vet ./...); done
	staticcheck $(PKGS)

.PHONY: test
test: check-generated check-web lint openapi-lint deploy-check typescript-client python-clients ## Everything: generated code and explorer build fresh, lint, all tests with -race, a short fuzz run, browser tests.
	$(GO) test -race -count=1 -timeout 20m $(PKGS)
	$(call fuzz-all,$(FUZZ_EXECS),1s)
	$(MAKE) --no-print-directory test-web

.PHONY: fuzz
fuzz: ## Fuzz every fuzz target for LONG_FUZZ_EXECS executions each.
	$(call fuzz-all,$(LONG_FUZZ_EXECS),30s)

.PHONY: stress
stress: build ## The long stress run: the suite as processes under load and faults; writes docs/reliability.md (make test runs a short one).
	STEMMA_BIN=$(CURDIR)/bin/stemma $(GO) test -run='^TestStress$$' -count=1 -v -timeout 15m ./services/internal/stress/ \
		-args -stress.long -stress.report=$(CURDIR)/docs/reliability.md -stress.command='make stress'

.PHONY: bench
bench: ## Run the Go benchmarks and the load tests against a running suite (see docs/performance.md).
	$(GO) test -run='^$$' -bench=. -benchmem -count=5 $(PKGS) | tee bench.out
	STEMMA_LOAD=1 $(GO) test -run='^TestLoad' -v -count=1 -timeout 30m $(PKGS) | tee -a bench.out
	$(GO) test -run='^TestScale$$' -v -count=1 -timeout 60m ./services/lineage/generator/ -args -scale=full | tee -a bench.out
	STEMMA_SIMILAR_WORKS=1000000 STEMMA_SIMILAR_ENGINES=sqlite,postgres $(GO) test -run='^TestSimilarScale$$' -v -count=1 -timeout 90m ./services/catalog/store/ | tee -a bench.out

.PHONY: spdx-refresh
spdx-refresh: ## Copy the SPDX licence list from SPDX_DIR (default ../shared/data/spdx) into the binary's data.
	scripts/spdx-refresh.sh "$${SPDX_DIR:-../shared/data/spdx}"

.PHONY: licence-texts
licence-texts: ## Rebuild identify's embedded licence texts from npm spdx-license-list (needs network; not part of generate).
	scripts/licence-texts.sh $(SPDX_LICENSE_LIST_VERSION)

.PHONY: proto-vendor
proto-vendor: ## Re-vendor google/api protos from the pinned npm package google-proto-files.
	scripts/proto-vendor.sh $(GOOGLE_PROTO_FILES_VERSION)

.PHONY: clean
clean: ## Remove build output (keeps ./data).
	rm -rf bin bench.out

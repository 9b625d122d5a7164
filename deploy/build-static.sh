#!/usr/bin/env bash
# Builds the stemma binary the image ships: static (CGO_ENABLED=0; SQLite
# is pure Go), reproducible (-trimpath, no build id), outside the Go
# workspace (services/go.mod replaces the sibling modules itself). The
# Dockerfile runs it, and so does the deploy check, which then verifies
# that the result has no dynamic loader and runs.
#
# Usage: deploy/build-static.sh <output> (VERSION from the environment)
set -euo pipefail
out=$(realpath -m "${1:?usage: build-static.sh <output>}")
cd "$(dirname "$0")/../services"
CGO_ENABLED=0 GOWORK=off go build -trimpath \
  -ldflags "-s -w -buildid= -X github.com/stemma-registry/stemma/services/internal/cli.Version=${VERSION:-dev}" \
  -o "$out" ./cmd/stemma

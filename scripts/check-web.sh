#!/usr/bin/env bash
# Rebuilds the web explorer from its sources (gateway/web) into a scratch
# folder and fails if the result differs from the committed build output
# (gateway/web/dist), which the gateway embeds: like generated code, the
# build output must be what `make web` makes from the sources beside it.
# Expects gateway/web/node_modules to be installed (`npm ci`; the Makefile
# does it).
set -euo pipefail
cd "$(dirname "$0")/../gateway/web"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

npx --no-install vite build --outDir "$scratch/dist" --emptyOutDir --logLevel warn

if ! diff -rq "$scratch/dist" dist; then
  echo "stale explorer build: gateway/web/dist is not what gateway/web's sources build (run make web)"
  exit 1
fi
echo "explorer build is up to date"

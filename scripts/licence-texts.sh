#!/bin/sh
# Rebuild services/licences/identify/data/texts.json.gz from the npm package
# spdx-license-list. Needs network (npm pack), so it is not part of
# `make generate`; run it through `make licence-texts`.
set -eu
VERSION="${1:-6.12.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "spdx-license-list@$VERSION" >/dev/null)
tgz="$tmp/spdx-license-list-$VERSION.tgz"
echo "sha256 $(sha256sum "$tgz" | cut -d' ' -f1)  spdx-license-list-$VERSION.tgz"
cd "$root/services"
go run ./licences/identify/gentexts -tgz "$tgz" -out licences/identify/data/texts.json.gz

#!/usr/bin/env bash
# Re-vendors the google/api protos Stemma imports from the npm package
# google-proto-files at the version given (pinned in the Makefile).
set -euo pipefail
version=${1:?usage: proto-vendor.sh <google-proto-files version>}
dst="$(cd "$(dirname "$0")/.." && pwd)/proto/third_party"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "google-proto-files@$version" >/dev/null && tar xzf google-proto-files-*.tgz)
for f in annotations http field_behavior httpbody resource; do
  cp "$tmp/package/google/api/$f.proto" "$dst/google/api/$f.proto"
done
cp "$tmp/package/LICENSE" "$dst/LICENSE-google-proto-files"
echo "vendored google/api from google-proto-files $version into $dst"

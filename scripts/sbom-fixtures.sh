#!/usr/bin/env bash
# Regenerates the SBOM fixtures that real generators make from this
# repository (services/lineage/sbom/testdata/generated; its README says
# what each is). The Go module's SBOM is the one the import's end-to-end
# tests load: the stemma binary as built for linux/amd64 without cgo, with
# the licences cyclonedx-gomod detects in the module cache asserted.
#
# Usage: scripts/sbom-fixtures.sh (make sbom-fixtures); needs Go and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
CYCLONEDX_GOMOD_VERSION=${CYCLONEDX_GOMOD_VERSION:-v1.10.0}
out=services/lineage/sbom/testdata/generated
bin=$PWD/.bin

GOBIN=$bin go install "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@$CYCLONEDX_GOMOD_VERSION"
for v in 1.6 1.4; do
  name=cyclonedx-gomod-stemma.cdx.json
  [ "$v" = 1.6 ] || name=cyclonedx-gomod-stemma-$v.cdx.json
  (cd services && GOOS=linux GOARCH=amd64 CGO_ENABLED=0 GOWORK=off "$bin/cyclonedx-gomod" app \
    -json -licenses -assert-licenses -std -noserial -notimestamp -output-version "$v" \
    -main cmd/stemma -output "../$out/$name" .)
done
(cd gateway/web && npm sbom --sbom-format=spdx --sbom-type=application) > "$out/npm-web.spdx.json"
(cd gateway/web && npm sbom --sbom-format=cyclonedx --sbom-type=application) > "$out/npm-web.cdx.json"
echo "wrote $out"

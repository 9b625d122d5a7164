#!/usr/bin/env bash
# Regenerates the SBOM fixtures that real generators make
# (services/lineage/sbom/testdata/generated; its README says what each
# is): from this repository (cyclonedx-gomod, npm sbom over the explorer)
# and from a small npm project whose package.json and package-lock.json
# are in testdata/npm-project (cyclonedx-npm in every CycloneDX version
# and both encodings, npm sbom, and spdx/tools-golang's conversions of
# npm's SPDX JSON to YAML, tag-value and SPDX 2.2). The Go module's SBOM
# is the one the import's end-to-end tests load: the stemma binary as
# built for linux/amd64 without cgo, with the licences cyclonedx-gomod
# detects in the module cache asserted.
#
# Usage: scripts/sbom-fixtures.sh (make sbom-fixtures); needs Go and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
CYCLONEDX_GOMOD_VERSION=${CYCLONEDX_GOMOD_VERSION:-v1.10.0}
CYCLONEDX_GOMOD_OLD_VERSION=${CYCLONEDX_GOMOD_OLD_VERSION:-v1.4.1}
CYCLONEDX_NPM_VERSION=${CYCLONEDX_NPM_VERSION:-6.0.1}
out=services/lineage/sbom/testdata/generated
project=services/lineage/sbom/testdata/npm-project
bin=$PWD/.bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# cyclonedx-gomod reads the module's version from git, and cannot follow a
# worktree's .git file: it runs in a clone of the committed tree.
repo=$work/repo
git clone --quiet "$PWD" "$repo"
GOBIN=$bin go install "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@$CYCLONEDX_GOMOD_VERSION"
gomod() { # spec version, encoding flag ("-json" or ""), output file
  (cd "$repo/services" && GOOS=linux GOARCH=amd64 CGO_ENABLED=0 GOWORK=off "$bin/cyclonedx-gomod" app \
    $2 -licenses -assert-licenses -std -noserial -notimestamp -output-version "$1" \
    -main cmd/stemma -output "$OLDPWD/$out/$3" .)
}
gomod 1.6 -json cyclonedx-gomod-stemma.cdx.json
gomod 1.4 -json cyclonedx-gomod-stemma-1.4.cdx.json
gomod 1.2 "" cyclonedx-gomod-stemma-1.2.cdx.xml
gomod 1.5 "" cyclonedx-gomod-stemma-1.5.cdx.xml
# An older cyclonedx-gomod writes its own (older) default spec version.
GOBIN=$work/old go install "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@$CYCLONEDX_GOMOD_OLD_VERSION"
(cd "$repo/services" && GOOS=linux GOARCH=amd64 CGO_ENABLED=0 GOWORK=off "$work/old/cyclonedx-gomod" app \
  -json -licenses -std -noserial -main cmd/stemma -output "$OLDPWD/$out/cyclonedx-gomod-old-stemma.cdx.json" .)

# npm sbom reads the installed tree: the explorer's needs `npm ci` first.
if [ -d gateway/web/node_modules ]; then
  (cd gateway/web && npm sbom --sbom-format=spdx --sbom-type=application) > "$out/npm-web.spdx.json"
  (cd gateway/web && npm sbom --sbom-format=cyclonedx --sbom-type=application) > "$out/npm-web.cdx.json"
else
  echo "gateway/web/node_modules missing (run npm ci there): npm-web.*.json left as they are" >&2
fi

# The npm project: installed from its lock file in a temporary directory.
cp "$project/package.json" "$work/"
if [ -f "$project/package-lock.json" ]; then
  cp "$project/package-lock.json" "$work/"
  (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund)
else
  (cd "$work" && npm install --ignore-scripts --no-audit --no-fund)
  cp "$work/package-lock.json" "$project/"
fi
npm install --prefix "$work/tools" --ignore-scripts --no-audit --no-fund "@cyclonedx/cyclonedx-npm@$CYCLONEDX_NPM_VERSION"
for v in 1.2 1.3 1.4 1.5 1.6; do
  for f in JSON XML; do
    ext=$(echo "$f" | tr A-Z a-z)
    (cd "$work" && "$work/tools/node_modules/.bin/cyclonedx-npm" --spec-version "$v" --output-format "$f" \
      --output-reproducible --omit dev --output-file "$OLDPWD/$out/cyclonedx-npm-project-$v.cdx.$ext")
  done
done
(cd "$work" && npm sbom --sbom-format=spdx --sbom-type=application) > "$out/npm-project.spdx.json"
(cd "$work" && npm sbom --sbom-format=cyclonedx --sbom-type=application) > "$out/npm-project.cdx.json"
(cd scripts/spdxconvert && GOWORK=off go build -o "$work/spdxconvert" .)
"$work/spdxconvert" "$out/npm-project.spdx.json" "$out/tools-golang-npm-project"
echo "wrote $out"

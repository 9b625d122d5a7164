#!/usr/bin/env bash
# Copies licenses.json and exceptions.json of the SPDX License List (the
# json/ folder of spdx/license-list-data, or a folder holding those two
# files) into the data the binary embeds, and prints what changed. Review
# docs/licences.md afterwards: new licences are UNKNOWN until modelled.
set -euo pipefail
src=${1:?usage: spdx-refresh.sh <folder with licenses.json and exceptions.json>}
dst="$(dirname "$0")/../services/licences/spdx/data"
for f in licenses.json exceptions.json; do
  [ -f "$src/$f" ] || { echo "no $src/$f" >&2; exit 1; }
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$src/$f"
done
for f in licenses.json exceptions.json; do
  if cmp -s "$src/$f" "$dst/$f"; then echo "$f: unchanged"; else cp "$src/$f" "$dst/$f"; echo "$f: updated"; fi
done
(cd "$dst" && sha256sum licenses.json exceptions.json)
echo "Update data/PROVENANCE.md with the list version and checksums, then run make test."

#!/usr/bin/env bash
# Regenerates the code from proto/ into a scratch copy of the tree and fails
# if it differs from the generated files in the working tree: generated code
# must be what `make generate` makes from the sources beside it, whatever
# git's state.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

mkdir -p "$scratch/proto" "$scratch/gateway" "$scratch/.bin"
cp buf.yaml buf.gen.yaml "$scratch/"
cp -r proto/stemma proto/third_party "$scratch/proto/"
mkdir -p "$scratch/proto/openapi" && cp proto/openapi/config.yaml "$scratch/proto/openapi/"
find "$scratch/proto" \( -name '*.go' -o -name '*.json' \) -delete
for tool in protoc-gen-go protoc-gen-go-grpc protoc-gen-grpc-gateway protoc-gen-openapiv2; do
  ln -s "$PWD/.bin/$tool" "$scratch/.bin/$tool"
done
(cd "$scratch" && buf lint && buf generate)
go run ./proto/openapi/cmd/openapi31 "$scratch/proto/openapi/stemma.swagger.json" "$scratch/proto/openapi/stemma.openapi.json"
node tools/openapi/rawbody.mjs "$scratch/proto/openapi/stemma.swagger.json"

status=0
while IFS= read -r -d '' f; do
  rel=${f#"$scratch/"}
  if ! cmp -s "$f" "$rel"; then
    echo "stale generated file: $rel (run make generate)"
    status=1
  fi
done < <(find "$scratch/proto" "$scratch/gateway" \( -name '*.pb.go' -o -name '*.pb.gw.go' -o -name '*.swagger.json' -o -name '*.openapi.json' \) -print0)
while IFS= read -r -d '' f; do
  if [ ! -e "$scratch/$f" ]; then
    echo "generated file without a source: $f (run make generate)"
    status=1
  fi
done < <(find proto gateway \( -name '*.pb.go' -o -name '*.pb.gw.go' -o -name '*.swagger.json' -o -name '*.openapi.json' \) -print0)
[ $status -eq 0 ] && echo "generated code is up to date"
exit $status

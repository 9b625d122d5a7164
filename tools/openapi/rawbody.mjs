// rawbody.mjs rewrites, in place, the OpenAPI document protoc-gen-openapiv2
// wrote, so that a request body bound to a google.api.HttpBody field, and
// a response that is one, is described as what the gateway takes and
// answers: the document itself (an SBOM), not an HttpBody object with
// contentType and base64 data, which is what the generator says and what
// no client should send or expect. `make generate` and
// scripts/check-generated.sh run it after `buf generate`; it uses Node's
// standard library only.
//
// Usage: node tools/openapi/rawbody.mjs proto/openapi/stemma.swagger.json

import { readFileSync, writeFileSync } from 'node:fs';

const httpBodyRef = '#/definitions/apiHttpBody';

const rawDocument = {
  type: 'object',
  description:
    'The document itself, sent as the request body exactly as its author wrote it ' +
    '(Content-Type: application/json), not wrapped in another JSON object.',
};

// A response bound to an HttpBody (GET /v1/works/{id}/sbom) is written
// verbatim too, with the document's own media type.
const rawAnswer = {
  type: 'object',
  description:
    'The document itself, with its own media type (an SBOM export: application/vnd.cyclonedx+json ' +
    'or application/spdx+json), not wrapped in another JSON object.',
};

function rewrite(doc) {
  let rewritten = 0;
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(ops)) {
      for (const p of op.parameters ?? []) {
        if (p.in === 'body' && p.schema?.$ref === httpBodyRef) {
          p.schema = { ...rawDocument };
          rewritten++;
        }
      }
      const ok = op.responses?.['200'];
      if (ok?.schema?.$ref === httpBodyRef) {
        ok.schema = { ...rawAnswer };
        rewritten++;
      }
    }
  }
  // The definition stays only while something else still refers to it.
  if (!JSON.stringify(doc).includes(`"${httpBodyRef}"`)) {
    delete doc.definitions?.apiHttpBody;
  }
  return rewritten;
}

// The generator (Go's encoding/json) escapes <, > and & in strings; keep
// that, so that the file differs from the generator's only where rewritten.
function stringify(doc) {
  return (
    JSON.stringify(doc, null, 2)
      .replaceAll('<', '\\u003c')
      .replaceAll('>', '\\u003e')
      .replaceAll('&', '\\u0026') + '\n'
  );
}

const file = process.argv[2];
if (!file) {
  console.error('usage: node rawbody.mjs <openapi.json>');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(file, 'utf8'));
rewrite(doc);
writeFileSync(file, stringify(doc));
